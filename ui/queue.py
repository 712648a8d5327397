"""The queue: every dossier with its state, its packet's upload progress and the receiver's news.

Filter by state group and search by name or number; continue a draft (``open_dossier``), send
the outbox now (``sync.api.sync_now`` on the worker), and reopen a dossier the receiver rejected
with only the parts it named (``service.reopen_for_recapture``, then ``recapture``).
"""

from __future__ import annotations

from enum import StrEnum

from station import delivery
from station.clock import local_time_text
from station.dossier import CASE_LABELS, CaseType
from station.errors import StationError
from station.lifecycle import STATE_LABELS, Role, State
from station.masterdata import fold
from station.queue_view import DELIVERED_PAGE, queue_page
from station.service import PacketInfo, QueueEntry
from sync.api import sync_now
from sync.uploader import RunReport
from ui.context import UiContext
from ui.dossier_view import while_alive
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QCoreApplication,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QShortcut,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QWidget,
    Signal,
)
from ui.widgets import screen_frame

translate = QCoreApplication.translate

#: How often the table is re-read while an upload runs (progress of the packet in flight).
PROGRESS_REFRESH_MS = 1000


class Group(StrEnum):
    """The filter's groups of states (a view of the queue, not a rule of the lifecycle)."""

    ALL = "all"
    DRAFTS = "drafts"
    APPROVAL = "approval"
    UPLOAD = "upload"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    REFUSED = "refused"


_GROUP_OF_STATE = {
    State.DRAFT: Group.DRAFTS,
    State.CAPTURED: Group.DRAFTS,
    State.CONFIRMED: Group.APPROVAL,
    State.APPROVED: Group.UPLOAD,
    State.SEALED: Group.UPLOAD,
    State.UPLOADED: Group.UPLOAD,
    State.RECEIPTED: Group.DELIVERED,
    State.PURGED: Group.DELIVERED,
    State.NEEDS_RECAPTURE: Group.REJECTED,
}

#: States a dossier is continued in by the wizard.
OPENABLE = frozenset({State.DRAFT, State.CAPTURED})


def group_of(entry: QueueEntry) -> Group:
    """The group a queue entry is listed under (a refused packet outranks its state)."""
    state = entry.dossier.state
    if (
        entry.packet is not None
        and entry.packet.status == "refused"
        and state in (State.SEALED, State.UPLOADED)
    ):
        return Group.REFUSED
    return _GROUP_OF_STATE[state]


def group_labels() -> list[tuple[Group, str]]:
    return [
        (Group.ALL, translate("QueueScreen", "Tất cả")),
        (Group.DRAFTS, translate("QueueScreen", "Đang thu nhận (nháp)")),
        (Group.APPROVAL, translate("QueueScreen", "Chờ phê duyệt")),
        (Group.UPLOAD, translate("QueueScreen", "Chờ gửi")),
        (Group.DELIVERED, translate("QueueScreen", "Đã giao nhận")),
        (Group.REJECTED, translate("QueueScreen", "Bị trả lại")),
        (Group.REFUSED, translate("QueueScreen", "Bị từ chối nhận")),
    ]


def packet_text(packet: PacketInfo | None) -> str:
    """The packet's upload progress in a few words."""
    if packet is None:
        return ""
    if delivery.is_held(packet.last_error) and packet.status in delivery.SENDABLE:
        if delivery.held_code(packet.last_error) == delivery.DUPLICATE_CITIZEN:
            return translate("QueueScreen", "trùng công dân, chờ trung tâm quyết định")
        return translate("QueueScreen", "máy nhận tạm giữ, sẽ gửi lại")
    if packet.status == "queued" and not packet.acked_offset:
        text = translate("QueueScreen", "chờ gửi")
    elif packet.status in ("queued", "uploading"):
        percent = 100 * packet.acked_offset // packet.size if packet.size else 0
        text = translate("QueueScreen", "đang gửi {percent}%").format(percent=percent)
    elif packet.status == "uploaded":
        text = translate("QueueScreen", "đã gửi, chờ biên nhận")
    elif packet.status in ("receipted", "purged"):
        text = translate("QueueScreen", "có biên nhận")
    elif packet.status == "refused":
        return translate("QueueScreen", "bị từ chối nhận")
    else:
        text = packet.status
    if (
        packet.status in delivery.SENDABLE  # a receipt makes earlier errors history
        and packet.attempts
        and packet.last_error
        and not delivery.is_resent(packet.last_error)
    ):
        text += " " + translate("QueueScreen", "({n} lần lỗi)").format(n=packet.attempts)
    return text


def _time(value: str) -> str:
    return local_time_text(value)


class QueueScreen(QWidget):
    """Every dossier in a table, with filter, search, open, upload now and recapture."""

    back_requested = Signal()
    #: Continue this draft in the wizard (dossier id).
    open_dossier = Signal(str)
    #: The dossier was reopened for recapture of the parts the receiver named (dossier id);
    #: the wizard opens it at the first of those parts.
    recapture = Signal(str)

    COLUMNS = 9

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entries: list[QueueEntry] = []
        self.shown: list[QueueEntry] = []
        self._syncing = False
        self._delivered_limit = DELIVERED_PAGE
        self._more_delivered = False

        layout, self.back_button = screen_frame(self, self.tr("Hàng đợi hồ sơ"))
        self.back_button.clicked.connect(self.back_requested)

        bar = QHBoxLayout()
        group_label = QLabel(self.tr("&Nhóm:"), self)
        self.group_combo = QComboBox(self)
        for group, text in group_labels():
            self.group_combo.addItem(text, group.value)
        group_label.setBuddy(self.group_combo)
        search_label = QLabel(self.tr("&Tìm (tên hoặc số hồ sơ):"), self)
        self.search_edit = QLineEdit(self)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("ví dụ: Nguyễn Văn An, TN-001-20261123-0007"))
        search_label.setBuddy(self.search_edit)
        self.refresh_button = QPushButton(self.tr("Làm mới (F5)"), self)
        bar.addWidget(group_label)
        bar.addWidget(self.group_combo)
        bar.addSpacing(16)
        bar.addWidget(search_label)
        bar.addWidget(self.search_edit, 1)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)

        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Số hồ sơ"),
                self.tr("Họ tên"),
                self.tr("Loại"),
                self.tr("Trạng thái"),
                self.tr("Cán bộ"),
                self.tr("Tạo lúc"),
                self.tr("Thay đổi lúc"),
                self.tr("Gửi đi"),
                self.tr("Lý do trả lại / từ chối"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)  # the reason column keeps its header readable
        # What the officer looks for first (name, state, why it came back, upload) comes first on
        # screen; the order of the columns in the code stays.
        header.moveSection(header.visualIndex(8), 2)
        header.moveSection(header.visualIndex(7), 4)
        layout.addWidget(self.table, 1)
        # The selected dossier's reason in full, however narrow its column is.
        self.reason_label = QLabel(self)
        self.reason_label.setObjectName("notice")
        self.reason_label.setWordWrap(True)
        self.reason_label.hide()
        layout.addWidget(self.reason_label)

        count_row = QHBoxLayout()
        self.count_label = QLabel(self)
        self.more_button = QPushButton(self.tr("&Xem thêm hồ sơ đã giao nhận"), self)
        self.more_button.hide()
        count_row.addWidget(self.count_label, 1)
        count_row.addWidget(self.more_button)
        layout.addLayout(count_row)

        actions = QHBoxLayout()
        self.open_button = QPushButton(self.tr("&Mở / tiếp tục"), self)
        self.recapture_button = QPushButton(self.tr("Thu nhận &lại phần bị trả"), self)
        self.upload_button = QPushButton(self.tr("&Gửi ngay"), self)
        #: An administrator sends a refused packet again (audited in the core).
        self.resend_button = QPushButton(self.tr("Gửi &lại gói bị từ chối"), self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(200)
        self.progress.hide()
        actions.addWidget(self.open_button)
        actions.addWidget(self.recapture_button)
        actions.addWidget(self.resend_button)
        actions.addStretch(1)
        actions.addWidget(self.progress)
        actions.addWidget(self.upload_button)
        layout.addLayout(actions)

        self.outcome_label = QLabel(self)
        self.outcome_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.outcome_label)
        layout.addWidget(self.error_label)

        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_REFRESH_MS)
        self._progress_timer.timeout.connect(self._reload_keep_selection)

        self.group_combo.currentIndexChanged.connect(self._apply_filter)
        self.search_edit.textChanged.connect(self._apply_filter)
        self.refresh_button.clicked.connect(self.refresh)
        self.more_button.clicked.connect(self.show_more_delivered)
        self.table.itemSelectionChanged.connect(self._update_actions)
        self.table.cellDoubleClicked.connect(lambda _r, _c: self._open())
        self.open_button.clicked.connect(self._open)
        self.recapture_button.clicked.connect(self._recapture)
        self.upload_button.clicked.connect(self.upload_now)
        self.resend_button.clicked.connect(self._resend)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.refresh)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self._focus_search)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back_requested.emit)
        QShortcut(QKeySequence("Ctrl+U"), self, self.upload_now)
        self.setTabOrder(self.group_combo, self.search_edit)
        self.setTabOrder(self.search_edit, self.table)
        self.setTabOrder(self.table, self.open_button)
        self._update_actions()

    # --- data ---

    @property
    def syncing(self) -> bool:
        return self._syncing

    def refresh(self) -> None:
        """Re-read every dossier from the service and show them under the current filter."""
        self._reload_keep_selection()

    def _reload_keep_selection(self) -> None:
        selected = self.selected_entry()
        try:
            page = queue_page(self.ctx.service, self._delivered_limit)
        except StationError as exc:
            self._show_error(self.ctx.error_text(exc))
            return
        self.entries = page.entries
        self._more_delivered = page.more_delivered
        self.more_button.setVisible(page.more_delivered)
        self._apply_filter()
        if selected is not None:
            self.select(selected.dossier.id)

    def show_more_delivered(self) -> None:
        """List the next page of delivered dossiers too."""
        self._delivered_limit += DELIVERED_PAGE
        self._reload_keep_selection()

    def set_group(self, group: Group) -> None:
        self.group_combo.setCurrentIndex(self.group_combo.findData(group.value))

    def _apply_filter(self) -> None:
        group = Group(self.group_combo.currentData() or Group.ALL.value)
        query = fold(self.search_edit.text())
        self.shown = [
            e
            for e in self.entries
            if (group == Group.ALL or group_of(e) == group)
            and (not query or query in fold(e.full_name) or query in fold(e.dossier.number))
        ]
        self.table.setRowCount(len(self.shown))
        for row, entry in enumerate(self.shown):
            for col, text in enumerate(self._row(entry)):
                item = QTableWidgetItem(text)
                if col == 8 and text:
                    item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.count_label.setText(
            self.tr("{shown} / {total} hồ sơ").format(
                shown=len(self.shown), total=len(self.entries)
            )
        )
        self._update_actions()

    def _row(self, entry: QueueEntry) -> list[str]:
        d = entry.dossier
        try:
            case = self.ctx.label(CASE_LABELS[CaseType(d.case_type)])
        except ValueError:
            case = d.case_type
        name = entry.full_name
        tail = entry.summary.get("id_tail")
        if not d.form and tail:
            name = f"{name} (…{tail})"
        reason = ""
        if d.state == State.NEEDS_RECAPTURE:
            reason = d.state_reason or ""
            if entry.rejected_parts:
                reason += " — " + self.tr("làm lại: {parts}").format(
                    parts=", ".join(entry.rejected_parts)
                )
        elif group_of(entry) == Group.REFUSED and entry.packet is not None:
            reason = entry.packet.last_error or ""
        elif entry.packet is not None and delivery.is_held(entry.packet.last_error):
            reason = (entry.packet.last_error or "")[len(delivery.HELD_PREFIX) :]
        return [
            d.number,
            name,
            case,
            self.ctx.label(STATE_LABELS[d.state]),
            d.operator_id,
            _time(d.created_at),
            _time(d.state_changed_at),
            packet_text(entry.packet),
            reason,
        ]

    # --- selection and actions ---

    def selected_entry(self) -> QueueEntry | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        row = rows[0].row()
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def select(self, dossier_id: str) -> bool:
        """Select the row of ``dossier_id`` if it is shown."""
        for row, entry in enumerate(self.shown):
            if entry.dossier.id == dossier_id:
                self.table.selectRow(row)
                return True
        return False

    def _update_actions(self) -> None:
        entry = self.selected_entry()
        state = entry.dossier.state if entry is not None else None
        reason = self._row(entry)[8] if entry is not None else ""
        self.reason_label.setText(
            self.tr("Lý do trả lại / từ chối: {reason}").format(reason=reason) if reason else ""
        )
        self.reason_label.setVisible(bool(reason))
        self.open_button.setEnabled(state in OPENABLE)
        self.recapture_button.setEnabled(state == State.NEEDS_RECAPTURE)
        session = self.ctx.service.session
        self.resend_button.setVisible(session is not None and session.role == Role.ADMIN)
        self.resend_button.setEnabled(
            entry is not None and entry.packet is not None and entry.packet.status == "refused"
        )
        self.upload_button.setEnabled(not self._syncing)

    def _focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _open(self) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.dossier.state in OPENABLE:
            self.open_dossier.emit(entry.dossier.id)

    def _recapture(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        self._clear_messages()
        try:
            self.ctx.service.reopen_for_recapture(entry.dossier.id)
        except StationError as exc:
            self._show_error(self.ctx.error_text(exc))
            return
        self.refresh()
        self.recapture.emit(entry.dossier.id)

    def _resend(self) -> None:
        """Put the selected refused packet back in the queue (admin; audited), then send."""
        entry = self.selected_entry()
        if entry is None or entry.packet is None:
            return
        self._clear_messages()
        try:
            self.ctx.service.resend_packet(entry.packet.packet_id)
        except StationError as exc:
            self._show_error(self.ctx.error_text(exc))
            return
        self.refresh()
        self.outcome_label.setText(
            self.tr("Gói của hồ sơ {number} đã vào lại hàng đợi gửi.").format(
                number=entry.dossier.number
            )
        )
        self.upload_now()

    # --- upload now ---

    def upload_now(self) -> None:
        """Send the outbox now on the worker; progress in the table, outcome below it."""
        if self._syncing:
            return
        self._clear_messages()
        self._syncing = True
        self.progress.show()
        self.outcome_label.setText(self.tr("Đang gửi hồ sơ lên máy chủ nhận…"))
        self._update_actions()
        self._progress_timer.start()
        service = self.ctx.service
        self.ctx.worker.submit(
            lambda: sync_now(service),
            while_alive(self, self._sync_done),
            while_alive(self, self._sync_failed),
        )

    def _sync_finished(self) -> None:
        self._syncing = False
        self._progress_timer.stop()
        self.progress.hide()
        self.refresh()

    def _sync_done(self, report: RunReport) -> None:
        self._sync_finished()
        if not report.reachable:
            self.outcome_label.clear()
            text = self.tr(
                "Không kết nối được máy chủ nhận. Hồ sơ vẫn an toàn trên trạm và sẽ được "
                "gửi khi có mạng."
            )
            if report.cause is not None:
                text += "\n" + (report.cause.en if self.ctx.lang == "en" else report.cause.vi)
            self._show_error(text)
            return
        text = self.tr(
            "Đã gửi xong: {receipted} hồ sơ có biên nhận, {refused} bị từ chối nhận, "
            "{failed} lỗi (sẽ thử lại)."
        ).format(
            receipted=len(report.receipted),
            refused=len(report.refused),
            failed=len(report.failed),
        )
        if report.held:
            text += " " + self.tr("{held} hồ sơ đang được máy nhận tạm giữ (sẽ gửi lại).").format(
                held=len(report.held)
            )
        self.outcome_label.setText(text)
        causes = [report.cause] if report.failed and report.cause is not None else []
        if report.status_error is not None:
            causes.append(report.status_error)
        if causes:
            self._show_error("\n".join(c.en if self.ctx.lang == "en" else c.vi for c in causes))

    def _sync_failed(self, exc: BaseException) -> None:
        self._sync_finished()
        self.outcome_label.clear()
        self._show_error(self.ctx.error_text(exc))

    # --- messages ---

    def _clear_messages(self) -> None:
        self.error_label.clear()
        self.error_label.hide()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
