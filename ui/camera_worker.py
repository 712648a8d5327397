"""The live camera stream of the photo page, on its own ``QThread``.

The thread opens the camera (through a callable, normally the device registry), reads frames,
runs the face checks with tracking (:class:`~station.capture.face.FaceAnalyzer`) and the
automatic capture (:class:`~station.capture.face.AutoCapture`) on every frame, and hands the GUI
a preview by signal. The GUI thread only paints.

Frames are dropped, never queued: at most one preview frame is on its way to the GUI at a time.
The thread sends the next one only after the GUI has said it painted the last one
(:meth:`CameraWorker.frame_shown`), or after :data:`RESEND_AFTER_S` without an answer (a paint
that never came, a hidden window), so a slow GUI sees fewer frames while the checks and the
automatic capture still see every frame the camera gives.

A capture (automatic, or :meth:`CameraWorker.request_capture` by the officer) is cropped to the
card portrait here, off the GUI thread, and handed over with its check results; the stream then
ends (the camera is closed) and a retake starts a new worker. Saving is the page's business.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from station.capture.face import (
    AutoCapture,
    Capture,
    FaceAnalysis,
    FaceAnalyzer,
    portrait,
    portrait_metadata,
)
from station.devices import Camera, DeviceInfo, Frame
from station.errors import StationError
from ui.qt import QImage, QObject, QThread, Signal

log = logging.getLogger(__name__)

#: A preview frame the GUI has not acknowledged after this long is followed by the next anyway.
RESEND_AFTER_S: Final = 0.25
#: How long :meth:`CameraWorker.stop` waits for the thread to end.
STOP_TIMEOUT_MS: Final = 5000

_serials = itertools.count(1)
_streams = itertools.count(1)


@dataclass(frozen=True)
class PreviewFrame:
    """One frame for the preview: the picture, what the checks saw, and how near a capture is."""

    image: QImage
    analysis: FaceAnalysis
    progress: float  # 0..1 towards the automatic capture
    index: int


@dataclass(frozen=True)
class PhotoCapture:
    """A portrait cut from a frame, ready to save with ``service.save_face(jpeg, meta)``."""

    serial: int  # unique in the process: the page handles each capture once
    jpeg: bytes
    meta: dict[str, Any]
    forced: bool
    analysis: FaceAnalysis


@dataclass
class StreamStats:
    """What the stream did: frames read and analysed, previews sent, previews dropped."""

    frames: int = 0
    sent: int = 0
    dropped: int = 0
    started: float = 0.0
    analysis_ms: float = 0.0  # total time in the face checks

    @property
    def analysed_fps(self) -> float:
        elapsed = time.perf_counter() - self.started if self.started else 0.0
        return self.frames / elapsed if elapsed > 0 else 0.0


def to_qimage(image: np.ndarray[Any, Any]) -> QImage:
    """A BGR uint8 frame as a QImage that owns its pixels (safe to hand to another thread)."""
    height, width = image.shape[:2]
    data = np.ascontiguousarray(image)
    view = QImage(data.data, width, height, data.strides[0], QImage.Format.Format_BGR888)
    return view.copy()  # the copy owns its buffer; ``data`` may go once this returns


class CameraWorker(QThread):
    """Streams one camera session: open, preview and check every frame, capture once, close.

    Every signal carries the worker's :attr:`stream` number first, so that a page can tell a
    late signal of a stream it already stopped from one of the stream it is showing. Signals
    (delivered to receivers in the GUI thread):

    * ``opened(DeviceInfo)`` once the camera answers;
    * ``frame_ready(PreviewFrame)``, at most one unacknowledged at a time;
    * ``captured(PhotoCapture)`` when a picture was taken (the stream then ends);
    * ``capture_refused(StationError)`` when a picture asked for could not be cut to the card
      portrait (no face, too near the edge): the stream goes on;
    * ``failed(BaseException)`` when the camera cannot be opened or stops answering (the stream
      ends; start a new worker to retry).
    """

    opened = Signal(int, object)
    frame_ready = Signal(int, object)
    captured = Signal(int, object)
    capture_refused = Signal(int, object)
    failed = Signal(int, object)

    def __init__(
        self,
        open_camera: Callable[[], Camera],
        *,
        auto_capture: bool = True,
        analyzer_factory: Callable[[], FaceAnalyzer] = FaceAnalyzer,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_camera = open_camera
        self._auto_capture = auto_capture
        self._analyzer_factory = analyzer_factory
        self._stop = threading.Event()
        self._force = threading.Event()
        self._lock = threading.Lock()
        self._pending_since: float | None = None  # a preview frame is on its way to the GUI
        self._capture: PhotoCapture | None = None
        self.stream = next(_streams)
        self.device: DeviceInfo | None = None
        self.stats = StreamStats()

    # -- commands from the GUI thread (thread-safe)

    def request_capture(self) -> None:
        """Take a picture from the next frame, whatever the checks say (the officer's button)."""
        self._force.set()

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout_ms: int = STOP_TIMEOUT_MS) -> bool:
        """Ask the stream to end and wait for it; True once the thread has finished."""
        self._stop.set()
        if not self.isRunning():
            return True
        return bool(self.wait(timeout_ms))

    def frame_shown(self) -> None:
        """The GUI painted the last preview frame: the next one may be sent."""
        with self._lock:
            self._pending_since = None

    def last_capture(self) -> PhotoCapture | None:
        """The picture taken, if any (to save it even when its signal has not arrived yet)."""
        with self._lock:
            return self._capture

    # -- the thread

    def run(self) -> None:
        camera: Camera | None = None
        try:
            camera = self._open_camera()
            self.device = camera.info
            if self._stop.is_set():
                return
            self.opened.emit(self.stream, camera.info)
            self._stream(camera)
        except StationError as exc:
            if not self._stop.is_set():
                self.failed.emit(self.stream, exc)
        except Exception as exc:
            log.exception("camera stream failed")
            if not self._stop.is_set():
                self.failed.emit(self.stream, exc)
        finally:
            if camera is not None:
                try:
                    camera.close()
                except Exception:
                    log.exception("closing the camera failed")

    def _stream(self, camera: Camera) -> None:
        analyzer = self._analyzer_factory()
        auto = AutoCapture()
        self.stats = StreamStats(started=time.perf_counter())
        while not self._stop.is_set():
            frame = camera.read()
            started = time.perf_counter()
            analysis = analyzer.analyze(frame, track=True)
            self.stats.analysis_ms += (time.perf_counter() - started) * 1000.0
            self.stats.frames += 1
            fired = auto.feed(frame, analysis)
            if fired is not None and not self._auto_capture:
                # Automatic capture is off: keep the window going for the officer's button.
                auto.reset()
                auto.feed(frame, analysis)
                fired = None
            if fired is None and self._force.is_set():
                self._force.clear()
                fired = auto.force()
            if fired is not None:
                if self._deliver(fired):
                    return
                auto.reset()
            self._preview(frame, analysis, auto.progress if self._auto_capture else 0.0)

    def _preview(self, frame: Frame, analysis: FaceAnalysis, progress: float) -> None:
        now = time.monotonic()
        with self._lock:
            pending = self._pending_since
            if pending is not None and now - pending < RESEND_AFTER_S:
                self.stats.dropped += 1
                return
            self._pending_since = now
        self.stats.sent += 1
        self.frame_ready.emit(
            self.stream, PreviewFrame(to_qimage(frame.image), analysis, progress, frame.index)
        )

    def _deliver(self, fired: Capture) -> bool:
        """Cut the portrait and hand it over; False (stream goes on) when it cannot be cut."""
        try:
            jpeg = portrait(fired.frame, fired.analysis)
        except StationError as exc:
            self.capture_refused.emit(self.stream, exc)
            return False
        capture = PhotoCapture(
            serial=next(_serials),
            jpeg=jpeg,
            meta=portrait_metadata(fired.analysis, forced=fired.forced),
            forced=fired.forced,
            analysis=fired.analysis,
        )
        with self._lock:
            self._capture = capture
        self.captured.emit(self.stream, capture)
        return True
