"""The store is encrypted as a whole: no plaintext on disk, nothing opens without the key."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest

from station import crypto
from station.db import Store
from station.errors import AuthenticationError, StoreError
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import OP_PW, FakeClock, login

NAME = "Nguyễn Văn Thành Long"
ID_NUMBER = "019203004567"


def _store_files(paths: StationPaths) -> list[bytes]:
    return [p.read_bytes() for p in paths.store_dir.iterdir() if p.name.startswith("station.db")]


def test_database_file_holds_no_plaintext(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    d = op.create_dossier("first_issue", {"full_name": NAME, "id_number": ID_NUMBER})
    op.put_part(d.id, "face", "", "image/jpeg", b"FACE-MARKER-" + b"\x00" * 4000)
    # Read the files while the connections are open (WAL not yet checkpointed) and after close.
    during = _store_files(staffed.paths)
    op.close()
    staffed.close()
    after = _store_files(staffed.paths)
    needles = [
        NAME.encode("utf-8"),
        ID_NUMBER.encode(),
        "Nguyễn Thị Ánh".encode(),  # the admin's name
        b"FACE-MARKER",
        b"CREATE TABLE",
        b"dossier",
    ]
    assert during and after
    for blob in during + after:
        for needle in needles:
            assert needle not in blob


def test_not_an_sqlite_file_without_the_key(staffed: StationService) -> None:
    staffed.close()
    db = staffed.paths.database
    assert not db.read_bytes().startswith(b"SQLite format 3\x00")
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    conn.close()
    cli = shutil.which("sqlite3")
    assert cli, "the sqlite3 command is installed by the setup script"
    out = subprocess.run(
        [cli, str(db), "SELECT count(*) FROM sqlite_master;"], capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "not a database" in out.stderr


def test_wrong_password_and_wrong_key_open_nothing(station_paths: StationPaths) -> None:
    svc = StationService(station_paths)
    with pytest.raises(AuthenticationError) as err:
        svc.login("admin", "not-the-password")
    assert err.value.field == "password"
    assert "Sai mã cán bộ hoặc mật khẩu" in err.value.vi
    assert not svc.is_open
    with pytest.raises(StoreError):
        Store(station_paths.database, crypto.random_key())


def test_signing_key_lives_only_inside_the_store(admin: StationService) -> None:
    info = admin.station_info()
    public = crypto.b64d(info.public_key)
    with admin.store.read() as s:
        from station.models import Station

        private = s.query(Station).one().signing_key
    assert crypto.ed25519_public(private) == public
    slots = admin.paths.keyslots.read_bytes()
    assert crypto.b64e(private).encode() not in slots
    assert private not in slots
    assert {p for _, p, _ in info.receiver_keys} == {"encryption", "signing"}


def test_pragmas_make_commits_durable(admin: StationService) -> None:
    with admin.store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA cipher_version").scalar().startswith("4.")
    assert (admin.paths.database.stat().st_mode & 0o077) == 0
