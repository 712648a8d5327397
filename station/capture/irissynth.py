"""Synthetic near-infrared eye images, for the simulated iris camera, tests and benches.

One image is 640x480 grayscale, as registration iris cameras send (ISO/IEC 19794-6 "VGA"):
skin around an almond-shaped eye opening, a bright sclera, an iris disc of about 230 px across
with a radial texture drawn from the person and eye (furrows and crypts: sums of angular waves
whose phase drifts with the radius, plus smooth blotches), a dark pupil with the camera's
specular spot, the upper lid covering the top of the iris, a few lashes, and sensor noise.
Each capture moves the eye a little and changes the pupil's dilation and the lid's opening.

Conditions: ``clear``; ``blurred`` (out of focus, Gaussian sigma 3.5 px); ``closed`` (the lids
leave a slit); ``small`` (the citizen stands too far: an iris of about 110 px); ``dark``
(under-exposed, a quarter of the contrast); ``cut_off`` (the eye at the image edge). It is a
test pattern with the statistics the station's quality measures look at, not an iris a
recognition algorithm could be evaluated on.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float32]

WIDTH, HEIGHT = 640, 480
CONDITIONS = ("clear", "blurred", "closed", "small", "dark", "cut_off")


def _rng(*parts: int) -> np.random.Generator:
    return np.random.default_rng([abs(int(p)) for p in parts])


def _smooth(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> FloatArray:
    h, w = shape
    small = rng.standard_normal((max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)))
    big = cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.asarray(big / (float(np.abs(big).max()) + 1e-6), dtype=np.float32)


def _texture(seed: int, eye: int, theta: FloatArray, rho: FloatArray) -> FloatArray:
    """The iris pattern of one eye in polar coordinates (theta radians, rho 0..1 pupil..limbus)."""
    rng = _rng(seed, 31, eye)
    tex = np.zeros(theta.shape, np.float32)
    for _ in range(18):
        k = int(rng.integers(8, 60))
        drift = float(rng.uniform(-3.0, 3.0))
        phase = float(rng.uniform(0, 2 * math.pi))
        amp = float(rng.uniform(0.3, 1.0))
        tex += amp * np.cos(k * theta + drift * rho * 2 * math.pi + phase).astype(np.float32)
    tex /= float(np.abs(tex).max()) + 1e-6
    # Crypts: a few dark blobs at person-specific places.
    for _ in range(14):
        t0 = float(rng.uniform(-math.pi, math.pi))
        r0 = float(rng.uniform(0.2, 0.9))
        d = np.angle(np.exp(1j * (theta - t0))).astype(np.float32)
        blob = np.exp(-((d / 0.08) ** 2) - ((rho - r0) / 0.07) ** 2).astype(np.float32)
        tex -= 1.2 * blob
    # The collarette: a brighter zig-zag ring a third of the way out.
    ring = 0.33 + 0.03 * np.cos(23 * theta + float(rng.uniform(0, 6)))
    tex += 0.8 * np.exp(-(((rho - ring) / 0.04) ** 2)).astype(np.float32)
    return tex


def eye_image(
    person_seed: int, eye: str, *, capture_index: int = 0, condition: str = "clear"
) -> Image:
    """One capture of the ``eye`` ("left"/"right") of person ``person_seed``."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; one of {CONDITIONS}")
    e = 1 if eye == "left" else 0
    base = _rng(person_seed, 17, e)
    rng = _rng(person_seed, 19, e, capture_index, CONDITIONS.index(condition))
    iris_r = float(base.uniform(110, 122)) * (0.48 if condition == "small" else 1.0)
    pupil_ratio = float(np.clip(base.uniform(0.33, 0.42) + rng.uniform(-0.05, 0.05), 0.25, 0.55))
    pupil_r = iris_r * pupil_ratio
    cx = WIDTH / 2 + float(rng.uniform(-25, 25))
    cy = HEIGHT / 2 + float(rng.uniform(-15, 15))
    if condition == "cut_off":
        cx = WIDTH - iris_r * 0.55
    # Pupil slightly off the iris centre, as in real eyes.
    px = cx + float(base.uniform(-4, 4))
    py = cy + float(base.uniform(-3, 3))
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    # Skin.
    img = 150.0 + 12.0 * _smooth(rng, (HEIGHT, WIDTH), 60.0)
    # Eye opening: between two parabolas through the corners.
    half_w = iris_r * 2.3
    opening = float(base.uniform(0.78, 0.88) + rng.uniform(-0.05, 0.05))
    if condition == "closed":
        opening = 0.22
    u = (xs - cx) / half_w
    upper = cy - iris_r * 1.05 * opening * 1.15 * (1 - u**2) + iris_r * 0.25
    lower = cy + iris_r * 1.1 * (1 - u**2)
    inside = (np.abs(u) < 1) & (ys > upper) & (ys < lower)
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 2.0)
    sclera = 205.0 + 8.0 * _smooth(rng, (HEIGHT, WIDTH), 40.0)
    # Iris in polar coordinates around the pupil.
    dx, dy = xs - px, ys - py
    r = np.sqrt(dx**2 + dy**2)
    theta = np.arctan2(dy, dx).astype(np.float32)
    rho = np.clip((r - pupil_r) / max(iris_r - pupil_r, 1.0), 0.0, 1.0).astype(np.float32)
    # The texture only where the iris is (the rest of the frame never shows it).
    x0, x1 = max(0, int(cx - iris_r - 4)), min(WIDTH, int(cx + iris_r + 5))
    y0, y1 = max(0, int(cy - iris_r - 4)), min(HEIGHT, int(cy + iris_r + 5))
    tex = np.zeros((HEIGHT, WIDTH), np.float32)
    tex[y0:y1, x0:x1] = _texture(person_seed, e, theta[y0:y1, x0:x1], rho[y0:y1, x0:x1])
    iris_grey = float(base.uniform(85, 105))
    iris = iris_grey + 28.0 * tex - 12.0 * rho  # darker limbus ring
    r_iris = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2)
    iris_mask = cv2.GaussianBlur((r_iris < iris_r).astype(np.float32), (0, 0), 1.5)
    pupil_mask = cv2.GaussianBlur((r < pupil_r).astype(np.float32), (0, 0), 1.2)
    eyeball = sclera * (1 - iris_mask) + iris * iris_mask
    eyeball = eyeball * (1 - pupil_mask) + 22.0 * pupil_mask
    # The camera's specular spot, inside the pupil.
    spot = np.exp(-(((xs - px + pupil_r * 0.3) ** 2 + (ys - py + pupil_r * 0.3) ** 2) / 30.0))
    eyeball = eyeball + 230.0 * spot.astype(np.float32)
    img = img * (1 - soft) + eyeball * soft
    # Lashes along the upper lid.
    lash = np.zeros((HEIGHT, WIDTH), np.float32)
    for _ in range(28):
        lx = cx + float(rng.uniform(-0.8, 0.8)) * half_w
        lu = (lx - cx) / half_w
        ly = cy - iris_r * 1.05 * opening * 1.15 * (1 - lu**2) + iris_r * 0.25
        length = float(rng.uniform(15, 35))
        angle = -math.pi / 2 + float(rng.uniform(-0.5, 0.5)) + 0.6 * lu
        ex, ey = lx + length * math.cos(angle), ly + length * math.sin(angle)
        cv2.line(lash, (int(lx), int(ly)), (int(ex), int(ey)), 1.0, 2, cv2.LINE_AA)
    img = img * (1 - 0.8 * lash) + 30.0 * 0.8 * lash
    if condition == "dark":
        img = 30.0 + (img - 30.0) * 0.25
    img = img + rng.standard_normal((HEIGHT, WIDTH)).astype(np.float32) * 2.0
    if condition == "blurred":
        img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 3.5)
    else:
        img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.6)
    return np.asarray(np.clip(img, 0, 255), dtype=np.uint8)
