"""The documents page of the new-dossier wizard: the supporting papers of the case.

The page lists what the case still needs (from ``missing_captures``), and every page of every
paper already added, as thumbnails with its type. A paper comes from a file (an image or a PDF)
or from the document scanner (``DeviceKind.DOCUMENT``); either way the file is read, checked,
deskewed and sized by the station core on the worker (``service.add_document``) and saved at
once. A file that is refused (damaged, too large, not an image or PDF) is named in the message,
and nothing already added is touched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from station.capture.completeness import Missing
from station.capture.docfile import read_document_file
from station.capture.documents import DOCUMENT_LABELS, DocumentType, document_type
from station.devices import DeviceError, DeviceKind
from station.dossier import PartKind
from station.errors import StationError
from ui.context import UiContext
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QIcon,
    QImage,
    QKeySequence,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPixmap,
    QPushButton,
    QShortcut,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.workers import DevicePrompter

THUMB = QSize(150, 200)
SLOT_ROLE = int(Qt.ItemDataRole.UserRole)


def _thumbnail(data: bytes) -> QImage:
    """A page's JPEG as a small image (QImage is safe off the GUI thread; QPixmap is not)."""
    image = QImage.fromData(data)
    if image.isNull():
        return image
    return image.scaled(
        THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class DocumentsPage(QWidget):
    """Wizard page: supporting papers, added from files or the scanner, typed, removable."""

    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._dossier_id: str | None = None
        self._pending = 0
        self._generation = 0  # bumped by load: results for an earlier dossier are dropped
        self._thumbs: dict[str, QImage] = {}
        self._import_lock = threading.Lock()
        self._prompter = DevicePrompter(self)
        self._prompter.message.connect(self._device_message)
        self._build()

    def _build(self) -> None:
        self.heading = QLabel(self.tr("Giấy tờ kèm theo"), self)
        self.heading.setObjectName("subtitle")
        self.needs_label = QLabel(self)
        self.needs_label.setWordWrap(True)
        self.needs_label.setObjectName("notice")

        self.type_combo = QComboBox(self)
        for kind in DocumentType:
            self.type_combo.addItem(self.ctx.label(DOCUMENT_LABELS[kind]), kind.value)
        type_label = QLabel(self.tr("&Loại giấy tờ"), self)
        type_label.setBuddy(self.type_combo)
        self.file_button = QPushButton(self.tr("Thêm từ tệ&p…"), self)
        self.file_button.setToolTip(self.tr("Ảnh (JPEG, PNG…) hoặc PDF, tối đa 30 MB"))
        self.scan_button = QPushButton(self.tr("&Quét giấy tờ"), self)
        self.remove_button = QPushButton(self.tr("&Xóa trang đã chọn"), self)
        for button in (self.file_button, self.scan_button, self.remove_button):
            button.setMinimumHeight(38)
        self.file_button.clicked.connect(self.choose_files)
        self.scan_button.clicked.connect(self.scan)
        self.remove_button.clicked.connect(self.remove_selected)
        tools = QHBoxLayout()
        tools.addWidget(type_label)
        tools.addWidget(self.type_combo, 1)
        tools.addWidget(self.file_button)
        tools.addWidget(self.scan_button)
        tools.addWidget(self.remove_button)

        self.list = QListWidget(self)
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setGridSize(QSize(THUMB.width() + 40, THUMB.height() + 64))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAccessibleName(self.tr("Các trang giấy tờ đã thêm"))
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_selected)

        self.empty_label = QLabel(self.tr("Chưa có giấy tờ nào."), self)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.needs_label)
        layout.addLayout(tools)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        self.setTabOrder(self.type_combo, self.file_button)
        self.setTabOrder(self.file_button, self.scan_button)
        self.setTabOrder(self.scan_button, self.list)
        self.setTabOrder(self.list, self.remove_button)
        self.setFocusProxy(self.type_combo)
        self._update_buttons()

    # --- public state ---

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def slots(self) -> list[str]:
        """The stored document pages shown, in order."""
        return [str(self.list.item(i).data(SLOT_ROLE)) for i in range(self.list.count())]

    def set_type(self, kind: DocumentType | str) -> None:
        index = self.type_combo.findData(str(kind))
        if index >= 0:
            self.type_combo.setCurrentIndex(index)

    def current_type(self) -> str:
        return str(self.type_combo.currentData())

    # --- wizard page contract ---

    def load(self, dossier_id: str) -> None:
        """Show the dossier's papers as stored; thumbnails come from the worker."""
        if dossier_id != self._dossier_id:
            self._thumbs.clear()
            self._generation += 1
            self._pending = 0
        self._dossier_id = dossier_id
        self._set_error(None)
        self.status_label.clear()
        missing = self._refresh()
        slot_types = {m.slot for m in missing if m.slot}
        if slot_types:
            self.set_type(sorted(slot_types)[0])
        self._load_thumbs([s for s in self.slots() if s not in self._thumbs])

    def leave(self) -> None:
        """Everything is saved as it is added; a scan in progress is cancelled."""
        self.stop()

    def stop(self) -> None:
        self._prompter.cancel()

    # --- actions ---

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            self.tr("Chọn tệp giấy tờ"),
            str(Path.home()),
            self.tr(
                "Ảnh hoặc PDF (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.webp *.pdf);;Mọi tệp (*)"
            ),
        )
        self.add_files([Path(p) for p in paths])

    def add_files(self, paths: Sequence[Path], doc_type: str | None = None) -> None:
        """Add each file as a paper of ``doc_type`` (default: the chosen type), on the worker."""
        dossier_id = self._dossier_id
        if dossier_id is None:
            return
        kind = document_type(doc_type or self.current_type()).value
        self._set_error(None)
        for path in paths:
            self._add(self._file_task(dossier_id, kind, path), path.name)

    def _file_task(
        self, dossier_id: str, kind: str, path: Path
    ) -> Callable[[], tuple[list[str], dict[str, QImage]]]:
        return lambda: self._import(dossier_id, kind, read_document_file(path))

    def scan(self) -> None:
        """Take a page from the document scanner and add it as the chosen type."""
        dossier_id = self._dossier_id
        if dossier_id is None:
            return
        kind = self.current_type()
        devices = self.ctx.devices
        prompter = self._prompter
        prompter.reset()
        self._set_error(None)

        def run() -> tuple[list[str], dict[str, QImage]]:
            if devices is None:
                raise DeviceError(
                    "Trạm chưa cấu hình máy quét giấy tờ.",
                    "No document scanner is configured on this station.",
                    field="document",
                )
            acquired = devices.open(DeviceKind.DOCUMENT).acquire(prompter)
            return self._import(dossier_id, kind, acquired.data)

        self._add(run, None)

    def remove_selected(self) -> None:
        item = self.list.currentItem()
        if item is None or self._dossier_id is None or self.busy:
            return
        self.remove_slot(str(item.data(SLOT_ROLE)))

    def remove_slot(self, slot: str) -> None:
        if self._dossier_id is None:
            return
        try:
            self.ctx.service.remove_part(self._dossier_id, PartKind.DOCUMENT, slot)
        except StationError as exc:
            self._set_error(self.ctx.error_text(exc))
            return
        self._thumbs.pop(slot, None)
        self._refresh()
        self.status_label.setText(self.tr("Đã xóa một trang."))
        self.changed.emit()

    # --- worker plumbing ---

    def _import(
        self, dossier_id: str, kind: str, data: bytes
    ) -> tuple[list[str], dict[str, QImage]]:
        """On the worker: the core checks, deskews and stores; thumbnails of the new pages.

        One import at a time: the core numbers a paper's pages after those already stored.
        """
        service = self.ctx.service
        with self._import_lock:
            slots = service.add_document(dossier_id, kind, data)
        thumbs = {s: _thumbnail(service.part_data(dossier_id, PartKind.DOCUMENT, s)) for s in slots}
        return slots, thumbs

    def _add(self, fn: Callable[[], tuple[list[str], dict[str, QImage]]], name: str | None) -> None:
        generation = self._generation
        self._pending += 1
        self._update_buttons()
        self.status_label.setText(self.tr("Đang xử lý giấy tờ…"))

        def done(result: tuple[list[str], dict[str, QImage]]) -> None:
            if generation != self._generation:
                return
            self._pending -= 1
            slots, thumbs = result
            self._thumbs.update(thumbs)
            self._refresh()
            self.status_label.setText(
                self.tr("Đã thêm {0} trang.").format(len(slots))
                if name is None
                else self.tr("Đã thêm «{0}»: {1} trang.").format(name, len(slots))
            )
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self._pending -= 1
            self._update_buttons()
            self.status_label.clear()
            text = self.ctx.error_text(exc)
            if name is not None:
                self._append_error(self.tr("«{0}»: {1}").format(name, text))
            elif isinstance(exc, DeviceError):
                self._append_error(self.tr("Máy quét giấy tờ: {0}").format(text))
            else:
                self._append_error(text)

        self.ctx.worker.submit(fn, done, failed)

    def _load_thumbs(self, slots: list[str]) -> None:
        if not slots or self._dossier_id is None:
            return
        dossier_id = self._dossier_id
        generation = self._generation
        service = self.ctx.service
        self._pending += 1
        self._update_buttons()

        def run() -> dict[str, QImage]:
            return {
                s: _thumbnail(service.part_data(dossier_id, PartKind.DOCUMENT, s)) for s in slots
            }

        def done(thumbs: dict[str, QImage]) -> None:
            if generation != self._generation:
                return
            self._pending -= 1
            self._thumbs.update(thumbs)
            self._refresh()

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self._pending -= 1
            self._update_buttons()
            self._set_error(self.ctx.error_text(exc))

        self.ctx.worker.submit(run, done, failed)

    def _device_message(self, vi: str, en: str) -> None:
        self.status_label.setText(self.ctx.label((vi, en)))

    # --- showing ---

    def _refresh(self) -> list[Missing]:
        """Rebuild the list and the needs from the service; returns what is missing."""
        if self._dossier_id is None:
            return []
        service = self.ctx.service
        view = service.get_dossier(self._dossier_id)
        missing = [
            m for m in service.missing_captures(self._dossier_id) if m.kind == PartKind.DOCUMENT
        ]
        if missing:
            self.needs_label.setText(
                "\n".join("• " + self.ctx.label((m.vi, m.en)) for m in missing)
            )
        else:
            self.needs_label.setText(
                self.tr("Không thiếu giấy tờ bắt buộc. Có thể thêm giấy tờ khác nếu cần.")
            )
        current = self.list.currentItem()
        keep = str(current.data(SLOT_ROLE)) if current is not None else None
        self.list.clear()
        for part in view.parts:
            if part.kind != PartKind.DOCUMENT:
                continue
            self.list.addItem(self._item(part.slot, part.meta))
            if part.slot == keep:
                self.list.setCurrentRow(self.list.count() - 1)
        self.empty_label.setVisible(self.list.count() == 0)
        self._update_buttons()
        return missing

    def _item(self, slot: str, meta: dict[str, Any]) -> QListWidgetItem:
        try:
            kind_text = self.ctx.label(DOCUMENT_LABELS[DocumentType(str(meta.get("type")))])
        except ValueError:
            kind_text = slot
        text = self.tr("{0}\ntrang {1}/{2}").format(
            kind_text, meta.get("page", 1), meta.get("pages", 1)
        )
        item = QListWidgetItem(text)
        item.setData(SLOT_ROLE, slot)
        item.setToolTip(text.replace("\n", ", "))
        image = self._thumbs.get(slot)
        if image is not None and not image.isNull():
            item.setIcon(QIcon(QPixmap.fromImage(image)))
        return item

    def _update_buttons(self) -> None:
        ready = self._dossier_id is not None and not self.busy
        self.file_button.setEnabled(ready)
        self.scan_button.setEnabled(ready)
        self.remove_button.setEnabled(ready and self.list.currentItem() is not None)

    def _set_error(self, text: str | None) -> None:
        self.error_label.setText(text or "")
        self.error_label.setVisible(bool(text))

    def _append_error(self, text: str) -> None:
        current = self.error_label.text()
        self._set_error(f"{current}\n{text}" if current else text)
