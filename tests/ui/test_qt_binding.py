"""The Qt binding in use does not corrupt Python's reference counts.

PySide6 6.12.0 on Python 3.11 released a reference to ``None`` on every call to a Qt method that
returns nothing (``setText``, ``clear``...). A station window makes millions of such calls in a
shift; when the count of ``None`` reaches zero the interpreter aborts ("none_dealloc"). The
project pins a release without the fault; this test catches a return of it.
"""

from __future__ import annotations

import sys

from pytestqt.qtbot import QtBot

from ui.qt import QLabel


def test_void_qt_calls_keep_the_reference_count_of_none(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("x")
        label.clear()
    after = sys.getrefcount(None)
    # Other threads may hold or drop a few references meanwhile; a leak shows as -2000.
    assert abs(after - before) < 100
