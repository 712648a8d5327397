"""Search the resident lists as the officer types, and pick a person.

``service.search_residents`` is an FTS5 query; it runs on the GUI thread while it answers in
under ``GUI_THREAD_BUDGET_MS`` and moves to the worker once a search takes longer (a large list,
a slow disk), so typing never stalls. Results of an older query never replace a newer one.
"""

from __future__ import annotations

import time

from station.errors import StationError
from station.residents import ResidentHit
from ui.context import UiContext
from ui.form_fields import date_text
from ui.qt import (
    QEvent,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

DEBOUNCE_MS = 150
GUI_THREAD_BUDGET_MS = 50.0
RESULT_LIMIT = 20


class ResidentSearch(QWidget):
    """A search box over the resident lists and rosters; ``chosen`` gives the resident's id."""

    chosen = Signal(int)

    def __init__(
        self, ctx: UiContext, parent: QWidget | None = None, roster_id: int | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.roster_id = roster_id
        self.hits: list[ResidentHit] = []
        self.use_worker = False
        self._query_seq = 0
        self._shown_seq = 0

        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(
            self.tr("Họ tên (không cần dấu), số định danh, năm sinh…")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.results = QListWidget(self)
        self.results.setMinimumHeight(160)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status_label)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.search_edit.returnPressed.connect(self._choose_current)
        self.search_edit.installEventFilter(self)
        self.results.itemActivated.connect(self._item_activated)

    # --- searching ---

    def search_now(self) -> None:
        """Search for the text in the box now (the debounce timer calls this)."""
        self._timer.stop()
        query = self.search_edit.text().strip()
        self._query_seq += 1
        seq = self._query_seq
        if not query:
            self._show(seq, [])
            return
        if self.use_worker:
            self.ctx.worker.submit(
                lambda: self._search(query),
                lambda hits: self._show(seq, hits),
                lambda exc: self._failed(seq, exc),
            )
            return
        started = time.perf_counter()
        try:
            hits = self._search(query)
        except StationError as exc:
            self._failed(seq, exc)
            return
        if (time.perf_counter() - started) * 1000 > GUI_THREAD_BUDGET_MS:
            self.use_worker = True  # too slow for the GUI thread: the next ones go to the worker
        self._show(seq, hits)

    def _search(self, query: str) -> list[ResidentHit]:
        return self.ctx.service.search_residents(query, RESULT_LIMIT, self.roster_id)

    def _show(self, seq: int, hits: list[ResidentHit]) -> None:
        if seq < self._shown_seq:
            return  # an older query answered late
        self._shown_seq = seq
        self.hits = hits
        self.results.clear()
        for hit in hits:
            item = QListWidgetItem(self._describe(hit), self.results)
            item.setData(Qt.ItemDataRole.UserRole, hit.id)
        if hits:
            self.results.setCurrentRow(0)
        if self.search_edit.text().strip() and not hits:
            self.status_label.setText(self.tr("Không tìm thấy ai trong danh sách."))
        else:
            self.status_label.setText("")

    def _failed(self, seq: int, exc: BaseException) -> None:
        if seq >= self._shown_seq:
            self.status_label.setText(self.ctx.error_text(exc))

    def _describe(self, hit: ResidentHit) -> str:
        parts = [hit.full_name]
        if hit.date_of_birth:
            parts.append(date_text(hit.date_of_birth))
        if hit.id_number:
            parts.append(hit.id_number)
        if hit.address:
            parts.append(hit.address)
        text = " — ".join(parts)
        if hit.existing_dossier:
            text += "  " + self.tr("(đã có hồ sơ {number})").format(number=hit.existing_dossier)
        elif hit.enrolled_dossier_id:
            text += "  " + self.tr("(đã có hồ sơ)")
        return text

    # --- choosing ---

    def _choose_current(self) -> None:
        if self._timer.isActive():
            self.search_now()
        item = self.results.currentItem()
        if item is not None:
            self._item_activated(item)

    def _item_activated(self, item: QListWidgetItem) -> None:
        self.chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Up/Down in the search box move through the results without leaving the box."""
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()), 0)
            if step and self.results.count():
                row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
        return False

    def set_query(self, text: str) -> None:
        """Put ``text`` in the box and search at once (the home screen passes what was typed)."""
        self.search_edit.setText(text)
        self.search_now()

    def focus(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def clear(self) -> None:
        self.search_edit.clear()
        self._show(self._query_seq + 1, [])
