"""The appointment slip printed for the citizen: to a PDF file, and to a printer when one exists.

The content (dates, what to bring back) comes from the core's :mod:`station.appointment`; this
module only lays it out on an A5 page with a QR code of the dossier number (OpenCV's QR encoder,
so no extra dependency), in the window's language.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from station.appointment import AppointmentSlip
from ui.context import day_text, label
from ui.qt import (
    QCoreApplication,
    QFont,
    QImage,
    QMarginsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPrinter,
    QPrinterInfo,
    QRectF,
    Qt,
    QtCore,
    QtGui,
)

translate = QCoreApplication.translate

PDF_RESOLUTION = 300


def qr_image(text: str, module_px: int = 8) -> QImage:
    """A QR code of ``text`` with its 4-module quiet zone, as a monochrome image."""
    code = cv2.QRCodeEncoder.create().encode(text)
    code = cv2.copyMakeBorder(code, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=255)
    big = np.ascontiguousarray(
        cv2.resize(
            code,
            (code.shape[1] * module_px, code.shape[0] * module_px),
            interpolation=cv2.INTER_NEAREST,
        )
    )
    h, w = big.shape
    return QImage(big.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def paint_slip(painter: QPainter, page: QRectF, slip: AppointmentSlip, lang: str) -> None:
    """Lay the slip out inside ``page`` (device units of ``painter``)."""
    scale = page.width() / 1000.0  # layout in a 1000-unit-wide page
    family = "DejaVu Sans"

    def font(points: float, bold: bool = False) -> QFont:
        f = QFont(family)
        f.setPixelSize(max(1, round(points * scale)))
        f.setBold(bold)
        return f

    y = page.top()
    left = page.left()
    width = page.width()

    def line(text: str, size: float, bold: bool = False, centre: bool = False) -> None:
        nonlocal y
        painter.setFont(font(size, bold))
        flags = Qt.AlignmentFlag.AlignHCenter if centre else Qt.AlignmentFlag.AlignLeft
        box = painter.boundingRect(
            QRectF(left, y, width, 10_000), int(flags | Qt.TextFlag.TextWordWrap), text
        )
        painter.drawText(
            QRectF(left, y, width, box.height()), int(flags | Qt.TextFlag.TextWordWrap), text
        )
        y += box.height() + 8 * scale

    line(translate("Receipt", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), 26, bold=True, centre=True)
    line(translate("Receipt", "Độc lập - Tự do - Hạnh phúc"), 24, centre=True)
    y += 20 * scale
    line(translate("Receipt", "GIẤY HẸN TRẢ KẾT QUẢ"), 40, bold=True, centre=True)
    line(translate("Receipt", "(Mẫu CC02 — thẻ căn cước)"), 22, centre=True)
    y += 20 * scale

    qr_side = 260 * scale
    qr_top = y
    painter.drawImage(
        QRectF(left + width - qr_side, qr_top, qr_side, qr_side), qr_image(slip.dossier_number)
    )
    text_width = width - qr_side - 20 * scale
    saved_width = width
    width = text_width
    rows = [
        (translate("Receipt", "Số hồ sơ"), slip.dossier_number),
        (translate("Receipt", "Họ và tên"), slip.full_name),
        (translate("Receipt", "Loại thủ tục"), label(slip.case, lang)),
        (translate("Receipt", "Ngày tiếp nhận"), day_text(slip.intake_date, lang)),
        (translate("Receipt", "Ngày hẹn trả thẻ"), day_text(slip.collect_from, lang)),
        (translate("Receipt", "Nơi trả thẻ"), f"{slip.station_name} ({slip.station_code})"),
    ]
    for key, value in rows:
        line(
            f"{key}: {value}",
            28,
            bold=key
            in (translate("Receipt", "Số hồ sơ"), translate("Receipt", "Ngày hẹn trả thẻ")),
        )
    y = max(y, qr_top + qr_side + 10 * scale)
    width = saved_width
    y += 10 * scale
    line(translate("Receipt", "Khi đến nhận thẻ, mang theo:"), 28, bold=True)
    for item in slip.bring_back:
        line("•  " + label(item, lang), 28)
    y += 20 * scale
    line(
        translate(
            "Receipt",
            "Giữ giấy hẹn này cẩn thận. Ngày hẹn tính theo ngày làm việc; nếu trùng ngày nghỉ lễ, "
            "thẻ được trả vào ngày làm việc tiếp theo.",
        ),
        22,
    )
    line(
        translate("Receipt", "Cán bộ tiếp nhận: {operator}").format(
            operator=slip.operator_name or slip.operator_id
        ),
        22,
    )


def _origin_rect(paint_rect: QtCore.QRect) -> QRectF:
    """The paintable area in painter coordinates: the painter's origin is the margin corner."""
    return QRectF(0, 0, paint_rect.width(), paint_rect.height())


def write_pdf(slip: AppointmentSlip, path: Path, lang: str = "vi") -> Path:
    """Write the slip to ``path`` (A5 portrait) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(translate("Receipt", "Giấy hẹn trả kết quả") + " " + slip.dossier_number)
    writer.setCreator("intake-station")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A5),
            QPageLayout.Orientation.Portrait,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    painter = QPainter(writer)
    try:
        paint_slip(
            painter, _origin_rect(writer.pageLayout().paintRectPixels(PDF_RESOLUTION)), slip, lang
        )
    finally:
        painter.end()
    tmp.replace(path)
    return path


def default_printer() -> str | None:
    """The default printer's name, or None when the machine has no printer."""
    info = QPrinterInfo.defaultPrinter()
    if info.isNull():
        names = QPrinterInfo.availablePrinterNames()
        return names[0] if names else None
    return str(info.printerName())


def print_slip(slip: AppointmentSlip, printer_name: str, lang: str = "vi") -> bool:
    """Send the slip to a printer; False when the printer refused the job."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPrinterName(printer_name)
    printer.setPageSize(QtGui.QPageSize(QPageSize.PageSizeId.A5))
    painter = QPainter()
    if not painter.begin(printer):
        return False
    try:
        paint_slip(
            painter,
            _origin_rect(printer.pageLayout().paintRectPixels(printer.resolution())),
            slip,
            lang,
        )
    finally:
        painter.end()
    return True
