"""The station lock (days without a verified sync), the diagnostic report, the core self-test."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from station import cli, crypto
from station.deployment import DEFAULT_SYNC_WARN_DAYS, SelfTestReport, self_test
from station.errors import PermissionDeniedError, ValidationError
from station.paths import StationPaths
from station.service import StationService
from sync import protocol
from tests.conftest import ADMIN_PW, OP_PW, FakeClock
from tests.installer.helpers import CITIZEN_ID, CITIZEN_NAME, fill


def _later(clock: FakeClock, days: int) -> None:
    """Move the calendar on (not the session's monotonic clock: the login stays alive)."""
    clock.t += timedelta(days=days)


def _receipt(svc: StationService, keyset: dict[str, Path], packet_id: str) -> dict:
    keys = json.loads(keyset["receiver_keys"].read_text())
    info = svc.packet_info(packet_id)
    return protocol.make_receipt(
        crypto.b64d(keys["signing"]["private_key"]),
        packet_id=packet_id,
        sha256=info.sha256,
        station_id=svc.registration()["station_id"],
        dossier_id=info.dossier_id,
        number=info.number,
        received_at="2026-11-23T09:00:00.000000Z",
        status="accepted",
    ).to_json()


def test_a_station_with_nothing_waiting_is_not_warned(admin: StationService, clock: FakeClock):
    _later(clock, 100)
    age = admin.deployment.sync_age()
    assert (age.days, age.waiting, age.warn) == (None, 0, False)
    assert age.warn_days == DEFAULT_SYNC_WARN_DAYS
    assert age.message() == ("", "")


def test_warns_once_packets_wait_past_the_threshold(
    staffed: StationService, clock: FakeClock, keyset
):
    ids = fill(staffed, clock)
    _later(clock, 13)
    age = staffed.deployment.sync_age()
    assert (age.last_receipt_at, age.days, age.waiting, age.warn) == (None, 13, 1, False)

    _later(clock, 1)
    age = staffed.deployment.sync_age()
    assert (age.days, age.warn) == (14, True)
    vi, en = age.message()
    assert "14" in vi and "14 days" in en and "1 packets" in en

    # A verified receipt (here from a USB import) resets the clock; nothing waits any more.
    assert staffed.accept_receipt(ids["packet"], _receipt(staffed, keyset, ids["packet"]), "usb")
    age = staffed.deployment.sync_age()
    assert (age.days, age.waiting, age.warn) == (0, 0, False)
    assert age.last_receipt_at is not None

    # Weeks later, with a new packet waiting, the days count from that last receipt.
    _later(clock, 20)
    age = staffed.deployment.sync_age()
    assert (age.days, age.waiting, age.warn) == (20, 0, False)  # nothing at risk
    fill(staffed, clock)
    age = staffed.deployment.sync_age()
    assert (age.days, age.waiting, age.warn) == (20, 1, True)


def test_an_unverified_receipt_does_not_count(staffed: StationService, clock: FakeClock, keyset):
    ids = fill(staffed, clock)
    forged = _receipt(staffed, keyset, ids["packet"])
    forged["receipt"]["received_at"] = "2026-11-24T00:00:00.000000Z"  # signature now fails
    _later(clock, 30)
    assert not staffed.accept_receipt(ids["packet"], forged)
    age = staffed.deployment.sync_age()
    assert (age.last_receipt_at, age.days, age.warn) == (None, 30, True)


def test_the_threshold_is_an_admin_setting(staffed: StationService, clock: FakeClock):
    fill(staffed, clock)
    _later(clock, 5)
    staffed.deployment.set_sync_warn_days(3)
    assert staffed.deployment.sync_age().warn
    staffed.deployment.set_sync_warn_days(0)  # never warn
    assert not staffed.deployment.sync_age().warn
    for bad in (-1, 366, True):
        with pytest.raises(ValidationError) as err:
            staffed.deployment.set_sync_warn_days(bad)
        assert err.value.field == "sync_warn_days"
    op = StationService(staffed.paths, clock)
    op.login("op1", OP_PW)
    with pytest.raises(PermissionDeniedError):
        op.deployment.set_sync_warn_days(30)
    assert op.deployment.sync_age().warn_days == 0  # anyone logged in may read it
    op.close()


def test_diagnostics_hold_figures_but_no_personal_data(
    staffed: StationService, clock: FakeClock, tmp_path: Path
):
    ids = fill(staffed, clock)
    staffed.note_upload(ids["packet"], offset=0, error="timeout: receiver did not answer")
    path = staffed.deployment.write_diagnostics(tmp_path)
    text = path.read_text(encoding="utf-8")
    report = json.loads(text)

    assert report["station"]["code"] == "TN-001"
    assert report["dossiers_by_state"]["draft"] == 1
    assert report["dossiers_by_state"]["captured"] == 1
    assert report["dossiers_by_state"]["sealed"] == 1
    assert report["outbox"]["waiting_packets"] == 1 and report["outbox"]["waiting_bytes"] > 0
    assert report["last_sync_errors"][0]["error"].startswith("timeout")
    versions = report["versions"]
    assert versions["migration_revision"] == staffed.store.revision()
    assert versions["sqlcipher"].startswith("4.")
    assert versions["masterdata"] == staffed.masterdata.version
    for lib in ("PySide6-Essentials", "opencv-python-headless", "python", "app"):
        assert versions[lib] not in ("", "unknown")
    assert set(report["devices"]) >= {"camera", "fingerprint", "card_readers"}
    assert report["storage"]["disk_free_bytes"] > 0
    assert report["audit_chain"]["ok"]

    # No citizen's name or number, no operator names, not even folded or escaped.
    for secret in (CITIZEN_NAME, CITIZEN_ID, "Hoang Thi En", "Trần Văn Bình", "Nguyễn Thị Ánh"):
        assert secret not in text
        assert secret not in json.dumps(report)  # ASCII-escaped form too
    number = staffed.get_dossier(ids["sealed"]).number
    assert number not in text


def test_diagnostics_are_admin_only_and_audited(staffed: StationService, clock: FakeClock):
    op = StationService(staffed.paths, clock)
    op.login("op1", OP_PW)
    with pytest.raises(PermissionDeniedError):
        op.deployment.diagnostics()
    op.close()
    staffed.deployment.diagnostics()
    with staffed.store.engine.connect() as conn:
        last = conn.exec_driver_sql("SELECT action, actor FROM audit_log ORDER BY seq DESC").first()
    assert tuple(last) == ("diagnostics.exported", "admin")


def test_core_self_test_passes_on_a_provisioned_station(station_paths: StationPaths):
    report = SelfTestReport(self_test(station_paths, ("admin", ADMIN_PW)))
    assert report.ok, report.lines()
    names = [c.name for c in report.checks]
    assert names[:4] == ["python", "encrypted-store", "station", "masterdata"]
    station = next(c for c in report.checks if c.name == "station")
    assert "store opened" in station.detail and not station.warning
    assert report.lines()[-1].endswith("checks passed")


def test_core_self_test_reports_a_failure(station_paths: StationPaths):
    station_paths.public_info.write_text(json.dumps({"station_id": "someone-else"}))
    report = SelfTestReport(self_test(station_paths))
    assert not report.ok
    assert [c.name for c in report.checks if not c.ok] == ["station"]
    assert "FAILED (station)" in report.lines()[-1]


def test_cli_self_test_and_diagnostics(station_paths: StationPaths, monkeypatch, capsys):
    root = str(station_paths.root)
    assert cli.main(["--data-dir", root, "self-test", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and {c["name"] for c in doc["checks"]} >= {"station", "face-cascades"}

    monkeypatch.setattr("sys.stdin", io.StringIO(ADMIN_PW + "\n"))
    args = ["--data-dir", root, "--password-stdin", "diagnostics", "--as", "admin"]
    assert cli.main(args) == 0
    assert json.loads(capsys.readouterr().out)["station"]["code"] == "TN-001"
