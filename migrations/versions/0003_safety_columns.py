"""inbound processing attempts, staff session nonce, API token expiry

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A message whose processing keeps failing is given up after a limit (and the buyer told),
    # so one bad message never blocks the rest of its conversation.
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                   server_default="0"))
    # Logging out changes the nonce the session cookie carries: a copied cookie dies with it.
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("session_nonce", sa.String(64), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("session_nonce")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("attempts")
