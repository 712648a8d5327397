"""The dossier state machine, its role rules, and one audit entry per transition."""

from __future__ import annotations

import itertools
import json

import pytest

from station.errors import IllegalTransitionError, PermissionDeniedError, ValidationError
from station.form import FormError
from station.lifecycle import SYSTEM, TRANSITIONS, State, check
from station.models import AuditEntry
from station.service import StationService
from tests.conftest import OP_PW, SUP_PW, FakeClock, capture_all, login, valid_form

FORM = valid_form()


@pytest.fixture
def op(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


@pytest.fixture
def sup(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "sup1", SUP_PW)


def _transitions(svc: StationService, dossier_id: str) -> list[tuple[str, str]]:
    """(actor, target state) of each transition audit entry of one dossier, in order."""
    with svc.store.read() as s:
        rows = (
            s.query(AuditEntry)
            .filter(AuditEntry.subject == dossier_id, AuditEntry.action == "dossier.transition")
            .order_by(AuditEntry.seq)
        )
        return [(e.actor, json.loads(e.details_json)["to"]) for e in rows]


def test_full_happy_path(op: StationService, sup: StationService) -> None:
    d = op.create_dossier("first_issue", FORM)
    assert d.state == State.DRAFT and d.number.startswith("TN-001-20261123-")
    op.put_part(d.id, "face", "", "image/jpeg", b"\xff\xd8jpeg")
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    approved = sup.approve(d.id)
    assert approved.supervisor_id == "sup1"
    for target in (State.SEALED, State.UPLOADED, State.RECEIPTED, State.PURGED):
        if target == State.SEALED:
            sup.system_seal(d.id)
        else:
            sup.system_transition(d.id, target)
    assert sup.get_dossier(d.id).state == State.PURGED
    steps = _transitions(sup, d.id)
    assert [s[1] for s in steps] == [
        "captured",
        "confirmed",
        "approved",
        "sealed",
        "uploaded",
        "receipted",
        "purged",
    ]
    assert [s[0] for s in steps] == ["op1", "op1", "sup1", SYSTEM, SYSTEM, SYSTEM, SYSTEM]
    assert sup.verify_audit().ok


def test_every_missing_pair_is_illegal() -> None:
    for source, target in itertools.product(State, State):
        if (source, target) in TRANSITIONS:
            continue
        with pytest.raises(IllegalTransitionError) as err:
            check(source, target, actor_id="x", actor_role=SYSTEM, capturer_id="y", reason="r")
        assert err.value.field == "state"


def test_illegal_transition_has_a_clear_message(op: StationService) -> None:
    d = op.create_dossier("renewal", FORM)
    with pytest.raises(IllegalTransitionError) as err:
        op.transition(d.id, State.APPROVED)
    assert "nháp" in err.value.vi and "đã phê duyệt" in err.value.vi
    assert "'draft' to 'approved'" in err.value.en
    assert op.get_dossier(d.id).state == State.DRAFT


def test_operator_cannot_approve(op: StationService) -> None:
    d = op.create_dossier("first_issue", FORM)
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    with pytest.raises(PermissionDeniedError):
        op.approve(d.id)


def test_supervisor_cannot_approve_own_capture(sup: StationService) -> None:
    d = sup.create_dossier("first_issue", FORM)
    capture_all(sup, d.id)
    sup.mark_captured(d.id)
    sup.confirm(d.id)
    with pytest.raises(PermissionDeniedError, match="captured themselves"):
        sup.approve(d.id)
    assert sup.get_dossier(d.id).state == State.CONFIRMED


def test_admin_does_no_dossier_work(staffed: StationService) -> None:
    with pytest.raises(PermissionDeniedError):
        staffed.create_dossier("first_issue", FORM)


def test_send_back_needs_reason_and_reopens(op: StationService, sup: StationService) -> None:
    d = op.create_dossier("first_issue", FORM)
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    with pytest.raises(IllegalTransitionError, match="reason"):
        sup.transition(d.id, State.NEEDS_RECAPTURE)
    back = sup.send_back(d.id, "Ảnh bị mờ")
    assert back.state == State.NEEDS_RECAPTURE and back.state_reason == "Ảnh bị mờ"
    with pytest.raises(ValidationError):
        op.update_form(d.id, FORM)  # not editable until reopened
    op.reopen(d.id)
    op.update_form(d.id, {**FORM, "full_name": "Hoàng Thị Én Nhỏ"})
    capture_all(op, d.id)
    op.mark_captured(d.id)


@pytest.mark.parametrize(
    "reached", [State.APPROVED, State.SEALED, State.UPLOADED, State.RECEIPTED, State.PURGED]
)
def test_receiver_rejection_from_approved_or_later(
    op: StationService, sup: StationService, reached: State
) -> None:
    d = op.create_dossier("first_issue", FORM)
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.approve(d.id)
    path = [State.SEALED, State.UPLOADED, State.RECEIPTED, State.PURGED]
    for target in path[: path.index(reached) + 1] if reached in path else []:
        if target == State.SEALED:
            sup.system_seal(d.id)
        else:
            sup.system_transition(d.id, target)
    out = sup.system_transition(d.id, State.NEEDS_RECAPTURE, "Vân tay ngón trỏ phải không đạt")
    assert out.state == State.NEEDS_RECAPTURE


def test_capture_needs_a_complete_form(op: StationService) -> None:
    d = op.create_dossier("first_issue")
    with pytest.raises(FormError) as err:
        op.mark_captured(d.id)
    fields = {p.field for p in err.value.problems}
    assert {"full_name", "id_number", "date_of_birth", "sex", "nationality"} <= fields
    assert op.get_dossier(d.id).state == State.DRAFT
    op.update_form(d.id, FORM)
    capture_all(op, d.id)
    assert op.mark_captured(d.id).state == State.CAPTURED


def test_parts_replace_and_refuse_after_capture(op: StationService) -> None:
    d = op.create_dossier("first_issue", FORM)
    op.put_part(d.id, "fingerprint", "right_thumb", "image/png", b"one")
    op.put_part(d.id, "fingerprint", "right_thumb", "image/png", b"two")
    view = op.get_dossier(d.id)
    assert [(p.kind, p.slot, p.size) for p in view.parts] == [("fingerprint", "right_thumb", 3)]
    assert op.part_data(d.id, "fingerprint", "right_thumb") == b"two"
    capture_all(op, d.id)
    op.mark_captured(d.id)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        op.put_part(d.id, "signature", "", "image/png", b"sig")


def test_counts_by_state(op: StationService) -> None:
    a = op.create_dossier("first_issue", FORM)
    op.create_dossier("first_issue", valid_form())  # another citizen
    capture_all(op, a.id)
    op.mark_captured(a.id)
    counts = op.counts_by_state()
    assert counts[State.DRAFT] == 1 and counts[State.CAPTURED] == 1 and counts[State.PURGED] == 0


def test_numbers_count_per_day(op: StationService, clock: FakeClock) -> None:
    first = op.create_dossier("first_issue", valid_form()).number
    second = op.create_dossier("first_issue", valid_form()).number
    assert first == "TN-001-20261123-0001" and second == "TN-001-20261123-0002"
    clock.advance(86400)
    op.login("op1", OP_PW)  # the session timed out overnight
    assert op.create_dossier("first_issue", valid_form()).number == "TN-001-20261124-0001"


def test_sealing_leaves_only_the_packet_and_a_summary(
    op: StationService, sup: StationService
) -> None:
    d = op.create_dossier("first_issue", FORM)
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    with pytest.raises(IllegalTransitionError, match="only by sealing"):
        sup.system_transition(d.id, State.SEALED)
    with pytest.raises(IllegalTransitionError):
        sup.seal(d.id)  # not approved yet
    sup.approve(d.id)
    with pytest.raises(PermissionDeniedError):
        op.seal(d.id)
    packet_id = sup.seal(d.id)
    view = sup.get_dossier(d.id)
    assert view.state == State.SEALED and view.form == {} and view.parts == ()
    (queued,) = sup.outbox()
    assert queued.packet_id == packet_id and queued.status == "queued" and queued.data
    assert FORM["full_name"].encode() not in queued.data
    with sup.store.read() as s:
        from station.models import Dossier

        summary = json.loads(s.get(Dossier, d.id).summary_json)
    # A keyed hash of the ID number (one citizen, one open dossier), not the number itself.
    citizen_key = summary.pop("citizen_key")
    assert len(citizen_key) == 64 and FORM["id_number"] not in citizen_key
    assert summary == {
        "full_name": FORM["full_name"],
        "id_tail": FORM["id_number"][-4:],
        "packet_id": packet_id,
        "size": queued.size,
        "commune": FORM["permanent_residence"]["unit"],  # kept for reports per commune
    }
