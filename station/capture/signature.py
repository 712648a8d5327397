"""The citizen's signature on the intake record: strokes from a pen or a mouse, checked and
rendered to an image of fixed size.

A signature is refused when it is empty or trivial: too little ink, too small, too few points,
or a single straight line or dot. "Unable to sign" is recorded as a capture exception instead.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from station.devices import DeviceInfo, DeviceKind, Prompter, StrokePoint
from station.errors import ValidationError

#: Rendered size: 3:1, like the box on the intake record.
WIDTH, HEIGHT = 900, 300
MIN_POINTS = 15
MIN_INK = 0.6  # total path length, in pad widths
MIN_WIDTH = 0.15  # bounding box, fractions of the pad
MIN_HEIGHT = 0.04
MAX_POINTS = 20_000


@dataclass(frozen=True)
class SignatureStats:
    strokes: int
    points: int
    ink: float
    width: float
    height: float
    duration_ms: int
    straightness: float  # 1.0 = one straight line


def _bad(vi: str, en: str) -> ValidationError:
    return ValidationError(f"Chữ ký: {vi}", f"Signature: {en}", field="signature")


def stats(strokes: Sequence[Sequence[StrokePoint]]) -> SignatureStats:
    pts = [p for s in strokes for p in s]
    if not pts:
        return SignatureStats(0, 0, 0.0, 0.0, 0.0, 0, 1.0)
    xs = np.array([p.x for p in pts])
    ys = np.array([p.y for p in pts])
    ink = 0.0
    for s in strokes:
        for a, b in itertools.pairwise(s):
            ink += math.hypot(b.x - a.x, (b.y - a.y) / 3.0)  # pad is 3:1
    # How well one line explains all points: ratio of the principal axes of the point cloud.
    if len(pts) >= 3:
        cov = np.cov(np.stack([xs, ys / 3.0]))
        ev = np.sort(np.linalg.eigvalsh(cov))
        straightness = float(1.0 - math.sqrt(max(ev[0], 0.0) / max(ev[1], 1e-12)))
    else:
        straightness = 1.0
    return SignatureStats(
        strokes=len([s for s in strokes if s]),
        points=len(pts),
        ink=ink,
        width=float(xs.max() - xs.min()),
        height=float(ys.max() - ys.min()),
        duration_ms=max(p.t_ms for p in pts) - min(p.t_ms for p in pts),
        straightness=straightness,
    )


def check(strokes: Sequence[Sequence[StrokePoint]]) -> SignatureStats:
    """The signature's measures, or a clear refusal when it is empty or trivial."""
    for s in strokes:
        for p in s:
            if not (0.0 <= p.x <= 1.0 and 0.0 <= p.y <= 1.0 and 0.0 <= p.pressure <= 1.0):
                raise _bad("có điểm nằm ngoài khung ký.", "a point lies outside the pad.")
    st = stats(strokes)
    if st.points == 0:
        raise _bad("chưa ký.", "nothing was signed.")
    if st.points > MAX_POINTS:
        raise _bad("quá nhiều điểm.", "too many points.")
    if st.points < MIN_POINTS or st.ink < MIN_INK:
        raise _bad(
            "quá ngắn; hãy ký đầy đủ như trên giấy tờ.",
            "too short; sign in full as on your papers.",
        )
    if st.width < MIN_WIDTH or st.height < MIN_HEIGHT:
        raise _bad("quá nhỏ; hãy ký to hơn trong khung.", "too small; sign larger in the box.")
    if st.straightness > 0.97:
        raise _bad(
            "chỉ là một nét thẳng; hãy ký đúng chữ ký của mình.",
            "only a straight line; sign your real signature.",
        )
    return st


def render(strokes: Sequence[Sequence[StrokePoint]]) -> bytes:
    """A PNG of the signature, black on white, at ``WIDTH`` x ``HEIGHT``, fitted with a margin.

    Line width follows the pen pressure (a mouse draws at full pressure).
    """
    check(strokes)
    pts = np.array([(p.x, p.y) for s in strokes for p in s])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    margin = 0.08
    # Pad coordinates are fractions of a 3:1 pad: a y unit is a third of an x unit.
    scale = min(WIDTH * (1 - 2 * margin) / span[0], HEIGHT * (1 - 2 * margin) / (span[1] / 3.0))
    offset = np.array([WIDTH, HEIGHT]) / 2 - np.array([span[0], span[1] / 3.0]) * scale / 2
    canvas = np.full((HEIGHT, WIDTH), 255, np.uint8)
    for s in strokes:
        prev = None
        for p in s:
            xy = (np.array([p.x - lo[0], (p.y - lo[1]) / 3.0]) * scale + offset).astype(int)
            if prev is not None:
                thickness = max(1, round(1 + 3 * p.pressure))
                cv2.line(canvas, tuple(prev), tuple(xy), 0, thickness, cv2.LINE_AA)
            prev = xy
    ok, png = cv2.imencode(".png", canvas, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise _bad("không tạo được ảnh.", "could not render the image.")
    return png.tobytes()


def strokes_json(strokes: Sequence[Sequence[StrokePoint]]) -> bytes:
    """The raw strokes kept beside the image: ``[[[x, y, pressure, t_ms], ...], ...]``."""
    doc = [
        [[round(p.x, 4), round(p.y, 4), round(p.pressure, 3), p.t_ms] for p in s] for s in strokes
    ]
    return json.dumps(doc, separators=(",", ":")).encode()


class SimulatedSignaturePad:
    """A pad that signs a plausible cursive name (tests, demonstrations)."""

    def __init__(self, seed: int = 0, kind: str = "good") -> None:
        self.info = DeviceInfo(
            DeviceKind.SIGNATURE, "simulated", f"sim-sign-{seed}", "Bảng ký mô phỏng", True
        )
        self.seed = seed
        self.kind = kind

    def capture(self, prompter: Prompter, timeout_s: float = 120.0) -> list[list[StrokePoint]]:
        prompter.show("Mời công dân ký vào khung.", "Please sign in the box.")
        rng = np.random.default_rng(self.seed)
        if self.kind == "empty":
            return []
        if self.kind == "dot":
            return [[StrokePoint(0.5, 0.5, 1.0, 0), StrokePoint(0.501, 0.5, 1.0, 10)]]
        if self.kind == "line":
            return [[StrokePoint(0.1 + 0.8 * i / 40, 0.5, 1.0, i * 10) for i in range(41)]]
        strokes: list[list[StrokePoint]] = []
        t = 0
        x0 = 0.1
        for _word in range(int(rng.integers(2, 4))):
            n = int(rng.integers(60, 120))
            width = float(rng.uniform(0.2, 0.3))
            freq = float(rng.uniform(3, 5))
            stroke = []
            for i in range(n):
                u = i / (n - 1)
                # loops: a slow rightward drift with circles on it, like joined letters
                x = x0 + width * u + 0.025 * math.cos(2 * math.pi * freq * u)
                y = 0.5 + 0.25 * math.sin(2 * math.pi * freq * u) * (0.6 + 0.4 * math.sin(3 * u))
                stroke.append(
                    StrokePoint(x, min(max(y, 0.0), 1.0), 0.4 + 0.5 * math.sin(math.pi * u), t)
                )
                t += 8
            strokes.append(stroke)
            x0 += width + 0.04
            t += 150
        return strokes
