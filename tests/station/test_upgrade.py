"""Upgrade in place: a store of the previous release's schema head opens with the new program,
every dossier intact, a copy of the store from before the migration kept and openable."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import sqlcipher3

from station.db import Store, head_revision, pre_migration_backups, prune_backups
from station.errors import StoreError
from station.service import StationService
from tests.conftest import ADMIN_PW, FakeClock
from tests.installer.helpers import fill, snapshot

#: The migration head of the previous release (0.1); the current head may be further on.
PREVIOUS_RELEASE_HEAD = "0005"
#: Tables the migrations make by raw SQL (FTS index), and Alembic's own.
SKIP_TABLES = ("alembic_version", "sqlite_sequence")


def _columns(conn: sqlcipher3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA {schema}.table_info("{table}")')]


def rebuild_at_previous_release(svc: StationService) -> None:
    """Turn the station's store into one made by the previous release, holding the same data.

    A new store is migrated to the previous head by the real migration scripts, and every row
    of the current store is copied into the columns that existed then. Tables that came later
    stay behind. The store file then replaces the current one (same key).
    """
    key, path = svc.store.key, svc.paths.database
    svc.close()
    old_path = path.with_name("previous.db")
    old = Store(old_path, key)
    old.migrate(PREVIOUS_RELEASE_HEAD)
    old.close()
    conn = sqlcipher3.connect(str(old_path), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(f"ATTACH DATABASE '{path}' AS cur KEY \"x'{key.hex()}'\"")
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")
            if r[0] not in SKIP_TABLES and not r[0].startswith("residents_fts")
        ]
        conn.execute("BEGIN")
        for table in tables:
            now_cols = set(_columns(conn, "cur", table))
            cols = [c for c in _columns(conn, "main", table) if c in now_cols]
            names = ", ".join(f'"{c}"' for c in cols)
            conn.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM cur."{table}"')
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE cur")
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            PREVIOUS_RELEASE_HEAD,
        )
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(old_path, path)


def test_previous_release_store_upgrades_with_every_dossier_and_a_copy(
    staffed: StationService, clock: FakeClock
):
    ids = fill(staffed, clock)
    before = snapshot(staffed)
    key = staffed.store.key
    paths = staffed.paths
    rebuild_at_previous_release(staffed)
    assert not paths.backups.exists()

    svc = StationService(paths, clock)
    svc.login("admin", ADMIN_PW)  # opening the store runs the migrations, after the copy
    try:
        assert svc.store.revision() == head_revision()
        assert snapshot(svc) == before
        assert svc.get_dossier(ids["sealed"]).state.value == "sealed"
        assert svc.packet_info(ids["packet"]).status == "queued"
        assert svc.verify_audit().ok
    finally:
        svc.close()

    (copy,) = pre_migration_backups(paths.backups)
    assert copy.name.startswith(f"pre-{PREVIOUS_RELEASE_HEAD}-")
    assert copy.stat().st_mode & 0o777 == 0o600
    assert copy.read_bytes()[:16] != b"SQLite format 3\x00"
    old = Store(copy, key)  # the copy opens with the same key, at the old revision, whole
    try:
        assert old.revision() == PREVIOUS_RELEASE_HEAD
        assert old.integrity_check() == ["ok"]
        with old.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT id, number, state FROM dossiers ORDER BY id")
            assert [tuple(r) for r in rows] == [d[:3] for d in before["dossiers"]]
    finally:
        old.close()
    assert not list(paths.backups.glob(".*.tmp"))


def test_a_store_at_head_is_not_copied(admin: StationService, clock: FakeClock):
    admin.close()
    for _ in range(2):
        svc = StationService(admin.paths, clock)
        svc.login("admin", ADMIN_PW)
        svc.close()
    assert pre_migration_backups(admin.paths.backups) == []


def test_a_store_from_a_newer_release_is_refused_untouched(admin: StationService, clock: FakeClock):
    with admin.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    admin.close()
    svc = StationService(admin.paths, clock)
    with pytest.raises(StoreError) as err:
        svc.login("admin", ADMIN_PW)
    assert "newer" in err.value.en
    assert not svc.is_open
    key_check = StationService(admin.paths, clock)
    with pytest.raises(StoreError):
        key_check.login("admin", ADMIN_PW)
    assert pre_migration_backups(admin.paths.backups) == []


def test_only_the_newest_copies_are_kept(tmp_path: Path):
    for i in range(8):
        f = tmp_path / f"pre-000{i % 6}-2026112{i}T000000Z.db"
        f.write_bytes(b"x")
        os.utime(f, (time.time() - 100 + i, time.time() - 100 + i))
    deleted = prune_backups(tmp_path, keep=5)
    assert len(deleted) == 3
    kept = [p.name for p in pre_migration_backups(tmp_path)]
    assert kept == [f"pre-000{i % 6}-2026112{i}T000000Z.db" for i in range(3, 8)]
