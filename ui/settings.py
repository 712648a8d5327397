"""Station settings (administrator): devices, receiver and sync, operators, language.

Every change goes through the station service, which checks the role: a non-administrator sees
the screen, and each action they try shows the core's refusal. Device probes and device tests
run on the worker (a real scanner or camera may take seconds to answer).

The interface language is a preference of this computer, not of the station's encrypted store
(the login screen needs it before any store is open): it is kept in ``ui.ini`` in the station's
data folder (:func:`saved_language`, :func:`save_language`) and applies from the next start.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.devices import DeviceInfo, DeviceKind, Finger, SilentPrompter, Slap
from station.devices.iris import Eye
from station.devices.registry import DeviceRegistry, Probe
from station.errors import StationError
from station.lifecycle import ROLE_LABELS, Role
from ui.chip_panels import CscaPanel
from ui.context import UiContext
from ui.device_names import device_text
from ui.dossier_view import while_alive
from ui.language_pref import LANGUAGE_KEY, UI_SETTINGS_FILE, save_language, saved_language
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QCoreApplication,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.widgets import screen_frame

translate = QCoreApplication.translate

# The language preference lives in ``ui/language_pref.py`` (read before the window is built).
__all__ = ["LANGUAGE_KEY", "UI_SETTINGS_FILE", "SettingsScreen", "save_language", "saved_language"]


# --- device probes and tests (run on the worker) --------------------------------------------------


def probe_all(registry: DeviceRegistry) -> dict[DeviceKind, Probe]:
    """Every kind's probe; a failing driver is listed in its problems, the others still work."""
    return {kind: registry.probe(kind) for kind in DeviceKind}


@dataclass(frozen=True)
class DeviceTest:
    """What one test of one device gave: (vi, en) text."""

    vi: str
    en: str


def _close(device: Any) -> None:
    close = getattr(device, "close", None)
    if callable(close):
        close()


def check_device(registry: DeviceRegistry, info: DeviceInfo) -> DeviceTest:
    """Open ``info`` with its own driver and do one grab or read; DeviceError when it fails."""
    driver = next(d for d in registry.drivers if d.kind == info.kind and d.name == info.driver)
    options = registry.config.get(info.kind.value, {})
    device = driver.open(info, options if isinstance(options, dict) else {})
    prompter = SilentPrompter()
    try:
        if info.kind == DeviceKind.CAMERA:
            frame = device.read()
            height, width = frame.image.shape[:2]
            return DeviceTest(
                f"Nhận một khung hình {width}×{height}.", f"Got a {width}×{height} frame."
            )
        if info.kind == DeviceKind.FINGERPRINT:
            fingers = device.capture(Slap.THUMBS, [], prompter, timeout_s=15.0)
            return DeviceTest(
                f"Quét thử hai ngón cái: tìm thấy {len(fingers)} ngón.",
                f"Test scan of both thumbs: {len(fingers)} finger(s) found.",
            )
        if info.kind == DeviceKind.ROLLED:
            roll = device.capture_rolled(Finger.RIGHT_THUMB, prompter, timeout_s=15.0)
            return DeviceTest(
                "Lăn thử ngón cái phải: " + ("có ảnh." if roll is not None else "không thấy ngón."),
                "Test roll of the right thumb: "
                + ("got an image." if roll is not None else "no finger found."),
            )
        if info.kind == DeviceKind.IRIS:
            shots = device.capture([Eye.RIGHT, Eye.LEFT], prompter, timeout_s=15.0)
            return DeviceTest(
                f"Chụp thử mống mắt: nhận {len(shots)} ảnh.",
                f"Test iris capture: {len(shots)} image(s).",
            )
        if info.kind == DeviceKind.SIGNATURE:
            strokes = device.capture(prompter, timeout_s=30.0)
            return DeviceTest(
                f"Nhận {len(strokes)} nét ký.", f"Got {len(strokes)} signature stroke(s)."
            )
        if info.kind == DeviceKind.CARD_READER:
            if device.wait_for_card(0.5):
                return DeviceTest(
                    "Đầu đọc sẵn sàng, đang có thẻ trên đầu đọc.",
                    "Reader ready, a card is on it.",
                )
            return DeviceTest("Đầu đọc sẵn sàng, chưa có thẻ.", "Reader ready, no card on it.")
        acquired = device.acquire(prompter)
        size = len(acquired.data) // 1024
        return DeviceTest(
            f"Nhận một bản chụp {acquired.media_type}, {size} KB.",
            f"Got one {acquired.media_type} scan, {size} KB.",
        )
    finally:
        _close(device)


def kind_labels() -> dict[DeviceKind, str]:
    return {
        DeviceKind.CAMERA: translate("SettingsScreen", "Máy ảnh"),
        DeviceKind.FINGERPRINT: translate("SettingsScreen", "Máy quét vân tay"),
        DeviceKind.SIGNATURE: translate("SettingsScreen", "Bảng ký"),
        DeviceKind.DOCUMENT: translate("SettingsScreen", "Máy quét giấy tờ"),
        DeviceKind.CARD_READER: translate("SettingsScreen", "Đầu đọc thẻ (chip)"),
        DeviceKind.ROLLED: translate("SettingsScreen", "Máy quét vân tay lăn"),
        DeviceKind.IRIS: translate("SettingsScreen", "Máy chụp mống mắt"),
    }


class Feedback(QWidget):
    """A status line and an error line under one section."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        column.addWidget(self.status_label)
        column.addWidget(self.error_label)

    def ok(self, text: str) -> None:
        self.error_label.hide()
        self.status_label.setText(text)

    def error(self, text: str) -> None:
        self.status_label.clear()
        self.error_label.setText(text)
        self.error_label.show()


class SettingsScreen(QWidget):
    """Tabs: devices, receiver and sync, operators, language and session."""

    back_requested = Signal()
    #: The language preference changed (the new language; applies from the next start).
    language_changed = Signal(str)

    DEVICE_COLUMNS = 6

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.devices: list[DeviceInfo] = []
        self._probing = False
        self._testing: set[str] = set()
        self.test_buttons: list[QPushButton] = []
        self.operator_ids: list[str] = []

        layout, self.back_button = screen_frame(self, self.tr("Cài đặt trạm"), spacing=6)
        self.back_button.clicked.connect(self.back_requested)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._devices_tab(), self.tr("&Thiết bị"))
        self.tabs.addTab(self._sync_tab(), self.tr("Máy &chủ nhận"))
        self.tabs.addTab(self._operators_tab(), self.tr("Cán &bộ"))
        self.tabs.addTab(self._language_tab(), self.tr("&Ngôn ngữ, phiên"))
        self.tabs.addTab(self._maintenance_tab(), self.tr("&Sao lưu, chẩn đoán"))
        self.csca_panel = CscaPanel(ctx, self)
        self.tabs.addTab(self.csca_panel, self.tr("C&hip thẻ cũ (CSCA)"))

    # --- tabs ---

    def _devices_tab(self) -> QWidget:
        tab = QWidget(self)
        column = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.probe_button = QPushButton(self.tr("&Dò thiết bị"), tab)
        self.probe_button.clicked.connect(self.probe_devices)
        row.addWidget(self.probe_button)
        row.addStretch(1)
        column.addLayout(row)
        self.device_table = QTableWidget(0, self.DEVICE_COLUMNS, tab)
        self.device_table.setHorizontalHeaderLabels(
            [
                self.tr("Loại"),
                self.tr("Thiết bị"),
                self.tr("Trình điều khiển"),
                self.tr("Mô phỏng"),
                self.tr("Kiểm tra"),
                self.tr("Kết quả"),
            ]
        )
        self.device_table.verticalHeader().hide()
        self.device_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.device_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        column.addWidget(self.device_table, 1)
        self.problems_label = QLabel(tab)
        self.problems_label.setObjectName("error")
        self.problems_label.setWordWrap(True)
        column.addWidget(self.problems_label)
        self.device_feedback = Feedback(tab)
        column.addWidget(self.device_feedback)
        return tab

    def _sync_tab(self) -> QWidget:
        tab = QWidget(self)
        column = QVBoxLayout(tab)
        form = QFormLayout()
        self.url_edit = QLineEdit(tab)
        self.url_edit.setPlaceholderText("https://…")
        self.url_button = QPushButton(self.tr("Lưu địa &chỉ"), tab)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.url_button)
        form.addRow(self.tr("Địa chỉ máy chủ nhận"), url_row)
        self.cap_spin = QSpinBox(tab)
        self.cap_spin.setRange(0, 1_000_000)
        self.cap_spin.setSuffix(" kB/s")
        self.cap_spin.setSpecialValueText(self.tr("không giới hạn"))
        form.addRow(self.tr("Giới hạn băng thông gửi"), self.cap_spin)
        self.retention_spin = QSpinBox(tab)
        self.retention_spin.setRange(0, 3650)
        self.retention_spin.setSuffix(self.tr(" ngày"))
        form.addRow(self.tr("Giữ gói đã có biên nhận"), self.retention_spin)
        self.sync_button = QPushButton(self.tr("&Lưu cài đặt gửi"), tab)
        form.addRow("", self.sync_button)
        column.addLayout(form)
        self.sync_feedback = Feedback(tab)
        column.addWidget(self.sync_feedback)
        column.addStretch(1)
        self.url_button.clicked.connect(self.save_receiver_url)
        self.url_edit.returnPressed.connect(self.save_receiver_url)
        self.sync_button.clicked.connect(self.save_sync_settings)
        return tab

    def _operators_tab(self) -> QWidget:
        tab = QWidget(self)
        column = QVBoxLayout(tab)
        self.operator_table = QTableWidget(0, 4, tab)
        self.operator_table.setHorizontalHeaderLabels(
            [self.tr("Mã cán bộ"), self.tr("Họ tên"), self.tr("Vai trò"), self.tr("Tình trạng")]
        )
        self.operator_table.verticalHeader().hide()
        self.operator_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.operator_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.operator_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.operator_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        column.addWidget(self.operator_table, 1)

        add = QHBoxLayout()
        self.new_id_edit = QLineEdit(tab)
        self.new_id_edit.setPlaceholderText(self.tr("mã cán bộ"))
        self.new_name_edit = QLineEdit(tab)
        self.new_name_edit.setPlaceholderText(self.tr("họ tên"))
        self.new_role_combo = QComboBox(tab)
        for role in Role:
            self.new_role_combo.addItem(self.ctx.label(ROLE_LABELS[role]), role.value)
        self.new_password_edit = QLineEdit(tab)
        self.new_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password_edit.setPlaceholderText(self.tr("mật khẩu ban đầu"))
        self.add_button = QPushButton(self.tr("&Thêm cán bộ"), tab)
        for widget in (
            self.new_id_edit,
            self.new_name_edit,
            self.new_role_combo,
            self.new_password_edit,
            self.add_button,
        ):
            add.addWidget(widget)
        column.addLayout(add)

        manage = QHBoxLayout()
        self.disable_button = QPushButton(self.tr("&Khóa tài khoản"), tab)
        self.reset_password_edit = QLineEdit(tab)
        self.reset_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.reset_password_edit.setPlaceholderText(self.tr("mật khẩu mới"))
        self.admin_password_edit = QLineEdit(tab)
        self.admin_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_password_edit.setPlaceholderText(self.tr("mật khẩu của quản trị"))
        self.reset_button = QPushButton(self.tr("Đặt &lại mật khẩu"), tab)
        manage.addWidget(self.disable_button)
        manage.addStretch(1)
        manage.addWidget(self.reset_password_edit)
        manage.addWidget(self.admin_password_edit)
        manage.addWidget(self.reset_button)
        column.addLayout(manage)
        self.operator_feedback = Feedback(tab)
        column.addWidget(self.operator_feedback)

        self.add_button.clicked.connect(self.add_operator)
        self.disable_button.clicked.connect(self.disable_operator)
        self.reset_button.clicked.connect(self.reset_operator)
        return tab

    def _language_tab(self) -> QWidget:
        tab = QWidget(self)
        column = QVBoxLayout(tab)
        form = QFormLayout()
        self.language_combo = QComboBox(tab)
        self.language_combo.addItem("Tiếng Việt", "vi")
        self.language_combo.addItem("English", "en")
        self.language_button = QPushButton(self.tr("Lưu &ngôn ngữ"), tab)
        lang_row = QHBoxLayout()
        lang_row.addWidget(self.language_combo, 1)
        lang_row.addWidget(self.language_button)
        form.addRow(self.tr("Ngôn ngữ giao diện"), lang_row)
        self.timeout_label = QLabel(tab)
        form.addRow(self.tr("Tự khóa màn hình sau"), self.timeout_label)
        column.addLayout(form)
        self.language_feedback = Feedback(tab)
        column.addWidget(self.language_feedback)
        column.addStretch(1)
        self.language_button.clicked.connect(self.save_language)
        return tab

    def _maintenance_tab(self) -> QWidget:
        tab = QWidget(self)
        column = QVBoxLayout(tab)
        intro = QLabel(
            self.tr(
                "Bản sao lưu gồm kho dữ liệu đã mã hóa và danh mục kiểm tra có chữ ký của trạm; "
                "chỉ khôi phục được vào chính trạm này (lệnh «intake-station restore»). "
                "Báo cáo chẩn đoán không chứa dữ liệu cá nhân."
            ),
            tab,
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        form = QFormLayout()
        self.backup_button = QPushButton(self.tr("Sao &lưu vào thư mục (USB)…"), tab)
        self.diagnostics_button = QPushButton(self.tr("Xuất báo cáo &chẩn đoán…"), tab)
        form.addRow(self.tr("Sao lưu"), self.backup_button)
        form.addRow(self.tr("Chẩn đoán"), self.diagnostics_button)
        self.warn_days_spin = QSpinBox(tab)
        self.warn_days_spin.setRange(0, 365)
        self.warn_days_spin.setSuffix(self.tr(" ngày"))
        self.warn_days_spin.setSpecialValueText(self.tr("không cảnh báo"))
        self.warn_days_button = QPushButton(self.tr("Lưu"), tab)
        warn_row = QHBoxLayout()
        warn_row.addWidget(self.warn_days_spin)
        warn_row.addWidget(self.warn_days_button)
        warn_row.addStretch(1)
        form.addRow(self.tr("Cảnh báo khi chưa đồng bộ sau"), warn_row)
        column.addLayout(form)
        self.maintenance_feedback = Feedback(tab)
        column.addWidget(self.maintenance_feedback)
        column.addStretch(1)
        self.backup_button.clicked.connect(lambda: self.backup_to())
        self.diagnostics_button.clicked.connect(lambda: self.export_diagnostics())
        self.warn_days_button.clicked.connect(self.save_warn_days)
        return tab

    def _folder(self, title: str) -> Path | None:
        name = QFileDialog.getExistingDirectory(self, title)
        return Path(name) if name else None

    def backup_to(self, folder: Path | None = None) -> None:
        """Back the station up into ``folder`` (asked for when None), on the worker."""
        folder = folder or self._folder(self.tr("Chọn thư mục sao lưu (USB)"))
        if folder is None:
            return
        self.backup_button.setEnabled(False)
        self.maintenance_feedback.ok(self.tr("Đang sao lưu…"))
        deployment = self.ctx.service.deployment

        def done(report: Any) -> None:
            self.backup_button.setEnabled(True)
            self.maintenance_feedback.ok(
                self.tr("Đã sao lưu {size} MB vào {folder}.").format(
                    size=f"{report.bytes / 1e6:.1f}", folder=str(report.folder)
                )
            )

        def failed(exc: BaseException) -> None:
            self.backup_button.setEnabled(True)
            self.maintenance_feedback.error(self.ctx.error_text(exc))

        self.ctx.worker.submit(
            lambda: deployment.backup(folder), while_alive(self, done), while_alive(self, failed)
        )

    def export_diagnostics(self, folder: Path | None = None) -> None:
        folder = folder or self._folder(self.tr("Chọn thư mục lưu báo cáo chẩn đoán"))
        if folder is None:
            return
        deployment = self.ctx.service.deployment
        devices = self.ctx.devices

        def done(path: Path) -> None:
            self.maintenance_feedback.ok(
                self.tr("Đã ghi báo cáo chẩn đoán: {path}").format(path=str(path))
            )

        def failed(exc: BaseException) -> None:
            self.maintenance_feedback.error(self.ctx.error_text(exc))

        self.ctx.worker.submit(
            lambda: deployment.write_diagnostics(folder, devices),
            while_alive(self, done),
            while_alive(self, failed),
        )

    def save_warn_days(self) -> None:
        try:
            self.ctx.service.deployment.set_sync_warn_days(self.warn_days_spin.value())
        except StationError as exc:
            self.maintenance_feedback.error(self.ctx.error_text(exc))
            return
        self.maintenance_feedback.ok(self.tr("Đã lưu."))

    # --- refresh ---

    def refresh(self) -> None:
        """Read the current settings and operators (devices are probed on demand)."""
        service = self.ctx.service
        try:
            receiver = service.receiver_settings()
            settings = service.settings()
        except StationError as exc:
            self.sync_feedback.error(self.ctx.error_text(exc))
        else:
            self.url_edit.setText(str(receiver.get("url") or ""))
            cap = receiver.get("bandwidth_cap_bps")
            self.cap_spin.setValue(int(cap) // 1000 if isinstance(cap, int) else 0)
            days = settings.get("retention_days", 0)
            self.retention_spin.setValue(int(days) if isinstance(days, int) else 0)
        self._load_operators()
        self.csca_panel.refresh()
        with contextlib.suppress(StationError):
            self.warn_days_spin.setValue(service.deployment.sync_warn_days())
        lang = saved_language(service.paths.root) or self.ctx.lang
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(lang)))
        minutes = round(service.session_timeout_s / 60)
        self.timeout_label.setText(self.tr("{minutes} phút không thao tác").format(minutes=minutes))
        if not self.devices and self.ctx.devices is not None:
            self.probe_devices()

    def _load_operators(self) -> None:
        try:
            operators = self.ctx.service.list_operators()
        except StationError as exc:
            self.operator_feedback.error(self.ctx.error_text(exc))
            return
        self.operator_ids = [o.id for o in operators]
        self.operator_table.setRowCount(len(operators))
        for row, o in enumerate(operators):
            if o.disabled:
                status = self.tr("đã khóa")
            elif o.must_change_password:
                status = self.tr("phải đổi mật khẩu")
            else:
                status = self.tr("đang dùng")
            role = self.ctx.label(ROLE_LABELS.get(o.role, (o.role, o.role)))
            for col, text in enumerate((o.id, o.full_name, role, status)):
                self.operator_table.setItem(row, col, QTableWidgetItem(text))

    # --- devices ---

    @property
    def busy(self) -> bool:
        return self._probing or bool(self._testing)

    def probe_devices(self) -> None:
        registry = self.ctx.devices
        if registry is None:
            self.device_feedback.error(self.tr("Trạm chưa có danh sách trình điều khiển thiết bị."))
            return
        if self._probing:
            return
        self._probing = True
        self.probe_button.setEnabled(False)
        self.device_feedback.ok(self.tr("Đang dò thiết bị…"))
        self.ctx.worker.submit(
            lambda: probe_all(registry),
            while_alive(self, self._probed),
            while_alive(self, self._probe_failed),
        )

    def _probed(self, probes: dict[DeviceKind, Probe]) -> None:
        self._probing = False
        self.probe_button.setEnabled(True)
        labels = kind_labels()
        self.devices = [info for probe in probes.values() for info in probe.devices]
        self.test_buttons = []
        self.device_table.setRowCount(len(self.devices))
        for row, info in enumerate(self.devices):
            texts = (
                labels[info.kind],
                device_text(info),
                info.driver,
                self.tr("có") if info.simulated else self.tr("không"),
            )
            for col, text in enumerate(texts):
                self.device_table.setItem(row, col, QTableWidgetItem(text))
            button = QPushButton(self.tr("Kiểm tra"), self.device_table)
            button.setStyleSheet("padding: 2px 10px;")
            button.setMinimumWidth(button.sizeHint().width())
            button.clicked.connect(lambda _=False, r=row: self.check_device(r))
            self.device_table.setCellWidget(row, 4, button)
            self.test_buttons.append(button)
            self.device_table.setItem(row, 5, QTableWidgetItem(""))
        self.device_table.resizeColumnToContents(4)
        self.device_table.resizeRowsToContents()
        problems = [
            f"{labels[kind]} — {name}: {what}"
            for kind, probe in probes.items()
            for name, what in probe.problems.items()
        ]
        self.problems_label.setText(
            "\n".join([self.tr("Trình điều khiển lỗi khi dò:"), *problems]) if problems else ""
        )
        self.device_feedback.ok(self.tr("Tìm thấy {n} thiết bị.").format(n=len(self.devices)))

    def _probe_failed(self, exc: BaseException) -> None:
        self._probing = False
        self.probe_button.setEnabled(True)
        self.device_feedback.error(self.ctx.error_text(exc))

    def check_device(self, row: int) -> None:
        """Open the device of ``row`` and do one grab or read, on the worker."""
        registry = self.ctx.devices
        if registry is None or not 0 <= row < len(self.devices):
            return
        info = self.devices[row]
        key = f"{info.kind}/{info.driver}/{info.device_id}"
        if key in self._testing:
            return
        self._testing.add(key)
        self.test_buttons[row].setEnabled(False)
        self.device_table.setItem(row, 5, QTableWidgetItem(self.tr("Đang kiểm tra…")))

        def done(result: DeviceTest) -> None:
            self._tested(row, key, self.ctx.label((result.vi, result.en)), ok=True)

        def failed(exc: BaseException) -> None:
            self._tested(row, key, self.ctx.error_text(exc), ok=False)

        self.ctx.worker.submit(
            lambda: check_device(registry, info),
            while_alive(self, done),
            while_alive(self, failed),
        )

    def _tested(self, row: int, key: str, text: str, *, ok: bool) -> None:
        self._testing.discard(key)
        if row < len(self.test_buttons):
            self.test_buttons[row].setEnabled(True)
        item = self.device_table.item(row, 5)
        if item is not None:
            item.setText(("✓ " if ok else "✗ ") + text)
            item.setToolTip(text)

    # --- receiver and sync ---

    def save_receiver_url(self) -> None:
        try:
            self.ctx.service.set_receiver_url(self.url_edit.text().strip())
        except StationError as exc:
            self.sync_feedback.error(self.ctx.error_text(exc))
            return
        self.sync_feedback.ok(self.tr("Đã lưu địa chỉ máy chủ nhận."))

    def save_sync_settings(self) -> None:
        try:
            self.ctx.service.set_sync_settings(
                bandwidth_cap_bps=self.cap_spin.value() * 1000,
                retention_days=self.retention_spin.value(),
            )
        except StationError as exc:
            self.sync_feedback.error(self.ctx.error_text(exc))
            return
        self.sync_feedback.ok(self.tr("Đã lưu cài đặt gửi."))

    # --- operators ---

    def _selected_operator(self) -> str | None:
        row = self.operator_table.currentRow()
        ids = self.operator_ids
        return ids[row] if 0 <= row < len(ids) else None

    def add_operator(self) -> None:
        try:
            self.ctx.service.add_operator(
                self.new_id_edit.text(),
                self.new_name_edit.text(),
                str(self.new_role_combo.currentData()),
                self.new_password_edit.text(),
            )
        except StationError as exc:
            self.operator_feedback.error(self.ctx.error_text(exc))
            return
        self.operator_feedback.ok(
            self.tr("Đã thêm cán bộ {id}; lần đăng nhập đầu phải đổi mật khẩu.").format(
                id=self.new_id_edit.text().strip()
            )
        )
        for edit in (self.new_id_edit, self.new_name_edit, self.new_password_edit):
            edit.clear()
        self._load_operators()

    def disable_operator(self) -> None:
        operator_id = self._selected_operator()
        if operator_id is None:
            self.operator_feedback.error(self.tr("Chọn một cán bộ trong danh sách."))
            return
        try:
            self.ctx.service.disable_operator(operator_id)
        except StationError as exc:
            self.operator_feedback.error(self.ctx.error_text(exc))
            return
        self.operator_feedback.ok(self.tr("Đã khóa tài khoản {id}.").format(id=operator_id))
        self._load_operators()

    def reset_operator(self) -> None:
        operator_id = self._selected_operator()
        if operator_id is None:
            self.operator_feedback.error(self.tr("Chọn một cán bộ trong danh sách."))
            return
        admin_password = self.admin_password_edit.text()
        new_password = self.reset_password_edit.text()
        self.admin_password_edit.clear()
        self.reset_password_edit.clear()
        try:
            self.ctx.service.reset_operator(admin_password, operator_id, new_password)
        except StationError as exc:
            self.operator_feedback.error(self.ctx.error_text(exc))
            return
        self.operator_feedback.ok(
            self.tr("Đã đặt lại mật khẩu cho {id}; lần đăng nhập tới phải đổi.").format(
                id=operator_id
            )
        )
        self._load_operators()

    # --- language ---

    def save_language(self) -> None:
        lang = str(self.language_combo.currentData())
        try:
            save_language(self.ctx.service.paths.root, lang)
        except (OSError, ValueError) as exc:
            self.language_feedback.error(str(exc))
            return
        self.language_feedback.ok(self.tr("Đã lưu. Ngôn ngữ mới dùng từ lần mở trạm tiếp theo."))
        self.language_changed.emit(lang)
