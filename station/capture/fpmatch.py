"""Fingerprint comparison, to catch the same finger captured twice within one dossier.

This is a duplicate check at the station (the officer put the right index in the left index
slot, the citizen presented one finger twice), not an identification system: it compares the
ten fingers of one person with each other, and a person's different fingers are the hardest
impostors it meets (same skin, often the same pattern class).

No maintained Python matcher fits: SourceAFIS has no Python package, ``pyfing`` needs
TensorFlow, and ``nbis-py`` (NIST mindtct + bozorth3 through a Rust binding, 0.1.x, one vendor)
installs and works but is too young to depend on; the bench uses it as a reference when it is
installed. So the station has its own minutiae matcher:

**Extraction** (:func:`extract`):

1. Block features from :mod:`station.capture.fpquality` (foreground, orientation, ridge period);
   the ridge area is the foreground blocks that show ridges (valid period, spectral peak,
   clarity), largest connected part.
2. The orientation field is smoothed as a doubled-angle vector field and interpolated to every
   pixel; the locally normalised image is enhanced with the oriented Gabor filters of
   :mod:`fpsynth` at the print's median ridge period, and binarised (ridge = positive response).
3. The binary ridges are thinned (``skimage.morphology.skeletonize``); minutiae are the skeleton
   pixels with crossing number 1 (ridge ending) or 3 (bifurcation).
4. Each minutia's direction is traced along its skeleton branches (ending: towards the ridge it
   ends; bifurcation: into the fork, away from the stem).
5. Spurious minutiae are removed: within :data:`BORDER_PX` of the ridge area's edge, in "flat"
   areas where the grey level hardly varies (a wet blob, a dry gap: the Gabor filter invents
   ridges there), and pairs closer than 0.8 ridge period (broken ridges, spurs, bridges).

**Comparison** (:func:`similarity`): Hough-style alignment by minutia pairs. Every pair (a in A,
b in B) whose directions differ by at most :data:`MAX_ROTATION_DEG` proposes a rigid motion
mapping a onto b; each motion gets one vote per minutia of A that lands, after the motion, within
:data:`TOL_DIST` of a minutia of B with a compatible direction (one lookup per minutia in a
precomputed direction × position map of B, so all motions are scored at once). The
:data:`ANCHORS_REFINED` best motions are refined by least squares on their pairs and paired
again one to one, the tolerance growing with the distance from the pairs' centre to absorb skin
elasticity. Each pair weighs by how close it lands (distance and direction residuals: a chance
pairing lands anywhere in the tolerance, a true one near its centre) and half as much when the
two types differ. With ``m`` the weighted pairs and ``nA``, ``nB`` the minutiae of each print
inside the other one's ridge area (at least :data:`MIN_OVERLAP_MINUTIAE`), the similarity is
``m² / (nA·nB)`` (0..1); it is 0 below :data:`MIN_PAIRED` pairs or when the prints overlap
only at their edges (less than :data:`MIN_OVERLAP_SHARE` of the smaller print). It is not
exactly symmetric: the session compares each pair of fingers once, in finger order.

**Measured** on simulated prints (``bench/bench_fingerprint.py``, 12 persons × 10 fingers, 2-core
AMD EPYC), at :data:`THRESHOLD` = 0.05: FMR 0 of 1080 same-person pairs (other fingers of the
same hand and person) and 0 of 1200 other-person pairs (highest impostor score 0.041);
FNMR 0 % for a second clear, dry (0.35) or partial (0.4) impression, 5 % against a smudged
(wet, 0.35) one. Extraction about 90 ms, comparison about 5 ms: about 1.1 s for the 45 pairs of
a dossier. These are simulated prints: the threshold must be checked on real captures.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from skimage.morphology import skeletonize

from station.capture import fpquality, fpsynth, parallel

#: Same finger when similarity ≥ THRESHOLD (chosen on simulated prints, see the bench).
THRESHOLD = 0.05
MAX_ROTATION_DEG = 45.0
BORDER_PX = 14
#: Pixels whose local grey-level deviation is below this share of the print's median are "flat"
#: (no visible ridges): no minutiae there.
FLAT_FRACTION = 0.45
#: A foreground block counts as ridge area when its spectral share and ridge clarity (see
#: :mod:`fpquality`) reach these values.
RIDGE_SPECTRAL_MIN = 0.25
RIDGE_CLARITY_MIN = 0.3
MIN_PAIRED = 6
#: The overlap must hold at least this share of the smaller print's minutiae, and the score's
#: denominator counts at least this many minutiae per print.
MIN_OVERLAP_SHARE = 0.5
MIN_OVERLAP_MINUTIAE = 20
#: Pairing tolerances: distance (px) at the anchor, growth per px of distance from the anchor,
#: and direction (degrees).
TOL_DIST = 9.0
TOL_GROWTH = 0.04
TOL_ANGLE_DEG = 25.0
#: A pair of minutiae of different types (ending / bifurcation) counts this much: wet and dry
#: skin turn one into the other, so a mismatch is weak evidence, not none.
TYPE_MISMATCH_WEIGHT = 0.5
MAX_MINUTIAE = 120
#: Voting grid: cell size (px) and direction bins; best motions refined exactly.
VOTE_CELL = 2
VOTE_BINS = 16
ANCHORS_REFINED = 10

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Template:
    """Minutiae of one print, plus its foreground for overlap estimation."""

    x: FloatArray
    y: FloatArray
    direction: FloatArray  # radians, [-π, π)
    kind: npt.NDArray[np.int8]  # 1 = ending, 3 = bifurcation
    foreground: npt.NDArray[np.bool_]  # pixel mask at 500 ppi
    period: float

    @property
    def count(self) -> int:
        return int(self.x.size)

    @cached_property
    def vote_map(self) -> npt.NDArray[np.uint8]:
        """The print's voting map (:func:`_vote_map`), made once per template: a dossier's
        comparisons look each print up nine times."""
        return _vote_map(self)


def _pixel_orientation(feats: fpquality.BlockFeatures, shape: tuple[int, int]) -> FloatArray:
    """Block orientations smoothed (doubled angles, weighted by coherence) and interpolated."""
    weight = np.where(feats.foreground, feats.coherence, 0.05 * feats.coherence)
    c = np.cos(2 * feats.orientation) * weight
    s = np.sin(2 * feats.orientation) * weight
    c = cv2.GaussianBlur(c, (0, 0), 1.0)
    s = cv2.GaussianBlur(s, (0, 0), 1.0)
    h, w = shape
    rows, cols = feats.orientation.shape
    # Block centres sit at (i + 0.5)·BLOCK; resize over the covered area, then pad.
    cw, ch = cols * fpquality.BLOCK, rows * fpquality.BLOCK
    c_full = cv2.resize(c, (cw, ch), interpolation=cv2.INTER_LINEAR)
    s_full = cv2.resize(s, (cw, ch), interpolation=cv2.INTER_LINEAR)
    c_full = cv2.copyMakeBorder(c_full, 0, h - ch, 0, w - cw, cv2.BORDER_REPLICATE)
    s_full = cv2.copyMakeBorder(s_full, 0, h - ch, 0, w - cw, cv2.BORDER_REPLICATE)
    half = np.asarray(0.5 * np.arctan2(s_full, c_full), dtype=np.float32)  # in [-π/2, π/2]
    # np.mod(half, π) without NumPy's slow float modulo: π added where negative (the same sum).
    return np.asarray(np.where(half < 0, half + np.float32(np.pi), half), dtype=np.float32)


def _pixel_foreground(
    feats: fpquality.BlockFeatures, shape: tuple[int, int]
) -> npt.NDArray[np.bool_]:
    h, w = shape
    rows, cols = feats.foreground.shape
    # Blocks that show ridges, not just contrast (the edge of a wet finger has contrast too).
    lo, hi = fpquality.PERIOD_RANGE
    ridged = (
        feats.foreground
        & (feats.period >= lo)
        & (feats.period <= hi)
        & (feats.spectral >= RIDGE_SPECTRAL_MIN)
        & (feats.clarity >= RIDGE_CLARITY_MIN)
    )
    fg = fpquality.majority(ridged.astype(np.uint8))
    # Drop foreground islands: keep the largest connected component of blocks.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if n > 2:
        keep = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        fg = (labels == keep).astype(np.uint8)
    full = cv2.resize(
        fg, (cols * fpquality.BLOCK, rows * fpquality.BLOCK), interpolation=cv2.INTER_NEAREST
    )
    full = cv2.copyMakeBorder(
        full, 0, h - full.shape[0], 0, w - full.shape[1], cv2.BORDER_CONSTANT, value=0
    )
    return np.asarray(full > 0)


_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))


def _crossing_number(skel: npt.NDArray[np.uint8]) -> npt.NDArray[np.int32]:
    """Half the number of 0/1 changes around each skeleton pixel's 8-ring (0 off the skeleton);
    computed at the skeleton's pixels only."""
    h, w = skel.shape
    p = np.pad(skel, 1).astype(np.int8)
    ys, xs = np.nonzero(skel)
    ring = [p[ys + 1 + dy, xs + 1 + dx] for dy, dx in _NEIGHBOURS]
    changes = np.zeros(ys.size, np.int32)
    for i in range(8):
        changes += np.abs(ring[i] - ring[(i + 1) % 8])
    cn = np.zeros((h, w), np.int32)
    cn[ys, xs] = (changes // 2) * skel[ys, xs]
    return cn


def _ring_branches(ring: list[bool]) -> tuple[int, ...]:
    """The ring positions (indices into :data:`_NEIGHBOURS`) where the distinct branches around
    a skeleton pixel start, given which of its 8 neighbours are set."""
    if all(ring):
        return ()
    # Runs of set pixels around the 8-ring are branches (as the crossing number counts them);
    # start the run at a cleared pixel so that no run wraps around.
    start = ring.index(False)
    runs: list[list[int]] = []
    for k in range(8):
        i = (start + k) % 8
        if ring[i]:
            if not runs or runs[-1][-1] != (i - 1) % 8 or not ring[(i - 1) % 8]:
                runs.append([i])
            else:
                runs[-1].append(i)
    # Prefer a 4-neighbour (odd indices in _NEIGHBOURS) as the branch's first pixel.
    return tuple(next((i for i in run if i % 2 == 1), run[0]) for run in runs)


#: :func:`_ring_branches` of every ring (bit k set: neighbour k is on the skeleton).
_BRANCHES: tuple[tuple[int, ...], ...] = tuple(
    _ring_branches([bool(code >> k & 1) for k in range(8)]) for code in range(256)
)


def _trace_branches(
    skel: npt.NDArray[np.uint8], ys: npt.NDArray[np.intp], xs: npt.NDArray[np.intp], steps: int
) -> list[list[tuple[int, int]]]:
    """For each skeleton pixel (ys, xs), where each of its branches leads: the pixel reached by
    following the skeleton from it along the branch for up to ``steps`` pixels, preferring
    4-neighbours (the skeleton is 8-connected; avoid corner shortcuts).

    All the walks advance together, one pixel a step, on the skeleton padded by one pixel
    (flat indices): a walk moves to the last free 4-neighbour of its pixel in
    :data:`_NEIGHBOURS` order if there is one, else to the first free neighbour, never back to
    the previous pixel or the start, and stops for good where no neighbour is free.
    """
    padded = np.pad(skel, 1)
    width = padded.shape[1]
    on = padded.ravel().astype(bool)
    offsets = np.array([dy * width + dx for dy, dx in _NEIGHBOURS], np.intp)
    four = np.array([0 in (dy, dx) for dy, dx in _NEIGHBOURS])
    origins = (np.asarray(ys, np.intp) + 1) * width + np.asarray(xs, np.intp) + 1
    codes = (on[origins[:, None] + offsets[None, :]] << np.arange(8)).sum(axis=1)
    owner: list[int] = []
    first: list[int] = []
    for i, code in enumerate(codes.tolist()):
        for k in _BRANCHES[code]:
            owner.append(i)
            first.append(int(offsets[k]))
    out: list[list[tuple[int, int]]] = [[] for _ in range(origins.size)]
    if not owner:
        return out
    start = origins[np.array(owner, np.intp)]
    prev = start.copy()
    cur = start + np.array(first, np.intp)
    moving = np.ones(cur.size, bool)
    rows = np.arange(cur.size)
    for _ in range(steps):
        cand = cur[:, None] + offsets[None, :]
        free = on[cand] & (cand != prev[:, None]) & (cand != start[:, None])
        free_four = free & four[None, :]
        last_four = 7 - np.argmax(free_four[:, ::-1], axis=1)
        pick = np.where(free_four.any(axis=1), last_four, np.argmax(free, axis=1))
        moving &= free.any(axis=1)
        prev = np.where(moving, cur, prev)
        cur = np.where(moving, cand[rows, pick], cur)
        if not moving.any():
            break
    for i, end in zip(owner, cur.tolist(), strict=True):
        out[i].append((end // width - 1, end % width - 1))
    return out


def _angle_between(a: float, b: float) -> float:
    """:func:`_angle_diff` of two angles, in plain floats (the same arithmetic as NumPy's)."""
    return abs((a - b + math.pi) % (2 * math.pi) - math.pi)


def _angle_diff(
    a: npt.NDArray[np.floating] | float, b: npt.NDArray[np.floating] | float
) -> npt.NDArray[np.floating]:
    return np.asarray(np.abs(np.mod(np.asarray(a) - np.asarray(b) + np.pi, 2 * np.pi) - np.pi))


def extract(
    image: object, *, ppi: int = 500, features: fpquality.BlockFeatures | None = None
) -> Template:
    """The minutiae template of one finger image (grayscale, ridges dark); ``features`` as in
    :func:`fpquality.assess`."""
    gray = fpquality.to_500ppi(fpquality.validate_image(image), ppi)
    feats = features if features is not None else fpquality.block_features(gray)
    shape = (gray.shape[0], gray.shape[1])
    foreground = _pixel_foreground(feats, shape)
    fg_periods = feats.period[feats.foreground]
    period = float(np.median(fg_periods)) if fg_periods.size else 9.0
    period = float(min(13.0, max(6.5, period)))
    if not foreground.any():
        empty = np.zeros(0, np.float32)
        return Template(empty, empty, empty, np.zeros(0, np.int8), foreground, period)

    bank = fpsynth.gabor_bank(round(period * 4) / 4)
    img = gray.astype(np.float32)

    def local_stats() -> tuple[FloatArray, FloatArray]:
        mean = np.asarray(cv2.GaussianBlur(img, (0, 0), period), dtype=np.float32)
        std = np.sqrt(cv2.GaussianBlur((img - mean) ** 2, (0, 0), period)) + 1.0
        return mean, np.asarray(std, dtype=np.float32)

    # Independent steps run two at a time (station.capture.parallel); the values are the same.
    theta, (local_mean, local_std) = parallel.both(
        lambda: _pixel_orientation(feats, shape), local_stats
    )
    norm = np.asarray(-(img - local_mean) / local_std, dtype=np.float32)  # ridges positive
    ridges = _enhance(norm, theta, bank, foreground) > 0

    def minutiae_points() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int32]]:
        # Thinned over the ridges' box plus one empty pixel a side: thinning only clears
        # pixels, so the empty frame stays empty and the skeleton is that of the whole image.
        skel = np.zeros(ridges.shape, np.uint8)
        rows = np.flatnonzero(ridges.any(axis=1))
        if rows.size:
            cols = np.flatnonzero(ridges.any(axis=0))
            y0, x0 = max(0, int(rows[0]) - 1), max(0, int(cols[0]) - 1)
            y1, x1 = int(rows[-1]) + 2, int(cols[-1]) + 2
            box = skeletonize(ridges[y0:y1, x0:x1])  # type: ignore[no-untyped-call]
            skel[y0:y1, x0:x1] = np.asarray(box, dtype=np.uint8)
        return skel, _crossing_number(skel)

    def reliability() -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float32]]:
        # Where the ridges themselves are flat (a wet blob, a dry gap), the Gabor filter invents
        # ridges: minutiae there are not trusted, and those areas do not count as overlap.
        typical = float(np.median(local_std[foreground]))
        flat = (local_std < FLAT_FRACTION * typical).astype(np.uint8)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
        flat = np.asarray(cv2.dilate(flat, kernel), dtype=np.uint8)
        # Distance from the foreground's edge.
        inner = cv2.distanceTransform(foreground.astype(np.uint8), cv2.DIST_L2, 3)
        return foreground & (flat == 0), np.asarray(inner, dtype=np.float32)

    (skel, cn), (reliable, inner) = parallel.both(minutiae_points, reliability)
    ys, xs = np.nonzero((cn == 1) | (cn == 3))
    # Away from the foreground's edge (where every ridge "ends") and from unreliable areas.
    keep = (inner[ys, xs] > BORDER_PX) & reliable[ys, xs]
    ys, xs = ys[keep], xs[keep]
    if ys.size > 4 * MAX_MINUTIAE:
        # A texture that is not a print: bound the tracing work below, keep the deepest ones.
        order = np.argsort(-inner[ys, xs])[: 4 * MAX_MINUTIAE]
        ys, xs = ys[order], xs[order]
    kinds = cn[ys, xs].astype(np.int8)
    steps = max(6, round(period))
    dirs = np.zeros(ys.size, np.float32)
    valid = np.ones(ys.size, bool)
    for i, (y, x, ends) in enumerate(
        zip(ys.tolist(), xs.tolist(), _trace_branches(skel, ys, xs, steps), strict=True)
    ):
        angles = [math.atan2(e[0] - y, e[1] - x) for e in ends]
        if kinds[i] == 1 and len(angles) == 1:
            dirs[i] = angles[0]  # towards the ridge that ends here
        elif kinds[i] == 3 and len(angles) == 3:
            # The stem is the branch farthest in angle from the other two; the fork is opposite.
            spread = [
                sum(_angle_between(angles[j], angles[k]) for k in range(3) if k != j)
                for j in range(3)
            ]
            stem = int(np.argmax(spread))
            dirs[i] = math.atan2(-math.sin(angles[stem]), -math.cos(angles[stem]))
        else:
            valid[i] = False
    ys, xs, kinds, dirs = ys[valid], xs[valid], kinds[valid], dirs[valid]
    ys, xs, kinds, dirs = _drop_close_pairs(ys, xs, kinds, dirs, 0.8 * period)
    if ys.size > MAX_MINUTIAE:
        # Keep those deepest inside the print.
        order = np.argsort(-inner[ys, xs])[:MAX_MINUTIAE]
        ys, xs, kinds, dirs = ys[order], xs[order], kinds[order], dirs[order]
    return Template(
        xs.astype(np.float32),
        ys.astype(np.float32),
        dirs.astype(np.float32),
        kinds.astype(np.int8),
        reliable,
        period,
    )


def _enhance(
    image: FloatArray,
    theta: FloatArray,
    bank: fpsynth._GaborBank,
    foreground: npt.NDArray[np.bool_],
) -> FloatArray:
    """:func:`fpsynth.oriented_filter` of ``image`` at the pixels of ``foreground`` (0 elsewhere).

    The same values, computed faster for the matcher: every orientation's filter runs once over
    the foreground's bounding box (plus the kernel's reach, so the values inside are those of the
    whole image), and each pixel blends its two nearest orientations by a gather, instead of a
    weight map per orientation over the whole image. The box's two halves (top and bottom rows)
    are filtered at once (:func:`station.capture.parallel.both`), each over its own rows plus
    the kernel's reach, with the same filters: the values do not depend on the split.
    """
    out = np.zeros_like(image)
    rows = np.flatnonzero(foreground.any(axis=1))
    if rows.size == 0:
        return out
    cols = np.flatnonzero(foreground.any(axis=0))
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    blurred = np.asarray(
        cv2.sepFilter2D(image, cv2.CV_32F, bank.gauss, bank.gauss), dtype=np.float32
    )[y0:y1, x0:x1]
    n = len(bank.kernels)
    u = theta[y0:y1, x0:x1] * (n / math.pi)
    i0 = np.floor(u).astype(np.int32) % n
    frac = (u - np.floor(u)).astype(np.float32)
    i1 = (i0 + 1) % n
    # Orientations θ and π-θ share their filters' even part and negate the odd one (the bank's
    # kernels are symmetric so): each mirror pair used in the box is filtered with the kernel
    # of the first of the two, ``source[index]``, the other taking ``sign[index]`` = -1.
    used = np.bincount(i0.ravel(), minlength=n) > 0
    used |= np.roll(used, 1)  # i1 = i0 + 1
    source = np.arange(n, dtype=np.int32)
    sign = np.ones(n, np.float32)
    for index in np.flatnonzero(used).tolist():
        mirror = (n - index) % n
        if mirror < index and used[mirror]:
            source[index], sign[index] = mirror, -1.0
    mid = y0 + (y1 - y0) // 2
    box = (y0, x0, x1)
    top, bottom = parallel.both(
        lambda: _enhance_rows(image, bank, blurred, (i0, i1, frac), source, sign, box, y0, mid),
        lambda: _enhance_rows(image, bank, blurred, (i0, i1, frac), source, sign, box, mid, y1),
    )
    out[y0:mid, x0:x1] = top
    out[mid:y1, x0:x1] = bottom
    out[~foreground] = 0.0
    return out


def _enhance_rows(
    image: FloatArray,
    bank: fpsynth._GaborBank,
    blurred: FloatArray,
    blend: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray],
    source: npt.NDArray[np.int32],
    sign: FloatArray,
    box: tuple[int, int, int],
    ya: int,
    yb: int,
) -> FloatArray:
    """:func:`_enhance`'s values on the image rows ``ya:yb`` of the foreground's bounding box
    (``box``: its top row, first and last column; ``blurred`` and ``blend``, the two nearest
    orientations and the weight of the second, are over the whole box)."""
    by0, x0, x1 = box
    if yb <= ya:
        return np.zeros((0, x1 - x0), np.float32)
    h, w = image.shape
    r = bank.radius
    sy0, sy1, sx0, sx1 = max(0, ya - r), min(h, yb + r), max(0, x0 - r), min(w, x1 + r)
    sub = image[sy0:sy1, sx0:sx1]
    inner = (slice(ya - sy0, yb - sy0), slice(x0 - sx0, x1 - sx0))
    rows = slice(ya - by0, yb - by0)
    i0, i1, frac = blend[0][rows], blend[1][rows], blend[2][rows]
    n = len(bank.kernels)
    used = np.bincount(i0.ravel(), minlength=n) > 0
    used |= np.roll(used, 1)
    sources = sorted({int(source[i]) for i in np.flatnonzero(used).tolist()})
    slot = np.zeros(n, np.int32)
    for k, index in enumerate(sources):
        slot[index] = k
    slot = slot[source]
    height, width = yb - ya, x1 - x0
    even = np.empty((len(sources), height, width), np.float32)
    odd = np.empty_like(even)
    for k, index in enumerate(sources):
        cx, cy, sx, sy, _dc = bank.kernels[index]
        even[k] = cv2.sepFilter2D(sub, cv2.CV_32F, cx, cy, borderType=cv2.BORDER_REFLECT)[inner]
        odd[k] = cv2.sepFilter2D(sub, cv2.CV_32F, sx, sy, borderType=cv2.BORDER_REFLECT)[inner]
    dcs = np.array([k[4] for k in bank.kernels], np.float32)
    plane = np.arange(height * width, dtype=np.intp).reshape(height, width)
    blur = blurred[rows]

    def response(index: npt.NDArray[np.int32]) -> FloatArray:
        """Each pixel's filter response at orientation ``index`` (even - odd - dc·blurred)."""
        at = slot[index].astype(np.intp) * (height * width) + plane
        e = np.take(even, at)
        o = np.take(odd, at) * sign[index]
        return np.asarray(e - o - dcs[index] * blur, dtype=np.float32)

    first = response(i0) * (1.0 - frac)
    second = response(i1) * frac
    # Summed in the orientations' index order, as the per-orientation accumulation does.
    low_first = i0 < i1
    return np.asarray(
        np.where(low_first, first, second) + np.where(low_first, second, first), dtype=np.float32
    )


def _drop_close_pairs(
    ys: npt.NDArray[np.intp],
    xs: npt.NDArray[np.intp],
    kinds: npt.NDArray[np.int8],
    dirs: npt.NDArray[np.float32],
    min_dist: float,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.int8], FloatArray]:
    """Remove minutiae that have another minutia closer than ``min_dist`` (both of them)."""
    if ys.size < 2:
        return ys, xs, kinds, dirs
    pts = np.stack([ys, xs], axis=1).astype(np.float32)
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    keep = d.min(axis=1) >= min_dist
    return ys[keep], xs[keep], kinds[keep], dirs[keep]


def _as_template(item: object) -> Template:
    return item if isinstance(item, Template) else extract(item)


def _in_mask(mask: npt.NDArray[np.bool_], x: FloatArray, y: FloatArray) -> npt.NDArray[np.bool_]:
    h, w = mask.shape
    xi = np.rint(x).astype(np.int64)
    yi = np.rint(y).astype(np.int64)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    result = np.zeros(x.shape, bool)
    result[inside] = mask[yi[inside], xi[inside]]
    return result


def _pair(
    ax: FloatArray,
    ay: FloatArray,
    ad: FloatArray,
    b: Template,
    anchor: tuple[float, float],
) -> list[tuple[int, int, float]]:
    """Greedy one-to-one pairing of transformed A minutiae with B minutiae: (i, j, weight), the
    weight falling with the residual distance and direction difference (a chance pairing lands
    anywhere in the tolerance, a true one near its centre)."""
    dx = ax[:, None] - b.x[None, :]
    dy = ay[:, None] - b.y[None, :]
    dist = np.sqrt(dx * dx + dy * dy)
    from_anchor = np.sqrt((ax - anchor[0]) ** 2 + (ay - anchor[1]) ** 2)
    tol = (TOL_DIST + TOL_GROWTH * from_anchor)[:, None]
    # Directions are compared only where the distance admits a pair (the same pairs as
    # comparing every direction, at a fraction of the work).
    ci, cj = np.nonzero(dist <= tol)
    if ci.size == 0:
        return []
    dang = _angle_diff(ad[ci], b.direction[cj])
    ok = dang <= math.radians(TOL_ANGLE_DEG)
    ci, cj, dang = ci[ok], cj[ok], dang[ok]
    if ci.size == 0:
        return []
    weight = np.exp(-0.5 * (dist[ci, cj] / (0.55 * tol[ci, 0])) ** 2) * np.exp(
        -0.5 * (dang / math.radians(0.6 * TOL_ANGLE_DEG)) ** 2
    )
    order = np.argsort(-weight)
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for k in order.tolist():
        i, j = int(ci[k]), int(cj[k])
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j, float(weight[k])))
    return pairs


def _transform(
    a: Template, rot: float, tx: float, ty: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    c, s = math.cos(rot), math.sin(rot)
    x = (c * a.x - s * a.y + tx).astype(np.float32)
    y = (s * a.x + c * a.y + ty).astype(np.float32)
    d = np.mod(a.direction + rot + np.pi, 2 * np.pi) - np.pi
    return x, y, d.astype(np.float32)


def _fit(
    a: Template, b: Template, pairs: list[tuple[int, int, float]]
) -> tuple[float, float, float]:
    """Least-squares rigid motion (rotation, translation) mapping the paired A onto B."""
    ia = np.array([p[0] for p in pairs])
    ib = np.array([p[1] for p in pairs])
    pa = np.stack([a.x[ia], a.y[ia]], axis=1).astype(np.float64)
    pb = np.stack([b.x[ib], b.y[ib]], axis=1).astype(np.float64)
    ca, cb = pa.mean(axis=0), pb.mean(axis=0)
    qa, qb = pa - ca, pb - cb
    num = float((qa[:, 0] * qb[:, 1] - qa[:, 1] * qb[:, 0]).sum())
    den = float((qa * qb).sum())
    rot = math.atan2(num, den)
    c, s = math.cos(rot), math.sin(rot)
    tx = cb[0] - (c * ca[0] - s * ca[1])
    ty = cb[1] - (s * ca[0] + c * ca[1])
    return rot, float(tx), float(ty)


#: Format of a stored template (:func:`template_bytes`); bump it when extraction changes, so
#: stored templates of the old extractor are extracted again.
TEMPLATE_FORMAT = "fpt1"


def template_bytes(t: Template) -> bytes:
    """A template as stored (numpy's npz, compressed; the pixel mask packed to bits)."""
    out = io.BytesIO()
    np.savez_compressed(
        out,
        x=t.x,
        y=t.y,
        direction=t.direction,
        kind=t.kind,
        mask=np.packbits(t.foreground),
        shape=np.array(t.foreground.shape, np.int64),
        period=np.array([t.period], np.float64),
    )
    return out.getvalue()


def template_from_bytes(data: bytes) -> Template | None:
    """A stored template, or None when the bytes do not hold one (then extract again)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            h, w = (int(v) for v in z["shape"])
            mask = np.unpackbits(z["mask"], count=h * w).reshape(h, w).astype(bool)
            x, y = z["x"].astype(np.float32), z["y"].astype(np.float32)
            direction = z["direction"].astype(np.float32)
            kind = z["kind"].astype(np.int8)
            period = float(z["period"][0])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if not (x.shape == y.shape == direction.shape == kind.shape) or x.ndim != 1:
        return None
    return Template(x, y, direction, kind, mask, period)


def _vote_map(t: Template) -> npt.NDArray[np.uint8]:
    """For each of :data:`VOTE_BINS` directions, the cells (of :data:`VOTE_CELL` px) within
    :data:`TOL_DIST` of a minutia of ``t`` whose direction is compatible: voting for a motion
    is then one lookup per transformed minutia."""
    h, w = t.foreground.shape
    maps = np.zeros((VOTE_BINS, h // VOTE_CELL + 2, w // VOTE_CELL + 2), np.uint8)
    centres = (np.arange(VOTE_BINS) + 0.5) * (2 * math.pi / VOTE_BINS) - math.pi
    half_bin = math.pi / VOTE_BINS
    radius = round(TOL_DIST / VOTE_CELL)
    for x, y, d in zip(t.x.tolist(), t.y.tolist(), t.direction.tolist(), strict=True):
        near = _angle_diff(centres, d) <= math.radians(TOL_ANGLE_DEG) + half_bin
        centre = (round(x / VOTE_CELL), round(y / VOTE_CELL))
        for b in np.flatnonzero(near).tolist():
            cv2.circle(maps[b], centre, radius, 1, -1)
    return maps


_TWO_PI = np.float32(2 * np.pi)


def _wrap(v: npt.NDArray[np.floating[Any]]) -> FloatArray:
    """``np.mod(v, 2π)`` in single precision for ``v`` in [-2π, 4π) (direction sums and
    differences plus π), with the same values at a third of the cost: NumPy's float modulo is
    ``fmod`` (here ``v``, or ``v - 2π``, exact) plus 2π where the sign differs."""
    return np.asarray(
        np.where(v < 0, v + _TWO_PI, np.where(v >= _TWO_PI, v - _TWO_PI, v)), dtype=np.float32
    )


def similarity(a: object, b: object) -> float:
    """Similarity of two prints (images or :class:`Template`), 0..1; symmetric up to rounding."""
    ta, tb = _as_template(a), _as_template(b)
    if ta.count < MIN_PAIRED or tb.count < MIN_PAIRED:
        return 0.0
    # Anchor pairs: every (i, j) whose directions differ by an admissible rotation.
    rot = _wrap(tb.direction[None, :] - ta.direction[:, None] + np.pi) - np.pi
    ii, jj = np.nonzero(np.abs(rot) <= math.radians(MAX_ROTATION_DEG))
    if ii.size == 0:
        return 0.0
    r = rot[ii, jj]
    c, s = np.cos(r), np.sin(r)
    # Translation mapping a_i onto b_j after rotating about the origin.
    tx = tb.x[jj] - (c * ta.x[ii] - s * ta.y[ii])
    ty = tb.y[jj] - (s * ta.x[ii] + c * ta.y[ii])
    # Transform all of A under every anchor, (anchors, nA), and look the results up in B's map
    # (in map cells: the halving is exact, so the cells are those of x / VOTE_CELL).
    cell = 1.0 / VOTE_CELL
    c2, s2, tx2, ty2 = c * cell, s * cell, tx * cell, ty * cell
    cx = c2[:, None] * ta.x[None, :]
    cx -= s2[:, None] * ta.y[None, :]
    cx += tx2[:, None]
    np.rint(cx, out=cx)
    cy = s2[:, None] * ta.x[None, :]
    cy += c2[:, None] * ta.y[None, :]
    cy += ty2[:, None]
    np.rint(cy, out=cy)
    d = _wrap(ta.direction[None, :] + r[:, None] + np.pi)
    maps = tb.vote_map
    nb, mh, mw = maps.shape
    bins = np.minimum((d * (nb / (2 * math.pi))).astype(np.int32), nb - 1)
    inside = (cx >= 0) & (cx < mw) & (cy >= 0) & (cy < mh)
    # One flat lookup; a cell outside the map reads the zero appended after it.
    flat = (bins * mh + cy.astype(np.int32)) * mw + cx.astype(np.int32)
    flat[~inside] = maps.size
    hits = np.append(maps.ravel(), np.uint8(0))[flat]
    votes = hits.sum(axis=1, dtype=np.int64)
    best_score = 0.0
    tried: list[tuple[float, float, float]] = []
    for k in np.argsort(-votes, kind="stable")[:ANCHORS_REFINED].tolist():
        if votes[k] < MIN_PAIRED:
            break
        motion = (float(r[k]), float(tx[k]), float(ty[k]))
        if any(
            abs(motion[0] - m[0]) < 0.05 and abs(motion[1] - m[1]) + abs(motion[2] - m[2]) < 6
            for m in tried
        ):
            continue  # the same motion proposed by another pair
        tried.append(motion)
        best_score = max(
            best_score, _refine(ta, tb, motion, (float(tb.x[jj[k]]), float(tb.y[jj[k]])))
        )
    return float(min(1.0, best_score))


def _refine(
    ta: Template, tb: Template, motion: tuple[float, float, float], anchor: tuple[float, float]
) -> float:
    """Pair, re-fit the motion on the pairs twice, and score the final pairing."""
    for _ in range(2):
        px, py, pd = _transform(ta, *motion)
        pairs = _pair(px, py, pd, tb, anchor)
        if len(pairs) < 3:
            return 0.0
        motion = _fit(ta, tb, pairs)
        ib = [p[1] for p in pairs]
        anchor = (float(tb.x[ib].mean()), float(tb.y[ib].mean()))
    px, py, pd = _transform(ta, *motion)
    pairs = _pair(px, py, pd, tb, anchor)
    if len(pairs) < MIN_PAIRED:
        return 0.0
    m = sum(w * (1.0 if ta.kind[i] == tb.kind[j] else TYPE_MISMATCH_WEIGHT) for i, j, w in pairs)
    # Minutiae of each print that fall inside the other print (the overlap).
    n_a = int(_in_mask(tb.foreground, px, py).sum())
    cr, sr = math.cos(-motion[0]), math.sin(-motion[0])
    bx = cr * (tb.x - motion[1]) - sr * (tb.y - motion[2])
    by = sr * (tb.x - motion[1]) + cr * (tb.y - motion[2])
    n_b = int(_in_mask(ta.foreground, bx.astype(np.float32), by.astype(np.float32)).sum())
    # A motion that makes the prints overlap only at their edges is not evidence: the smaller
    # of the two prints must lie mostly inside the other.
    if max(n_a / ta.count, n_b / tb.count) < MIN_OVERLAP_SHARE:
        return 0.0
    floor = max(len(pairs), MIN_OVERLAP_MINUTIAE)
    return m * m / (max(n_a, floor) * max(n_b, floor))


def same_finger(a: object, b: object, threshold: float = THRESHOLD) -> bool:
    """True when ``a`` and ``b`` look like the same finger (similarity ≥ ``threshold``)."""
    return similarity(a, b) >= threshold
