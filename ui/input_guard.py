"""Application-wide input guard: the wheel never changes a value that does not have focus, and
text typed into any field is normalised to Unicode NFC as it enters.

A touchpad or wheel scrolling a long form passes over combo boxes, spin boxes, date edits and
sliders; without this guard each of them takes the wheel and changes its value (and the form
autosaves it). Over an input without focus the wheel scrolls the page instead: the event is
handed up the input's parents until one takes it (the scroll area around the form).

Vietnamese input methods may deliver decomposed text (Unikey's "tổ hợp", some IBus set-ups):
a base letter followed by combining marks. Every line edit and text edit is normalised to NFC
after each edit by the user, keeping the cursor where it was. (The core normalises again where
it stores: forms, names, reasons, and passwords before key derivation.)
"""

from __future__ import annotations

import unicodedata

from ui.qt import QCoreApplication, QEvent, QLineEdit, QObject, QtWidgets, QWidget

_GUARDED = "nfcGuarded"


def is_value_input(widget: QObject) -> bool:
    """Widgets whose value the wheel changes: spin boxes, date edits, combos, sliders."""
    if isinstance(widget, QtWidgets.QScrollBar):
        return False
    return isinstance(
        widget, QtWidgets.QAbstractSpinBox | QtWidgets.QComboBox | QtWidgets.QAbstractSlider
    )


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class InputGuard(QObject):
    """Install on the application (``app.installEventFilter(guard)``)."""

    WATCHED = frozenset({QEvent.Type.FocusIn, QEvent.Type.KeyPress, QEvent.Type.InputMethod})

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QEvent.Type.Wheel:
            return self._wheel(watched, event)
        if kind in self.WATCHED and not watched.property(_GUARDED):
            self._guard_text(watched)
        return False

    def _wheel(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QWidget) or not is_value_input(watched):
            return False
        if watched.hasFocus():
            return False
        # Hand it up the parents until one takes it (the scroll area around the form).
        parent = None if watched.isWindow() else watched.parentWidget()
        while parent is not None:
            event.ignore()
            QCoreApplication.sendEvent(parent, event)
            if event.isAccepted() or parent.isWindow():
                break
            parent = parent.parentWidget()
        return True  # the input itself never sees it

    def _guard_text(self, watched: QObject) -> None:
        if isinstance(watched, QLineEdit):
            watched.setProperty(_GUARDED, True)
            watched.textEdited.connect(self._line_edited)
        elif isinstance(watched, QtWidgets.QPlainTextEdit | QtWidgets.QTextEdit):
            watched.setProperty(_GUARDED, True)
            watched.textChanged.connect(self._text_changed)

    def _line_edited(self, text: str) -> None:
        edit = self.sender()
        if isinstance(edit, QLineEdit):
            normalise_line_edit(edit, text)

    def _text_changed(self) -> None:
        edit = self.sender()
        if isinstance(edit, QtWidgets.QPlainTextEdit | QtWidgets.QTextEdit):
            text = edit.toPlainText()
            fixed = nfc(text)
            if fixed != text:
                cursor = edit.textCursor()
                pos = len(nfc(text[: cursor.position()]))
                edit.setPlainText(fixed)
                cursor = edit.textCursor()
                cursor.setPosition(min(pos, len(fixed)))
                edit.setTextCursor(cursor)


def normalise_line_edit(edit: QLineEdit, text: str | None = None) -> None:
    """Replace ``edit``'s text by its NFC form, keeping the cursor after the same letters."""
    current = edit.text() if text is None else text
    fixed = nfc(current)
    if fixed == current:
        return
    pos = len(nfc(current[: edit.cursorPosition()]))
    edit.setText(fixed)
    edit.setCursorPosition(min(pos, len(fixed)))
    # setText does not emit textEdited: the ones listening for edits hear the fixed text too.
    edit.textEdited.emit(fixed)


def install(app: QCoreApplication) -> InputGuard:
    """An :class:`InputGuard` installed on ``app`` (parented to it)."""
    guard = InputGuard(app)
    app.installEventFilter(guard)
    return guard
