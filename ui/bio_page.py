"""A wizard page that captures one kind of biometric part item by item (rolled prints, irises).

The page lists the items (ten fingers, two eyes) with a thumbnail and what the station stored for
each (the core's quality and verdict, an exception, an alarm), and a side panel for the selected
item: capture it (Space), record an exception, cancel. Each capture runs on ``ctx.worker``
(:class:`BioCapture` touches no widget): the device, the station's session (best of up to three
attempts) and the save through the service, so a crash loses nothing. What is required (the
citizen's age, whether the station has an iris camera) and every verdict come from the core; the
page only shows them. :mod:`ui.rolled_page` and :mod:`ui.iris_page` give the specifics.
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from station.capture.completeness import ExceptionKind
from station.devices import DeviceError, DeviceKind, Image
from station.devices.registry import DeviceRegistry
from station.errors import StationError
from station.form import Captures
from station.service import StationService
from ui.context import UiContext
from ui.exception_dialog import ExceptionDialog
from ui.qt import (
    QCoreApplication,
    QFont,
    QFrame,
    QHBoxLayout,
    QIcon,
    QImage,
    QKeyEvent,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPixmap,
    QPushButton,
    QSize,
    QSizePolicy,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.workers import DevicePrompter

translate = QCoreApplication.translate

LEAVE_WAIT_S = 10.0
THUMB_SIDE = 200

PENDING, GOOD, LOW, EXCEPTION, ALARM, BAD = "pending", "good", "low", "exception", "alarm", "bad"


def thumbnail(image: Image) -> Image:
    step = max(1, math.ceil(max(image.shape[:2]) / THUMB_SIDE))
    return np.ascontiguousarray(image[::step, ::step])


@dataclass(frozen=True)
class ItemState:
    """What the station stored for one item (computed on the worker from the core's data)."""

    status: str = PENDING
    quality: int | None = None
    text: tuple[str, str] = ("", "")  # the core's words for a problem, if any


@dataclass(frozen=True)
class BioSnapshot:
    states: dict[str, ItemState]
    thumbs: dict[str, Image] = field(default_factory=dict)
    device: str | None = None
    device_error: StationError | None = None


class BioSpec(ABC):
    """What differs between the rolled-print page and the iris page (subclassed there)."""

    part_kind: str = ""
    device_kind: DeviceKind = DeviceKind.ROLLED
    exception_kinds: Sequence[ExceptionKind] = ()

    @abstractmethod
    def items(self) -> list[tuple[str, tuple[str, str]]]:
        """(slot, (vi, en) label) in capture order."""
        ...

    @abstractmethod
    def required(self, service: StationService, captures: Captures | None) -> bool: ...

    @abstractmethod
    def new_session(self, device: Any, skip: set[str], service: StationService) -> Any: ...

    @abstractmethod
    def capture(self, session: Any, slot: str, prompter: Any) -> None: ...

    @abstractmethod
    def save(
        self, service: StationService, dossier_id: str, session: Any, slot: str
    ) -> Image | None:
        """Save the session's kept image of ``slot`` (returned; None when it has none)."""
        ...

    @abstractmethod
    def decode(self, data: bytes) -> Image | None: ...

    def skipped(self, info: dict[str, Any], slot: str) -> bool:
        """The item has an exception (its own, or one that covers it)."""
        return f"{self.part_kind}/{slot}" in info.get("exceptions", {})


def stored_states(
    spec: BioSpec, service: StationService, dossier_id: str
) -> tuple[dict[str, ItemState], dict[str, Any]]:
    """Each item's state from the stored parts, exceptions and alarms (the core's verdicts)."""
    view = service.get_dossier(dossier_id)
    info = service.capture_info(dossier_id)
    parts = {p.slot: p for p in view.parts if p.kind == spec.part_kind}
    review = service.gate_review(dossier_id)
    problems = {p.slot: (p.vi, p.en) for p in review.problems if p.kind == spec.part_kind}
    states: dict[str, ItemState] = {}
    for slot, _label in spec.items():
        if spec.skipped(info, slot):
            states[slot] = ItemState(EXCEPTION)
            continue
        part = parts.get(slot)
        if part is None:
            states[slot] = ItemState(PENDING)
            continue
        quality = part.meta.get("quality")
        q = quality if isinstance(quality, int) else None
        if slot in problems:
            alarm = any(p.key.startswith("rolled:") for p in review.problems if p.slot == slot)
            states[slot] = ItemState(ALARM if alarm else BAD, q, problems[slot])
        elif part.meta.get("below_threshold"):
            states[slot] = ItemState(LOW, q)
        else:
            states[slot] = ItemState(GOOD, q)
    return states, info


class BioCapture:
    """One dossier's capture of ``spec`` items with its device; every method runs on the
    worker, serialised by a lock; ``idle`` is clear while a capture is in flight."""

    def __init__(
        self,
        spec: BioSpec,
        service: StationService,
        devices: DeviceRegistry | None,
        dossier_id: str,
    ) -> None:
        self.spec = spec
        self.service = service
        self.devices = devices
        self.dossier_id = dossier_id
        self.lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()
        self.device: Any = None
        self.session: Any = None

    def _open(self) -> Any:
        if self.device is None:
            if self.devices is None:
                raise DeviceError(
                    "Trạm chưa cấu hình thiết bị này.",
                    "This device is not configured on this station.",
                    field=self.spec.device_kind.value,
                )
            self.device = self.devices.open(self.spec.device_kind)
        return self.device

    def _snapshot(self, thumbs: dict[str, Image], error: StationError | None = None) -> BioSnapshot:
        states, _info = stored_states(self.spec, self.service, self.dossier_id)
        name = self.device.info.name if self.device is not None else None
        return BioSnapshot(states, thumbs, name, error)

    def prepare(self) -> BioSnapshot:
        """Thumbnails of what is stored, and the device opened (its error reported, not
        raised)."""
        with self.lock:
            thumbs: dict[str, Image] = {}
            view = self.service.get_dossier(self.dossier_id)
            for part in view.parts:
                if part.kind != self.spec.part_kind:
                    continue
                image = self.spec.decode(
                    self.service.part_data(self.dossier_id, part.kind, part.slot)
                )
                if image is not None:
                    thumbs[part.slot] = thumbnail(image)
            error: StationError | None = None
            try:
                self._open()
            except StationError as exc:
                error = exc
            return self._snapshot(thumbs, error)

    def capture(self, slot: str, prompter: Any) -> BioSnapshot:
        """One attempt at ``slot``; the kept image is saved through the service."""
        try:
            with self.lock:
                device = self._open()
                _states, info = stored_states(self.spec, self.service, self.dossier_id)
                skip = {s for s, _ in self.spec.items() if self.spec.skipped(info, s)}
                if self.session is None:
                    self.session = self.spec.new_session(device, skip, self.service)
                self.session.skip = skip - {slot}
                self.spec.capture(self.session, slot, prompter)
                thumbs: dict[str, Image] = {}
                image = self.spec.save(self.service, self.dossier_id, self.session, slot)
                if image is not None:
                    thumbs[slot] = thumbnail(image)
                return self._snapshot(thumbs)
        finally:
            self.idle.set()

    def refresh(self) -> BioSnapshot:
        with self.lock:
            return self._snapshot({})


class BioPage(QWidget):
    """Wizard page: capture the items of a :class:`BioSpec`, with exceptions."""

    changed = Signal()

    def __init__(self, ctx: UiContext, spec: BioSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.spec = spec
        self._dossier_id: str | None = None
        self._capture: BioCapture | None = None
        self._states: dict[str, ItemState] = {s: ItemState() for s, _ in spec.items()}
        self._busy = False
        self._required = True
        self.exception_dialog: ExceptionDialog | None = None
        self._prompter = DevicePrompter(self)
        self._prompter.message.connect(self._device_message)
        self._build()

    # --- texts (subclasses) ---

    def heading_text(self) -> str:
        raise NotImplementedError

    def not_needed_text(self) -> str:
        raise NotImplementedError

    def capture_text(self) -> str:
        return translate("BioPage", "&Chụp  [Space]")

    def status_text(self, state: ItemState) -> str:
        if state.status == PENDING:
            return translate("BioPage", "Chưa chụp")
        if state.status == EXCEPTION:
            return translate("BioPage", "Ngoại lệ")
        if state.status == GOOD:
            return translate("BioPage", "Đạt ({0})").format(state.quality)
        if state.status == LOW:
            return translate("BioPage", "Giữ dù chưa đạt ({0})").format(state.quality)
        if state.status == ALARM:
            return translate("BioPage", "Cảnh báo: không khớp")
        shown = "?" if state.quality is None else state.quality
        return translate("BioPage", "Chưa đạt ({0})").format(shown)

    # --- layout ---

    def _build(self) -> None:
        self.heading = QLabel(self.heading_text(), self)
        self.heading.setObjectName("subtitle")
        self.heading.setWordWrap(True)
        self.instruction_label = QLabel(self)
        self.instruction_label.setWordWrap(True)
        big = QFont(self.font())
        big.setPointSizeF(max(12.0, self.font().pointSizeF() * 1.2))
        big.setBold(True)
        self.instruction_label.setFont(big)

        self.items = QListWidget(self)
        self.items.setViewMode(QListWidget.ViewMode.IconMode)
        self.items.setIconSize(QSize(96, 96))
        self.items.setGridSize(QSize(150, 150))
        self.items.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.items.setMovement(QListWidget.Movement.Static)
        self.items.setWordWrap(True)
        for slot, label in self.spec.items():
            item = QListWidgetItem(self.ctx.label(label), self.items)
            item.setData(Qt.ItemDataRole.UserRole, slot)
            item.setIcon(_placeholder())  # every cell the same height, captured or not

        self.item_title = QLabel(self)
        self.item_title.setObjectName("subtitle")
        self.item_title.setWordWrap(True)
        self.item_status = QLabel(self)
        self.item_status.setWordWrap(True)
        self.item_image = QLabel(self)
        self.item_image.setFixedSize(200, 160)
        self.item_image.setFrameShape(QFrame.Shape.Box)
        self.item_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.capture_button = QPushButton(self.capture_text(), self)
        self.exception_button = QPushButton(translate("BioPage", "&Ngoại lệ…"), self)
        self.cancel_button = QPushButton(translate("BioPage", "Hủy lần chụp  [Esc]"), self)
        for button in (self.capture_button, self.exception_button, self.cancel_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumHeight(34)
        self.capture_button.clicked.connect(self.capture)
        self.exception_button.clicked.connect(self.show_exception_dialog)
        self.cancel_button.clicked.connect(self.cancel)
        side = QVBoxLayout()
        side.addWidget(self.item_title)
        side.addWidget(self.item_status)
        side.addWidget(self.item_image, 0, Qt.AlignmentFlag.AlignHCenter)
        side.addWidget(self.capture_button)
        side.addWidget(self.exception_button)
        side.addWidget(self.cancel_button)
        side.addStretch(1)
        panel = QFrame(self)
        panel.setObjectName("card")
        panel.setLayout(side)
        panel.setMinimumWidth(300)
        panel.setMaximumWidth(400)
        body = QHBoxLayout()
        body.addWidget(self.items, 1)
        body.addWidget(panel)

        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.device_label = QLabel(self)
        self.device_label.setWordWrap(True)

        capture = QWidget(self)
        column = QVBoxLayout(capture)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.heading)
        column.addWidget(self.instruction_label)
        column.addWidget(self.message_label)
        column.addLayout(body, 1)
        column.addWidget(self.error_label)
        column.addWidget(self.device_label)

        self.not_needed_label = QLabel(self)
        self.not_needed_label.setObjectName("subtitle")
        self.not_needed_label.setWordWrap(True)
        self.not_needed_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.not_needed_label.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding
        )
        self.stack = QStackedWidget(self)
        self.stack.addWidget(capture)
        self.stack.addWidget(self.not_needed_label)
        outer = QVBoxLayout(self)
        outer.addWidget(self.stack)
        self.setFocusProxy(self.items)
        self.items.setCurrentRow(0)
        self.items.currentRowChanged.connect(lambda _row: self._show_selected())

    # --- public state (the wizard, tests) ---

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def required(self) -> bool:
        return self._required

    def states(self) -> dict[str, ItemState]:
        return dict(self._states)

    def selected(self) -> str:
        item = self.items.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else self.spec.items()[0][0]

    def select(self, slot: str) -> None:
        for row in range(self.items.count()):
            if self.items.item(row).data(Qt.ItemDataRole.UserRole) == slot:
                self.items.setCurrentRow(row)

    # --- wizard page contract ---

    def load(self, dossier_id: str) -> None:
        service = self.ctx.service
        view = service.get_dossier(dossier_id)
        captures = service.captures_required(view.form)
        if self._dossier_id != dossier_id or self._capture is None:
            self.stop()
            self._capture = BioCapture(self.spec, service, self.ctx.devices, dossier_id)
            self._dossier_id = dossier_id
            for row in range(self.items.count()):
                self.items.item(row).setIcon(_placeholder())
                self.items.item(row).setData(Qt.ItemDataRole.UserRole + 1, None)
            fresh = True
        else:
            fresh = False
        self._set_error(None)
        self._required = self.spec.required(service, captures)
        if not self._required:
            self.stack.setCurrentIndex(1)
            self.not_needed_label.setText(self.not_needed_text())
            self._update_buttons()
            return
        self.stack.setCurrentIndex(0)
        states, _info = stored_states(self.spec, service, dossier_id)
        self._apply(BioSnapshot(states))
        self._advance()
        if fresh:
            self._run(self._capture.prepare, self._prepared)

    def leave(self) -> None:
        self.stop()
        if self._capture is not None:
            self._capture.idle.wait(LEAVE_WAIT_S)

    def stop(self) -> None:
        self._prompter.cancel()

    # --- actions ---

    def capture(self) -> None:
        capture = self._capture
        if capture is None or self._busy or not self._required:
            return
        slot = self.selected()
        self._set_error(None)
        self._prompter.reset()
        text = translate("BioPage", "Đang chụp: {0}…")
        self.instruction_label.setText(text.format(self._label(slot)))
        capture.idle.clear()
        prompter = self._prompter
        self._run(lambda: capture.capture(slot, prompter), self._captured)

    def cancel(self) -> None:
        if self._busy:
            self._prompter.cancel()

    def show_exception_dialog(self) -> ExceptionDialog | None:
        capture = self._capture
        if capture is None or self._busy or not self._required:
            return None
        slot = self.selected()
        dossier_id = capture.dossier_id
        recorded: list[str] = []

        def submit(kind: str, reason: str) -> None:
            self.ctx.service.record_capture_exception(
                dossier_id, self.spec.part_kind, slot, kind, reason
            )
            recorded.append(kind)

        dialog = ExceptionDialog(
            self.ctx, self._label(slot), list(self.spec.exception_kinds), submit, self
        )

        def finished(_result: int) -> None:
            self.exception_dialog = None
            dialog.deleteLater()
            if recorded:
                self._run(capture.refresh, self._recorded)

        dialog.finished.connect(finished)
        self.exception_dialog = dialog
        dialog.open()
        return dialog

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            self.capture()
            return
        if event.key() == Qt.Key.Key_Escape and self._busy:
            self.cancel()
            return
        super().keyPressEvent(event)

    # --- worker plumbing ---

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        capture = self._capture
        self._busy = True
        self._update_buttons()

        def done(result: Any) -> None:
            if capture is not self._capture:
                return
            self._busy = False
            on_done(result)

        def failed(exc: BaseException) -> None:
            if capture is not None:
                capture.idle.set()
            if capture is not self._capture:
                return
            self._busy = False
            self._failed(exc)

        self.ctx.worker.submit(fn, done, failed)

    def _prepared(self, snapshot: BioSnapshot) -> None:
        self._apply(snapshot)
        if snapshot.device_error is not None:
            self._set_error(self.ctx.error_text(snapshot.device_error))
        self._advance()

    def _captured(self, snapshot: BioSnapshot) -> None:
        self._apply(snapshot)
        self._advance()
        self.changed.emit()

    def _recorded(self, snapshot: BioSnapshot) -> None:
        self._apply(snapshot)
        self._advance()
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, StationError):
            if exc.code == "cancelled":
                self.instruction_label.setText(translate("BioPage", "Đã hủy lần chụp."))
            else:
                self._set_error(self.ctx.error_text(exc))
        else:
            self._set_error(translate("BioPage", "Lỗi không mong đợi khi chụp; hãy thử lại."))
        self._update_buttons()

    def _device_message(self, vi: str, en: str) -> None:
        self.message_label.setText(self.ctx.label((vi, en)))

    # --- showing ---

    def _label(self, slot: str) -> str:
        return next(self.ctx.label(label) for s, label in self.spec.items() if s == slot)

    def _apply(self, snapshot: BioSnapshot) -> None:
        self._states = dict(snapshot.states)
        for row in range(self.items.count()):
            item = self.items.item(row)
            slot = str(item.data(Qt.ItemDataRole.UserRole))
            state = self._states.get(slot, ItemState())
            item.setText(f"{self._label(slot)}\n{self.status_text(state)}")
            thumb = snapshot.thumbs.get(slot)
            if thumb is not None:
                item.setIcon(QIcon(_pixmap(thumb)))
                item.setData(Qt.ItemDataRole.UserRole + 1, _pixmap(thumb))
        if snapshot.device is not None:
            self.device_label.setText(translate("BioPage", "Thiết bị: {0}").format(snapshot.device))
        self._show_selected()
        self._update_buttons()

    def _advance(self) -> None:
        """Select the first item still to capture; say what to do next."""
        todo = [s for s, _ in self.spec.items() if self._states[s].status in (PENDING, BAD, ALARM)]
        if todo:
            if self.selected() not in todo:
                self.select(todo[0])
            text = translate("BioPage", "Tiếp theo: {0}. Nhấn Space để chụp.")
            self.instruction_label.setText(text.format(self._label(self.selected())))
        else:
            done = translate("BioPage", "Đã xong phần này: chuyển sang bước tiếp.")
            self.instruction_label.setText(done)

    def _show_selected(self) -> None:
        slot = self.selected()
        state = self._states.get(slot, ItemState())
        self.item_title.setText(self._label(slot))
        text = self.status_text(state)
        if state.text != ("", ""):
            text += "\n" + self.ctx.label(state.text)
        self.item_status.setText(text)
        item = self.items.currentItem()
        pixmap = item.data(Qt.ItemDataRole.UserRole + 1) if item is not None else None
        if isinstance(pixmap, QPixmap):
            self.item_image.setPixmap(
                pixmap.scaled(
                    self.item_image.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.item_image.clear()

    def _set_error(self, text: str | None) -> None:
        self.error_label.setText(text or "")
        self.error_label.setVisible(bool(text))

    def _update_buttons(self) -> None:
        ready = self._capture is not None and self._required and not self._busy
        self.capture_button.setEnabled(ready)
        self.exception_button.setEnabled(ready)
        self.cancel_button.setEnabled(self._busy)


def _pixmap(image: Image) -> QPixmap:
    gray = np.ascontiguousarray(image, dtype=np.uint8)
    h, w = gray.shape[:2]
    qimage = QImage(gray.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimage)


def _placeholder() -> QIcon:
    """A light empty frame for an item not captured yet."""
    blank = np.full((96, 96), 235, np.uint8)
    blank[[0, -1], :] = 170
    blank[:, [0, -1]] = 170
    return QIcon(_pixmap(blank))
