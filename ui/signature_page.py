"""The signature page of the new-dossier wizard.

The signer (the citizen, or their legal representative, as the core's age rules say) signs on
the canvas with a mouse, a pen or a tablet, or on a signature pad device from the registry.
"Save" hands the strokes to ``service.save_signature``, which refuses an empty, short or
straight signature with a message shown beside the pad; nothing drawn is lost on a refusal.
A signature from a pad device is saved as soon as it arrives. "Unable to sign" records the
capture exception with its reason (``record_capture_exception``). A resumed draft shows the
saved signature, or the exception recorded.

The citizen signs what they reviewed: until the review step recorded a review of the data as it
is now (``citizen_reviewed``), the pad takes no ink and says so; the core refuses such a
signature anyway. After signing, "Confirm" (``confirm_requested``) hands over to the review
page, which marks the dossier confirmed and prints the slip.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Final

from station.capture.completeness import EXCEPTION_LABELS, ExceptionKind
from station.devices import DeviceError, DeviceKind, StrokePoint
from station.devices import SignaturePad as SignatureDevice
from station.errors import StationError
from ui.context import UiContext
from ui.dossier_view import while_alive
from ui.exception_dialog import ExceptionDialog
from ui.qt import (
    QCoreApplication,
    QFont,
    QHBoxLayout,
    QImage,
    QKeySequence,
    QLabel,
    QPushButton,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    Slot,
)
from ui.signature_pad import SignaturePad
from ui.workers import DevicePrompter

log = logging.getLogger(__name__)

#: Where the signature lives in the dossier: the rendered image and the raw strokes.
PART: Final = "signature"
STROKES_SLOT: Final = "strokes"
EXCEPTION_KEY: Final = "signature/"


def strokes_from_json(data: bytes) -> list[list[StrokePoint]]:
    """The raw strokes as the core keeps them (``[[[x, y, pressure, t_ms], ...], ...]``)."""
    doc = json.loads(data)
    return [
        [StrokePoint(float(x), float(y), float(p), int(t)) for x, y, p, t in stroke]
        for stroke in doc
    ]


class SignaturePage(QWidget):
    """Wizard page: the signature, or the record that the signer cannot sign.

    Integration: ``load(dossier_id)`` when shown, ``leave()`` before moving away or locking
    (saves ink not yet saved, when the core accepts it), ``stop()`` (cancels a pad device);
    ``changed`` is emitted after a signature or an exception is saved.
    """

    changed = Signal()
    confirm_requested = Signal()

    EMPTY: Final = "empty"  # no dossier loaded
    DRAWING: Final = "drawing"  # the pad takes ink
    DEVICE: Final = "device"  # waiting for a signature pad device
    SAVING: Final = "saving"
    SAVED: Final = "saved"  # the dossier holds the signature shown
    EXCEPTION: Final = "exception"  # "unable to sign" is recorded
    NOT_REQUIRED: Final = "not_required"
    NEEDS_REVIEW: Final = "needs_review"  # the citizen has not reviewed the current data

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._dossier_id: str | None = None
        self._has_saved = False
        self._saving = False
        self._reviewed = False  # the core says the citizen reviewed the data as it is now
        self._stale = False  # the saved signature no longer confirms the data
        self._prompter: DevicePrompter | None = None
        self.exception_dialog: ExceptionDialog | None = None
        self.mode = self.EMPTY
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)

        self.title_label = QLabel(self.tr("Chữ ký"), self)
        self.title_label.setObjectName("subtitle")
        layout.addWidget(self.title_label)

        self.signer_label = QLabel(self)
        self.signer_label.setWordWrap(True)
        signer_font = QFont(self.signer_label.font())
        signer_font.setPointSize(signer_font.pointSize() + 2)
        signer_font.setBold(True)
        self.signer_label.setFont(signer_font)
        layout.addWidget(self.signer_label)

        self.instruction_label = QLabel(self)
        self.instruction_label.setWordWrap(True)
        layout.addWidget(self.instruction_label)

        self.pad = SignaturePad(self)
        self.pad.ink_changed.connect(self._ink_changed)
        layout.addWidget(self.pad, 1)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)

        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        buttons = QHBoxLayout()
        self.save_button = QPushButton(self.tr("&Lưu chữ ký [Ctrl+S]"), self)
        self.save_button.clicked.connect(self.save)
        self.clear_button = QPushButton(self.tr("&Xóa, ký lại [Del]"), self)
        self.clear_button.clicked.connect(self.clear)
        self.device_button = QPushButton(self.tr("Ký trên &bảng ký"), self)
        self.device_button.setToolTip(self.tr("Dùng thiết bị bảng ký điện tử nối với trạm"))
        self.device_button.clicked.connect(self.sign_on_device)
        self.unable_button = QPushButton(self.tr("&Không ký được…"), self)
        self.unable_button.clicked.connect(self.unable_to_sign)
        for button in (self.save_button, self.clear_button):
            button.setMinimumHeight(40)
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.device_button, self.unable_button):
            button.setMinimumHeight(40)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.confirm_button = QPushButton(self.tr("Xác nhận — in giấy &hẹn"), self)
        self.confirm_button.setObjectName("primary")
        self.confirm_button.setMinimumHeight(40)
        self.confirm_button.clicked.connect(self.confirm_requested)
        layout.addWidget(self.confirm_button, 0, Qt.AlignmentFlag.AlignRight)

        for key, slot in ((QKeySequence.StandardKey.Save, self.save),):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        clear_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Delete), self)
        clear_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        clear_shortcut.activated.connect(self.clear)
        self._apply_mode(self.EMPTY)

    def _apply_mode(self, mode: str) -> None:
        self.mode = mode
        loaded = mode != self.EMPTY
        busy = mode in (self.DEVICE, self.SAVING)
        waiting = mode == self.NEEDS_REVIEW
        self.pad.set_read_only(mode != self.DRAWING)
        self.save_button.setEnabled(mode == self.DRAWING and self.pad.has_ink())
        self.clear_button.setEnabled(
            loaded and not busy and not waiting and mode != self.NOT_REQUIRED and self._reviewed
        )
        self.device_button.setEnabled(
            loaded and not busy and not waiting and self._reviewed and self._ctx.devices is not None
        )
        self.unable_button.setEnabled(loaded and not busy)
        done = mode in (self.SAVED, self.EXCEPTION, self.NOT_REQUIRED) and not self._stale
        self.confirm_button.setVisible(done)
        if waiting:
            self.instruction_label.setText(
                self.tr(
                    "Công dân ký sau khi đã kiểm tra phiếu thu nhận: quay lại bước «Công dân "
                    "kiểm tra», rồi ký."
                )
            )
        elif mode == self.DRAWING:
            self.instruction_label.setText(
                self.tr("Ký vào khung bằng bút hoặc chuột, rồi bấm «Lưu chữ ký».")
            )
        elif mode == self.DEVICE:
            self.instruction_label.setText(self.tr("Mời ký trên bảng ký…"))
        elif mode == self.SAVED:
            self.instruction_label.setText(self.tr("Chữ ký đã lưu. Bấm «Xóa, ký lại» để ký lại."))
        else:
            self.instruction_label.clear()

    # -- the wizard page contract

    def load(self, dossier_id: str) -> None:
        """Show who signs and what the dossier holds: the signature, or the exception."""
        self.stop()
        if self._saving and dossier_id == self._dossier_id:
            # Back on the page while the ink handed to the worker on leaving is being saved:
            # it stays on the pad, and the save's result lands here.
            self._apply_mode(self.SAVING)
            return
        self._dossier_id = dossier_id
        self._has_saved = False
        self._saving = False
        self._reviewed = self._stale = False
        self._show_error("")
        self.status_label.clear()
        self.pad.clear()
        service = self._ctx.service
        try:
            view = service.get_dossier(dossier_id)
            self._reviewed = service.citizen_reviewed(dossier_id)
            # A stored signature the core lists as missing no longer confirms the data.
            signed = any(p.kind == PART and not p.slot for p in view.parts)
            gaps = service.missing_captures(dossier_id)
            self._stale = signed and any(m.kind == PART for m in gaps)
            capture = service.capture_info(dossier_id)
            required = service.captures_required(view.form)
            slots = {p.slot for p in view.parts if p.kind == PART}
            strokes_data = (
                service.part_data(dossier_id, PART, STROKES_SLOT)
                if (STROKES_SLOT in slots)
                else None
            )
            png = service.part_data(dossier_id, PART) if "" in slots else None
        except StationError as exc:
            self._apply_mode(self.EMPTY)
            self._show_error(self._ctx.error_text(exc))
            return
        self._show_signer(required.signer if required is not None else None, view.form)
        exception = capture.get("exceptions", {}).get(EXCEPTION_KEY)
        if png is not None:
            self._has_saved = True
            if strokes_data is not None:
                self.pad.set_strokes(strokes_from_json(strokes_data))
            else:
                self.pad.set_image(QImage.fromData(png))
            if self._stale and not self._reviewed:
                self._apply_mode(self.NEEDS_REVIEW)
            else:
                self._apply_mode(self.SAVED)
            if self._stale:
                self.status_label.setText(
                    self.tr(
                        "Thông tin đã sửa sau khi ký: chữ ký này không còn xác nhận hồ sơ. "
                        "Công dân kiểm tra lại rồi ký lại."
                    )
                )
            else:
                self.status_label.setText(self.tr("Chữ ký đã lưu trong hồ sơ."))
        elif isinstance(exception, dict):
            self._show_exception(exception)
        elif required is not None and not required.signature:
            self._apply_mode(self.NOT_REQUIRED)
            self.status_label.setText(self.tr("Hồ sơ này không cần chữ ký."))
        elif not self._reviewed:
            self._apply_mode(self.NEEDS_REVIEW)
        else:
            self._apply_mode(self.DRAWING)

    def leave(self) -> None:
        """Cancel a pad device and save ink not yet saved (when the core accepts it), on the
        worker, never on the window's thread: a save in flight goes on, ``changed`` tells the
        wizard when it is stored; a refusal leaves the ink on the pad, with the reason. Logout
        and exit wait for the worker before closing the session."""
        self.stop()
        if self._saving:
            return
        if self.mode != self.DRAWING or not self.pad.strokes() or self._dossier_id is None:
            return
        self._submit_save(self.pad.strokes())

    def stop(self) -> None:
        """Cancel a signature pad device that is waiting (idempotent)."""
        if self._prompter is not None:
            self._prompter.cancel()

    # -- actions

    @Slot()
    def save(self) -> None:
        """Save the drawn signature (Ctrl+S); the core's refusal is shown beside the pad."""
        if self.mode != self.DRAWING or self._dossier_id is None:
            return
        strokes = self.pad.strokes()
        if not strokes:
            self._show_error(self.tr("Chưa có nét ký nào trong khung."))
            return
        self._submit_save(strokes)

    @Slot()
    def clear(self) -> None:
        """Wipe the pad and take new ink (Del); a saved signature stays until replaced."""
        if self.mode in (self.EMPTY, self.DEVICE, self.SAVING, self.NOT_REQUIRED):
            return
        if not self._reviewed:
            return  # the citizen reviews the data first
        self.pad.clear()
        self._show_error("")
        self._apply_mode(self.DRAWING)
        if self._has_saved:
            self.status_label.setText(
                self.tr("Chữ ký đã lưu vẫn được giữ cho đến khi lưu chữ ký mới.")
            )
        else:
            self.status_label.clear()

    @Slot()
    def sign_on_device(self) -> None:
        """Take the signature from the registry's signature pad device, and save it."""
        devices = self._ctx.devices
        if devices is None or self._dossier_id is None:
            return
        if self.mode in (self.DEVICE, self.SAVING, self.EMPTY) or not self._reviewed:
            return
        self._show_error("")
        self.pad.clear()
        self._apply_mode(self.DEVICE)
        prompter = DevicePrompter(self)
        prompter.message.connect(self._device_message)
        self._prompter = prompter
        dossier_id = self._dossier_id

        def capture() -> list[list[StrokePoint]]:
            device: SignatureDevice = devices.open(DeviceKind.SIGNATURE)
            strokes = device.capture(prompter)
            if prompter.cancelled():
                raise DeviceError(
                    "Đã hủy ký trên bảng ký.", "Signing on the pad was cancelled.", field=PART
                )
            return strokes

        self._ctx.worker.submit(
            capture,
            while_alive(self, lambda strokes: self._device_done(dossier_id, prompter, strokes)),
            while_alive(self, lambda error: self._device_failed(dossier_id, prompter, error)),
        )

    @Slot()
    def unable_to_sign(self) -> None:
        """Open the exception dialog: the signer cannot sign, and why."""
        dossier_id = self._dossier_id
        if dossier_id is None or self.mode in (self.DEVICE, self.SAVING, self.EMPTY):
            return
        service = self._ctx.service

        def submit(kind: str, reason: str) -> None:
            service.record_capture_exception(dossier_id, PART, "", kind, reason)

        subject = QCoreApplication.translate("SignaturePage", "chữ ký")
        dialog = ExceptionDialog(self._ctx, subject, [ExceptionKind.UNABLE_TO_SIGN], submit, self)
        dialog.accepted.connect(lambda: self._exception_recorded(dossier_id))
        dialog.finished.connect(dialog.deleteLater)
        self.exception_dialog = dialog
        dialog.open()

    # -- background outcomes

    def _submit_save(self, strokes: list[list[StrokePoint]]) -> None:
        dossier_id = self._dossier_id
        if dossier_id is None:
            return
        self._show_error("")
        self._saving = True
        self._apply_mode(self.SAVING)
        self.status_label.setText(self.tr("Đang lưu chữ ký…"))
        service = self._ctx.service
        self._ctx.worker.submit(
            lambda: service.save_signature(dossier_id, strokes),
            while_alive(self, lambda _result: self._save_done(dossier_id)),
            while_alive(self, lambda error: self._save_failed(dossier_id, error)),
        )

    def _save_done(self, dossier_id: str) -> None:
        self._saving = False
        if dossier_id == self._dossier_id:
            self._saved()

    def _saved(self) -> None:
        self._has_saved = True
        self._stale = False
        self._show_error("")
        self._apply_mode(self.SAVED)
        self.status_label.setText(self.tr("Đã lưu chữ ký vào hồ sơ."))
        self.changed.emit()

    def _save_failed(self, dossier_id: str, error: BaseException) -> None:
        self._saving = False
        if dossier_id != self._dossier_id:
            return
        self._apply_mode(self.DRAWING)  # the ink stays on the pad
        self.status_label.clear()
        self._show_error(self._ctx.error_text(error))

    def _device_message(self, vi: str, en: str) -> None:
        if self.mode == self.DEVICE:
            self.status_label.setText(self._ctx.label((vi, en)))

    def _device_done(
        self, dossier_id: str, prompter: DevicePrompter, strokes: list[list[StrokePoint]]
    ) -> None:
        if prompter is self._prompter:
            self._prompter = None
        prompter.deleteLater()
        if dossier_id != self._dossier_id or self.mode != self.DEVICE:
            return
        self.pad.set_strokes(strokes)
        self._apply_mode(self.DRAWING)
        self._submit_save(self.pad.strokes())

    def _device_failed(
        self, dossier_id: str, prompter: DevicePrompter, error: BaseException
    ) -> None:
        if prompter is self._prompter:
            self._prompter = None
        prompter.deleteLater()
        if dossier_id != self._dossier_id or self.mode != self.DEVICE:
            return
        self._apply_mode(self.DRAWING)
        self.status_label.clear()
        self._show_error(self._ctx.error_text(error))

    def _exception_recorded(self, dossier_id: str) -> None:
        self.exception_dialog = None
        if dossier_id != self._dossier_id:
            return
        try:
            capture = self._ctx.service.capture_info(dossier_id)
        except StationError as exc:
            self._show_error(self._ctx.error_text(exc))
            return
        exception = capture.get("exceptions", {}).get(EXCEPTION_KEY)
        self._has_saved = False  # recording the exception removed a saved signature image
        self._stale = False
        self.pad.clear()
        self._show_exception(exception if isinstance(exception, dict) else {})
        self.changed.emit()

    # -- showing

    def _show_signer(self, signer: str | None, form: dict[str, Any]) -> None:
        if signer == "legal_representative":
            name = next(
                (
                    str(rel.get("full_name") or "")
                    for rel in form.get("relatives") or []
                    if isinstance(rel, dict) and rel.get("relation") == "legal_representative"
                ),
                "",
            )
            text = self.tr("Người ký: người đại diện hợp pháp của công dân")
            if name:
                text += f" — {name}"
        elif signer == "citizen":
            text = self.tr("Người ký: công dân")
            name = str(form.get("full_name") or "")
            if name:
                text += f" — {name}"
        else:
            text = self.tr(
                "Chưa có ngày sinh: chưa xác định được ai ký (công dân hay người đại diện)."
            )
        self.signer_label.setText(text)

    def _show_exception(self, exception: dict[str, Any]) -> None:
        self._apply_mode(self.EXCEPTION)
        label = self._ctx.label(EXCEPTION_LABELS[ExceptionKind.UNABLE_TO_SIGN])
        reason = str(exception.get("reason") or "")
        text = self.tr("Đã ghi ngoại lệ: %1. Lý do: %2").replace("%1", label).replace("%2", reason)
        self.status_label.setText(text)
        self.instruction_label.setText(
            self.tr("Nếu người ký ký được, bấm «Xóa, ký lại» rồi ký: chữ ký thay cho ngoại lệ.")
        )

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _ink_changed(self) -> None:
        if self.mode == self.DRAWING:
            self.save_button.setEnabled(bool(self.pad.strokes()))
            if self.error_label.isVisibleTo(self) and self.pad.strokes():
                self._show_error("")
