"""A signature canvas: strokes from a mouse, a pen or a graphics tablet, with pressure.

Points are kept as the station core wants them (:class:`~station.devices.StrokePoint`): x and y
as fractions of the pad (a 3:1 box, like the one on the intake record), the pen pressure (1.0
for a mouse, which has none) and the milliseconds since the first point. A tablet's events are
taken as tablet events (with pressure) and accepted, so Qt does not also send them as mouse
events. The pad only records and draws; whether a signature is acceptable is the core's call.
"""

from __future__ import annotations

from collections.abc import Sequence

from station.devices import StrokePoint
from ui.qt import (
    QColor,
    QElapsedTimer,
    QEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointF,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QTabletEvent,
    QWidget,
    Signal,
)

#: The pad's width over its height (the signature box on the intake record).
ASPECT = 3.0
#: Pen width at full pressure, as a fraction of the pad's height.
INK_WIDTH = 0.013


class SignaturePad(QWidget):
    """Records strokes and draws them; ``ink_changed`` after each stroke and on clear."""

    ink_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(450, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, False)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._strokes: list[list[StrokePoint]] = []
        self._current: list[StrokePoint] | None = None
        self._clock = QElapsedTimer()
        self._image: QImage | None = None
        self._read_only = False
        self.tablet_used = False  # the last signature came (at least partly) from a tablet

    # -- state

    def strokes(self) -> list[list[StrokePoint]]:
        """The strokes drawn (empty strokes left out)."""
        return [list(s) for s in self._strokes if s]

    def has_ink(self) -> bool:
        return any(self._strokes) or self._image is not None

    def clear(self) -> None:
        self._strokes = []
        self._current = None
        self._image = None
        self._clock.invalidate()
        self.tablet_used = False
        self.update()
        self.ink_changed.emit()

    def set_strokes(self, strokes: Sequence[Sequence[StrokePoint]]) -> None:
        """Show strokes (a saved signature, one from a signature pad device)."""
        self._strokes = [list(s) for s in strokes if s]
        self._current = None
        self._image = None
        self.update()

    def set_image(self, image: QImage | None) -> None:
        """Show a rendered signature (a saved one whose strokes are not available)."""
        self._strokes = []
        self._current = None
        self._image = image
        self.update()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only else Qt.CursorShape.CrossCursor)
        self.update()

    def is_read_only(self) -> bool:
        return self._read_only

    # -- geometry

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(780, 260)

    def pad_rect(self) -> QRectF:
        """The 3:1 writing box, centred in the widget, in widget pixels."""
        width, height = float(self.width()), float(self.height())
        if width / height > ASPECT:
            w, h = height * ASPECT, height
        else:
            w, h = width, width / ASPECT
        return QRectF((width - w) / 2.0, (height - h) / 2.0, w, h)

    def to_pad(self, pos: QPointF) -> tuple[float, float]:
        """Widget pixels to pad fractions, clamped to the pad."""
        rect = self.pad_rect()
        x = (pos.x() - rect.x()) / rect.width()
        y = (pos.y() - rect.y()) / rect.height()
        return (min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0))

    def to_widget(self, x: float, y: float) -> QPointF:
        rect = self.pad_rect()
        return QPointF(rect.x() + x * rect.width(), rect.y() + y * rect.height())

    # -- input

    def _begin(self, pos: QPointF, pressure: float) -> None:
        if self._read_only:
            return
        if self._image is not None:  # drawing over a rendered signature starts a new one
            self._image = None
        if not self._clock.isValid():
            self._clock.start()
        self._current = []
        self._strokes.append(self._current)
        self._add(pos, pressure)

    def _add(self, pos: QPointF, pressure: float) -> None:
        if self._current is None:
            return
        x, y = self.to_pad(pos)
        point = StrokePoint(x, y, min(max(pressure, 0.0), 1.0), int(self._clock.elapsed()))
        if self._current and (self._current[-1].x, self._current[-1].y) == (x, y):
            return
        self._current.append(point)
        self.update()

    def _end(self) -> None:
        if self._current is None:
            return
        self._current = None
        self.ink_changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), 1.0)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.buttons() & Qt.MouseButton.LeftButton and self._current is not None:
            self._add(event.position(), 1.0)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self._add(event.position(), 1.0)
            self._end()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802 - Qt API
        kind = event.type()
        pressure = float(event.pressure())
        if kind == QEvent.Type.TabletPress:
            self.tablet_used = True
            self._begin(event.position(), pressure)
        elif kind == QEvent.Type.TabletMove:
            if self._current is not None:
                self._add(event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()  # no synthesised mouse events on top

    # -- drawing

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rect = self.pad_rect()
        painter.fillRect(self.rect(), self.palette().window())
        painter.fillRect(rect, QColor("#ffffff" if not self._read_only else "#f5f5f5"))
        painter.setPen(QPen(QColor("#5f6368"), 2))
        painter.drawRect(rect.adjusted(1, 1, -1, -1))
        # The line to sign on.
        base_y = rect.y() + rect.height() * 0.72
        painter.setPen(QPen(QColor("#9aa0a6"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(
            QPointF(rect.x() + rect.width() * 0.05, base_y),
            QPointF(rect.x() + rect.width() * 0.95, base_y),
        )
        if self._image is not None and not self._image.isNull():
            image_rect = self._fit(self._image, rect)
            painter.drawImage(image_rect, self._image)
        ink = QColor("#000000")
        for stroke in self._strokes:
            self._draw_stroke(painter, stroke, ink, rect.height())
        painter.end()

    @staticmethod
    def _fit(image: QImage, rect: QRectF) -> QRectF:
        scale = min(rect.width() / image.width(), rect.height() / image.height())
        w, h = image.width() * scale, image.height() * scale
        return QRectF(rect.x() + (rect.width() - w) / 2, rect.y() + (rect.height() - h) / 2, w, h)

    def _draw_stroke(
        self, painter: QPainter, stroke: Sequence[StrokePoint], ink: QColor, height: float
    ) -> None:
        if not stroke:
            return
        if len(stroke) == 1:
            p = stroke[0]
            painter.setPen(QPen(ink, max(1.5, INK_WIDTH * height * p.pressure)))
            painter.drawPoint(self.to_widget(p.x, p.y))
            return
        previous = stroke[0]
        for point in stroke[1:]:
            width = max(1.5, INK_WIDTH * height * (0.35 + 0.65 * point.pressure))
            pen = QPen(ink, width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(
                self.to_widget(previous.x, previous.y), self.to_widget(point.x, point.y)
            )
            previous = point
