"""The citizen's review: everything on one screen for the citizen to check, then sign and confirm.

The citizen reads the form (the CC01 intake record), sees the photo, the fingerprint summary and
the signature; what is still missing is listed with a button to its step. While the signature
is still to be made (or the data changed after signing), the main button records that the
citizen reviewed the record as it is now (``record_citizen_review``) and leads to the signature
step: the citizen signs what they reviewed. Once signed, "Confirm" marks the draft captured and
confirmed (the service checks completeness and the role rules) and prints the appointment slip:
a PDF in the session's private folder, and the default printer when the machine has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station import form_view, scratch
from station.appointment import AppointmentSlip
from station.capture.completeness import Missing
from station.dossier import DossierView, PartKind
from station.errors import StationError
from station.lifecycle import STATE_LABELS, State
from ui import intake_record_pdf, receipt
from ui.context import UiContext
from ui.dossier_view import while_alive
from ui.qt import (
    QDesktopServices,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QImage,
    QLabel,
    QMessageBox,
    QPixmap,
    QPushButton,
    QScrollArea,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)

STEP_OF_KIND = {
    "form": "form",
    PartKind.FACE.value: "photo",
    PartKind.FINGERPRINT.value: "fingers",
    PartKind.ROLLED_PRINT.value: "rolled",
    PartKind.IRIS.value: "iris",
    PartKind.SIGNATURE.value: "signature",
    PartKind.DOCUMENT.value: "documents",
}


def receipt_dir(ctx: UiContext) -> Path:
    """Where slips are written: the folder the window chose, else a private temporary one."""
    folder = ctx.options.get("receipt_dir")
    if folder is None:
        folder = scratch.private_dir(ctx.service.paths, "slips")
        ctx.options["receipt_dir"] = folder
    return Path(folder)


class ConfirmPage(QWidget):
    """Review and confirmation by the citizen; prints the appointment slip."""

    changed = Signal()
    go_to_step = Signal(str)
    finished = Signal()
    slip_written = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dossier_id: str | None = None
        self.slip_path: Path | None = None
        self.record_path: Path | None = None  # the intake record (CC01) beside the slip
        self._slip: AppointmentSlip | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        title = QLabel(self.tr("Công dân kiểm tra thông tin và xác nhận"), self)
        title.setObjectName("subtitle")
        layout.addWidget(title)

        self.missing_box = QFrame(self)
        self.missing_box.setObjectName("card")
        self.missing_layout = QVBoxLayout(self.missing_box)
        layout.addWidget(self.missing_box)

        body = QHBoxLayout()
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.form_widget = QWidget(self.scroll_area)
        self.form_layout = QFormLayout(self.form_widget)
        self.form_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.scroll_area.setWidget(self.form_widget)
        body.addWidget(self.scroll_area, 3)

        media = QVBoxLayout()
        self.photo_label = QLabel(self)
        self.photo_label.setFixedSize(160, 240)
        self.photo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_label.setFrameShape(QFrame.Shape.Box)
        media.addWidget(self.photo_label, 0, Qt.AlignmentFlag.AlignHCenter)
        self.fingers_label = QLabel(self)
        self.fingers_label.setWordWrap(True)
        media.addWidget(self.fingers_label)
        self.signature_label = QLabel(self)
        self.signature_label.setFixedSize(240, 80)
        self.signature_label.setFrameShape(QFrame.Shape.Box)
        self.signature_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        media.addWidget(self.signature_label, 0, Qt.AlignmentFlag.AlignHCenter)
        self.documents_label = QLabel(self)
        self.documents_label.setWordWrap(True)
        media.addWidget(self.documents_label)
        media.addStretch(1)
        body.addLayout(media, 1)
        layout.addLayout(body, 1)

        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        actions = QHBoxLayout()
        self.confirm_button = QPushButton(self.tr("Công dân xác nhận — in &giấy hẹn"), self)
        self.confirm_button.setObjectName("primary")
        self.open_button = QPushButton(self.tr("&Mở giấy hẹn"), self)
        self.print_button = QPushButton(self.tr("&In lại"), self)
        self.save_button = QPushButton(self.tr("&Lưu bản PDF…"), self)
        self.done_button = QPushButton(self.tr("&Xong"), self)
        for b in (
            self.confirm_button,
            self.open_button,
            self.print_button,
            self.save_button,
            self.done_button,
        ):
            actions.addWidget(b)
        actions.addStretch(1)
        layout.addLayout(actions)
        self._needs_signature = False  # the main button leads to signing, not to confirming
        self._reviewing = False  # the citizen's review is being recorded on the worker
        self._loading: object | None = None  # the current read of the dossier on the worker
        self.confirm_button.clicked.connect(self._main_action)
        self.open_button.clicked.connect(self._open_slip)
        self.print_button.clicked.connect(self._print_again)
        self.save_button.clicked.connect(self._save_copy)
        self.done_button.clicked.connect(self.done)

    # --- page contract ------------------------------------------------------------------------

    def load(self, dossier_id: str) -> None:
        self.dossier_id = dossier_id
        self.slip_path = None
        self._slip = None
        self._loading = None
        self.status_label.clear()

    def leave(self) -> None:
        """Nothing to save: this page only shows and confirms."""

    def stop(self) -> None:
        """No device or thread to stop."""

    # --- content ------------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        """The dossier is being read on the worker (the page shows it when it arrives)."""
        return self._loading is not None

    def refresh(self) -> None:
        """Read the dossier on the worker (store reads, the portrait and signature decoded
        there), then show it; the main button waits for it."""
        if self.dossier_id is None:
            return
        dossier_id = self.dossier_id
        svc = self.ctx.service
        lang = self.ctx.lang
        self._loading = request = object()
        self.confirm_button.setEnabled(False)

        def gather() -> ReviewData:
            view = svc.get_dossier(dossier_id)
            draft = view.state == State.DRAFT
            missing = svc.missing_captures(dossier_id) if draft else []
            problems = svc.dossier_form_problems(dossier_id) if draft else []
            info = svc.capture_info(dossier_id)
            kinds = {p.kind for p in view.parts}
            face = svc.part_data(dossier_id, PartKind.FACE.value) if PartKind.FACE in kinds else b""
            sig = (
                svc.part_data(dossier_id, PartKind.SIGNATURE.value)
                if PartKind.SIGNATURE in kinds
                else b""
            )
            return ReviewData(
                view,
                missing,
                len(problems),
                info,
                form_view.rows(view.form, svc.masterdata, lang),
                QImage.fromData(face) if face else None,
                QImage.fromData(sig) if sig else None,
            )

        def shown(data: ReviewData) -> None:
            if self._loading is request:
                self._loading = None
                self._show_data(data)

        def failed(exc: BaseException) -> None:
            if self._loading is request:
                self._loading = None
                self.status_label.setText(self.ctx.error_text(exc))

        self.ctx.worker.submit(gather, while_alive(self, shown), while_alive(self, failed))

    def _show_data(self, data: ReviewData) -> None:
        view, missing = data.view, data.missing
        draft = view.state == State.DRAFT
        # The signature comes after this review: it is not listed as missing here, the main
        # button leads to it once nothing else is missing.
        unsigned = any(m.kind == PartKind.SIGNATURE for m in missing)
        missing = [m for m in missing if m.kind != PartKind.SIGNATURE]
        self._show_missing(missing, data.form_problems)
        self._show_form(data.rows)
        self._show_image(self.photo_label, data.face, self.tr("Chưa có ảnh"))
        self._show_image(self.signature_label, data.signature, self.tr("Chưa có chữ ký"))
        self._show_fingers(view.parts, data.info)
        docs = [p for p in view.parts if p.kind == PartKind.DOCUMENT]
        self.documents_label.setText(
            self.tr("Giấy tờ kèm theo: {n} trang").format(n=len(docs)) if docs else ""
        )
        confirmed = view.state not in (State.DRAFT, State.CAPTURED)
        can_confirm = (draft and not missing and not data.form_problems) or (
            view.state == State.CAPTURED
        )
        self._needs_signature = draft and unsigned
        if self._needs_signature:
            self.confirm_button.setText(self.tr("Thông tin đúng — mời công dân &ký"))
        else:
            self.confirm_button.setText(self.tr("Công dân xác nhận — in &giấy hẹn"))
        self.confirm_button.setEnabled(can_confirm)
        self.confirm_button.setVisible(not confirmed)
        has_slip = confirmed and view.state != State.NEEDS_RECAPTURE
        for b in (self.open_button, self.print_button, self.save_button):
            b.setVisible(has_slip)
        if confirmed and not self.status_label.text():
            state = self.ctx.label(STATE_LABELS[view.state])
            self.status_label.setText(
                self.tr("Hồ sơ đang ở trạng thái: {state}.").format(state=state)
            )

    def _show_missing(self, missing: list[Missing], form_problems: int) -> None:
        while self.missing_layout.count():
            item = self.missing_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.missing_box.setVisible(bool(missing or form_problems))
        if form_problems:
            self._missing_row(
                self.tr("Thông tin công dân còn {n} lỗi.").format(n=form_problems), "form"
            )
        for m in missing:
            text = m.en if self.ctx.lang == "en" else m.vi
            self._missing_row(text, STEP_OF_KIND.get(str(m.kind), "form"))

    def _missing_row(self, text: str, step: str) -> None:
        row = QWidget(self.missing_box)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        label = QLabel("• " + text, row)
        label.setObjectName("error")
        label.setWordWrap(True)
        button = QPushButton(self.tr("Đi tới bước này"), row)
        button.clicked.connect(lambda: self.go_to_step.emit(step))
        line.addWidget(label, 1)
        line.addWidget(button)
        self.missing_layout.addWidget(row)

    def _show_form(self, rows: list[tuple[str, str]]) -> None:
        while self.form_layout.rowCount():
            self.form_layout.removeRow(0)
        for key, value in rows:
            name = QLabel(key + ":", self.form_widget)
            text = QLabel(value, self.form_widget)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            font = text.font()
            font.setBold(True)
            text.setFont(font)
            self.form_layout.addRow(name, text)

    def _show_image(self, target: QLabel, image: QImage | None, empty: str) -> None:
        if image is None or image.isNull():
            target.setPixmap(QPixmap())
            target.setText(empty)
            return
        target.setPixmap(
            QPixmap.fromImage(image).scaled(
                target.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _show_fingers(self, parts: tuple[Any, ...], info: dict[str, Any]) -> None:
        prints = [p for p in parts if p.kind == PartKind.FINGERPRINT]
        scores = [
            int(p.meta["quality"]) for p in prints if isinstance(p.meta.get("quality"), int | float)
        ]
        exceptions = [k for k in info.get("exceptions", {}) if k.startswith("fingerprint/")]
        text = self.tr("Vân tay: {n}/10 ngón").format(n=len(prints))
        if scores:
            text += self.tr(", chất lượng thấp nhất {low}").format(low=min(scores))
        if exceptions:
            text += self.tr(", {n} ngoại lệ").format(n=len(exceptions))
        self.fingers_label.setText(text)

    # --- confirmation -------------------------------------------------------------------------

    def done(self) -> None:
        """Leave the dossier; one not yet confirmed by the citizen is left only when the officer
        says so (it stays saved as a draft in the queue)."""
        if self.dossier_id is not None:
            try:
                state = self.ctx.service.get_dossier(self.dossier_id).state
            except StationError:
                state = None
            if state in (State.DRAFT, State.CAPTURED) and not self.ask_leave_unconfirmed():
                return
        self.finished.emit()

    def ask_leave_unconfirmed(self) -> bool:
        """Ask before leaving a dossier the citizen has not confirmed."""
        answer = QMessageBox.question(
            self,
            self.tr("Hồ sơ chưa được xác nhận"),
            self.tr(
                "Công dân chưa xác nhận hồ sơ này. Hồ sơ vẫn được lưu và mở lại được từ hàng đợi."
                "\n\nRời hồ sơ bây giờ?"
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _main_action(self) -> None:
        if self._needs_signature:
            self.review_then_sign()
        else:
            self.confirm()

    def review_then_sign(self) -> None:
        """The citizen checked the record as it is now: record it, and go to the signature."""
        if self.dossier_id is None or self._reviewing:
            return
        dossier_id = self.dossier_id
        svc = self.ctx.service
        self._reviewing = True
        self.confirm_button.setEnabled(False)

        def reviewed(_result: object) -> None:
            self._reviewing = False
            if dossier_id != self.dossier_id:
                return  # another dossier was opened meanwhile (its own refresh set the button)
            self.confirm_button.setEnabled(True)
            self.status_label.clear()
            self.go_to_step.emit("signature")

        def failed(exc: BaseException) -> None:
            self._reviewing = False
            if dossier_id == self.dossier_id:
                self.refresh()
                self.status_label.setText(self.ctx.error_text(exc))

        # A store write: on the worker (the signature page comes once it is recorded).
        self.ctx.worker.submit(
            lambda: svc.record_citizen_review(dossier_id),
            while_alive(self, reviewed),
            while_alive(self, failed),
        )

    def confirm(self) -> None:
        """Mark captured and confirmed on the worker, then write (and print) the slip there."""
        if self.dossier_id is None:
            return
        dossier_id = self.dossier_id
        svc = self.ctx.service
        self.confirm_button.setEnabled(False)
        self.status_label.setText(self.tr("Đang xác nhận…"))

        lang = self.ctx.lang
        folder = receipt_dir(self.ctx)

        def work() -> tuple[AppointmentSlip, Path | OSError]:
            if svc.get_dossier(dossier_id).state == State.DRAFT:
                svc.mark_captured(dossier_id)
            svc.confirm(dossier_id)
            slip = svc.appointment_slip(dossier_id)
            record = svc.intake_record(dossier_id, lang)
            path = folder / f"phieu-thu-nhan-{record.dossier_number}.pdf"
            try:
                return slip, intake_record_pdf.write_pdf(record, path, lang)
            except OSError as exc:
                return slip, exc

        self.ctx.worker.submit(
            work, while_alive(self, self._confirmed_with_record), while_alive(self, self._failed)
        )

    def _failed(self, exc: BaseException) -> None:
        self.status_label.setText(self.ctx.error_text(exc))
        self.refresh()

    def _confirmed_with_record(self, result: tuple[AppointmentSlip, Path | OSError]) -> None:
        slip, record = result
        self._confirmed(slip)
        if isinstance(record, OSError):
            self.status_label.setText(
                self.tr("Không ghi được phiếu thu nhận: {error}").format(error=str(record))
            )
            return
        self.record_path = record

    def _confirmed(self, slip: AppointmentSlip) -> None:
        self._slip = slip
        self.changed.emit()
        self.status_label.clear()
        self.refresh()
        self._write_slip(slip)

    def _write_slip(
        self, slip: AppointmentSlip, then: Callable[[Path], None] | None = None
    ) -> None:
        """Write the slip's PDF and send it to the default printer, on the worker (a file, a
        printer and a store write: never on the window's thread); ``then`` gets the PDF."""
        path = receipt_dir(self.ctx) / f"giay-hen-{slip.dossier_number}.pdf"
        lang = self.ctx.lang
        svc = self.ctx.service
        dossier_id = self.dossier_id or ""

        def work() -> SlipOutcome:
            try:
                receipt.write_pdf(slip, path, lang)
            except OSError as exc:
                return SlipOutcome(path, None, False, str(exc))
            printer = receipt.default_printer()
            printed = printer is not None and receipt.print_slip(slip, printer, lang)
            svc.record("slip.printed", dossier_id, {"printer": bool(printed)})
            return SlipOutcome(path, printer, printed)

        def done(outcome: SlipOutcome) -> None:
            self._slip_written(outcome)
            if then is not None and outcome.error is None:
                then(outcome.path)

        self.ctx.worker.submit(
            work,
            while_alive(self, done),
            while_alive(self, lambda exc: self.status_label.setText(self.ctx.error_text(exc))),
        )

    def _slip_written(self, outcome: SlipOutcome) -> None:
        if outcome.error is not None:
            self.status_label.setText(
                self.tr("Không ghi được giấy hẹn: {error}").format(error=outcome.error)
            )
            return
        self.slip_path = outcome.path
        self.slip_written.emit(str(outcome.path))
        if outcome.printed:
            note = self.tr("Đã xác nhận. Giấy hẹn đã gửi tới máy in {printer}.").format(
                printer=outcome.printer
            )
        else:
            note = self.tr("Đã xác nhận. Máy này không có máy in: giấy hẹn đã lưu thành PDF.")
        self.status_label.setText(note)

    def _ensure_slip(self) -> AppointmentSlip | None:
        if self._slip is None and self.dossier_id is not None:
            try:
                self._slip = self.ctx.service.appointment_slip(self.dossier_id)
            except StationError as exc:
                self.status_label.setText(self.ctx.error_text(exc))
        return self._slip

    def _open_slip(self) -> None:
        slip = self._ensure_slip()
        if slip is None:
            return
        if self.slip_path is None or not self.slip_path.exists():
            self._write_slip(slip, _open_file)
        else:
            _open_file(self.slip_path)

    def _print_again(self) -> None:
        slip = self._ensure_slip()
        if slip is not None:
            self._write_slip(slip)

    def _save_copy(self) -> None:
        slip = self._ensure_slip()
        if slip is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Lưu giấy hẹn"),
            f"giay-hen-{slip.dossier_number}.pdf",
            self.tr("Tệp PDF (*.pdf)"),
        )
        if name:
            lang = self.ctx.lang
            self.ctx.worker.submit(
                lambda: receipt.write_pdf(slip, Path(name), lang),
                None,
                while_alive(self, lambda exc: self.status_label.setText(str(exc))),
            )


@dataclass(frozen=True)
class SlipOutcome:
    """What writing (and printing) the slip on the worker gave."""

    path: Path
    printer: str | None
    printed: bool
    error: str | None = None  # the file could not be written


def _open_file(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


@dataclass(frozen=True)
class ReviewData:
    """What the review shows, read (and its images decoded) on the worker."""

    view: DossierView
    missing: list[Missing]
    form_problems: int
    info: dict[str, Any]
    rows: list[tuple[str, str]]
    face: QImage | None
    signature: QImage | None
