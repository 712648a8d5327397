"""One citizen, one card: the citizen (12-digit ID number of the form) of each packet stored
from now on, and the packet that held it as ``duplicate_citizen`` (``docs/sync.md``,
"Completion", rule 7). ``station_packets.status`` may now also be ``held``.

Packets stored before have no row (their ID number is inside the encrypted packet): they hold
nobody. A new table only: nothing is rewritten.

Revision ID: r0003_citizen_packets
Revises: r0002_state_in_db
"""

import sqlalchemy as sa
from alembic import op

revision = "r0003_citizen_packets"
down_revision = "r0002_state_in_db"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen_packets",
        sa.Column("station_id", sa.String(64), primary_key=True),
        sa.Column("packet_id", sa.String(32), primary_key=True),
        sa.Column("id_number", sa.String(12), nullable=False),
        sa.Column("live_id_number", sa.String(12), nullable=True),
        sa.Column("held_by_station_id", sa.String(64), nullable=True),
        sa.Column("held_by_packet_id", sa.String(32), nullable=True),
        sa.Column("held_by_received_at", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_id", "packet_id"],
            ["station_packets.station_id", "station_packets.packet_id"],
        ),
        sa.UniqueConstraint("live_id_number"),
    )
    op.create_index("ix_citizen_packets_id_number", "citizen_packets", ["id_number"])


def downgrade() -> None:
    raise NotImplementedError("the receiver's schema is not downgraded")
