"""The wizard's first step: the case type, where the capture happens, and where the form's first
values come from (nothing, a resident list, the old card's QR code, or its chip).

Reading the QR image, the camera and the chip runs on the worker; the officer sees what was read,
what differs between two sources (``station.prefill.merge`` keeps the first value and reports the
other) and what could not be placed in the form. "Start" creates the draft with those values
(``service.create_dossier``), records a home visit (``service.set_capture_context``) and emits
``dossier_created``. If recording the home visit fails the draft exists already: the error is
shown and Start again retries only that step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from station.chip import BacError
from station.chip.record import ChipRead
from station.devices import DeviceError, DeviceKind
from station.dossier import CASE_LABELS, CaseType
from station.errors import StationError
from station.form import LABELS
from station.prefill import Prefill, merge
from ui.context import UiContext
from ui.form_fields import date_text
from ui.form_values import describe_value
from ui.qt import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QShortcut,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.resident_search import ResidentSearch

#: Seconds the chip read waits for a card to be put on the reader.
CARD_WAIT_S = 10.0
#: ... and after a QR read, when the chip is read without being asked.
AUTO_CARD_WAIT_S = 1.0
NO_CARD = "no_card"
SOURCES = ("none", "resident", "qr", "chip")

STYLE = """
QLabel#error { color: #b00020; }
QLabel#notes { color: #8a4b00; }
QLabel#warning { color: #b00020; font-weight: bold; }
QLabel#verdict_ok { color: #1b5e20; }
"""


class CardReaderLike(Protocol):
    """What the start page needs of a card reader (``station.devices.cardreader.CardReader``)."""

    def list_readers(self) -> list[str]: ...
    def wait_for_card(self, timeout: float) -> bool: ...
    def connect(self) -> bytes: ...
    def transmit(self, apdu: bytes) -> bytes: ...
    def disconnect(self) -> None: ...
    def close(self) -> None: ...


def _default_reader(ctx: UiContext) -> CardReaderLike:
    """The reader named in the options, else the one pinned in the settings, else the reader
    that holds a card (``CardReader(None)``)."""
    from station.devices.cardreader import CardReader

    name = ctx.options.get("card_reader") or ctx.service.card_reader_setting()
    return CardReader(name)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


class StartPage(QWidget):
    """First step of the new-dossier wizard (screen contract: ``refresh``, ``back_requested``)."""

    dossier_created = Signal(str)
    back_requested = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setStyleSheet(STYLE)
        self.prefill_form: dict[str, Any] = {}
        self.conflicts: dict[str, tuple[Any, Any]] = {}
        self.resident_id: int | None = None
        self.created_id: str | None = None
        self.chip_verdict: tuple[bool, tuple[str, str]] | None = None
        #: The last chip read (its raw record and verdict), stored with the draft on Start.
        self.chip_read: ChipRead | None = None
        self.busy = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 12)
        title = QLabel(self.tr("Hồ sơ mới"), self)
        title.setObjectName("title")
        layout.addWidget(title)
        top = QHBoxLayout()
        top.addWidget(self._build_case(), 1)
        top.addWidget(self._build_place(), 1)
        layout.addLayout(top)
        layout.addWidget(self._build_sources(), 1)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.notes_label = QLabel(self)
        self.notes_label.setObjectName("notes")
        self.notes_label.setWordWrap(True)
        self.verdict_label = QLabel(self)
        self.verdict_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        for label in (self.summary_label, self.notes_label, self.verdict_label, self.error_label):
            layout.addWidget(label)
        buttons = QHBoxLayout()
        self.back_button = QPushButton(self.tr("Quay &lại"), self)
        self.back_button.clicked.connect(self.back_requested)
        self.clear_button = QPushButton(self.tr("Xóa dữ liệu đã đọc"), self)
        self.clear_button.clicked.connect(self.clear_prefill)
        self.start_button = QPushButton(self.tr("&Bắt đầu (Ctrl+Enter)"), self)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.start_button)
        layout.addLayout(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.start)
        self.refresh()

    # --- layout ---

    def _build_case(self) -> QGroupBox:
        box = QGroupBox(self.tr("Loại hồ sơ"), self)
        column = QVBoxLayout(box)
        self.case_group = QButtonGroup(self)
        self.case_buttons: dict[str, QRadioButton] = {}
        for n, case in enumerate(CaseType, start=1):
            text = f"&{n}  {_capitalized(self.ctx.label(CASE_LABELS[case]))}"
            button = QRadioButton(text, box)
            self.case_group.addButton(button, n)
            self.case_buttons[case.value] = button
            column.addWidget(button)
        return box

    def _build_place(self) -> QGroupBox:
        box = QGroupBox(self.tr("Nơi thu nhận"), self)
        column = QVBoxLayout(box)
        self.home_visit_box = QCheckBox(self.tr("Thu nhận tại nhà công dân (lưu động)"), box)
        self.location_edit = QLineEdit(box)
        self.location_edit.setMaxLength(200)
        self.location_edit.setPlaceholderText(self.tr("Địa chỉ nơi thu nhận"))
        self.home_visit_box.toggled.connect(self.location_edit.setEnabled)
        column.addWidget(self.home_visit_box)
        column.addWidget(self.location_edit)
        column.addStretch(1)
        return box

    def _build_sources(self) -> QGroupBox:
        box = QGroupBox(self.tr("Lấy thông tin ban đầu từ"), self)
        column = QVBoxLayout(box)
        row = QHBoxLayout()
        self.source_group = QButtonGroup(self)
        self.source_buttons: dict[str, QRadioButton] = {}
        texts = {
            "none": self.tr("&Không (nhập tay)"),
            "resident": self.tr("&Danh sách dân cư"),
            "qr": self.tr("Mã &QR thẻ cũ"),
            "chip": self.tr("&Chip thẻ cũ"),
        }
        self.source_stack = QStackedWidget(box)
        panels = {
            "none": QWidget(box),
            "resident": self._build_resident(box),
            "qr": self._build_qr(box),
            "chip": self._build_chip(box),
        }
        for n, source in enumerate(SOURCES):
            button = QRadioButton(texts[source], box)
            self.source_group.addButton(button, n)
            self.source_buttons[source] = button
            row.addWidget(button)
            self.source_stack.addWidget(panels[source])
        row.addStretch(1)
        self.source_group.idToggled.connect(self._source_toggled)
        column.addLayout(row)
        column.addWidget(self.source_stack, 1)
        return box

    def _build_resident(self, parent: QWidget) -> ResidentSearch:
        self.resident_search = ResidentSearch(self.ctx, parent)
        self.resident_search.chosen.connect(self.use_resident)
        return self.resident_search

    def _build_qr(self, parent: QWidget) -> QWidget:
        panel = QWidget(parent)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 0)
        self.qr_edit = QLineEdit(panel)
        self.qr_edit.setPlaceholderText(
            self.tr("Quét mã QR bằng máy quét cầm tay, hoặc dán nội dung rồi nhấn Enter")
        )
        self.qr_edit.returnPressed.connect(self.read_qr_text)
        buttons = QHBoxLayout()
        self.qr_file_button = QPushButton(self.tr("Chọn ảnh mã QR…"), panel)
        self.qr_file_button.clicked.connect(self._choose_qr_image)
        self.qr_camera_button = QPushButton(self.tr("Chụp mã QR bằng camera"), panel)
        self.qr_camera_button.clicked.connect(self.read_qr_camera)
        buttons.addWidget(self.qr_file_button)
        buttons.addWidget(self.qr_camera_button)
        buttons.addStretch(1)
        column.addWidget(self.qr_edit)
        column.addLayout(buttons)
        column.addStretch(1)
        return panel

    def _build_chip(self, parent: QWidget) -> QWidget:
        panel = QWidget(parent)
        form = QFormLayout(panel)
        self.chip_number_edit = QLineEdit(panel)
        self.chip_number_edit.setMaxLength(12)
        self.chip_dob_edit = QLineEdit(panel)
        self.chip_dob_edit.setPlaceholderText("dd/mm/yyyy")
        self.chip_expiry_edit = QLineEdit(panel)
        self.chip_expiry_edit.setPlaceholderText("dd/mm/yyyy")
        self.chip_can_edit = QLineEdit(panel)
        self.chip_can_edit.setMaxLength(6)
        self.chip_can_edit.setPlaceholderText(self.tr("hoặc 6 số CAN in trên thẻ"))
        self.chip_button = QPushButton(self.tr("Đọc chip (đặt thẻ lên đầu đọc)"), panel)
        self.chip_button.clicked.connect(lambda: self.read_chip())
        self.chip_expiry_edit.returnPressed.connect(lambda: self.read_chip())
        form.addRow(self.tr("Số thẻ cũ (12 số)"), self.chip_number_edit)
        form.addRow(self.tr("Ngày sinh"), self.chip_dob_edit)
        form.addRow(self.tr("Có giá trị đến"), self.chip_expiry_edit)
        form.addRow(self.tr("Số CAN"), self.chip_can_edit)
        form.addRow("", self.chip_button)
        return panel

    # --- state ---

    def refresh(self) -> None:
        """A fresh start: first issue, at the station, no prefill."""
        self.case_buttons[CaseType.FIRST_ISSUE.value].setChecked(True)
        self.home_visit_box.setChecked(False)
        self.location_edit.clear()
        self.location_edit.setEnabled(False)
        self.created_id = None
        self.clear_prefill()
        self.source_buttons["none"].setChecked(True)
        self.case_buttons[CaseType.FIRST_ISSUE.value].setFocus()

    def clear_prefill(self) -> None:
        self.prefill_form = {}
        self.conflicts = {}
        self.resident_id = None
        self.chip_verdict = None
        self.chip_read = None
        self.qr_edit.clear()
        for edit in (
            self.chip_number_edit,
            self.chip_dob_edit,
            self.chip_expiry_edit,
            self.chip_can_edit,
        ):
            edit.clear()
        self.resident_search.clear()
        self.error_label.clear()
        self._show_prefill()

    def case_type(self) -> str:
        for case, button in self.case_buttons.items():
            if button.isChecked():
                return case
        return CaseType.FIRST_ISSUE.value

    def select_source(self, source: str) -> None:
        self.source_buttons[source].setChecked(True)

    def _source_toggled(self, n: int, checked: bool) -> None:
        if not checked:
            return
        self.source_stack.setCurrentIndex(n)
        focus = {
            "resident": self.resident_search.focus,
            "qr": self.qr_edit.setFocus,
            "chip": self.chip_number_edit.setFocus,
        }.get(SOURCES[n])
        if focus is not None:
            focus()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for w in (
            self.start_button,
            self.qr_edit,
            self.qr_file_button,
            self.qr_camera_button,
            self.chip_button,
        ):
            w.setEnabled(not busy)

    # --- prefill sources ---

    def use_resident(self, resident_id: int) -> None:
        """Take a person from the resident lists (fast: read on the GUI thread)."""
        try:
            prefill = self.ctx.service.resident_prefill(resident_id)
        except StationError as exc:
            self._failed(exc)
            return
        self.resident_id = resident_id
        self.apply_prefill(prefill)

    def start_for_resident(self, resident_id: int, case_type: str | None = None) -> None:
        """Start for a listed person (a roster screen): prefill from the list; with
        ``case_type`` the draft is created at once, else the officer picks the case."""
        self.refresh()
        self.select_source("resident")
        self.use_resident(resident_id)
        if case_type is not None and self.resident_id == resident_id:
            self.case_buttons[CaseType(case_type).value].setChecked(True)
            self.start()

    def read_qr_text(self) -> None:
        text = self.qr_edit.text()
        if text.strip():
            self._run(lambda: self.ctx.service.prefill_from_qr(text), self._qr_done)

    def read_qr_image(self, path: Path) -> None:
        """Decode the QR code in an image file (on the worker)."""
        service = self.ctx.service
        self._run(lambda: service.prefill_from_qr_image(path.read_bytes()), self._qr_done)

    def _choose_qr_image(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Ảnh mã QR thẻ cũ"), "", self.tr("Ảnh (*.png *.jpg *.jpeg *.bmp)")
        )
        if name:
            self.read_qr_image(Path(name))

    def read_qr_camera(self) -> None:
        """Take a frame from the station's camera and decode the QR code in it (on the worker)."""
        devices = self.ctx.devices
        if devices is None:
            self.error_label.setText(self.tr("Trạm chưa có camera."))
            return
        service = self.ctx.service

        def grab() -> Prefill:
            import cv2

            camera = devices.open(DeviceKind.CAMERA)
            try:
                frame = camera.read()
            finally:
                camera.close()
            ok, png = cv2.imencode(".png", frame.image)
            if not ok:
                raise DeviceError("Không mã hóa được ảnh camera.", "Cannot encode the frame.")
            return service.prefill_from_qr_image(png.tobytes())

        self._run(grab, self._qr_done)

    def _qr_done(self, prefill: Prefill) -> None:
        self.qr_edit.clear()
        self.apply_prefill(prefill)
        if self.chip_read is None and all(
            e.text().strip()
            for e in (self.chip_number_edit, self.chip_dob_edit, self.chip_expiry_edit)
        ):
            self.read_chip(auto=True)  # no typing: the QR gave the access key

    def read_chip(self, auto: bool = False) -> None:
        """BAC or PACE with the number and dates (typed, or from the QR with the expiry by the
        law's renewal ages), then the chip's data groups (on the worker). ``auto`` (after a
        QR read): quietly nothing when the station has no reader or no card comes."""
        number = self.chip_number_edit.text().strip()
        dob = self.chip_dob_edit.text().strip()
        expiry = self.chip_expiry_edit.text().strip()
        can = self.chip_can_edit.text().strip() or None
        factory: Callable[[], CardReaderLike] = self.ctx.options.get("card_reader_factory") or (
            lambda: _default_reader(self.ctx)
        )
        service = self.ctx.service

        def read() -> ChipRead | str | None:
            reader = factory()
            try:
                if auto:
                    try:
                        if not reader.list_readers():
                            return None
                    except DeviceError:  # no smart-card service: nothing to read quietly
                        return None
                if not reader.wait_for_card(AUTO_CARD_WAIT_S if auto else CARD_WAIT_S):
                    if auto:
                        return NO_CARD
                    raise DeviceError(
                        "Chưa thấy thẻ trên đầu đọc; đặt thẻ lên rồi đọc lại.",
                        "No card on the reader; put the card on it and read again.",
                        field="card_reader",
                    )
                atr = reader.connect()
                return service.prefill_from_chip(reader.transmit, number, dob, expiry, atr, can)
            finally:
                with contextlib.suppress(StationError):
                    reader.disconnect()
                reader.close()

        self._run(read, self._chip_done)

    def _chip_done(self, read: ChipRead | str | None) -> None:
        if read == NO_CARD:
            self.error_label.setText(
                self.tr("Đặt thẻ lên đầu đọc rồi bấm «Đọc chip» (không cần nhập gì).")
            )
        if not isinstance(read, ChipRead):
            return
        self.chip_verdict = (read.ok, read.verdict)
        self.chip_read = read
        self.apply_prefill(read.prefill)

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        if self.busy:
            return
        self._set_busy(True)
        self.error_label.setText(self.tr("Đang đọc…"))

        def done(result: Any) -> None:
            self._set_busy(False)
            self.error_label.clear()
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self._failed(exc)

        self.ctx.worker.submit(fn, done, failed)

    def _failed(self, exc: BaseException) -> None:
        self.error_label.setText(self.ctx.error_text(exc))
        if isinstance(exc, BacError):  # the key was refused: the officer corrects the dates
            self.select_source("chip")
            self.chip_expiry_edit.setFocus()
            self.chip_expiry_edit.selectAll()

    def apply_prefill(self, prefill: Prefill) -> None:
        """Add a source's values: empty fields take them, differing ones are reported."""
        merged = merge(self.prefill_form, prefill)
        form = dict(merged.form)
        unmatched = {k: v for k, v in prefill.unmatched.items() if k not in form}
        if unmatched:
            form["_unmatched"] = {**form.get("_unmatched", {}), **unmatched}
        self.prefill_form = form
        self.conflicts.update(merged.conflicts)
        self._fill_access_key()
        self._show_prefill()

    def _fill_access_key(self) -> None:
        """A QR read or a list entry gives the chip's number and birth date, if not typed."""
        form = self.prefill_form
        number = form.get("id_number") or (form.get("previous_card") or {}).get("number")
        if number and not self.chip_number_edit.text().strip():
            self.chip_number_edit.setText(str(number))
        if form.get("date_of_birth") and not self.chip_dob_edit.text().strip():
            self.chip_dob_edit.setText(date_text(form["date_of_birth"]))
        if not self.chip_expiry_edit.text().strip():
            guess = self.ctx.service.chip_access_from_form(form)
            if guess is not None:
                self.chip_expiry_edit.setText(guess.date_of_expiry.strftime("%d/%m/%Y"))

    def _label_of(self, key: str) -> str:
        return self.ctx.label(LABELS.get(key, (key, key)))

    def _show_prefill(self) -> None:
        md = self.ctx.service.masterdata if self.prefill_form else None
        lines = []
        for key, value in self.prefill_form.items():
            if md is not None and not key.startswith("_"):
                text = describe_value(md, self.ctx.lang, value)
                lines.append(f"{self._label_of(key)}: {text}")
        self.summary_label.setText("\n".join(lines))
        self.summary_label.setVisible(bool(lines))
        notes = []
        for key, (kept, other) in self.conflicts.items():
            notes.append(
                self.tr("{field}: hai nguồn khác nhau — giữ «{kept}», bỏ qua «{other}».").format(
                    field=self._label_of(key), kept=str(kept), other=str(other)
                )
            )
        for key, text in dict(self.prefill_form.get("_unmatched", {})).items():
            notes.append(
                self.tr("{field}: chưa tự điền được, nhập tay theo «{text}».").format(
                    field=self._label_of(str(key)), text=text
                )
            )
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setVisible(bool(notes))
        if self.chip_verdict is None:
            self.verdict_label.hide()
        else:
            ok, verdict = self.chip_verdict
            status = self.chip_read.status if self.chip_read is not None else ""
            self.verdict_label.setObjectName(
                "warning" if not ok else "verdict_ok" if status == "ok" else "notes"
            )
            self.verdict_label.setStyleSheet(STYLE)
            self.verdict_label.setText(self.ctx.label(verdict))
            self.verdict_label.show()

    # --- start ---

    def start(self) -> None:
        """Create the draft with the values read, record a home visit, emit its id."""
        if self.busy:
            return
        service = self.ctx.service
        self.error_label.clear()
        if self.created_id is None:
            try:
                view = service.create_dossier(
                    self.case_type(),
                    form=self.prefill_form,
                    resident_id=self.resident_id,
                    chip=self.chip_read,
                )
            except StationError as exc:
                self._failed(exc)
                return
            self.created_id = view.id
        if self.home_visit_box.isChecked():
            try:
                service.set_capture_context(
                    self.created_id, home_visit=True, location=self.location_edit.text()
                )
            except StationError as exc:
                self._failed(exc)
                self.location_edit.setFocus()
                return
        dossier_id, self.created_id = self.created_id, None
        self.dossier_created.emit(dossier_id)
