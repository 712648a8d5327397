"""The station window: login off the GUI thread, home screen, session timeout, translation."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from station.lifecycle import State
from station.service import StationService
from ui.i18n import I18N_DIR, build_translations, lrelease_path
from ui.qt import QApplication, QEvent, QKeyEvent, Qt

WRONG_LOGIN_VI = "Sai mã cán bộ hoặc mật khẩu."
WRONG_LOGIN_EN = "Wrong operator id or password."


def test_wrong_password_shows_the_vietnamese_error_and_re_enables_the_button(
    make_window, driver, facts
):
    window = make_window()
    screen = window.login_screen
    assert screen.login_button.text() == "Đăng nhập"
    assert screen.error_label.isHidden()

    driver.login(window, "not-the-password", facts.admin_id)

    assert screen.error_label.text() == WRONG_LOGIN_VI
    assert screen.error_label.isVisible()
    assert screen.login_button.isEnabled()
    assert screen.password_edit.text() == ""  # a wrong password is not left in the field
    assert not window.on_home()
    assert window.service.session is None


def test_login_runs_on_a_worker_thread_with_the_button_disabled(
    make_window, driver, facts, qtbot, monkeypatch
):
    window = make_window()
    gate = threading.Event()
    seen: dict[str, object] = {}
    real_login = StationService.login

    def slow_login(self, operator_id, password):
        seen["thread"] = threading.get_ident()
        assert gate.wait(10), "the test never released the login"
        return real_login(self, operator_id, password)

    monkeypatch.setattr(StationService, "login", slow_login)
    driver.submit(window, facts.admin_password, facts.admin_id)
    qtbot.waitUntil(lambda: "thread" in seen, timeout=5000)

    screen = window.login_screen
    assert window.busy
    assert not screen.login_button.isEnabled()
    assert screen.status_label.text() == "Đang kiểm tra mật khẩu…"
    # The GUI thread still runs its event loop while the worker waits.
    qtbot.wait(50)
    assert seen["thread"] != threading.get_ident()

    gate.set()
    driver.wait_idle(window)
    assert window.on_home()


def test_correct_login_shows_home_with_the_admins_name(make_window, driver, facts):
    window = make_window()
    driver.login(window, facts.admin_password, facts.admin_id)

    assert window.on_home()
    home = window.home_screen
    assert home.greeting_label.text() == f"Xin chào, {facts.admin_name} (quản trị)"
    assert facts.station_name in home.station_label.text()
    assert facts.station_code in home.station_label.text()
    assert not window.demo_banner.isHidden()
    assert window.demo_banner.text().startswith("DEMO")
    assert home.lock_button.text() == "Khóa màn hình"
    assert home.logout_button.text() == "Đăng xuất"

    table = home.counts_table
    assert table.rowCount() == len(State)
    assert table.item(0, 0).text() == "Nháp"
    assert table.item(len(State) - 1, 0).text() == "Cần thu nhận lại"
    assert all(table.item(row, 1).text() == "0" for row in range(table.rowCount()))
    # The login screen now names the station (read while logged in).
    assert facts.station_name in window.login_screen.station_label.text()


def test_login_screen_opens_no_store_and_names_the_station(make_window, facts):
    window = make_window()
    assert not window.service.is_open
    # Name, code and demo flag come from the station's public file, not from the store.
    assert facts.station_name in window.login_screen.station_label.text()
    assert window.demo_banner.isHidden() != window.service.public_info()["demo"]


def test_session_timeout_locks_and_the_password_unlocks(make_window, driver, facts, clock, qtbot):
    window = make_window(check_interval_ms=20)
    driver.login(window, facts.admin_password, facts.admin_id)
    assert window.on_home()

    clock.advance(facts.session_timeout_s + 1)
    qtbot.waitUntil(window.on_lock_screen, timeout=5000)

    screen = window.login_screen
    assert screen.operator_edit.text() == facts.admin_id
    assert screen.operator_edit.isReadOnly()
    assert screen.login_button.text() == "Mở khóa"
    assert screen.heading.text() == "Màn hình đã khóa"
    assert screen.info_label.text() == (
        "Phiên làm việc đã hết hạn do không thao tác; hãy đăng nhập lại."
    )
    assert not window.demo_banner.isHidden()  # still known while locked

    # A wrong password keeps the lock.
    driver.login(window, "not-the-password")
    assert window.on_lock_screen()
    assert screen.error_label.text() == WRONG_LOGIN_VI

    driver.login(window, facts.admin_password)
    assert window.on_home()
    assert window.service.check_session().operator_id == facts.admin_id


def test_activity_keeps_the_session_alive(make_window, driver, facts, clock, qtbot):
    window = make_window(check_interval_ms=20)
    driver.login(window, facts.admin_password, facts.admin_id)
    for _ in range(3):
        clock.advance(facts.session_timeout_s - 10)
        qtbot.keyClick(window.home_screen, Qt.Key.Key_Shift)
        qtbot.wait(60)
        assert window.on_home()


def test_input_after_the_timeout_is_swallowed_and_locks(make_window, driver, facts, clock, qtbot):
    window = make_window(check_interval_ms=3_600_000)  # only the input can notice the timeout
    driver.login(window, facts.admin_password, facts.admin_id)
    clock.advance(facts.session_timeout_s + 1)

    qtbot.mouseClick(window.home_screen.logout_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.on_lock_screen, timeout=5000)
    assert window.service.session is not None  # the click did not log out


def test_lock_button_and_logout_from_the_lock_screen(make_window, driver, facts, qtbot):
    window = make_window()
    driver.login(window, facts.admin_password, facts.admin_id)

    qtbot.mouseClick(window.home_screen.lock_button, Qt.MouseButton.LeftButton)
    assert window.on_lock_screen()
    screen = window.login_screen
    assert screen.info_label.text() == "Bạn đã khóa màn hình. Nhập mật khẩu để tiếp tục."
    assert not screen.logout_button.isHidden()

    qtbot.mouseClick(screen.logout_button, Qt.MouseButton.LeftButton)
    assert not window.on_home()
    assert not screen.locked
    assert window.service.session is None
    assert not window.service.is_open
    assert screen.operator_edit.text() == ""
    assert not screen.operator_edit.isReadOnly()
    assert screen.login_button.text() == "Đăng nhập"


def test_logout_from_home(make_window, driver, facts, qtbot):
    window = make_window()
    driver.login(window, facts.admin_password, facts.admin_id)
    qtbot.mouseClick(window.home_screen.logout_button, Qt.MouseButton.LeftButton)
    assert not window.on_home()
    assert window.service.session is None
    # And in again.
    driver.login(window, facts.admin_password, facts.admin_id)
    assert window.on_home()


def test_lockout_shows_the_remaining_delay(make_window, driver, facts):
    window = make_window()
    screen = window.login_screen
    for _ in range(5):
        driver.login(window, "not-the-password", facts.admin_id)
    assert "tạm khóa" in screen.error_label.text()
    assert screen.countdown_label.text() == "Thời gian chờ còn lại: 00:30"
    # Nothing to try for this account until the wait is over; another operator id may log in.
    assert not screen.login_button.isEnabled()

    # Still locked: refused before any key derivation, with the time left.
    driver.login(window, facts.admin_password, facts.admin_id)
    assert not window.on_home()
    assert screen.countdown_label.text() == "Thời gian chờ còn lại: 00:30"

    # Typing another operator id hides the countdown of this one.
    screen.operator_edit.setText("")
    screen.operator_edit.textEdited.emit("x")
    assert screen.countdown_label.isHidden()
    assert screen.login_button.isEnabled()


def test_validation_error_names_the_field(make_window, driver):
    window = make_window()
    driver.login(window, "", "")
    assert window.login_screen.error_label.text() == "Nhập mã cán bộ và mật khẩu."


def test_vietnamese_text_can_be_typed_with_key_events(make_window):
    """Key events carrying Vietnamese text reach the field intact (keyClicks is ASCII-only)."""
    window = make_window()
    edit = window.login_screen.operator_edit
    for ch in "Ánh":
        event = QKeyEvent(
            QEvent.Type.KeyPress, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch
        )
        QApplication.sendEvent(edit, event)
    assert edit.text() == "Ánh"


def test_english_translation(make_window, driver, facts, english):
    window = make_window("en")
    screen = window.login_screen
    assert screen.login_button.text() == "Log in"
    assert window.windowTitle() == "Citizen ID dossier intake station"

    driver.login(window, "not-the-password", facts.admin_id)
    assert screen.error_label.text() == WRONG_LOGIN_EN

    driver.login(window, facts.admin_password, facts.admin_id)
    home = window.home_screen
    assert home.greeting_label.text() == f"Hello, {facts.admin_name} (admin)"
    assert home.lock_button.text() == "Lock screen"
    assert home.counts_table.item(0, 0).text() == "Draft"
    assert window.demo_banner.text().startswith("DEMO — demonstration")


def test_shutdown_logs_out_and_waits_for_the_worker(make_window, driver, facts):
    window = make_window()
    driver.login(window, facts.admin_password, facts.admin_id)
    window.shutdown()
    window.shutdown()  # idempotent
    assert window.service.session is None
    assert not window.service.is_open


# --- translation files ---------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _messages(ts: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(ts).getroot()
    return [
        (context.findtext("name") or "", message.findtext("source") or "", message)
        for context in root.iter("context")
        for message in context.iter("message")
    ]


def test_every_english_message_is_translated():
    ts = I18N_DIR / "intake_en.ts"
    root = ET.parse(ts).getroot()
    assert root.get("sourcelanguage") == "vi_VN"
    assert root.get("language") == "en_US"
    messages = _messages(ts)
    assert messages
    for context, source, message in messages:
        translation = message.find("translation")
        assert translation is not None, (context, source)
        assert translation.get("type") is None, (context, source, translation.get("type"))
        text = translation.text or ""
        assert text.strip(), (context, source)
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), source


def test_ts_file_covers_every_text_in_the_code(tmp_path):
    """lupdate over ui/*.py finds no text missing from the TS file, and none left over."""
    lupdate = lrelease_path()
    tool = lupdate.with_name(lupdate.name.replace("lrelease", "lupdate")) if lupdate else None
    if tool is None or not tool.exists():
        found = shutil.which("pyside6-lupdate")
        if found is None:
            pytest.skip("pyside6-lupdate not available")
        tool = Path(found)
    copy = tmp_path / "intake_en.ts"
    shutil.copyfile(I18N_DIR / "intake_en.ts", copy)
    sources = sorted(str(p) for p in I18N_DIR.parent.glob("*.py"))
    subprocess.run(
        [str(tool), "-silent", "-locations", "none", *sources, "-ts", str(copy)],
        check=True,
        capture_output=True,
    )
    for context, source, message in _messages(copy):
        kind = message.find("translation").get("type")
        assert kind is None, f"{context}: {source!r} is {kind} (update ui/i18n/intake_en.ts)"


def test_build_translations_compiles_only_when_stale(tmp_path):
    shutil.copyfile(I18N_DIR / "intake_en.ts", tmp_path / "intake_en.ts")
    (qm,) = build_translations(tmp_path)
    assert qm == tmp_path / "intake_en.qm"
    assert qm.stat().st_size > 0
    first = qm.stat().st_mtime_ns
    assert build_translations(tmp_path) == [qm]
    assert qm.stat().st_mtime_ns == first
