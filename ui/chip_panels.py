"""The chip's panels: the CSCA trust store and the pinned card reader in the settings, and the
stored chip verdict with the supervisor's acceptance in the review.

The core decides everything (``StationService.csca_*``, ``set_card_reader``, ``chip_verdict``,
``accept_chip_verdict``); these widgets show its answers.
"""

from __future__ import annotations

from pathlib import Path

from station.errors import StationError
from ui.context import UiContext
from ui.qt import (
    QAbstractItemView,
    QCoreApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class CscaPanel(QWidget):
    """The trusted CSCA certificates (subject, validity, fingerprint, source), import and
    removal (administrators), and the PC/SC reader pinned for chip reads."""

    COLUMNS = 4

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.fingerprints: list[str] = []
        column = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Chứng thư CSCA dùng để kiểm tra chuỗi chữ ký của chip thẻ cũ. Khi chưa có, "
                "kết quả ghi «chưa kiểm tra chuỗi»."
            ),
            self,
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Chủ thể"),
                self.tr("Hiệu lực"),
                self.tr("Dấu vân tay SHA-256"),
                self.tr("Nguồn"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        column.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.import_file_button = QPushButton(self.tr("Nhập tệp (.ml, .pem, .der)…"), self)
        self.import_file_button.clicked.connect(lambda: self.import_path(None))
        self.import_folder_button = QPushButton(self.tr("Nhập cả thư mục…"), self)
        self.import_folder_button.clicked.connect(self._import_folder)
        self.remove_button = QPushButton(self.tr("Gỡ chứng thư đã chọn"), self)
        self.remove_button.clicked.connect(self.remove_selected)
        for button in (self.import_file_button, self.import_folder_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        column.addLayout(row)
        reader_row = QHBoxLayout()
        reader_row.addWidget(
            QLabel(self.tr("Đầu đọc thẻ cố định (để trống: đầu đọc có thẻ):"), self)
        )
        self.reader_edit = QLineEdit(self)
        self.reader_edit.setMaxLength(200)
        reader_row.addWidget(self.reader_edit, 1)
        self.reader_button = QPushButton(self.tr("Lưu đầu đọc"), self)
        self.reader_button.clicked.connect(self.save_reader)
        reader_row.addWidget(self.reader_button)
        column.addLayout(reader_row)
        self.feedback = QLabel(self)
        self.feedback.setWordWrap(True)
        column.addWidget(self.feedback)

    def refresh(self) -> None:
        try:
            infos = self.ctx.service.csca_list()
            reader = self.ctx.service.card_reader_setting()
        except StationError as exc:
            self.feedback.setText(self.ctx.error_text(exc))
            return
        self.table.setRowCount(len(infos))
        self.fingerprints = [i.sha256 for i in infos]
        for r, info in enumerate(infos):
            values = (info.subject, f"{info.not_before[:10]} → {info.not_after[:10]}",
                      info.sha256, info.source)  # fmt: skip
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.reader_edit.setText(reader or "")

    def import_path(self, path: Path | None) -> None:
        if path is None:
            name, _ = QFileDialog.getOpenFileName(self, self.tr("Chọn tệp CSCA"))
            if not name:
                return
            path = Path(name)
        try:
            report = self.ctx.service.csca_import(path)
        except StationError as exc:
            self.feedback.setText(self.ctx.error_text(exc))
            return
        lines = [self.ctx.label(note) for note in report.notes]
        lines += [self.ctx.label(why) for why in report.skipped]
        lines.append(
            self.tr("Đã nhập {added} chứng thư ({already} đã có).").format(
                added=len(report.added), already=report.already
            )
        )
        self.feedback.setText("\n".join(lines))
        self.refresh()

    def _import_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, self.tr("Chọn thư mục CSCA"))
        if name:
            self.import_path(Path(name))

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.fingerprints):
            return
        try:
            info = self.ctx.service.csca_remove(self.fingerprints[row])
        except StationError as exc:
            self.feedback.setText(self.ctx.error_text(exc))
            return
        self.feedback.setText(self.tr("Đã gỡ {subject}.").format(subject=info.subject))
        self.refresh()

    def save_reader(self) -> None:
        try:
            self.ctx.service.set_card_reader(self.reader_edit.text().strip() or None)
        except StationError as exc:
            self.feedback.setText(self.ctx.error_text(exc))
            return
        self.feedback.setText(self.tr("Đã lưu đầu đọc thẻ."))


class ChipVerdictPanel(QFrame):
    """The stored verdict of a dossier's chip read; a failed one may be accepted by the
    supervisor with a reason."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dossier_id: str | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.verdict_label = QLabel(self)
        self.verdict_label.setWordWrap(True)
        column.addWidget(self.verdict_label)
        row = QHBoxLayout()
        self.reason_label = QLabel(self.tr("Lý do chấp nhận thẻ:"), self)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setMaxLength(300)
        self.reason_label.setBuddy(self.reason_edit)
        self.accept_button = QPushButton(self.tr("Chấp nhận thẻ"), self)
        self.accept_button.clicked.connect(self.accept)
        row.addWidget(self.reason_label)
        row.addWidget(self.reason_edit, 1)
        row.addWidget(self.accept_button)
        column.addLayout(row)
        self.face_label = QLabel(self)
        self.face_label.setWordWrap(True)
        column.addWidget(self.face_label)
        face_row = QHBoxLayout()
        self.face_reason_label = QLabel(self.tr("Lý do xác nhận cùng một người:"), self)
        self.face_reason_edit = QLineEdit(self)
        self.face_reason_edit.setMaxLength(300)
        self.face_reason_label.setBuddy(self.face_reason_edit)
        self.face_accept_button = QPushButton(self.tr("Xác nhận ảnh"), self)
        self.face_accept_button.clicked.connect(self.accept_face)
        face_row.addWidget(self.face_reason_label)
        face_row.addWidget(self.face_reason_edit, 1)
        face_row.addWidget(self.face_accept_button)
        column.addLayout(face_row)
        self._face_widgets = (self.face_reason_label, self.face_reason_edit,
                              self.face_accept_button)  # fmt: skip
        self.face_match: dict[str, object] | None = None
        self.hide()

    def show_for(self, dossier_id: str | None) -> None:
        self.dossier_id = dossier_id
        verdict = None
        accepted = None
        if dossier_id is not None:
            try:
                verdict = self.ctx.service.chip_verdict(dossier_id)
                accepted = self.ctx.service.capture_info(dossier_id).get("chip_acceptance")
            except StationError as exc:
                self.verdict_label.setText(self.ctx.error_text(exc))
        if verdict is None:
            self.hide()
            return
        summary = verdict.get("summary") or {}
        text = self.ctx.label((str(summary.get("vi", "")), str(summary.get("en", ""))))
        failed = verdict.get("status") == "failed"
        if accepted:
            text += "\n" + self.tr("Đã được {who} chấp nhận: {reason}").format(
                who=accepted.get("accepted_by", ""), reason=accepted.get("reason", "")
            )
        checks = self.tr(
            "Mở chip: {access}; xác thực chip (DG14): {ca}; xác thực chủ động (DG15): {aa}"
        ).format(
            access=verdict.get("access", "BAC"),
            ca=self._result(verdict.get("chip_authentication")),
            aa=self._result(verdict.get("active_authentication")),
        )
        self.verdict_label.setText(self.tr("Chip thẻ cũ: {text}").format(text=text) + "\n" + checks)
        self.verdict_label.setStyleSheet("color: #b00020; font-weight: bold;" if failed and
                                         not accepted else "")  # fmt: skip
        for w in (self.reason_label, self.reason_edit, self.accept_button):
            w.setVisible(failed and not accepted)
        self.show()
        self._compare_faces(dossier_id)

    def _compare_faces(self, dossier_id: str | None) -> None:
        """The chip-vs-live portrait comparison runs on the worker (a second or so)."""
        for w in self._face_widgets:
            w.hide()
        self.face_match = None
        if dossier_id is None:
            self.face_label.clear()
            return
        self.face_label.setText(self.tr("Đang so ảnh chip với ảnh chụp tại trạm…"))
        service = self.ctx.service

        def done(match: dict[str, object] | None) -> None:
            if self.dossier_id == dossier_id:
                self._show_face(match)

        def failed(exc: BaseException) -> None:
            self.face_label.setText(self.ctx.error_text(exc))

        self.ctx.worker.submit(lambda: service.chip_face_match(dossier_id), done, failed)

    def _show_face(self, match: dict[str, object] | None) -> None:
        from station.chip.face import summary

        self.face_match = match
        if match is None:
            self.face_label.setText(self.tr("Chưa có đủ ảnh chip và ảnh chụp tại trạm để so."))
            return
        text = self.ctx.label(summary(match))
        accepted = None
        if self.dossier_id is not None:
            try:
                capture = self.ctx.service.capture_info(self.dossier_id)
                accepted = capture.get("chip_face_acceptance")
            except StationError as exc:
                text = self.ctx.error_text(exc)
        ok = match.get("status") == "match"
        if accepted and accepted.get("live_sha256") == match.get("live_sha256"):
            text += "\n" + self.tr("Đã được {who} xác nhận: {reason}").format(
                who=accepted.get("accepted_by", ""), reason=accepted.get("reason", "")
            )
            ok = True
        self.face_label.setText(text)
        self.face_label.setStyleSheet("" if ok else "color: #b00020; font-weight: bold;")
        for w in self._face_widgets:
            w.setVisible(not ok)

    def accept_face(self) -> None:
        if self.dossier_id is None:
            return
        try:
            self.ctx.service.accept_chip_face(self.dossier_id, self.face_reason_edit.text())
        except StationError as exc:
            self.face_label.setText(self.ctx.error_text(exc))
            return
        self.face_reason_edit.clear()
        self._show_face(self.face_match)

    def _result(self, value: object) -> str:
        return {
            "ok": self.tr("đạt"),
            "failed": self.tr("THẤT BẠI"),
            "not_offered": self.tr("thẻ không hỗ trợ"),
        }.get(str(value), self.tr("chưa thực hiện"))

    def accept(self) -> None:
        if self.dossier_id is None:
            return
        try:
            self.ctx.service.accept_chip_verdict(self.dossier_id, self.reason_edit.text())
        except StationError as exc:
            self.verdict_label.setText(self.ctx.error_text(exc))
            return
        self.reason_edit.clear()
        self.show_for(self.dossier_id)


def show_chip_face_match(ctx: UiContext, label: QLabel, dossier_id: str) -> None:
    """On the photo page: compare the saved portrait with the chip's on the worker and show the
    score and threshold in ``label`` (hidden when the dossier has no chip portrait)."""
    from station.chip.face import summary
    from ui.dossier_view import while_alive

    service = ctx.service

    def done(match: dict[str, object] | None) -> None:
        label.setVisible(match is not None)
        if match is not None:
            ok = match.get("status") == "match"
            note = (
                ""
                if ok
                else "\n"
                + QCoreApplication.translate(
                    "ChipFace", "Giám sát viên sẽ quyết định khi duyệt hồ sơ."
                )
            )
            label.setText(ctx.label(summary(match)) + note)
            label.setStyleSheet("" if ok else "color: #b00020; font-weight: bold;")

    ctx.worker.submit(
        lambda: service.chip_face_match(dossier_id),
        while_alive(label, done),
        while_alive(label, lambda _exc: label.hide()),
    )
