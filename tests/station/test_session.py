"""Sessions time out after inactivity; the same operator unlocks without losing state."""

from __future__ import annotations

import logging

import pytest

from station.errors import AuthenticationError, NotLoggedInError, SessionExpiredError
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import ADMIN_PW, OP_PW, FakeClock, login


def test_timeout_and_unlock(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    d = op.create_dossier("first_issue", {"full_name": "Vũ Thị Gấm"})
    clock.advance(op.session_timeout_s - 1)
    op.touch()  # activity keeps it alive
    clock.advance(op.session_timeout_s - 1)
    op.get_dossier(d.id)
    clock.advance(op.session_timeout_s + 1)
    with pytest.raises(SessionExpiredError):
        op.get_dossier(d.id)
    with pytest.raises(SessionExpiredError):  # stays locked, even after more time
        op.touch()
    op.unlock(OP_PW)
    assert op.get_dossier(d.id).form["full_name"] == "Vũ Thị Gấm"


def test_logout_closes_the_store(admin: StationService) -> None:
    admin.logout()
    assert not admin.is_open
    with pytest.raises(NotLoggedInError):
        admin.list_operators()


def test_timeout_setting_comes_from_the_station(admin: StationService, clock: FakeClock) -> None:
    assert admin.session_timeout_s == 15 * 60
    svc = StationService(admin.paths, clock, session_timeout_s=5)
    svc.login("admin", ADMIN_PW)
    clock.advance(6)
    with pytest.raises(SessionExpiredError):
        svc.list_operators()


def test_no_secret_in_logs(
    station_paths: StationPaths, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    svc = StationService(station_paths, clock)
    with pytest.raises(AuthenticationError):
        svc.login("admin", "wrong-password-here")
    svc.login("admin", ADMIN_PW)
    svc.add_operator("op9", "Đinh Văn Hải", "operator", "initial-password-9")
    text = caplog.text
    for secret in (ADMIN_PW, "wrong-password-here", "initial-password-9", svc.store.key.hex()):
        assert secret not in text
    svc.close()


def test_lock_and_unlock_are_audited(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    op.lock()
    with pytest.raises(SessionExpiredError):
        op.list_dossiers()
    with pytest.raises(AuthenticationError):
        op.unlock("not-my-password")
    op.unlock(OP_PW)
    op.list_dossiers()
    with op.store.read() as s:
        from station.models import AuditEntry

        tail = [e.action for e in s.query(AuditEntry).order_by(AuditEntry.seq)][-3:]
    assert tail == ["session.locked", "login.failed", "session.unlocked"]


def test_public_info_needs_no_login(station_paths: StationPaths) -> None:
    svc = StationService(station_paths)
    info = svc.public_info()
    assert info["code"] == "TN-001" and info["name"] == "Trạm Thái Nguyên 1"
    assert set(info) == {"station_id", "code", "name", "demo"}
    assert not svc.is_open
