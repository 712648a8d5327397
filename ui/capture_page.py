"""The base of the wizard's device capture pages: flat slaps, rolled prints, irises.

:mod:`ui.finger_page` (the 4-4-2 slaps on a hand diagram) and :mod:`ui.bio_page` (rolled prints
and irises, item by item) differ in what they show; what they share lives here:

- :class:`DeviceCapture`, the worker side: one dossier, its device opened once, a lock that
  serialises the steps and ``idle``, clear while a capture is in flight so that ``leave`` can
  wait for its save (a page left mid-capture loses nothing);
- :class:`CapturePage`, the page side: the heading, the big instruction, the device's messages,
  the side panel's buttons (capture [Space], exception, cancel [Esc]), the error and device
  lines, the "not needed" view; the hand-off to ``ctx.worker`` (a result meant for a dossier the
  page no longer shows is dropped); the exception dialog, recorded on the worker.

Each page supplies ``_apply`` (show a snapshot), ``_advance`` (select what comes next and say so)
and its own layout between the instruction and the error line. The abstract methods are checked
by mypy (Qt's metaclass does not let ``abc`` refuse an incomplete page at run time).
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from station.capture.completeness import ExceptionKind
from station.devices import DeviceError, DeviceInfo, DeviceKind, Image
from station.devices.registry import DeviceRegistry
from station.dossier import DossierView
from station.errors import StationError
from station.form import Captures
from station.service import StationService
from ui.context import UiContext
from ui.device_names import device_text
from ui.exception_dialog import ExceptionDialog
from ui.qt import (
    QCoreApplication,
    QFont,
    QFrame,
    QHBoxLayout,
    QImage,
    QKeyEvent,
    QLabel,
    QPixmap,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.workers import DevicePrompter

translate = QCoreApplication.translate

#: How long ``leave`` waits for a capture in flight to be saved (it is cancelled first).
LEAVE_WAIT_S = 10.0
BUTTON_HEIGHT = 34


def thumbnail(image: Image, side: int) -> Image:
    """A small copy of a grayscale image, ``side`` pixels at most on its longer side (plain
    decimation: cheap, enough for the page)."""
    step = max(1, math.ceil(max(image.shape[:2]) / side))
    return np.ascontiguousarray(image[::step, ::step])


def gray_pixmap(image: Image) -> QPixmap:
    gray = np.ascontiguousarray(image, dtype=np.uint8)
    h, w = gray.shape[:2]
    qimage = QImage(gray.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimage)


class DeviceCapture(ABC):
    """The worker side of one dossier's capture with one device; its methods run on the worker.

    ``lock`` serialises the steps; ``idle`` is clear while a capture is in flight (the page
    clears it before handing the capture to the worker, the capture sets it when done).
    """

    def __init__(
        self,
        service: StationService,
        devices: DeviceRegistry | None,
        dossier_id: str,
        kind: DeviceKind,
        not_configured: tuple[str, str],
    ) -> None:
        self.service = service
        self.devices = devices
        self.dossier_id = dossier_id
        self.lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()
        self.device: Any = None
        self._kind = kind
        self._not_configured = not_configured

    def _open_device(self) -> Any:
        """The device, opened on first use (a DeviceError when the station has none)."""
        if self.device is None:
            if self.devices is None:
                vi, en = self._not_configured
                raise DeviceError(vi, en, field=self._kind.value)
            self.device = self.devices.open(self._kind)
        return self.device

    def device_info(self) -> DeviceInfo | None:
        return self.device.info if self.device is not None else None

    @abstractmethod
    def prepare(self) -> Any:
        """What is stored (thumbnails, the session rebuilt) and the device opened: a snapshot
        with ``device_error`` set when the device could not be opened."""


class CapturePage(QWidget):
    """A wizard page that captures parts with one device on the worker, with exceptions."""

    changed = Signal()
    #: The instruction's size against the page's font.
    INSTRUCTION_SCALE = 1.2

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._dossier_id: str | None = None
        self._capture: DeviceCapture | None = None
        self._busy = False
        self._required = True
        self.exception_dialog: ExceptionDialog | None = None
        self._prompter = DevicePrompter(self)
        self._prompter.message.connect(self._device_message)

    # --- what each page supplies ---

    @abstractmethod
    def _apply(self, snapshot: Any) -> None:
        """Show what a step on the worker handed back."""

    @abstractmethod
    def _advance(self) -> None:
        """Select what needs work next and say what to do."""

    @abstractmethod
    def _new_capture(self, dossier_id: str) -> DeviceCapture:
        """The worker side for a newly loaded dossier."""

    @abstractmethod
    def _forget(self) -> None:
        """Drop what the page shows of the previous dossier."""

    @abstractmethod
    def _is_required(self, captures: Captures | None) -> bool:
        """Whether the dossier needs this page's parts (``captures``: by the citizen's age)."""

    @abstractmethod
    def _not_needed_text(self, captures: Captures | None, dossier_id: str) -> str: ...

    @abstractmethod
    def _show_stored(self, view: DossierView, fresh: bool) -> None:
        """Show the parts as stored (before the worker's snapshot, which adds thumbnails)."""

    def _device_error_text(self, exc: BaseException) -> str:
        return self.ctx.error_text(exc)

    def _cancelled_text(self) -> str:
        return translate("CapturePage", "Đã hủy lần chụp. Nhấn Space để chụp lại.")

    def _retry_text(self) -> str | None:
        """The instruction after a failed capture (None: keep the current one)."""
        return None

    # --- shared widgets ---

    def _build_common(self, heading: str) -> None:
        """The widgets every capture page has; the page lays out its own middle part."""
        self.heading = QLabel(heading, self)
        self.heading.setObjectName("subtitle")
        self.heading.setWordWrap(True)
        self.instruction_label = QLabel(self)
        self.instruction_label.setWordWrap(True)
        big = QFont(self.font())
        big.setPointSizeF(max(12.0, self.font().pointSizeF() * self.INSTRUCTION_SCALE))
        big.setBold(True)
        self.instruction_label.setFont(big)
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.device_label = QLabel(self)
        self.device_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.capture_button = QPushButton(self)
        self.exception_button = QPushButton(translate("CapturePage", "&Ngoại lệ…"), self)
        self.cancel_button = QPushButton(translate("CapturePage", "Hủy lần chụp  [Esc]"), self)
        self.capture_button.clicked.connect(self.capture)
        self.exception_button.clicked.connect(self.show_exception_dialog)
        self.cancel_button.clicked.connect(self.cancel)
        self.not_needed_label = QLabel(self)
        self.not_needed_label.setObjectName("subtitle")
        self.not_needed_label.setWordWrap(True)
        self.not_needed_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.not_needed_label.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding
        )

    def _side_panel(self, widgets: Sequence[QWidget], image: QWidget) -> QFrame:
        """The selected item's card: ``widgets`` above ``image``, then the buttons."""
        side = QVBoxLayout()
        for widget in widgets:
            side.addWidget(widget)
        side.addWidget(image, 0, Qt.AlignmentFlag.AlignHCenter)
        for button in self._buttons():
            # The keyboard stays on the page's list or diagram: Space always means "capture".
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumHeight(BUTTON_HEIGHT)
            side.addWidget(button)
        side.addStretch(1)
        panel = QFrame(self)
        panel.setObjectName("card")
        panel.setLayout(side)
        # At least 300 px; wider when a language's capture label needs it (never clipped).
        panel.setMinimumWidth(300)
        panel.setMaximumWidth(400)
        return panel

    def _buttons(self) -> list[QPushButton]:
        return [self.capture_button, self.exception_button, self.cancel_button]

    def _assemble(self, body: QHBoxLayout, notices: Sequence[QWidget] = ()) -> None:
        """Heading, instruction, device messages, ``body``, ``notices``, error, device line; and
        the "not needed" view beside them."""
        capture = QWidget(self)
        column = QVBoxLayout(capture)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.heading)
        column.addWidget(self.instruction_label)
        column.addWidget(self.message_label)
        column.addLayout(body, 1)
        for notice in notices:
            column.addWidget(notice)
        column.addWidget(self.error_label)
        column.addWidget(self.device_label)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(capture)
        self.stack.addWidget(self.not_needed_label)
        outer = QVBoxLayout(self)
        outer.addWidget(self.stack)

    # --- public state (the wizard, tests) ---

    @property
    def busy(self) -> bool:
        """A step runs on the worker (preparing, capturing, recording an exception)."""
        return self._busy

    @property
    def required(self) -> bool:
        """Whether this dossier needs what the page captures."""
        return self._required

    # --- wizard page contract ---

    def load(self, dossier_id: str) -> None:
        """Show the dossier's parts as stored; a dossier not shown before gets a new capture,
        prepared on the worker (stored images, the device opened)."""
        service = self.ctx.service
        view = service.get_dossier(dossier_id)
        captures = service.captures_required(view.form)
        fresh = self._dossier_id != dossier_id or self._capture is None
        if fresh:
            self.stop()
            self._capture = self._new_capture(dossier_id)
            self._dossier_id = dossier_id
            self._forget()
        self._set_error(None)
        self._required = self._is_required(captures)
        if not self._required:
            self._show_not_needed(self._not_needed_text(captures, dossier_id))
            return
        self.stack.setCurrentIndex(0)
        self._show_stored(view, fresh)
        self._advance()
        capture = self._capture
        if fresh and capture is not None:
            self._run(capture.prepare, self._prepared)

    def leave(self) -> None:
        """Stop the device; a capture in flight is cancelled and its save awaited (bounded)."""
        self.stop()
        if self._capture is not None:
            self._capture.idle.wait(LEAVE_WAIT_S)

    def stop(self) -> None:
        self._prompter.cancel()

    def _show_not_needed(self, text: str) -> None:
        self.stack.setCurrentIndex(1)
        self.not_needed_label.setText(text)
        self._update_buttons()

    # --- actions ---

    @abstractmethod
    def capture(self) -> None:
        """One attempt at the selected item (Space)."""

    def cancel(self) -> None:
        if self._busy:
            self._prompter.cancel()

    @abstractmethod
    def show_exception_dialog(self) -> ExceptionDialog | None:
        """Open the exception dialog for the selected item (non-blocking; also returned)."""

    def _ready(self) -> bool:
        return self._capture is not None and self._required and not self._busy

    def _start(self, capture: DeviceCapture, instruction: str, fn: Callable[[], Any]) -> None:
        """Hand a capture to the worker (``idle`` cleared first: ``leave`` waits for it)."""
        self._set_error(None)
        self._prompter.reset()
        self.instruction_label.setText(instruction)
        capture.idle.clear()
        self._run(fn, self._captured)

    def _exception_dialog(
        self,
        label: str,
        kinds: Sequence[ExceptionKind],
        part_kind: str,
        slot: str,
        after: Callable[[str, str], Callable[[], Any]],
        current: tuple[str, str] | None = None,
    ) -> ExceptionDialog | None:
        """The exception dialog for ``part_kind``/``slot``: the service records what is
        submitted; once closed, ``after(kind, reason)`` runs on the worker and its snapshot is
        shown. ``current``: the exception already recorded (kind, reason), to edit."""
        capture = self._capture
        if capture is None or not self._ready():
            return None
        dossier_id = capture.dossier_id
        recorded: list[tuple[str, str]] = []

        def submit(kind: str, reason: str) -> None:
            self.ctx.service.record_capture_exception(dossier_id, part_kind, slot, kind, reason)
            recorded.append((kind, reason))

        dialog = ExceptionDialog(self.ctx, label, list(kinds), submit, self)
        if current is not None:
            dialog.set_kind(current[0])
            dialog.reason_edit.setPlainText(current[1])

        def finished(_result: int) -> None:
            self.exception_dialog = None
            dialog.deleteLater()
            self._dialog_closed()
            if recorded:
                self._run(after(*recorded[-1]), self._recorded)

        dialog.finished.connect(finished)
        self.exception_dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self) -> None:
        """Give the keyboard back after the exception dialog."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            self.capture()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self._busy:
            self.cancel()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- worker plumbing ---

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        capture = self._capture
        self._busy = True
        self._update_buttons()

        def done(result: Any) -> None:
            if capture is not self._capture:
                return  # another dossier was loaded meanwhile
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

    def _prepared(self, snapshot: Any) -> None:
        self._apply(snapshot)
        error = getattr(snapshot, "device_error", None)
        if error is not None:
            self._set_error(self._device_error_text(error))
        self._advance()

    def _captured(self, snapshot: Any) -> None:
        self._apply(snapshot)
        self._advance()
        self.changed.emit()

    def _recorded(self, snapshot: Any) -> None:
        self._apply(snapshot)
        self._advance()
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._update_buttons()
        if isinstance(exc, StationError) and exc.code == "cancelled":
            self.instruction_label.setText(self._cancelled_text())
            return
        self._set_error(self._device_error_text(exc))
        retry = self._retry_text()
        if retry is not None:
            self.instruction_label.setText(retry)

    def _device_message(self, vi: str, en: str) -> None:
        self.message_label.setText(self.ctx.label((vi, en)))

    # --- showing ---

    def _show_device(self, info: DeviceInfo | None) -> None:
        """The device line: the device's name in the window's language."""
        if info is not None:
            self.device_label.setText(
                translate("CapturePage", "Thiết bị: {0}").format(device_text(info))
            )

    def _set_error(self, text: str | None) -> None:
        self.error_label.setText(text or "")
        self.error_label.setVisible(bool(text))

    def _update_buttons(self) -> None:
        ready = self._ready()
        self.capture_button.setEnabled(ready)
        self.exception_button.setEnabled(ready)
        self.cancel_button.setEnabled(self._busy)
