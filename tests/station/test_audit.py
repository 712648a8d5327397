"""The audit chain detects any altered, removed or reordered entry."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy.exc import IntegrityError

from station.service import StationService
from tests.conftest import ADMIN_PW, OP_PW, FakeClock, capture_all, login, valid_form


def _busy_log(staffed: StationService, clock: FakeClock) -> StationService:
    op = login(staffed.paths, clock, "op1", OP_PW)
    for i in range(3):
        d = op.create_dossier(
            "first_issue", valid_form(full_name=f"Người Thứ {'Ba Tư Năm'.split()[i]}")
        )
        capture_all(op, d.id)
        op.mark_captured(d.id)
    return op


def _tamper(svc: StationService, sql: str) -> None:
    """What an attacker holding the store key could do: drop the guards and edit rows."""
    with svc.store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
        conn.exec_driver_sql(sql)


def test_triggers_refuse_update_and_delete(admin: StationService) -> None:
    for sql in ("UPDATE audit_log SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_log"):
        with pytest.raises(IntegrityError, match="append-only"), admin.store.engine.begin() as c:
            c.exec_driver_sql(sql)
    assert admin.verify_audit().ok


@pytest.mark.parametrize(
    "column,value",
    [
        ("ts", "'2020-01-01T00:00:00.000000Z'"),
        ("actor", "'mallory'"),
        ("action", "'x.altered'"),
        ("subject", "'someone-else'"),
        ("details_json", "'{}'"),
        ("prev_hash", "'" + "1" * 64 + "'"),
        ("hash", "'" + "2" * 64 + "'"),
    ],
)
def test_any_altered_field_is_found(
    staffed: StationService, clock: FakeClock, column: str, value: str
) -> None:
    op = _busy_log(staffed, clock)
    total = op.verify_audit().entries
    target = total - 3
    _tamper(op, f"UPDATE audit_log SET {column} = {value} WHERE seq = {target}")
    result = op.verify_audit()
    assert not result.ok
    assert result.broken_seq == target


def test_removed_entry_is_found(staffed: StationService, clock: FakeClock) -> None:
    op = _busy_log(staffed, clock)
    _tamper(op, "DELETE FROM audit_log WHERE seq = 5")
    result = op.verify_audit()
    assert not result.ok and result.broken_seq == 5 and "missing" in (result.reason or "")


def test_cli_reports_first_broken_link(staffed: StationService, clock: FakeClock) -> None:
    op = _busy_log(staffed, clock)
    _tamper(op, 'UPDATE audit_log SET details_json = \'{"to":"approved"}\' WHERE seq = 7')
    op.close()
    staffed.close()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "station.cli",
            "--data-dir",
            str(staffed.paths.root),
            "--password-stdin",
            "audit",
            "verify",
            "--as",
            "admin",
        ],
        input=ADMIN_PW + "\n",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 3, run.stderr
    assert "entry 7" in run.stderr and "mục 7" in run.stderr
