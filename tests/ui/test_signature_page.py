"""The signature page: a signature drawn with the mouse is saved, a straight line is refused with
the core's message, a tablet's pressure is kept, the pad device, "unable to sign", who signs,
and a resumed draft shows what was saved."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest

from station.devices.defaults import registry
from station.service import StationService
from tests.conftest import OP_PW, login, valid_form
from tests.ui.threads import off_the_main_thread, record_threads
from ui.context import UiContext
from ui.qt import QApplication, QEvent, QPointF, Qt, QtCore, QtGui, QWidget
from ui.signature_page import SignaturePage
from ui.workers import Worker

TIMEOUT_MS = 15_000


@pytest.fixture
def operator(staffed: StationService, clock: Any) -> Iterator[StationService]:
    svc = login(staffed.paths, clock, "op1", OP_PW)
    yield svc
    svc.close()


@pytest.fixture
def dossier(operator: StationService) -> str:
    """A draft whose citizen has reviewed the intake record (the step before signing)."""
    dossier_id = operator.create_dossier("first_issue", valid_form()).id
    operator.record_citizen_review(dossier_id)
    return dossier_id


class Pages:
    def __init__(self, qtbot: Any, service: StationService) -> None:
        self.qtbot = qtbot
        self.service = service
        self.holders: list[QWidget] = []
        self.workers: list[Worker] = []

    def make(self, dossier_id: str, lang: str = "vi", **config: Any) -> SignaturePage:
        holder = QWidget()
        self.qtbot.addWidget(holder)
        self.holders.append(holder)
        worker = Worker(parent=holder)
        self.workers.append(worker)
        ctx = UiContext(self.service, lang, worker, devices=registry(config or None))
        page = SignaturePage(ctx)
        self.qtbot.addWidget(page)
        page.resize(1000, 560)
        page.show()
        self.qtbot.waitExposed(page)
        page.activateWindow()
        self.qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
        page.setFocus()  # the page's shortcuts (Space, R, Ctrl+S, Del) work from here
        page.load(dossier_id)
        return page

    def close(self) -> None:
        for worker in self.workers:
            worker.wait()


@pytest.fixture
def pages(qtbot: Any, operator: StationService) -> Iterator[Pages]:
    made = Pages(qtbot, operator)
    yield made
    made.close()


# --- drawing with synthesised input events -----------------------------------------------------


def _mouse(widget: QWidget, kind: QEvent.Type, pos: QPointF, buttons: Any) -> None:
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QtGui.QMouseEvent(
        kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QtCore.QCoreApplication.sendEvent(widget, event)


def draw(page: SignaturePage, strokes: list[list[tuple[float, float]]]) -> None:
    """Press, move along and release the left button over each stroke (pad fractions)."""
    pad = page.pad
    for stroke in strokes:
        points = [pad.to_widget(x, y) for x, y in stroke]
        _mouse(pad, QEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
        for point in points[1:]:
            _mouse(pad, QEvent.Type.MouseMove, point, Qt.MouseButton.LeftButton)
        _mouse(pad, QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)


def cursive(n: int = 120) -> list[list[tuple[float, float]]]:
    """A looping, joined-letters path across the pad, in two strokes."""
    strokes = []
    for word, (x0, width) in enumerate(((0.1, 0.35), (0.5, 0.38))):
        points = []
        for i in range(n):
            u = i / (n - 1)
            x = x0 + width * u + 0.03 * math.cos(2 * math.pi * (4 + word) * u)
            y = 0.5 + 0.25 * math.sin(2 * math.pi * (4 + word) * u)
            points.append((x, y))
        strokes.append(points)
    return strokes


def straight_line() -> list[list[tuple[float, float]]]:
    """A long slanted stroke: enough ink and size, but one straight line."""
    return [[(0.1 + 0.8 * i / 40, 0.3 + 0.4 * i / 40) for i in range(41)]]


def signature_parts(service: StationService, dossier_id: str) -> set[str]:
    return {p.slot for p in service.get_dossier(dossier_id).parts if p.kind == "signature"}


# --- tests --------------------------------------------------------------------------------------


def test_a_drawn_signature_is_saved_with_its_strokes(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    assert page.mode == SignaturePage.DRAWING
    assert not page.save_button.isEnabled()
    path = cursive()
    draw(page, path)
    assert len(page.pad.strokes()) == 2
    assert page.save_button.isEnabled()
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.mode == SignaturePage.SAVED
    assert signature_parts(operator, dossier) == {"", "strokes"}
    assert operator.part_data(dossier, "signature").startswith(b"\x89PNG")
    saved = json.loads(operator.part_data(dossier, "signature", "strokes"))
    assert [len(s) for s in saved] == [len(s) for s in page.pad.strokes()]
    assert saved[0][0][0] == pytest.approx(path[0][0][0], abs=0.01)
    assert all(p[2] == 1.0 for s in saved for p in s)  # a mouse draws at full pressure
    assert page.pad.is_read_only()
    assert "signature" not in {m.kind for m in operator.missing_captures(dossier)}


def test_a_straight_line_is_refused_with_the_core_message(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    draw(page, straight_line())
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.error_label.isVisible(), timeout=TIMEOUT_MS)
    assert page.error_label.text() == ("Chữ ký: chỉ là một nét thẳng; hãy ký đúng chữ ký của mình.")
    assert page.mode == SignaturePage.DRAWING
    assert len(page.pad.strokes()) == 1  # the ink stays
    assert signature_parts(operator, dossier) == set()


def test_a_short_scribble_is_refused_in_english(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier, lang="en")
    draw(page, [[(0.4, 0.5), (0.42, 0.52), (0.44, 0.5)]])
    page.save()
    qtbot.waitUntil(lambda: page.error_label.isVisible(), timeout=TIMEOUT_MS)
    assert page.error_label.text() == "Signature: too short; sign in full as on your papers."


def test_clear_wipes_the_pad_and_delete_key_does_too(
    qtbot: Any, pages: Pages, dossier: str
) -> None:
    page = pages.make(dossier)
    draw(page, straight_line())
    qtbot.keyClick(page, Qt.Key.Key_Delete)
    assert page.pad.strokes() == []
    assert not page.save_button.isEnabled()


def test_tablet_pressure_is_recorded(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    pad = page.pad
    device = QtGui.QPointingDevice.primaryPointingDevice()
    for stroke in cursive():
        for i, (x, y) in enumerate(stroke):
            kind = (
                QEvent.Type.TabletPress
                if i == 0
                else QEvent.Type.TabletRelease
                if i == len(stroke) - 1
                else QEvent.Type.TabletMove
            )
            pos = pad.to_widget(x, y)
            pressure = 0.3 + 0.6 * i / len(stroke)
            event = QtGui.QTabletEvent(
                kind,
                device,
                pos,
                pad.mapToGlobal(pos),
                pressure,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                Qt.KeyboardModifier.NoModifier,
                Qt.MouseButton.LeftButton,
                Qt.MouseButton.LeftButton,
            )
            QtCore.QCoreApplication.sendEvent(pad, event)
    assert pad.tablet_used
    pressures = [p.pressure for s in pad.strokes() for p in s]
    assert min(pressures) < 0.4 and max(pressures) > 0.8
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        page.save()
    saved = json.loads(operator.part_data(dossier, "signature", "strokes"))
    assert min(p[2] for s in saved for p in s) < 0.4


def test_a_resumed_draft_shows_the_saved_signature(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    first = pages.make(dossier)
    draw(first, cursive())
    with qtbot.waitSignal(first.changed, timeout=TIMEOUT_MS):
        first.save()
    drawn = first.pad.strokes()

    again = pages.make(dossier)
    assert again.mode == SignaturePage.SAVED
    shown = again.pad.strokes()
    assert [len(s) for s in shown] == [len(s) for s in drawn]
    assert shown[1][5].x == pytest.approx(drawn[1][5].x, abs=1e-3)
    assert again.status_label.text() == "Chữ ký đã lưu trong hồ sơ."
    # Signing again: the saved one stays until a new one is saved.
    qtbot.mouseClick(again.clear_button, Qt.MouseButton.LeftButton)
    assert again.mode == SignaturePage.DRAWING and again.pad.strokes() == []
    assert signature_parts(operator, dossier) == {"", "strokes"}


def test_leaving_saves_a_signature_not_yet_saved(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    draw(page, cursive())
    saves = record_threads(operator, "save_signature")
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        page.leave()  # the save runs on the worker, never on the window's thread
        page.load(dossier)  # back on the page before it landed: the ink stays, being saved
        assert page.mode == SignaturePage.SAVING and page.pad.strokes()
    assert off_the_main_thread(saves)
    assert signature_parts(operator, dossier) == {"", "strokes"}
    assert page.mode == SignaturePage.SAVED


def test_leaving_with_a_refused_signature_keeps_the_ink_and_says_why(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    draw(page, straight_line())
    page.leave()
    qtbot.waitUntil(lambda: "nét thẳng" in page.error_label.text(), timeout=TIMEOUT_MS)
    assert signature_parts(operator, dossier) == set()
    assert page.pad.strokes() and page.mode == SignaturePage.DRAWING


def test_signature_pad_device_signs_and_saves(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.device_button, Qt.MouseButton.LeftButton)
    assert page.mode == SignaturePage.SAVED
    assert page.status_label.text() == "Đã lưu chữ ký vào hồ sơ."
    assert page.pad.strokes()
    assert signature_parts(operator, dossier) == {"", "strokes"}


def test_unable_to_sign_records_the_exception_with_its_reason(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    qtbot.mouseClick(page.unable_button, Qt.MouseButton.LeftButton)
    dialog = page.exception_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.buttons.accepted.emit()  # no reason: the core refuses, the dialog stays
    assert dialog.isVisible() and dialog.error_label.text()
    dialog.reason_edit.setPlainText("Tay phải bị gãy, đang bó bột")
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        dialog.buttons.accepted.emit()
    assert page.mode == SignaturePage.EXCEPTION
    assert "Tay phải bị gãy, đang bó bột" in page.status_label.text()
    exception = operator.capture_info(dossier)["exceptions"]["signature/"]
    assert exception["kind"] == "unable_to_sign"
    assert "signature" not in {m.kind for m in operator.missing_captures(dossier)}

    again = pages.make(dossier)
    assert again.mode == SignaturePage.EXCEPTION
    assert "Tay phải bị gãy" in again.status_label.text()


def test_who_signs_follows_the_age_rules(
    pages: Pages, operator: StationService, dossier: str
) -> None:
    adult = pages.make(dossier)
    assert adult.signer_label.text() == "Người ký: công dân — Hoàng Thị Én"

    child_form = valid_form(
        full_name="Hoàng Văn Nhỏ",
        date_of_birth="2015-04-05",
        relatives=[
            {"relation": "legal_representative", "full_name": "Hoàng Văn Bố"},
        ],
    )
    child = operator.create_dossier("first_issue", child_form).id
    page = pages.make(child)
    assert page.signer_label.text() == (
        "Người ký: người đại diện hợp pháp của công dân — Hoàng Văn Bố"
    )


def test_no_ink_before_the_citizen_reviewed_the_current_data(
    qtbot: Any, pages: Pages, operator: StationService
) -> None:
    form = valid_form()
    dossier_id = operator.create_dossier("first_issue", form).id
    page = pages.make(dossier_id)
    assert page.mode == SignaturePage.NEEDS_REVIEW
    assert page.pad.is_read_only()
    assert "kiểm tra phiếu thu nhận" in page.instruction_label.text()
    assert not page.device_button.isEnabled() and not page.clear_button.isEnabled()
    assert not page.confirm_button.isVisibleTo(page)
    draw(page, cursive())
    assert page.pad.strokes() == []  # the pad takes no ink
    operator.record_citizen_review(dossier_id)
    page.load(dossier_id)
    assert page.mode == SignaturePage.DRAWING
    draw(page, cursive())
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.confirm_button.isVisibleTo(page)
    # The form changes after signing: the signature no longer confirms it.
    operator.update_form(dossier_id, {**form, "occupation": "Thợ may"})
    page.load(dossier_id)
    assert page.mode == SignaturePage.NEEDS_REVIEW
    assert "sửa sau khi ký" in page.status_label.text()
    assert not page.confirm_button.isVisibleTo(page)
