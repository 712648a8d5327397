"""What a dossier still lacks before it may be marked captured (and approved).

The rules follow the citizen's age (``form.captures_for``) and case:

* a face photo when the age requires one;
* each of the ten fingers as an image or as a recorded exception (missing, amputated, bandaged,
  unable to capture) with a reason; a supervisor confirms each exception before approval;
* the signature on the intake record, or the exception "unable to sign";
* documents: a birth certificate for a citizen not yet in the population database (DC01), and
  at least one supporting paper for a correction of information.

Capture metadata lives in the dossier's ``capture_json``::

    {"exceptions": {"fingerprint/left_index": {"kind": "amputated", "reason": "...",
                    "recorded_by": "op1", "recorded_at": "...", "confirmed_by": "sup1"}, ...},
     "context": {"home_visit": true, "location": "...",
                 "background_waiver": {"reason": "...", "accepted_by": "sup1",
                                       "accepted_at": "..."}},
     "recapture": {"parts": ["face", "fingerprint/left_index"], "reason": "...",
                   "packet_id": "...", "supplement": true}}

A portrait whose background check failed (its stored checks say so) is not approved unless a
supervisor accepted that background for a home visit (``background_waiver``); at a station the
photo is retaken in front of the backdrop.

``recapture`` is written when a dossier the receiver rejected is reopened. When the station had
already sealed it (``supplement``: the form and captures are gone from the station, only the
receiver holds them) the dossier is a supplement: only the listed parts are required again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from station.devices import FINGER_LABELS, Finger
from station.dossier import CaseType, PartKind
from station.errors import ValidationError
from station.form import Captures


class ExceptionKind(StrEnum):
    MISSING = "missing"
    AMPUTATED = "amputated"
    BANDAGED = "bandaged"
    UNABLE_TO_CAPTURE = "unable_to_capture"
    UNABLE_TO_SIGN = "unable_to_sign"


EXCEPTION_LABELS: dict[ExceptionKind, tuple[str, str]] = {
    ExceptionKind.MISSING: ("không có ngón", "missing"),
    ExceptionKind.AMPUTATED: ("bị cụt", "amputated"),
    ExceptionKind.BANDAGED: ("đang băng bó", "bandaged"),
    ExceptionKind.UNABLE_TO_CAPTURE: ("không thu nhận được", "unable to capture"),
    ExceptionKind.UNABLE_TO_SIGN: ("không ký được", "unable to sign"),
}

FINGER_EXCEPTIONS = frozenset(
    {
        ExceptionKind.MISSING,
        ExceptionKind.AMPUTATED,
        ExceptionKind.BANDAGED,
        ExceptionKind.UNABLE_TO_CAPTURE,
    }
)
#: An eye that cannot be captured: missing (or a prosthesis), bandaged, unable to capture.
EYE_EXCEPTIONS = frozenset(
    {ExceptionKind.MISSING, ExceptionKind.BANDAGED, ExceptionKind.UNABLE_TO_CAPTURE}
)


@dataclass(frozen=True)
class Missing:
    kind: str  # part kind, or "exception" for an unconfirmed exception
    slot: str
    vi: str
    en: str


def exception_key(kind: str, slot: str) -> str:
    return f"{kind}/{slot}"


def check_exception(kind: str, slot: str, exception: str) -> ExceptionKind:
    try:
        ek = ExceptionKind(exception)
    except ValueError:
        raise ValidationError(
            f"Loại ngoại lệ «{exception}» không có.",
            f"Unknown exception kind '{exception}'.",
            field="exception",
        ) from None
    if kind in (PartKind.ROLLED_PRINT, PartKind.IRIS):
        from station.capture import biomissing

        biomissing.check_exception(kind, slot, ek)
    elif kind == PartKind.FINGERPRINT:
        check_finger_exception(slot, ek, ("vân tay", "fingerprints"))
    elif kind == PartKind.SIGNATURE:
        if ek != ExceptionKind.UNABLE_TO_SIGN:
            raise ValidationError(
                "Chữ ký chỉ có ngoại lệ «không ký được».",
                "The only signature exception is 'unable to sign'.",
                field="exception",
            )
    else:
        raise ValidationError(
            f"Không ghi ngoại lệ cho «{kind}».",
            f"Exceptions are not recorded for '{kind}'.",
            field="kind",
        )
    return ek


def missing(
    *,
    case: CaseType,
    form: dict[str, Any],
    captures: Captures | None,
    parts: Iterable[tuple[str, str]],
    capture: dict[str, Any],
    for_approval: bool = False,
    face_checks: dict[str, Any] | None = None,
    iris_camera: bool = True,
    signature_stale: bool = False,
) -> list[Missing]:
    """Everything still to capture (or to confirm, with ``for_approval``).

    ``face_checks``: the check results stored with the portrait (``checks`` of its metadata).
    ``iris_camera``: the station has an iris camera (irises are then required from 6).
    ``signature_stale``: a signature is stored but does not confirm the form as it is now (see
    ``station.citizen_review``): the citizen reviews the changed data and signs again.
    """
    have = set(parts)
    exceptions: dict[str, Any] = capture.get("exceptions", {})
    scope = capture.get("recapture")
    if isinstance(scope, dict) and scope.get("supplement"):
        out = _supplement_missing([str(p) for p in scope.get("parts", [])], form, have, exceptions)
    else:
        out = _dossier_missing(case, form, captures, have, exceptions)
        from station.capture import biomissing

        out += biomissing.missing(captures, have, exceptions, iris_camera=iris_camera)
    if signature_stale and (PartKind.SIGNATURE, "") in have:
        out.append(
            Missing(
                PartKind.SIGNATURE,
                "",
                "Chữ ký không xác nhận thông tin hiện tại (thông tin đã sửa sau khi ký, hoặc ký "
                "trước khi kiểm tra): mời công dân kiểm tra lại phiếu thu nhận rồi ký lại.",
                "The signature does not confirm the data as it is now (changed after signing, "
                "or signed before the review): have the citizen review the intake record again "
                "and sign again.",
            )
        )
    if for_approval:
        out += _approval_missing(capture, exceptions, have, face_checks)
    return out


def _dossier_missing(
    case: CaseType,
    form: dict[str, Any],
    captures: Captures | None,
    have: set[tuple[str, str]],
    exceptions: dict[str, Any],
) -> list[Missing]:
    out: list[Missing] = []
    if captures is None:
        out.append(
            Missing(
                "form",
                "date_of_birth",
                "Chưa có ngày sinh: không xác định được phải thu nhận gì.",
                "No date of birth yet: what to capture cannot be decided.",
            )
        )
        return out
    if captures.face and (PartKind.FACE, "") not in have:
        out.append(Missing(PartKind.FACE, "", "Chưa chụp ảnh chân dung.", "No face photo yet."))
    if captures.fingerprints:
        for finger in Finger:
            key = exception_key(PartKind.FINGERPRINT, finger)
            if (PartKind.FINGERPRINT, finger.value) in have or key in exceptions:
                continue
            out.append(_finger_missing(finger))
    sig_key = exception_key(PartKind.SIGNATURE, "")
    if captures.signature and (PartKind.SIGNATURE, "") not in have and sig_key not in exceptions:
        who_vi = "người đại diện" if captures.signer == "legal_representative" else "công dân"
        who_en = "legal representative" if captures.signer == "legal_representative" else "citizen"
        out.append(
            Missing(
                PartKind.SIGNATURE,
                "",
                f"Chưa có chữ ký của {who_vi}.",
                f"No signature of the {who_en} yet.",
            )
        )
    doc_types = {slot.rsplit("_", 1)[0] for kind, slot in have if kind == PartKind.DOCUMENT}
    if form.get("not_in_population_db") and "birth_certificate" not in doc_types:
        out.append(
            Missing(
                PartKind.DOCUMENT,
                "birth_certificate",
                "Thiếu bản chụp giấy khai sinh (công dân chưa có trong CSDL dân cư).",
                "A scan of the birth certificate is needed (citizen not in the database).",
            )
        )
    if case == CaseType.CORRECTION and not doc_types:
        out.append(
            Missing(
                PartKind.DOCUMENT,
                "",
                "Điều chỉnh thông tin cần giấy tờ chứng minh.",
                "A correction needs a supporting paper.",
            )
        )
    return out


def _finger_missing(finger: Finger) -> Missing:
    vi, en = FINGER_LABELS[finger]
    return Missing(
        PartKind.FINGERPRINT, finger.value, f"Chưa lấy vân tay {vi}.", f"No print of the {en} yet."
    )


def _supplement_missing(
    parts: list[str],
    form: dict[str, Any],
    have: set[tuple[str, str]],
    exceptions: dict[str, Any],
) -> list[Missing]:
    """What a supplement (a sealed dossier the receiver sent back) needs: its listed parts."""
    out: list[Missing] = []
    for name in parts:
        kind, _, slot = name.partition("/")
        if kind == PartKind.FACE and (PartKind.FACE, "") not in have:
            out.append(
                Missing(PartKind.FACE, "", "Chưa chụp lại ảnh chân dung.", "No new face photo yet.")
            )
        elif kind == PartKind.FINGERPRINT:
            fingers = [f for f in Finger if not slot or f.value == slot]
            for finger in fingers:
                key = exception_key(PartKind.FINGERPRINT, finger)
                if (PartKind.FINGERPRINT, finger.value) not in have and key not in exceptions:
                    out.append(_finger_missing(finger))
        elif kind == PartKind.SIGNATURE:
            sig_key = exception_key(PartKind.SIGNATURE, "")
            if (PartKind.SIGNATURE, "") not in have and sig_key not in exceptions:
                out.append(Missing(PartKind.SIGNATURE, "", "Chưa ký lại.", "No new signature yet."))
        elif kind == PartKind.DOCUMENT:
            types = {s.rsplit("_", 1)[0] for k, s in have if k == PartKind.DOCUMENT}
            if (slot and slot not in types) or not types:
                what_vi, what_en = (slot, slot) if slot else ("chứng minh", "supporting")
                out.append(
                    Missing(
                        PartKind.DOCUMENT,
                        slot,
                        f"Chưa chụp lại giấy tờ {what_vi}.",
                        f"No new scan of the {what_en} document yet.",
                    )
                )
        elif kind in (PartKind.ROLLED_PRINT, PartKind.IRIS):
            from station.capture import biomissing

            out += biomissing.supplement_missing(kind, slot, have, exceptions)
        elif kind == "form" and not form:
            out.append(
                Missing("form", "", "Chưa nhập lại tờ khai.", "The form is not entered again yet.")
            )
    return out


def _approval_missing(
    capture: dict[str, Any],
    exceptions: dict[str, Any],
    have: set[tuple[str, str]],
    face_checks: dict[str, Any] | None,
) -> list[Missing]:
    """What only a supervisor can settle: exceptions to confirm, a failed photo background."""
    out: list[Missing] = []
    for key, exc in sorted(exceptions.items()):
        if not exc.get("confirmed_by"):
            kind, slot = key.split("/", 1)
            out.append(
                Missing(
                    "exception",
                    key,
                    f"Ngoại lệ {slot or kind} chưa được cán bộ phê duyệt xác nhận.",
                    f"The exception for {slot or kind} is not confirmed by a supervisor.",
                )
            )
    if (PartKind.FACE, "") in have and background_failed(face_checks):
        context = capture.get("context", {})
        if not (isinstance(context, dict) and context.get("background_waiver")):
            out.append(
                Missing(
                    PartKind.FACE,
                    "background",
                    "Phông nền ảnh chân dung không đạt: chụp lại ảnh, hoặc với hồ sơ thu nhận "
                    "tại nhà, cán bộ phê duyệt chấp nhận phông nền kèm lý do.",
                    "The portrait's background failed its check: retake the photo, or for a "
                    "home visit a supervisor accepts the background with a reason.",
                )
            )
    return out


def background_failed(face_checks: object) -> bool:
    """True when the portrait's stored checks record a failed background check."""
    if not isinstance(face_checks, dict):
        return False
    check = face_checks.get("background")
    return isinstance(check, dict) and check.get("passed") is False


def check_finger_exception(slot: str, ek: ExceptionKind, what: tuple[str, str]) -> None:
    """ValidationError unless ``slot`` names a finger and ``ek`` applies to a finger's
    ``what`` (vi, en: the kind of print, for the message)."""
    try:
        Finger(slot)
    except ValueError:
        raise ValidationError(
            f"Ngón tay «{slot}» không có.", f"Unknown finger '{slot}'.", field="slot"
        ) from None
    if ek not in FINGER_EXCEPTIONS:
        raise ValidationError(
            f"Ngoại lệ này không dùng cho {what[0]}.",
            f"This exception does not apply to {what[1]}.",
            field="exception",
        )
