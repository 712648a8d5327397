"""Team quotas: a daily target of dossiers per commune (or for the team in total).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quotas",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("commune", sa.String(8), nullable=False),
        sa.Column("target", sa.Integer, nullable=False),
        sa.Column("set_by", sa.String(32), nullable=False),
        sa.Column("set_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("day", "commune", name="uq_quota_day_commune"),
    )


def downgrade() -> None:
    op.drop_table("quotas")
