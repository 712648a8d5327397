"""The chip's portrait (DG2) against the portrait taken at the station, 1:1.

dlib's face-recognition ResNet (128-d descriptors) with its 5-point landmark model, both shipped
inside registry packages and read from the installed files, nothing fetched: ``dlib-bin``
(Boost Software License) and ``face-recognition-models`` (the model files are CC0; its 68-point
model, trained on data with a non-commercial licence, is not used). Faces are found with dlib's
HOG detector, which needs no model file. Two faces of one person give a descriptor distance
below ``THRESHOLD`` (dlib's published operating point, 0.6, 99.38 % on LFW); the station keeps
the distance, the threshold and the verdict: ``match``, ``mismatch`` or ``no_face``.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.errors import StationError

THRESHOLD = 0.6
MODEL = "dlib_face_recognition_resnet_model_v1 + shape_predictor_5_face_landmarks"
MATCH, MISMATCH, NO_FACE, UNAVAILABLE = "match", "mismatch", "no_face", "unavailable"

_lock = threading.Lock()
_models: tuple[Any, Any, Any] | None = None


def _load() -> tuple[Any, Any, Any]:
    """The detector, the landmark model and the descriptor model, loaded once."""
    global _models
    with _lock:
        if _models is None:
            try:
                import dlib  # type: ignore[import-untyped,import-not-found,unused-ignore]

                landmarks, resnet = model_files()
            except (ImportError, FileNotFoundError) as e:
                raise StationError(
                    "Chưa cài mô hình so khớp khuôn mặt (dlib-bin, face-recognition-models).",
                    "The face-matching model is not installed (dlib-bin, face-recognition-models).",
                    field="chip_face",
                ) from e
            _models = (
                dlib.get_frontal_face_detector(),
                dlib.shape_predictor(str(landmarks)),
                dlib.face_recognition_model_v1(str(resnet)),
            )
        return _models


def model_files() -> tuple[Path, Path]:
    """The 5-point landmark and ResNet model files inside the installed
    ``face_recognition_models`` package (found without importing it: its ``__init__`` needs
    ``pkg_resources``, which newer setuptools no longer ship)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("face_recognition_models")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    files = (folder / "shape_predictor_5_face_landmarks.dat",
             folder / "dlib_face_recognition_resnet_model_v1.dat")  # fmt: skip
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f)
    return files


def descriptor(image_bytes: bytes) -> Any | None:
    """The 128-d descriptor of the largest face in an encoded image, or None (no face, or an
    image that does not decode)."""
    import cv2
    import numpy as np

    detector, shapes, model = _load()
    bgr = cv2.imdecode(np.frombuffer(image_bytes, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        return None
    rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    # small chip portraits: look once more at twice the size
    faces = detector(rgb, 1 if max(rgb.shape[:2]) < 800 else 0)
    if not faces:
        return None
    face = max(faces, key=lambda r: r.width() * r.height())
    return np.array(model.compute_face_descriptor(rgb, shapes(rgb, face)))


@dataclass(frozen=True)
class FaceMatch:
    status: str  # match, mismatch, no_face, unavailable
    distance: float | None
    threshold: float
    seconds: float

    def to_doc(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "distance": None if self.distance is None else round(self.distance, 4),
            "threshold": self.threshold,
            "model": MODEL,
        }


def compare(chip_image: bytes, live_image: bytes) -> FaceMatch:
    """Compare the chip's portrait with the live one; never raises for bad images."""
    import numpy as np

    start = time.monotonic()
    try:
        a, b = descriptor(chip_image), descriptor(live_image)
    except StationError:
        return FaceMatch(UNAVAILABLE, None, THRESHOLD, time.monotonic() - start)
    if a is None or b is None:
        return FaceMatch(NO_FACE, None, THRESHOLD, time.monotonic() - start)
    distance = float(np.linalg.norm(a - b))
    status = MATCH if distance <= THRESHOLD else MISMATCH
    return FaceMatch(status, distance, THRESHOLD, time.monotonic() - start)


def summary(doc: dict[str, Any]) -> tuple[str, str]:
    status, dist, thr = doc.get("status"), doc.get("distance"), doc.get("threshold")
    score = f"{dist:.3f}" if isinstance(dist, float | int) else "—"
    if status == MATCH:
        return (
            f"Ảnh chip khớp ảnh chụp tại trạm (khoảng cách {score} ≤ ngưỡng {thr}).",
            f"The chip's portrait matches the live one (distance {score} ≤ threshold {thr}).",
        )
    if status == MISMATCH:
        return (f"Ảnh chip KHÔNG khớp ảnh chụp tại trạm (khoảng cách {score} > ngưỡng {thr}).",
                f"The chip's portrait does NOT match the live one (distance {score} > "
                f"threshold {thr}).")  # fmt: skip
    if status == NO_FACE:
        return ("Không tìm thấy khuôn mặt trong ảnh chip hoặc ảnh chụp tại trạm.",
                "No face found in the chip's portrait or in the live one.")  # fmt: skip
    return ("Chưa so khớp được ảnh chip (thiếu mô hình).",
            "The chip's portrait could not be compared (model missing).")  # fmt: skip
