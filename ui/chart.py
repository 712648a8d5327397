"""A simple bar chart drawn with ``QPainter``: one bar per day (or per anything), each with its
target marked by a line across it. The same drawing serves the screen and the printed report
(``paint_bars`` takes any painter and rectangle), so what is printed is what was shown.

QtCharts is not part of PySide6-Essentials; a bar chart of counts needs nothing more than this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ui.qt import (
    QColor,
    QCoreApplication,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPaintEvent,
    QPen,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QWidget,
)

BAR = QColor("#1f5fa8")  # dark blue: readable on white and in grey print
BAR_MET = QColor("#2e7d32")  # dark green: the bar reached its target
TARGET = QColor("#c62828")  # red line: the target
AXIS = QColor("#333333")
GRID = QColor("#d0d0d0")


@dataclass(frozen=True)
class ChartData:
    labels: tuple[str, ...] = ()
    values: tuple[int, ...] = ()
    targets: tuple[int | None, ...] = ()
    value_legend: str = ""
    target_legend: str = ""


def nice_step(top: int, ticks: int = 5) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving at most ``ticks`` grid lines."""
    raw = max(1.0, top / ticks)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def paint_bars(painter: QPainter, rect: QRectF, data: ChartData, font: QFont) -> None:
    """Draw ``data`` inside ``rect`` with ``font`` (sized for the device being painted)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setFont(font)
    fm = QFontMetrics(font, painter.device())
    line_h = fm.height()
    values = data.values
    targets = [t for t in data.targets if t]
    top_value = max([*values, *targets, 1])
    step = nice_step(top_value)
    top = step * (top_value // step + 1)  # headroom above the highest bar or target
    axis_w = fm.horizontalAdvance(str(top)) + line_h * 0.6
    plot = QRectF(
        rect.left() + axis_w,
        rect.top() + line_h * 1.6,  # room for the legend
        rect.width() - axis_w - line_h * 0.5,
        rect.height() - line_h * 3.0,  # legend above, labels below
    )
    thin = max(1.0, line_h / 14)

    # Legend.
    x = plot.left()
    y = rect.top()
    box = line_h * 0.7
    painter.fillRect(QRectF(x, y + (line_h - box) / 2, box, box), BAR)
    painter.setPen(AXIS)
    x += box + line_h * 0.3
    painter.drawText(QRectF(x, y, plot.width() / 2, line_h), data.value_legend)
    x += fm.horizontalAdvance(data.value_legend) + line_h
    painter.setPen(QPen(TARGET, thin * 3))
    painter.drawLine(int(x), int(y + line_h / 2), int(x + box * 1.5), int(y + line_h / 2))
    painter.setPen(AXIS)
    x += box * 1.5 + line_h * 0.3
    painter.drawText(QRectF(x, y, plot.width() / 2, line_h), data.target_legend)

    def y_of(value: float) -> float:
        return plot.bottom() - plot.height() * value / top

    # Grid and value axis.
    for tick in range(0, top + 1, step):
        ty = y_of(tick)
        painter.setPen(QPen(GRID, thin))
        painter.drawLine(int(plot.left()), int(ty), int(plot.right()), int(ty))
        painter.setPen(AXIS)
        painter.drawText(
            QRectF(rect.left(), ty - line_h / 2, axis_w - line_h * 0.3, line_h),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            str(tick),
        )
    painter.setPen(QPen(AXIS, thin))
    painter.drawLine(int(plot.left()), int(plot.bottom()), int(plot.right()), int(plot.bottom()))

    count = len(values)
    if count:
        slot = plot.width() / count
        bar_w = max(1.0, slot * 0.6)
        label_w = max(fm.horizontalAdvance(label) for label in data.labels) + line_h * 0.5
        every = max(1, math.ceil(label_w / slot))  # label every n-th bar so labels never overlap
        for i, value in enumerate(values):
            cx = plot.left() + slot * (i + 0.5)
            target = data.targets[i] if i < len(data.targets) else None
            color = BAR_MET if target and value >= target else BAR
            bar = QRectF(cx - bar_w / 2, y_of(value), bar_w, plot.bottom() - y_of(value))
            painter.fillRect(bar, color)
            if value and fm.horizontalAdvance(str(value)) <= slot:
                painter.setPen(AXIS)
                painter.drawText(
                    QRectF(cx - slot / 2, bar.top() - line_h, slot, line_h),
                    int(Qt.AlignmentFlag.AlignCenter),
                    str(value),
                )
            if target:
                ty = y_of(target)
                painter.setPen(QPen(TARGET, thin * 3))
                half = min(slot / 2, bar_w / 2 + line_h * 0.3)
                painter.drawLine(int(cx - half), int(ty), int(cx + half), int(ty))
            if i % every == 0:
                painter.setPen(AXIS)
                painter.drawText(
                    QRectF(cx - label_w / 2, plot.bottom() + line_h * 0.2, label_w, line_h),
                    int(Qt.AlignmentFlag.AlignCenter),
                    data.labels[i],
                )
    painter.restore()


def chart_image(data: ChartData, size: QSize, font: QFont) -> QImage:
    """The chart on a white image (for documents that take images)."""
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        paint_bars(painter, QRectF(0, 0, size.width(), size.height()), data, font)
    finally:
        painter.end()
    return image


class BarChart(QWidget):
    """The chart as a widget; ``set_data`` and it repaints."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = ChartData(
            value_legend=self.tr("Đã thu nhận"), target_legend=self.tr("Chỉ tiêu")
        )
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(
            QCoreApplication.translate("BarChart", "Biểu đồ số hồ sơ so với chỉ tiêu")
        )

    def set_data(
        self, labels: Sequence[str], values: Sequence[int], targets: Sequence[int | None]
    ) -> None:
        self.data = ChartData(
            tuple(labels),
            tuple(values),
            tuple(targets),
            self.data.value_legend,
            self.data.target_legend,
        )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor("white"))
            paint_bars(painter, QRectF(self.rect()).adjusted(8, 8, -8, -8), self.data, self.font())
        finally:
            painter.end()
