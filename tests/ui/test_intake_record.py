"""The intake record (CC01-style) printed beside the slip: what was received, as measured."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
from pytestqt.qtbot import QtBot

from station import intake_record
from station.capture.gate import GateSettings
from station.errors import IllegalTransitionError
from station.form import captures_for
from station.service import StationService
from tests.conftest import (
    OP_PW,
    SUP_PW,
    FakeClock,
    capture_all,
    login,
    simulated_captures,
    valid_form,
)
from ui.intake_record_pdf import write_pdf


def test_the_record_lists_what_was_received(
    staffed: StationService, clock: FakeClock, qtbot: QtBot, tmp_path: Path
) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    with pytest.raises(IllegalTransitionError):
        op.intake_record(d.id)  # not confirmed yet
    data, media_type, meta = simulated_captures().prints["left_index"]
    op.save_fingerprint(d.id, "left_middle", data, media_type, meta)
    sup.override_alarm(d.id, "duplicate:left_index+left_middle", "Đã xem trực tiếp hai ngón")
    # The middle finger's rolled print no longer matches the print in its flat slot.
    sup.override_alarm(d.id, "rolled:left_middle", "Đã xem trực tiếp ngón giữa")
    op.mark_captured(d.id)
    op.confirm(d.id)
    record = op.intake_record(d.id)
    lines = record.lines("vi")
    assert lines[0] == "Ảnh chân dung: đạt"
    assert sum(line.startswith("Vân tay ngón") for line in lines) == 10
    assert sum(line.startswith("Vân tay lăn ngón") for line in lines) == 10
    assert "Mống mắt phải: chất lượng" in " | ".join(lines)
    assert sum(line.startswith("Mống mắt ") for line in lines) == 2
    assert all("chưa có" not in line for line in lines)
    assert any("sup1" in line and "Đã xem trực tiếp" in line for line in lines)
    assert "Chữ ký: có" in lines
    assert ("Họ, chữ đệm và tên khai sinh", "Hoàng Thị Én") in record.citizen or any(
        text == "Hoàng Thị Én" for _, text in record.citizen
    )
    path = write_pdf(record, tmp_path / "record.pdf")
    doc = pypdfium2.PdfDocument(str(path))
    try:
        assert len(doc) == 1  # a whole dossier (22 biometric lines, two overrides) on one page
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    for expected in (
        record.dossier_number,
        "Hoàng Thị Én",
        "Ảnh chân dung: đạt",
        "Vân tay lăn ngón út trái: chất lượng",
        "Mống mắt trái: chất lượng",
        "Chữ ký: có",
    ):
        assert expected in text, expected


def _part(kind: str, slot: str, quality: int, **gate: object) -> tuple[str, str, dict[str, object]]:
    return (kind, slot, {"gate": {"decodes": True, "quality": quality, **gate}})


def test_rolled_prints_and_irises_read_as_the_flat_prints() -> None:
    """Captured with a score, best effort with score and threshold, exception with its reason."""
    fingers = ["right_thumb", "right_index", "right_middle", "right_ring", "right_little"]
    fingers += [f.replace("right", "left") for f in fingers]
    parts = [_part("fingerprint", f, 70) for f in fingers if f != "left_ring"]
    parts += [
        _part("rolled_print", f, 65) for f in fingers if f not in ("left_ring", "right_thumb")
    ]
    parts.append(_part("rolled_print", "right_thumb", 31))
    failed = {"quality": {"passed": False, "vi": "", "en": ""}}
    parts.append(_part("iris", "right", 41, found=True, checks=failed))
    exceptions = {
        "fingerprint/left_ring": {"kind": "bandaged", "reason": "Vết thương mới"},
        "iris/left": {"kind": "missing", "reason": "Mắt giả"},
    }
    capture = {
        "exceptions": exceptions,
        "attempts": {"rolled_print/right_thumb": 3, "iris/right": 3, "right_thumb": 1},
    }
    lines = intake_record.received(parts, capture, captures_for(30), GateSettings())
    vi = [pair[0] for pair in lines]
    en = [pair[1] for pair in lines]
    assert "Vân tay ngón cái phải: chất lượng 70" in vi
    assert "Vân tay ngón áp út trái: không lấy được (đang băng bó, Vết thương mới)" in vi
    assert "Vân tay lăn ngón trỏ phải: chất lượng 65" in vi
    assert "Vân tay lăn ngón cái phải: giữ chất lượng 31 (dưới ngưỡng 50, sau 3 lần)" in vi
    assert (
        "Vân tay lăn ngón áp út trái: không lấy được như vân tay phẳng "
        "(đang băng bó, Vết thương mới)"
    ) in vi
    assert "Mống mắt phải: giữ chất lượng 41 (dưới ngưỡng 60, sau 3 lần)" in vi
    assert "Mống mắt trái: không lấy được (không có mắt, Mắt giả)" in vi
    assert "Rolled print of the right thumb: kept at quality 31 (under 50, after 3 attempts)" in en
    assert "Iris of the left eye: not taken (no eye, Mắt giả)" in en
    assert len([x for x in vi if x.startswith(("Vân tay", "Mống mắt"))]) == 22


def test_not_required_by_age_or_by_the_station() -> None:
    child = intake_record.received([], {}, captures_for(4), GateSettings())
    assert [pair[0] for pair in child] == [
        "Vân tay: không yêu cầu (dưới 6 tuổi)",
        "Vân tay lăn: không yêu cầu (dưới 6 tuổi)",
        "Mống mắt: không yêu cầu (dưới 6 tuổi)",
    ]
    assert child[2][1] == "Irises: not required (under 6)"
    parts = [_part("fingerprint", "right_thumb", 70)]
    no_camera = intake_record.received(parts, {}, captures_for(30), GateSettings(iris_camera=False))
    assert no_camera[-1] == (
        "Mống mắt: không yêu cầu (trạm không có máy chụp mống mắt)",
        "Irises: not required (the station has no iris camera)",
    )
