"""The window as a tired officer uses it: the wheel changes nothing without focus, decomposed
text enters as NFC, leaving an unconfirmed dossier asks, the step list follows the store, the
privacy notice comes before capture, and a new dossier opens at the top of its form."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest

from station.devices.defaults import registry
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import OP_PW, add_staff
from ui.app import MainWindow
from ui.qt import (
    QApplication,
    QComboBox,
    QDate,
    QDateEdit,
    QLineEdit,
    QMessageBox,
    QPoint,
    QPointF,
    QScrollArea,
    QSpinBox,
    Qt,
    QtGui,
    QtWidgets,
    QVBoxLayout,
    QWidget,
)
from ui.wizard import DONE, FINGERS, FORM, PENDING, PHOTO, SIGNATURE

TIMEOUT_MS = 30_000


@pytest.fixture
def staff(station_dir: Path, clock: Any, facts: Any) -> None:
    admin = StationService(StationPaths(station_dir), clock)
    admin.login(facts.admin_id, facts.admin_password)
    add_staff(admin)
    admin.close()


def simulated() -> Any:
    return registry({"camera": {"driver": "simulated", "scenario": "good"}})


def wheel(widget: QWidget, steps: int = -3) -> None:
    """A wheel turn over the middle of ``widget``, as the platform delivers it."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    glob = QPointF(widget.mapToGlobal(pos.toPoint()))
    event = QtGui.QWheelEvent(
        pos,
        glob,
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def type_text(widget: QWidget, text: str) -> None:
    """Text committed by an input method (how Unikey or IBus deliver it)."""
    event = QtGui.QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def new_draft(qtbot: Any, window: MainWindow) -> str:
    wizard = window.wizard
    qtbot.mouseClick(window.home_screen.new_button, Qt.MouseButton.LeftButton)
    wizard.start_page.case_buttons["first_issue"].setChecked(True)
    with qtbot.waitSignal(wizard.dossier_opened, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseClick(wizard.start_page.start_button, Qt.MouseButton.LeftButton)
    return str(opened.args[0])


def test_wheel_over_any_input_without_focus_changes_nothing(make_window, qtbot) -> None:
    window = make_window()  # installs the application's input guard
    area = QScrollArea()
    qtbot.addWidget(area)
    body = QWidget()
    column = QVBoxLayout(body)
    spin = QSpinBox(body)
    spin.setRange(0, 100)
    spin.setValue(50)
    date = QDateEdit(body)
    date.setDate(QDate(2001, 2, 3))
    combo = QComboBox(body)
    combo.addItems(["Phường Quan Triều", "Phường Sông Công", "Phường Phan Đình Phùng"])
    editable = QComboBox(body)
    editable.setEditable(True)
    editable.addItems(["a", "b", "c"])
    slider = QtWidgets.QSlider(Qt.Orientation.Horizontal, body)
    slider.setRange(0, 100)
    slider.setValue(50)
    focus_sink = QLineEdit(body)
    inputs: list[QWidget] = [spin, date, combo, editable, slider]
    for w in [*inputs, focus_sink]:
        column.addWidget(w)
    column.addSpacing(3000)  # taller than the view: the page itself can scroll
    area.setWidget(body)
    area.resize(400, 300)
    area.show()
    qtbot.waitExposed(area)
    focus_sink.setFocus()

    def values() -> list[Any]:
        return [
            spin.value(),
            date.date(),
            combo.currentIndex(),
            editable.currentIndex(),
            slider.value(),
        ]

    before = values()
    for w in inputs:
        wheel(w, -3)
        wheel(w, 3)
        wheel(w, -1)
    wheel(editable.lineEdit(), -2)
    assert values() == before
    assert area.verticalScrollBar().value() > 0  # the wheel scrolled the page instead

    # The input that has focus still takes the wheel (the officer chose it).
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(spin, 1)
    assert spin.value() != 50
    assert window is not None


def test_wheel_over_the_form_leaves_the_place_of_birth(make_window, driver, staff, qtbot) -> None:
    window = make_window(devices=simulated())
    driver.login(window, OP_PW, "op1")
    new_draft(qtbot, window)
    page = window.wizard.form_page
    combos = [w for w in page.findChildren(QComboBox) if w.isVisible()]
    assert len(combos) > 5
    page.qr_edit.setFocus()
    before = [c.currentIndex() for c in combos]
    for c in combos:
        wheel(c, -2)
    assert [c.currentIndex() for c in combos] == before


def test_decomposed_text_enters_as_nfc(make_window, qtbot) -> None:
    make_window()
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    seen: list[str] = []
    edit.textEdited.connect(seen.append)
    name = "Nguyễn Thị Ánh"
    type_text(edit, unicodedata.normalize("NFD", name))
    assert edit.text() == name
    assert name in seen  # the ones listening for edits hear the normalised text too
    # A mark typed after its letter (Unikey's "tổ hợp") joins the letter.
    edit.clear()
    type_text(edit, "Vie")
    type_text(edit, "\u0302")
    type_text(edit, "\u0323t")
    assert edit.text() == "Việt"
    assert edit.cursorPosition() == len("Việt")


def test_nfd_password_opens_its_account_in_the_window(make_window, driver, staff, qtbot) -> None:
    window = make_window()
    screen = window.login_screen
    screen.operator_edit.setText("op1")
    screen.password_edit.setFocus()
    type_text(screen.password_edit, unicodedata.normalize("NFD", OP_PW))
    qtbot.mouseClick(screen.login_button, Qt.MouseButton.LeftButton)
    driver.wait_idle(window)
    assert window.on_home()


def test_step_list_follows_the_store(make_window, driver, staff, qtbot) -> None:
    window = make_window(devices=simulated())
    driver.login(window, OP_PW, "op1")
    dossier_id = new_draft(qtbot, window)
    wizard = window.wizard
    # No birth date yet: nothing is stored for the capture steps, so none is marked done.
    statuses = {s.step: s.status for s in wizard.refresh_steps()}
    assert statuses[PHOTO] == statuses[FINGERS] == statuses[SIGNATURE] == PENDING
    assert statuses["documents"] == PENDING
    texts = [wizard.steps.item(i).text() for i in range(wizard.steps.count())]
    assert not any(t.startswith("✓") for t in texts[2:])

    svc = window.service
    from tests.conftest import _tiny_images

    face, _finger = _tiny_images()
    svc.save_face(dossier_id, face, {"checks": "test"})
    statuses = {s.step: s.status for s in wizard.refresh_steps()}
    assert statuses[PHOTO] == DONE
    assert statuses[FINGERS] == PENDING
    assert statuses[FORM] != DONE  # the form lacks its required fields


def test_privacy_notice_before_capture(make_window, driver, staff, qtbot) -> None:
    window = make_window(devices=simulated())
    driver.login(window, OP_PW, "op1")
    dossier_id = new_draft(qtbot, window)
    wizard = window.wizard
    for step in (PHOTO, FINGERS, "signature", "documents"):
        wizard.go_to(step)
        assert wizard.stack.currentWidget() is wizard.notice_panel
        assert wizard.current_step() == step
    text = " ".join(label.text() for label in wizard.notice_panel.texts)
    assert "26/2023/QH15" in text and "Who keeps it" in text and "Nơi lưu giữ" in text
    qtbot.mouseClick(wizard.notice_panel.given_button, Qt.MouseButton.LeftButton)
    assert wizard.stack.currentWidget() is wizard.documents_page
    record = window.service.capture_info(dossier_id)["privacy_notice"]
    assert record["given_by"] == "op1"
    wizard.go_to(PHOTO)
    assert wizard.stack.currentWidget() is wizard.photo_page


def test_done_on_an_unconfirmed_dossier_asks(
    make_window, driver, staff, qtbot, monkeypatch
) -> None:
    window = make_window(devices=simulated())
    driver.login(window, OP_PW, "op1")
    new_draft(qtbot, window)
    wizard = window.wizard
    wizard.go_to("review")
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]

    def question(_parent: Any, title: str, *_args: Any, **_kw: Any) -> Any:
        asked.append(title)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    qtbot.mouseClick(wizard.confirm_page.done_button, Qt.MouseButton.LeftButton)
    assert asked and window.stack.currentWidget() is wizard  # "No": the dossier stays open
    answer[0] = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(wizard.confirm_page.done_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 2 and window.on_home()


def test_a_new_dossier_opens_at_the_top(make_window, driver, staff, qtbot) -> None:
    window = make_window(devices=simulated())
    window.resize(1280, 700)
    driver.login(window, OP_PW, "op1")
    new_draft(qtbot, window)
    page = window.wizard.form_page
    bar = page.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    window.wizard.close_wizard()
    new_draft(qtbot, window)
    assert window.wizard.current_step() == FORM
    assert bar.value() == 0


def test_lock_countdown_before_the_session_locks(
    make_window, driver, staff, qtbot, clock, facts
) -> None:
    window = make_window(check_interval_ms=60_000)
    driver.login(window, OP_PW, "op1")
    window.update_lock_countdown()
    assert not window.lock_countdown.isVisible()
    clock.advance(facts.session_timeout_s - 30)
    window.update_lock_countdown()
    assert window.lock_countdown.isVisible()
    assert "00:30" in window.lock_countdown.text()
    clock.advance(20)
    qtbot.waitUntil(lambda: "00:10" in window.lock_countdown.text(), timeout=3000)  # its timer
    # Any key is activity: the countdown goes and the session goes on.
    qtbot.keyClick(window.home_screen, Qt.Key.Key_Shift)
    window.update_lock_countdown()
    assert not window.lock_countdown.isVisible() and window.on_home()
    clock.advance(facts.session_timeout_s + 1)
    window.update_lock_countdown()
    assert window.on_lock_screen() and not window.lock_countdown.isVisible()


def test_status_area_on_every_screen(make_window, driver, staff, qtbot) -> None:
    from sync.uploader import RunReport

    window = make_window()
    assert not window.status_area.isVisible()  # nothing before login
    driver.login(window, OP_PW, "op1")
    area = window.status_area
    assert area.isVisible()
    assert "Gói chờ gửi: 0" in area.waiting_label.text()
    assert "chưa có" in area.receipt_label.text()
    window._sync_report(RunReport(reachable=False))
    assert area.reachable is False and "không kết nối được" in area.receiver_label.text()
    window.show_screen(window.queue_screen)
    assert area.isVisible()
    window._sync_report(RunReport(reachable=True))
    assert area.reachable is True and "kết nối được" in area.receiver_label.text()
    window.lock()
    assert not area.isVisible()
