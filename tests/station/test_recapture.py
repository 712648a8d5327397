"""Reopening only the rejected parts, and the supervisor's acceptance of a home-visit background."""

from __future__ import annotations

import pytest

from station.errors import IllegalTransitionError, PermissionDeniedError, ValidationError
from station.lifecycle import State
from station.models import AuditEntry
from station.service import StationService
from tests.conftest import (
    OP_PW,
    SUP_PW,
    FakeClock,
    busy_background_portrait,
    capture_all,
    login,
    simulated_captures,
    valid_form,
)


@pytest.fixture
def op(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


@pytest.fixture
def sup(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "sup1", SUP_PW)


def _portrait(background_passed: bool) -> bytes:
    """The simulated portrait, or the same with a striped wall beside and above the head."""
    return simulated_captures().face if background_passed else busy_background_portrait()


def _face_meta(background_passed: bool) -> dict[str, object]:
    """What a caller might claim (always "passed": the core measures for itself)."""
    return {"ok": True, "checks": {"background": {"passed": True}}}


def _confirmed(op: StationService, *, home_visit: bool, background_passed: bool) -> str:
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    op.save_face(d.id, _portrait(background_passed), _face_meta(background_passed))
    if home_visit:
        op.set_capture_context(d.id, home_visit=True, location="Nhà bà Lò Thị Hoa, bản Mé")
    op.mark_captured(d.id)
    op.confirm(d.id)
    return d.id


def _audit_actions(svc: StationService, dossier_id: str) -> list[str]:
    with svc.store.read() as s:
        rows = s.query(AuditEntry).filter(AuditEntry.subject == dossier_id)
        return [e.action for e in rows.order_by(AuditEntry.seq)]


# --- home-visit background -------------------------------------------------------------------


def test_failed_background_blocks_approval_until_a_supervisor_accepts_it(
    op: StationService, sup: StationService
) -> None:
    dossier_id = _confirmed(op, home_visit=True, background_passed=False)
    gaps = sup.missing_captures(dossier_id, for_approval=True)
    assert [(g.kind, g.slot) for g in gaps] == [("face", "background")]
    assert op.missing_captures(dossier_id) == []  # capture itself is complete
    with pytest.raises(ValidationError, match="background failed"):
        sup.approve(dossier_id)

    with pytest.raises(PermissionDeniedError):
        op.accept_background(dossier_id, "Nhà không có tường trơn")
    with pytest.raises(ValidationError) as err:
        sup.accept_background(dossier_id, "  ")
    assert err.value.field == "reason"

    sup.accept_background(dossier_id, "Người già nằm liệt giường, không có phông")
    waiver = sup.capture_info(dossier_id)["context"]["background_waiver"]
    assert waiver["reason"] == "Người già nằm liệt giường, không có phông"
    assert waiver["accepted_by"] == "sup1"
    assert sup.missing_captures(dossier_id, for_approval=True) == []
    assert "dossier.background_accepted" in _audit_actions(sup, dossier_id)
    sup.approve(dossier_id)
    packet_id = sup.seal(dossier_id)
    assert sup.get_dossier(dossier_id).state == State.SEALED and packet_id


def test_background_is_accepted_only_on_a_home_visit_with_a_failed_check(
    op: StationService, sup: StationService
) -> None:
    at_station = _confirmed(op, home_visit=False, background_passed=False)
    with pytest.raises(ValidationError) as err:
        sup.accept_background(at_station, "Không có phông")
    assert err.value.field == "home_visit"
    assert [g.slot for g in sup.missing_captures(at_station, for_approval=True)] == ["background"]

    passing = _confirmed(op, home_visit=True, background_passed=True)
    with pytest.raises(ValidationError) as err:
        sup.accept_background(passing, "Không cần")
    assert err.value.field == "face"
    assert sup.missing_captures(passing, for_approval=True) == []


def test_a_new_portrait_drops_the_waiver(op: StationService, sup: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    face = _portrait(False)
    op.set_capture_context(d.id, home_visit=True, location="Bản Mé")
    op.save_face(d.id, face, _face_meta(False))
    sup.accept_background(d.id, "Không có phông")
    op.save_face(d.id, face, _face_meta(False))
    assert "background_waiver" not in op.capture_info(d.id)["context"]
    assert [g.slot for g in sup.missing_captures(d.id, for_approval=True)] == ["background"]


# --- recapture of the parts the receiver rejected ----------------------------------------------


def _sealed(op: StationService, sup: StationService) -> tuple[str, str]:
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.approve(d.id)
    return d.id, sup.seal(d.id)


def test_receiver_rejection_reopens_only_the_listed_parts(
    op: StationService, sup: StationService, clock: FakeClock
) -> None:
    dossier_id, packet_id = _sealed(op, sup)
    sup.apply_remote_status(
        packet_id,
        "rejected",
        "Ảnh mờ, vân tay trỏ trái không đọc được",
        ["face", "fingerprint/left_index"],
    )
    assert op.get_dossier(dossier_id).state == State.NEEDS_RECAPTURE

    reopened = op.reopen_for_recapture(dossier_id)
    assert reopened.state == State.DRAFT
    scope = op.capture_info(dossier_id)["recapture"]
    assert scope == {
        "parts": ["face", "fingerprint/left_index"],
        "reason": "Ảnh mờ, vân tay trỏ trái không đọc được",
        "packet_id": packet_id,
        "supplement": True,
    }
    gaps = op.missing_captures(dossier_id)
    assert [(g.kind, g.slot) for g in gaps] == [("face", ""), ("fingerprint", "left_index")]

    parts = simulated_captures()
    op.save_face(dossier_id, parts.face, {"checks": {"background": {"passed": True}}})
    finger, media_type, meta = parts.prints["left_index"]
    op.save_fingerprint(dossier_id, "left_index", finger, media_type, meta)
    assert op.missing_captures(dossier_id) == []
    assert op.dossier_form_problems(dossier_id) == []  # the supplement's form is not asked for
    clock.advance(60)  # the new packet is the later one
    op.mark_captured(dossier_id)  # the form stays with the receiver: not asked again
    op.confirm(dossier_id)
    sup.approve(dossier_id)
    second = sup.seal(dossier_id)
    assert second != packet_id
    entry = next(e for e in sup.queue_entries() if e.dossier.id == dossier_id)
    assert entry.full_name == valid_form()["full_name"]
    assert entry.packet is not None and entry.packet.packet_id == second
    actions = _audit_actions(sup, dossier_id)
    assert actions.count("dossier.transition") >= 2

    # The old packet's rejection, pulled again, is history: it does not reopen the dossier.
    sup.apply_remote_status(packet_id, "rejected", "Ảnh mờ", ["face"])
    assert sup.get_dossier(dossier_id).state == State.SEALED
    sup.apply_remote_status(second, "rejected", "Vẫn mờ", ["face"])
    assert sup.get_dossier(dossier_id).state == State.NEEDS_RECAPTURE


def test_rejection_without_parts_reopens_the_whole_dossier(
    op: StationService, sup: StationService
) -> None:
    dossier_id, packet_id = _sealed(op, sup)
    sup.apply_remote_status(packet_id, "rejected", "Làm lại toàn bộ", [])
    op.reopen_for_recapture(dossier_id)
    assert op.capture_info(dossier_id)["recapture"]["supplement"] is False
    assert [g.slot for g in op.missing_captures(dossier_id)] == ["date_of_birth"]


def test_supervisor_send_back_reopens_with_everything_kept(
    op: StationService, sup: StationService
) -> None:
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.send_back(d.id, "Sai quê quán")
    op.reopen_for_recapture(d.id)
    view = op.get_dossier(d.id)
    assert view.state == State.DRAFT and view.form["full_name"] == valid_form()["full_name"]
    assert len(view.parts) >= 12
    assert op.capture_info(d.id)["recapture"]["reason"] == "Sai quê quán"
    assert op.missing_captures(d.id) == []


def test_only_a_dossier_sent_back_can_be_reopened_for_recapture(
    op: StationService, sup: StationService
) -> None:
    d = op.create_dossier("first_issue", valid_form())
    with pytest.raises(IllegalTransitionError, match="cannot go from 'draft' to 'draft'"):
        op.reopen_for_recapture(d.id)
    assert op.capture_info(d.id) == {}
