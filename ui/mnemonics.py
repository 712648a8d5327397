"""The Alt+letter keys a screen offers: underlined letters of buttons, labels with a buddy, group
boxes and tabs, and Alt+letter shortcuts. Two on one screen fight (Qt cycles between them, or
the shortcut wins), so each screen's must be unique; the tests check every screen in both
languages with :func:`mnemonic_clashes`.
"""

from __future__ import annotations

from ui.qt import (
    QAbstractButton,
    QGroupBox,
    QKeySequence,
    QLabel,
    QShortcut,
    Qt,
    QTabWidget,
    QWidget,
)


def mnemonic_of(text: str) -> str | None:
    """The letter after a single "&" (lower case), or None ("&&" is a literal ampersand)."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] == "&":
                i += 2
                continue
            return text[i + 1].lower()
        i += 1
    return None


def _alt_letter(seq: QKeySequence) -> str | None:
    if seq.count() != 1:
        return None
    combo = seq[0]  # type: ignore[index]  # QKeySequence.operator[] is not in the stubs
    if combo.keyboardModifiers() != Qt.KeyboardModifier.AltModifier:
        return None
    key = combo.key()
    if Qt.Key.Key_A.value <= key.value <= Qt.Key.Key_Z.value:
        return chr(key.value).lower()
    return None


def _texts(w: QWidget) -> list[str]:
    """The texts of ``w`` that may carry an underlined letter."""
    if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy() is not None):
        return [w.text()]
    if isinstance(w, QGroupBox) and w.isCheckable():
        return [w.title()]
    if isinstance(w, QTabWidget):
        return [w.tabText(i) for i in range(w.count())]
    return []


def screen_mnemonics(root: QWidget) -> dict[str, list[str]]:
    """Each Alt letter reachable on ``root`` as it is shown now, with what carries it."""
    found: dict[str, list[str]] = {}

    def add(letter: str | None, what: str) -> None:
        if letter:
            found.setdefault(letter, []).append(what)

    for w in root.findChildren(QWidget):
        if w.isVisibleTo(root):
            for text in _texts(w):
                add(mnemonic_of(text), text)
    for sc in root.findChildren(QShortcut):
        parent = sc.parent()
        if not sc.isEnabled() or not isinstance(parent, QWidget) or not parent.isEnabled():
            continue
        if parent is not root and not parent.isVisibleTo(root):
            continue
        add(_alt_letter(sc.key()), sc.key().toString())
    return found


def mnemonic_clashes(root: QWidget) -> dict[str, list[str]]:
    """The letters that more than one thing on ``root`` claims."""
    return {k: v for k, v in screen_mnemonics(root).items() if len(v) > 1}
