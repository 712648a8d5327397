"""The citizen reviews the intake record, then signs: the core enforces the order.

A signature is refused before a review of the form as it is now; editing the form after signing
makes the stored signature stop confirming it, so ``mark_captured`` is refused until the citizen
has reviewed the changed data and signed again.
"""

from __future__ import annotations

import json

import pytest

from station.errors import ValidationError
from station.models import AuditEntry
from station.service import StationService
from tests.conftest import OP_PW, FakeClock, login, simulated_captures, valid_form


@pytest.fixture
def op(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


def _capture_but_signature(op: StationService, dossier_id: str) -> None:
    parts = simulated_captures()
    op.save_face(dossier_id, parts.face, parts.face_meta)
    for finger, (data, media_type, meta) in parts.prints.items():
        op.save_fingerprint(dossier_id, finger, data, media_type, meta)


def test_a_signature_before_the_review_is_refused(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    with pytest.raises(ValidationError) as err:
        op.save_signature(d.id, simulated_captures().strokes)
    assert err.value.field == "signature"
    assert "kiểm tra phiếu thu nhận" in err.value.vi
    assert "review the intake record" in err.value.en
    assert not [p for p in op.get_dossier(d.id).parts if p.kind == "signature"]
    # Nor through the generic part door.
    with pytest.raises(ValidationError, match="review"):
        op.put_part(d.id, "signature", "", "image/png", simulated_captures().face)


def test_review_then_sign_then_capture(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    _capture_but_signature(op, d.id)
    op.record_citizen_review(d.id)
    op.save_signature(d.id, simulated_captures().strokes)
    sig = next(p for p in op.get_dossier(d.id).parts if p.kind == "signature" and not p.slot)
    review = op.capture_info(d.id)["citizen_review"]
    assert sig.meta["confirms_form_sha256"] == review["form_sha256"]
    assert review["reviewed_by"] == "op1"
    op.mark_captured(d.id)
    with op.store.read() as s:
        actions = [
            a.action
            for a in s.query(AuditEntry).filter(AuditEntry.subject == d.id).order_by(AuditEntry.seq)
        ]
    assert actions.index("dossier.citizen_reviewed") < actions.index("dossier.transition")


def test_editing_the_form_after_signing_needs_a_new_review_and_signature(
    op: StationService,
) -> None:
    form = valid_form()
    d = op.create_dossier("first_issue", form)
    _capture_but_signature(op, d.id)
    op.record_citizen_review(d.id)
    op.save_signature(d.id, simulated_captures().strokes)
    assert op.missing_captures(d.id) == []

    op.update_form(d.id, {**form, "occupation": "Giáo viên"})
    gaps = op.missing_captures(d.id)
    assert [(g.kind, g.slot) for g in gaps] == [("signature", "")]
    assert "ký lại" in gaps[0].vi and "sign again" in gaps[0].en
    with pytest.raises(ValidationError, match="sign again"):
        op.mark_captured(d.id)
    # Signing again without a new review is refused: the review was of the old data.
    with pytest.raises(ValidationError, match="changed after the last review"):
        op.save_signature(d.id, simulated_captures().strokes)

    op.record_citizen_review(d.id)
    op.save_signature(d.id, simulated_captures().strokes)
    assert op.missing_captures(d.id) == []
    view = op.mark_captured(d.id)
    assert view.state == "captured"


def test_undoing_the_edit_makes_the_signature_confirm_again(op: StationService) -> None:
    form = valid_form()
    d = op.create_dossier("first_issue", form)
    op.record_citizen_review(d.id)
    op.save_signature(d.id, simulated_captures().strokes)
    op.update_form(d.id, {**form, "occupation": "Giáo viên"})
    assert [g.kind for g in op.missing_captures(d.id)] == ["face"] + ["fingerprint"] * 10 + [
        "signature"
    ]
    op.update_form(d.id, form)
    assert "signature" not in {g.kind for g in op.missing_captures(d.id)}


def test_a_form_with_problems_is_not_given_for_review(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form(full_name=""))
    with pytest.raises(ValidationError):
        op.record_citizen_review(d.id)
    assert "citizen_review" not in op.capture_info(d.id)


def test_the_review_travels_in_the_capture_metadata(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    op.record_citizen_review(d.id)
    info = op.capture_info(d.id)
    assert set(info["citizen_review"]) == {"form_sha256", "reviewed_by", "reviewed_at"}
    json.dumps(info)  # plain JSON, sealed with the rest of ``capture``
