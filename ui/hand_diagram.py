"""Two hands drawn with QPainter: each finger clickable and coloured by its capture status; and a
quality bar with the pass mark drawn on it.

The hands are drawn as the citizen's own hands lie palms down on the scanner: the left hand on
the left, thumbs towards the middle. Colour is never the only cue (poor light, colour-blind
officers): each finger also carries a sign (✓ good, ! low quality, × exception) and its key.

Keyboard: Left/Right (and Up/Down) move along the ten fingers in the order drawn; the digit
keys 1-9 and 0 pick the finger of that ISO/ANSI-NIST position (1 right thumb ... 0 left little).
"""

from __future__ import annotations

from station.capture.fpprogress import FingerStatus
from station.devices import FINGER_LABELS, Finger
from ui.qt import (
    QColor,
    QCoreApplication,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPointF,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QtGui,
    QWidget,
    Signal,
)

#: The fingers from left to right as drawn.
DRAWN_ORDER: tuple[Finger, ...] = (
    Finger.LEFT_LITTLE,
    Finger.LEFT_RING,
    Finger.LEFT_MIDDLE,
    Finger.LEFT_INDEX,
    Finger.LEFT_THUMB,
    Finger.RIGHT_THUMB,
    Finger.RIGHT_INDEX,
    Finger.RIGHT_MIDDLE,
    Finger.RIGHT_RING,
    Finger.RIGHT_LITTLE,
)

#: Fill, ink (for the sign on it) per status; dark enough ink on each fill for a dim screen.
STATUS_COLOURS: dict[FingerStatus, tuple[str, str]] = {
    FingerStatus.PENDING: ("#d9d9d9", "#202020"),
    FingerStatus.GOOD: ("#2e7d32", "#ffffff"),
    FingerStatus.LOW: ("#f2a900", "#000000"),
    FingerStatus.EXCEPTION: ("#5e35b1", "#ffffff"),
}
STATUS_SIGNS: dict[FingerStatus, str] = {
    FingerStatus.PENDING: "",
    FingerStatus.GOOD: "✓",
    FingerStatus.LOW: "!",
    FingerStatus.EXCEPTION: "×",
}
SELECTED_COLOUR = "#0d47a1"
OUTLINE_COLOUR = "#404040"

# Finger lengths as a share of the room above the palm (index, middle, ring, little).
_LENGTHS = (0.80, 0.92, 0.84, 0.64)
_LEFT_FOUR = (Finger.LEFT_INDEX, Finger.LEFT_MIDDLE, Finger.LEFT_RING, Finger.LEFT_LITTLE)
_RIGHT_FOUR = (Finger.RIGHT_INDEX, Finger.RIGHT_MIDDLE, Finger.RIGHT_RING, Finger.RIGHT_LITTLE)


def key_of(finger: Finger) -> str:
    """The digit key that selects ``finger`` (its ISO position, 10 as 0)."""
    return str(finger.iso_position % 10)


def finger_for_key(key: int) -> Finger | None:
    """The finger of a digit key (Qt.Key_0 .. Qt.Key_9), or None."""
    digit = key - int(Qt.Key.Key_0.value)
    if not 0 <= digit <= 9:
        return None
    position = 10 if digit == 0 else digit
    return list(Finger)[position - 1]


def status_text(status: FingerStatus) -> str:
    texts = {
        FingerStatus.PENDING: QCoreApplication.translate("HandDiagram", "chưa lấy"),
        FingerStatus.GOOD: QCoreApplication.translate("HandDiagram", "đạt"),
        FingerStatus.LOW: QCoreApplication.translate("HandDiagram", "chất lượng thấp"),
        FingerStatus.EXCEPTION: QCoreApplication.translate("HandDiagram", "ngoại lệ"),
    }
    return texts[status]


class HandDiagram(QWidget):
    """The ten fingers; ``finger_selected`` carries the selected finger's value."""

    finger_selected = Signal(str)

    def __init__(self, lang: str = "vi", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self._status: dict[Finger, FingerStatus] = dict.fromkeys(Finger, FingerStatus.PENDING)
        self._selected = Finger.RIGHT_INDEX
        self._paths: dict[Finger, QPainterPath] = {}
        self._palms: list[QPainterPath] = []
        self._size = QSize()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(400, 180)  # fits 1366x768 at 125 % beside the capture panel
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self._update_tooltip()

    # --- the model ---

    def status(self, finger: Finger) -> FingerStatus:
        return self._status[finger]

    def statuses(self) -> dict[Finger, FingerStatus]:
        return dict(self._status)

    def set_statuses(self, statuses: dict[Finger, FingerStatus]) -> None:
        self._status.update(statuses)
        self._update_tooltip()
        self.update()

    def selected(self) -> Finger:
        return self._selected

    def select(self, finger: Finger) -> None:
        """Select ``finger`` (emits ``finger_selected`` when it changes)."""
        finger = Finger(finger)
        if finger == self._selected:
            return
        self._selected = finger
        self._update_tooltip()
        self.update()
        self.finger_selected.emit(finger.value)

    def finger_at(self, point: QPointF) -> Finger | None:
        self._layout()
        for finger, path in self._paths.items():
            if path.contains(point):
                return finger
        return None

    def finger_centre(self, finger: Finger) -> QPointF:
        """Where the finger is drawn (for tests and for clicks)."""
        self._layout()
        return self._paths[finger].boundingRect().center()

    # --- events ---

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(560, 260)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        finger = self.finger_at(event.position())
        if finger is not None and event.button() == Qt.MouseButton.LeftButton:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.select(finger)
            event.accept()
            return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        key = event.key()
        index = DRAWN_ORDER.index(self._selected)
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.select(DRAWN_ORDER[(index - 1) % len(DRAWN_ORDER)])
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.select(DRAWN_ORDER[(index + 1) % len(DRAWN_ORDER)])
        elif (finger := finger_for_key(key)) is not None:
            self.select(finger)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # --- drawing ---

    def _update_tooltip(self) -> None:
        label = FINGER_LABELS[self._selected][1 if self._lang == "en" else 0]
        text = f"{label}: {status_text(self._status[self._selected])}"
        self.setToolTip(text)
        self.setAccessibleName(QCoreApplication.translate("HandDiagram", "Sơ đồ hai bàn tay"))
        self.setAccessibleDescription(text)

    def _layout(self) -> None:
        if self._size == self.size() and self._paths:
            return
        self._size = QSize(self.size())
        w, h = float(self.width()), float(self.height())
        hand_w = w / 2 - 16
        left = self._hand(QRectF(8, 26, hand_w, h - 34), _LEFT_FOUR, Finger.LEFT_THUMB)
        mirror = QtGui.QTransform(-1, 0, 0, 1, w, 0)  # x -> w - x
        right = self._hand(QRectF(8, 26, hand_w, h - 34), _RIGHT_FOUR, Finger.RIGHT_THUMB)
        self._paths = dict(left[0])
        self._paths.update({f: mirror.map(p) for f, p in right[0].items()})
        self._palms = [left[1], mirror.map(right[1])]

    @staticmethod
    def _hand(
        box: QRectF, four: tuple[Finger, ...], thumb: Finger
    ) -> tuple[dict[Finger, QPainterPath], QPainterPath]:
        """A left hand palm down in ``box`` (fingers up, thumb on the right side)."""
        palm = QRectF(
            box.left() + box.width() * 0.10,
            box.top() + box.height() * 0.52,
            box.width() * 0.62,
            box.height() * 0.46,
        )
        palm_path = QPainterPath()
        palm_path.addRoundedRect(palm, 22, 22)
        paths: dict[Finger, QPainterPath] = {}
        slot = palm.width() / 4
        room = palm.top() - box.top()
        # Drawn left to right: little, ring, middle, index (the index next to the thumb).
        for i, finger in enumerate(reversed(four)):
            length = room * _LENGTHS[3 - i] + 18
            rect = QRectF(
                palm.left() + slot * i + slot * 0.09,
                palm.top() - length + 18,
                slot * 0.82,
                length,
            )
            path = QPainterPath()
            path.addRoundedRect(rect, slot * 0.38, slot * 0.38)
            paths[finger] = path
        thumb_len = box.height() * 0.42
        thumb_w = slot * 0.95
        rect = QRectF(-thumb_w / 2, -thumb_len, thumb_w, thumb_len)
        path = QPainterPath()
        path.addRoundedRect(rect, thumb_w * 0.45, thumb_w * 0.45)
        turn = QtGui.QTransform()
        turn.translate(palm.right() - thumb_w * 0.15, palm.top() + palm.height() * 0.62)
        turn.rotate(48)
        paths[thumb] = turn.map(path)
        return paths, palm_path

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        self._layout()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(OUTLINE_COLOUR), 1.5))
        painter.setBrush(QColor("#f3e5d8"))
        for palm in self._palms:
            painter.drawPath(palm)
        caption = QFont(self.font())
        caption.setBold(True)
        painter.setFont(caption)
        painter.setPen(QColor("#000000"))
        w = float(self.width())
        painter.drawText(
            QRectF(0, 0, w / 2, 22),
            Qt.AlignmentFlag.AlignCenter,
            QCoreApplication.translate("HandDiagram", "Tay trái"),
        )
        painter.drawText(
            QRectF(w / 2, 0, w / 2, 22),
            Qt.AlignmentFlag.AlignCenter,
            QCoreApplication.translate("HandDiagram", "Tay phải"),
        )
        sign_font = QFont(self.font())
        sign_font.setBold(True)
        sign_font.setPointSizeF(max(9.0, self.font().pointSizeF() * 1.3))
        key_font = QFont(self.font())
        key_font.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        for finger, path in self._paths.items():
            status = self._status[finger]
            fill, ink = STATUS_COLOURS[status]
            selected = finger == self._selected
            pen = QPen(
                QColor(SELECTED_COLOUR if selected else OUTLINE_COLOUR), 5 if selected else 1.5
            )
            painter.setPen(pen)
            painter.setBrush(QColor(fill))
            painter.drawPath(path)
            box = path.boundingRect()
            painter.setPen(QColor(ink))
            painter.setFont(sign_font)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, STATUS_SIGNS[status])
            painter.setFont(key_font)
            # The key just above the sign, inside the finger whatever its angle.
            centre = box.center()
            key_box = QRectF(centre.x() - 12, centre.y() - 34, 24, 18)
            painter.drawText(key_box, Qt.AlignmentFlag.AlignCenter, key_of(finger))
        if self.hasFocus():
            focus = QPen(QColor(SELECTED_COLOUR), 1, Qt.PenStyle.DashLine)
            painter.setPen(focus)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -2, -2))
        painter.end()


class QualityBar(QWidget):
    """A 0-100 bar with the pass mark drawn as a line; green at or over it, amber under it."""

    def __init__(self, threshold: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._threshold = threshold
        self._value: int | None = None
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def value(self) -> int | None:
        return self._value

    def threshold(self) -> int:
        return self._threshold

    def set_value(self, value: int | None) -> None:
        self._value = None if value is None else max(0, min(100, int(value)))
        text = (
            QCoreApplication.translate("QualityBar", "Chất lượng: chưa có")
            if self._value is None
            else QCoreApplication.translate("QualityBar", "Chất lượng {0}/100, ngưỡng {1}").format(
                self._value, self._threshold
            )
        )
        self.setAccessibleName(text)
        self.setToolTip(text)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(260, 34)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        bar = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        painter.setPen(QPen(QColor(OUTLINE_COLOUR), 1))
        painter.setBrush(QColor("#eeeeee"))
        painter.drawRoundedRect(bar, 4, 4)
        if self._value is not None:
            good = self._value >= self._threshold
            fill = QRectF(bar.left(), bar.top(), bar.width() * self._value / 100, bar.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#2e7d32" if good else "#f2a900"))
            painter.drawRoundedRect(fill, 4, 4)
        x = bar.left() + bar.width() * self._threshold / 100
        painter.setPen(QPen(QColor("#000000"), 3))
        painter.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()))
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        text = "—" if self._value is None else str(self._value)
        # The number sits on a white plate so it reads on green, amber or grey alike.
        metrics = painter.fontMetrics()
        plate = QRectF(bar.left() + 6, bar.top() + 4, metrics.horizontalAdvance(text) + 10, 0)
        plate.setBottom(bar.bottom() - 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#ffffff"))
        painter.drawRoundedRect(plate, 3, 3)
        painter.setPen(QColor("#000000"))
        painter.drawText(plate, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
