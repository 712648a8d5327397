"""The home screen: who is working, today's figures, quota, sync, and the way to every task.

Buttons are shown by role (admins do no dossier work, supervisors approve and report); the service
still refuses what a role may not do, so hiding a button is convenience, not the rule.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from station import delivery
from station.lifecycle import ROLE_LABELS, STATE_LABELS, Role, State
from station.service import OperatorSession, StationInfo
from sync.uploader import RunReport
from ui.context import label
from ui.qt import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QMouseEvent,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    SignalInstance,
)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Figures:
    """The five figures of the home screen (from the per-state counts)."""

    in_progress: int  # drafts and captured, not yet confirmed by the citizen
    waiting_approval: int
    waiting_upload: int
    delivered: int
    rejected: int

    @classmethod
    def of(cls, counts: dict[State, int]) -> Figures:
        c = counts.get
        return cls(
            in_progress=c(State.DRAFT, 0) + c(State.CAPTURED, 0),
            waiting_approval=c(State.CONFIRMED, 0),
            waiting_upload=c(State.APPROVED, 0) + c(State.SEALED, 0) + c(State.UPLOADED, 0),
            delivered=c(State.RECEIPTED, 0) + c(State.PURGED, 0),
            rejected=c(State.NEEDS_RECAPTURE, 0),
        )


class Tile(QFrame):
    """A big number with its caption; a click opens the queue on those dossiers."""

    clicked = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 8, 12, 8)
        self.value_label = QLabel("–", self)
        self.value_label.setObjectName("tileValue")
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption_label = QLabel(caption, self)
        self.caption_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption_label.setWordWrap(True)
        column.addWidget(self.value_label)
        column.addWidget(self.caption_label)

    def set_value(self, value: int | None) -> None:
        self.value_label.setText("–" if value is None else str(value))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class HomeScreen(QWidget):
    """Greeting, figures, quota, sync state and the task buttons."""

    lock_requested = Signal()
    logout_requested = Signal()
    sync_requested = Signal()
    new_dossier_requested = Signal()
    queue_requested = Signal()
    approvals_requested = Signal()
    search_requested = Signal()
    rosters_requested = Signal()
    reports_requested = Signal()
    settings_requested = Signal()
    password_requested = Signal()
    #: A tile was clicked: the queue's group of its dossiers ("drafts", "approval", ...).
    group_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)

        top = QHBoxLayout()
        heading = QVBoxLayout()
        self.greeting_label = QLabel(self)
        self.greeting_label.setObjectName("title")
        self.greeting_label.setWordWrap(True)
        self.station_label = QLabel(self)
        self.station_label.setObjectName("subtitle")
        heading.addWidget(self.greeting_label)
        heading.addWidget(self.station_label)
        top.addLayout(heading, 1)
        self.password_button = QPushButton(self.tr("Đổi mật khẩu"), self)
        self.lock_button = QPushButton(self.tr("Khóa màn hình"), self)
        self.lock_button.setToolTip("Ctrl+Shift+L")
        self.logout_button = QPushButton(self.tr("Đăng xuất"), self)
        for b in (self.password_button, self.lock_button, self.logout_button):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        self.notice_label = QLabel(self)
        self.notice_label.setObjectName("notice")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)

        tiles = QHBoxLayout()
        self.tile_in_progress = Tile(self.tr("Đang thu nhận"), self)
        self.tile_approval = Tile(self.tr("Chờ phê duyệt"), self)
        self.tile_upload = Tile(self.tr("Chờ gửi"), self)
        self.tile_delivered = Tile(self.tr("Đã giao"), self)
        self.tile_rejected = Tile(self.tr("Bị trả lại"), self)
        for t in (
            self.tile_in_progress,
            self.tile_approval,
            self.tile_upload,
            self.tile_delivered,
            self.tile_rejected,
        ):
            tiles.addWidget(t)
        layout.addLayout(tiles)
        for tile, group in (
            (self.tile_in_progress, "drafts"),
            (self.tile_approval, "approval"),
            (self.tile_upload, "upload"),
            (self.tile_delivered, "delivered"),
            (self.tile_rejected, "rejected"),
        ):
            tile.clicked.connect(lambda g=group: self.group_requested.emit(g))

        quota_row = QHBoxLayout()
        self.quota_label = QLabel(self)
        self.quota_bar = QProgressBar(self)
        self.quota_bar.setTextVisible(True)
        quota_row.addWidget(self.quota_label)
        quota_row.addWidget(self.quota_bar, 1)
        self.quota_box = QWidget(self)
        self.quota_box.setLayout(quota_row)
        self.quota_box.hide()
        layout.addWidget(self.quota_box)

        sync_row = QHBoxLayout()
        self.sync_label = QLabel(self.tr("Đồng bộ: chưa chạy."), self)
        self.sync_label.setWordWrap(True)
        self.sync_button = QPushButton(self.tr("Gửi ngay"), self)
        self.sync_button.clicked.connect(self.sync_requested)
        self.last_sync_label = QLabel(self)
        sync_row.addWidget(self.sync_label, 1)
        sync_row.addWidget(self.last_sync_label, 0)
        sync_row.addWidget(self.sync_button, 0)
        layout.addLayout(sync_row)

        body = QHBoxLayout()
        grid = QGridLayout()
        grid.setSpacing(10)
        self.new_button = self._action(self.tr("&Hồ sơ mới"), "Ctrl+N", self.new_dossier_requested)
        self.search_button = self._action(
            self.tr("&Tìm người trong danh sách"), "Ctrl+F", self.search_requested
        )
        self.queue_button = self._action(self.tr("Hàng đợi hồ &sơ"), "Ctrl+L", self.queue_requested)
        self.approvals_button = self._action(
            self.tr("&Phê duyệt"), "Ctrl+P", self.approvals_requested
        )
        self.rosters_button = self._action(
            self.tr("Đợt thu nhận / &danh sách"), "Ctrl+D", self.rosters_requested
        )
        self.reports_button = self._action(self.tr("&Báo cáo"), "Ctrl+R", self.reports_requested)
        self.settings_button = self._action(
            self.tr("&Cài đặt trạm"), "Ctrl+,", self.settings_requested
        )
        self.action_buttons = [
            self.new_button,
            self.search_button,
            self.queue_button,
            self.approvals_button,
            self.rosters_button,
            self.reports_button,
            self.settings_button,
        ]
        self.grid = grid
        actions = QVBoxLayout()
        actions.addLayout(grid)
        actions.addStretch(1)
        self._place_buttons()
        body.addLayout(actions, 3)

        self.counts_table = QTableWidget(len(State), 2, self)
        self.counts_table.setHorizontalHeaderLabels([self.tr("Trạng thái"), self.tr("Số hồ sơ")])
        self.counts_table.verticalHeader().hide()
        self.counts_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.counts_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.counts_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.counts_table.setWordWrap(False)
        rows = self.counts_table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.counts_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.counts_table.setMaximumWidth(380)
        body.addWidget(self.counts_table, 2, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(body, 1)
        self.counts_error_label = QLabel(self)
        self.counts_error_label.setObjectName("error")
        self.counts_error_label.setWordWrap(True)
        layout.addWidget(self.counts_error_label)

        self.lock_button.clicked.connect(self.lock_requested)
        self.logout_button.clicked.connect(self.logout_requested)
        self.password_button.clicked.connect(self.password_requested)
        # Tab starts on the day's work, not on "change password".
        chain = [
            *self.action_buttons,
            self.sync_button,
            self.password_button,
            self.lock_button,
            self.logout_button,
        ]
        for a, b in itertools.pairwise(chain):
            QWidget.setTabOrder(a, b)

    def _place_buttons(self) -> None:
        """Two columns of the buttons this role has, with no holes where others are hidden."""
        for b in self.action_buttons:
            self.grid.removeWidget(b)
        shown = [b for b in self.action_buttons if not b.isHidden()]
        for i, b in enumerate(shown):
            self.grid.addWidget(b, i // 2, i % 2)

    def _action(self, text: str, shortcut: str, signal: SignalInstance) -> QPushButton:
        # The Ctrl shortcut is the key: an underlined letter would promise an Alt key that the
        # shortcut replaces, so the text carries none.
        button = QPushButton(text.replace("&", ""), self)
        button.setObjectName("action")
        button.setMinimumHeight(56)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.setShortcut(QKeySequence(shortcut))
        button.setToolTip(QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText))
        button.clicked.connect(signal)
        return button

    def show_session(self, session: OperatorSession, info: StationInfo | None, lang: str) -> None:
        role = label(ROLE_LABELS.get(session.role, (session.role, session.role)), lang)
        self.greeting_label.setText(
            self.tr("Xin chào, {name} ({role})").format(name=session.full_name, role=role)
        )
        if info is not None:
            self.station_label.setText(
                self.tr("{name} — mã trạm {code}").format(name=info.name, code=info.code)
            )
        dossier_work = session.role in (Role.OPERATOR, Role.SUPERVISOR)
        supervisor = session.role == Role.SUPERVISOR
        self.new_button.setVisible(dossier_work)
        self.search_button.setVisible(dossier_work)
        self.rosters_button.setVisible(dossier_work)
        self.approvals_button.setVisible(supervisor)
        self.reports_button.setVisible(supervisor)
        self.settings_button.setVisible(session.role == Role.ADMIN)
        self._place_buttons()
        first = next((b for b in self.action_buttons if not b.isHidden()), None)
        if first is not None:
            first.setFocus()
        notices = []
        if session.must_change_password:
            notices.append(self.tr("Bạn phải đổi mật khẩu trước khi làm việc."))
        self.set_notices(notices)

    def set_notices(self, notices: list[str]) -> None:
        self.notice_label.setText("\n".join(notices))
        self.notice_label.setVisible(bool(notices))

    def show_quota(self, done: int | None, target: int | None) -> None:
        """Today's progress against the team's quota; hidden when no quota is set."""
        if done is None or not target:
            self.quota_box.hide()
            return
        self.quota_label.setText(
            self.tr("Chỉ tiêu hôm nay: {done}/{target}").format(done=done, target=target)
        )
        self.quota_bar.setRange(0, target)
        self.quota_bar.setValue(min(done, target))
        self.quota_box.show()

    def show_last_delivery(self, when: str | None, waiting: int) -> None:
        """The last verified receipt (any route) and how many packets still wait for one."""
        if when is None:
            text = self.tr("Chưa có biên nhận nào.")
        else:
            text = self.tr("Biên nhận gần nhất: {time}").format(time=when)
        if waiting:
            text += " · " + self.tr("{n} gói chờ biên nhận").format(n=waiting)
        self.last_sync_label.setText(text)

    def show_sync(self, report: RunReport | None, lang: str = "vi") -> None:
        """The last background upload run, in one line (and its cause, when it failed)."""
        if report is None:
            self.sync_label.setText(self.tr("Đồng bộ: trạm chưa có địa chỉ máy chủ nhận."))
            self.sync_button.setEnabled(False)
            return
        self.sync_button.setEnabled(True)
        when = datetime.now().strftime("%H:%M")
        cause = report.cause if (report.failed or not report.reachable) else None
        cause = cause or report.status_error
        why = "" if cause is None else " " + (cause.en if lang == "en" else cause.vi)
        if not report.reachable:
            self.sync_label.setText(
                self.tr("Đồng bộ lúc {time}: không kết nối được máy chủ nhận.").format(time=when)
                + why
            )
            return
        text = self.tr(
            "Đồng bộ lúc {time}: {receipted} hồ sơ có biên nhận, {refused} bị từ chối, "
            "{failed} lỗi."
        ).format(
            time=when,
            receipted=len(report.receipted),
            refused=len(report.refused),
            failed=len(report.failed),
        )
        if report.held:
            text += " " + self.tr("{held} hồ sơ máy nhận tạm giữ.").format(held=len(report.held))
            duplicates = sum(
                delivery.awaits_central_decision(report.reasons.get(p)) for p in report.held
            )
            if duplicates:
                text += " " + self.tr(
                    "{count} hồ sơ trùng công dân đã có hồ sơ được nhận ở trạm khác, chờ trung "
                    "tâm quyết định."
                ).format(count=duplicates)
        self.sync_label.setText(text + why)

    def show_counts(self, counts: dict[State, int] | None, lang: str, error: str = "") -> None:
        """Tiles and one table row per state, in the lifecycle's order (None: unreadable)."""
        figures = Figures.of(counts) if counts is not None else None
        self.tile_in_progress.set_value(figures.in_progress if figures else None)
        self.tile_approval.set_value(figures.waiting_approval if figures else None)
        self.tile_upload.set_value(figures.waiting_upload if figures else None)
        self.tile_delivered.set_value(figures.delivered if figures else None)
        self.tile_rejected.set_value(figures.rejected if figures else None)
        for row, state in enumerate(State):
            name = QTableWidgetItem(_capitalized(label(STATE_LABELS[state], lang)))
            value = "" if counts is None else str(counts.get(state, 0))
            number = QTableWidgetItem(value)
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.counts_table.setItem(row, 0, name)
            self.counts_table.setItem(row, 1, number)
        height = self.counts_table.horizontalHeader().sizeHint().height()
        height += 2 * self.counts_table.frameWidth()
        height += sum(self.counts_table.rowHeight(r) for r in range(self.counts_table.rowCount()))
        self.counts_table.setFixedHeight(height)
        if error:
            self.counts_error_label.setText(
                self.tr("Không đọc được số liệu hồ sơ: {error}").format(error=error)
            )
            self.counts_error_label.show()
        else:
            self.counts_error_label.hide()
