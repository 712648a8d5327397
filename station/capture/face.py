"""Face checks for the card portrait, automatic capture, the portrait crop and photo import.

Models: only the Haar cascades that ship inside ``opencv-python-headless`` 4.x
(``cv2.data.haarcascades``): ``haarcascade_frontalface_alt2`` finds faces and ``haarcascade_eye``
finds the eyes inside the face. Both were chosen by measurement (``bench/bench_face.py
--compare`` prints the figures). At 320 pixels of width, scale step 1.15 and 4 neighbours,
``alt2`` counted the faces right on 268 of 270 simulated frames (the two misses, a face at 13 %
of the frame height and a head rolled 16 degrees, are still caught: see below), found one face
on the astronaut photograph and none on the cup, the cat, the brick wall, the rocket or the man
in profile, and 98 of LFW's 100 faces with none of its 100 non-faces. ``default`` sees a second
"face" right of the astronaut's neck ring at 3 neighbours and misses small faces; ``alt``
misses rolled heads at step 1.15 and is slower at 1.1; ``alt_tree`` finds half the faces. True
faces gather 5 to 40 neighbours, the false ones 2 or 3. ``haarcascade_eye`` found both eyes on
all 238 simulated faces (roll error median 0.7, max 3 degrees) and on 73 of the LFW faces,
against 26 for ``haarcascade_eye_tree_eyeglasses``, in half the time.

Per frame, :class:`FaceAnalyzer` runs these checks, in the order the officer should fix them:

``exposure``
    Mean luminance of the face within range, and few clipped pixels on it. Where no face is
    found, only a dark frame fails (a light wall is what the camera should see then).
``one_face``
    Exactly one face. A detection counts as a second face only when it is at least
    ``second_face_ratio`` of the main face's height: 4 neighbours already drop the cascade's
    false detections, this keeps a small face far behind (a poster) from blocking the capture.
``face_size``
    Face box height as a fraction of the frame height, between ``min_face`` (enough pixels
    for the portrait) and ``max_face`` (the portrait crop still fits in the frame).
``centred``
    Eyes' midpoint near the frame's vertical centre line, and the whole portrait crop inside
    the frame (the message says which way the face is off).
``head_roll``
    Angle of the line through the eyes, at most 8 degrees. The frontal cascade stops finding a
    head rolled by about 15 degrees, so where the upright search finds nothing the frame is
    searched again turned by 20 degrees either way, and the roll measured on the face found.
    Where both eyes are not found the roll cannot be measured: the check passes with value
    ``None`` ("not measured"), and ``eyes_visible`` fails instead, so such a frame never passes.
``eyes_visible``
    Both eyes found by the eye cascade, one in each half of the face, at a plausible distance.
    The cascade finds open and closed eyes alike: this says the eyes are not hidden (hair,
    hand, turned head), not that they are open. Dark glasses hide the face from the face
    cascade itself.
``sharpness``
    Standard deviation of the Laplacian inside the face, on the face resampled to 96 pixels
    (so the score does not depend on the face's size) and divided by the face's own contrast
    (so it does not depend on exposure). Sharp frames score 1.1-1.3; a 1-pixel blur 0.75-0.83.
``background``
    Edge density and spread of luminance of the wall above and beside the head, inside the
    area the portrait crop takes (a flag or a shuttle elsewhere in the room does not matter).

Cost (``bench/bench_face.py``, 2-core AMD EPYC, 640 x 480): 9 ms median per frame searching the
whole frame each time (busy background 15 ms), 6.6 ms with ``analyze(..., track=True)``, which
searches near the last face and the whole frame every 5th frame.

Portrait geometry (:func:`portrait`): ICAO 9303 part 3 / ISO/IEC 19794-5 full frontal, with
the head measured from a Haar box. The output is 480 x 720 pixels, 2:3 like the card's 20 x 30 mm
photo area (about 600 dpi there). The head width (estimated as ``HEAD_WIDTH_PER_BOX`` times the
box width) is 55 % of the image width (ICAO: 50-75 %); the eyes' midpoint is on the vertical
centre line (ICAO: 45-55 %) and 55 % of the height up from the bottom (ICAO: 50-70 %); the eye
line is levelled when both eyes are found and the roll is at most 8 degrees. With average head
proportions (eyes halfway between chin and crown, head length 1.5 head widths) that puts the
crown 17 % below the top edge, the chin at 73 % of the height and the head's length at 55 % of
it, shoulders below. The crop is 2.73 face boxes high, so ``max_face`` is 0.34. The face is not
measured chin to crown (the Haar box covers brows to mouth, not the hair), which is why the rule
is stated on the head width and the eye line.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Final

import cv2
import numpy as np
import numpy.typing as npt

from station import imagecheck
from station.devices import DeviceError, Frame, Image
from station.errors import ValidationError

FACE_CASCADE: Final = "haarcascade_frontalface_alt2.xml"
EYE_CASCADE: Final = "haarcascade_eye.xml"

#: The band of the face the eye cascade searches is resampled to this width (measured: 96 finds
#: the same eyes as 128 on the test frames, in half the time).
EYE_ROI_WIDTH: Final = 96

#: Where the upright search finds no face, the frame is searched again turned by this much
#: either way (the frontal cascade loses a head rolled by about 15 degrees).
TURNED_SEARCH_DEG: Final = 20.0

#: Portrait output, width x height (2:3, as the card's 20 x 30 mm photo).
PORTRAIT_SIZE: Final = (480, 720)
#: Largest portrait JPEG, in bytes; the quality steps down until it fits.
PORTRAIT_BUDGET: Final = 60 * 1024
#: Ear-to-ear head width over the width of the ``alt2`` face box (measured on the astronaut's
#: portrait, ears at 0.99 box widths; average adult proportions, 2.4 eye distances for the
#: head and 2.1 for the box, would give 1.13: either way inside ICAO's range below).
HEAD_WIDTH_PER_BOX: Final = 1.0
#: Head width as a fraction of the portrait width (ICAO 9303 / ISO 19794-5: 50 % to 75 %).
HEAD_FRACTION: Final = 0.55
#: Eye line height from the bottom of the portrait, fraction of its height (ICAO: 50 % to 70 %).
EYE_FROM_BOTTOM: Final = 0.55
#: Rolls up to this are levelled in the portrait; beyond it the head_roll check fails and a
#: forced portrait keeps the roll as it was taken.
MAX_LEVEL_DEG: Final = 8.0
#: Eye line below the top of the ``alt2`` face box, fraction of the box height (where the eyes
#: are not found).
EYE_Y_IN_BOX: Final = 0.38
#: Distance between the eyes over the ``alt2`` box width (measured: 0.41-0.50, median 0.47).
EYE_DIST_PER_BOX: Final = 0.47

#: Imported photos: largest file and largest picture accepted.
MAX_IMAGE_BYTES: Final = 30 * 1024 * 1024
MAX_IMAGE_PIXELS: Final = imagecheck.MAX_PIXELS
MIN_IMAGE_SIDE: Final = 200

#: Where OpenCV keeps its cascades (``cv2.data`` has no type stub).
CASCADE_DIR: Final[str] = str(cv2.data.haarcascades)  # type: ignore[attr-defined]

Box = tuple[int, int, int, int]
Point = tuple[int, int]
Gray = npt.NDArray[np.uint8]


def _u8(array: object) -> Image:
    """An OpenCV result as the uint8 array it is (OpenCV's stubs type them loosely)."""
    return np.asarray(array, dtype=np.uint8)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One named check on one frame: the verdict, the measured value and what to tell people."""

    name: str
    passed: bool
    value: float | None
    vi: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "value": self.value, "vi": self.vi, "en": self.en}


@dataclass(frozen=True)
class FaceAnalysis:
    """What one frame shows: the main face, its eyes, and every check (``ok`` = all passed)."""

    face_box: Box | None  # x, y, width, height in the frame's pixels
    eyes: list[Point]  # centres, in the frame's pixels: left of the image first
    checks: list[Check]
    ok: bool
    frame_size: tuple[int, int] = (0, 0)  # width, height
    full_scan: bool = True  # the whole frame was searched (not only near the tracked face)

    def check(self, name: str) -> Check:
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def failures(self) -> list[Check]:
        return [item for item in self.checks if not item.passed]

    @property
    def prompt(self) -> Check | None:
        """The first thing to fix (checks are in the order they should be fixed)."""
        failures = self.failures
        return failures[0] if failures else None

    @property
    def sharpness(self) -> float:
        value = self.check("sharpness").value
        return value if value is not None else 0.0


CHECK_NAMES: Final = (
    "exposure",
    "one_face",
    "face_size",
    "centred",
    "head_roll",
    "eyes_visible",
    "sharpness",
    "background",
)


@dataclass(frozen=True)
class FaceConfig:
    """Detector settings and check thresholds (defaults measured on the test photographs)."""

    # detection
    detect_width: int = 320  # frames are downscaled to this width for the face cascade
    scale_factor: float = 1.15
    min_neighbors: int = 4
    min_detect_face: float = 0.10  # smallest face looked for, fraction of the frame height
    second_face_ratio: float = 0.4  # a smaller detection is not counted as a second face
    full_scan_every: int = 5  # with ``track=True``: the whole frame every N frames, else near
    # the last face only
    # checks
    min_face: float = 0.20  # face box height / frame height
    max_face: float = 0.34  # the crop is 2.73 face boxes high: 0.34 leaves 3 % each side
    max_offset: float = 0.08  # eyes' midpoint from the centre line, fraction of frame width
    max_roll_deg: float = 8.0
    min_sharpness: float = 0.70  # measured: 1.1-1.3 sharp, 0.74-0.83 at a 1 px blur, 0.5 at 2 px
    min_luma: float = 80.0
    max_luma: float = 215.0
    max_clipped: float = 0.04  # fraction of face pixels at 250 and above (or 5 and below)
    max_background_edges: float = 0.04  # fraction of background pixels on an edge
    max_background_std: float = 22.0


# --- models -----------------------------------------------------------------------------------


def _cascade(filename: str) -> cv2.CascadeClassifier:
    """A fresh classifier (each analyzer has its own: OpenCV's are not shared across threads)."""
    path = CASCADE_DIR + filename
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():
        raise DeviceError(
            f"Thiếu mô hình nhận diện khuôn mặt {filename}; cài lại opencv-python-headless 4.x.",
            f"Face model {filename} is missing; reinstall opencv-python-headless 4.x.",
            field="camera",
        )
    return classifier


# --- geometry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortraitGeometry:
    """The portrait crop as an affine map from the frame to the output image."""

    matrix: npt.NDArray[np.float64]  # 2 x 3, frame -> output
    scale: float  # output pixels per frame pixel
    roll_corrected: float  # degrees the frame is turned to level the eyes
    corners: npt.NDArray[np.float64]  # 4 x 2, the output's corners in frame pixels
    fits: bool  # the whole crop lies inside the frame
    possible: bool  # the crop is no larger than the frame (it could fit, centred)


def _eye_midpoint(box: Box, eyes: list[Point]) -> tuple[float, float]:
    if len(eyes) == 2:
        return ((eyes[0][0] + eyes[1][0]) / 2.0, (eyes[0][1] + eyes[1][1]) / 2.0)
    x, y, w, h = box
    return (x + w / 2.0, y + EYE_Y_IN_BOX * h)


def _roll(eyes: list[Point]) -> float | None:
    """Degrees, positive when the head is turned counter-clockwise on screen."""
    if len(eyes) != 2:
        return None
    (x0, y0), (x1, y1) = eyes
    return -math.degrees(math.atan2(y1 - y0, x1 - x0))


def portrait_geometry(
    face_box: Box,
    eyes: list[Point],
    frame_size: tuple[int, int],
    size: tuple[int, int] = PORTRAIT_SIZE,
) -> PortraitGeometry:
    """Where the portrait crop lies in a frame, following the geometry in the module docstring."""
    out_w, out_h = size
    frame_w, frame_h = frame_size
    head_width = HEAD_WIDTH_PER_BOX * face_box[2]
    crop_w = head_width / HEAD_FRACTION
    scale = out_w / crop_w
    ex, ey = _eye_midpoint(face_box, eyes)
    roll = _roll(eyes)
    # Level the eyes when they are found and the roll is within what the check accepts.
    level = roll if roll is not None and abs(roll) <= MAX_LEVEL_DEG else 0.0
    matrix = cv2.getRotationMatrix2D((ex, ey), -level, scale)
    matrix[0, 2] += out_w / 2.0 - ex
    matrix[1, 2] += out_h * (1.0 - EYE_FROM_BOTTOM) - ey
    inverse = cv2.invertAffineTransform(matrix)
    corners_out = np.array([[0, 0, 1], [out_w, 0, 1], [out_w, out_h, 1], [0, out_h, 1]], float)
    corners = corners_out @ inverse.T
    tolerance = 1.0
    fits = bool(
        (corners[:, 0] >= -tolerance).all()
        and (corners[:, 0] <= frame_w + tolerance).all()
        and (corners[:, 1] >= -tolerance).all()
        and (corners[:, 1] <= frame_h + tolerance).all()
    )
    crop_h = crop_w * out_h / out_w
    possible = crop_w <= frame_w and crop_h <= frame_h
    return PortraitGeometry(
        matrix=np.asarray(matrix, dtype=np.float64),
        scale=scale,
        roll_corrected=level,
        corners=np.asarray(corners, dtype=np.float64),
        fits=fits,
        possible=possible,
    )


# --- the analyzer -----------------------------------------------------------------------------


def _as_bgr(frame: Image | Frame) -> Image:
    image = frame.image if isinstance(frame, Frame) else frame
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.size == 0:
        raise ValueError("a frame is a non-empty uint8 numpy array")
    if image.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    raise ValueError(f"a frame is H x W x 3 (BGR); got shape {image.shape}")


def _stretch(gray: Gray) -> Gray:
    """Stretch a low-contrast (dark, washed-out) image for the detectors only.

    Measured: without it the face cascade loses a face at a fifth of the normal exposure; with
    it the dark scenario is found in every frame. A nearly flat image (a bare wall) is left
    alone, and the gain is capped: stretching sensor noise only feeds the cascade false leads
    (and doubles its time).
    """
    lo, hi = (float(v) for v in np.percentile(gray, (1.0, 99.0)))
    spread = hi - lo
    if 24.0 <= spread < 128.0:
        gain = min(255.0 / spread, 6.0)
        return _u8(cv2.convertScaleAbs(gray, alpha=gain, beta=-lo * gain))
    return gray


def _clip_box(box: tuple[float, float, float, float], width: int, height: int) -> Box:
    x, y, w, h = box
    x0 = max(0, min(width - 1, round(x)))
    y0 = max(0, min(height - 1, round(y)))
    x1 = max(x0 + 1, min(width, round(x + w)))
    y1 = max(y0 + 1, min(height, round(y + h)))
    return (x0, y0, x1 - x0, y1 - y0)


def _not_measured(name: str) -> Check:
    return Check(
        name,
        False,
        None,
        "Không xác định được vì không thấy khuôn mặt",
        "Not measured: no face found",
    )


class FaceAnalyzer:
    """Runs the face checks on one frame at a time (see the module docstring)."""

    def __init__(self, config: FaceConfig | None = None) -> None:
        self.config = config or FaceConfig()
        self._faces = _cascade(FACE_CASCADE)
        self._eyes = _cascade(EYE_CASCADE)
        # Tracking state (``analyze(..., track=True)``): the last face, the frame size, and how
        # many frames since the whole frame was searched.
        self._track: tuple[Box, tuple[int, int], int] | None = None
        #: Milliseconds per stage of the last :meth:`analyze` (prepare, faces, exposure, eyes,
        #: geometry, sharpness, background, total).
        self.timings: dict[str, float] = {}

    def reset(self) -> None:
        """Forget the tracked face (a new person, a new camera)."""
        self._track = None

    # -- detection

    def _downscale(self, gray: Gray) -> tuple[Gray, float]:
        """The frame at the detector's width (never enlarged), and the factor applied."""
        height, width = gray.shape[:2]
        factor = min(1.0, self.config.detect_width / width)
        if factor >= 1.0:
            return gray, 1.0
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        return _u8(cv2.resize(gray, size, interpolation=cv2.INTER_AREA)), factor

    def _search(self, small: Gray) -> list[tuple[Box, int]]:
        """The face cascade over a detection-sized image: boxes in its pixels, neighbours."""
        cfg = self.config
        side = small.shape[0]
        min_side = max(20, int(cfg.min_detect_face * side))
        max_side = max(min_side + 1, int(0.95 * min(small.shape[:2])))
        boxes, neighbours = self._faces.detectMultiScale2(
            small,
            scaleFactor=cfg.scale_factor,
            minNeighbors=cfg.min_neighbors,
            minSize=(min_side, min_side),
            maxSize=(max_side, max_side),
        )
        return [
            ((int(bx), int(by), int(bw), int(bh)), int(n))
            for (bx, by, bw, bh), n in zip(boxes, neighbours, strict=True)
        ]

    def detect_faces(self, gray: Gray, small: Gray | None = None) -> list[tuple[Box, int]]:
        """Faces in a grayscale frame, largest first, with the cascade's neighbour counts.

        ``small`` is the frame already downscaled to ``detect_width`` (to save doing it twice).
        """
        height, width = gray.shape[:2]
        if small is None:
            small, factor = self._downscale(gray)
        else:
            factor = small.shape[1] / width
        found = [
            (
                _clip_box((bx / factor, by / factor, bw / factor, bh / factor), width, height),
                n,
            )
            for (bx, by, bw, bh), n in self._search(_stretch(small))
        ]
        found.sort(key=lambda item: item[0][2] * item[0][3], reverse=True)
        return found

    def detect_near(
        self, small: Gray, factor: float, box: Box, frame_size: tuple[int, int]
    ) -> list[tuple[Box, int]]:
        """Faces near ``box`` (frame pixels) and of about its size: the tracking search."""
        cfg = self.config
        h_small, w_small = small.shape[:2]
        x, y, w, h = (v * factor for v in box)
        margin = 0.6 * w
        x0, y0 = max(0, int(x - margin)), max(0, int(y - margin))
        x1, y1 = min(w_small, int(x + w + margin)), min(h_small, int(y + h + margin))
        roi = small[y0:y1, x0:x1]
        min_side = max(20, int(0.7 * w))
        max_side = min(int(1.4 * w) + 1, roi.shape[0], roi.shape[1])
        if max_side <= min_side:
            return []
        boxes, neighbours = self._faces.detectMultiScale2(
            _stretch(roi),
            scaleFactor=cfg.scale_factor,
            minNeighbors=cfg.min_neighbors,
            minSize=(min_side, min_side),
            maxSize=(max_side, max_side),
        )
        width, height = frame_size
        found = [
            (
                _clip_box(
                    ((bx + x0) / factor, (by + y0) / factor, bw / factor, bh / factor),
                    width,
                    height,
                ),
                int(n),
            )
            for (bx, by, bw, bh), n in zip(boxes, neighbours, strict=True)
        ]
        found.sort(key=lambda item: item[0][2] * item[0][3], reverse=True)
        return found

    def detect_turned(
        self, small: Gray, factor: float, frame_size: tuple[int, int]
    ) -> tuple[list[tuple[Box, int]], float]:
        """Faces on the frame turned by +-``TURNED_SEARCH_DEG``, where an upright search found none.

        The frontal cascade stops finding a head rolled by about 15 degrees; turning the image
        lets the checks say "keep the head straight" rather than "no face". Returns the faces
        (boxes centred where the face is, in frame pixels) and the angle that found them.
        """
        h_small, w_small = small.shape[:2]
        centre = (w_small / 2.0, h_small / 2.0)
        width, height = frame_size
        for angle in (TURNED_SEARCH_DEG, -TURNED_SEARCH_DEG):
            matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
            turned = _u8(
                cv2.warpAffine(small, matrix, (w_small, h_small), borderMode=cv2.BORDER_REPLICATE)
            )
            found = self._search(turned)
            if not found:
                continue
            back = cv2.invertAffineTransform(matrix)
            faces = []
            for (bx, by, bw, bh), n in found:
                cx, cy = back @ np.array([bx + bw / 2.0, by + bh / 2.0, 1.0])
                box = ((cx - bw / 2.0) / factor, (cy - bh / 2.0) / factor, bw / factor, bh / factor)
                faces.append((_clip_box(box, width, height), n))
            return faces, angle
        return [], 0.0

    def detect_eyes(self, gray: Gray, box: Box, turn: float = 0.0) -> list[Point]:
        """Both eyes inside ``box`` (left of the image first), one eye, or none.

        ``turn`` is the angle :meth:`detect_turned` found the face at: the face is turned
        upright by it before the eyes are looked for, and the eyes turned back.
        """
        if not turn:
            return [(round(px), round(py)) for px, py in self._eyes_upright(gray, box)]
        height, width = gray.shape[:2]
        x, y, w, h = box
        cx, cy = x + w / 2.0, y + h / 2.0
        half = 0.8 * max(w, h)
        x0, y0 = max(0, int(cx - half)), max(0, int(cy - half))
        x1, y1 = min(width, int(cx + half)), min(height, int(cy + half))
        patch = gray[y0:y1, x0:x1]
        matrix = cv2.getRotationMatrix2D((cx - x0, cy - y0), turn, 1.0)
        upright = _u8(
            cv2.warpAffine(
                patch, matrix, (patch.shape[1], patch.shape[0]), borderMode=cv2.BORDER_REPLICATE
            )
        )
        inner = _clip_box((cx - x0 - w / 2.0, cy - y0 - h / 2.0, w, h), *upright.shape[1::-1])
        back = cv2.invertAffineTransform(matrix)
        eyes = [
            back @ np.array([px, py, 1.0]) + np.array([x0, y0])
            for px, py in self._eyes_upright(upright, inner)
        ]
        return sorted((round(float(px)), round(float(py))) for px, py in eyes)

    def _eyes_upright(self, gray: Gray, box: Box) -> list[tuple[float, float]]:
        x, y, w, h = box
        top = y + int(0.15 * h)
        bottom = y + int(0.60 * h)
        band = gray[top:bottom, x : x + w]
        if band.size == 0 or w < 24:
            return []
        roi_w = EYE_ROI_WIDTH
        factor = roi_w / w
        roi = _stretch(
            _u8(
                cv2.resize(
                    band,
                    (roi_w, max(1, round(band.shape[0] * factor))),
                    interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR,
                )
            )
        )
        smallest, largest = round(0.11 * roi_w), round(0.40 * roi_w)
        found = self._eyes.detectMultiScale(
            roi,
            scaleFactor=1.1,
            minNeighbors=2,
            minSize=(smallest, smallest),
            maxSize=(largest, largest),
        )
        centres = [(ex + ew / 2.0, ey + eh / 2.0, float(ew)) for ex, ey, ew, eh in found]
        left = [c for c in centres if c[0] < roi_w / 2]
        right = [c for c in centres if c[0] >= roi_w / 2]
        best: tuple[float, tuple[float, float, float], tuple[float, float, float]] | None = None
        for a in left:
            for b in right:
                dx, dy = b[0] - a[0], b[1] - a[1]
                distance = math.hypot(dx, dy)
                if not 0.25 * roi_w <= distance <= 0.65 * roi_w or abs(dy) > 0.5 * abs(dx):
                    continue
                cost = abs(distance - 0.42 * roi_w) / roi_w + abs(a[2] - b[2]) / roi_w
                cost += abs(a[0] + b[0] - roi_w) / roi_w  # symmetric about the face's centre
                if best is None or cost < best[0]:
                    best = (cost, a, b)

        def to_frame(c: tuple[float, float, float]) -> tuple[float, float]:
            return (x + c[0] / factor, top + c[1] / factor)

        if best is not None:
            return [to_frame(best[1]), to_frame(best[2])]
        if centres:
            biggest = max(centres, key=lambda c: c[2])
            return [to_frame(biggest)]
        return []

    # -- checks

    def _exposure(self, gray: Gray, box: Box | None) -> Check:
        cfg = self.config
        if box is None:
            region = gray
        else:
            x, y, w, h = box
            region = gray[y + h // 5 : y + h - h // 10, x + w // 5 : x + w - w // 5]
        step = max(1, int(math.sqrt(region.size / 20000)))
        sample = region[::step, ::step]
        mean = float(sample.mean())
        high = float(np.count_nonzero(sample >= 250)) / sample.size
        low = float(np.count_nonzero(sample <= 5)) / sample.size
        if mean < cfg.min_luma:
            return Check(
                "exposure", False, mean, "Quá tối: cần thêm ánh sáng", "Too dark: add light"
            )
        if box is None:
            # Without a face only darkness says something: a light wall is what we want.
            return Check("exposure", True, mean, "Độ sáng tốt", "Exposure good")
        if mean > cfg.max_luma:
            return Check("exposure", False, mean, "Quá sáng: giảm ánh sáng", "Too bright")
        if high > cfg.max_clipped or low > cfg.max_clipped:
            return Check(
                "exposure",
                False,
                mean,
                "Khuôn mặt bị chói hoặc có vùng quá tối: điều chỉnh đèn",
                "Glare or deep shadow on the face: adjust the lights",
            )
        return Check("exposure", True, mean, "Độ sáng tốt", "Exposure good")

    def _counted(self, faces: list[tuple[Box, int]]) -> int:
        """Faces that count: the largest, and those at least ``second_face_ratio`` of its height."""
        if not faces:
            return 0
        main_h = faces[0][0][3]
        return sum(1 for box, _ in faces if box[3] >= self.config.second_face_ratio * main_h)

    def _one_face(self, faces: list[tuple[Box, int]]) -> tuple[Check, int]:
        if not faces:
            return Check("one_face", False, 0.0, "Không thấy khuôn mặt", "No face found"), 0
        count = self._counted(faces)
        if count > 1:
            return (
                Check(
                    "one_face",
                    False,
                    float(count),
                    f"Có {count} khuôn mặt: chỉ một người trước máy ảnh",
                    f"{count} faces: only one person in front of the camera",
                ),
                count,
            )
        return Check("one_face", True, 1.0, "Một khuôn mặt", "One face"), 1

    def _face_size(self, box: Box, frame_h: int) -> Check:
        cfg = self.config
        fraction = box[3] / frame_h
        if fraction < cfg.min_face:
            return Check("face_size", False, fraction, "Tiến lại gần hơn", "Move closer")
        if fraction > cfg.max_face:
            return Check("face_size", False, fraction, "Lùi ra xa hơn", "Move back")
        return Check("face_size", True, fraction, "Khoảng cách tốt", "Distance good")

    def _centred(
        self, geometry: PortraitGeometry, eye_x: float, frame_size: tuple[int, int]
    ) -> Check:
        """Value: the eyes' midpoint from the centre line, fraction of the frame width (+ right).

        Directions are said as seen on the image (the preview may be mirrored for the citizen).
        """
        frame_w, frame_h = frame_size
        offset = (eye_x - frame_w / 2.0) / frame_w
        inside = geometry.fits or not geometry.possible
        if abs(offset) <= self.config.max_offset and inside:
            return Check("centred", True, offset, "Khuôn mặt ở giữa khung", "Face centred")
        ys = geometry.corners[:, 1]
        if abs(offset) > self.config.max_offset:
            side_vi, side_en = ("phải", "right") if offset > 0 else ("trái", "left")
            vi = f"Khuôn mặt lệch sang {side_vi} khung hình: đưa vào giữa"
            en = f"The face is {side_en} of centre in the frame: move it to the middle"
        elif ys.min() < 0:
            vi, en = "Khuôn mặt quá cao trong khung hình", "The face is too high in the frame"
        elif ys.max() > frame_h:
            vi, en = "Khuôn mặt quá thấp trong khung hình", "The face is too low in the frame"
        else:
            vi, en = "Đưa khuôn mặt vào giữa khung hình", "Centre the face in the frame"
        return Check("centred", False, offset, vi, en)

    def _head_roll(self, eyes: list[Point]) -> Check:
        roll = _roll(eyes)
        if roll is None:
            return Check(
                "head_roll", True, None, "Độ nghiêng: không xác định", "Roll: not measured"
            )
        if abs(roll) > self.config.max_roll_deg:
            return Check("head_roll", False, roll, "Giữ đầu thẳng", "Keep the head straight")
        return Check("head_roll", True, roll, "Đầu thẳng", "Head straight")

    def _eyes_visible(self, eyes: list[Point]) -> Check:
        if len(eyes) == 2:
            return Check("eyes_visible", True, 2.0, "Thấy rõ hai mắt", "Both eyes visible")
        return Check(
            "eyes_visible",
            False,
            float(len(eyes)),
            "Không thấy rõ hai mắt: nhìn thẳng vào máy ảnh, vén tóc, bỏ kính râm",
            "Eyes not clearly visible: look at the camera, clear the hair, remove dark glasses",
        )

    def _sharpness(self, gray: Gray, box: Box) -> Check:
        x, y, w, h = box
        inner = gray[y + h // 6 : y + h - h // 10, x + w // 6 : x + w - w // 6]
        if inner.size == 0:
            return Check("sharpness", False, 0.0, "Ảnh bị mờ", "Image blurred")
        side = 96
        roi = cv2.resize(inner, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
        contrast = float(roi.std())
        lap = cv2.Laplacian(roi, cv2.CV_32F, ksize=3)
        score = float(lap.std()) / max(contrast, 4.0)
        if score < self.config.min_sharpness:
            return Check(
                "sharpness",
                False,
                score,
                "Ảnh bị mờ: giữ yên và lấy nét lại",
                "Image blurred: hold still and refocus",
            )
        return Check("sharpness", True, score, "Ảnh rõ nét", "Image sharp")

    def background_mask(
        self,
        box: Box,
        eyes: list[Point],
        geometry: PortraitGeometry,
        size: tuple[int, int],
        factor: float = 1.0,
    ) -> Gray:
        """The wall the checks look at: inside the crop, above the eye line, away from the head.

        ``size`` is the mask's width and height, ``factor`` its scale against the frame.
        """
        width, height = size
        mask = np.zeros((height, width), np.uint8)
        corners = geometry.corners * factor
        # The upper part of the crop: from its top edge down to the eye line.
        upper = np.array(
            [
                corners[0],
                corners[1],
                corners[1] + (corners[2] - corners[1]) * (1.0 - EYE_FROM_BOTTOM),
                corners[0] + (corners[3] - corners[0]) * (1.0 - EYE_FROM_BOTTOM),
            ]
        )
        cv2.fillConvexPoly(mask, np.round(upper).astype(np.int32), 255)
        # The head with its hair, generously (the astronaut's full hair spans 1.6 box widths and
        # rises a box height above the eyes), turned as the head is. The cascade's box shrinks
        # on a rolled head, so the eyes' distance sizes it where it says the head is larger.
        ex, ey = _eye_midpoint(box, eyes)
        head = float(box[2])
        if len(eyes) == 2:
            head = max(head, math.dist(eyes[0], eyes[1]) / EYE_DIST_PER_BOX)
        centre = (round(ex * factor), round(ey * factor))
        axes = (round(1.0 * head * factor), round(1.15 * head * factor))
        cv2.ellipse(mask, centre, axes, -(_roll(eyes) or 0.0), 0, 360, 0, -1)
        return mask

    def _background(
        self, small: Gray, factor: float, box: Box, eyes: list[Point], geometry: PortraitGeometry
    ) -> Check:
        cfg = self.config
        h_small, w_small = small.shape[:2]
        mask = self.background_mask(box, eyes, geometry, (w_small, h_small), factor)
        count = int(np.count_nonzero(mask))
        if count < 200:
            return Check(
                "background",
                False,
                None,
                "Không thấy đủ phông nền",
                "Too little background visible",
            )
        smooth = cv2.GaussianBlur(small, (5, 5), 1.0)
        gx = cv2.Sobel(smooth, cv2.CV_16S, 1, 0, ksize=3)
        gy = cv2.Sobel(smooth, cv2.CV_16S, 0, 1, ksize=3)
        magnitude = cv2.addWeighted(cv2.convertScaleAbs(gx), 0.5, cv2.convertScaleAbs(gy), 0.5, 0)
        selected = mask > 0
        edges = float(np.count_nonzero(magnitude[selected] > 24)) / count
        spread = float(smooth[selected].std())
        if edges > cfg.max_background_edges or spread > cfg.max_background_std:
            return Check(
                "background",
                False,
                edges,
                "Phông nền phải trơn, sáng màu: đứng trước tấm phông",
                "The background must be plain and light: stand in front of the backdrop",
            )
        return Check("background", True, edges, "Phông nền trơn", "Background plain")

    # -- the whole analysis

    def _find_faces(
        self, gray: Gray, small: Gray, factor: float, track: bool
    ) -> tuple[list[tuple[Box, int]], bool, float]:
        """The faces, whether the whole frame was searched, and the turn that found them."""
        size = (gray.shape[1], gray.shape[0])
        state = self._track if track else None
        if state is not None and state[1] == size and state[2] + 1 < self.config.full_scan_every:
            near = self.detect_near(small, factor, state[0], size)
            if near:
                self._track = (near[0][0], size, state[2] + 1)
                return near, False, 0.0
        faces = self.detect_faces(gray, small)
        turn = 0.0
        if not faces:
            faces, turn = self.detect_turned(_stretch(small), factor, size)
        if track:
            # Track one face only: with two, every frame is searched whole until one leaves.
            alone = len(faces) == 1 or (faces and self._counted(faces) == 1)
            self._track = (faces[0][0], size, 0) if alone and not turn else None
        return faces, True, turn

    def analyze(self, frame_bgr: Image | Frame, *, track: bool = False) -> FaceAnalysis:
        """Every check on one frame (a BGR uint8 array, or a :class:`Frame`).

        With ``track=True`` (a live camera, frame after frame) the face is looked for near where
        it was in the previous frame, and the whole frame is searched every
        ``full_scan_every`` frames only (and whenever the face is lost): a second face walking
        in is seen within that many frames. ``FaceAnalysis.full_scan`` says which it was.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        mark = started

        def lap(stage: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            timings[stage] = (now - mark) * 1000.0
            mark = now

        image = _as_bgr(frame_bgr)
        gray = _u8(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        height, width = gray.shape[:2]
        small, factor = self._downscale(gray)
        lap("prepare")
        faces, full_scan, turn = self._find_faces(gray, small, factor, track)
        box = faces[0][0] if faces else None
        lap("faces")
        checks = [self._exposure(gray, box)]
        lap("exposure")
        checks.append(self._one_face(faces)[0])
        eyes: list[Point] = []
        if box is None:
            checks += [_not_measured(name) for name in CHECK_NAMES[2:]]
        else:
            eyes = self.detect_eyes(gray, box, turn)
            lap("eyes")
            geometry = portrait_geometry(box, eyes, (width, height))
            eye_x, _ = _eye_midpoint(box, eyes)
            checks += [
                self._face_size(box, height),
                self._centred(geometry, eye_x, (width, height)),
                self._head_roll(eyes),
                self._eyes_visible(eyes),
            ]
            lap("geometry")
            checks.append(self._sharpness(gray, box))
            lap("sharpness")
            checks.append(self._background(small, factor, box, eyes, geometry))
            lap("background")
        timings["total"] = (time.perf_counter() - started) * 1000.0
        self.timings = timings
        return FaceAnalysis(
            face_box=box,
            eyes=eyes,
            checks=checks,
            ok=all(item.passed for item in checks),
            frame_size=(width, height),
            full_scan=full_scan,
        )


# --- automatic capture ------------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """The frame kept for the portrait, with its analysis."""

    frame: Frame
    analysis: FaceAnalysis
    forced: bool  # taken by the officer's button rather than by the checks


class AutoCapture:
    """Fires once every check has passed, with the face still, for a short window.

    Feed it each frame with its analysis. A window starts at the first frame that passes every
    check; it is thrown away at the first frame that fails one, or whose face box has moved or
    changed size by more than ``max_motion`` (fraction of the face height) from the window's
    first frame. Once the window spans ``window_s`` seconds and ``min_frames`` frames, and at
    least one of its frames was searched whole for a second face (see ``track``), it fires:
    :meth:`feed` returns the sharpest frame of the window, once; later frames return ``None``
    until :meth:`reset`. :meth:`force` takes a picture now (the officer's button).
    """

    def __init__(
        self, window_s: float = 0.5, min_frames: int = 8, max_motion: float = 0.05
    ) -> None:
        self.window_s = window_s
        self.min_frames = min_frames
        self.max_motion = max_motion
        self._window: deque[tuple[Frame, FaceAnalysis]] = deque()
        self._last: tuple[Frame, FaceAnalysis] | None = None
        self.captured: Capture | None = None

    @property
    def fired(self) -> bool:
        return self.captured is not None

    @property
    def progress(self) -> float:
        """0..1: how far the current window is towards firing (for a progress ring)."""
        if not self._window:
            return 0.0
        span = self._window[-1][0].timestamp - self._window[0][0].timestamp
        by_time = span / self.window_s if self.window_s > 0 else 1.0
        by_count = len(self._window) / self.min_frames if self.min_frames > 0 else 1.0
        return max(0.0, min(1.0, by_time, by_count))

    def reset(self) -> None:
        self._window.clear()
        self._last = None
        self.captured = None

    def _moved(self, first: FaceAnalysis, now: FaceAnalysis) -> bool:
        if first.face_box is None or now.face_box is None:
            return True
        x0, y0, w0, h0 = first.face_box
        x1, y1, w1, h1 = now.face_box
        shift = math.hypot((x1 + w1 / 2) - (x0 + w0 / 2), (y1 + h1 / 2) - (y0 + h0 / 2))
        return shift > self.max_motion * h0 or abs(h1 - h0) > self.max_motion * h0

    def feed(self, frame: Frame, analysis: FaceAnalysis) -> Capture | None:
        if self.captured is not None:
            return None
        self._last = (frame, analysis)
        if not analysis.ok:
            self._window.clear()
            return None
        if self._window and self._moved(self._window[0][1], analysis):
            self._window.clear()
        self._window.append((frame, analysis))
        span = self._window[-1][0].timestamp - self._window[0][0].timestamp
        if span + 1e-9 < self.window_s or len(self._window) < self.min_frames:
            return None
        if not any(item[1].full_scan for item in self._window):
            return None  # wait until the whole frame has been searched for a second face
        best_frame, best = max(self._window, key=lambda item: item[1].sharpness)
        self.captured = Capture(best_frame, best, forced=False)
        self._window.clear()
        return self.captured

    def force(self) -> Capture:
        """Take the picture now: the sharpest frame of the current window, else the last frame.

        The checks of the frame taken travel with it (``portrait_metadata``), so a forced
        capture of a frame that failed some of them stays visible as such.
        """
        if self._window:
            chosen = max(self._window, key=lambda item: item[1].sharpness)
        elif self._last is not None:
            chosen = self._last
        else:
            raise DeviceError(
                "Chưa có hình nào từ máy ảnh để chụp.",
                "No frame from the camera yet to capture.",
                field="camera",
            )
        self.captured = Capture(chosen[0], chosen[1], forced=True)
        self._window.clear()
        return self.captured


# --- the portrait -----------------------------------------------------------------------------


def portrait(
    frame_bgr: Image | Frame,
    analysis: FaceAnalysis,
    *,
    size: tuple[int, int] = PORTRAIT_SIZE,
    budget: int = PORTRAIT_BUDGET,
) -> bytes:
    """The card portrait as JPEG bytes: cropped, levelled and sized as the module says."""
    image = _as_bgr(frame_bgr)
    if analysis.face_box is None:
        raise ValidationError(
            "Ảnh chân dung: không thấy khuôn mặt để cắt ảnh.",
            "Portrait: no face found to crop around.",
            field="image",
        )
    height, width = image.shape[:2]
    geometry = portrait_geometry(analysis.face_box, analysis.eyes, (width, height), size)
    if not geometry.fits:
        raise ValidationError(
            "Ảnh chân dung: khuôn mặt quá gần hoặc quá sát mép khung hình để cắt đúng khổ.",
            "Portrait: the face is too close or too near the frame's edge to crop to size.",
            field="image",
        )
    matrix = geometry.matrix.copy()
    source = image
    # Shrinking by more than half: halve first, so the warp does not alias.
    while matrix[0, 0] ** 2 + matrix[0, 1] ** 2 < 0.25:
        source = _u8(cv2.pyrDown(source))
        matrix[:, :2] *= 2.0
    out_w, out_h = size
    interpolation = cv2.INTER_CUBIC if geometry.scale > 1.0 else cv2.INTER_LINEAR
    crop = cv2.warpAffine(
        source, matrix, (out_w, out_h), flags=interpolation, borderMode=cv2.BORDER_REPLICATE
    )
    for quality in range(92, 39, -4):
        ok, encoded = cv2.imencode(
            ".jpg",
            crop,
            [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1],
        )
        if ok and len(encoded) <= budget:
            return bytes(encoded.tobytes())
    raise ValidationError(
        "Ảnh chân dung vượt dung lượng cho phép kể cả ở chất lượng thấp nhất.",
        "The portrait exceeds its size budget even at the lowest quality.",
        field="image",
    )


def portrait_metadata(analysis: FaceAnalysis, *, forced: bool = False) -> dict[str, Any]:
    """The check results to store beside the portrait (JSON-ready).

    ``forced``: the officer took the picture by hand (:meth:`AutoCapture.force`), whatever the
    checks said.
    """
    geometry: dict[str, Any] = {
        "size": list(PORTRAIT_SIZE),
        "aspect": "2:3",
        "head_width_fraction": HEAD_FRACTION,
        "eye_line_from_bottom": EYE_FROM_BOTTOM,
    }
    if analysis.face_box is not None:
        fitted = portrait_geometry(analysis.face_box, analysis.eyes, analysis.frame_size)
        geometry["roll_corrected_deg"] = round(fitted.roll_corrected, 2)
        geometry["scale"] = round(fitted.scale, 4)
    return {
        "standard": "ICAO 9303 part 3 / ISO/IEC 19794-5 full frontal (geometry from a face box)",
        "detector": {"face": FACE_CASCADE, "eyes": EYE_CASCADE, "opencv": cv2.__version__},
        "frame_size": list(analysis.frame_size),
        "face_box": list(analysis.face_box) if analysis.face_box is not None else None,
        "eyes": [list(point) for point in analysis.eyes],
        "ok": analysis.ok,
        "forced": forced,
        "checks": {item.name: item.as_dict() for item in analysis.checks},
        "geometry": geometry,
    }


# --- imported photos --------------------------------------------------------------------------


def _refuse(vi: str, en: str) -> ValidationError:
    return ValidationError(f"Ảnh chân dung: {vi}", f"Portrait photo: {en}", field="image")


def _image_header(data: bytes) -> tuple[str, int, int]:
    """The format and the pixel size an image file declares, read from its header.

    The shared check (``station.imagecheck``) reads it; this keeps the portrait's own wording.
    """
    try:
        head = imagecheck.read_header(data)
    except imagecheck.HeaderError as err:
        raise _refuse(err.vi, err.en) from None
    if head.format == "jp2":
        raise _refuse(
            "không phải tệp ảnh (chấp nhận JPEG, PNG, WebP, BMP)",
            "not an image file (JPEG, PNG, WebP and BMP are accepted)",
        )
    return (head.format, head.width, head.height)


def load_image(data: bytes) -> Image:
    """Decode an imported portrait photo to BGR, refusing what is not a sound, sane image.

    Refused with :class:`ValidationError` (``field="image"``): an empty file, one over
    ``MAX_IMAGE_BYTES``, anything that is not JPEG, PNG, WebP or BMP (a PDF or a text file
    say so), a picture over ``MAX_IMAGE_PIXELS`` (read from the header, before decoding, so a
    decompression bomb costs nothing), a damaged or truncated file, and one smaller than
    ``MIN_IMAGE_SIDE`` on a side. JPEG orientation tags are applied.
    """
    if not data:
        raise _refuse("tệp rỗng", "the file is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise _refuse(
            f"tệp quá lớn ({len(data) // (1024 * 1024)} MB; tối đa "
            f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB)",
            f"the file is too large ({len(data) // (1024 * 1024)} MB; at most "
            f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB)",
        )
    _, width, height = _image_header(data)
    if width <= 0 or height <= 0:
        raise _refuse("kích thước ảnh không hợp lệ", "the image declares no size")
    if width * height > MAX_IMAGE_PIXELS:
        raise _refuse(
            f"ảnh quá lớn ({width} x {height} điểm ảnh; tối đa {MAX_IMAGE_PIXELS // 1_000_000} "
            "megapixel)",
            f"the picture is too large ({width} x {height} pixels; at most "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels)",
        )
    if min(width, height) < MIN_IMAGE_SIDE:
        raise _refuse(
            f"ảnh quá nhỏ ({width} x {height}; cần ít nhất {MIN_IMAGE_SIDE} điểm ảnh mỗi cạnh)",
            f"the picture is too small ({width} x {height}; at least {MIN_IMAGE_SIDE} pixels a "
            "side)",
        )
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        raise _refuse(
            "tệp ảnh hỏng, không đọc được", "the image file is damaged and cannot be read"
        )
    return np.ascontiguousarray(image, dtype=np.uint8)
