"""Intake drives: import a school's or workplace's list, then call its people in order.

The calling order (priority groups first: sick or disabled, elderly, people with merit,
religious dignitaries, new 14-year-olds, lost papers; then the queue number), each person's
status and who is next all come from the station core (``service.roster_queue``,
``service.reporting.roster_calls``, ``station.reporting.next_call``). "Enrol this person" emits
``enroll_requested(resident_id)``; the window starts a dossier for them, which marks them enrolled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from station.reporting import ROSTER_STATUS_LABELS, RosterEntry, RosterProgress, next_call
from station.residents import PRIORITY_LABELS, ImportReport, PriorityGroup, RosterKind
from ui.context import UiContext
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)

ROLE_ID = Qt.ItemDataRole.UserRole


def _date_text(iso: str | None) -> str:
    """A (partial) ISO date of birth as the forms write it: dd/mm/yyyy, mm/yyyy or yyyy."""
    if not iso:
        return ""
    return "/".join(reversed(iso.split("-")))


class RosterScreen(QWidget):
    """Rosters on the left; the open roster in calling order on the right, with the call panel.

    Signals: ``back_requested``; ``enroll_requested(int)`` with the resident's id.
    """

    back_requested = Signal()
    enroll_requested = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rosters: list[RosterProgress] = []
        self.entries: list[RosterEntry] = []
        self.roster_id: int | None = None
        self.called: RosterEntry | None = None
        self._request = 0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        top = QHBoxLayout()
        title = QLabel(self.tr("Danh sách đợt thu nhận"), self)
        title.setObjectName("title")
        self.back_button = QPushButton(self.tr("&Quay lại"), self)
        top.addWidget(title, 1)
        top.addWidget(self.back_button)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        layout.addWidget(splitter, 1)
        splitter.addWidget(self._left_panel(splitter))
        splitter.addWidget(self._right_panel(splitter))
        splitter.setSizes([380, 860])

        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.back_button.clicked.connect(self.back_requested)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back_requested.emit)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        QShortcut(QKeySequence(Qt.Key.Key_F6), self, self.call_next)
        QShortcut(QKeySequence(Qt.Key.Key_F8), self, self.enroll_selected)
        self.roster_list.currentItemChanged.connect(self._roster_chosen)
        self.import_button.clicked.connect(lambda: self.import_file())
        self.next_button.clicked.connect(self.call_next)
        self.enroll_button.clicked.connect(self.enroll_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemActivated.connect(lambda _item: self.enroll_selected())
        self.hide_done.toggled.connect(lambda _on: self._apply_filter())
        self._selection_changed()

    def _left_panel(self, parent: QWidget) -> QWidget:
        panel = QWidget(parent)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 8, 0)
        heading = QLabel(self.tr("&Danh sách đã nhập"), panel)
        heading.setObjectName("subtitle")
        self.roster_list = QListWidget(panel)
        heading.setBuddy(self.roster_list)
        column.addWidget(heading)
        column.addWidget(self.roster_list, 1)
        self.kind_combo = QComboBox(panel)
        self.kind_combo.addItem(self.tr("Đợt thu nhận (trường, cơ quan)"), RosterKind.DRIVE.value)
        self.kind_combo.addItem(self.tr("Cư dân của xã, phường"), RosterKind.RESIDENTS.value)
        self.import_button = QPushButton(self.tr("&Nhập danh sách CSV…"), panel)
        column.addWidget(self.kind_combo)
        column.addWidget(self.import_button)
        self.import_label = QLabel(panel)
        self.import_label.setWordWrap(True)
        column.addWidget(self.import_label)
        self.problems = QListWidget(panel)
        self.problems.setMaximumHeight(150)
        self.problems.setWordWrap(True)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.hide()
        column.addWidget(self.problems)
        return panel

    def _right_panel(self, parent: QWidget) -> QWidget:
        panel = QWidget(parent)
        column = QVBoxLayout(panel)
        column.setContentsMargins(8, 0, 0, 0)
        call = QFrame(panel)
        call.setObjectName("card")
        call_layout = QVBoxLayout(call)
        self.call_label = QLabel(self.tr("Chưa gọi ai."), call)
        self.call_label.setObjectName("title")
        self.call_label.setWordWrap(True)
        self.call_detail = QLabel(call)
        self.call_detail.setObjectName("subtitle")
        self.call_detail.setWordWrap(True)
        call_layout.addWidget(self.call_label)
        call_layout.addWidget(self.call_detail)
        buttons = QHBoxLayout()
        self.next_button = QPushButton(self.tr("&Gọi người tiếp theo (F6)"), call)
        self.enroll_button = QPushButton(self.tr("&Thu nhận người này (F8)"), call)
        self.enroll_button.setDefault(True)
        self.hide_done = QCheckBox(self.tr("Ẩn người đã t&hu nhận"), call)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.enroll_button)
        buttons.addStretch(1)
        buttons.addWidget(self.hide_done)
        call_layout.addLayout(buttons)
        column.addWidget(call)

        self.progress_label = QLabel(panel)
        column.addWidget(self.progress_label)
        headers = [
            self.tr("Lượt"),
            self.tr("STT"),
            self.tr("Họ tên"),
            self.tr("Ngày sinh"),
            self.tr("Nhóm ưu tiên"),
            self.tr("Trạng thái"),
            self.tr("Số hồ sơ"),
        ]
        self.table = QTableWidget(0, len(headers), panel)
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for i in range(len(headers)):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        column.addWidget(self.table, 1)
        return panel

    # --- loading ---

    def refresh(self) -> None:
        """Reload the rosters (and the open one) from the station."""
        reporting = self.ctx.service.reporting
        self._run(reporting.rosters, self._show_rosters)
        if self.roster_id is not None:
            self.open_roster(self.roster_id)

    def _show_rosters(self, rosters: list[RosterProgress]) -> None:
        self.rosters = rosters
        current = self.roster_id
        self.roster_list.blockSignals(True)
        self.roster_list.clear()
        for r in rosters:
            kind = (
                self.tr("đợt thu nhận") if r.kind == RosterKind.DRIVE.value else self.tr("cư dân")
            )
            item = QListWidgetItem(
                self.tr("{name} — {kind} — {done}/{total} đã thu nhận").format(
                    name=r.name, kind=kind, done=r.done, total=r.total
                )
            )
            item.setData(ROLE_ID, r.id)
            self.roster_list.addItem(item)
            if r.id == current:
                self.roster_list.setCurrentItem(item)
        self.roster_list.blockSignals(False)
        if not rosters:
            self.status_label.setText(self.tr("Chưa có danh sách nào; hãy nhập một tệp CSV."))

    def _roster_chosen(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is not None:
            self.open_roster(int(item.data(ROLE_ID)))

    def open_roster(self, roster_id: int) -> None:
        """Show one roster in calling order."""
        if roster_id != self.roster_id:
            self.called = None
            self._show_call()
        self.roster_id = roster_id
        self._request += 1
        request = self._request
        reporting = self.ctx.service.reporting
        self._run(
            lambda: reporting.roster_calls(roster_id),
            lambda entries: self._show_entries(request, entries),
        )

    def _show_entries(self, request: int, entries: list[RosterEntry]) -> None:
        if request != self._request:
            return
        self.entries = entries
        selected = self.selected()
        self.table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            r = e.resident
            group = (
                self.ctx.label(PRIORITY_LABELS[PriorityGroup(r.priority_group)])
                if r.priority_group
                else ""
            )
            values = [
                str(e.position),
                "" if r.queue_number is None else str(r.queue_number),
                r.full_name,
                _date_text(r.date_of_birth),
                group,
                self.ctx.label(ROSTER_STATUS_LABELS[e.status]),
                e.dossier_number or "",
            ]
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(ROLE_ID, r.id)
                if col in (0, 1):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, col, item)
        waiting = sum(1 for e in entries if e.waiting)
        self.progress_label.setText(
            self.tr("{total} người; {waiting} người chưa thu nhận.").format(
                total=len(entries), waiting=waiting
            )
        )
        if self.called is not None:  # the called person's status may have changed
            self.called = next(
                (e for e in entries if e.resident.id == self.called.resident.id), None
            )
            self._show_call()
        self._apply_filter()
        if selected is not None:
            self._select(selected.resident.id)
        self.status_label.clear()
        self._selection_changed()

    def _apply_filter(self) -> None:
        hide = self.hide_done.isChecked()
        for row, e in enumerate(self.entries):
            self.table.setRowHidden(row, hide and not e.waiting)

    # --- calling ---

    def selected(self) -> RosterEntry | None:
        row = self.table.currentRow()
        if 0 <= row < len(self.entries) and self.table.selectionModel().hasSelection():
            return self.entries[row]
        return None

    def _select(self, resident_id: int) -> None:
        for row, e in enumerate(self.entries):
            if e.resident.id == resident_id:
                self.table.setRowHidden(row, False)
                self.table.selectRow(row)
                self.table.scrollTo(self.table.model().index(row, 0))
                return

    def call_next(self) -> None:
        """Call the next person still waiting after the one called last (skipped ones later)."""
        after = self.called.resident.id if self.called is not None else None
        entry = next_call(self.entries, after)
        if entry is None:
            self.status_label.setText(self.tr("Mọi người trong danh sách đã được thu nhận."))
            return
        self.called = entry
        self._show_call()
        self._select(entry.resident.id)
        self.enroll_button.setFocus()

    def _show_call(self) -> None:
        e = self.called
        if e is None:
            self.call_label.setText(self.tr("Chưa gọi ai."))
            self.call_detail.clear()
            return
        r = e.resident
        number = r.queue_number if r.queue_number is not None else e.position
        self.call_label.setText(
            self.tr("Mời số {number}: {name}").format(number=number, name=r.full_name)
        )
        details = [self.ctx.label(ROSTER_STATUS_LABELS[e.status])]
        if r.priority_group:
            details.insert(0, self.ctx.label(PRIORITY_LABELS[PriorityGroup(r.priority_group)]))
        if r.date_of_birth:
            details.append(self.tr("sinh {date}").format(date=_date_text(r.date_of_birth)))
        self.call_detail.setText(" · ".join(details))

    def enroll_selected(self) -> None:
        """Start a dossier for the person selected (or called), if they are still waiting."""
        entry = self.selected() or self.called
        if entry is None:
            self.status_label.setText(self.tr("Chọn một người trong danh sách trước."))
            return
        if not entry.waiting:
            self.status_label.setText(
                self.tr("{name} đã có hồ sơ {number}.").format(
                    name=entry.resident.full_name, number=entry.dossier_number or ""
                )
            )
            return
        self.enroll_requested.emit(entry.resident.id)

    def _selection_changed(self) -> None:
        entry = self.selected()
        self.enroll_button.setEnabled(
            (entry is not None and entry.waiting)
            or (entry is None and self.called is not None and self.called.waiting)
        )
        self.next_button.setEnabled(bool(self.entries))

    # --- import ---

    def import_file(self, path: Path | None = None, kind: str | None = None) -> None:
        """Import a roster CSV (supervisor; asks for the file when ``path`` is None)."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self, self.tr("Chọn tệp danh sách"), "", self.tr("Tệp CSV (*.csv *.txt)")
            )
            if not name:
                return
            path = Path(name)
        roster_kind = kind or str(self.kind_combo.currentData())
        service = self.ctx.service
        chosen = path
        self.import_label.setText(self.tr("Đang nhập {file}…").format(file=chosen.name))
        self._run(
            lambda: service.import_roster(chosen, roster_kind, chosen.stem),
            self._imported,
            error_label=self.import_label,
        )

    def _imported(self, report: ImportReport) -> None:
        self.import_label.setText(
            self.tr("Đã nhập {ok} người; {bad} dòng bị loại.").format(
                ok=report.imported, bad=report.rejected
            )
        )
        self.problems.clear()
        for p in report.problems:
            self.problems.addItem(
                self.tr("Dòng {line}: {text}").format(
                    line=p.line, text=self.ctx.label((p.vi, p.en))
                )
            )
        self.problems.setVisible(bool(report.problems))
        self.roster_id = report.roster_id
        self.refresh()

    # --- worker ---

    def _run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        error_label: QLabel | None = None,
    ) -> None:
        label = error_label or self.status_label

        def failed(exc: BaseException) -> None:
            label.setText(self.ctx.error_text(exc))

        self.ctx.worker.submit(fn, on_done, failed)
