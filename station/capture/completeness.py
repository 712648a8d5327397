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
     "context": {"home_visit": true, "location": "...", "background_waiver": "..."}}
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
    if kind == PartKind.FINGERPRINT:
        try:
            Finger(slot)
        except ValueError:
            raise ValidationError(
                f"Ngón tay «{slot}» không có.", f"Unknown finger '{slot}'.", field="slot"
            ) from None
        if ek not in FINGER_EXCEPTIONS:
            raise ValidationError(
                "Ngoại lệ này không dùng cho vân tay.",
                "This exception does not apply to fingerprints.",
                field="exception",
            )
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
) -> list[Missing]:
    """Everything still to capture (or to confirm, with ``for_approval``)."""
    have = set(parts)
    exceptions: dict[str, Any] = capture.get("exceptions", {})
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
            vi, en = FINGER_LABELS[finger]
            out.append(
                Missing(
                    PartKind.FINGERPRINT,
                    finger.value,
                    f"Chưa lấy vân tay {vi}.",
                    f"No print of the {en} yet.",
                )
            )
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
    if for_approval:
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
    return out
