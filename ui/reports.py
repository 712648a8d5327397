"""Reports for the team leader: dossiers per day, per operator and per commune against the team's
quotas, a chart of the days, the quota editor, and the report as CSV, PDF or on paper.

Everything counted comes from ``service.reporting`` (``station/reporting.py``): this screen only
shows it. Reading a report and writing files run on the worker; the PDF is laid out by Qt on the
GUI thread (a few pages of text and one picture).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from station.errors import StationError
from station.reporting import TEAM, QuotaImport, QuotaRow, Report, commune_name
from station.residents import ImportProblem
from ui.chart import BarChart
from ui.context import UiContext, day_text
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDate,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QListWidget,
    QPrintDialog,
    QPrinter,
    QPushButton,
    QShortcut,
    QSpinBox,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.report_pdf import (
    commune_label,
    headings,
    percent_text,
    print_report,
    printers,
    short_day,
    summary_text,
    target_text,
    write_pdf,
)

log = logging.getLogger(__name__)

MAX_TARGET_EDIT = 100_000


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _table(parent: QWidget, columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for i in range(1, len(columns)):
        header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], bold_last: bool = False) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if bold_last and r == len(rows) - 1:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            table.setItem(r, c, item)


class QuotaEditor(QWidget):
    """The team's daily targets per commune for a range of days (supervisor).

    Shows the plan of the range's first day; saving writes that plan on every day of the range
    and removes other targets of those days (``set_quotas(..., replace_all=True)``).
    """

    saved = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)

        dates = QHBoxLayout()
        self.start_edit = QDateEdit(self)
        self.end_edit = QDateEdit(self)
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        start_label = QLabel(self.tr("Áp dụng &từ ngày"), self)
        start_label.setBuddy(self.start_edit)
        end_label = QLabel(self.tr("đến ngày"), self)
        end_label.setBuddy(self.end_edit)
        self.load_button = QPushButton(self.tr("Đọc chỉ tiêu"), self)
        dates.addWidget(start_label)
        dates.addWidget(self.start_edit)
        dates.addWidget(end_label)
        dates.addWidget(self.end_edit)
        dates.addWidget(self.load_button)
        dates.addStretch(1)
        layout.addLayout(dates)

        form = QFormLayout()
        self.team_spin = QSpinBox(self)
        self.team_spin.setRange(0, MAX_TARGET_EDIT)
        self.team_spin.setSpecialValueText(self.tr("— (tổng các xã)"))
        form.addRow(self.tr("Chỉ tiêu cả đội mỗi ngày"), self.team_spin)
        layout.addLayout(form)

        add_row = QHBoxLayout()
        self.commune_combo = QComboBox(self)
        self.commune_combo.setEditable(True)
        self.commune_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.commune_combo.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.commune_combo.setCurrentIndex(-1)
        picker_edit = self.commune_combo.lineEdit()
        if picker_edit is not None:
            picker_edit.setPlaceholderText(self.tr("Gõ tên hoặc mã xã, phường"))
        self.add_button = QPushButton(self.tr("&Thêm xã"), self)
        self.remove_button = QPushButton(self.tr("&Bỏ xã đã chọn"), self)
        add_row.addWidget(self.commune_combo, 1)
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.remove_button)
        layout.addLayout(add_row)

        h = headings()
        self.table = _table(self, [h["commune"], self.tr("Chỉ tiêu mỗi ngày")])
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.import_button = QPushButton(self.tr("&Nhập tệp chỉ tiêu CSV…"), self)
        self.save_button = QPushButton(self.tr("&Lưu chỉ tiêu"), self)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.problems = QListWidget(self)
        self.problems.setMaximumHeight(110)
        self.problems.setWordWrap(True)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.hide()
        layout.addWidget(self.problems)

        self.load_button.clicked.connect(self.load)
        self.add_button.clicked.connect(self._add_selected)
        self.remove_button.clicked.connect(self._remove_selected)
        self.save_button.clicked.connect(self.save)
        self.import_button.clicked.connect(lambda: self.import_file())

    # --- plan in the table ---

    def set_range(self, start: date, end: date) -> None:
        self.start_edit.setDate(_qdate(start))
        self.end_edit.setDate(_qdate(end))

    def targets(self) -> dict[str, int]:
        """The plan as shown: commune code -> daily target, TEAM -> the team's total (if set)."""
        plan: dict[str, int] = {}
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            spin = self.table.cellWidget(row, 1)
            if item is not None and isinstance(spin, QSpinBox):
                plan[str(item.data(Qt.ItemDataRole.UserRole))] = spin.value()
        if self.team_spin.value():
            plan[TEAM] = self.team_spin.value()
        return plan

    def add_commune(self, code: str, target: int = 0) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == code:
                self.table.setCurrentCell(row, 1)
                return
        md = self.ctx.service.masterdata
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(commune_label(code, commune_name(code, md), self.ctx.lang))
        item.setData(Qt.ItemDataRole.UserRole, code)
        self.table.setItem(row, 0, item)
        spin = QSpinBox(self.table)
        spin.setRange(0, MAX_TARGET_EDIT)
        spin.setValue(target)
        self.table.setCellWidget(row, 1, spin)

    def _add_selected(self) -> None:
        code = self.commune_combo.currentData()
        if not code:
            text = self.commune_combo.currentText().strip()
            index = self.commune_combo.findText(text, Qt.MatchFlag.MatchContains)
            code = self.commune_combo.itemData(index) if index >= 0 else None
        if code:
            self.add_commune(str(code))
            self.commune_combo.setCurrentIndex(-1)

    def _remove_selected(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def show_plan(self, rows: list[QuotaRow]) -> None:
        self.table.setRowCount(0)
        self.team_spin.setValue(0)
        first = _pydate(self.start_edit.date())
        for q in rows:
            if q.day != first:
                continue
            if q.commune == TEAM:
                self.team_spin.setValue(q.target)
            else:
                self.add_commune(q.commune, q.target)

    # --- service calls ---

    def _range(self) -> tuple[date, date]:
        return _pydate(self.start_edit.date()), _pydate(self.end_edit.date())

    def _fill_communes(self) -> None:
        """The commune picker's list (some 3,300 names), filled when first needed."""
        if self.commune_combo.count():
            return
        md = self.ctx.service.masterdata
        for code in sorted(md.communes, key=lambda c: commune_name(c, md)):
            self.commune_combo.addItem(f"{commune_name(code, md)} ({code})", code)
        self.commune_combo.setCurrentIndex(-1)

    def load(self) -> None:
        """Show the plan of the range's first day."""
        self._fill_communes()
        start = _pydate(self.start_edit.date())
        reporting = self.ctx.service.reporting
        self._run(lambda: reporting.quotas(start, start), self._plan_loaded)

    def _plan_loaded(self, rows: list[QuotaRow]) -> None:
        self.show_plan(rows)
        self._status("")

    def save(self) -> None:
        start, end = self._range()
        plan = self.targets()
        reporting = self.ctx.service.reporting

        def done(written: int) -> None:
            self._status(self.tr("Đã lưu {n} chỉ tiêu.").format(n=written))
            self.saved.emit()

        self._run(lambda: reporting.set_quotas(start, end, plan, replace_all=True), done)

    def import_file(self, path: Path | None = None) -> None:
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self, self.tr("Chọn tệp chỉ tiêu"), "", self.tr("Tệp CSV (*.csv *.txt)")
            )
            if not name:
                return
            path = Path(name)
        reporting = self.ctx.service.reporting
        chosen = path
        self._run(lambda: reporting.import_quotas(chosen.read_bytes(), chosen.name), self._imported)

    def _imported(self, result: QuotaImport) -> None:
        self._show_problems(result.problems)
        if result.problems:
            self._status(
                self.tr("Tệp có {n} dòng sai; chưa lưu chỉ tiêu nào.").format(
                    n=len(result.problems)
                ),
                error=True,
            )
            return
        self._status(
            self.tr("Đã nhập {n} chỉ tiêu cho {days} ngày.").format(
                n=result.targets, days=result.days
            )
        )
        self.load()
        self.saved.emit()

    def _show_problems(self, problems: list[ImportProblem]) -> None:
        self.problems.clear()
        for p in problems:
            self.problems.addItem(
                self.tr("Dòng {line}: {text}").format(
                    line=p.line, text=self.ctx.label((p.vi, p.en))
                )
            )
        self.problems.setVisible(bool(problems))

    def _status(self, text: str, error: bool = False) -> None:
        self.status_label.setObjectName("error" if error else "")
        self.status_label.setStyleSheet("color: #b00020;" if error else "")
        self.status_label.setText(text)

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self._status(self.tr("Đang xử lý…"))

        def failed(exc: BaseException) -> None:
            self._status(self.ctx.error_text(exc), error=True)

        self.ctx.worker.submit(fn, on_done, failed)


class ReportsScreen(QWidget):
    """Counts per day, operator and commune against the quotas; the quota editor; exports.

    Signals: ``back_requested``; ``exported(str)`` with the path of each file written.
    """

    back_requested = Signal()
    exported = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: Report | None = None
        self._request = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)

        top = QHBoxLayout()
        title = QLabel(self.tr("Báo cáo và chỉ tiêu"), self)
        title.setObjectName("title")
        self.back_button = QPushButton(self.tr("&Quay lại"), self)
        top.addWidget(title, 1)
        top.addWidget(self.back_button)
        layout.addLayout(top)

        controls = QHBoxLayout()
        self.start_edit = QDateEdit(self)
        self.end_edit = QDateEdit(self)
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        start_label = QLabel(self.tr("Từ &ngày"), self)
        start_label.setBuddy(self.start_edit)
        end_label = QLabel(self.tr("đến ngày"), self)
        end_label.setBuddy(self.end_edit)
        self.today_button = QPushButton(self.tr("&Hôm nay"), self)
        self.week_button = QPushButton(self.tr("&7 ngày"), self)
        self.month_button = QPushButton(self.tr("&Tháng này"), self)
        self.show_button = QPushButton(self.tr("&Xem báo cáo"), self)
        self.show_button.setDefault(True)
        self.csv_button = QPushButton(self.tr("Xuất &CSV…"), self)
        self.pdf_button = QPushButton(self.tr("Xuất &PDF…"), self)
        self.print_button = QPushButton(self.tr("&In…"), self)
        for w in (
            start_label,
            self.start_edit,
            end_label,
            self.end_edit,
            self.today_button,
            self.week_button,
            self.month_button,
            self.show_button,
        ):
            controls.addWidget(w)
        controls.addStretch(1)
        layout.addLayout(controls)
        # The exports on a row of their own: one row of both did not fit a 1280-pixel window at
        # 125 % scaling.
        exports = QHBoxLayout()
        exports.addStretch(1)
        for w in (self.csv_button, self.pdf_button, self.print_button):
            exports.addWidget(w)
        layout.addLayout(exports)

        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("subtitle")
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        h = headings()
        counts_head = [h["unsealed"], h["undelivered"], h["delivered"], h["rejected"]]
        with_target = [h["captured"], h["target"], h["percent"], *counts_head]
        self.tabs = QTabWidget(self)
        days_page = QSplitter(Qt.Orientation.Vertical, self.tabs)
        self.chart = BarChart(days_page)
        self.day_table = _table(days_page, [h["day"], *with_target])
        days_page.addWidget(self.chart)
        days_page.addWidget(self.day_table)
        days_page.setSizes([260, 220])
        self.operator_table = _table(self.tabs, [h["operator"], h["captured"], *counts_head])
        self.commune_table = _table(self.tabs, [h["commune"], *with_target])
        self.quota_editor = QuotaEditor(ctx, self.tabs)
        self.tabs.addTab(days_page, h["per_day"])
        self.tabs.addTab(self.operator_table, h["per_operator"])
        self.tabs.addTab(self.commune_table, h["per_commune"])
        self.tabs.addTab(self.quota_editor, self.tr("Chỉ tiêu"))
        layout.addWidget(self.tabs, 1)

        self.back_button.clicked.connect(self.back_requested)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back_requested.emit)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        self.show_button.clicked.connect(self.refresh)
        self.today_button.clicked.connect(lambda: self._quick(0))
        self.week_button.clicked.connect(lambda: self._quick(6))
        self.month_button.clicked.connect(self._this_month)
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.print_button.clicked.connect(self.print_report)
        self.quota_editor.saved.connect(self.refresh)

        today = ctx.service.today()
        self.set_range(today - timedelta(days=6), today)
        self._set_exports_enabled(False)

    # --- range ---

    def set_range(self, start: date, end: date) -> None:
        self.start_edit.setDate(_qdate(start))
        self.end_edit.setDate(_qdate(end))
        self.quota_editor.set_range(start, end)

    def range(self) -> tuple[date, date]:
        return _pydate(self.start_edit.date()), _pydate(self.end_edit.date())

    def _quick(self, days_back: int) -> None:
        today = self.ctx.service.today()
        self.set_range(today - timedelta(days=days_back), today)
        self.refresh()

    def _this_month(self) -> None:
        today = self.ctx.service.today()
        self.set_range(today.replace(day=1), today)
        self.refresh()

    # --- loading ---

    def refresh(self) -> None:
        """Read the report of the range shown (on the worker) and the quotas of its first day."""
        start, end = self.range()
        self._request += 1
        request = self._request
        reporting = self.ctx.service.reporting
        self.status_label.setText(self.tr("Đang đọc số liệu…"))
        self.ctx.worker.submit(
            lambda: reporting.report(start, end),
            lambda report: self._loaded(request, report),
            lambda exc: self._failed(request, exc),
        )
        self.quota_editor.load()

    def _loaded(self, request: int, report: Report) -> None:
        if request != self._request:
            return  # an older range's answer
        self.show_report(report)
        self.status_label.clear()

    def _failed(self, request: int, exc: BaseException) -> None:
        if request == self._request:
            self.status_label.setText(self.ctx.error_text(exc))

    def show_report(self, report: Report) -> None:
        self.report = report
        lang = self.ctx.lang
        self.summary_label.setText(summary_text(report))

        def counts(c: Any) -> list[str]:
            return [str(c.unsealed), str(c.undelivered), str(c.delivered), str(c.rejected)]

        days = [
            [
                day_text(r.day, lang),
                str(r.counts.captured),
                target_text(r.target),
                percent_text(r.percent),
                *counts(r.counts),
            ]
            for r in report.days
        ]
        days.append(
            [
                headings()["total"],
                str(report.total.captured),
                target_text(report.target),
                percent_text(report.percent),
                *counts(report.total),
            ]
        )
        _fill(self.day_table, days, bold_last=True)
        _fill(
            self.operator_table,
            [
                [f"{o.full_name} ({o.operator_id})", str(o.counts.captured), *counts(o.counts)]
                for o in report.operators
            ],
        )
        _fill(
            self.commune_table,
            [
                [
                    commune_label(c.code, c.name, lang),
                    str(c.counts.captured),
                    target_text(c.target),
                    percent_text(c.percent),
                    *counts(c.counts),
                ]
                for c in report.communes
            ],
        )
        self.chart.set_data(
            [short_day(r.day, lang) for r in report.days],
            [r.counts.captured for r in report.days],
            [r.target for r in report.days],
        )
        self._set_exports_enabled(True)

    def _set_exports_enabled(self, enabled: bool) -> None:
        self.csv_button.setEnabled(enabled)
        self.pdf_button.setEnabled(enabled)
        has_printer = bool(printers())
        self.print_button.setEnabled(enabled and has_printer)
        self.print_button.setToolTip("" if has_printer else self.tr("Máy này chưa có máy in."))

    # --- exports ---

    def _file_name(self, suffix: str) -> str:
        assert self.report is not None
        r = self.report
        return f"bao-cao-{r.station_code}-{r.start.isoformat()}-{r.end.isoformat()}.{suffix}"

    def _ask_path(self, suffix: str, filter_text: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Lưu báo cáo"), self._file_name(suffix), filter_text
        )
        return Path(name) if name else None

    def export_csv(self, path: Path | None = None) -> None:
        """Write the report shown as CSV (asks where when ``path`` is None); on the worker."""
        report = self.report
        if report is None:
            return
        target = path or self._ask_path("csv", self.tr("Tệp CSV (*.csv)"))
        if target is None:
            return
        service, lang = self.ctx.service, self.ctx.lang

        def write() -> str:
            target.write_bytes(service.reporting.csv(report, lang))
            service.record("report.exported", "", self._audit_details(report, "csv"))
            return str(target)

        self.ctx.worker.submit(write, self._written, self._export_failed)

    def export_pdf(self, path: Path | None = None) -> None:
        """Write the report shown as an A4 PDF (asks where when ``path`` is None)."""
        report = self.report
        if report is None:
            return
        target = path or self._ask_path("pdf", self.tr("Tệp PDF (*.pdf)"))
        if target is None:
            return
        try:
            write_pdf(report, target, self.ctx.lang)
        except OSError as exc:
            self._export_failed(exc)
            return
        service = self.ctx.service
        details = self._audit_details(report, "pdf")
        self.ctx.worker.submit(
            lambda: service.record("report.exported", "", details),
            lambda _none: self._written(str(target)),
            self._export_failed,
        )

    def print_report(self) -> None:
        report = self.report
        if report is None or not printers():
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        print_report(report, printer, self.ctx.lang)
        service = self.ctx.service
        details = self._audit_details(report, "print")
        self.ctx.worker.submit(lambda: service.record("report.printed", "", details))
        self.status_label.setText(self.tr("Đã gửi báo cáo tới máy in."))

    @staticmethod
    def _audit_details(report: Report, kind: str) -> dict[str, Any]:
        return {"format": kind, "from": report.start.isoformat(), "to": report.end.isoformat()}

    def _written(self, path: str) -> None:
        self.status_label.setText(self.tr("Đã lưu báo cáo: {path}").format(path=path))
        self.exported.emit(path)

    def _export_failed(self, exc: BaseException) -> None:
        if isinstance(exc, StationError):
            text = self.ctx.error_text(exc)
        elif isinstance(exc, OSError):
            text = self.tr("Không ghi được tệp: {error}").format(error=exc.strerror or str(exc))
        else:
            text = self.ctx.error_text(exc)
        self.status_label.setText(text)
