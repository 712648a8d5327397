"""What a dossier lacks in rolled prints and irises (called by :mod:`completeness`).

* From the age of 6 (when fingerprints are taken), each of the ten fingers rolled, or an
  exception for it: a rolled-print exception (``rolled_print/<finger>``), or the flat print's
  (``fingerprint/<finger>``: a finger that cannot be placed is not rolled either).
* From the age of 6, when the station has an iris camera (gate setting ``iris_camera``), both
  irises, or an exception per eye (``iris/<eye>``: missing, bandaged, unable to capture).
"""

from __future__ import annotations

from typing import Any

from station.capture.completeness import (
    EYE_EXCEPTIONS,
    ExceptionKind,
    Missing,
    check_finger_exception,
    exception_key,
)
from station.devices import FINGER_LABELS, Finger
from station.devices.iris import EYE_LABELS, Eye
from station.dossier import PartKind
from station.errors import ValidationError
from station.form import Captures


def check_exception(kind: str, slot: str, ek: ExceptionKind) -> None:
    """ValidationError when ``ek`` does not apply to ``kind``/``slot``."""
    if kind == PartKind.ROLLED_PRINT:
        check_finger_exception(slot, ek, ("vân tay lăn", "rolled prints"))
        return
    try:
        Eye(slot)
    except ValueError:
        raise ValidationError(
            f"Mắt «{slot}» không có (chọn right hoặc left).",
            f"Unknown eye '{slot}' (right or left).",
            field="slot",
        ) from None
    if ek not in EYE_EXCEPTIONS:
        raise ValidationError(
            "Mống mắt chỉ có ngoại lệ: không có mắt, đang băng, không thu nhận được.",
            "An eye's exceptions are: missing, bandaged, unable to capture.",
            field="exception",
        )


def _rolled_missing(finger: Finger) -> Missing:
    vi, en = FINGER_LABELS[finger]
    return Missing(
        PartKind.ROLLED_PRINT,
        finger.value,
        f"Chưa lăn vân tay {vi}.",
        f"No rolled print of the {en} yet.",
    )


def _iris_missing(eye: Eye) -> Missing:
    vi, en = EYE_LABELS[eye]
    return Missing(
        PartKind.IRIS, eye.value, f"Chưa chụp mống mắt {vi}.", f"No iris image of the {en} yet."
    )


def _finger_done(finger: Finger, have: set[tuple[str, str]], exceptions: dict[str, Any]) -> bool:
    return (
        (PartKind.ROLLED_PRINT, finger.value) in have
        or exception_key(PartKind.ROLLED_PRINT, finger.value) in exceptions
        or exception_key(PartKind.FINGERPRINT, finger.value) in exceptions
    )


def _eye_done(eye: Eye, have: set[tuple[str, str]], exceptions: dict[str, Any]) -> bool:
    return (PartKind.IRIS, eye.value) in have or exception_key(PartKind.IRIS, eye) in exceptions


def missing(
    captures: Captures | None,
    have: set[tuple[str, str]],
    exceptions: dict[str, Any],
    *,
    iris_camera: bool,
) -> list[Missing]:
    if captures is None:
        return []
    out: list[Missing] = []
    if captures.fingerprints:
        out += [_rolled_missing(f) for f in Finger if not _finger_done(f, have, exceptions)]
    if captures.iris and iris_camera:
        out += [_iris_missing(e) for e in Eye if not _eye_done(e, have, exceptions)]
    return out


def supplement_missing(
    kind: str, slot: str, have: set[tuple[str, str]], exceptions: dict[str, Any]
) -> list[Missing]:
    """A supplement's listed ``rolled_print[/finger]`` or ``iris[/eye]`` not yet captured."""
    if kind == PartKind.ROLLED_PRINT:
        fingers = [f for f in Finger if not slot or f.value == slot]
        return [_rolled_missing(f) for f in fingers if not _finger_done(f, have, exceptions)]
    eyes = [e for e in Eye if not slot or e.value == slot]
    return [_iris_missing(e) for e in eyes if not _eye_done(e, have, exceptions)]
