"""Synthetic fingerprints with real ridge structure, for the simulated scanner, tests and benches.

The generator follows the SFinGe approach (Cappelli, Maio, Maltoni):

1. **Identity.** A finger identity is drawn from its seed: a pattern class (arch, tented arch,
   left loop, right loop, whorl, in roughly the proportions seen in real populations), the
   positions of its singular points (cores, deltas), a ridge period around 9 px (500 ppi: about
   55 ridges per inch), the finger shape, and a small smooth random perturbation of the
   orientation field so that two fingers of one class do not share one field.
2. **Orientation field.** The zero-pole model of Sherlock and Monro: the ridge direction at ``z``
   is ``½·(Σ arg(z − delta) − Σ arg(z − core))``; arches use an analytic field instead.
3. **Master print.** Random seeds are grown into ridges by iterated oriented Gabor filtering
   with saturation: every iteration filters the current image with the Gabor filter whose
   orientation follows the field (interpolated between the two nearest of 16 precomputed
   filters), then squashes the response back to ±1. Ridges appear, and where two ridge flows
   meet, minutiae (endings, bifurcations) appear where the seeds put them: those minutiae are
   what makes the identity unique. Each Gabor filter is applied as two separable filters
   (``cos(a+b) = cos a·cos b − sin a·sin b`` with an isotropic Gaussian), only over the part of
   the image whose orientation uses it: a 400×500 master costs about 0.1-0.15 s on one core,
   once per finger (masters are cached per (seed, size)); an impression from it about 10 ms.
4. **Impression.** One capture of the finger: a rigid motion (rotation, translation), a smooth
   elastic distortion of a few pixels, a pressure that changes the contact area and the ridge
   width, the ridge/valley grey levels of a platen, and sensor noise.
5. **Degradations** with a ``level`` in 0..1: ``dry`` (thin, broken, low-contrast ridges),
   ``smudged`` (wet finger: blurred and thickened ridges, merged dark blobs), ``partial`` (only
   part of the finger touches the platen), ``wrong_finger`` (another identity, derived from the
   seed) and ``no_finger`` (empty platen with sensor noise).

Images are grayscale uint8, ridges dark on a light background, 500 ppi, ``width`` × ``height``
(400 × 500 by default). Everything is deterministic for given seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Image = npt.NDArray[np.uint8]

#: Number of precomputed Gabor orientations (11.25° apart; the response is interpolated).
N_ORIENTATIONS = 16
#: Growth iterations of the master print.
GROWTH_ITERATIONS = 7
#: Margin around the image in which the master is grown, so that rigid motions of the
#: impression do not uncover its edge.
MARGIN = 48
DEFAULT_SIZE = (400, 500)  # width, height


class Pattern(StrEnum):
    ARCH = "arch"
    TENTED_ARCH = "tented_arch"
    LEFT_LOOP = "left_loop"
    RIGHT_LOOP = "right_loop"
    WHORL = "whorl"


#: Approximate class frequencies in large populations (Wilson et al., NIST): loops dominate.
PATTERN_WEIGHTS: dict[Pattern, float] = {
    Pattern.ARCH: 0.04,
    Pattern.TENTED_ARCH: 0.03,
    Pattern.LEFT_LOOP: 0.33,
    Pattern.RIGHT_LOOP: 0.32,
    Pattern.WHORL: 0.28,
}


class Condition(StrEnum):
    CLEAR = "clear"
    DRY = "dry"
    SMUDGED = "smudged"
    PARTIAL = "partial"
    WRONG_FINGER = "wrong_finger"
    NO_FINGER = "no_finger"


@dataclass(frozen=True)
class FingerIdentity:
    """Everything that defines one synthetic finger; drawn from ``seed`` by :func:`identity`."""

    seed: int
    pattern: Pattern
    cores: tuple[tuple[float, float], ...]  # (x, y) in pixels of the image (not the canvas)
    deltas: tuple[tuple[float, float], ...]
    period: float  # ridge period in pixels
    shape_axes: tuple[float, float]  # semi-axes of the finger ellipse, fractions of width/height
    shape_center: tuple[float, float]  # centre of the finger ellipse, fractions of width/height


def _rng(*parts: int) -> np.random.Generator:
    return np.random.default_rng([abs(int(p)) for p in parts])


def person_finger_seed(person_seed: int, finger_index: int) -> int:
    """The identity seed of finger ``finger_index`` (0..9) of a person: distinct per finger."""
    return int(_rng(person_seed, 7919, finger_index).integers(0, 2**62))


def other_identity_seed(seed: int) -> int:
    """A different identity derived from ``seed`` (used for the ``wrong_finger`` condition)."""
    return int(_rng(seed, 104729).integers(0, 2**62))


def identity(seed: int, size: tuple[int, int] = DEFAULT_SIZE) -> FingerIdentity:
    """The finger identity of ``seed``, for an image of ``size`` = (width, height)."""
    width, height = size
    rng = _rng(seed, 1)
    patterns = list(PATTERN_WEIGHTS)
    weights = np.array([PATTERN_WEIGHTS[p] for p in patterns])
    pattern = patterns[int(rng.choice(len(patterns), p=weights / weights.sum()))]
    cx = width * (0.5 + rng.uniform(-0.07, 0.07))
    cy = height * (0.42 + rng.uniform(-0.06, 0.06))
    cores: list[tuple[float, float]] = []
    deltas: list[tuple[float, float]] = []
    scale = min(width, height) / 400.0
    if pattern in (Pattern.LEFT_LOOP, Pattern.RIGHT_LOOP):
        side = -1.0 if pattern is Pattern.LEFT_LOOP else 1.0
        cores.append((cx, cy))
        deltas.append(
            (
                cx + side * rng.uniform(70, 120) * scale,
                cy + rng.uniform(90, 150) * scale,
            )
        )
    elif pattern is Pattern.WHORL:
        dx = rng.uniform(-12, 12) * scale
        dy = rng.uniform(12, 30) * scale
        cores.append((cx - dx, cy - dy))
        cores.append((cx + dx, cy + dy))
        low = cy + rng.uniform(100, 150) * scale
        deltas.append((cx - rng.uniform(100, 140) * scale, low + rng.uniform(-15, 15) * scale))
        deltas.append((cx + rng.uniform(100, 140) * scale, low + rng.uniform(-15, 15) * scale))
    elif pattern is Pattern.TENTED_ARCH:
        cores.append((cx, cy))
        deltas.append((cx + rng.uniform(-8, 8) * scale, cy + rng.uniform(45, 70) * scale))
    else:  # plain arch: no singular point; centre kept in ``cores``-free form
        pass
    period = float(rng.uniform(8.3, 10.0))
    axes = (float(rng.uniform(0.40, 0.46)), float(rng.uniform(0.42, 0.47)))
    center = (float(rng.uniform(0.48, 0.52)), float(rng.uniform(0.48, 0.53)))
    return FingerIdentity(seed, pattern, tuple(cores), tuple(deltas), period, axes, center)


# --- orientation field ------------------------------------------------------------------------


def _smooth_noise(
    rng: np.random.Generator, shape: tuple[int, int], cell: float, octaves: int = 1
) -> FloatArray:
    """Smooth random field in about [-1, 1] with features of ``cell`` pixels."""
    h, w = shape
    out = np.zeros(shape, np.float32)
    amp = 1.0
    total = 0.0
    for _ in range(octaves):
        gh, gw = max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)
        grid = rng.standard_normal((gh, gw)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
        cell /= 2.0
    return (out / total).astype(np.float32)


def orientation_field(ident: FingerIdentity, canvas: tuple[int, int], offset: int) -> FloatArray:
    """Ridge orientation (radians, modulo π, image convention: y down) over a canvas of
    (height, width) whose origin lies ``offset`` pixels before the image's."""
    h, w = canvas
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xs -= offset
    ys -= offset
    rng = _rng(ident.seed, 2)
    if ident.pattern is Pattern.ARCH:
        width = w - 2 * offset
        height = h - 2 * offset
        cx = width * ident.shape_center[0]
        cy = height * 0.55
        s = width * 0.28
        amp = rng.uniform(0.6, 1.0)
        # Ridges y = y0 - A(y)·exp(-(x-cx)²/2s²): slope dy/dx, flatter towards the bottom.
        fall = np.clip((ys - (cy - 0.6 * height)) / (0.9 * height), 0.0, 1.0)
        bump = amp * (1.0 - fall) * 1.6
        slope = bump * (xs - cx) / s * np.exp(-((xs - cx) ** 2) / (2 * s * s))
        theta = np.arctan(slope)
    else:
        # Zero-pole model in a y-up frame, then mapped back to y-down image angles.
        z = xs - 1j * ys
        acc = np.zeros((h, w), np.float64)
        for dx, dy in ident.deltas:
            acc += np.angle(z - (dx - 1j * dy))
        for cx, cy in ident.cores:
            acc -= np.angle(z - (cx - 1j * cy))
        theta = 0.5 * acc
    perturb = _smooth_noise(rng, (h, w), cell=120.0, octaves=2) * 0.12
    return np.asarray(np.mod(theta + perturb, np.pi), dtype=np.float32)


# --- Gabor growth -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _GaborBank:
    radius: int
    # per orientation: (cos_x, cos_y, sin_x, sin_y) 1-D kernels and the DC gain of the 2-D filter
    kernels: tuple[tuple[FloatArray, FloatArray, FloatArray, FloatArray, float], ...]
    gauss: FloatArray


@lru_cache(maxsize=16)
def gabor_bank(period: float, n: int = N_ORIENTATIONS, sigma: float | None = None) -> _GaborBank:
    """Separable even Gabor filters for ``n`` ridge orientations (θ = i·π/n), ridge ``period``."""
    sigma = sigma if sigma is not None else 0.5 * period
    radius = math.ceil(2.6 * sigma)
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-(t**2) / (2 * sigma * sigma))
    g /= g.sum()
    k = 2 * math.pi / period
    kernels = []
    for i in range(n):
        theta = i * math.pi / n
        phi = theta + math.pi / 2  # the filter oscillates across the ridges
        kx, ky = k * math.cos(phi), k * math.sin(phi)
        cx, cy = g * np.cos(kx * t), g * np.cos(ky * t)
        sx, sy = g * np.sin(kx * t), g * np.sin(ky * t)
        dc = float(cx.sum() * cy.sum() - sx.sum() * sy.sum())
        kernels.append(
            (
                cx.astype(np.float32),
                cy.astype(np.float32),
                sx.astype(np.float32),
                sy.astype(np.float32),
                dc,
            )
        )
    return _GaborBank(radius, tuple(kernels), g.astype(np.float32))


def oriented_filter(
    image: FloatArray,
    theta: FloatArray,
    bank: _GaborBank,
    weight_cache: list[tuple[int, tuple[slice, slice], FloatArray]] | None = None,
) -> FloatArray:
    """Filter ``image`` with the Gabor filter of the local orientation ``theta`` (per pixel).

    The response is interpolated linearly between the two nearest precomputed orientations;
    each orientation is computed only over the bounding box of the pixels that use it.
    """
    weights = weight_cache if weight_cache is not None else orientation_weights(theta, bank)
    out = np.zeros_like(image)
    blurred = np.asarray(
        cv2.sepFilter2D(image, cv2.CV_32F, bank.gauss, bank.gauss), dtype=np.float32
    )
    r = bank.radius
    h, w = image.shape
    for index, (ys, xs), wmap in weights:
        cx, cy, sx, sy, dc = bank.kernels[index]
        y0, y1 = max(0, ys.start - r), min(h, ys.stop + r)
        x0, x1 = max(0, xs.start - r), min(w, xs.stop + r)
        sub = image[y0:y1, x0:x1]
        even = cv2.sepFilter2D(sub, cv2.CV_32F, cx, cy, borderType=cv2.BORDER_REFLECT)
        odd = cv2.sepFilter2D(sub, cv2.CV_32F, sx, sy, borderType=cv2.BORDER_REFLECT)
        resp = np.asarray(even, dtype=np.float32) - np.asarray(odd, dtype=np.float32)
        inner = resp[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
        inner -= dc * blurred[ys, xs]
        out[ys, xs] += wmap * inner
    return out


def orientation_weights(
    theta: FloatArray, bank: _GaborBank
) -> list[tuple[int, tuple[slice, slice], FloatArray]]:
    """For each orientation used: its index, bounding box and per-pixel interpolation weight."""
    n = len(bank.kernels)
    u = theta * (n / math.pi)
    i0 = np.floor(u).astype(np.int32) % n
    frac = (u - np.floor(u)).astype(np.float32)
    i1 = (i0 + 1) % n
    result = []
    for index in range(n):
        wmap = np.where(i0 == index, 1.0 - frac, 0.0) + np.where(i1 == index, frac, 0.0)
        rows = np.flatnonzero(wmap.any(axis=1))
        if rows.size == 0:
            continue
        cols = np.flatnonzero(wmap.any(axis=0))
        box = (slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1))
        result.append((index, box, wmap[box].astype(np.float32)))
    return result


@lru_cache(maxsize=64)
def master(seed: int, size: tuple[int, int] = DEFAULT_SIZE) -> FloatArray:
    """The master ridge field of identity ``seed``: float32 in [-1, 1] (ridges positive) over the
    image plus :data:`MARGIN` on every side. Cached per ``(seed, size)`` as passed (pass both
    positionally, as :func:`impression` does, to share its cache); read-only."""
    ident = identity(seed, size)
    width, height = size
    canvas = (height + 2 * MARGIN, width + 2 * MARGIN)
    theta = orientation_field(ident, canvas, MARGIN)
    bank = gabor_bank(round(ident.period * 4) / 4)
    weights = orientation_weights(theta, bank)
    rng = _rng(seed, 3)
    # Sparse random seeds on a weak noise floor: the seeds decide where minutiae appear.
    field = (rng.standard_normal(canvas) * 0.05).astype(np.float32)
    n_seeds = int(canvas[0] * canvas[1] / (ident.period**2 * 12))
    sy = rng.integers(0, canvas[0], n_seeds)
    sx = rng.integers(0, canvas[1], n_seeds)
    field[sy, sx] = rng.choice(np.array([-1.0, 1.0], np.float32), n_seeds)
    for _ in range(GROWTH_ITERATIONS):
        resp = oriented_filter(field, theta, bank, weights)
        scale = float(np.std(resp)) + 1e-6
        field = np.clip(resp * (2.5 / scale), -1.0, 1.0)
    resp = oriented_filter(field, theta, bank, weights)
    result = np.asarray(np.tanh(resp * (1.5 / (float(np.std(resp)) + 1e-6))), dtype=np.float32)
    result.setflags(write=False)
    return result


# --- impressions ------------------------------------------------------------------------------


def finger_mask(ident: FingerIdentity, size: tuple[int, int], pressure: float = 1.0) -> FloatArray:
    """Soft contact mask (0..1) of the finger on the platen, in image coordinates; the contact
    area grows with ``pressure`` (1.0 = normal)."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = ident.shape_center[0] * width, ident.shape_center[1] * height
    ax = ident.shape_axes[0] * width * (0.85 + 0.15 * pressure)
    ay = ident.shape_axes[1] * height * (0.88 + 0.12 * pressure)
    # Flatter towards the bottom (the first crease cuts the contact area), rounder at the tip.
    ny = (ys - cy) / ay
    ny = np.where(ny > 0, ny * 1.15, ny)
    r = np.sqrt(((xs - cx) / ax) ** 2 + ny**2)
    return np.asarray(np.clip((1.0 - r) * 12.0, 0.0, 1.0), dtype=np.float32)


def _warp(
    src: FloatArray,
    size: tuple[int, int],
    rng: np.random.Generator,
    rotation_deg: float,
    shift: tuple[float, float],
    elastic: float,
) -> FloatArray:
    """Sample ``src`` (the master canvas) into an image of ``size`` after a rotation about the
    image centre, a translation and a smooth elastic displacement of about ``elastic`` px."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = width / 2.0, height / 2.0
    a = math.radians(rotation_deg)
    ca, sa = math.cos(a), math.sin(a)
    dx, dy = xs - cx - shift[0], ys - cy - shift[1]
    mx = ca * dx + sa * dy + cx + MARGIN
    my = -sa * dx + ca * dy + cy + MARGIN
    if elastic > 0:
        mx += _smooth_noise(rng, (height, width), cell=160.0) * elastic
        my += _smooth_noise(rng, (height, width), cell=160.0) * elastic
    out = cv2.remap(
        np.ascontiguousarray(src), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    return np.asarray(out, dtype=np.float32)


@dataclass(frozen=True)
class ImpressionParams:
    rotation_deg: float
    shift: tuple[float, float]
    elastic: float
    pressure: float


def impression_params(seed: int, impression: int) -> ImpressionParams:
    """The placement of capture number ``impression`` of finger ``seed`` (0 = a reference
    placement with small motion; others vary by up to ±12° and ±25 px)."""
    rng = _rng(seed, 11, impression)
    if impression == 0:
        return ImpressionParams(0.0, (0.0, 0.0), 0.0, 1.0)
    return ImpressionParams(
        rotation_deg=float(rng.uniform(-12, 12)),
        shift=(float(rng.uniform(-25, 25)), float(rng.uniform(-25, 25))),
        elastic=float(rng.uniform(2.0, 5.0)),
        pressure=float(rng.uniform(0.8, 1.2)),
    )


def _render(
    field: FloatArray,
    mask: FloatArray,
    rng: np.random.Generator,
    *,
    threshold: float,
    softness: float,
    ridge_level: float,
    valley_level: float,
    noise: float,
    wet: float = 0.0,
    blur: float = 0.6,
) -> Image:
    ink = 1.0 / (1.0 + np.exp(-(field - threshold) / softness))
    background = valley_level + 4.0 * _smooth_noise(rng, mask.shape, cell=200.0)
    valleys = background - wet * np.clip(mask * 3.0, 0.0, 1.0)
    gray = valleys - (valleys - ridge_level) * ink * mask
    gray += rng.standard_normal(mask.shape).astype(np.float32) * noise
    gray = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), blur)
    return np.asarray(np.clip(gray, 0, 255), dtype=np.uint8)


def empty_platen(seed: int, size: tuple[int, int] = DEFAULT_SIZE, level: float = 0.5) -> Image:
    """An empty platen: background with a faint gradient and sensor noise (``level`` scales it)."""
    width, height = size
    rng = _rng(seed, 21)
    base = 214.0 + 6.0 * _smooth_noise(rng, (height, width), cell=250.0)
    gray = base + rng.standard_normal((height, width)).astype(np.float32) * (1.5 + 3.0 * level)
    return np.clip(gray, 0, 255).astype(np.uint8)


def garbage(seed: int, size: tuple[int, int] = DEFAULT_SIZE) -> Image:
    """A non-finger image with texture everywhere (dirt, a glove, a random object): blurred
    random noise, used to check that quality is not fooled by contrast alone."""
    width, height = size
    rng = _rng(seed, 23)
    noise = rng.standard_normal((height, width)).astype(np.float32)
    noise = np.asarray(cv2.GaussianBlur(noise, (0, 0), 1.5), dtype=np.float32)
    noise /= float(noise.std()) + 1e-6
    return np.clip(140 + 45 * noise, 0, 255).astype(np.uint8)


def impression(
    seed: int,
    *,
    impression_index: int = 0,
    condition: Condition | str = Condition.CLEAR,
    level: float = 0.5,
    size: tuple[int, int] = DEFAULT_SIZE,
) -> Image:
    """One capture of finger ``seed``: ``impression_index`` picks the placement (0 = reference),
    ``condition`` and ``level`` (0..1) the degradation. Grayscale uint8, ridges dark."""
    condition = Condition(condition)
    level = float(min(1.0, max(0.0, level)))
    if condition is Condition.NO_FINGER:
        return empty_platen(seed * 31 + impression_index, size, level)
    if condition is Condition.WRONG_FINGER:
        return impression(other_identity_seed(seed), impression_index=impression_index, size=size)
    width, height = size
    ident = identity(seed, size)
    params = impression_params(seed, impression_index)
    rng = _rng(seed, 13, impression_index, list(Condition).index(condition))
    field = _warp(master(seed, size), size, rng, params.rotation_deg, params.shift, params.elastic)
    mask = finger_mask(ident, size, params.pressure)
    # The mask moves with the finger.
    mask = _move_mask(mask, params)
    threshold = 0.15 - 0.25 * (params.pressure - 1.0)
    softness = 0.22
    ridge_level, valley_level, noise, wet, blur = 45.0, 212.0, 4.0, 0.0, 0.6
    if condition is Condition.DRY:
        # Thin, broken, faint ridges: the skin touches the platen only in spots.
        threshold += 0.1 + 0.4 * level
        ridge_level += 40.0 + 70.0 * level
        spots = _smooth_noise(rng, (height, width), cell=7.0)
        contact = np.clip((spots + 1.2 - 1.5 * level) * 3.0, 0.0, 1.0)
        mask = mask * contact
        noise += 2.0 * level
    elif condition is Condition.SMUDGED:
        # Wet finger: water fills the valleys, ridges merge into dark blobs.
        field = np.asarray(cv2.GaussianBlur(field, (0, 0), 1.0 + 2.5 * level), dtype=np.float32)
        field = field / (float(np.abs(field).max()) + 1e-6)
        threshold -= 0.2 + 0.45 * level
        blobs = _smooth_noise(rng, (height, width), cell=28.0)
        pools = np.clip((blobs - (1.15 - 0.9 * level)) * 2.5, 0.0, 1.0)
        field = field * (1.0 - pools) + pools
        wet = 60.0 * level
        blur = 0.8 + 1.6 * level
        softness += 0.15 * level
    elif condition is Condition.PARTIAL:
        mask = mask * _partial_mask(rng, mask, keep=max(0.1, 1.0 - 1.2 * level))
    image = _render(
        field,
        mask,
        rng,
        threshold=threshold,
        softness=softness,
        ridge_level=ridge_level,
        valley_level=valley_level,
        noise=noise,
        wet=wet,
        blur=blur,
    )
    return image


def _move_mask(mask: FloatArray, params: ImpressionParams) -> FloatArray:
    h, w = mask.shape
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), params.rotation_deg, 1.0)
    m[0, 2] += params.shift[0]
    m[1, 2] += params.shift[1]
    moved = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0.0)
    return np.asarray(moved, dtype=np.float32)


def _partial_mask(rng: np.random.Generator, mask: FloatArray, keep: float) -> FloatArray:
    """A half-plane at a random angle that keeps about ``keep`` of the contact area."""
    h, w = mask.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * math.pi)
    proj = xs * math.cos(a) + ys * math.sin(a)
    inside = mask > 0.5
    values = np.sort(proj[inside]) if inside.any() else np.sort(proj.ravel())
    cut = values[int(min(len(values) - 1, max(0, (1.0 - keep) * len(values))))]
    return np.asarray(np.clip((proj - cut) / 4.0, 0.0, 1.0), dtype=np.float32)
