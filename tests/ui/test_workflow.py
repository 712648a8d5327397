"""The whole enrollment through the station window, with simulated devices.

An operator logs in, starts a dossier, fills the form through its widgets, lets the camera take
the portrait, captures the ten fingers, signs on the pad, the citizen confirms on the review page
and the appointment slip is printed to PDF; a supervisor then approves and the dossier is sealed.
Also: a supervisor's rejection and the recapture, a session timeout in the middle of the wizard,
and a crash (SIGKILL of a real station process) with the draft reopened at the next login.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pypdfium2
import pytest

from station.devices.defaults import registry
from station.lifecycle import State
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import OP_PW, SUP_PW, add_staff
from tests.ui.threads import off_the_main_thread, record_threads
from ui.app import MainWindow
from ui.finger_page import FingerPage
from ui.photo_page import PhotoPage
from ui.qt import QComboBox, QLineEdit, Qt
from ui.signature_page import SignaturePage
from ui.wizard import DOCUMENTS, FINGERS, FORM, IRIS, PHOTO, REVIEW, ROLLED, SIGNATURE

TIMEOUT_MS = 60_000
ROOT = Path(__file__).resolve().parents[2]


def simulated_devices() -> Any:
    return registry(
        {
            "camera": {"driver": "simulated", "scenario": "good"},
            "fingerprint": {"driver": "simulated", "seed": 3},
            "rolled": {"driver": "simulated", "seed": 3},  # the same person as the slaps
            "iris": {"driver": "simulated", "seed": 3},
            "signature": {"driver": "simulated", "seed": 2},
            "document": {"driver": "simulated"},
        }
    )


@pytest.fixture
def staff(station_dir: Path, clock: Any, facts: Any) -> None:
    admin = StationService(StationPaths(station_dir), clock)
    admin.login(facts.admin_id, facts.admin_password)
    add_staff(admin)
    admin.close()


def _choose(combo: QComboBox, code: str) -> None:
    row = combo.findData(code)
    assert row >= 0, f"{code} is not a choice"
    combo.setCurrentIndex(row)


def fill_form(qtbot: Any, window: MainWindow) -> None:
    """The citizen's form through its widgets (setText: pytest-qt's keyClicks is ASCII-only)."""
    page = window.wizard.form_page
    editors = page.editors
    name = editors["full_name"]
    assert isinstance(name, QLineEdit)
    name.setFocus()
    name.setText("Hoàng Thị Én")
    qtbot.keyClicks(editors["id_number"], "019301004567")
    qtbot.keyClicks(editors["date_of_birth"], "03/02/2001")
    _choose(editors["sex"], "female")  # type: ignore[arg-type]
    for path, era, unit, district, street in (
        ("birth_registration", "legacy", "05431", "164", ""),
        ("hometown", "2025", "05533", None, ""),
        ("permanent_residence", "2025", "05533", None, "Tổ 5"),
    ):
        field = page.addresses[path]
        _choose(field.era, era)
        _choose(field.province, "19")
        if district is not None:
            _choose(field.district, district)
        _choose(field.commune, unit)
        field.street.setText(street)
    _choose(editors["ethnic_group"], "01")  # type: ignore[arg-type]
    _choose(editors["religion"], "00")  # type: ignore[arg-type]
    _choose(editors["nationality"], "VN")  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: not page.problems, timeout=TIMEOUT_MS)


def capture_everything(qtbot: Any, window: MainWindow) -> str:
    """From the home screen: a new first-issue dossier, captured and confirmed by the citizen."""
    wizard = window.wizard
    qtbot.mouseClick(window.home_screen.new_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is wizard
    start = wizard.start_page
    start.case_buttons["first_issue"].setChecked(True)
    with qtbot.waitSignal(wizard.dossier_opened, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseClick(start.start_button, Qt.MouseButton.LeftButton)
    dossier_id = str(opened.args[0])
    assert wizard.current_step() == FORM  # a new draft lacks everything: the form comes first

    fill_form(qtbot, window)
    wizard.go_next()  # Alt+Right; leaving the page saves the form at once
    assert wizard.current_step() == PHOTO
    # Before any capture the citizen hears what is collected; the officer records it.
    assert wizard.stack.currentWidget() is wizard.notice_panel
    assert "privacy_notice" not in window.service.capture_info(dossier_id)
    qtbot.mouseClick(wizard.notice_panel.given_button, Qt.MouseButton.LeftButton)
    assert window.service.capture_info(dossier_id)["privacy_notice"]["given_by"] == "op1"
    photo = wizard.photo_page
    qtbot.waitUntil(lambda: photo.mode == PhotoPage.SAVED, timeout=TIMEOUT_MS)  # auto-capture

    wizard.go_next()
    assert wizard.current_step() == FINGERS
    fingers = wizard.finger_page
    for _ in range(3):  # the 4-4-2 slaps, the page moves to the next one by itself
        qtbot.waitUntil(lambda: not fingers.busy, timeout=TIMEOUT_MS)
        fingers.capture()
        qtbot.waitUntil(lambda: fingers.busy, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not fingers.busy, timeout=TIMEOUT_MS)

    for step, page, count in ((ROLLED, wizard.rolled_page, 10), (IRIS, wizard.iris_page, 2)):
        wizard.go_next()
        assert wizard.current_step() == step
        for _ in range(count):  # one press per finger or eye; the page selects the next one
            qtbot.waitUntil(lambda page=page: not page.busy, timeout=TIMEOUT_MS)
            page.capture()
            qtbot.waitUntil(lambda page=page: page.busy, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda page=page: not page.busy, timeout=TIMEOUT_MS)
        assert all(st.status == "good" for st in page.states().values()), page.states()

    wizard.go_next()
    assert wizard.current_step() == DOCUMENTS
    images = record_threads(window.service, "part_data")
    wizard.go_next()
    assert wizard.current_step() == REVIEW
    # The citizen reviews the intake record first, then signs what they reviewed.
    statuses = {s.step: s.status for s in wizard.refresh_steps()}
    assert statuses == {
        FORM: "done",
        PHOTO: "done",
        FINGERS: "done",
        ROLLED: "done",
        IRIS: "done",
        DOCUMENTS: "done",
        REVIEW: "todo",
        SIGNATURE: "todo",
    }
    confirm = wizard.confirm_page
    qtbot.waitUntil(lambda: not confirm.loading, timeout=TIMEOUT_MS)
    assert off_the_main_thread(images)  # the portrait and signature read on the worker
    assert confirm.confirm_button.isEnabled()
    assert not window.service.citizen_reviewed(dossier_id)
    review_threads = record_threads(window.service, "record_citizen_review")
    qtbot.mouseClick(confirm.confirm_button, Qt.MouseButton.LeftButton)  # "the data is right"
    qtbot.waitUntil(lambda: wizard.current_step() == SIGNATURE, timeout=TIMEOUT_MS)
    assert window.service.citizen_reviewed(dossier_id)
    assert off_the_main_thread(review_threads)  # a store write: on the worker
    sign = wizard.signature_page
    sign.sign_on_device()
    qtbot.waitUntil(lambda: sign.mode == SignaturePage.SAVED, timeout=TIMEOUT_MS)
    assert sign.confirm_button.isVisibleTo(sign)
    printed = record_threads(window.service, "record")  # "slip.printed", after the PDF
    with qtbot.waitSignal(confirm.slip_written, timeout=TIMEOUT_MS) as written:
        qtbot.mouseClick(sign.confirm_button, Qt.MouseButton.LeftButton)
    assert wizard.current_step() == REVIEW
    assert off_the_main_thread(printed)  # the slip's file, printer and record: on the worker
    slip = Path(str(written.args[0]))
    doc = pypdfium2.PdfDocument(str(slip))
    try:
        text = doc[0].get_textpage().get_text_range()
    finally:
        doc.close()
    assert "Hoàng Thị Én" in text
    assert window.service.get_dossier(dossier_id).number in text
    assert window.service.get_dossier(dossier_id).state == State.CONFIRMED
    return dossier_id


def logout(qtbot: Any, window: MainWindow) -> None:
    if window.stack.currentWidget() is not window.home_screen:
        window.go_home()
    qtbot.mouseClick(window.home_screen.logout_button, Qt.MouseButton.LeftButton)
    assert window.service.session is None


def test_complete_enrollment_from_login_to_sealed(make_window, driver, staff, qtbot) -> None:
    window = make_window(devices=simulated_devices())
    driver.login(window, OP_PW, "op1")
    assert window.on_home()
    assert window.home_screen.new_button.isVisible()
    assert not window.home_screen.approvals_button.isVisible()  # operators do not approve

    dossier_id = capture_everything(qtbot, window)
    view = window.service.get_dossier(dossier_id)
    kinds = {p.kind for p in view.parts}
    assert kinds == {"face", "fingerprint", "rolled_print", "iris", "signature"}
    assert sum(p.kind == "fingerprint" for p in view.parts) == 10
    qtbot.mouseClick(window.wizard.confirm_page.done_button, Qt.MouseButton.LeftButton)
    assert window.on_home()
    assert window.home_screen.tile_approval.value_label.text() == "1"
    logout(qtbot, window)

    driver.login(window, SUP_PW, "sup1")
    qtbot.mouseClick(window.home_screen.approvals_button, Qt.MouseButton.LeftButton)
    review = window.review_screen
    assert window.stack.currentWidget() is review
    assert review.select(dossier_id)
    qtbot.waitUntil(lambda: review.approve_button.isEnabled(), timeout=TIMEOUT_MS)
    qtbot.mouseClick(review.approve_button, Qt.MouseButton.LeftButton)
    review.seal_password_edit.setText(SUP_PW)  # sealing asks for the password again
    with qtbot.waitSignal(review.sealed, timeout=TIMEOUT_MS) as sealed:
        qtbot.mouseClick(review.seal_confirm_button, Qt.MouseButton.LeftButton)
    assert sealed.args[0] == dossier_id
    sealed_view = window.service.get_dossier(dossier_id)
    assert sealed_view.state == State.SEALED
    assert sealed_view.form == {} and sealed_view.parts == ()  # the station can no longer read it
    assert len(window.service.pending_packets()) == 1


def test_supervisor_rejection_and_recapture(make_window, driver, staff, qtbot) -> None:
    window = make_window(devices=simulated_devices())
    driver.login(window, OP_PW, "op1")
    dossier_id = capture_everything(qtbot, window)
    logout(qtbot, window)

    driver.login(window, SUP_PW, "sup1")
    window.show_screen(window.review_screen)
    review = window.review_screen
    assert review.select(dossier_id)
    review.reason_edit.setText("")
    qtbot.mouseClick(review.send_back_button, Qt.MouseButton.LeftButton)
    assert window.service.get_dossier(dossier_id).state == State.CONFIRMED  # no reason, no return
    review.reason_edit.setText("Ảnh bị mờ, chụp lại")
    qtbot.mouseClick(review.send_back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.service.get_dossier(dossier_id).state == State.NEEDS_RECAPTURE,
        timeout=TIMEOUT_MS,
    )
    logout(qtbot, window)

    driver.login(window, OP_PW, "op1")
    assert window.home_screen.tile_rejected.value_label.text() == "1"
    qtbot.mouseClick(window.home_screen.queue_button, Qt.MouseButton.LeftButton)
    queue = window.queue_screen
    assert queue.select(dossier_id)
    assert "Ảnh bị mờ" in window.service.get_dossier(dossier_id).state_reason
    qtbot.mouseClick(queue.recapture_button, Qt.MouseButton.LeftButton)
    wizard = window.wizard
    assert window.stack.currentWidget() is wizard
    assert wizard.dossier_id == dossier_id
    assert window.service.get_dossier(dossier_id).state == State.DRAFT
    # Everything captured before is still there: the wizard lands on the review page.
    assert wizard.current_step() == REVIEW
    version = window.service.get_dossier(dossier_id).version
    wizard.go_to(PHOTO)
    photo = wizard.photo_page
    qtbot.waitUntil(lambda: photo.mode == PhotoPage.SAVED, timeout=TIMEOUT_MS)
    photo.retake()
    qtbot.waitUntil(lambda: photo.mode != PhotoPage.SAVED, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: photo.mode == PhotoPage.SAVED, timeout=TIMEOUT_MS)
    # The retaken portrait replaced the old one (the simulated camera films the same still, so
    # the bytes may match; the dossier's version counts the save).
    after = window.service.get_dossier(dossier_id)
    assert after.version > version
    assert sum(p.kind == "face" for p in after.parts) == 1
    wizard.go_to(REVIEW)
    confirm = wizard.confirm_page
    qtbot.waitUntil(lambda: confirm.confirm_button.isEnabled(), timeout=TIMEOUT_MS)
    with qtbot.waitSignal(confirm.slip_written, timeout=TIMEOUT_MS):
        qtbot.mouseClick(confirm.confirm_button, Qt.MouseButton.LeftButton)
    assert window.service.get_dossier(dossier_id).state == State.CONFIRMED


def test_session_timeout_in_the_wizard_keeps_the_dossier(
    make_window, driver, staff, qtbot, clock, facts
) -> None:
    window = make_window(devices=simulated_devices(), check_interval_ms=20)
    driver.login(window, OP_PW, "op1")
    qtbot.mouseClick(window.home_screen.new_button, Qt.MouseButton.LeftButton)
    wizard = window.wizard
    wizard.start_page.case_buttons["renewal"].setChecked(True)
    with qtbot.waitSignal(wizard.dossier_opened, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseClick(wizard.start_page.start_button, Qt.MouseButton.LeftButton)
    dossier_id = str(opened.args[0])
    name = wizard.form_page.editors["full_name"]
    assert isinstance(name, QLineEdit)
    name.setText("Lò Văn Pâng")

    clock.advance(facts.session_timeout_s + 1)
    qtbot.waitUntil(window.on_lock_screen, timeout=TIMEOUT_MS)
    driver.login(window, OP_PW)
    assert window.stack.currentWidget() is wizard
    assert wizard.dossier_id == dossier_id
    assert wizard.current_step() == FORM
    # Typed before the lock: on the screen after it, and saved once the page saves.
    name = wizard.form_page.editors["full_name"]
    assert isinstance(name, QLineEdit)
    assert name.text() == "Lò Văn Pâng"
    wizard.leave()
    assert window.service.get_dossier(dossier_id).form["full_name"] == "Lò Văn Pâng"


CRASH_SCRIPT = textwrap.dedent(
    """
    import os, sys, json
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, {root!r})
    from station.devices.defaults import registry
    from station.paths import StationPaths
    from station.service import StationService
    from ui.app import MainWindow
    from ui.qt import QApplication
    from ui.wizard import PHOTO

    app = QApplication([])
    from pathlib import Path
    service = StationService(StationPaths(Path({station!r})))
    devices = registry({{"camera": {{"driver": "simulated", "scenario": "good"}}}})
    window = MainWindow(service, "vi", devices=devices)
    window.show()
    window.login_screen.operator_edit.setText("op1")
    window.login_screen.password_edit.setText({password!r})
    window.login_screen.login_button.click()
    while window.busy or window.service.session is None:
        app.processEvents()
    window.new_dossier()
    window.wizard.start_page.case_buttons["first_issue"].setChecked(True)
    window.wizard.start_page.start()
    page = window.wizard.form_page
    page.editors["full_name"].setText("Hoàng Thị Én")
    page.editors["id_number"].setText("019301004567")
    page.editors["date_of_birth"].setText("03/02/2001")
    window.wizard.go_to(PHOTO)  # leaving the form saves it
    window.wizard.notice_panel.given_button.click()  # the privacy notice, then the photo
    photo = window.wizard.photo_page
    while photo.mode != photo.SAVED:
        app.processEvents()
    print(json.dumps({{"dossier": window.wizard.dossier_id}}), flush=True)
    while True:  # the crash comes from outside, in the middle of work
        app.processEvents()
    """
)


def test_crash_resume_reopens_the_draft_where_it_stopped(
    make_window, driver, staff, station_dir: Path, qtbot
) -> None:
    script = CRASH_SCRIPT.format(root=str(ROOT), station=str(station_dir), password=OP_PW)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "no output"
        dossier_id = json.loads(line)["dossier"]
    finally:
        proc.send_signal(signal.SIGKILL)  # no shutdown, no logout, no leave()
        proc.wait(30)

    window = make_window(devices=simulated_devices())
    driver.login(window, OP_PW, "op1")
    wizard = window.wizard
    qtbot.waitUntil(lambda: window.stack.currentWidget() is wizard, timeout=TIMEOUT_MS)
    assert wizard.dossier_id == dossier_id
    # The kill came on the photo page, after the portrait was saved: the wizard reopens there,
    # with the portrait shown and the form as it was typed.
    assert wizard.current_step() == PHOTO
    assert wizard.photo_page.mode == PhotoPage.SAVED
    view = window.service.get_dossier(dossier_id)
    assert view.form["full_name"] == "Hoàng Thị Én"
    assert any(p.kind == "face" for p in view.parts)
    wizard.go_next()
    assert wizard.current_step() == FINGERS
    assert isinstance(wizard.finger_page, FingerPage)

    # Going home on purpose closes the draft: the next login does not reopen it.
    window.wizard.close_wizard()
    logout(qtbot, window)
    driver.login(window, OP_PW, "op1")
    assert window.on_home()


def test_station_warns_at_login_after_days_without_a_verified_sync(
    make_window, driver, staff, station_dir: Path, clock, qtbot
) -> None:
    from tests.conftest import capture_all, valid_form

    op = StationService(StationPaths(station_dir), clock)
    op.login("op1", OP_PW)
    sup = StationService(StationPaths(station_dir), clock)
    sup.login("sup1", SUP_PW)
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.approve(d.id)
    sup.seal(d.id)
    op.close()
    sup.close()

    window = make_window(devices=simulated_devices())
    driver.login(window, OP_PW, "op1")
    assert window.home_screen.notice_label.isHidden()  # sealed today: nothing to warn about
    assert window.home_screen.last_sync_label.text() == (
        "Chưa có biên nhận nào. · 1 gói chờ biên nhận"
    )
    logout(qtbot, window)

    clock.advance(15 * 86400)  # the default threshold is 14 days
    driver.login(window, OP_PW, "op1")
    notice = window.home_screen.notice_label
    assert not notice.isHidden()
    assert "chưa đồng bộ được 15 ngày" in notice.text()


def test_back_from_the_start_page_goes_home_without_a_dossier(
    make_window, driver, staff, qtbot
) -> None:
    window = make_window(devices=simulated_devices())
    driver.login(window, OP_PW, "op1")
    qtbot.mouseClick(window.home_screen.new_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.wizard
    qtbot.mouseClick(window.wizard.start_page.back_button, Qt.MouseButton.LeftButton)
    assert window.on_home()
    assert window.service.list_dossiers() == []


def test_lock_shortcut_in_the_wizard_and_back_to_the_same_dossier(
    make_window, driver, staff, qtbot
) -> None:
    window = make_window(devices=simulated_devices())
    driver.login(window, OP_PW, "op1")
    window.new_dossier()
    wizard = window.wizard
    wizard.start_page.case_buttons["first_issue"].setChecked(True)
    with qtbot.waitSignal(wizard.dossier_opened, timeout=TIMEOUT_MS) as opened:
        wizard.start_page.start()
    name = wizard.form_page.editors["full_name"]
    assert isinstance(name, QLineEdit)
    name.setText("Lò Thị Xuân")
    window.lock_shortcut.activated.emit()  # Ctrl+Shift+L
    assert window.on_lock_screen()
    # Locking saved what was typed.
    assert window.service.session is not None
    driver.login(window, OP_PW)
    assert window.stack.currentWidget() is wizard
    assert wizard.dossier_id == opened.args[0]
    assert window.service.get_dossier(wizard.dossier_id).form["full_name"] == "Lò Thị Xuân"
