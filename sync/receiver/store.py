"""The receiver's state: one database (SQLAlchemy 2), nothing else.

All state lives in the database, none in the process or on its disk, so any number of receiver
processes on any number of machines may serve any request of any upload, a resume included:

* SQLite in ``<data>/receiver.sqlite3`` by default, the embedded store of a single machine (WAL,
  ``synchronous=FULL``, write transactions ``BEGIN IMMEDIATE``); or PostgreSQL
  (``postgresql+psycopg://user@host/db``, the ``receiver-pg`` extra) for several machines;
* an upload in progress: its row in ``station_uploads`` (the offset) and its chunks in
  ``upload_chunks``, one row per acknowledged chunk, written in the same statement or
  transaction that moves the offset (``append_chunk``), so bytes and offset never disagree;
* an accepted packet: its bytes in ``packet_blobs`` (keyed by SHA-256), written in the
  transaction that inserts its index row and its receipt.

The schema is managed by Alembic (``sync/receiver/migrations``, ``intake-station-receiver
migrate``). No transaction is ever open while a request body is being read, so a connection that
dies or hangs mid-request holds no database lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    CursorResult,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

if TYPE_CHECKING:
    from sync.receiver.loopdb import LoopStatements

SQLITE_FILE = "receiver.sqlite3"
BUSY_TIMEOUT_MS = 15_000
#: Threads doing database work per process (``app.py`` runs requests' work on at most this many
#: threads), and so the connections each process keeps: a request never waits for a connection.
DB_WORKERS = 8


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
    taken by another. ``offset`` only moves by compare-and-set (``append_chunk``); the bytes
    below it are the upload's ``upload_chunks`` rows."""

    __tablename__ = "station_uploads"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.station_id"), primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


class UploadChunkRow(Base):
    """One acknowledged chunk of an upload in progress, at its offset. Deleted with the upload
    (explicitly, and by the foreign key's cascade)."""

    __tablename__ = "upload_chunks"
    __table_args__ = (
        ForeignKeyConstraint(
            ["station_id", "packet_id"],
            ["station_uploads.station_id", "station_uploads.packet_id"],
            ondelete="CASCADE",
        ),
    )

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PacketRow(Base):
    """A packet held by the receiver: one row per (station, packet), its bytes in
    ``packet_blobs``."""

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
    #: The key of the bytes in ``packet_blobs`` (the SHA-256; ``ReceiverStore.read_blob``).
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


class PacketBlobRow(Base):
    """The bytes of an accepted packet, exactly as received, under their SHA-256."""

    __tablename__ = "packet_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


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


class CitizenBackfillRow(Base):
    """An accepted packet stored before ``citizen_packets`` existed, whose citizen is not known
    yet (``intake-station-receiver backfill-citizens`` opens it and removes it from here)."""

    __tablename__ = "citizen_backfill"
    __table_args__ = (
        ForeignKeyConstraint(
            ["station_id", "packet_id"],
            ["station_packets.station_id", "station_packets.packet_id"],
        ),
    )

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(32), primary_key=True)


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


_INSERT_BLOB = Base.metadata.tables[PacketBlobRow.__tablename__].insert()

# --- the chunk hot path: one statement on PostgreSQL, one short transaction on SQLite ------------

#: Moves the offset by compare-and-set and stores the chunk, in one statement (one round trip,
#: autocommit); returns the upload's length when this request moved the offset, no row
#: otherwise. Only for a chunk that does not complete the upload (``length > end``).
#: Its commit does not wait for the WAL flush (``synchronous_commit`` off for this transaction
#: only): a crash may lose the last chunks and their offsets together, never one without the
#: other, and the station sends them again (docs/sync.md, "Concurrency and crash safety").
#: The statement's one row also gives the upload as it stood before (every part of the statement
#: sees the same snapshot): whether it moved, and the upload's length, offset and hash; no row
#: when there is no such upload.
_PG_APPEND = (
    "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS v), "
    'moved AS (UPDATE station_uploads SET "offset" = %(end)s, updated_at = %(now)s '
    'WHERE station_id = %(sid)s AND packet_id = %(pid)s AND "offset" = %(off)s '
    "AND length > %(end)s AND %(end)s > %(off)s RETURNING length), "
    'put AS (INSERT INTO upload_chunks (station_id, packet_id, "offset", data) '
    "SELECT %(sid)s, %(pid)s, %(off)s, %(data)b FROM moved "
    'ON CONFLICT (station_id, packet_id, "offset") DO UPDATE SET data = excluded.data) '
    '(SELECT (SELECT count(*) FROM moved), u.length, u."offset", u.sha256, relaxed.v '
    "FROM station_uploads u, relaxed WHERE u.station_id = %(sid)s AND u.packet_id = %(pid)s)"
)
#: ``POST``: creates the upload unless the packet is held, a remembered refusal answers (unless
#: judged again) or the upload exists, in one statement; and tells what stood before.
_PG_OPEN = (
    "WITH held AS (SELECT 1 FROM station_packets WHERE station_id = %(sid)s "
    "AND packet_id = %(pid)s), "
    "refused AS (SELECT 1 FROM refusals WHERE packet_id = %(pid)s AND station_id = %(sid)s "
    "AND sha256 = %(sha)s AND remember AND NOT %(again)s LIMIT 1), "
    "ins AS (INSERT INTO station_uploads "
    '(station_id, packet_id, length, "offset", sha256, created_at, updated_at) '
    "SELECT %(sid)s, %(pid)s, %(len)s, 0, %(sha)s, %(now)s, %(now)s "
    "WHERE NOT EXISTS (SELECT 1 FROM held) AND NOT EXISTS (SELECT 1 FROM refused) "
    "ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM held), "
    'u.length, u."offset", u.sha256 FROM (SELECT 1) AS one LEFT JOIN station_uploads u '
    "ON u.station_id = %(sid)s AND u.packet_id = %(pid)s"
)
_PG_CHUNKS = (
    'SELECT "offset", data FROM upload_chunks WHERE station_id = %(sid)s AND packet_id = %(pid)s '
    'ORDER BY "offset"'
)
_SQLITE_CHUNKS = (
    'SELECT "offset", data FROM upload_chunks WHERE station_id = :sid AND packet_id = :pid '
    'ORDER BY "offset"'
)
_SQLITE_READ = (
    'SELECT length, "offset", sha256 FROM station_uploads WHERE station_id = :sid '
    "AND packet_id = :pid"
)
_SQLITE_MOVE = (
    'UPDATE station_uploads SET "offset" = :end, updated_at = :now '
    'WHERE station_id = :sid AND packet_id = :pid AND "offset" = :off'
)
_SQLITE_PUT = (
    'INSERT INTO upload_chunks (station_id, packet_id, "offset", data) '
    "VALUES (:sid, :pid, :off, :data) "
    'ON CONFLICT (station_id, packet_id, "offset") DO UPDATE SET data = excluded.data'
)


@dataclass(frozen=True)
class UploadOpen:
    """What ``open_upload`` did: ``created`` a new upload at 0, or found the upload as it stood
    (``length`` None: none), and whether the packet is ``held``."""

    created: bool
    held: bool
    length: int | None
    offset: int | None
    sha256: str | None

    @classmethod
    def of_row(cls, row: Any) -> UploadOpen:
        """From the row ``_PG_OPEN`` returns."""
        return cls(
            bool(row[0]),
            bool(row[1]),
            int(row[2]) if row[2] is not None else None,
            int(row[3]) if row[3] is not None else None,
            row[4],
        )


def open_params(
    station_id: str, packet_id: str, length: int, sha256: str, now: str, judge_again: bool
) -> dict[str, Any]:
    """``_PG_OPEN``'s parameters (the thread-pool and the event-loop paths issue the same one)."""
    return {
        "sid": station_id,
        "pid": packet_id,
        "len": length,
        "sha": sha256,
        "now": now,
        "again": judge_again,
    }


@dataclass(frozen=True)
class ChunkWrite:
    """What ``append_chunk`` did: ``moved`` when it stored the chunk and moved the offset; the
    upload as it stood before the statement."""

    moved: bool
    length: int
    offset: int
    sha256: str


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


def make_engine(url: str, pool_size: int = DB_WORKERS) -> Engine:
    """SQLite with its pragmas; otherwise a pool of ``pool_size`` connections (no overflow: the
    worker threads are as many) without a pre-ping on checkout (a connection found dead fails
    its request, which the station retries, and SQLAlchemy then replaces the pool's
    connections)."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        _sqlite_setup(engine)
    else:
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=0,
            pool_timeout=30,
            pool_pre_ping=False,
            pool_recycle=3600,
        )
    return engine


class ReceiverStore:
    """The database (``data_dir`` holds only the SQLite file, when SQLite is used)."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str | None = None,
        *,
        migrate: bool = True,
        pool_size: int = DB_WORKERS,
    ) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.url = database_url or f"sqlite:///{data_dir / SQLITE_FILE}"
        #: Connections kept (PostgreSQL), and so the threads that should do database work.
        self.pool_size = pool_size
        self.engine = make_engine(self.url, pool_size)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        # Reads need no transaction of their own: on PostgreSQL (READ COMMITTED) each statement
        # sees its own snapshot either way, and autocommit saves the BEGIN and COMMIT round trips.
        reader = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine.execution_options(immediate=False)
        )
        self._read_engine = reader
        self._reader = sessionmaker(reader, expire_on_commit=False)
        self._loop_writers: list[LoopStatements] = []
        if migrate:
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

    @contextlib.contextmanager
    def read_conn(self) -> Iterator[Connection]:
        """A Core connection for reads (no ORM session; autocommit on PostgreSQL)."""
        with self._read_engine.connect() as conn:
            yield conn

    def close(self) -> None:
        for writer in self._loop_writers:
            writer.close()
        self.engine.dispose()

    def loop_statements(self) -> LoopStatements | None:
        """PostgreSQL: ``append_chunk`` and ``open_upload`` for an event loop, on up to
        ``pool_size`` connections of its own (``loopdb.py``), closed with the store. ``None``
        on SQLite."""
        if self.dialect != "postgresql":
            return None
        from sync.receiver.loopdb import LoopStatements

        conninfo = self.engine.url.set(drivername="postgresql")
        writer = LoopStatements(conninfo.render_as_string(hide_password=False), self.pool_size)
        self._loop_writers.append(writer)
        return writer

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (Alembic; ``sync/receiver/migrations``).

        An empty database gets every table; a database of an earlier version (the in-code
        schema of receivers before migrations, or the first schema keyed by packet id alone)
        is adopted and moved in place.
        """
        from sync.receiver.migrations import upgrade

        upgrade(self.engine, self.data_dir, revision)

    def revision(self) -> str | None:
        from sync.receiver.migrations import current_revision

        return current_revision(self.engine)

    def clean_strays(self) -> int:
        """Chunks no upload refers to (a database without enforced foreign keys); how many."""
        with self.write() as s:
            result = s.execute(
                text(
                    "DELETE FROM upload_chunks WHERE NOT EXISTS (SELECT 1 FROM station_uploads u "
                    "WHERE u.station_id = upload_chunks.station_id "
                    "AND u.packet_id = upload_chunks.packet_id)"
                )
            )
            return int(cast("CursorResult[Any]", result).rowcount or 0)

    # --- compare-and-set --------------------------------------------------------------------

    def append_chunk(
        self, station_id: str, packet_id: str, offset: int, chunk: bytes, now: str
    ) -> ChunkWrite | None:
        """Store ``chunk`` at ``offset`` and move the offset past it, atomically, when the
        upload stands at ``offset`` and the chunk is not empty and does not complete it.
        Returns the upload as it stood (and whether this call moved it); ``None`` when there is
        no such upload.

        No ORM session, one pooled connection: on PostgreSQL one statement in autocommit (one
        round trip); on SQLite one ``BEGIN IMMEDIATE`` transaction.
        """
        end = offset + len(chunk)
        params = {"sid": station_id, "pid": packet_id, "off": offset, "end": end, "now": now}
        raw = self.engine.raw_connection()
        try:
            if self.dialect == "postgresql":
                return self._pg_append(raw, params, chunk)
            return self._sqlite_append(raw, params, chunk)
        finally:
            raw.close()

    def open_upload(
        self,
        station_id: str,
        packet_id: str,
        length: int,
        sha256: str,
        now: str,
        judge_again: bool,
    ) -> UploadOpen | None:
        """PostgreSQL: ``POST``'s common cases in one statement (autocommit; see ``_PG_OPEN``).
        ``None`` on SQLite: the caller takes its general path."""
        if self.dialect != "postgresql":
            return None
        params = open_params(station_id, packet_id, length, sha256, now, judge_again)
        raw = self.engine.raw_connection()
        try:
            driver: Any = raw.driver_connection
            driver.autocommit = True
            try:
                with driver.cursor() as cur:
                    cur.execute(_PG_OPEN, params)
                    row = cur.fetchone()
            finally:
                driver.autocommit = False
        finally:
            raw.close()
        assert row is not None
        return UploadOpen.of_row(row)

    @staticmethod
    def _pg_append(raw: Any, params: dict[str, Any], chunk: bytes) -> ChunkWrite | None:
        driver: Any = raw.driver_connection
        driver.autocommit = True
        try:
            with driver.cursor() as cur:
                cur.execute(_PG_APPEND, {**params, "data": chunk})
                row = cur.fetchone()
        finally:
            driver.autocommit = False
        if row is None:
            return None
        return ChunkWrite(bool(row[0]), int(row[1]), int(row[2]), str(row[3]))

    @staticmethod
    def _sqlite_append(raw: Any, params: dict[str, Any], chunk: bytes) -> ChunkWrite | None:
        cur = raw.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            try:
                row = cur.execute(_SQLITE_READ, params).fetchone()
                moved = (
                    row is not None
                    and row[1] == params["off"]
                    and params["off"] < params["end"] < row[0]
                )
                if moved:
                    cur.execute(_SQLITE_MOVE, params)
                    cur.execute(_SQLITE_PUT, {**params, "data": chunk})
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        finally:
            cur.close()
        if row is None:
            return None
        return ChunkWrite(moved, int(row[0]), int(row[1]), str(row[2]))

    @staticmethod
    def advance_offset(
        s: Session, station_id: str, packet_id: str, expected: int, new: int, now: str
    ) -> bool:
        """``UPDATE station_uploads SET offset = new WHERE (station_id, packet_id) = :key AND
        offset = :expected``: True when this request moved the offset."""
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

    # --- chunks and blobs -------------------------------------------------------------------

    def read_chunks(self, station_id: str, packet_id: str) -> list[tuple[int, bytes]]:
        """The upload's chunks as (offset, data), in order (one query; on PostgreSQL in binary
        format, so the bytes arrive as they are)."""
        params = {"sid": station_id, "pid": packet_id}
        raw = self.engine.raw_connection()
        try:
            if self.dialect == "postgresql":
                driver: Any = raw.driver_connection
                driver.autocommit = True
                try:
                    with driver.cursor(binary=True) as cur:
                        cur.execute(_PG_CHUNKS, params)
                        rows = cur.fetchall()
                finally:
                    driver.autocommit = False
            else:
                cur = raw.cursor()
                try:
                    rows = cur.execute(_SQLITE_CHUNKS, params).fetchall()
                finally:
                    cur.close()
        finally:
            raw.close()
        return [(int(offset), bytes(data)) for offset, data in rows]

    @staticmethod
    def drop_chunks(s: Session, station_id: str, packet_id: str) -> None:
        s.execute(
            text("DELETE FROM upload_chunks WHERE station_id = :sid AND packet_id = :pid"),
            {"sid": station_id, "pid": packet_id},
        )

    @staticmethod
    def blob_name(sha256: str) -> str:
        """The key of a packet's bytes in ``packet_blobs`` (``PacketRow.blob_path``)."""
        return sha256

    @staticmethod
    def put_blob(c: Connection, sha256: str, data: bytes) -> str:
        """Store the packet bytes under their hash in the caller's transaction."""
        c.execute(_INSERT_BLOB, {"sha256": sha256, "data": data})
        return ReceiverStore.blob_name(sha256)

    def read_blob(self, name: str) -> bytes:
        with self.read() as s:
            row = s.get(PacketBlobRow, name)
            if row is None:
                raise FileNotFoundError(name)
            return row.data
