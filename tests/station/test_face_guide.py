"""The head guide of the live preview: a face where the guide says passes the framing checks."""

from __future__ import annotations

import pytest

from station.capture.face import FaceConfig, portrait_geometry
from station.capture.face_guide import head_guide


@pytest.mark.parametrize("size", [(640, 480), (1280, 720), (480, 640), (1920, 1080)])
def test_a_face_on_the_guide_is_sized_centred_and_croppable(size: tuple[int, int]) -> None:
    cfg = FaceConfig()
    guide = head_guide(size, cfg)
    x, y, w, h = guide.face_box
    width, height = size
    assert cfg.min_face <= h / height <= cfg.max_face
    assert abs((x + w / 2.0) - width / 2.0) < 1e-6  # on the centre line
    box = (round(x), round(y), round(w), round(h))
    geometry = portrait_geometry(box, [], size)
    assert geometry.fits
    # The crop is centred top to bottom, and the head oval lies inside it.
    cx, cy, cw, ch = guide.crop
    assert cy == pytest.approx(height - (cy + ch), abs=1e-6)
    hx, hy = guide.head_centre
    ax, ay = guide.head_axes
    assert cx <= hx - ax and hx + ax <= cx + cw
    assert cy <= hy - ay and hy + ay <= cy + ch


def test_a_wide_low_frame_shrinks_the_target_to_fit() -> None:
    guide = head_guide((1000, 200), FaceConfig(min_face=0.6, max_face=0.8))
    _, cy, _, ch = guide.crop
    assert cy >= -1e-6 and cy + ch <= 200 + 1e-6


def test_empty_frame_is_refused() -> None:
    with pytest.raises(ValueError):
        head_guide((0, 480))
