"""The station's own measure of an iris image (ISO/IEC 29794-6-style), from the stored pixels.

No iris quality library installs from PyPI, so the station measures what ISO/IEC 29794-6 names,
with simple, explainable steps on the grayscale (near-infrared) image:

1. **Pupil**: the largest dark, round blob (grey level under a threshold between the darkest
   pixels and the median, opened by a 7 px disc so that lashes drop out, holes such as the
   camera's specular spot filled); its centre and the radius of a disc of the same area.
   No such blob: no eye found.
2. **Limbus** (iris-sclera boundary): the image is unwrapped around the pupil centre
   (``cv2.warpPolar``); in the two horizontal sectors (±35° around left and right, where lids
   rarely reach) the radius where the grey level rises most steeply, between 1.4 and 6 pupil
   radii, separately left and right: the iris radius is their mean, and the iris centre moves
   by half their difference.
3. **Measures**:
   - ``iris_diameter`` (px): ISO/IEC 19794-6 asks at least 150 px across for a marginal and
     200 px for a good registration image;
   - ``pupil_ratio``: pupil over iris radius; outside 0.2-0.7 the segmentation (or the eye) is
     implausible;
   - ``usable_area``: the share of the iris ring (between 1.1 pupil radii and 0.95 iris radii)
     that is neither lid or glare (brighter than the iris by 40 % of the iris-sclera step) nor
     lashes or shadow (darker than the iris by half of the iris-pupil step); ISO/IEC 29794-6
     recommends at least 70 %;
   - ``pupil_contrast`` and ``sclera_contrast``: Michelson-style ``100·(b - a)/(b + a)`` of the
     median grey levels across each boundary;
   - ``sharpness``: the power of the image filtered by Daugman's 8x8 high-pass kernel (-1
     around, +3 in the middle 4x4; the kernel of ISO/IEC 29794-6's sharpness), over the iris
     ring, normalised by the square of the iris-pupil step (so that exposure alone does not read
     as blur), mapped to 0-100 by ``100·p²/(p² + c²)``; ``c`` is set on the simulated camera
     (sharp images score 85-100, a 3.5 px blur 4-16) and should be set again on real devices;
   - ``in_frame``: the iris circle lies inside the image.
4. **Score** 0-100: ``100 ×`` the weighted geometric mean of sharpness 0.35, usable area 0.30, size
   0.15 (0 at 100 px across, 1 at 200), pupil contrast 0.10 (full at 30) and sclera contrast
   0.10 (full at 15); 0 when no eye is found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from station.errors import ValidationError

Image = npt.NDArray[np.uint8]

MIN_SIDE, MAX_SIDE = 160, 2000
WEIGHTS = {
    "sharpness": 0.35,
    "usable_area": 0.30,
    "size": 0.15,
    "pupil_contrast": 0.10,
    "sclera_contrast": 0.10,
}
#: Constant of the sharpness mapping (see the module docstring).
SHARPNESS_C = 4.0
_KERNEL = -np.ones((8, 8), np.float32)
_KERNEL[2:6, 2:6] = 3.0


@dataclass(frozen=True)
class IrisReport:
    score: int  # 0-100
    found: bool  # a pupil and an iris boundary were found
    measures: dict[str, float] = field(default_factory=dict)
    geometry: dict[str, float] = field(default_factory=dict)  # pupil/iris centre and radii (px)


def validate_image(image: object) -> Image:
    """A grayscale uint8 image of a plausible size, or ValidationError."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValidationError(
            "Ảnh mống mắt phải là ảnh xám 8 bit.",
            "An iris image must be 8-bit grayscale.",
            field="iris",
        )
    gray: Image = (
        image
        if image.ndim == 2
        else np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    )
    h, w = gray.shape[:2]
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise ValidationError(
            f"Ảnh mống mắt có kích thước không hợp lệ ({w}×{h}).",
            f"The iris image has an invalid size ({w}×{h}).",
            field="iris",
        )
    return np.ascontiguousarray(gray, dtype=np.uint8)


def _pupil(gray: Image) -> tuple[float, float, float] | None:
    """Centre (x, y) and radius of the pupil, or None."""
    blur = cv2.GaussianBlur(gray, (0, 0), 2.0)
    low = float(np.percentile(blur, 0.05))
    med = float(np.median(blur))
    if med - low < 20:
        return None  # no dark blob stands out: no eye (or a blank image)
    threshold = low + 0.3 * (med - low)
    dark = (blur < threshold).astype(np.uint8)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    dark = np.asarray(cv2.morphologyEx(dark, cv2.MORPH_OPEN, disc), dtype=np.uint8)
    contours, _ = cv2.findContours(dark, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    best: tuple[float, float, float] | None = None
    best_area = 0.0
    for c in contours:
        hull = cv2.convexHull(c)  # fills the specular spot's notch
        area = float(cv2.contourArea(hull))
        if area < 80:
            continue
        perimeter = float(cv2.arcLength(hull, True))
        roundness = 4 * math.pi * area / (perimeter**2 + 1e-6)
        if roundness < 0.7 or area <= best_area:
            continue
        m = cv2.moments(hull)
        if m["m00"] <= 0:
            continue
        best = (m["m10"] / m["m00"], m["m01"] / m["m00"], math.sqrt(area / math.pi))
        best_area = area
    return best


def _sector_edge(profile: npt.NDArray[np.float32], lo: int, hi: int) -> int | None:
    """The radius in [lo, hi) where the radial profile rises most steeply, if it rises there
    by a real step (at least 15 grey levels from 3-10 px inside to 3-10 px outside)."""
    if hi - lo < 4:
        return None
    smooth = np.convolve(profile, np.ones(5, np.float32) / 5, mode="same")
    grad = np.zeros_like(smooth)
    grad[2:-2] = smooth[4:] - smooth[:-4]
    seg = grad[lo:hi]
    k = lo + int(np.argmax(seg))
    if k < 10 or k + 10 > len(profile):
        return None
    rise = float(profile[k + 3 : k + 10].mean() - profile[k - 10 : k - 3].mean())
    return k if rise >= 15 else None


def assess(image: object) -> IrisReport:
    """Measure one iris image (see the module docstring). ValidationError if it is not one."""
    gray = validate_image(image)
    h, w = gray.shape
    pupil = _pupil(gray)
    if pupil is None:
        return IrisReport(0, False)
    px, py, pr = pupil
    max_r = int(min(8 * pr, math.hypot(w, h)))
    if max_r < 20:
        return IrisReport(0, False)
    polar = cv2.warpPolar(
        gray.astype(np.float32),
        (max_r, 360),
        (px, py),
        max_r,
        cv2.WARP_POLAR_LINEAR | cv2.INTER_LINEAR,
    )
    # Valid samples only: those that fall inside the image.
    angles = np.deg2rad(np.arange(360, dtype=np.float32))[:, None]
    radii = np.arange(max_r, dtype=np.float32)[None, :]
    xs = px + radii * np.cos(angles)
    ys = py + radii * np.sin(angles)
    valid = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    lo, hi = int(1.4 * pr), int(min(6 * pr, max_r - 3))
    edges = []
    for centre_deg in (0, 180):
        rows = [(centre_deg + d) % 360 for d in range(-35, 36)]
        sector = polar[rows]
        ok = valid[rows]
        whole = ok.all(axis=0)  # radii whose samples all lie inside the image
        reach = int(np.argmin(whole)) if not whole.all() else max_r
        profile = np.asarray(sector.mean(axis=0), dtype=np.float32)
        edges.append(_sector_edge(profile, lo, min(hi, reach - 10)))
    found = [e for e in edges if e is not None]
    if not found:
        return IrisReport(0, False, geometry={"pupil_x": px, "pupil_y": py, "pupil_r": pr})
    right, left = edges
    ir = float(np.mean(found))
    shift = (right - left) / 2.0 if right is not None and left is not None else 0.0
    ix, iy = px + shift, py
    in_frame = ix - ir >= 0 and ix + ir <= w and iy - ir >= 0 and iy + ir <= h
    in_frame = in_frame and None not in edges
    # The iris ring, and what covers it.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r_p = np.sqrt((xx - px) ** 2 + (yy - py) ** 2)
    r_i = np.sqrt((xx - ix) ** 2 + (yy - iy) ** 2)
    ring = (r_p > 1.1 * pr) & (r_i < 0.95 * ir)
    sides = ring & (np.abs(yy - py) < 0.5 * ir)  # the horizontal band: the lids rarely reach it
    pupil_area = r_p < 0.8 * pr
    sclera_band = (r_i > 1.08 * ir) & (r_i < 1.25 * ir) & (np.abs(yy - iy) < 0.4 * ir)
    sclera_band &= (xx >= 0) & (xx < w)
    if not sides.any() or not pupil_area.any():
        return IrisReport(0, False)
    iris_med = float(np.median(gray[sides]))
    pupil_med = float(np.median(gray[pupil_area]))
    sclera_med = float(np.median(gray[sclera_band])) if sclera_band.any() else iris_med
    bright = iris_med + 0.4 * max(sclera_med - iris_med, 10.0)
    dark = iris_med - 0.5 * max(iris_med - pupil_med, 10.0)
    smooth = cv2.medianBlur(gray, 5)
    covered = (smooth > bright) | (smooth < dark)
    usable = float(1.0 - covered[ring].mean()) if ring.any() else 0.0
    # Out of the image counts as not usable.
    full_ring = math.pi * ((0.95 * ir) ** 2 - (1.1 * pr) ** 2)
    if full_ring > 0:
        usable *= min(1.0, float(ring.sum()) / full_ring)
    filtered = cv2.filter2D(gray.astype(np.float32), -1, _KERNEL)
    # Normalised by the iris-pupil step, so that exposure alone does not read as blur.
    step = max(iris_med - pupil_med, 5.0)
    power = float(np.mean(filtered[ring] ** 2)) / step**2 if ring.any() else 0.0
    sharp = 100.0 * power**2 / (power**2 + SHARPNESS_C**2)
    pupil_contrast = 100.0 * (iris_med - pupil_med) / (iris_med + pupil_med + 1e-6)
    sclera_contrast = 100.0 * (sclera_med - iris_med) / (sclera_med + iris_med + 1e-6)
    diameter = 2.0 * ir
    comps = {
        "sharpness": min(1.0, sharp / 70.0),
        "usable_area": min(1.0, max(0.0, usable)),
        "size": min(1.0, max(0.0, (diameter - 100.0) / 100.0)),
        "pupil_contrast": min(1.0, max(0.0, pupil_contrast / 30.0)),
        "sclera_contrast": min(1.0, max(0.0, sclera_contrast / 15.0)),
    }
    # Weighted geometric mean: one weak measure pulls the score down (a blurred image with a
    # fine iris ring is still a blurred image).
    score = round(100.0 * math.prod(max(comps[k], 0.01) ** WEIGHTS[k] for k in WEIGHTS))
    measures = {
        "iris_diameter": round(diameter, 1),
        "pupil_ratio": round(pr / ir, 3),
        "usable_area": round(usable, 3),
        "sharpness": round(sharp, 1),
        "pupil_contrast": round(pupil_contrast, 1),
        "sclera_contrast": round(sclera_contrast, 1),
        "in_frame": 1.0 if in_frame else 0.0,
    }
    geometry = {
        "pupil_x": round(px, 1),
        "pupil_y": round(py, 1),
        "pupil_r": round(pr, 1),
        "iris_x": round(ix, 1),
        "iris_y": round(iy, 1),
        "iris_r": round(ir, 1),
    }
    return IrisReport(int(min(100, max(0, score))), True, measures, geometry)
