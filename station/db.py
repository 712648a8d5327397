"""The encrypted store: one SQLCipher file per station, opened with a raw 256-bit key.

Pragmas on every connection: the raw key (no passphrase stretching: the key slots do that),
WAL journal, ``synchronous=FULL`` (in WAL mode a committed transaction then survives power loss),
foreign keys on, ``secure_delete`` on (freed pages are zeroed, so purged parts do not linger), and
a busy timeout. Write transactions start with ``BEGIN IMMEDIATE`` so that a read-check-write
sequence (a state transition with its audit record) is serialised against other writers.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from station.errors import StoreError
from station.fsutil import fsync_dir

BUSY_TIMEOUT_MS = 10_000
#: Pre-migration copies kept in the backups folder; older ones are deleted.
KEEP_PRE_MIGRATION_BACKUPS = 5
PRE_MIGRATION_PREFIX = "pre-"


def _connect(path: Path, key: bytes) -> Any:
    if len(key) != 32:
        raise ValueError("the store key must be 32 bytes")
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        # The first read proves the key: SQLCipher answers "file is not a database" otherwise.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(
                "Không bật được nhật ký WAL cho kho dữ liệu.",
                f"Could not switch the store to WAL (got {mode}).",
            )
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            "Không mở được kho dữ liệu: sai khóa hoặc tệp hỏng.",
            "Cannot open the store: wrong key or damaged file.",
        ) from exc
    return conn


def create_store_engine(path: Path, key: bytes) -> Engine:
    """An engine on the SQLCipher file at ``path``; the key stays in this closure only."""
    engine = create_engine(
        "sqlite://",
        module=sqlcipher3.dbapi2,
        creator=lambda: _connect(path, key),
        # "sqlite://" would make SQLAlchemy pick a per-thread pool meant for :memory:; a file
        # store wants ordinary pooled connections that any worker thread can borrow.
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get("immediate", True):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    # Prove the key now, with a clear error, rather than at the first query.
    try:
        with engine.connect():
            pass
    except DatabaseError as exc:
        engine.dispose()
        raise StoreError(
            "Không mở được kho dữ liệu: sai khóa hoặc tệp hỏng.",
            "Cannot open the store: wrong key or damaged file.",
        ) from exc
    return engine


class Store:
    """The open store: sessions for writing (``BEGIN IMMEDIATE``) and for reading."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        #: Kept while the store is open: adding an operator's slot wraps it.
        self.key = key
        self.engine = create_store_engine(path, key)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(
            self.engine.execution_options(immediate=False), expire_on_commit=False
        )

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits on success, rolls back on any error."""
        with self._writer() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def migrate(
        self,
        revision: str = "head",
        backup_dir: Path | None = None,
        keep: int = KEEP_PRE_MIGRATION_BACKUPS,
    ) -> Path | None:
        """Bring the schema to ``revision``; returns the pre-migration copy, if one was taken.

        With ``backup_dir``, a store that already has a schema (a revision) behind the target is
        first copied whole to ``backup_dir/pre-<rev>-<UTC time>.db`` (SQLite's online backup,
        encrypted with the same key; temporary file, fsync, rename), and only the newest
        ``keep`` copies are kept. A fresh store (no revision yet) is not copied. A store whose
        revision this program does not know (made by a newer release) is refused untouched.
        """
        current = self.revision()
        target = head_revision() if revision == "head" else revision
        if current is not None and not _known_revision(current):
            raise StoreError(
                f"Kho dữ liệu ở phiên bản lược đồ {current}, mới hơn chương trình này; "
                "hãy cài bản chương trình mới hơn.",
                f"The store is at schema revision {current}, newer than this program knows; "
                "install the newer release.",
            )
        copy: Path | None = None
        if backup_dir is not None and current is not None and current != target:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            copy = backup_dir / f"{PRE_MIGRATION_PREFIX}{current}-{stamp}.db"
            self.backup_to(copy)
            prune_backups(backup_dir, keep)
        upgrade(self.engine, revision)
        return copy

    def backup_to(self, dest: Path) -> None:
        """A consistent copy of the whole store at ``dest``, encrypted with the same key.

        SQLite's online backup reads a snapshot (WAL content included) while other connections
        may go on; the copy is written beside ``dest`` under a temporary name, fsynced, then
        renamed, so ``dest`` is either absent or whole.
        """
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
        target = sqlcipher3.connect(str(tmp), isolation_level=None)
        try:
            target.execute(f"PRAGMA key = \"x'{self.key.hex()}'\"")
            raw = self.engine.raw_connection()
            try:
                raw.driver_connection.backup(target)  # type: ignore[union-attr]
            finally:
                raw.close()
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException:
            target.close()
            _remove_db_files(tmp)
            raise
        target.close()
        try:
            for leftover in (Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(tmp, 0o600)
            os.replace(tmp, dest)
            fsync_dir(dest.parent)
        except BaseException:
            _remove_db_files(tmp)
            raise

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def integrity_check(self) -> list[str]:
        with self.engine.connect() as conn:
            return [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]

    def close(self) -> None:
        self.engine.dispose()


def _remove_db_files(path: Path) -> None:
    for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        f.unlink(missing_ok=True)


def prune_backups(backup_dir: Path, keep: int = KEEP_PRE_MIGRATION_BACKUPS) -> list[Path]:
    """Delete all but the newest ``keep`` pre-migration copies; returns the deleted ones."""
    copies = sorted(
        backup_dir.glob(f"{PRE_MIGRATION_PREFIX}*.db"), key=lambda p: (p.stat().st_mtime, p.name)
    )
    doomed = copies[: max(0, len(copies) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def pre_migration_backups(backup_dir: Path) -> list[Path]:
    """The pre-migration copies in ``backup_dir``, oldest first."""
    return sorted(
        backup_dir.glob(f"{PRE_MIGRATION_PREFIX}*.db"), key=lambda p: (p.stat().st_mtime, p.name)
    )


def _known_revision(revision: str) -> bool:
    script = ScriptDirectory.from_config(alembic_config())
    try:
        return script.get_revision(revision) is not None
    except (CommandError, ResolutionError):
        return False


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on an open encrypted store."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
