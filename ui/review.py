"""Supervisor review: the dossiers waiting for approval, each shown whole, approved and sealed on
the worker, or sent back with a reason.

Every decision is the core's: what is still missing for approval
(``missing_captures(for_approval=True)``), who may approve (a supervisor, never their own
capture), whether a reason is given, whether a home-visit background may be accepted. The screen
shows the core's answer. Sealing encrypts the dossier to the receiver: once it is done the
station can no longer read it, so it runs on the worker behind a progress bar.
"""

from __future__ import annotations

from station.devices import FINGER_LABELS, Finger
from station.dossier import DossierView as DossierRecord
from station.errors import StationError
from station.lifecycle import State
from station.service import StationService
from ui.chip_panels import ChipVerdictPanel
from ui.context import UiContext
from ui.dossier_view import DossierView, while_alive
from ui.qt import (
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.widgets import screen_frame

#: The states listed: waiting for the supervisor, or approved and waiting for the seal (a seal
#: that failed is retried from here).
LISTED = (State.CONFIRMED, State.APPROVED)


def approve_and_seal(
    service: StationService, dossier_id: str, state: State, password: str | None = None
) -> str:
    """Re-check the supervisor's password (when given), approve (unless already approved),
    then seal; the packet id. Runs on the worker."""
    if password is not None:
        service.reauthenticate(password)
    if state == State.CONFIRMED:
        service.approve(dossier_id)
    return service.seal(dossier_id)


class ReviewScreen(QWidget):
    """The approval list on the left, the selected dossier and the decisions on the right."""

    back_requested = Signal()
    #: A dossier was approved and sealed (dossier id, packet id).
    sealed = Signal(str, str)
    #: A dossier was sent back for recapture (dossier id).
    sent_back = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dossiers: list[DossierRecord] = []
        self._busy = False

        layout, self.back_button = screen_frame(self, self.tr("Phê duyệt hồ sơ"), spacing=8)
        self.back_button.clicked.connect(self.back_requested)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(splitter)
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        list_label = QLabel(self.tr("&Hồ sơ chờ phê duyệt"), left)
        self.list = QListWidget(left)
        list_label.setBuddy(self.list)
        self.empty_label = QLabel(self.tr("Không có hồ sơ nào chờ phê duyệt."), left)
        self.empty_label.setWordWrap(True)
        left_column.addWidget(list_label)
        left_column.addWidget(self.list, 1)
        left_column.addWidget(self.empty_label)
        splitter.addWidget(left)

        right = QWidget(splitter)
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(8, 0, 0, 0)
        # Alarms, best-effort prints and overrides: listed above everything else.
        self.gate_label = QLabel(right)
        self.gate_label.setObjectName("error")
        self.gate_label.setWordWrap(True)
        self.gate_label.hide()
        right_column.addWidget(self.gate_label)
        self.view = DossierView(ctx, right, actions=True)
        right_column.addWidget(self.view, 1)

        self.missing_label = QLabel(right)
        self.missing_label.setObjectName("notice")
        self.missing_label.setWordWrap(True)
        right_column.addWidget(self.missing_label)

        self.background_panel = QFrame(right)
        bg_row = QHBoxLayout(self.background_panel)
        bg_row.setContentsMargins(0, 0, 0, 0)
        bg_label = QLabel(self.tr("Lý do chấp nhận phông nền:"), self.background_panel)
        self.background_reason_edit = QLineEdit(self.background_panel)
        self.background_reason_edit.setMaxLength(300)
        bg_label.setBuddy(self.background_reason_edit)
        self.background_accept_button = QPushButton(self.tr("Chấp nhận"), self.background_panel)
        bg_row.addWidget(bg_label)
        bg_row.addWidget(self.background_reason_edit, 1)
        bg_row.addWidget(self.background_accept_button)
        self.background_panel.hide()
        right_column.addWidget(self.background_panel)
        self.chip_panel = ChipVerdictPanel(ctx, right)
        right_column.addWidget(self.chip_panel)

        decide = QHBoxLayout()
        reason_label = QLabel(self.tr("Lý &do trả lại:"), right)
        self.reason_edit = QLineEdit(right)
        self.reason_edit.setMaxLength(500)
        self.reason_edit.setPlaceholderText(self.tr("bắt buộc khi trả lại, ví dụ: ảnh bị mờ"))
        reason_label.setBuddy(self.reason_edit)
        self.send_back_button = QPushButton(self.tr("&Trả lại"), right)
        self.approve_button = QPushButton(self.tr("&Phê duyệt và niêm phong"), right)
        self.approve_button.setDefault(True)
        decide.addWidget(reason_label)
        decide.addWidget(self.reason_edit, 1)
        decide.addWidget(self.send_back_button)
        decide.addSpacing(16)
        decide.addWidget(self.approve_button)
        right_column.addLayout(decide)

        # Sealing cannot be undone: it asks again, with the supervisor's password.
        self.seal_panel = QFrame(right)
        self.seal_panel.setObjectName("card")
        seal_column = QVBoxLayout(self.seal_panel)
        self.seal_question = QLabel(self.seal_panel)
        self.seal_question.setWordWrap(True)
        seal_row = QHBoxLayout()
        seal_pw_label = QLabel(self.tr("&Mật khẩu của bạn:"), self.seal_panel)
        self.seal_password_edit = QLineEdit(self.seal_panel)
        self.seal_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.seal_password_edit.setMaxLength(1024)
        seal_pw_label.setBuddy(self.seal_password_edit)
        self.seal_confirm_button = QPushButton(self.tr("&Niêm phong"), self.seal_panel)
        self.seal_confirm_button.setObjectName("primary")
        self.seal_cancel_button = QPushButton(self.tr("Hủ&y"), self.seal_panel)
        seal_row.addWidget(seal_pw_label)
        seal_row.addWidget(self.seal_password_edit, 1)
        seal_row.addWidget(self.seal_cancel_button)
        seal_row.addWidget(self.seal_confirm_button)
        seal_column.addWidget(self.seal_question)
        seal_column.addLayout(seal_row)
        self.seal_panel.hide()
        right_column.addWidget(self.seal_panel)

        status_row = QHBoxLayout()
        self.progress = QProgressBar(right)
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(200)
        self.progress.hide()
        self.status_label = QLabel(right)
        self.status_label.setWordWrap(True)
        status_row.addWidget(self.progress)
        status_row.addWidget(self.status_label, 1)
        right_column.addLayout(status_row)
        self.error_label = QLabel(right)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        right_column.addWidget(self.error_label)

        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([300, 940])
        layout.addWidget(splitter, 1)

        self.list.currentRowChanged.connect(self._selected)
        self.view.exception_confirm_requested.connect(self._confirm_exception)
        self.view.background_accept_requested.connect(self._ask_background_reason)
        self.background_accept_button.clicked.connect(self._accept_background)
        self.send_back_button.clicked.connect(self._send_back)
        self.approve_button.clicked.connect(self.ask_seal)
        self.seal_confirm_button.clicked.connect(self._seal_confirmed)
        self.seal_password_edit.returnPressed.connect(self._seal_confirmed)
        self.seal_cancel_button.clicked.connect(self.cancel_seal)
        self.reason_edit.returnPressed.connect(self._send_back)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back_requested.emit)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.refresh)
        self.setTabOrder(self.list, self.reason_edit)
        self.setTabOrder(self.reason_edit, self.send_back_button)
        self.setTabOrder(self.send_back_button, self.approve_button)
        self._update_buttons()

    # --- list ---

    @property
    def busy(self) -> bool:
        """Approval and sealing are running on the worker."""
        return self._busy

    def refresh(self) -> None:
        """Re-read the dossiers waiting for approval (or for their seal)."""
        current = self.current()
        try:
            self.dossiers = [d for state in LISTED for d in self.ctx.service.list_dossiers(state)]
        except StationError as exc:
            self._show_error(self.ctx.error_text(exc))
            self.dossiers = []
        self.list.blockSignals(True)
        self.list.clear()
        for d in self.dossiers:
            name = str(d.form.get("full_name") or "")
            text = f"{d.number}\n{name} — {d.operator_id}"
            if d.state == State.APPROVED:
                text += " " + self.tr("(đã duyệt, chờ niêm phong)")
            QListWidgetItem(text, self.list)
        self.list.blockSignals(False)
        self.empty_label.setVisible(not self.dossiers)
        ids = [d.id for d in self.dossiers]
        # The list was cleared with its signals blocked: setting the row announces it.
        if current is not None and current.id in ids:
            self.list.setCurrentRow(ids.index(current.id))
        elif self.dossiers:
            self.list.setCurrentRow(0)
        else:
            self.view.clear()
            self.missing_label.clear()
            self._update_buttons()

    def current(self) -> DossierRecord | None:
        row = self.list.currentRow()
        return self.dossiers[row] if 0 <= row < len(self.dossiers) else None

    def select(self, dossier_id: str) -> bool:
        for row, d in enumerate(self.dossiers):
            if d.id == dossier_id:
                self.list.setCurrentRow(row)
                return True
        return False

    def _selected(self, _row: int) -> None:
        d = self.current()
        self.background_panel.hide()
        self.cancel_seal()
        self.reason_edit.clear()
        if d is None:
            self.view.clear()
            self.chip_panel.show_for(None)
            self._update_buttons()
            return
        self.view.show_dossier(d.id)
        self._show_missing(d.id)
        self.chip_panel.show_for(d.id)
        self._update_buttons()

    def _show_gate(self, dossier_id: str) -> None:
        """The core's alarms, best-effort prints and overrides for this dossier (stored
        verdicts only: nothing is measured here)."""
        try:
            review = self.ctx.service.gate_review(dossier_id)
        except StationError as exc:
            self.gate_label.setText(self.ctx.error_text(exc))
            self.gate_label.show()
            return
        lines = []
        for alarm in review.alarms:
            a, b = (self.ctx.label(FINGER_LABELS[Finger(f)]) for f in alarm["fingers"])
            text = self.tr("Cảnh báo: {a} và {b} có vẻ là cùng một ngón (độ giống {s:.2f})")
            text = text.format(a=a, b=b, s=alarm["similarity"])
            if alarm["overridden"]:
                text += " " + self.tr("— giám sát viên đã xác nhận khác ngón")
            lines.append("⚠ " + text)
        for item in review.biometrics:  # rolled prints and irises: the core's own words
            text = self.ctx.label((str(item["vi"]), str(item["en"])))
            if item["overridden"]:
                text += " " + self.tr("— giám sát viên đã quyết định")
            lines.append("⚠ " + text)
        for item in review.best_effort:
            text = self.tr("Vân tay {finger}: giữ chất lượng {q} (ngưỡng {t}) sau {n} lần")
            name = self.ctx.label(FINGER_LABELS[Finger(item["finger"])])
            text = text.format(
                finger=name, q=item["quality"], t=item["threshold"], n=item["attempts"]
            )
            lines.append("⚠ " + text)
        for item in review.overrides:
            text = self.tr("Quyết định {key} của {by} lúc {at}: {reason}")
            lines.append(
                "✎ "
                + text.format(key=item["key"], by=item["by"], at=item["at"], reason=item["reason"])
            )
        self.gate_label.setText("\n".join(lines))
        self.gate_label.setVisible(bool(lines))

    def _show_missing(self, dossier_id: str) -> None:
        self._show_gate(dossier_id)
        try:
            gaps = self.ctx.service.missing_captures(dossier_id, for_approval=True)
        except StationError as exc:
            self.missing_label.setText(self.ctx.error_text(exc))
            return
        if gaps:
            lines = [self.tr("Còn thiếu để phê duyệt:")]
            lines += [f"• {self.ctx.label((g.vi, g.en))}" for g in gaps]
            self.missing_label.setText("\n".join(lines))
        else:
            self.missing_label.setText(self.tr("Đủ điều kiện phê duyệt."))
        # Good news in green, what is missing as a warning.
        self.missing_label.setObjectName("notice" if gaps else "ok")
        self.missing_label.style().unpolish(self.missing_label)
        self.missing_label.style().polish(self.missing_label)

    def _update_buttons(self) -> None:
        d = self.current()
        has = d is not None and not self._busy
        self.approve_button.setEnabled(has)
        self.send_back_button.setEnabled(has)
        self.reason_edit.setEnabled(has)
        self.list.setEnabled(not self._busy)
        if d is not None and d.state == State.APPROVED:
            self.approve_button.setText(self.tr("&Niêm phong"))
        else:
            self.approve_button.setText(self.tr("&Phê duyệt và niêm phong"))

    # --- decisions ---

    def _reload_current(self) -> None:
        d = self.current()
        if d is not None:
            self.view.show_dossier(d.id)
            self._show_missing(d.id)

    def _confirm_exception(self, kind: str, slot: str) -> None:
        d = self.current()
        if d is None:
            return
        self._clear_messages()
        try:
            self.ctx.service.confirm_capture_exception(d.id, kind, slot)
        except StationError as exc:
            self._show_error(self.ctx.error_text(exc))
            return
        self.status_label.setText(self.tr("Đã xác nhận ngoại lệ."))
        self._reload_current()

    def _ask_background_reason(self) -> None:
        self.background_panel.show()
        self.background_reason_edit.setFocus()

    def _accept_background(self) -> None:
        d = self.current()
        if d is None:
            return
        self._clear_messages()
        try:
            self.ctx.service.accept_background(d.id, self.background_reason_edit.text())
        except StationError as exc:
            self._show_error(self.ctx.error_text(exc))
            return
        self.background_reason_edit.clear()
        self.background_panel.hide()
        self.status_label.setText(self.tr("Đã chấp nhận phông nền, lý do được lưu."))
        self._reload_current()

    def _send_back(self) -> None:
        d = self.current()
        if d is None or self._busy:
            return
        self._clear_messages()
        try:
            self.ctx.service.send_back(d.id, self.reason_edit.text())
        except StationError as exc:
            self._show_error(self.ctx.error_text(exc))
            self.reason_edit.setFocus()
            return
        self.status_label.setText(
            self.tr("Đã trả hồ sơ {number} để thu nhận lại.").format(number=d.number)
        )
        self.sent_back.emit(d.id)
        self.refresh()

    def ask_seal(self) -> None:
        """Ask for the supervisor's password before the irreversible approval and seal."""
        d = self.current()
        if d is None or self._busy:
            return
        self._clear_messages()
        name = str(d.form.get("full_name") or "")
        self.seal_question.setText(
            self.tr(
                "Phê duyệt và niêm phong hồ sơ {number} ({name})? Sau khi niêm phong, trạm không "
                "còn sửa hay đọc được hồ sơ. Nhập lại mật khẩu của bạn để xác nhận."
            ).format(number=d.number, name=name)
        )
        self.seal_password_edit.clear()
        self.seal_panel.show()
        self.approve_button.hide()  # one way to seal at a time: the panel's button
        self.seal_password_edit.setFocus()

    def cancel_seal(self) -> None:
        self.seal_password_edit.clear()
        self.seal_panel.hide()
        self.approve_button.show()

    def _seal_confirmed(self) -> None:
        password = self.seal_password_edit.text()
        self.seal_password_edit.clear()
        if not password:
            self._show_error(self.tr("Nhập mật khẩu của bạn để niêm phong."))
            self.seal_password_edit.setFocus()
            return
        self.seal_panel.hide()
        self.approve_button.show()
        self.approve_selected(password)

    def approve_selected(self, password: str | None = None) -> None:
        """Approve then seal the selected dossier on the worker (after the password check)."""
        d = self.current()
        if d is None or self._busy:
            return
        self._clear_messages()
        self._busy = True
        self.progress.show()
        self.status_label.setText(
            self.tr("Đang phê duyệt và niêm phong hồ sơ {number}…").format(number=d.number)
        )
        self._update_buttons()
        service, dossier_id, state, number = self.ctx.service, d.id, d.state, d.number
        self.ctx.worker.submit(
            lambda: approve_and_seal(service, dossier_id, state, password),
            while_alive(self, lambda packet_id: self._sealed(dossier_id, number, packet_id)),
            while_alive(self, self._seal_failed),
        )

    def _finish(self) -> None:
        self._busy = False
        self.progress.hide()
        self._update_buttons()

    def _sealed(self, dossier_id: str, number: str, packet_id: str) -> None:
        self._finish()
        self.status_label.setText(
            self.tr(
                "Hồ sơ {number} đã được phê duyệt và niêm phong; gói dữ liệu đang chờ gửi."
            ).format(number=number)
        )
        self.sealed.emit(dossier_id, packet_id)
        self.refresh()

    def _seal_failed(self, exc: BaseException) -> None:
        self._finish()
        self.status_label.clear()
        self._show_error(self.ctx.error_text(exc))
        self.refresh()

    # --- messages ---

    def _clear_messages(self) -> None:
        self.error_label.clear()
        self.error_label.hide()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
