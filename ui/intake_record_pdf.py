"""The intake record (CC01-style) as a PDF beside the appointment slip.

The content is the core's (:mod:`station.intake_record`); this module lays it out on A4 pages
in the window's language.
"""

from __future__ import annotations

from pathlib import Path

from station.intake_record import IntakeRecord
from ui.context import day_text
from ui.qt import (
    QCoreApplication,
    QFont,
    QMarginsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QRectF,
    Qt,
)

translate = QCoreApplication.translate

PDF_RESOLUTION = 150


def write_pdf(record: IntakeRecord, path: Path, lang: str = "vi") -> Path:
    """Write the record to ``path`` (A4, as many pages as it takes) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setResolution(PDF_RESOLUTION)
    title = translate("IntakeRecord", "Phiếu thu nhận thông tin căn cước")
    writer.setTitle(f"{title} {record.dossier_number}")
    writer.setCreator("intake-station")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    rect = writer.pageLayout().paintRectPixels(PDF_RESOLUTION)
    page = QRectF(0, 0, rect.width(), rect.height())
    painter = QPainter(writer)
    try:
        body = QFont("DejaVu Sans")
        body.setPointSizeF(10)
        bold = QFont(body)
        bold.setBold(True)
        line_h = painter.fontMetrics().height() * 1.3 + 2  # a full dossier fits one A4 page
        y = 0.0

        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        pad = (line_h - painter.fontMetrics().height()) / 2

        def line(text: str, font: QFont, indent: float = 0.0) -> None:
            """A paragraph, wrapped to the page width (a long reason or address is never cut)."""
            nonlocal y
            painter.setFont(font)
            width = page.width() - indent
            needed = painter.boundingRect(QRectF(indent, 0, width, 1e6), flags, text).height()
            height = max(line_h, needed + 2 * pad)
            if y + height > page.height():
                writer.newPage()
                y = 0.0
            painter.drawText(QRectF(indent, y + pad, width, height - 2 * pad), flags, text)
            y += height

        line(f"{title} — {record.dossier_number}", bold)
        line(
            translate("IntakeRecord", "{station} ({code}), ngày {day}, cán bộ {operator}").format(
                station=record.station_name,
                code=record.station_code,
                day=day_text(record.intake_date, lang),
                operator=record.operator_id,
            ),
            body,
        )
        y += line_h / 2
        line(translate("IntakeRecord", "Thông tin công dân"), bold)
        for label, text in record.citizen:
            for i, part in enumerate(text.splitlines() or [""]):
                line(f"{label}: {part}" if i == 0 else f"    {part}", body, 20)
        y += line_h / 2
        line(translate("IntakeRecord", "Đã thu nhận"), bold)
        for text in record.lines(lang):
            line(f"• {text}", body, 20)
        y += line_h
        line(translate("IntakeRecord", "Công dân đã kiểm tra thông tin trên phiếu."), body)
    finally:
        painter.end()
    tmp.replace(path)
    return path
