"""The accepted packets whose citizen is not yet known to "one citizen, one card": those stored
before ``r0003_citizen_packets`` (their ID number is inside the encrypted packet, which a
migration cannot open). ``intake-station-receiver backfill-citizens`` opens each with the
receiver's keys, writes its ``citizen_packets`` row (if its form has a 12-digit ID number) and
deletes it from this list, one packet per transaction (``docs/deployment.md``, "Upgrading").

Packets accepted from now on never enter the list: the receiver writes their row on accepting
them. Only accepted packets are listed: a rejected or card-printed dossier holds nobody.

Revision ID: r0004_citizen_backfill
Revises: r0003_citizen_packets
"""

import sqlalchemy as sa
from alembic import op

revision = "r0004_citizen_backfill"
down_revision = "r0003_citizen_packets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen_backfill",
        sa.Column("station_id", sa.String(64), primary_key=True),
        sa.Column("packet_id", sa.String(32), primary_key=True),
        sa.ForeignKeyConstraint(
            ["station_id", "packet_id"],
            ["station_packets.station_id", "station_packets.packet_id"],
        ),
    )
    op.execute(
        "INSERT INTO citizen_backfill (station_id, packet_id) "
        "SELECT p.station_id, p.packet_id FROM station_packets p "
        "LEFT JOIN citizen_packets c "
        "ON c.station_id = p.station_id AND c.packet_id = p.packet_id "
        "WHERE c.packet_id IS NULL AND p.status = 'accepted'"
    )


def downgrade() -> None:
    raise NotImplementedError("the receiver's schema is not downgraded")
