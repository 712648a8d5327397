"""Adopt a receiver database of the versions before migrations.

Creates the tables a receiver created in code (``create_all``) when they are missing, so an
empty database and one in that shape both arrive here; then moves a store of the first schema
(uploads, packets and receipts keyed by packet id alone) into the tables keyed by (station,
packet), statuses other than ``accepted`` into the status log, and drops the old tables.

Revision ID: r0001_adopt
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "r0001_adopt"
down_revision = None
branch_labels = None
depends_on = None

# The schema as the receiver created it in code, frozen here.
meta = sa.MetaData()
sa.Table(
    "stations",
    meta,
    sa.Column("station_id", sa.String(64), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("public_key", sa.String(64), nullable=False),
    sa.Column("registered_at", sa.String(32), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)
sa.Table(
    "station_uploads",
    meta,
    sa.Column("station_id", sa.String(64), sa.ForeignKey("stations.station_id"), primary_key=True),
    sa.Column("packet_id", sa.String(32), primary_key=True),
    sa.Column("length", sa.BigInteger, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Column("temp_path", sa.String(200), nullable=False),
)
sa.Table(
    "station_packets",
    meta,
    sa.Column("station_id", sa.String(64), sa.ForeignKey("stations.station_id"), primary_key=True),
    sa.Column("packet_id", sa.String(32), primary_key=True),
    sa.Column("dossier_id", sa.String(64), nullable=False, index=True),
    sa.Column("live_dossier_id", sa.String(64), nullable=True, unique=True),
    sa.Column("number", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("blob_path", sa.String(200), nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("sealed_at", sa.String(32), nullable=False),
    sa.Column("received_at", sa.String(32), nullable=False),
    sa.Column("via", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("parts_to_recapture", sa.Text, nullable=True),
    sa.Column("status_at", sa.String(32), nullable=False),
)
sa.Table(
    "station_receipts",
    meta,
    sa.Column("station_id", sa.String(64), primary_key=True),
    sa.Column("packet_id", sa.String(32), primary_key=True),
    sa.Column("receipt", sa.Text, nullable=False),
    sa.ForeignKeyConstraint(
        ["station_id", "packet_id"],
        ["station_packets.station_id", "station_packets.packet_id"],
    ),
)
sa.Table(
    "status_log",
    meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("station_id", sa.String(64), nullable=False),
    sa.Column("packet_id", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("parts", sa.Text, nullable=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Index("ix_status_log_station_seq", "station_id", "seq"),
)
sa.Table(
    "refusals",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("packet_id", sa.String(64), nullable=False, index=True),
    sa.Column("station_id", sa.String(64), nullable=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("vi", sa.Text, nullable=False),
    sa.Column("en", sa.Text, nullable=False),
    sa.Column("remember", sa.Boolean, nullable=False),
    sa.Column("via", sa.String(8), nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
)

_OLD_TABLES = ("receipts", "packets", "uploads")
_PACKET_COLS = (
    "station_id, packet_id, dossier_id, live_dossier_id, number, sha256, size, blob_path, "
    "key_id, sealed_at, received_at, via, status, reason, parts_to_recapture, status_at"
)
_UPLOAD_COLS = 'station_id, packet_id, length, "offset", sha256, created_at, updated_at, temp_path'
_MOVE_PACKETS = (
    "INSERT INTO station_packets (" + _PACKET_COLS + ") SELECT " + _PACKET_COLS + " FROM packets"  # noqa: S608
)
_MOVE_UPLOADS = (
    "INSERT INTO station_uploads (" + _UPLOAD_COLS + ") SELECT " + _UPLOAD_COLS + " FROM uploads"  # noqa: S608
)


def upgrade() -> None:
    bind = op.get_bind()
    meta.create_all(bind, checkfirst=True)
    names = set(sa.inspect(bind).get_table_names())
    if "packets" in names:
        op.execute(_MOVE_PACKETS)
        op.execute(
            "INSERT INTO status_log (station_id, packet_id, status, reason, parts, at) "
            "SELECT station_id, packet_id, status, reason, parts_to_recapture, status_at "
            "FROM packets WHERE status <> 'accepted' ORDER BY status_at"
        )
    if "receipts" in names:
        op.execute(
            "INSERT INTO station_receipts (station_id, packet_id, receipt) "
            "SELECT p.station_id, r.packet_id, r.receipt FROM receipts r "
            "JOIN packets p ON p.packet_id = r.packet_id"
        )
    if "uploads" in names:
        op.execute(_MOVE_UPLOADS)
    for name in _OLD_TABLES:
        if name in names:
            op.execute("DROP TABLE " + name)


def downgrade() -> None:
    raise NotImplementedError("the receiver's schema is not downgraded")
