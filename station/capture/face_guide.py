"""Where the officer should bring the citizen's head in a camera frame: the on-screen guide.

The live preview draws an outline of the expected head so that the officer (and the citizen, if
the screen faces them) can match it. The target follows the face checks of
:mod:`station.capture.face` rather than a picture of its own: a face box of the middle of the
accepted sizes (``min_face``..``max_face``), the eyes on the vertical centre line, and the
portrait crop centred top to bottom in the frame, so a head that fills the outline passes
``face_size`` and ``centred`` with room on every side.
"""

from __future__ import annotations

from dataclasses import dataclass

from station.capture.face import (
    EYE_FROM_BOTTOM,
    EYE_Y_IN_BOX,
    HEAD_FRACTION,
    HEAD_WIDTH_PER_BOX,
    PORTRAIT_SIZE,
    FaceConfig,
)

#: Head length over head width (average adult proportions, as in :mod:`station.capture.face`).
HEAD_LENGTH_PER_WIDTH = 1.5


@dataclass(frozen=True)
class HeadGuide:
    """The target, in frame pixels: the face box the detector should find, and the head oval."""

    face_box: tuple[float, float, float, float]  # x, y, width, height
    eye_line: tuple[float, float]  # the eyes' midpoint
    head_centre: tuple[float, float]
    head_axes: tuple[float, float]  # half-width, half-height of the head oval
    crop: tuple[float, float, float, float]  # the portrait crop that goes with it: x, y, w, h


def head_guide(frame_size: tuple[int, int], config: FaceConfig | None = None) -> HeadGuide:
    """The expected head position in a frame of ``frame_size`` (width, height)."""
    cfg = config or FaceConfig()
    width, height = frame_size
    if width <= 0 or height <= 0:
        raise ValueError("a frame has a positive width and height")
    side = (cfg.min_face + cfg.max_face) / 2.0 * height
    head_width = HEAD_WIDTH_PER_BOX * side
    crop_w = head_width / HEAD_FRACTION
    crop_h = crop_w * PORTRAIT_SIZE[1] / PORTRAIT_SIZE[0]
    if crop_h > height:  # a very wide, low frame: shrink the target until the crop fits
        shrink = height / crop_h
        side, head_width, crop_w, crop_h = (v * shrink for v in (side, head_width, crop_w, crop_h))
    crop_top = (height - crop_h) / 2.0
    eye_x = width / 2.0
    eye_y = crop_top + (1.0 - EYE_FROM_BOTTOM) * crop_h
    box = (eye_x - side / 2.0, eye_y - EYE_Y_IN_BOX * side, side, side)
    # The eyes sit about halfway between chin and crown.
    axes = (head_width / 2.0, HEAD_LENGTH_PER_WIDTH * head_width / 2.0)
    return HeadGuide(
        face_box=box,
        eye_line=(eye_x, eye_y),
        head_centre=(eye_x, eye_y),
        head_axes=axes,
        crop=(eye_x - crop_w / 2.0, crop_top, crop_w, crop_h),
    )
