"""Resident search: a B-tree index on the folded name, so the exact name and the names that
start with what was typed are found by range, whatever the size of the list.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_residents_name_folded", "residents", ["name_folded"])


def downgrade() -> None:
    op.drop_index("ix_residents_name_folded", table_name="residents")
