"""Change one's own password (required after an admin reset). Key derivation runs on the worker."""

from __future__ import annotations

from ui.context import UiContext
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class PasswordDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Đổi mật khẩu"))
        self.setModal(True)
        self.old_edit = QLineEdit(self)
        self.new_edit = QLineEdit(self)
        self.repeat_edit = QLineEdit(self)
        for edit in (self.old_edit, self.new_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(1024)
            edit.setMinimumWidth(320)
        form = QFormLayout()
        form.addRow(self.tr("Mật khẩu hiện tại"), self.old_edit)
        form.addRow(self.tr("Mật khẩu mới"), self.new_edit)
        form.addRow(self.tr("Nhập lại mật khẩu mới"), self.repeat_edit)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Đổi mật khẩu"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Hủy"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.error_label)
        column.addWidget(self.buttons)

    def submit(self) -> None:
        if self.new_edit.text() != self.repeat_edit.text():
            self.error_label.setText(self.tr("Mật khẩu mới: hai lần nhập không giống nhau."))
            self.repeat_edit.clear()
            self.repeat_edit.setFocus()
            return
        old, new = self.old_edit.text(), self.new_edit.text()
        self.buttons.setEnabled(False)
        self.error_label.setText(self.tr("Đang đổi mật khẩu…"))
        svc = self.ctx.service
        self.ctx.worker.submit(lambda: svc.change_password(old, new), self._done, self._failed)

    def _done(self, _result: object) -> None:
        self.buttons.setEnabled(True)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error_label.setText(self.ctx.error_text(exc))
