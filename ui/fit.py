"""Does every text fit? Widget geometry checked against font metrics, not pixels.

Used by the layout tests (every screen, both languages, 1280x700, 1366x768 and 1920x1080) and
by ``scripts/screenshots.py``, which prints what it finds beside the pictures. A text counts as
clipped when its widget is narrower (or, for wrapped labels, shorter) than the font needs, or
when the widget lies partly outside the window without a scroll area to reach it.
"""

from __future__ import annotations

from ui.qt import (
    QAbstractButton,
    QLabel,
    QPoint,
    QPushButton,
    QRect,
    QtWidgets,
    QWidget,
)

#: Pixels a push button may lose to its padding before its text is cut.
BUTTON_MARGIN = 8


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _in_scroll_area(w: QWidget, root: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None and p is not root:
        if isinstance(p, QtWidgets.QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def _text_width(w: QWidget, text: str) -> int:
    fm = w.fontMetrics()
    return max((fm.horizontalAdvance(line) for line in text.split("\n")), default=0)


def clipped(w: QWidget) -> bool:
    """Whether ``w``'s own text needs more room than its geometry gives."""
    if isinstance(w, QLabel):
        text = w.text()
        if not text or not w.pixmap().isNull() or w.textFormat() == w.textFormat().RichText:
            return False
        if w.wordWrap():
            return w.heightForWidth(w.width()) > w.height() + 1
        margin = 2 * (w.margin() + w.frameWidth()) + max(0, w.indent())
        return _text_width(w, _plain(text) if w.buddy() else text) + margin > w.width() + 1
    if isinstance(w, QPushButton):
        text = _plain(w.text())
        icon = w.iconSize().width() + 4 if not w.icon().isNull() else 0
        return bool(text) and _text_width(w, text) + icon > w.width() - BUTTON_MARGIN
    if isinstance(w, QAbstractButton):  # check boxes, radio buttons
        return bool(w.text()) and w.width() < w.sizeHint().width() - 1
    return False


def clipped_texts(root: QWidget) -> list[str]:
    """The texts on ``root`` (as shown now) that do not fit, each with its widget's class."""
    out: list[str] = []
    window = QRect(QPoint(0, 0), root.size())
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or not isinstance(w, QLabel | QAbstractButton):
            continue
        if w.width() <= 0 or w.height() <= 0:
            continue
        text = w.text()
        if not text:
            continue
        outside = False
        if not _in_scroll_area(w, root):
            top_left = w.mapTo(root, QPoint(0, 0))
            outside = not window.contains(QRect(top_left, w.size()).adjusted(1, 1, -1, -1))
        if outside or clipped(w):
            where = "outside the window" if outside else f"{w.width()}x{w.height()}"
            out.append(f"{type(w).__name__} {text!r} ({where})")
    return out
