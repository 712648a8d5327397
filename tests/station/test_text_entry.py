"""Passwords typed in decomposed Unicode, re-authentication before sealing, the privacy notice
record and the session's time left."""

from __future__ import annotations

import unicodedata

import pytest

from station.errors import AuthenticationError
from station.notice import NOTICE_VERSION
from station.service import StationService
from tests.conftest import OP_PW, FakeClock, login, valid_form

# Built from the shared constant; the suffix carries letters with stacked marks (ệ, ữ).
ACCENTED_PW = OP_PW + "-Việt-Nữ"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_nfd_password_opens_account_made_with_nfc(admin: StationService, clock: FakeClock) -> None:
    assert nfd(ACCENTED_PW) != ACCENTED_PW
    admin.add_operator("op9", "Đỗ Văn Em", "operator", ACCENTED_PW)
    svc = login(admin.paths, clock, "op9", nfd(ACCENTED_PW))
    assert svc.session is not None and svc.session.operator_id == "op9"
    svc.close()


def test_account_made_with_nfd_opens_with_nfc(admin: StationService, clock: FakeClock) -> None:
    admin.add_operator("op9", "Đỗ Văn Em", "operator", nfd(ACCENTED_PW))
    svc = login(admin.paths, clock, "op9", ACCENTED_PW)
    svc.lock()
    svc.unlock(nfd(ACCENTED_PW))
    svc.close()


def test_reauthenticate(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    op.reauthenticate(nfd(OP_PW))
    with pytest.raises(AuthenticationError):
        op.reauthenticate(OP_PW + "x")
    op.close()


def test_privacy_notice_recorded_with_dossier(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    dossier_id = op.create_dossier("first_issue", valid_form()).id
    assert "privacy_notice" not in op.capture_info(dossier_id)
    op.record_privacy_notice(dossier_id)
    record = op.capture_info(dossier_id)["privacy_notice"]
    assert record["given_by"] == "op1"
    assert record["version"] == NOTICE_VERSION
    op.close()


def test_session_seconds_left(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    full = op.session_seconds_left()
    assert full == op.session_timeout_s
    clock.advance(100)
    assert op.session_seconds_left() == full - 100
    clock.advance(full)
    assert op.session_seconds_left() == 0
    op.close()


def test_slip_names_the_officer(staffed: StationService, clock: FakeClock) -> None:
    from tests.conftest import capture_all

    op = login(staffed.paths, clock, "op1", OP_PW)
    dossier_id = op.create_dossier("first_issue", valid_form()).id
    capture_all(op, dossier_id)
    op.mark_captured(dossier_id)
    op.confirm(dossier_id)
    slip = op.appointment_slip(dossier_id)
    assert slip.operator_id == "op1" and slip.operator_name == "Trần Văn Bình"
    op.close()
