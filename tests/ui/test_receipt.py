"""The appointment slip as printed: its text, and a QR code that reads back as the number."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pypdfium2
from pytestqt.qtbot import QtBot

from station.appointment import slip
from station.dossier import CaseType
from ui.receipt import qr_image, write_pdf

NUMBER = "TN-001-20261123-0007"


def _slip() -> object:
    return slip(
        dossier_number=NUMBER,
        full_name="Nguyễn Thị Hồng Nhung",
        case=CaseType.RENEWAL,
        age=10,
        intake_date=date(2026, 11, 23),
        station_name="Trạm Thái Nguyên 1",
        station_code="TN-001",
        operator_id="op1",
        operator_name="Trần Văn Bình",
    )


def test_slip_pdf_has_the_facts_and_a_readable_qr(qtbot: QtBot, tmp_path: Path) -> None:
    path = write_pdf(_slip(), tmp_path / "slip.pdf")  # type: ignore[arg-type]
    assert not (tmp_path / "slip.pdf.part").exists()
    doc = pypdfium2.PdfDocument(str(path))
    try:
        page = doc[0]
        text = page.get_textpage().get_text_range()
        for expected in (
            "GIẤY HẸN TRẢ KẾT QUẢ",
            NUMBER,
            "Nguyễn Thị Hồng Nhung",
            "cấp đổi",
            "23/11/2026",
            "02/12/2026",  # seven working days later
            "Thẻ căn cước / CCCD cũ",
            "Người đại diện hợp pháp",
            "Cán bộ tiếp nhận: Trần Văn Bình",  # the officer by name, not by login
        ):
            assert expected in text, expected
        bitmap = page.render(scale=2).to_numpy()
    finally:
        doc.close()
    gray = cv2.cvtColor(np.ascontiguousarray(bitmap[:, :, :3]), cv2.COLOR_BGR2GRAY)
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(gray)
    assert decoded == NUMBER


def test_qr_image_has_a_quiet_zone(qtbot: QtBot) -> None:
    image = qr_image("X", module_px=4)
    assert image.width() == image.height()
    # The first four modules on every side are white.
    for x in range(0, 16):
        assert image.pixelColor(x, x).lightness() == 255
