"""Signature, documents, exceptions and completeness, through the service facade."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image as PilImage

from station.capture import documents, signature
from station.capture.signature import SimulatedSignaturePad
from station.devices import Finger, SilentPrompter, StrokePoint
from station.errors import ValidationError
from station.lifecycle import State
from station.service import StationService
from station.testdata import birthday_after
from tests.conftest import OP_PW, SUP_PW, FakeClock, capture_all, login, valid_form


@pytest.fixture
def op(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


@pytest.fixture
def sup(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "sup1", SUP_PW)


# --- signature --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,en_part",
    [("empty", "nothing was signed"), ("dot", "too short"), ("line", "too small")],
)
def test_trivial_signatures_are_refused(kind: str, en_part: str) -> None:
    strokes = SimulatedSignaturePad(3, kind).capture(SilentPrompter())
    with pytest.raises(ValidationError) as err:
        signature.check(strokes)
    assert en_part in err.value.en and err.value.field == "signature"


def test_long_straight_line_is_refused() -> None:
    line = [[StrokePoint(0.05 + 0.9 * i / 60, 0.2 + 0.6 * i / 60, 1.0, i * 10) for i in range(61)]]
    with pytest.raises(ValidationError, match="straight line"):
        signature.check(line)


def test_outside_points_are_refused() -> None:
    with pytest.raises(ValidationError, match="outside"):
        signature.check([[StrokePoint(1.5, 0.5, 1.0, 0)]])


def test_signature_renders_at_fixed_size() -> None:
    strokes = SimulatedSignaturePad(5).capture(SilentPrompter())
    png = signature.render(strokes)
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img.shape == (signature.HEIGHT, signature.WIDTH)
    ink = img < 128
    assert 0.005 < ink.mean() < 0.2
    ys, xs = np.nonzero(ink)
    # fitted with a margin, and spread over most of the box
    assert xs.min() > 10 and xs.max() < signature.WIDTH - 10
    assert (
        xs.max() - xs.min() > signature.WIDTH * 0.6 or ys.max() - ys.min() > signature.HEIGHT * 0.6
    )


# --- documents --------------------------------------------------------------------------------


def _pdf(pages: int) -> bytes:
    images = [
        PilImage.fromarray(
            cv2.cvtColor(documents.SimulatedDocumentSource(i, 3.0).page(), cv2.COLOR_BGR2RGB)
        )
        for i in range(pages)
    ]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=150)
    return buf.getvalue()


@pytest.mark.parametrize("skew", [-9.0, -3.0, 0.0, 2.0, 6.5])
def test_deskew_measures_the_rotation(skew: float) -> None:
    page = documents.SimulatedDocumentSource(2, skew).page()
    assert documents.skew_angle(page) == pytest.approx(skew, abs=0.5)
    straight, corrected = documents.deskew(page)
    assert corrected == pytest.approx(skew, abs=0.5) or (skew == 0.0 and corrected == 0.0)
    assert abs(documents.skew_angle(straight)) < 0.5


def test_pdf_pages_become_sized_jpegs() -> None:
    pages = documents.pages_from_file(_pdf(2))
    assert len(pages) == 2
    for p in pages:
        assert p.jpeg.startswith(b"\xff\xd8") and len(p.jpeg) <= documents.PAGE_BUDGET
        assert max(p.width, p.height) <= documents.MAX_SIDE
        assert p.skew_deg == pytest.approx(3.0, abs=0.6)


@pytest.mark.parametrize(
    "data,en_part",
    [
        (b"", "empty"),
        (b"hello, this is text", "neither an image nor a PDF"),
        (b"%PDF-1.4\nbroken", "damaged or encrypted"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "neither an image nor a PDF"),
        (b"\x00" * (31 * 1024 * 1024), "too large"),
    ],
)
def test_bad_document_files(data: bytes, en_part: str) -> None:
    with pytest.raises(ValidationError) as err:
        documents.pages_from_file(data)
    assert en_part in err.value.en and err.value.field == "document"


def test_huge_pixel_count_is_refused_before_decoding() -> None:
    big = cv2.imencode(".png", np.zeros((9000, 8000), np.uint8))[1].tobytes()
    with pytest.raises(ValidationError, match="too many pixels"):
        documents.pages_from_file(big)


def test_documents_through_the_service(op: StationService) -> None:
    d = op.create_dossier("correction", valid_form(correction_note="Sai ngày sinh"))
    capture_all(op, d.id)
    gaps = op.missing_captures(d.id)
    assert [(g.kind, g.en) for g in gaps] == [
        ("document", "A correction needs a supporting paper.")
    ]
    with pytest.raises(ValidationError):
        op.mark_captured(d.id)
    slots = op.add_document(d.id, "court_decision", _pdf(2))
    assert slots == ["court_decision_1", "court_decision_2"]
    assert op.add_document(d.id, "court_decision", _pdf(1)) == ["court_decision_3"]
    with pytest.raises(ValidationError, match="unknown document type"):
        op.add_document(d.id, "selfie", _pdf(1))
    assert op.missing_captures(d.id) == []
    op.mark_captured(d.id)


# --- exceptions and completeness ------------------------------------------------------------


def test_what_is_missing_is_listed(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    gaps = op.missing_captures(d.id)
    assert [g.slot for g in gaps] == ["", *[f.value for f in Finger], ""]
    assert gaps[0].en == "No face photo yet." and gaps[-1].en == "No signature of the citizen yet."
    assert gaps[1].vi == "Chưa lấy vân tay ngón cái phải."


def test_exceptions_must_be_confirmed_before_approval(
    op: StationService, sup: StationService
) -> None:
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    op.record_capture_exception(d.id, "fingerprint", "left_little", "amputated", "Cụt từ nhỏ")
    op.record_capture_exception(d.id, "signature", "", "unable_to_sign", "Tay run, không cầm bút")
    view = op.get_dossier(d.id)
    assert ("fingerprint", "left_little") not in {(p.kind, p.slot) for p in view.parts}
    assert ("signature", "") not in {(p.kind, p.slot) for p in view.parts}
    op.mark_captured(d.id)  # exceptions stand in for the parts
    op.confirm(d.id)
    with pytest.raises(ValidationError, match="not confirmed by a supervisor"):
        sup.approve(d.id)
    sup.confirm_capture_exception(d.id, "fingerprint", "left_little")
    sup.confirm_capture_exception(d.id, "signature", "")
    assert sup.approve(d.id).state == State.APPROVED
    info = sup.capture_info(d.id)
    assert info["exceptions"]["fingerprint/left_little"]["confirmed_by"] == "sup1"


@pytest.mark.parametrize(
    "kind,slot,exception,field",
    [
        ("fingerprint", "left_toe", "missing", "slot"),
        ("fingerprint", "left_index", "unable_to_sign", "exception"),
        ("signature", "", "amputated", "exception"),
        ("face", "", "missing", "kind"),
        ("fingerprint", "left_index", "stolen", "exception"),
    ],
)
def test_bad_exceptions(
    op: StationService, kind: str, slot: str, exception: str, field: str
) -> None:
    d = op.create_dossier("first_issue", valid_form())
    with pytest.raises(ValidationError) as err:
        op.record_capture_exception(d.id, kind, slot, exception, "lý do")
    assert err.value.field == field


def test_a_new_capture_replaces_the_exception(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    op.record_capture_exception(d.id, "fingerprint", "right_index", "bandaged", "Băng bó")
    capture_all(op, d.id)
    assert "fingerprint/right_index" not in op.capture_info(d.id).get("exceptions", {})


def test_young_children_give_no_biometrics(op: StationService, clock: FakeClock) -> None:
    born = birthday_after(4, clock.now().date())
    number = f"0193{born.year % 100:02d}004567"
    rep = [{"relation": "legal_representative", "full_name": "Hoàng Văn Bố"}]
    d = op.create_dossier(
        "first_issue",
        valid_form(date_of_birth=born.isoformat(), id_number=number, relatives=rep),
    )
    gaps = op.missing_captures(d.id)
    assert [(g.kind, g.en) for g in gaps] == [
        ("signature", "No signature of the legal representative yet.")
    ]
    op.record_citizen_review(d.id)
    op.save_signature(d.id, SimulatedSignaturePad(2).capture(SilentPrompter()))
    op.mark_captured(d.id)


def test_home_visit_context(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    with pytest.raises(ValidationError):
        op.set_capture_context(d.id, home_visit=True, location="")
    op.set_capture_context(d.id, home_visit=True, location="Nhà ông Páo, bản Sà Phìn")
    assert op.capture_info(d.id)["context"] == {
        "home_visit": True,
        "location": "Nhà ông Páo, bản Sà Phìn",
    }


def test_face_must_be_jpeg(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    with pytest.raises(ValidationError, match="must be a JPEG"):
        op.save_face(d.id, b"\x89PNG....", {})
