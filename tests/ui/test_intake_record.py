"""The intake record (CC01-style) printed beside the slip: what was received, as measured."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
from pytestqt.qtbot import QtBot

from station.errors import IllegalTransitionError
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
    assert sum(line.startswith("Vân tay ") for line in lines) == 10
    assert any("sup1" in line and "Đã xem trực tiếp" in line for line in lines)
    assert "Chữ ký: có" in lines
    assert ("Họ, chữ đệm và tên khai sinh", "Hoàng Thị Én") in record.citizen or any(
        text == "Hoàng Thị Én" for _, text in record.citizen
    )
    path = write_pdf(record, tmp_path / "record.pdf")
    doc = pypdfium2.PdfDocument(str(path))
    try:
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    for expected in (record.dossier_number, "Hoàng Thị Én", "Ảnh chân dung: đạt", "Chữ ký: có"):
        assert expected in text, expected
