"""The receiver's state: a database (SQLAlchemy 2) and a data folder.

All state lives here, none in the process, so several receivers may run side by side behind a
load balancer on one database and one shared data folder:

* the database: SQLite in ``<data>/receiver.sqlite3`` by default (WAL, ``synchronous=FULL``,
  write transactions ``BEGIN IMMEDIATE``), or any URL SQLAlchemy accepts, e.g.
  ``postgresql+psycopg://user@host/db``. Only portable SQL is used (plain tables, unique
  constraints, ``UPDATE ... WHERE`` compare-and-set); the SQLite pragmas are applied only to
  SQLite. Several hosts need PostgreSQL (SQLite on a network folder is not safe);
* ``<data>/partial/<station tag>-<packet_id>.part``: uploads in progress, each chunk written at
  its offset and fsynced before the new offset is committed;
* ``<data>/blobs/<sha256[:2]>/<sha256>.ipkt``: the accepted packets, exactly as received,
  written through a temporary file, fsync and rename.

No transaction is ever open while a request body is being read, so a connection that dies or
hangs mid-request holds no database lock: the next request of the same upload never waits on it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CursorResult,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    event,
    inspect,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from station.fsutil import atomic_write, fsync_dir

SQLITE_FILE = "receiver.sqlite3"
BUSY_TIMEOUT_MS = 15_000


class Base(DeclarativeBase):
    pass


class StationRow(Base):
    """A station allowed to send packets, with its Ed25519 public key (from its registration)."""

    __tablename__ = "stations"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    #: base64 of the 32 raw bytes.
    public_key: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UploadRow(Base):
    """An upload in progress, keyed by (station, packet): one station's packet ids cannot be
    taken by another. ``offset`` only moves by compare-and-set (``advance_offset``)."""

    __tablename__ = "station_uploads"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.station_id"), primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    #: Relative to the data folder.
    temp_path: Mapped[str] = mapped_column(String(200))


class PacketRow(Base):
    """A packet held by the receiver: one row per (station, packet), one blob per row."""

    __tablename__ = "station_packets"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.station_id"), primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(String(64), index=True)
    #: ``dossier_id`` while the packet counts for its dossier (accepted, card printed), NULL once
    #: it is rejected: the unique constraint lets a dossier have one live packet at a time, in
    #: every database (NULLs never collide), without a partial index.
    live_dossier_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    number: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    #: Relative to the data folder.
    blob_path: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(16))
    sealed_at: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[str] = mapped_column(String(32))
    #: "http" or "usb".
    via: Mapped[str] = mapped_column(String(8))
    #: accepted | rejected | card_printed | held (``duplicate_citizen``, awaiting the centre)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: JSON list of "kind" or "kind/slot".
    parts_to_recapture: Mapped[str | None] = mapped_column(Text, nullable=True)
    status_at: Mapped[str] = mapped_column(String(32))


class ReceiptRow(Base):
    """The receipt signed when the packet was accepted (``Receipt.to_json()``, as JSON text)."""

    __tablename__ = "station_receipts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["station_id", "packet_id"],
            ["station_packets.station_id", "station_packets.packet_id"],
        ),
    )

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    receipt: Mapped[str] = mapped_column(Text)


class StatusLogRow(Base):
    """Every status change of a held packet, in order: stations pull what changed after their
    cursor (``POST /v2/status``). ``seq`` grows across all stations; a station sees its own."""

    __tablename__ = "status_log"
    __table_args__ = (Index("ix_status_log_station_seq", "station_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(String(64))
    packet_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    parts: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[str] = mapped_column(String(32))


class CitizenRow(Base):
    """The citizen (12-digit ID number of the manifest's form) of a held packet, for "one
    citizen, one card" (``docs/sync.md``, "Completion", rule 7).

    ``live_id_number`` is ``id_number`` while the packet is the citizen's open dossier (accepted
    when it arrived, neither rejected nor card printed since), NULL otherwise: its unique
    constraint makes two receivers that accept packets of one citizen at the same moment
    collide, so that the second is held. ``held_by_*`` name the other station's accepted packet
    when this one was held as ``duplicate_citizen``.
    """

    __tablename__ = "citizen_packets"
    __table_args__ = (
        ForeignKeyConstraint(
            ["station_id", "packet_id"],
            ["station_packets.station_id", "station_packets.packet_id"],
        ),
    )

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(12), index=True)
    live_id_number: Mapped[str | None] = mapped_column(String(12), unique=True, nullable=True)
    held_by_station_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    held_by_packet_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    held_by_received_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class RefusalRow(Base):
    """Every packet refused, for the record; ``remember`` ones are answered again at once."""

    __tablename__ = "refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    packet_id: Mapped[str] = mapped_column(String(64), index=True)
    station_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sha256: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(32))
    vi: Mapped[str] = mapped_column(Text)
    en: Mapped[str] = mapped_column(Text)
    remember: Mapped[bool] = mapped_column(Boolean)
    via: Mapped[str] = mapped_column(String(8))
    at: Mapped[str] = mapped_column(String(32))


#: Tables of the first schema (keyed by packet id alone), moved into the ``station_*`` tables
#: when a store is opened (``ReceiverStore.migrate``), then dropped.
_OLD_TABLES = ("receipts", "packets", "uploads")
_PACKET_COLS = (
    "station_id, packet_id, dossier_id, live_dossier_id, number, sha256, size, blob_path, "
    "key_id, sealed_at, received_at, via, status, reason, parts_to_recapture, status_at"
)
_UPLOAD_COLS = 'station_id, packet_id, length, "offset", sha256, created_at, updated_at, temp_path'
_MOVE_PACKETS = (
    "INSERT INTO station_packets (" + _PACKET_COLS + ") SELECT " + _PACKET_COLS + " FROM packets"  # noqa: S608
)
_LOG_STATUSES = (
    "INSERT INTO status_log (station_id, packet_id, status, reason, parts, at) "
    "SELECT station_id, packet_id, status, reason, parts_to_recapture, status_at FROM packets "
    "WHERE status <> 'accepted' ORDER BY status_at"
)
_MOVE_RECEIPTS = (
    "INSERT INTO station_receipts (station_id, packet_id, receipt) "
    "SELECT p.station_id, r.packet_id, r.receipt FROM receipts r "
    "JOIN packets p ON p.packet_id = r.packet_id"
)
_MOVE_UPLOADS = (
    "INSERT INTO station_uploads (" + _UPLOAD_COLS + ") SELECT " + _UPLOAD_COLS + " FROM uploads"  # noqa: S608
)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A read-then-write transaction that starts deferred may fail at once with "database is
        # locked" when it upgrades; IMMEDIATE takes the write lock up front, waiting
        # (busy_timeout) rather than failing.
        if conn.get_execution_options().get("immediate", True):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url)
        _sqlite_setup(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


class ReceiverStore:
    """The database and the data folder."""

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.blobs_dir = data_dir / "blobs"
        self.partial_dir = data_dir / "partial"
        for folder in (data_dir, self.blobs_dir, self.partial_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.url = database_url or f"sqlite:///{data_dir / SQLITE_FILE}"
        self.engine = make_engine(self.url)
        Base.metadata.create_all(self.engine)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(
            self.engine.execution_options(immediate=False), expire_on_commit=False
        )
        self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One short write transaction: commits on success, rolls back on any error."""
        with self._writer() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def migrate(self) -> None:
        """Move a store of the first schema (uploads, packets and receipts keyed by packet id
        alone) into the tables keyed by (station, packet), in one transaction, in place.

        Statuses other than ``accepted`` enter the status log, so that stations pulling by
        cursor learn them once.
        """
        names = set(inspect(self.engine).get_table_names())
        if not names.intersection(_OLD_TABLES):
            return
        with self.write() as s:
            if "packets" in names:
                s.execute(text(_MOVE_PACKETS))
                s.execute(text(_LOG_STATUSES))
            if "receipts" in names:
                s.execute(text(_MOVE_RECEIPTS))
            if "uploads" in names:
                s.execute(text(_MOVE_UPLOADS))
            for name in _OLD_TABLES:
                if name in names:
                    s.execute(text("DROP TABLE " + name))

    def clean_strays(self, live_partials: set[str]) -> list[str]:
        """Remove what a killed process may have left: temporary files of atomic writes in the
        blob folders, and partial files no upload refers to. The removed paths (relative)."""
        removed: list[str] = []
        for path in self.blobs_dir.glob("*/.*.tmp"):
            removed.append(str(path.relative_to(self.data_dir)))
            path.unlink(missing_ok=True)
        for path in self.partial_dir.rglob("*"):
            if not path.is_file():
                continue
            relative = str(path.relative_to(self.data_dir))
            if relative not in live_partials:
                removed.append(relative)
                path.unlink(missing_ok=True)
        return removed

    # --- compare-and-set --------------------------------------------------------------------

    @staticmethod
    def advance_offset(
        s: Session, station_id: str, packet_id: str, expected: int, new: int, now: str
    ) -> bool:
        """``UPDATE station_uploads SET offset = new WHERE (station_id, packet_id) = :key AND
        offset = :expected``.

        True when this request moved the offset; False when another one did first (or the
        upload is gone). The row is locked only for the duration of this short statement's
        transaction, never across network I/O.
        """
        result = s.execute(
            update(UploadRow)
            .where(
                UploadRow.station_id == station_id,
                UploadRow.packet_id == packet_id,
                UploadRow.offset == expected,
            )
            .values(offset=new, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return cast("CursorResult[Any]", result).rowcount == 1

    @staticmethod
    def reset_offset(s: Session, station_id: str, packet_id: str, expected: int, now: str) -> bool:
        return ReceiverStore.advance_offset(s, station_id, packet_id, expected, 0, now)

    # --- partial uploads --------------------------------------------------------------------

    @staticmethod
    def partial_name(station_id: str, packet_id: str) -> str:
        """One file per (station, packet); the station id is hashed into the name (it may hold
        characters a file name should not)."""
        tag = hashlib.sha256(station_id.encode()).hexdigest()[:16]
        return f"partial/{tag}-{packet_id}.part"

    def path(self, relative: str) -> Path:
        return self.data_dir / relative

    def create_partial(self, relative: str) -> None:
        """Create the file empty (truncating any leftover), durable before the row commits."""
        path = self.path(relative)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_dir(path.parent)

    def partial_size(self, relative: str) -> int | None:
        try:
            return self.path(relative).stat().st_size
        except FileNotFoundError:
            return None

    def write_at(self, relative: str, offset: int, chunk: bytes) -> None:
        """Write ``chunk`` at ``offset`` and fsync. ``FileNotFoundError`` if the upload is gone.

        Written at the offset rather than appended: a late duplicate of a request writes the
        same bytes at the same place (the bytes of one packet never change), instead of
        appending them a second time.
        """
        fd = os.open(self.path(relative), os.O_WRONLY)  # never re-creates a finished upload
        try:
            view = memoryview(chunk)
            pos = offset
            while view:
                written = os.pwrite(fd, view, pos)
                view = view[written:]
                pos += written
            os.fsync(fd)
        finally:
            os.close(fd)

    def read_partial(self, relative: str, length: int) -> bytes:
        with self.path(relative).open("rb") as fh:
            return fh.read(length)

    def remove(self, relative: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(relative).unlink()

    # --- blobs ------------------------------------------------------------------------------

    @staticmethod
    def blob_name(sha256: str) -> str:
        return f"blobs/{sha256[:2]}/{sha256}.ipkt"

    def write_blob(self, sha256: str, data: bytes) -> str:
        """Store the packet bytes under their hash (idempotent); returns the relative path."""
        relative = self.blob_name(sha256)
        path = self.path(relative)
        if not path.parent.exists():
            path.parent.mkdir(exist_ok=True)
            fsync_dir(self.blobs_dir)
        atomic_write(path, data, 0o640)
        return relative

    def read_blob(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()
