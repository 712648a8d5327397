"""The photo page of the new-dossier wizard: live preview with the face checks, capture, retake.

The camera runs on its own thread (:class:`~ui.camera_worker.CameraWorker`): frames, face checks
and the automatic capture happen there; this page only paints what it is sent and saves the
portrait through ``service.save_face`` on the background worker as soon as it is taken. Every
check of the station core is listed with its verdict, its measured value and the core's own
message. A resumed draft shows the saved portrait; "Retake" (R) opens the camera again and the
saved portrait stays until a new one replaces it.

What the page says about the dossier comes from the service: whether a face is required for the
citizen's age (``captures_required``), and whether the capture happens on a home visit
(``capture_info``), where a supervisor may later accept a background that fails its check.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from station.capture.face import CHECK_NAMES, FaceAnalysis
from station.capture.face_guide import head_guide
from station.devices import Camera, DeviceError, DeviceKind
from station.errors import StationError
from ui.camera_worker import CameraWorker, PhotoCapture, PreviewFrame
from ui.chip_panels import show_chip_face_match
from ui.context import UiContext
from ui.dossier_view import while_alive
from ui.qt import (
    QColor,
    QCoreApplication,
    QFont,
    QGridLayout,
    QHBoxLayout,
    QHideEvent,
    QImage,
    QKeySequence,
    QLabel,
    QLocale,
    QObject,
    QPainter,
    QPaintEvent,
    QPen,
    QPointF,
    QProgressBar,
    QPushButton,
    QRectF,
    QShortcut,
    QShowEvent,
    QSizePolicy,
    Qt,
    QtCore,
    QVBoxLayout,
    QWidget,
    Signal,
    Slot,
)

log = logging.getLogger(__name__)

#: ``ctx.options`` key: False turns the automatic capture off (benchmarks, demonstrations).
AUTO_CAPTURE_OPTION: Final = "photo.auto_capture"

GOOD_COLOUR: Final = "#1b5e20"
BAD_COLOUR: Final = "#b00020"
UNKNOWN_COLOUR: Final = "#555555"


def check_title(name: str) -> str:
    """The short name of a face check, translated (the core gives the messages, not the names)."""
    titles = {
        "exposure": QCoreApplication.translate("PhotoPage", "Độ sáng"),
        "one_face": QCoreApplication.translate("PhotoPage", "Một khuôn mặt"),
        "face_size": QCoreApplication.translate("PhotoPage", "Khoảng cách"),
        "centred": QCoreApplication.translate("PhotoPage", "Vị trí giữa khung"),
        "head_roll": QCoreApplication.translate("PhotoPage", "Đầu thẳng"),
        "eyes_visible": QCoreApplication.translate("PhotoPage", "Hai mắt"),
        "sharpness": QCoreApplication.translate("PhotoPage", "Độ nét"),
        "background": QCoreApplication.translate("PhotoPage", "Phông nền"),
    }
    return titles.get(name, name)


#: A live frame check's row shows, for a saved portrait, the check the core measured on the
#: stored image in its place (the frame's face size becomes the portrait's head height).
SAVED_CHECK: dict[str, str] = {"face_size": "head_height"}


def saved_check(checks: dict[str, Any], name: str) -> Any:
    """The stored check a row shows for a saved portrait (its own name, or what replaces it)."""
    return checks.get(name, checks.get(SAVED_CHECK.get(name, name)))


def stored_face_meta(service: Any, dossier_id: str, fallback: dict[str, Any]) -> dict[str, Any]:
    """The stored portrait's meta: the core's checks measured on the saved bytes."""
    try:
        view = service.get_dossier(dossier_id)
    except StationError:
        return fallback
    part = next((p for p in view.parts if p.kind == "face" and p.slot == ""), None)
    return dict(part.meta) if part is not None else fallback


def format_value(name: str, value: float | None, locale: QLocale) -> str:
    """A check's measured value as the officer reads it (percent, degrees, counts)."""
    if value is None:
        return "—"
    if name in ("one_face", "eyes_visible"):
        return locale.toString(round(value))
    if name == "face_size":
        return f"{locale.toString(value * 100.0, 'f', 0)} %"
    if name == "centred":
        sign = "+" if value > 0 else ""
        return f"{sign}{locale.toString(value * 100.0, 'f', 0)} %"
    if name == "head_roll":
        return f"{locale.toString(value, 'f', 1)}°"
    if name == "background":
        return f"{locale.toString(value * 100.0, 'f', 1)} %"
    if name == "sharpness":
        return locale.toString(value, "f", 2)
    return locale.toString(value, "f", 0)


class CheckRow:
    """One check on screen: a pass/fail mark, the check's name, the core's message, the value."""

    def __init__(self, name: str, grid: QGridLayout, row: int, parent: QWidget) -> None:
        self.name = name
        self.mark = QLabel(parent)
        self.mark.setFixedWidth(28)
        self.mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mark_font = QFont(self.mark.font())
        mark_font.setPointSize(mark_font.pointSize() + 3)
        mark_font.setBold(True)
        self.mark.setFont(mark_font)
        self.title = QLabel(check_title(name), parent)
        title_font = QFont(self.title.font())
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.message = QLabel(parent)
        self.message.setWordWrap(True)
        self.value = QLabel(parent)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.value.setMinimumWidth(60)
        grid.addWidget(self.mark, row, 0)
        grid.addWidget(self.title, row, 1)
        grid.addWidget(self.message, row, 2)
        grid.addWidget(self.value, row, 3)
        self.passed: bool | None = None
        self._shown: tuple[bool | None, str, str] | None = None

    def show_result(self, passed: bool | None, message: str, value: str) -> None:
        """Passed (True), failed (False) or no result yet (None); repaints only on a change."""
        shown = (passed, message, value)
        if shown == self._shown:
            return
        self._shown = shown
        self.passed = passed
        if passed is None:
            mark, colour = "·", UNKNOWN_COLOUR
            verdict = ""
        elif passed:
            mark, colour = "✔", GOOD_COLOUR
            verdict = QCoreApplication.translate("PhotoPage", "Đạt")
        else:
            mark, colour = "✘", BAD_COLOUR
            verdict = QCoreApplication.translate("PhotoPage", "Chưa đạt")
        self.mark.setText(mark)
        self.mark.setStyleSheet(f"color: {colour};")
        self.mark.setAccessibleName(verdict)
        self.message.setText(message)
        self.message.setStyleSheet(f"color: {colour};" if passed is False else "")
        self.value.setText(value)


class PreviewView(QWidget):
    """Paints the live frame (or the captured portrait) with the face box and the head guide.

    After each painted live frame it calls ``on_painted`` (the camera thread then sends the
    next frame).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(480, 360)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self._analysis: FaceAnalysis | None = None
        self._still = False
        self._message = ""
        self._waiting_paint = False
        self.on_painted: Any = None
        self.painted = 0  # live frames painted (the preview's frame rate counts these)

    def set_frame(self, image: QImage, analysis: FaceAnalysis) -> None:
        self._image, self._analysis, self._still, self._message = image, analysis, False, ""
        self._waiting_paint = True
        self.update()
        if not self.isVisible():
            self._painted()

    def set_still(self, image: QImage | None, message: str = "") -> None:
        """A still picture (the captured portrait), or only a message on a dark background."""
        self._image, self._analysis, self._still, self._message = image, None, True, message
        self.update()

    def _painted(self) -> None:
        self._waiting_paint = False
        if self.on_painted is not None:
            self.on_painted()

    def _target(self, width: int, height: int) -> QRectF:
        scale = min(self.width() / width, self.height() / height)
        w, h = width * scale, height * scale
        return QRectF((self.width() - w) / 2.0, (self.height() - h) / 2.0, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#202124"))
        image = self._image
        if image is not None and not image.isNull():
            target = self._target(image.width(), image.height())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._still)
            painter.drawImage(target, image)
            if not self._still:
                self._overlay(painter, target, image.width(), image.height())
        if self._message:
            painter.setPen(QColor("#ffffff"))
            font = QFont(self.font())
            font.setPointSize(font.pointSize() + 3)
            painter.setFont(font)
            box = self.rect().adjusted(24, 24, -24, -24)
            painter.drawText(
                box, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self._message
            )
        painter.end()
        if self._waiting_paint and not self._still:
            self.painted += 1
            self._painted()

    def _overlay(self, painter: QPainter, target: QRectF, width: int, height: int) -> None:
        scale = target.width() / width
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # The head guide: where the head should be (dashed, light).
        guide = head_guide((width, height))
        guide_pen = QPen(QColor(255, 255, 255, 200), 2, Qt.PenStyle.DashLine)
        painter.setPen(guide_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        cx, cy = guide.head_centre
        ax, ay = guide.head_axes
        painter.drawEllipse(
            QPointF(target.x() + cx * scale, target.y() + cy * scale), ax * scale, ay * scale
        )
        analysis = self._analysis
        if analysis is None or analysis.face_box is None:
            return
        x, y, w, h = analysis.face_box
        colour = QColor("#43a047" if analysis.ok else "#ff8f00")
        painter.setPen(QPen(colour, 3))
        painter.drawRect(
            QRectF(target.x() + x * scale, target.y() + y * scale, w * scale, h * scale)
        )
        painter.setBrush(colour)
        for ex, ey in analysis.eyes:
            painter.drawEllipse(QPointF(target.x() + ex * scale, target.y() + ey * scale), 4, 4)


class PhotoPage(QWidget):
    """Wizard page: the citizen's portrait (see the module docstring).

    Integration: ``load(dossier_id)`` when the page is shown, ``leave()`` before moving away or
    locking, ``stop()`` to stop the camera; ``changed`` is emitted after the portrait is saved.
    """

    changed = Signal()

    # Modes (``mode``): what the page is doing.
    EMPTY: Final = "empty"  # no dossier loaded
    STOPPED: Final = "stopped"  # the camera is off; it opens again when the page is shown
    NOT_REQUIRED: Final = "not_required"  # the citizen's age needs no portrait
    STARTING: Final = "starting"  # the camera is opening
    LIVE: Final = "live"  # frames are coming
    CAMERA_ERROR: Final = "camera_error"  # the camera failed; retry offered
    SAVING: Final = "saving"  # a portrait was taken and is being saved
    SAVED: Final = "saved"  # the dossier holds the portrait shown
    UNSAVED: Final = "unsaved"  # saving failed; the portrait is kept in memory, retry offered

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._locale = QLocale(
            QLocale.Language.English if ctx.lang == "en" else QLocale.Language.Vietnamese
        )
        self._dossier_id: str | None = None
        self._home_visit = False
        self._camera: CameraWorker | None = None
        self._stream = 0  # the stream whose signals are shown; 0 = none
        self._on_destroyed: QtCore.QMetaObject.Connection | None = None
        self._handled: set[int] = set()  # capture serials already taken care of
        self._unsaved: PhotoCapture | None = None
        self._saving: int | None = None  # serial of the capture being saved in the background
        # The portrait the dossier holds (shown again when a retake is given up).
        self._saved_portrait: tuple[bytes, dict[str, Any]] | None = None
        self.mode = self.EMPTY
        self._build()

    # -- layout

    def _build(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(16)

        self.preview = PreviewView(self)
        self.preview.on_painted = self._frame_painted
        layout.addWidget(self.preview, 3)

        side = QVBoxLayout()
        side.setSpacing(8)
        self.title_label = QLabel(self.tr("Ảnh chân dung"), self)
        self.title_label.setObjectName("subtitle")
        side.addWidget(self.title_label)

        self.prompt_label = QLabel(self)
        self.prompt_label.setWordWrap(True)
        prompt_font = QFont(self.prompt_label.font())
        prompt_font.setPointSize(prompt_font.pointSize() + 2)
        prompt_font.setBold(True)
        self.prompt_label.setFont(prompt_font)
        side.addWidget(self.prompt_label)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(2, 1)
        self.check_rows: dict[str, CheckRow] = {}
        for row, name in enumerate(CHECK_NAMES):
            self.check_rows[name] = CheckRow(name, grid, row, self)
        side.addLayout(grid)

        self.stability_bar = QProgressBar(self)
        self.stability_bar.setRange(0, 100)
        self.stability_bar.setTextVisible(False)
        self.stability_bar.setFixedHeight(10)
        self.stability_bar.setToolTip(self.tr("Tự động chụp khi mọi tiêu chí đạt và giữ yên"))
        side.addWidget(self.stability_bar)

        self.notice_label = QLabel(self)
        self.notice_label.setObjectName("notice")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        side.addWidget(self.notice_label)

        self.home_visit_label = QLabel(self)
        self.home_visit_label.setObjectName("notice")
        self.home_visit_label.setWordWrap(True)
        self.home_visit_label.hide()
        side.addWidget(self.home_visit_label)

        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        side.addWidget(self.status_label)
        self.chip_face_label = QLabel(self)  # the chip's portrait against this one
        self.chip_face_label.setWordWrap(True)
        self.chip_face_label.hide()
        side.addWidget(self.chip_face_label)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        side.addWidget(self.error_label)

        side.addStretch(1)
        buttons = QHBoxLayout()
        self.capture_button = QPushButton(self.tr("&Chụp ảnh [Space]"), self)
        self.capture_button.setToolTip(self.tr("Chụp ngay, kể cả khi còn tiêu chí chưa đạt"))
        self.capture_button.clicked.connect(self.capture_now)
        self.retake_button = QPushButton(self.tr("Chụp &lại [R]"), self)
        self.retake_button.clicked.connect(self.retake)
        self.retry_button = QPushButton(self.tr("&Thử lại"), self)
        self.retry_button.clicked.connect(self.retry)
        for button in (self.capture_button, self.retake_button, self.retry_button):
            button.setMinimumHeight(40)
            buttons.addWidget(button)
        side.addLayout(buttons)

        panel = QWidget(self)
        panel.setLayout(side)
        panel.setMinimumWidth(400)
        panel.setMaximumWidth(520)
        layout.addWidget(panel, 2)

        self._shortcuts = [
            self._shortcut(Qt.Key.Key_Space, self.capture_now),
            self._shortcut(Qt.Key.Key_R, self.retake),
        ]
        self._apply_mode(self.EMPTY)

    def _shortcut(self, key: Qt.Key, slot: Any) -> QShortcut:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    def _apply_mode(self, mode: str) -> None:
        self.mode = mode
        self.capture_button.setEnabled(mode == self.LIVE)
        self.capture_button.setVisible(mode in (self.STARTING, self.LIVE))
        self.retake_button.setVisible(mode in (self.SAVED, self.UNSAVED, self.SAVING))
        self.retake_button.setEnabled(mode in (self.SAVED, self.UNSAVED))
        self.retry_button.setVisible(mode in (self.CAMERA_ERROR, self.UNSAVED))
        if mode == self.CAMERA_ERROR:
            self.retry_button.setText(self.tr("&Thử lại máy ảnh"))
        elif mode == self.UNSAVED:
            self.retry_button.setText(self.tr("&Lưu lại ảnh"))
        self.stability_bar.setVisible(mode in (self.STARTING, self.LIVE))
        if mode != self.LIVE:
            self.stability_bar.setValue(0)

    # -- the wizard page contract

    def load(self, dossier_id: str) -> None:
        """Show the dossier's portrait as saved, or open the camera when there is none yet."""
        self._halt()
        unsaved = self._unsaved
        if self._saving is not None and dossier_id == self._dossier_id and unsaved is not None:
            # Back on the page while the save handed to the worker on leaving still runs: show
            # that picture being saved; its result lands here (no second camera capture).
            self._show_portrait(unsaved.jpeg, unsaved.meta)
            self._apply_mode(self.SAVING)
            self.status_label.setText(self.tr("Đang lưu ảnh vào hồ sơ…"))
            return
        self._dossier_id = dossier_id
        self._unsaved = None
        self._saving = None
        self._saved_portrait = None
        self._show_error("")
        self.notice_label.hide()
        self.home_visit_label.hide()
        self.status_label.clear()
        self.prompt_label.clear()
        self._clear_checks()
        service = self._ctx.service
        try:
            view = service.get_dossier(dossier_id)
            context = service.capture_info(dossier_id).get("context", {})
            required = service.captures_required(view.form)
            saved = next((p for p in view.parts if p.kind == "face" and p.slot == ""), None)
            jpeg = service.part_data(dossier_id, "face") if saved is not None else None
        except StationError as exc:
            self._apply_mode(self.EMPTY)
            self.preview.set_still(None)
            self._show_error(self._ctx.error_text(exc))
            return
        self._home_visit = bool(context.get("home_visit"))
        if jpeg is not None and saved is not None:
            self._saved_portrait = (jpeg, saved.meta)
            self._show_saved()
            return
        if required is not None and not required.face:
            self._apply_mode(self.NOT_REQUIRED)
            text = self.tr("Theo độ tuổi của công dân, hồ sơ này không cần ảnh chân dung.")
            self.preview.set_still(None, text)
            self.status_label.setText(text)
            return
        if required is None:
            self._show_notice(
                self.tr("Chưa có ngày sinh: chưa xác định được hồ sơ có cần ảnh chân dung không.")
            )
        self._go_live()

    def leave(self) -> None:
        """Stop the camera; a portrait not yet saved is saved on the worker, never on the
        window's thread. The page may be left at once: a save in flight goes on, a picture taken
        meanwhile (or one whose save failed) is handed to the worker, and ``changed`` tells the
        wizard when it is stored. Logout and exit wait for the worker before closing the
        session, so nothing is lost."""
        late = self._halt()
        if late is not None:
            self._accept(late)
        elif self._saving is None and self._unsaved is not None:
            self._save(self._unsaved)

    def enter(self) -> None:
        """The wizard shows the page: open the camera again if it was stopped."""
        if self.mode == self.STOPPED and self._dossier_id is not None:
            self._go_live()

    def stop(self) -> None:
        """Stop the camera stream (idempotent). A picture it took meanwhile is still saved."""
        late = self._halt()
        if late is not None:
            self._accept(late)

    # -- actions

    @Slot()
    def capture_now(self) -> None:
        """Take the picture now (the officer's button, Space)."""
        if self.mode == self.LIVE and self._camera is not None:
            self.status_label.setText(self.tr("Đang chụp…"))
            self._camera.request_capture()

    @Slot()
    def retake(self) -> None:
        """Open the camera again for a new portrait (R); the saved one stays until replaced."""
        if self.mode not in (self.SAVED, self.UNSAVED) or self._dossier_id is None:
            return
        self._unsaved = None
        self._show_error("")
        self._go_live()
        if self._saved_portrait is not None:
            self.status_label.setText(
                self.tr("Ảnh đã lưu vẫn được giữ cho đến khi chụp được ảnh mới.")
            )

    @Slot()
    def retry(self) -> None:
        """After a camera failure: open it again. After a failed save: save again."""
        if self.mode == self.CAMERA_ERROR:
            self._show_error("")
            self._go_live()
        elif self.mode == self.UNSAVED and self._unsaved is not None:
            self._save(self._unsaved)

    # -- the camera stream

    def _open_camera(self) -> Camera:
        """Runs on the camera thread: the configured camera from the device registry."""
        devices = self._ctx.devices
        if devices is None:
            raise DeviceError(
                "Trạm chưa cấu hình thiết bị nào.",
                "The station has no devices configured.",
                field="camera",
            )
        camera: Camera = devices.open(DeviceKind.CAMERA)
        return camera

    def _go_live(self) -> None:
        self._apply_mode(self.STARTING)
        self.preview.set_still(None, self.tr("Đang mở máy ảnh…"))
        self._clear_checks()
        if self.isVisible():
            self._start_camera()

    def _start_camera(self) -> None:
        if self._camera is not None:
            return
        worker = CameraWorker(
            self._open_camera, auto_capture=bool(self._ctx.options.get(AUTO_CAPTURE_OPTION, True))
        )
        worker.opened.connect(self._on_opened)
        worker.frame_ready.connect(self._on_frame)
        worker.captured.connect(self._on_captured)
        worker.capture_refused.connect(self._on_capture_refused)
        worker.failed.connect(self._on_failed)
        # A page destroyed with its camera running stops the thread first (a QThread must not
        # be destroyed while it runs).
        self._on_destroyed = self.destroyed.connect(lambda *_: worker.stop())
        self._camera = worker
        self._stream = worker.stream
        worker.start()

    def _halt(self) -> PhotoCapture | None:
        """Stop the stream and forget it; returns a picture it took that was not handled yet."""
        worker = self._forget_camera()
        if worker is None:
            return None
        if not worker.stop():
            log.error("the camera thread did not stop in time")
        late = worker.last_capture()
        worker.deleteLater()
        if self.mode in (self.STARTING, self.LIVE):
            if self._saved_portrait is not None:
                self._show_saved()  # a retake given up: the saved portrait is still the one
            else:
                self._apply_mode(self.STOPPED)
                self.preview.set_still(None, self.tr("Máy ảnh đã dừng."))
                self._clear_checks()
        if late is not None and late.serial not in self._handled:
            return late
        return None

    def _finish_stream(self) -> None:
        """The stream ended by itself (a capture, a failure): join its thread."""
        worker = self._forget_camera()
        if worker is not None:
            worker.stop()
            worker.deleteLater()

    def _forget_camera(self) -> CameraWorker | None:
        worker = self._camera
        self._camera = None
        self._stream = 0
        if self._on_destroyed is not None:
            QObject.disconnect(self._on_destroyed)
            self._on_destroyed = None
        return worker

    @Slot(int, object)
    def _on_opened(self, stream: int, info: Any) -> None:
        if stream != self._stream:
            return
        name = getattr(info, "name", "")
        self.status_label.setText(self.tr("Máy ảnh: %1").replace("%1", name))

    @Slot(int, object)
    def _on_frame(self, stream: int, frame: PreviewFrame) -> None:
        if stream != self._stream:
            return
        if self.mode == self.STARTING:
            self._apply_mode(self.LIVE)
        self.preview.set_frame(frame.image, frame.analysis)
        self._show_analysis(frame.analysis)
        self.stability_bar.setValue(round(frame.progress * 100))

    def _frame_painted(self) -> None:
        if self._camera is not None:
            self._camera.frame_shown()

    @Slot(int, object)
    def _on_captured(self, stream: int, capture: PhotoCapture) -> None:
        if stream != self._stream:
            return  # a stopped stream's picture is taken care of by _halt's caller
        self._finish_stream()
        if capture.serial not in self._handled:
            self._accept(capture)

    @Slot(int, object)
    def _on_capture_refused(self, stream: int, error: Any) -> None:
        if stream != self._stream:
            return
        self.status_label.clear()
        self._show_error(self._ctx.error_text(error))

    @Slot(int, object)
    def _on_failed(self, stream: int, error: Any) -> None:
        if stream != self._stream:
            return
        self._finish_stream()
        self._apply_mode(self.CAMERA_ERROR)
        text = self._ctx.error_text(error)
        self.preview.set_still(None, self.tr("Máy ảnh không dùng được."))
        self._show_error(text)
        self.status_label.setText(
            self.tr("Kiểm tra dây cáp của máy ảnh rồi bấm «Thử lại máy ảnh».")
        )
        self._clear_checks()

    # -- saving

    def _accept(self, capture: PhotoCapture) -> None:
        """A picture was taken: show it and save it at once (on the worker)."""
        self._handled.add(capture.serial)
        self._show_portrait(capture.jpeg, capture.meta)
        self._show_error("")
        self._save(capture)

    def _save(self, capture: PhotoCapture) -> None:
        dossier_id = self._dossier_id
        if dossier_id is None:
            return
        self._unsaved = capture
        self._saving = capture.serial
        self._apply_mode(self.SAVING)
        self.status_label.setText(self.tr("Đang lưu ảnh vào hồ sơ…"))
        service = self._ctx.service
        serial = capture.serial

        def save() -> dict[str, Any]:
            service.save_face(dossier_id, capture.jpeg, capture.meta)
            return stored_face_meta(service, dossier_id, capture.meta)

        self._ctx.worker.submit(
            save,
            while_alive(self, lambda stored: self._saved(dossier_id, serial, stored)),
            while_alive(self, lambda error: self._save_failed(dossier_id, serial, error)),
        )

    def _saved(self, dossier_id: str, serial: int, meta: dict[str, Any]) -> None:
        if self._saving == serial:
            self._saving = None
        if dossier_id != self._dossier_id or self._unsaved is None:
            return
        if self._unsaved.serial != serial:
            return
        # From now on the rows show the core's verdict on the stored bytes (as on reopening),
        # not the live analyzer's on the last frames.
        self._saved_portrait = (self._unsaved.jpeg, meta)
        self._show_portrait(self._unsaved.jpeg, meta)
        self._unsaved = None
        self._apply_mode(self.SAVED)
        if meta.get("ok") is False:
            self.status_label.setText(
                self.tr("Đã lưu ảnh, nhưng trạm kiểm tra ảnh đã lưu thấy chưa đạt: chụp lại.")
            )
        else:
            self.status_label.setText(self.tr("Đã lưu ảnh chân dung vào hồ sơ."))
        show_chip_face_match(self._ctx, self.chip_face_label, dossier_id)
        self.changed.emit()

    def _save_failed(self, dossier_id: str, serial: int, error: BaseException) -> None:
        if self._saving == serial:
            self._saving = None
        if dossier_id != self._dossier_id:
            return
        self._apply_mode(self.UNSAVED)
        self.status_label.setText(self.tr("Ảnh chưa được lưu; ảnh vẫn được giữ trên màn hình."))
        self._show_error(self._ctx.error_text(error))

    # -- showing

    def _show_saved(self) -> None:
        if self._saved_portrait is None:
            return
        jpeg, meta = self._saved_portrait
        self._show_portrait(jpeg, meta)
        self._apply_mode(self.SAVED)
        self.status_label.setText(self.tr("Ảnh chân dung đã lưu trong hồ sơ."))

    def _show_portrait(self, jpeg: bytes, meta: dict[str, Any]) -> None:
        image = QImage.fromData(jpeg)
        self.preview.set_still(image if not image.isNull() else None)
        self.stability_bar.setValue(0)
        checks = meta.get("checks")
        self.prompt_label.clear()
        if not isinstance(checks, dict):
            self._clear_checks()
            return
        failing_background = False
        for name, row in self.check_rows.items():
            item = saved_check(checks, name)
            if not isinstance(item, dict):
                row.show_result(None, "", "")
                continue
            passed = bool(item.get("passed"))
            value = item.get("value")
            pair = (str(item.get("vi", "")), str(item.get("en", "")))
            number = float(value) if isinstance(value, (int, float)) else None
            row.show_result(passed, self._ctx.label(pair), format_value(name, number, self._locale))
            failing_background |= name == "background" and not passed
        if meta.get("forced"):
            self.prompt_label.setText(self.tr("Ảnh được chụp bằng tay."))
        self._home_visit_notice(failing_background)

    def _show_analysis(self, analysis: FaceAnalysis) -> None:
        for check in analysis.checks:
            row = self.check_rows.get(check.name)
            if row is None:
                continue
            value = format_value(check.name, check.value, self._locale)
            row.show_result(check.passed, self._ctx.label((check.vi, check.en)), value)
        prompt = analysis.prompt
        if prompt is None:
            text = self.tr("Mọi tiêu chí đạt: giữ yên để chụp.")
        else:
            text = self._ctx.label((prompt.vi, prompt.en))
        if self.prompt_label.text() != text:
            self.prompt_label.setText(text)
        background = next((c for c in analysis.checks if c.name == "background"), None)
        self._home_visit_notice(background is not None and not background.passed)

    def _home_visit_notice(self, background_fails: bool) -> None:
        show = self._home_visit and background_fails
        if show and not self.home_visit_label.text():
            self.home_visit_label.setText(
                self.tr(
                    "Thu nhận tại nhà: phông nền chưa đạt. Có thể bấm «Chụp ảnh»; cán bộ phê "
                    "duyệt có thể chấp nhận phông nền này khi duyệt hồ sơ."
                )
            )
        if show != self.home_visit_label.isVisibleTo(self):
            self.home_visit_label.setVisible(show)

    def _show_notice(self, text: str) -> None:
        if self.notice_label.text() != text:
            self.notice_label.setText(text)
        self.notice_label.show()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _clear_checks(self) -> None:
        for row in self.check_rows.values():
            row.show_result(None, "", "")

    # -- visibility

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self.mode == self.STARTING and self._camera is None:
            self._start_camera()  # loaded while hidden
        else:
            self.enter()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        super().hideEvent(event)
        if self._camera is not None:
            self.stop()

    # -- for tests and benchmarks

    @property
    def camera_worker(self) -> CameraWorker | None:
        return self._camera
