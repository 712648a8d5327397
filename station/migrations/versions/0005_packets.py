"""Sealed packets: the outbox. After sealing, a dossier keeps only a summary for the queue screen
and its packet; the packet row carries the upload state and, later, the receiver's receipt.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("summary_json", sa.Text, nullable=False, server_default="{}"))
    op.create_table(
        "packets",
        sa.Column("packet_id", sa.String(32), primary_key=True),
        sa.Column("dossier_id", sa.String(32), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_attempt_at", sa.String(32), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("acked_offset", sa.Integer, nullable=False, server_default="0"),
        sa.Column("upload_url", sa.Text, nullable=True),
        sa.Column("receipt_json", sa.Text, nullable=True),
        sa.Column("receipted_at", sa.String(32), nullable=True),
        sa.Column("purged_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_packets_status", "packets", ["status", "created_at"])
    op.create_index("ix_packets_dossier", "packets", ["dossier_id"])


def downgrade() -> None:
    op.drop_table("packets")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("summary_json")
