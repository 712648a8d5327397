"""Fingerprint image quality, 0-100, computed by the station itself (NFIQ-like, not NFIQ).

Devices report a quality of their own (SBI's ``qualityScore``, often NFIQ 2), but devices differ
and a simulated one reports nothing: the station needs one yardstick of its own to decide whether
to ask for another attempt and which attempt to keep. This is it. It is *not* NIST's NFIQ 2 (no
trained model, no certification); it follows the same ideas, on 16×16 blocks at 500 ppi:

* **Segmentation.** A block is foreground when the grey-level standard deviation of its 32×32
  neighbourhood is at least :data:`FOREGROUND_STD` grey levels; isolated blocks are dropped and
  holes filled (3×3 majority on the block grid).
* **Orientation coherence** (NFIQ's OCL): from the gradient structure tensor summed over the
  32×32 window, ``√((Gxx−Gyy)² + 4Gxy²) / (Gxx+Gyy)``: 1 for straight parallel ridges, near 0 for
  noise; mapped 0.2 → 0, 0.8 → 1.
* **Ridge clarity** (NFIQ's LCS): the window is averaged along the ridge orientation into a 1-D
  signature across the ridges; the share of the window's variance that this signature keeps
  measures how cleanly ridges and valleys separate (broken ridges, blobs and noise lower it);
  mapped 0.25 → 0, 0.85 → 1.
* **Spectral concentration** (NFIQ's FDA): share of the window's AC spectral energy in the 3×3
  bins around the spectral peak; mapped 0.1 → 0, 0.6 → 1.
* **Ridge/valley uniformity** (NFIQ's RVU): the share of the window on the ridge side of the
  signature; 1 at one half, 0 at 0.2 or 0.8 (thin dry ridges, or wet ridges that fill the
  valleys).
* **Ridge frequency validity**: the spectral peak's period must lie in 6-14 px (9 px ± the
  population range at 500 ppi); the score falls to 0 linearly over 1.5 px outside.
* **Contrast**: the 10-90 percentile grey-level range of the window, 0 at 15, full at 90.
* **Area**: foreground area relative to the expected contact area of the finger (default
  280 mm², a flat index finger; the capture session passes each finger's own), capped at 1.

Each foreground block gets ``q = Σ wᵢ·componentᵢ`` with the weights :data:`WEIGHTS` (coherence
0.20, clarity 0.25, spectral 0.15, ridge/valley 0.15, frequency 0.10, contrast 0.15); the
components of :data:`GATED` only count in proportion to the block's coherence (full from 0.5),
because contrast or a spectral peak alone do not make a fingerprint. The score is
``100 × mean(q over foreground blocks) × area_factor``, rounded; fewer than
:data:`MIN_FOREGROUND_BLOCKS` foreground blocks score 0. The report also gives each component's
mean (over foreground blocks) so that the UI can say *why* a print is poor
(:meth:`QualityReport.problem`).

Measured on simulated prints (``bench/bench_fingerprint.py``, 30 fingers, level 0.5): clear
median 83 (82-85), smudged 71 (68-75), dry 64 (62-66), partial 42 (38-48), empty platen 0,
textured non-finger 2; the order clear > dry, smudged > partial > nothing held for 30 of 30.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import scipy.fft  # type: ignore[import-untyped]  # (no stubs; one batched FFT call)

from station.capture import parallel
from station.errors import ValidationError

BLOCK = 16
WINDOW = 32
FOREGROUND_STD = 9.0
MIN_FOREGROUND_BLOCKS = 8
MIN_SIDE = 64
MAX_SIDE = 4000
DEFAULT_EXPECTED_AREA_MM2 = 280.0
PERIOD_RANGE = (6.0, 14.0)
WEIGHTS: dict[str, float] = {
    "coherence": 0.20,
    "clarity": 0.25,
    "spectral": 0.15,
    "ridge_valley": 0.15,
    "frequency": 0.10,
    "contrast": 0.15,
}
#: Components that only count where the block shows ridges at all (coherent orientation):
#: contrast and a spectral peak alone do not make a fingerprint.
GATED = ("spectral", "ridge_valley", "frequency", "contrast")

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class QualityReport:
    score: int  # 0-100
    components: dict[str, float]  # each 0..1: the block means, plus "area"
    foreground_fraction: float  # share of the image's blocks that hold ridges

    def problem(self) -> tuple[str, str] | None:
        """The main reason for a low score, in Vietnamese and English, or None."""
        if self.score >= 60:
            return None
        c = self.components
        if c.get("area", 0.0) < 0.6:
            if self.foreground_fraction < 0.02:
                return ("Không thấy vân tay trên máy quét.", "No fingerprint on the scanner.")
            return (
                "Vùng vân tay quá nhỏ: đặt cả đầu ngón tay lên máy quét.",
                "The print is too small: place the whole fingertip on the scanner.",
            )
        if c.get("contrast", 0.0) < 0.45:
            return (
                "Vân tay mờ: ngón tay có thể quá khô, hãy ấn chắc hơn.",
                "The print is faint: the finger may be too dry, press more firmly.",
            )
        return (
            "Đường vân không rõ: lau sạch ngón tay và mặt kính rồi thử lại.",
            "The ridges are unclear: wipe the finger and the glass, then try again.",
        )


def _invalid(vi: str, en: str) -> ValidationError:
    return ValidationError(f"Ảnh vân tay: {vi}", f"Fingerprint image: {en}", field="image")


def validate_image(image: object) -> npt.NDArray[np.uint8]:
    """``image`` as a 2-D uint8 array of a sensible size, or a clear ValidationError."""
    if not isinstance(image, np.ndarray):
        raise _invalid("không phải ảnh.", "not an image.")
    if image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        image = cv2.cvtColor(np.ascontiguousarray(image), code)
    if image.ndim != 2:
        raise _invalid("phải là ảnh xám.", "must be a grayscale image.")
    if image.dtype != np.uint8:
        raise _invalid("phải là ảnh 8 bit.", "must be an 8-bit image.")
    h, w = image.shape
    if min(h, w) < MIN_SIDE:
        raise _invalid(
            f"quá nhỏ ({w}×{h}, tối thiểu {MIN_SIDE} điểm ảnh mỗi cạnh).",
            f"too small ({w}×{h}, at least {MIN_SIDE} pixels a side).",
        )
    if max(h, w) > MAX_SIDE:
        raise _invalid(
            f"quá lớn ({w}×{h}, tối đa {MAX_SIDE} điểm ảnh mỗi cạnh).",
            f"too large ({w}×{h}, at most {MAX_SIDE} pixels a side).",
        )
    return np.ascontiguousarray(image)


def to_500ppi(image: npt.NDArray[np.uint8], ppi: int) -> npt.NDArray[np.uint8]:
    if ppi <= 0 or ppi > 2000:
        raise _invalid(
            f"độ phân giải không hợp lệ ({ppi} ppi).", f"invalid resolution ({ppi} ppi)."
        )
    if ppi == 500:
        return image
    f = 500.0 / ppi
    out = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return np.asarray(out, dtype=np.uint8)


@dataclass(frozen=True)
class BlockFeatures:
    """Per-block features on the block grid (rows × cols), shared with the matcher."""

    foreground: npt.NDArray[np.bool_]
    orientation: FloatArray  # ridge direction, radians mod π (y down)
    coherence: FloatArray
    period: FloatArray  # pixels
    clarity: FloatArray
    spectral: FloatArray
    ridge_share: FloatArray  # share of the window on the ridge side of the signature
    contrast: FloatArray


_HANN = np.outer(np.hanning(WINDOW), np.hanning(WINDOW)).astype(np.float32)
_FY = np.fft.fftfreq(WINDOW)[:, None]
_FX = np.fft.rfftfreq(WINDOW)[None, :]
_RADIUS = np.sqrt(_FX**2 + _FY**2) * WINDOW  # cycles per window
_BAND = (WINDOW / (PERIOD_RANGE[1] + 4) <= _RADIUS) & (WINDOW / (PERIOD_RANGE[0] - 2) >= _RADIUS)
_AC = _RADIUS >= 1.0
_UV = np.mgrid[0:WINDOW, 0:WINDOW].astype(np.float32) - (WINDOW - 1) / 2.0
_SIG_BINS = 2 * math.ceil(WINDOW * 0.75) + 1


def _window_sums(values: FloatArray, rows: int, cols: int) -> npt.NDArray[np.float64]:
    """Sum of ``values`` over each block's WINDOW×WINDOW neighbourhood (each block's
    window, reflected at the edges), from one integral image: (rows·cols,)."""
    pad = (WINDOW - BLOCK) // 2
    padded = cv2.copyMakeBorder(values, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    s = cv2.integral(padded, sdepth=cv2.CV_64F)
    y = np.arange(rows)[:, None] * BLOCK
    x = np.arange(cols)[None, :] * BLOCK
    total = s[y + WINDOW, x + WINDOW] - s[y, x + WINDOW] - s[y + WINDOW, x] + s[y, x]
    return np.asarray(total, dtype=np.float64).ravel()


def _window_percentiles(
    windows: npt.NDArray[np.uint8], qs: tuple[float, ...]
) -> list[npt.NDArray[np.float64]]:
    """``np.percentile(window, q)`` (linear interpolation) of every window (one a row), exactly:
    the 8-bit windows are sorted by a radix sort (numpy's stable sort of bytes)."""
    ordered = np.sort(windows, axis=1, kind="stable")
    size = windows.shape[1]
    out = []
    for q in qs:
        pos = q / 100.0 * (size - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, size - 1)
        x_lo = ordered[:, lo].astype(np.float64)
        x_hi = ordered[:, hi].astype(np.float64)
        out.append(x_lo + (pos - lo) * (x_hi - x_lo))
    return out


def block_features(image: npt.NDArray[np.uint8]) -> BlockFeatures:
    """The per-block features of a 500 ppi grayscale image (see the module docstring).

    Vectorised over the blocks: window sums from integral images, percentiles from a radix sort
    of the 8-bit windows, one batched single-precision FFT, and the ridge-valley signature's
    variance from its bins (``docs/capture.md``, "Gate time"). The per-window work runs on the
    two halves of the block grid at once (:func:`station.capture.parallel.both`): each block's
    values are computed from its own window only, so they do not depend on the split.
    """
    h, w = image.shape
    rows, cols = h // BLOCK, w // BLOCK
    img = image[: rows * BLOCK, : cols * BLOCK].astype(np.float32)

    # Structure tensor over each window.
    smooth = cv2.GaussianBlur(img, (0, 0), 1.0)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    gxx = _window_sums(gx * gx, rows, cols)
    gyy = _window_sums(gy * gy, rows, cols)
    gxy = _window_sums(gx * gy, rows, cols)
    denom = gxx + gyy + 1e-6
    coherence = np.sqrt((gxx - gyy) ** 2 + 4 * gxy**2) / denom
    # Gradient direction is across the ridges; the ridge runs at +90°.
    normal = 0.5 * np.arctan2(2 * gxy, gxx - gyy)
    orientation = np.mod(normal + np.pi / 2, np.pi)

    pad = (WINDOW - BLOCK) // 2
    padded = np.asarray(
        cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_REFLECT), dtype=np.float32
    )
    padded8 = np.asarray(
        cv2.copyMakeBorder(
            image[: rows * BLOCK, : cols * BLOCK], pad, pad, pad, pad, cv2.BORDER_REFLECT
        ),
        dtype=np.uint8,
    )
    half = rows // 2
    top, bottom = parallel.both(
        lambda: _window_stats(padded, padded8, normal, cols, 0, half),
        lambda: _window_stats(padded, padded8, normal, cols, half, rows),
    )
    std, contrast, spectral_share, period, clarity, ridge_share = (
        np.concatenate([a, b]) for a, b in zip(top, bottom, strict=True)
    )

    fg = (std >= FOREGROUND_STD).reshape(rows, cols).astype(np.uint8)
    fg = majority(fg)

    def grid(a: npt.NDArray[np.floating]) -> FloatArray:
        return np.asarray(a, dtype=np.float32).reshape(rows, cols)

    return BlockFeatures(
        foreground=fg.astype(bool),
        orientation=grid(orientation),
        coherence=grid(coherence),
        period=grid(period),
        clarity=grid(clarity),
        spectral=grid(spectral_share),
        ridge_share=grid(ridge_share),
        contrast=grid(contrast),
    )


def _window_stats(
    padded: FloatArray,
    padded8: npt.NDArray[np.uint8],
    normal: npt.NDArray[np.float64],
    cols: int,
    row_lo: int,
    row_hi: int,
) -> tuple[npt.NDArray[np.floating], ...]:
    """The window features of the block rows ``row_lo:row_hi`` (each from its own window):
    std, contrast, spectral share, period, clarity and ridge share, one value per block."""
    rows = row_hi - row_lo
    n = rows * cols
    if n == 0:
        empty = np.zeros(0, np.float64)
        return (empty,) * 6
    sub = (slice(row_lo * BLOCK, row_hi * BLOCK + WINDOW - BLOCK), slice(None))
    view = np.lib.stride_tricks.sliding_window_view(padded[sub], (WINDOW, WINDOW))
    win = view[::BLOCK, ::BLOCK][:rows, :cols]
    win = np.ascontiguousarray(win, dtype=np.float32).reshape(n, WINDOW * WINDOW)
    mean = win.mean(axis=1, keepdims=True)
    centred = win - mean
    std = centred.std(axis=1)
    view8 = np.lib.stride_tricks.sliding_window_view(padded8[sub], (WINDOW, WINDOW))
    p10, p90 = _window_percentiles(
        view8[::BLOCK, ::BLOCK][:rows, :cols].reshape(n, WINDOW * WINDOW), (10, 90)
    )
    contrast = np.clip((p90 - p10 - 15.0) / 75.0, 0.0, 1.0)

    # Spectrum: peak frequency and the energy concentrated around it.
    coeffs = scipy.fft.rfft2(centred.reshape(n, WINDOW, WINDOW) * _HANN, workers=1)
    spec = coeffs.real**2 + coeffs.imag**2
    spec[:, ~_AC] = 0.0
    total = spec.sum(axis=(1, 2), dtype=np.float64) + 1e-6
    banded = np.where(_BAND[None], spec, 0.0).reshape(n, -1)
    peak = banded.argmax(axis=1)
    py, px = np.unravel_index(peak, _BAND.shape)
    radius = _RADIUS[py, px]
    around = np.zeros(n)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            yy = (py + dy) % WINDOW
            xx = np.clip(px + dx, 0, _BAND.shape[1] - 1)
            ok = (px + dx >= 0) & (px + dx < _BAND.shape[1])
            around += np.where(ok, spec[np.arange(n), yy, xx], 0.0)
    spectral_share = around / total
    period = WINDOW / np.maximum(radius, 1e-3)

    # Ridge-valley separation: the signature across the ridges (the mean grey level of each
    # distance bin along the normal). Its variance over the window's pixels, and the share of
    # pixels on the ridge side, follow from the bins' counts and means.
    block_normal = normal[row_lo * cols : row_hi * cols]
    cos_n = np.cos(block_normal).astype(np.float32)
    sin_n = np.sin(block_normal).astype(np.float32)
    d = cos_n[:, None] * _UV[1].ravel()[None, :] + sin_n[:, None] * _UV[0].ravel()[None, :]
    # |d| ≤ √2·WINDOW/2 < _SIG_BINS/2: every distance falls in a bin.
    offsets = _SIG_BINS // 2 + np.arange(n, dtype=np.intp) * _SIG_BINS
    flat = (np.rint(d).astype(np.intp) + offsets[:, None]).ravel()
    # bincount sums in double precision: handing it the weights as doubles (the same values)
    # and the bins as native integers spares it a slow conversion of each.
    weights = centred.astype(np.float64).ravel()
    sums = np.bincount(flat, weights=weights, minlength=n * _SIG_BINS)
    counts = np.bincount(flat, minlength=n * _SIG_BINS).astype(np.float64)
    signature = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0).reshape(n, _SIG_BINS)
    counts = counts.reshape(n, _SIG_BINS)
    size = float(WINDOW * WINDOW)
    sig_mean = (counts * signature).sum(axis=1) / size
    sig_var = (counts * (signature - sig_mean[:, None]) ** 2).sum(axis=1) / size
    kept = sig_var / (std.astype(np.float64) ** 2 + 1e-6)
    clarity = np.clip(kept, 0.0, 1.0)
    ridge_share = (counts * (signature < 0)).sum(axis=1) / size
    return std, contrast, spectral_share, period, clarity, ridge_share


def majority(mask: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """3×3 majority vote on the block grid: drops specks, fills pinholes."""
    votes = cv2.boxFilter(mask.astype(np.float32), -1, (3, 3), normalize=True)
    return np.asarray((votes > 0.5).astype(np.uint8))


def _frequency_ok(period: FloatArray) -> FloatArray:
    lo, hi = PERIOD_RANGE
    below = np.clip((period - (lo - 1.5)) / 1.5, 0.0, 1.0)
    above = np.clip(((hi + 1.5) - period) / 1.5, 0.0, 1.0)
    return np.asarray(np.minimum(below, above), dtype=np.float32)


def assess(
    image: object,
    *,
    ppi: int = 500,
    expected_area_mm2: float = DEFAULT_EXPECTED_AREA_MM2,
    features: BlockFeatures | None = None,
) -> QualityReport:
    """The quality of one segmented finger image (grayscale, ridges dark).

    ``features``: the image's :func:`block_features` when the caller already has them (the
    station's gate shares them with the minutiae extraction).
    """
    gray = to_500ppi(validate_image(image), ppi)
    feats = features if features is not None else block_features(gray)
    fg = feats.foreground
    total_blocks = fg.size
    n_fg = int(fg.sum())
    fraction = n_fg / total_blocks if total_blocks else 0.0
    if n_fg < MIN_FOREGROUND_BLOCKS:
        zero = dict.fromkeys([*WEIGHTS, "area"], 0.0)
        return QualityReport(0, zero, fraction)
    coherence = np.clip((feats.coherence[fg] - 0.2) / 0.6, 0.0, 1.0)
    gate = np.clip(coherence / 0.5, 0.0, 1.0)
    comps = {
        "coherence": coherence,
        "clarity": np.clip((feats.clarity[fg] - 0.25) / 0.6, 0.0, 1.0),
        "spectral": np.clip((feats.spectral[fg] - 0.1) / 0.5, 0.0, 1.0),
        "ridge_valley": np.clip(1.0 - np.abs(feats.ridge_share[fg] - 0.5) / 0.3, 0.0, 1.0),
        "frequency": _frequency_ok(feats.period[fg]),
        "contrast": feats.contrast[fg],
    }
    for key in GATED:
        comps[key] = comps[key] * gate
    q = sum(WEIGHTS[k] * comps[k] for k in WEIGHTS)
    px_per_mm = 500 / 25.4
    expected_blocks = expected_area_mm2 * px_per_mm**2 / BLOCK**2
    area = min(1.0, n_fg / expected_blocks)
    score = round(100.0 * float(np.mean(q)) * area)
    components = {k: round(float(np.mean(v)), 4) for k, v in comps.items()}
    components["area"] = round(area, 4)
    return QualityReport(int(min(100, max(0, score))), components, round(fraction, 4))
