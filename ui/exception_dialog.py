"""The dialog that records a capture exception: a kind from the station core and a reason.

Reusable by every capture page (a finger that cannot be taken, a citizen who cannot sign). The
caller passes the kinds that apply and a ``submit(kind, reason)`` callable that records the
exception through the service; an error it raises (a missing or too long reason) is shown in
the dialog beside the reason, and the dialog stays open with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from station.capture.completeness import EXCEPTION_LABELS, ExceptionKind
from station.errors import StationError
from ui.context import UiContext
from ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

Submit = Callable[[str, str], None]


class ExceptionDialog(QDialog):
    """Choose an exception kind and write the reason; ``submit`` records it."""

    def __init__(
        self,
        ctx: UiContext,
        subject: str,
        kinds: Sequence[ExceptionKind],
        submit: Submit,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._submit = submit
        self.setWindowTitle(self.tr("Ghi ngoại lệ"))
        self.setModal(True)
        self.setMinimumWidth(520)

        self.subject_label = QLabel(self.tr("Không thu nhận được: {0}").format(subject), self)
        self.subject_label.setObjectName("subtitle")
        self.subject_label.setWordWrap(True)
        self.kind_combo = QComboBox(self)
        for kind in kinds:
            self.kind_combo.addItem(_capitalized(ctx.label(EXCEPTION_LABELS[kind])), kind.value)
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setPlaceholderText(
            self.tr("Ví dụ: ngón tay bị thương, đang băng; giám sát viên đã xem.")
        )
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(96)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.note_label = QLabel(
            self.tr("Ngoại lệ cần giám sát viên xác nhận trước khi phê duyệt hồ sơ."), self
        )
        self.note_label.setWordWrap(True)

        form = QFormLayout()
        kind_label = QLabel(self.tr("&Loại ngoại lệ"), self)
        kind_label.setBuddy(self.kind_combo)
        reason_label = QLabel(self.tr("Lý &do"), self)
        reason_label.setBuddy(self.reason_edit)
        form.addRow(kind_label, self.kind_combo)
        form.addRow(reason_label, self.reason_edit)
        form.addRow("", self.error_label)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("&Ghi ngoại lệ"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("&Hủy"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.subject_label)
        layout.addLayout(form)
        layout.addWidget(self.note_label)
        layout.addWidget(self.buttons)
        self.kind_combo.setFocus()

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def reason(self) -> str:
        return self.reason_edit.toPlainText()

    def set_kind(self, kind: ExceptionKind | str) -> None:
        index = self.kind_combo.findData(str(kind))
        if index >= 0:
            self.kind_combo.setCurrentIndex(index)

    def _accept(self) -> None:
        try:
            self._submit(self.kind(), self.reason())
        except StationError as exc:
            self.error_label.setText(self._ctx.error_text(exc))
            self.error_label.show()
            self.reason_edit.setFocus()
            return
        self.accept()


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]
