"""The outbox behind the facade: its methods check the session too.

The background worker's calls need someone logged in on the station (behind the lock screen
too, without counting as the operator's activity); a person's USB export needs the role.
"""

from __future__ import annotations

import pytest

from station.errors import NotLoggedInError, PermissionDeniedError, SessionExpiredError
from station.models import AuditEntry
from station.service import StationService
from tests.conftest import OP_PW, SUP_PW, FakeClock, login


def test_no_session_no_outbox(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    op.logout()
    for call in (
        op.pending_packets,
        op.registration,
        op.receiver_settings,
        op.signing_key,
        op.receiver_signing_keys,
        op.delivered_packet_ids,
        op.purge_due,
        lambda: op.packet_bytes("p"),
        lambda: op.note_upload("p", offset=0),
        lambda: op.accept_receipt("p", {}),
        lambda: op.refuse_packet("p", "bad", "no"),
        lambda: op.apply_remote_status("p", "rejected"),
        lambda: op.record_export(0, 0),
    ):
        with pytest.raises(NotLoggedInError):
            call()


def test_the_worker_goes_on_behind_the_lock_screen_without_keeping_it_open(
    staffed: StationService, clock: FakeClock
) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    clock.advance(op.session_timeout_s + 1)
    with pytest.raises(SessionExpiredError):
        op.touch()  # the session timed out: the screen locks
    assert op.pending_packets() == []  # the uploader still reads the outbox
    assert op.registration()["station_id"]
    assert op.session_seconds_left() == 0.0  # and does not count as the operator's activity
    with pytest.raises(SessionExpiredError):
        op.get_dossier("x")  # a person's call stays refused


def test_an_operator_cannot_record_a_usb_export(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    with pytest.raises(PermissionDeniedError):
        op.record_export(2, 1000)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    sup.record_export(2, 1000)
    with sup.store.read() as s:
        entries = s.query(AuditEntry).filter(AuditEntry.action == "usb.exported").all()
    assert [(e.actor, e.details_json) for e in entries] == [("sup1", '{"bytes":1000,"packets":2}')]
