"""The settings screen: devices probed and tested on the worker, receiver and sync settings,
operators, the language preference; a non-administrator sees the core's refusals."""

from __future__ import annotations

import pytest

from station.devices import DeviceKind
from station.service import StationService
from tests.conftest import ADMIN_PW, OP_PW, login
from tests.ui.screens_support import WORKER_TIMEOUT_MS, make_ctx
from ui.qt import Qt
from ui.settings import SettingsScreen, saved_language

NEEDS_ADMIN = "Việc này cần vai trò quản trị."


def _screen(qtbot, service: StationService) -> SettingsScreen:
    screen = SettingsScreen(make_ctx(qtbot, service))
    qtbot.addWidget(screen)
    screen.resize(1280, 700)
    screen.show()
    screen.refresh()
    qtbot.waitUntil(lambda: not screen.busy, timeout=WORKER_TIMEOUT_MS)
    return screen


@pytest.fixture
def op(staffed: StationService, clock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


def test_admin_adds_an_operator(qtbot, staffed: StationService) -> None:
    screen = _screen(qtbot, staffed)
    assert screen.operator_table.rowCount() == 4  # admin, op1, sup1, sup2
    screen.new_id_edit.setText("op2")
    screen.new_name_edit.setText("Đặng Thị Lan")
    screen.new_role_combo.setCurrentIndex(screen.new_role_combo.findData("supervisor"))
    screen.new_password_edit.setText("first-password-2026")
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)
    added = {o.id: o for o in staffed.list_operators()}["op2"]
    assert added.full_name == "Đặng Thị Lan" and added.role == "supervisor"
    assert added.must_change_password
    assert screen.operator_table.rowCount() == 5
    assert screen.new_password_edit.text() == ""
    assert "op2" in screen.operator_feedback.status_label.text()

    # The same id again: the core's message, next to the form.
    screen.new_id_edit.setText("op2")
    screen.new_name_edit.setText("Người Khác")
    screen.new_password_edit.setText("first-password-2026")
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)
    assert "op2" in screen.operator_feedback.error_label.text()
    assert not screen.operator_feedback.error_label.isHidden()


def test_admin_changes_the_receiver_address_and_sync_settings(
    qtbot, staffed: StationService
) -> None:
    screen = _screen(qtbot, staffed)
    screen.url_edit.setText("ftp://receiver.example.org")
    qtbot.mouseClick(screen.url_button, Qt.MouseButton.LeftButton)
    assert "https://" in screen.sync_feedback.error_label.text()
    assert staffed.receiver_settings()["url"] is None

    screen.url_edit.setText("https://receiver.example.org/")
    qtbot.mouseClick(screen.url_button, Qt.MouseButton.LeftButton)
    assert staffed.receiver_settings()["url"] == "https://receiver.example.org"
    assert screen.sync_feedback.error_label.isHidden()

    screen.cap_spin.setValue(64)
    screen.retention_spin.setValue(30)
    qtbot.mouseClick(screen.sync_button, Qt.MouseButton.LeftButton)
    assert staffed.receiver_settings()["bandwidth_cap_bps"] == 64_000
    assert staffed.settings()["retention_days"] == 30
    screen.refresh()
    assert screen.url_edit.text() == "https://receiver.example.org"
    assert screen.cap_spin.value() == 64


def test_a_non_admin_is_refused_by_the_core(qtbot, staffed: StationService, op) -> None:
    screen = _screen(qtbot, op)
    screen.url_edit.setText("https://receiver.example.org")
    qtbot.mouseClick(screen.url_button, Qt.MouseButton.LeftButton)
    assert screen.sync_feedback.error_label.text() == NEEDS_ADMIN
    assert staffed.receiver_settings()["url"] is None

    qtbot.mouseClick(screen.sync_button, Qt.MouseButton.LeftButton)
    assert screen.sync_feedback.error_label.text() == NEEDS_ADMIN

    screen.new_id_edit.setText("op9")
    screen.new_name_edit.setText("Kẻ Lạ")
    screen.new_password_edit.setText("first-password-2026")
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)
    assert screen.operator_feedback.error_label.text() == NEEDS_ADMIN
    assert "op9" not in {o.id for o in staffed.list_operators()}

    screen.operator_table.selectRow(screen.operator_ids.index("sup1"))
    qtbot.mouseClick(screen.disable_button, Qt.MouseButton.LeftButton)
    assert screen.operator_feedback.error_label.text() == NEEDS_ADMIN
    assert not {o.id: o for o in staffed.list_operators()}["sup1"].disabled


def test_disable_and_reset_an_operator(qtbot, staffed: StationService) -> None:
    screen = _screen(qtbot, staffed)
    screen.operator_table.selectRow(screen.operator_ids.index("op1"))
    qtbot.mouseClick(screen.disable_button, Qt.MouseButton.LeftButton)
    assert {o.id: o for o in staffed.list_operators()}["op1"].disabled
    assert "đã khóa" in [
        screen.operator_table.item(r, 3).text() for r in range(screen.operator_table.rowCount())
    ]

    screen.operator_table.selectRow(screen.operator_ids.index("op1"))
    screen.reset_password_edit.setText("brand-new-password-1")
    screen.admin_password_edit.setText("not-the-admin-password")
    qtbot.mouseClick(screen.reset_button, Qt.MouseButton.LeftButton)
    assert not screen.operator_feedback.error_label.isHidden()
    assert screen.admin_password_edit.text() == ""  # a password never stays in a field
    assert {o.id: o for o in staffed.list_operators()}["op1"].disabled

    screen.operator_table.selectRow(screen.operator_ids.index("op1"))
    screen.reset_password_edit.setText("brand-new-password-1")
    screen.admin_password_edit.setText(ADMIN_PW)
    qtbot.mouseClick(screen.reset_button, Qt.MouseButton.LeftButton)
    op1 = {o.id: o for o in staffed.list_operators()}["op1"]
    assert not op1.disabled and op1.must_change_password
    login(staffed.paths, staffed.clock, "op1", "brand-new-password-1").close()


def test_devices_are_probed_and_tested_on_the_worker(qtbot, staffed: StationService) -> None:
    screen = _screen(qtbot, staffed)
    kinds = {info.kind for info in screen.devices}
    # Every kind has a simulated device except the card reader, listed only when pcscd knows a
    # reader (the chip tests' virtual one, or real hardware).
    assert kinds - {DeviceKind.CARD_READER} == set(DeviceKind) - {DeviceKind.CARD_READER}
    assert all(not i.simulated for i in screen.devices if i.kind == DeviceKind.CARD_READER)
    camera = next(
        row
        for row, info in enumerate(screen.devices)
        if info.kind == DeviceKind.CAMERA and info.simulated
    )
    assert screen.device_table.item(camera, 3).text() == "có"
    assert screen.device_table.item(camera, 2).text() == "simulated"
    qtbot.mouseClick(screen.test_buttons[camera], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.busy, timeout=WORKER_TIMEOUT_MS)
    assert screen.device_table.item(camera, 5).text().startswith("✓ Nhận một khung hình")

    finger = next(r for r, i in enumerate(screen.devices) if i.kind == DeviceKind.FINGERPRINT)
    screen.check_device(finger)
    qtbot.waitUntil(lambda: not screen.busy, timeout=WORKER_TIMEOUT_MS)
    assert "tìm thấy 2 ngón" in screen.device_table.item(finger, 5).text()


def test_language_preference_is_kept_in_the_data_folder(qtbot, staffed: StationService) -> None:
    screen = _screen(qtbot, staffed)
    assert saved_language(staffed.paths.root) is None
    screen.language_combo.setCurrentIndex(screen.language_combo.findData("en"))
    with qtbot.waitSignal(screen.language_changed, timeout=1000) as blocker:
        qtbot.mouseClick(screen.language_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["en"]
    assert saved_language(staffed.paths.root) == "en"
    assert "15 phút" in screen.timeout_label.text()


def test_admin_backs_up_and_exports_diagnostics_from_the_screen(
    qtbot, staffed: StationService, tmp_path
) -> None:
    screen = _screen(qtbot, staffed)
    usb = tmp_path / "usb"
    usb.mkdir()
    screen.backup_to(usb)
    qtbot.waitUntil(lambda: screen.backup_button.isEnabled(), timeout=WORKER_TIMEOUT_MS)
    assert "Đã sao lưu" in screen.maintenance_feedback.status_label.text()
    assert any(usb.rglob("*manifest*"))
    screen.export_diagnostics(tmp_path)
    qtbot.waitUntil(
        lambda: "chẩn đoán" in screen.maintenance_feedback.status_label.text(),
        timeout=WORKER_TIMEOUT_MS,
    )
    screen.warn_days_spin.setValue(3)
    qtbot.mouseClick(screen.warn_days_button, Qt.MouseButton.LeftButton)
    assert staffed.deployment.sync_warn_days() == 3


def test_operator_cannot_back_up(qtbot, op: StationService, tmp_path) -> None:
    screen = _screen(qtbot, op)
    screen.backup_to(tmp_path)
    qtbot.waitUntil(lambda: screen.backup_button.isEnabled(), timeout=WORKER_TIMEOUT_MS)
    assert NEEDS_ADMIN in screen.maintenance_feedback.error_label.text()


def test_the_saved_language_is_used_at_the_next_start(qtbot, staffed: StationService) -> None:
    from ui.app import choose_language
    from ui.settings import save_language

    root = staffed.paths.root
    assert choose_language(root, None) == "vi"
    save_language(root, "en")
    assert choose_language(root, None) == "en"
    assert choose_language(root, "vi") == "vi"  # the command line wins
