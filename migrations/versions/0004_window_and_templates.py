"""the WhatsApp window, message templates, outbox decisions, pricing, business-scoped ids (issue 12)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The templates the service submits for approval, one row per key, language and provider.
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("key", "language", "provider",
                            name=op.f("uq_message_templates_key")),
    )
    # How each outbound message went (free-form, template, SMS, held…) and why.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("route", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("template_key", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("route_reason", sa.Text(), nullable=True))
    # What Meta charges for each message (its status webhooks' `pricing`).
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("pricing_category", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("billable", sa.Boolean(), nullable=True))
    # Business-scoped user ids: a conversation and a buyer may be known by one, and a buyer
    # who withheld their number has none until they give it.
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("user_id", sa.String(length=140), nullable=True))
        batch.create_index(batch.f("ix_conversations_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("buyers") as batch:
        batch.alter_column("phone", existing_type=sa.String(length=20), nullable=True)
        batch.add_column(sa.Column("wa_user_id", sa.String(length=140), nullable=True))
        batch.add_column(sa.Column("sms_allowed", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("marketing_opt_out", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_unique_constraint(batch.f("uq_buyers_wa_user_id"), ["wa_user_id"])


def downgrade() -> None:
    # Refused while a buyer known only by a user id has no phone: give them one first.
    with op.batch_alter_table("buyers") as batch:
        batch.drop_constraint(batch.f("uq_buyers_wa_user_id"), type_="unique")
        batch.drop_column("marketing_opt_out")
        batch.drop_column("sms_allowed")
        batch.drop_column("wa_user_id")
        batch.alter_column("phone", existing_type=sa.String(length=20), nullable=False)
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index(batch.f("ix_conversations_user_id"))
        batch.drop_column("user_id")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("billable")
        batch.drop_column("pricing_category")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("template_key")
        batch.drop_column("route_reason")
        batch.drop_column("route")
    op.drop_table("message_templates")
