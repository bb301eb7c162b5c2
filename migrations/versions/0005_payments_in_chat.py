"""payment attempts and dues (issue 16)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed by hand. Each online payment attempt (Khalti, eSewa, Razorpay): one provider
    # transaction counts once (unique per provider), and one ledger payment per attempt.
    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=12), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("provider_ref", sa.String(length=120), nullable=True),
        sa.Column("payment_url", sa.Text(), nullable=True),
        sa.Column("transaction_id", sa.String(length=120), nullable=True),
        sa.Column("provider_status", sa.String(length=40), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["buyer_id"], ["buyers.id"],
                                name=op.f("fk_payment_attempts_buyer_id_buyers")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_payment_attempts_order_id_orders")),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name=op.f("fk_payment_attempts_conversation_id_conversations")),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"],
                                name=op.f("fk_payment_attempts_payment_id_payments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_attempts_reference")),
        sa.UniqueConstraint("provider", "transaction_id",
                            name=op.f("uq_payment_attempts_provider")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payment_attempts_payment_id")),
    )
    with op.batch_alter_table("payment_attempts") as batch:
        batch.create_index(batch.f("ix_payment_attempts_buyer_id"), ["buyer_id"], unique=False)
        batch.create_index(batch.f("ix_payment_attempts_order_id"), ["order_id"], unique=False)
        batch.create_index(batch.f("ix_payment_attempts_provider_ref"), ["provider_ref"],
                           unique=False)
        batch.create_index("ix_payment_attempts_status_created_at", ["status", "created_at"],
                           unique=False)
    # Each dues reminder once per order and stage (days from the due date).
    op.create_table(
        "due_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_due_reminders_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name=op.f("fk_due_reminders_message_id_messages"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_reminders")),
        sa.UniqueConstraint("order_id", "stage", name=op.f("uq_due_reminders_order_id")),
    )
    # Staff may stop dues reminders for one buyer; everyone gets them until then.
    with op.batch_alter_table("buyers") as batch:
        batch.add_column(sa.Column("payment_reminders", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("buyers") as batch:
        batch.drop_column("payment_reminders")
    op.drop_table("due_reminders")
    with op.batch_alter_table("payment_attempts") as batch:
        batch.drop_index("ix_payment_attempts_status_created_at")
        batch.drop_index(batch.f("ix_payment_attempts_provider_ref"))
        batch.drop_index(batch.f("ix_payment_attempts_order_id"))
        batch.drop_index(batch.f("ix_payment_attempts_buyer_id"))
    op.drop_table("payment_attempts")
