"""All state in the database: chunks of uploads in progress and packet bytes.

Creates ``upload_chunks`` (one row per acknowledged chunk) and ``packet_blobs`` (the bytes of
each accepted packet under its SHA-256), moves into them what a receiver of the previous version
kept in its data folder (``partial/*.part`` up to each upload's offset, ``blobs/*/*.ipkt``),
points ``station_packets.blob_path`` at the blob row and drops ``station_uploads.temp_path``.
The files are left where they were; they may be deleted once the migration has committed.

A packet file that is missing is reported and its row left pointing at the file name (its
bytes are gone: opening it fails); a partial file that is missing or short restarts its upload
at offset 0, which the station resends.

Revision ID: r0002_state_in_db
Revises: r0001_adopt
"""

import hashlib
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "r0002_state_in_db"
down_revision = "r0001_adopt"
branch_labels = None
depends_on = None

log = logging.getLogger("sync.receiver.migrations")


def _data_dir() -> Path | None:
    value = op.get_context().config.attributes.get("data_dir")  # type: ignore[union-attr]
    return Path(value) if value is not None else None


def _read(data_dir: Path | None, relative: str) -> bytes | None:
    if data_dir is None:
        return None
    path = data_dir / relative
    try:
        if path.resolve().is_relative_to(data_dir.resolve()):
            return path.read_bytes()
    except OSError:
        pass
    return None


def upgrade() -> None:
    bind = op.get_bind()
    uploads = sa.table(
        "station_uploads",
        sa.column("station_id"),
        sa.column("packet_id"),
        sa.column("offset"),
        sa.column("temp_path"),
    )
    chunks = sa.table(
        "upload_chunks",
        sa.column("station_id"),
        sa.column("packet_id"),
        sa.column("offset"),
        sa.column("data", sa.LargeBinary),
    )
    upload_rows = bind.execute(
        sa.select(uploads.c.station_id, uploads.c.packet_id, uploads.c.offset, uploads.c.temp_path)
    ).all()
    # First, while nothing references it (SQLite recreates the table).
    with op.batch_alter_table("station_uploads") as batch:
        batch.drop_column("temp_path")
    op.create_table(
        "upload_chunks",
        sa.Column("station_id", sa.String(64), primary_key=True),
        sa.Column("packet_id", sa.String(32), primary_key=True),
        sa.Column("offset", sa.BigInteger, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id", "packet_id"],
            ["station_uploads.station_id", "station_uploads.packet_id"],
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "packet_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    data_dir = _data_dir()
    packets = sa.table(
        "station_packets",
        sa.column("station_id"),
        sa.column("packet_id"),
        sa.column("sha256"),
        sa.column("blob_path"),
    )
    blobs = sa.table("packet_blobs", sa.column("sha256"), sa.column("data", sa.LargeBinary))
    rows = bind.execute(
        sa.select(packets.c.station_id, packets.c.packet_id, packets.c.sha256, packets.c.blob_path)
    ).all()
    for station_id, packet_id, sha, blob_path in rows:
        data = _read(data_dir, blob_path)
        if data is None or hashlib.sha256(data).hexdigest() != sha:
            log.error("packet %s of station %s: file %s missing", packet_id, station_id, blob_path)
            continue
        bind.execute(sa.insert(blobs).values(sha256=sha, data=data))
        bind.execute(
            sa.update(packets)
            .where(packets.c.station_id == station_id, packets.c.packet_id == packet_id)
            .values(blob_path=sha)
        )

    for station_id, packet_id, offset, temp_path in upload_rows:
        if offset == 0:
            continue
        data = _read(data_dir, temp_path)
        if data is not None and len(data) >= offset:
            bind.execute(
                sa.insert(chunks).values(
                    station_id=station_id, packet_id=packet_id, offset=0, data=data[:offset]
                )
            )
        else:
            log.warning("upload %s: partial file lost, restarting at 0", packet_id)
            bind.execute(
                sa.update(uploads)
                .where(uploads.c.station_id == station_id, uploads.c.packet_id == packet_id)
                .values(offset=0)
            )


def downgrade() -> None:
    raise NotImplementedError("the receiver's schema is not downgraded")
