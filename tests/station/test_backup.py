"""Backup to a USB folder and restore: round trip, identity, credentials, tampering."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from station import backup, cli, crypto
from station.db import Store
from station.errors import AuthenticationError, PermissionDeniedError, ValidationError
from station.paths import StationPaths
from station.provisioning import load_recovery_key
from station.service import StationService
from tests.conftest import ADMIN_PW, OP_PW, FakeClock, provision
from tests.installer.helpers import fill, snapshot


@pytest.fixture
def usb(tmp_path: Path) -> Path:
    return tmp_path / "usb"


def _backup(staffed: StationService, clock: FakeClock, usb: Path) -> tuple[Path, dict]:
    fill(staffed, clock)
    before = snapshot(staffed)
    report = staffed.deployment.backup(usb)
    return report.folder, before


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


def test_backup_wipe_restore_round_trip(staffed: StationService, clock: FakeClock, usb: Path):
    folder, before = _backup(staffed, clock, usb)
    station_id = staffed.station_info().id
    revision = staffed.store.revision()
    with staffed.store.engine.connect() as conn:
        last = conn.exec_driver_sql("SELECT action FROM audit_log ORDER BY seq DESC").first()
    assert last is not None and last[0] == "station.backup"
    paths = staffed.paths
    staffed.close()

    assert folder.parent == usb and folder.name.startswith("intake-backup-TN-001-")
    assert {p.name for p in folder.iterdir()} == {
        "station.db",
        "keyslots.json",
        "station.json",
        "manifest.json",
    }
    assert (folder / "station.db").read_bytes()[:16] != b"SQLite format 3\x00"  # still encrypted
    manifest = backup.verify(folder)
    assert manifest.station_id == station_id
    assert manifest.revision == revision

    shutil.rmtree(paths.root)  # the laptop's disk is wiped; the program is installed afresh
    report = backup.restore(
        StationPaths(paths.root), folder, backup.Credentials("admin", ADMIN_PW), clock.now()
    )
    assert report.station_id == station_id and report.replaced is None
    assert not [p for p in paths.root.iterdir() if p.name.startswith(".restore-")]

    svc = StationService(StationPaths(paths.root), clock)
    svc.login("admin", ADMIN_PW)
    try:
        assert snapshot(svc) == before
        assert svc.station_info().id == station_id
        assert svc.verify_audit().ok
        with svc.store.engine.connect() as conn:
            actions = [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_log")]
        # The backup's own audit entry is written after the copy: it is in the live log only.
        assert actions[-2:] == ["station.restored", "login"]
    finally:
        svc.close()
    op = StationService(StationPaths(paths.root), clock)
    op.login("op1", OP_PW)  # every operator's slot came back too
    op.close()


def test_manifest_names_revision_and_every_file(staffed: StationService, usb: Path):
    report = staffed.deployment.backup(usb)
    doc = json.loads((report.folder / "manifest.json").read_text(encoding="utf-8"))
    m = doc["manifest"]
    assert m["revision"] == staffed.store.revision()
    assert m["code"] == "TN-001" and m["app_version"]
    for f in m["files"]:
        size, digest = backup.file_digest(report.folder / f["name"])
        assert (f["size"], f["sha256"]) == (size, digest)


def test_restore_onto_another_station_is_refused(
    staffed: StationService, clock: FakeClock, usb: Path, tmp_path: Path, keyset
):
    folder, _ = _backup(staffed, clock, usb)
    other = provision(tmp_path / "other", keyset)  # same code, admin and password: another id
    other_id = json.loads(other.public_info.read_text())["station_id"]
    names = ("station.db", "keyslots.json", "station.json")
    files_before = {n: (other.store_dir / n).read_bytes() for n in names}

    with pytest.raises(ValidationError) as err:
        backup.restore(other, folder, backup.Credentials("admin", ADMIN_PW), clock.now())
    assert err.value.code == "wrong_station" and err.value.field == "station"
    assert other_id in err.value.en

    assert {n: (other.store_dir / n).read_bytes() for n in names} == files_before
    assert not other.replaced.exists()
    svc = StationService(other, clock)
    svc.login("admin", ADMIN_PW)
    assert svc.counts_by_state() and sum(svc.counts_by_state().values()) == 0
    svc.close()


def test_restore_needs_an_admin_password_or_the_recovery_key(
    staffed: StationService, clock: FakeClock, usb: Path, tmp_path: Path, keyset
):
    folder, before = _backup(staffed, clock, usb)
    target = StationPaths(tmp_path / "fresh")

    with pytest.raises(AuthenticationError):
        backup.restore(target, folder, backup.Credentials("admin", "wrong-password"), clock.now())
    with pytest.raises(PermissionDeniedError):  # op1's password opens a slot, but not an admin's
        backup.restore(target, folder, backup.Credentials("op1", OP_PW), clock.now())
    with pytest.raises(AuthenticationError):
        backup.restore(target, folder, backup.Credentials(), clock.now())
    assert _files(target.root) == set()  # nothing staged is left behind

    recovery = load_recovery_key(keyset["recovery_key"])
    backup.restore(target, folder, backup.Credentials(recovery_key=recovery), clock.now())
    svc = StationService(target, clock)
    svc.login("admin", ADMIN_PW)
    assert snapshot(svc) == before
    svc.close()


def test_restore_over_the_same_station_sets_the_current_store_aside(
    staffed: StationService, clock: FakeClock, usb: Path
):
    folder, before = _backup(staffed, clock, usb)
    key = staffed.store.key
    staffed.close()
    op = StationService(staffed.paths, clock)
    op.login("op1", OP_PW)
    later = op.create_dossier("first_issue", {"full_name": "Sau Sao Lưu"})
    op.close()

    report = backup.restore(
        staffed.paths, folder, backup.Credentials("admin", ADMIN_PW), clock.now()
    )
    assert report.replaced is not None and report.replaced.parent == staffed.paths.replaced

    svc = StationService(staffed.paths, clock)
    svc.login("admin", ADMIN_PW)
    assert snapshot(svc) == before  # the dossier made after the backup is not in it
    svc.close()
    aside = Store(report.replaced / "station.db", key)  # ... but kept aside, whole
    try:
        with aside.engine.connect() as conn:
            ids = {r[0] for r in conn.exec_driver_sql("SELECT id FROM dossiers")}
        assert later.id in ids
    finally:
        aside.close()


@pytest.mark.parametrize("damage", ["db_byte", "manifest_field", "no_manifest", "extra_sig"])
def test_a_damaged_or_altered_backup_is_refused(
    staffed: StationService, clock: FakeClock, usb: Path, tmp_path: Path, damage: str
):
    folder, _ = _backup(staffed, clock, usb)
    manifest = folder / "manifest.json"
    if damage == "db_byte":
        data = bytearray((folder / "station.db").read_bytes())
        data[5000] ^= 0x01
        (folder / "station.db").write_bytes(bytes(data))
    elif damage == "manifest_field":
        doc = json.loads(manifest.read_text())
        doc["manifest"]["station_id"] = "00000000-0000-0000-0000-000000000000"
        manifest.write_text(json.dumps(doc))
    elif damage == "no_manifest":
        manifest.unlink()
    else:
        doc = json.loads(manifest.read_text())
        doc["signature"] = doc["signature"][:-4] + "AAA="
        manifest.write_text(json.dumps(doc))
    target = StationPaths(tmp_path / "fresh")
    with pytest.raises(ValidationError) as err:
        backup.restore(target, folder, backup.Credentials("admin", ADMIN_PW), clock.now())
    assert err.value.code == "backup_invalid"
    assert not target.root.exists() or _files(target.root) == set()


def test_a_manifest_signed_by_another_key_does_not_restore(
    staffed: StationService, clock: FakeClock, usb: Path, tmp_path: Path
):
    """Re-signing a manifest with a key of one's own does not help: the store's key must match."""
    folder, _ = _backup(staffed, clock, usb)
    body = json.loads((folder / "manifest.json").read_text())
    forger = crypto.ed25519_generate()
    body["manifest"]["public_key"] = crypto.b64e(crypto.ed25519_public(forger))
    body["signature"] = backup._sign(forger, body["manifest"])
    (folder / "manifest.json").write_text(json.dumps(body))
    assert backup.verify(folder).public_key == body["manifest"]["public_key"]

    target = StationPaths(tmp_path / "fresh")
    with pytest.raises(ValidationError) as err:
        backup.restore(target, folder, backup.Credentials("admin", ADMIN_PW), clock.now())
    assert "signed the manifest" in err.value.en
    assert _files(target.root) == set()


def test_backup_is_for_admins_only(staffed: StationService, clock: FakeClock, usb: Path):
    op = StationService(staffed.paths, clock)
    op.login("op1", OP_PW)
    with pytest.raises(PermissionDeniedError):
        op.deployment.backup(usb)
    op.close()
    assert not usb.exists()


def test_cli_backup_and_restore(
    staffed: StationService, clock: FakeClock, usb: Path, tmp_path: Path, monkeypatch, capsys
):
    fill(staffed, clock)
    before = snapshot(staffed)
    staffed.close()
    root = staffed.paths.root
    monkeypatch.setattr("sys.stdin", io.StringIO(ADMIN_PW + "\n"))
    args = ["--data-dir", str(root), "--password-stdin", "backup", str(usb), "--as", "admin"]
    assert cli.main(args) == 0
    (folder,) = usb.iterdir()

    target = tmp_path / "fresh"
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong-password\n"))
    restore = ["--data-dir", str(target), "--password-stdin", "restore", str(folder)]
    assert cli.main([*restore, "--as", "admin"]) == 1
    assert "Wrong operator id or password" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(ADMIN_PW + "\n"))
    assert cli.main([*restore, "--as", "admin"]) == 0
    assert "Restored: TN-001" in capsys.readouterr().out
    svc = StationService(StationPaths(target), clock)
    svc.login("admin", ADMIN_PW)
    assert snapshot(svc) == before
    svc.close()
