"""Dossier records as the rest of the program sees them, and the checks on their contents."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from station.errors import ValidationError
from station.lifecycle import State
from station.models import Dossier, DossierPart

FORM_MAX_BYTES = 64 * 1024
PART_MAX_BYTES = 20 * 1024 * 1024
SLOT_RE = re.compile(r"[a-z0-9_]{0,32}")
MEDIA_TYPE_RE = re.compile(r"[a-z]+/[a-z0-9.+-]+")


class CaseType(StrEnum):
    FIRST_ISSUE = "first_issue"  # cấp mới
    RENEWAL = "renewal"  # cấp đổi
    REPLACEMENT = "replacement"  # cấp lại
    CORRECTION = "correction"  # điều chỉnh thông tin


CASE_LABELS: dict[CaseType, tuple[str, str]] = {
    CaseType.FIRST_ISSUE: ("cấp mới", "first issue"),
    CaseType.RENEWAL: ("cấp đổi", "renewal"),
    CaseType.REPLACEMENT: ("cấp lại", "replacement"),
    CaseType.CORRECTION: ("điều chỉnh thông tin", "correction"),
}


class PartKind(StrEnum):
    FACE = "face"
    FINGERPRINT = "fingerprint"
    SIGNATURE = "signature"
    DOCUMENT = "document"
    CHIP_FACE = "chip_face"
    CHIP_DATA = "chip_data"  # the old card's chip read and its verdict (station.chip.record)
    ROLLED_PRINT = "rolled_print"  # slot: the finger (station.capture.rolled)
    IRIS = "iris"  # slot: "left" or "right" (station.capture.iris)


#: States in which the form and the parts may still change.
EDITABLE = frozenset({State.DRAFT})


def case_type(value: object) -> CaseType:
    try:
        return CaseType(str(value))
    except ValueError:
        raise ValidationError(
            f"Loại hồ sơ: «{value}» không tồn tại; chọn "
            + ", ".join(f"{c.value} ({CASE_LABELS[c][0]})" for c in CaseType)
            + ".",
            f"Case type: '{value}' does not exist; choose one of "
            + ", ".join(c.value for c in CaseType)
            + ".",
            field="case_type",
        ) from None


def form_json(form: object) -> str:
    """The form as canonical JSON, refused if it is not an object or too large."""
    if not isinstance(form, dict) or not all(isinstance(k, str) for k in form):
        raise ValidationError(
            "Dữ liệu tờ khai phải là một bảng trường → giá trị.",
            "Form data must be a mapping of field names to values.",
            field="form",
        )
    try:
        text = json.dumps(form, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"Dữ liệu tờ khai có giá trị không lưu được ({exc}).",
            f"Form data holds a value that cannot be stored ({exc}).",
            field="form",
        ) from exc
    if len(text.encode("utf-8")) > FORM_MAX_BYTES:
        raise ValidationError(
            f"Dữ liệu tờ khai quá lớn (tối đa {FORM_MAX_BYTES // 1024} KB).",
            f"Form data is too large (at most {FORM_MAX_BYTES // 1024} KB).",
            field="form",
        )
    return text


def part_fields(kind: object, slot: object, media_type: object, data: object) -> PartKind:
    try:
        part_kind = PartKind(str(kind))
    except ValueError:
        raise ValidationError(
            f"Loại thành phần «{kind}» không tồn tại.",
            f"Unknown part kind '{kind}'.",
            field="kind",
        ) from None
    if not isinstance(slot, str) or not SLOT_RE.fullmatch(slot):
        raise ValidationError(
            "Vị trí thành phần: tối đa 32 ký tự a-z, 0-9, _.",
            "Part slot: at most 32 characters a-z, 0-9, _.",
            field="slot",
        )
    if not isinstance(media_type, str) or not MEDIA_TYPE_RE.fullmatch(media_type):
        raise ValidationError(
            f"Kiểu dữ liệu «{media_type}» không hợp lệ.",
            f"Invalid media type '{media_type}'.",
            field="media_type",
        )
    if not isinstance(data, bytes | bytearray) or not data:
        raise ValidationError(
            "Dữ liệu thành phần trống hoặc không phải dữ liệu nhị phân.",
            "Part data is empty or not binary.",
            field="data",
        )
    if len(data) > PART_MAX_BYTES:
        raise ValidationError(
            f"Dữ liệu thành phần quá lớn ({len(data) // 1024} KB, tối đa "
            f"{PART_MAX_BYTES // (1024 * 1024)} MB).",
            f"Part data is too large ({len(data) // 1024} KB, at most "
            f"{PART_MAX_BYTES // (1024 * 1024)} MB).",
            field="data",
        )
    return part_kind


@dataclass(frozen=True)
class PartInfo:
    kind: str
    slot: str
    media_type: str
    size: int
    sha256: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class DossierView:
    id: str
    number: str
    case_type: str
    state: State
    form: dict[str, Any]
    operator_id: str
    supervisor_id: str | None
    created_at: str
    updated_at: str
    state_changed_at: str
    state_reason: str | None
    version: int
    parts: tuple[PartInfo, ...]

    @classmethod
    def of(cls, d: Dossier, parts: list[DossierPart] | None = None) -> DossierView:
        return cls(
            id=d.id,
            number=d.number,
            case_type=d.case_type,
            state=State(d.state),
            form=json.loads(d.form_json),
            operator_id=d.operator_id,
            supervisor_id=d.supervisor_id,
            created_at=d.created_at,
            updated_at=d.updated_at,
            state_changed_at=d.state_changed_at,
            state_reason=d.state_reason,
            version=d.version,
            parts=tuple(
                PartInfo(p.kind, p.slot, p.media_type, p.size, p.sha256, json.loads(p.meta_json))
                for p in (parts or [])
            ),
        )
