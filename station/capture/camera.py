"""Camera drivers behind the :class:`~station.devices.Camera` protocol: OpenCV and simulated.

:class:`OpenCvCamera` drives a real camera (a device index such as ``0`` for ``/dev/video0``) or
a video file / stream URL through ``cv2.VideoCapture``. :class:`SimulatedCamera` renders a
person from a real photograph on a plain background, moving a little from frame to frame, with
scenario switches that produce the bad cases the face checks must catch (no face, two faces,
too small, off centre, dark, blurred, busy background, tilted head).
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import cv2
import numpy as np
import numpy.typing as npt

from station.devices import DeviceError, DeviceInfo, DeviceKind, Frame, Image

# --- real cameras -----------------------------------------------------------------------------

#: Stream sources (files, URLs) give up opening / reading after this long instead of hanging.
STREAM_TIMEOUT_MS: Final = 5000


def _is_url(source: str) -> bool:
    return "://" in source


def _device_node(index: int) -> Path:
    return Path(f"/dev/video{index}")


def _device_backend(platform: str = sys.platform) -> int:
    """The capture API for a device index on this platform (CAP_ANY where there is no choice)."""
    if platform.startswith("linux"):
        return int(cv2.CAP_V4L2)
    if platform == "win32":
        return int(cv2.CAP_MSMF)
    if platform == "darwin":
        return int(cv2.CAP_AVFOUNDATION)
    return int(cv2.CAP_ANY)


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own warnings ("can't open camera by index") while probing devices."""
    previous = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(previous)


def _as_bgr(image: npt.NDArray[Any]) -> Image:
    """A frame as H x W x 3 uint8 BGR, whatever the capture backend handed over."""
    if image.dtype != np.uint8:
        image = cv2.convertScaleAbs(image)
    if image.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if image.shape[2] == 4:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    return np.ascontiguousarray(image, dtype=np.uint8)


class OpenCvCamera:
    """A camera read through ``cv2.VideoCapture``.

    ``source`` is a device index (``0`` is the first camera: ``/dev/video0`` on Linux) or a path
    / URL of a video file or stream. The requested size and rate are hints: the camera picks the
    nearest mode it has, and :attr:`actual` reports what it gave once open. The default asks for
    1280x720 so that a face filling a third of the frame height still gives a portrait of about
    480 pixels of height before scaling.
    """

    def __init__(
        self,
        source: int | str = 0,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        *,
        name: str | None = None,
    ) -> None:
        if isinstance(source, bool) or (isinstance(source, int) and source < 0):
            raise ValueError(f"bad camera source {source!r}")
        self.source = source
        self.width = width
        self.height = height
        self.fps = fps
        label = name or (f"Camera {source}" if isinstance(source, int) else str(source))
        self.info = DeviceInfo(
            kind=DeviceKind.CAMERA,
            driver="opencv",
            device_id=str(source),
            name=label,
            simulated=False,
            details={"width": width, "height": height, "fps": fps},
        )
        self.actual: tuple[int, int, float] | None = None
        self._cap: cv2.VideoCapture | None = None
        self._index = 0

    # -- messages

    def _label(self) -> str:
        return self.info.name

    def _cannot_open(self, why_vi: str, why_en: str) -> DeviceError:
        return DeviceError(
            f"Không mở được máy ảnh «{self._label()}»: {why_vi}.",
            f"Cannot open camera '{self._label()}': {why_en}.",
            field="camera",
        )

    # -- protocol

    def open(self) -> None:
        if self._cap is not None:
            return
        source = self.source
        if isinstance(source, int):
            if sys.platform.startswith("linux") and not _device_node(source).exists():
                raise self._cannot_open(
                    f"không có thiết bị {_device_node(source)}",
                    f"there is no device {_device_node(source)}",
                )
            with _quiet_opencv():
                cap = cv2.VideoCapture(source, _device_backend())
        else:
            if not _is_url(source) and not Path(source).is_file():
                raise self._cannot_open("không tìm thấy tệp", "no such file")
            params = [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
            ]
            with _quiet_opencv():
                cap = cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            cap.release()
            if isinstance(source, int):
                raise self._cannot_open(
                    "thiết bị không trả lời hoặc đang được chương trình khác dùng",
                    "the device does not answer or another program is using it",
                )
            raise self._cannot_open(
                "không đọc được tệp hoặc luồng video", "cannot read the video file or stream"
            )
        if isinstance(source, int):
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, float(self.width))
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, float(self.height))
            cap.set(cv2.CAP_PROP_FPS, float(self.fps))
        self.actual = (
            int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            float(cap.get(cv2.CAP_PROP_FPS)),
        )
        self._cap = cap
        self._index = 0

    def read(self) -> Frame:
        cap = self._cap
        if cap is None:
            raise DeviceError(
                f"Máy ảnh «{self._label()}» chưa được mở.",
                f"Camera '{self._label()}' is not open.",
                field="camera",
            )
        ok, image = cap.read()
        if not ok or image is None or image.size == 0:
            if isinstance(self.source, int):
                raise DeviceError(
                    f"Máy ảnh «{self._label()}» không gửi hình; kiểm tra dây cáp rồi thử lại.",
                    f"Camera '{self._label()}' sent no frame; check the cable and try again.",
                    field="camera",
                )
            raise DeviceError(
                f"Nguồn video «{self._label()}» đã hết hoặc bị ngắt.",
                f"Video source '{self._label()}' has ended or was cut off.",
                field="camera",
            )
        frame = Frame(image=_as_bgr(image), index=self._index, timestamp=time.monotonic())
        self._index += 1
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def __enter__(self) -> OpenCvCamera:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def list_cameras(max_index: int = 4) -> list[DeviceInfo]:
    """The cameras that answer on device indexes ``0 .. max_index - 1``.

    On Linux only the indexes with a ``/dev/videoN`` node are opened (a machine without a camera
    answers at once, opening nothing); elsewhere each index is tried in turn and the probe stops
    at the first one that does not open (Windows and macOS number their cameras without gaps;
    Media Foundation takes a second or so per index). Nothing is read from the cameras: a UVC
    camera's metadata node (a second ``/dev/videoN``) does not open for capture and is skipped.
    """
    found: list[DeviceInfo] = []
    linux = sys.platform.startswith("linux")
    for index in range(max_index):
        if linux and not _device_node(index).exists():
            continue
        with _quiet_opencv():
            cap = cv2.VideoCapture(index, _device_backend())
            try:
                usable = cap.isOpened()
                width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) if usable else 0
                height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) if usable else 0
            finally:
                cap.release()
        if not usable:
            if linux:
                continue
            break
        found.append(
            DeviceInfo(
                kind=DeviceKind.CAMERA,
                driver="opencv",
                device_id=str(index),
                name=f"Camera {index}",
                simulated=False,
                details={"width": width, "height": height},
            )
        )
    return found


# --- simulated camera -------------------------------------------------------------------------

SCENARIOS: Final = (
    "good",
    "no_face",
    "two_faces",
    "too_small",
    "off_centre",
    "dark",
    "blurred",
    "busy_background",
    "tilted",
)

#: The face in ``skimage.data.astronaut()``: centre and height of the box OpenCV's
#: ``haarcascade_frontalface_alt2`` finds there (x 177, y 66, 97 x 97), in the photograph's pixels.
_PHOTO_FACE_CENTRE: Final = (225.5, 114.5)
_PHOTO_FACE_HEIGHT: Final = 97.0
#: Her head's own roll in the photograph, from the pupils at (203.5, 100.6) and (246, 103): the
#: renderer turns the photograph by the difference so that scenario rolls are true head rolls.
_PHOTO_ROLL: Final = -3.2
#: Rows below the person's cut-out bottom edge filled by repeating it (the suit goes on down).
_SPRITE_EXTENSION: Final = 420
_BACKGROUND_BGR: Final = (228, 232, 236)  # a light grey, slightly warm wall


@dataclass(frozen=True)
class _Sprite:
    """The person cut out of the photograph: premultiplied BGR and alpha, both float32."""

    bgr: npt.NDArray[np.float32]
    alpha: npt.NDArray[np.float32]
    face_centre: tuple[float, float]  # in sprite pixels
    face_height: float


def _skimage_picture(name: str) -> Image:
    """A picture that ships inside the scikit-image wheel (no download)."""
    from skimage import data  # imported here: only the simulator needs scikit-image

    loader: Callable[[], Any] = getattr(data, name)
    return np.asarray(loader(), dtype=np.uint8)


@lru_cache(maxsize=1)
def _sprite() -> _Sprite:
    """Cut Eileen Collins out of the NASA portrait with GrabCut (once per process, ~0.4 s).

    The mask is seeded with a rough silhouette drawn by hand (head, collar ring, suit) and the
    OpenCV random generator (of the calling thread) is seeded, so the cut is the same on every
    run.
    """
    rgb = _skimage_picture("astronaut")
    photo = np.ascontiguousarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), dtype=np.uint8)
    mask = np.full(photo.shape[:2], cv2.GC_BGD, np.uint8)
    silhouette = [
        (150, 40),
        (190, 5),
        (270, 5),
        (310, 50),
        (310, 150),
        (320, 190),
        (365, 260),
        (375, 340),
        (15, 340),
        (25, 250),
        (100, 200),
        (130, 175),
        (150, 130),
    ]
    collar = [(130, 200), (175, 170), (250, 180), (285, 205), (300, 240), (270, 275), (150, 280)]
    cv2.fillPoly(mask, [np.array(silhouette, np.int32)], cv2.GC_PR_FGD)
    cv2.ellipse(mask, (225, 120), (45, 60), 0, 0, 360, cv2.GC_FGD, -1)
    cv2.fillPoly(mask, [np.array([*collar, (120, 230)], np.int32)], cv2.GC_FGD)
    cv2.rectangle(mask, (120, 260), (330, 340), cv2.GC_FGD, -1)
    cv2.setRNGSeed(20260101)
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    cv2.grabCut(photo, mask, (0, 0, 0, 0), bgd_model, fgd_model, 5, cv2.GC_INIT_WITH_MASK)
    fg = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    # Keep the person only (the largest blob) and soften the edge by a pixel or two.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count > 1:
        biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        fg = (labels == biggest).astype(np.uint8)
    x0, x1, y1 = 10, 380, 340
    alpha = cv2.GaussianBlur(fg[:y1, x0:x1].astype(np.float32), (5, 5), 1.2)
    bgr = photo[:y1, x0:x1].astype(np.float32)
    # The suit goes on below the cut: repeat the bottom rows so a small, far person has a body.
    bgr = np.concatenate([bgr, np.repeat(bgr[-1:], _SPRITE_EXTENSION, axis=0)])
    alpha = np.concatenate([alpha, np.repeat(alpha[-1:], _SPRITE_EXTENSION, axis=0)])
    premultiplied = bgr * alpha[:, :, None]
    cx, cy = _PHOTO_FACE_CENTRE
    return _Sprite(
        bgr=np.ascontiguousarray(premultiplied),
        alpha=np.ascontiguousarray(alpha),
        face_centre=(cx - x0, cy),
        face_height=_PHOTO_FACE_HEIGHT,
    )


@lru_cache(maxsize=4)
def _busy_background(width: int, height: int) -> npt.NDArray[np.float32]:
    """A brick wall (``skimage.data.brick()``, CC0) tinted warm: a background with strong edges."""
    brick = cv2.resize(_skimage_picture("brick"), (width, height), interpolation=cv2.INTER_AREA)
    tinted = cv2.merge([brick * 0.55, brick * 0.7, brick * 0.95])
    return np.ascontiguousarray(tinted.astype(np.float32))


@lru_cache(maxsize=4)
def _plain_background(width: int, height: int) -> npt.NDArray[np.float32]:
    """A plain light wall, a touch brighter in the middle (as a lamp lights it)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    r2 = ((xs - width / 2) / width) ** 2 + ((ys - height / 2) / height) ** 2
    shade = 1.0 - 0.08 * r2
    base = np.array(_BACKGROUND_BGR, np.float32)
    return np.ascontiguousarray(shade[:, :, None] * base[None, None, :])


@dataclass(frozen=True)
class _Pose:
    cx: float  # face centre, fraction of the frame width
    cy: float  # face centre, fraction of the frame height
    face: float  # face box height, fraction of the frame height
    roll: float  # degrees, positive = counter-clockwise on screen


#: Where each scenario puts the person (before the gentle motion is added).
_POSES: Final[dict[str, tuple[_Pose, ...]]] = {
    "good": (_Pose(0.5, 0.48, 0.28, 0.0),),
    "no_face": (),
    "two_faces": (_Pose(0.29, 0.46, 0.26, 0.0), _Pose(0.71, 0.50, 0.24, 0.0)),
    "too_small": (_Pose(0.5, 0.42, 0.13, 0.0),),
    "off_centre": (_Pose(0.76, 0.48, 0.28, 0.0),),
    "dark": (_Pose(0.5, 0.48, 0.28, 0.0),),
    "blurred": (_Pose(0.5, 0.48, 0.28, 0.0),),
    "busy_background": (_Pose(0.5, 0.48, 0.28, 0.0),),
    "tilted": (_Pose(0.5, 0.48, 0.28, 15.0),),
}


@dataclass(frozen=True)
class ScenePerson:
    """Where a person stands in a rendered frame, in pixels: the truth the face checks measure."""

    face_centre: tuple[float, float]
    face_height: float  # height of the frontal-face box the cascade finds on the photograph
    roll: float  # degrees the head is turned, positive = counter-clockwise on screen


def scene_people(
    scenario: str,
    t: float,
    *,
    width: int = 640,
    height: int = 480,
    seed: int = 0,
    motion: float = 1.0,
) -> list[ScenePerson]:
    """The people of ``scenario`` at time ``t`` (seconds), after the gentle motion.

    The person drifts by about 1 % of the frame, breathes in and out of it by 2 % and rolls by a
    degree or so, along slow sine waves whose periods and phases come from ``seed``;
    ``motion=0`` stands them still.
    """
    if scenario not in _POSES:
        raise ValueError(f"unknown scenario {scenario!r}; one of {', '.join(SCENARIOS)}")
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0.0, 2.0 * math.pi, size=4)
    periods = rng.uniform(3.0, 6.0, size=4)
    wave = [math.sin(2.0 * math.pi * t / p + ph) for p, ph in zip(periods, phases, strict=True)]
    return [
        ScenePerson(
            face_centre=(
                pose.cx * width + 0.008 * width * motion * wave[0],
                pose.cy * height + 0.006 * height * motion * wave[1],
            ),
            face_height=pose.face * height * (1.0 + 0.02 * motion * wave[2]),
            roll=pose.roll + 1.2 * motion * wave[3],
        )
        for pose in _POSES[scenario]
    ]


def render_scene(
    scenario: str,
    t: float,
    *,
    width: int = 640,
    height: int = 480,
    seed: int = 0,
    motion: float = 1.0,
) -> Image:
    """One frame of ``scenario`` at time ``t`` (seconds), without sensor noise: BGR uint8."""
    people = scene_people(scenario, t, width=width, height=height, seed=seed, motion=motion)
    background = (
        _busy_background(width, height)
        if scenario == "busy_background"
        else _plain_background(width, height)
    )
    canvas = background.copy()
    sprite = _sprite()
    size = (width, height)
    for person in people:
        scale = person.face_height / sprite.face_height
        matrix = cv2.getRotationMatrix2D(sprite.face_centre, person.roll - _PHOTO_ROLL, scale)
        matrix[0, 2] += person.face_centre[0] - sprite.face_centre[0]
        matrix[1, 2] += person.face_centre[1] - sprite.face_centre[1]
        fg = np.asarray(cv2.warpAffine(sprite.bgr, matrix, size, flags=cv2.INTER_LINEAR))
        alpha = np.asarray(cv2.warpAffine(sprite.alpha, matrix, size, flags=cv2.INTER_LINEAR))
        canvas = (canvas * (1.0 - alpha[:, :, None]) + fg).astype(np.float32)
    if scenario == "blurred":
        canvas = np.asarray(cv2.GaussianBlur(canvas, (0, 0), 0.008 * height), dtype=np.float32)
    if scenario == "dark":
        canvas = canvas * np.float32(0.18)
    return np.clip(canvas, 0, 255).astype(np.uint8)


class SimulatedCamera:
    """A camera that films a person from a real photograph, for tests and demonstrations.

    The person is Eileen Collins in the NASA portrait that ships inside scikit-image
    (``skimage.data.astronaut()``; NASA, no known copyright restrictions, public domain), cut out
    once with GrabCut and composited on a plain light wall. Each frame moves her a little
    (drift, zoom and roll along slow sine waves) so that the live checks see motion, and adds a
    little sensor noise; everything follows from ``seed``, so two cameras with the same seed
    give the same frames. ``scenario`` (one of :data:`SCENARIOS`) switches on a bad case, and
    can be changed while the camera runs.

    ``read()`` returns frames as fast as it is called (timestamps advance by ``1 / fps`` on a
    simulated clock) unless ``realtime=True``, where it waits for each frame's due time.
    """

    def __init__(
        self,
        scenario: str = "good",
        *,
        width: int = 640,
        height: int = 480,
        fps: float = 30.0,
        seed: int = 0,
        realtime: bool = False,
        noise: float = 2.0,
        motion: float = 1.0,
    ) -> None:
        if fps <= 0 or width < 64 or height < 64:
            raise ValueError("fps must be positive and the frame at least 64 x 64")
        self.width = width
        self.height = height
        self.fps = fps
        self.seed = seed
        self.realtime = realtime
        self.noise = noise
        self.motion = motion
        self.scenario = scenario
        self.info = DeviceInfo(
            kind=DeviceKind.CAMERA,
            driver="simulated",
            device_id=f"simulated:{seed}",
            name="Máy ảnh mô phỏng / Simulated camera",
            simulated=True,
            details={"width": width, "height": height, "fps": fps},
        )
        self._open = False
        self._index = 0
        self._t0 = 0.0
        # A few frames of sensor noise, drawn once and cycled (drawing them per frame costs more
        # than rendering the scene).
        rng = np.random.default_rng(seed + 1)
        self._noise = [
            rng.normal(0.0, noise, size=(height, width, 3)).astype(np.float32) for _ in range(4)
        ]

    @property
    def scenario(self) -> str:
        return self._scenario

    @scenario.setter
    def scenario(self, value: str) -> None:
        if value not in SCENARIOS:
            raise ValueError(f"unknown scenario {value!r}; one of {', '.join(SCENARIOS)}")
        self._scenario = value

    def frame_at(self, index: int) -> Image:
        """Frame number ``index`` of the current scenario (noise included)."""
        t = index / self.fps
        scene = render_scene(
            self.scenario,
            t,
            width=self.width,
            height=self.height,
            seed=self.seed,
            motion=self.motion,
        )
        if self.noise <= 0:
            return scene
        noisy = scene.astype(np.float32) + self._noise[index % len(self._noise)]
        return np.asarray(np.clip(noisy, 0, 255), dtype=np.uint8)

    def open(self) -> None:
        if not self._open:
            _sprite()  # the one-off cut-out (~0.5 s) happens here rather than on the first read
            self._open = True
            self._index = 0
            self._t0 = time.monotonic()

    def read(self) -> Frame:
        if not self._open:
            raise DeviceError(
                "Máy ảnh mô phỏng chưa được mở.",
                "The simulated camera is not open.",
                field="camera",
            )
        index = self._index
        due = self._t0 + index / self.fps
        if self.realtime:
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        image = self.frame_at(index)
        self._index += 1
        return Frame(image=image, index=index, timestamp=due)

    def close(self) -> None:
        self._open = False

    def __enter__(self) -> SimulatedCamera:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
