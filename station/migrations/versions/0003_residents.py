"""Resident lists and intake-drive rosters, with a full-text index on folded names.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rosters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("imported_by", sa.String(32), nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "roster_id",
            sa.Integer,
            sa.ForeignKey("rosters.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("id_number", sa.String(12), nullable=True),
        sa.Column("old_id_number", sa.String(12), nullable=True),
        sa.Column("full_name", sa.String(100), nullable=False),
        sa.Column("name_folded", sa.String(100), nullable=False),
        sa.Column("date_of_birth", sa.String(10), nullable=True),
        sa.Column("sex", sa.String(8), nullable=True),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("priority_group", sa.String(24), nullable=True),
        sa.Column("queue_number", sa.Integer, nullable=True),
        sa.Column(
            "enrolled_dossier_id",
            sa.String(32),
            sa.ForeignKey("dossiers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("enrolled_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_residents_id_number", "residents", ["id_number"])
    op.create_index("ix_residents_old_id_number", "residents", ["old_id_number"])
    op.create_index("ix_residents_dob", "residents", ["date_of_birth"])
    op.create_index("ix_residents_roster", "residents", ["roster_id", "queue_number"])
    # Contentless FTS5 index (rowid = residents.id) of folded names and of the date of birth as
    # tokens (y1990, m199001, d19900101), so that a name with a year is one index intersection.
    # Rows are added and deleted by the station together with their residents row. Prefix
    # indexes make as-you-type queries of 2 and 3 letters cheap.
    op.execute(
        "CREATE VIRTUAL TABLE residents_fts USING fts5(name_folded, born, content='', "
        "contentless_delete=1, tokenize='unicode61', prefix='2 3')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE residents_fts")
    op.drop_table("residents")
    op.drop_table("rosters")
