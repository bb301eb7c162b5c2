"""default plans: free, standard, premium

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

plans = sa.table(
    "plans",
    sa.column("code", sa.String), sa.column("name", sa.String),
    sa.column("price_monthly", sa.Numeric), sa.column("currency", sa.String),
    sa.column("max_listings", sa.Integer), sa.column("unlocks_per_month", sa.Integer),
    sa.column("free_unlocks", sa.Boolean), sa.column("lead_priority", sa.Integer),
    sa.column("features", sa.JSON),
)


def upgrade() -> None:
    # The plans the demo catalog's vendors name; staff edit prices and limits in the admin.
    op.bulk_insert(plans, [
        {"code": "free", "name": "Free", "price_monthly": 0, "currency": "NPR",
         "max_listings": 50, "unlocks_per_month": 3, "free_unlocks": False,
         "lead_priority": 0, "features": {}},
        {"code": "standard", "name": "Standard", "price_monthly": 1500, "currency": "NPR",
         "max_listings": 500, "unlocks_per_month": 20, "free_unlocks": False,
         "lead_priority": 1, "features": {}},
        {"code": "premium", "name": "Premium", "price_monthly": 5000, "currency": "NPR",
         "max_listings": None, "unlocks_per_month": 0, "free_unlocks": True,
         "lead_priority": 2, "features": {}},
    ])


def downgrade() -> None:
    op.execute(plans.delete().where(plans.c.code.in_(["free", "standard", "premium"])))
