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

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from station.capture.completeness import ExceptionKind
from station.devices import DeviceInfo, DeviceKind, Image
from station.devices.registry import DeviceRegistry
from station.dossier import DossierView
from station.errors import StationError
from station.form import Captures
from station.service import StationService
from ui.capture_page import CapturePage, DeviceCapture, gray_pixmap, thumbnail
from ui.context import UiContext
from ui.exception_dialog import ExceptionDialog
from ui.qt import (
    QCoreApplication,
    QFrame,
    QHBoxLayout,
    QIcon,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPixmap,
    QSize,
    Qt,
    QWidget,
)

translate = QCoreApplication.translate

THUMB_SIDE = 200

PENDING, GOOD, LOW, EXCEPTION, ALARM, BAD = "pending", "good", "low", "exception", "alarm", "bad"


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
    device: DeviceInfo | None = None
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


class BioCapture(DeviceCapture):
    """One dossier's capture of ``spec`` items with its device; every method runs on the
    worker, serialised by a lock; ``idle`` is clear while a capture is in flight."""

    def __init__(
        self,
        spec: BioSpec,
        service: StationService,
        devices: DeviceRegistry | None,
        dossier_id: str,
    ) -> None:
        super().__init__(
            service,
            devices,
            dossier_id,
            spec.device_kind,
            ("Trạm chưa cấu hình thiết bị này.", "This device is not configured on this station."),
        )
        self.spec = spec
        self.session: Any = None

    def _snapshot(self, thumbs: dict[str, Image], error: StationError | None = None) -> BioSnapshot:
        states, _info = stored_states(self.spec, self.service, self.dossier_id)
        return BioSnapshot(states, thumbs, self.device_info(), error)

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
                    thumbs[part.slot] = thumbnail(image, THUMB_SIDE)
            error: StationError | None = None
            try:
                self._open_device()
            except StationError as exc:
                error = exc
            return self._snapshot(thumbs, error)

    def capture(self, slot: str, prompter: Any) -> BioSnapshot:
        """One attempt at ``slot``; the kept image is saved through the service."""
        try:
            with self.lock:
                device = self._open_device()
                _states, info = stored_states(self.spec, self.service, self.dossier_id)
                skip = {s for s, _ in self.spec.items() if self.spec.skipped(info, s)}
                if self.session is None:
                    self.session = self.spec.new_session(device, skip, self.service)
                self.session.skip = skip - {slot}
                self.spec.capture(self.session, slot, prompter)
                thumbs: dict[str, Image] = {}
                image = self.spec.save(self.service, self.dossier_id, self.session, slot)
                if image is not None:
                    thumbs[slot] = thumbnail(image, THUMB_SIDE)
                return self._snapshot(thumbs)
        finally:
            self.idle.set()

    def refresh(self) -> BioSnapshot:
        with self.lock:
            return self._snapshot({})


class BioPage(CapturePage):
    """Wizard page: capture the items of a :class:`BioSpec`, with exceptions."""

    def __init__(self, ctx: UiContext, spec: BioSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.spec = spec
        self._capture: BioCapture | None = None
        self._states: dict[str, ItemState] = {s: ItemState() for s, _ in spec.items()}
        self._build()

    # --- texts (subclasses) ---

    @abstractmethod
    def heading_text(self) -> str: ...

    @abstractmethod
    def not_needed_text(self) -> str: ...

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
        self._build_common(self.heading_text())
        self.capture_button.setText(self.capture_text())

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
        body = QHBoxLayout()
        body.addWidget(self.items, 1)
        body.addWidget(self._side_panel([self.item_title, self.item_status], self.item_image))
        self._assemble(body)
        self.setFocusProxy(self.items)
        self.items.setCurrentRow(0)
        self.items.currentRowChanged.connect(lambda _row: self._show_selected())

    # --- public state (the wizard, tests) ---

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

    def _new_capture(self, dossier_id: str) -> BioCapture:
        return BioCapture(self.spec, self.ctx.service, self.ctx.devices, dossier_id)

    def _forget(self) -> None:
        for row in range(self.items.count()):
            self.items.item(row).setIcon(_placeholder())
            self.items.item(row).setData(Qt.ItemDataRole.UserRole + 1, None)

    def _is_required(self, captures: Captures | None) -> bool:
        return self.spec.required(self.ctx.service, captures)

    def _not_needed_text(self, captures: Captures | None, dossier_id: str) -> str:
        return self.not_needed_text()

    def _show_stored(self, view: DossierView, fresh: bool) -> None:
        states, _info = stored_states(self.spec, self.ctx.service, view.id)
        self._apply(BioSnapshot(states))

    # --- actions ---

    def capture(self) -> None:
        capture = self._capture
        if capture is None or not self._ready():
            return
        slot = self.selected()
        text = translate("BioPage", "Đang chụp: {0}…").format(self._label(slot))
        prompter = self._prompter
        self._start(capture, text, lambda: capture.capture(slot, prompter))

    def show_exception_dialog(self) -> ExceptionDialog | None:
        capture = self._capture
        if capture is None:
            return None
        slot = self.selected()
        return self._exception_dialog(
            self._label(slot),
            self.spec.exception_kinds,
            self.spec.part_kind,
            slot,
            lambda _kind, _reason: capture.refresh,
        )

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
                item.setIcon(QIcon(gray_pixmap(thumb)))
                item.setData(Qt.ItemDataRole.UserRole + 1, gray_pixmap(thumb))
        self._show_device(snapshot.device)
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


def _placeholder() -> QIcon:
    """A light empty frame for an item not captured yet."""
    blank = np.full((96, 96), 235, np.uint8)
    blank[[0, -1], :] = 170
    blank[:, [0, -1]] = 170
    return QIcon(gray_pixmap(blank))
