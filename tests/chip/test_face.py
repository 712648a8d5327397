"""The chip's portrait against the live one with the registry-shipped dlib models."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from station.chip import face, record
from station.errors import ValidationError
from tests.chip.vcard import face_jpeg


def test_same_person_matches_and_no_face_is_said() -> None:
    from skimage import data

    chip = face_jpeg()  # the chip's cropped, compressed portrait
    live = cv2.imencode(".jpg", cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))[1].tobytes()
    result = face.compare(chip, bytes(live))
    assert result.status == face.MATCH and result.distance is not None
    assert result.distance <= face.THRESHOLD
    grey = cv2.imencode(".jpg", np.full((400, 300, 3), 128, np.uint8))[1].tobytes()
    assert face.compare(chip, bytes(grey)).status == face.NO_FACE
    assert face.compare(b"not an image", chip).status == face.NO_FACE


def test_a_mismatch_waits_for_a_supervisor_decision() -> None:
    match = {"status": "mismatch", "distance": 0.83, "threshold": 0.6, "live_sha256": "ab"}
    capture: dict[str, object] = {}
    problem = record.face_problem(match, capture)
    assert problem is not None and "0.830 > threshold 0.6" in problem.en
    assert "KHÔNG khớp" in problem.vi
    record.accept_face(capture, match, "Đối chiếu trực tiếp: cùng một người", "sup1", "t")
    assert record.face_problem(match, capture) is None
    # a new live portrait needs a new decision
    assert record.face_problem({**match, "live_sha256": "cd"}, capture) is not None
    with pytest.raises(ValidationError):
        record.accept_face({}, {**match, "status": "match"}, "x", "sup1", "t")
