"""Checks on what people type for accounts and stations; each failure names the field."""

from __future__ import annotations

import re
import unicodedata

from station import password_policy, textcheck
from station.errors import ValidationError
from station.lifecycle import ROLE_LABELS, Role

OPERATOR_ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
STATION_CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,15}")
NAME_MAX = 100
PASSWORD_MIN = password_policy.MIN_LENGTH
PASSWORD_MAX = password_policy.MAX_LENGTH


def _is_text(value: object, field: str, label_vi: str, label_en: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            f"{label_vi}: phải là chuỗi ký tự, không phải {type(value).__name__}.",
            f"{label_en}: must be text, not {type(value).__name__}.",
            field=field,
        )
    return value


def operator_id(value: object) -> str:
    text = _is_text(value, "operator_id", "Mã cán bộ", "Operator id").strip()
    if not text:
        raise ValidationError(
            "Mã cán bộ: không được để trống.",
            "Operator id: must not be empty.",
            field="operator_id",
        )
    if not OPERATOR_ID_RE.fullmatch(text):
        raise ValidationError(
            "Mã cán bộ: từ 3 đến 32 ký tự, chỉ gồm chữ thường không dấu, số và . _ -.",
            "Operator id: 3 to 32 characters, lowercase ASCII letters, digits and . _ - only.",
            field="operator_id",
        )
    return text


def person_name(value: object, field: str = "full_name") -> str:
    """A person's name: NFC, letters (any script) with spaces, apostrophes, hyphens, dots."""
    text = unicodedata.normalize("NFC", _is_text(value, field, "Họ và tên", "Full name"))
    text = " ".join(text.split())
    if not text:
        raise ValidationError(
            "Họ và tên: không được để trống.", "Full name: must not be empty.", field=field
        )
    if len(text) > NAME_MAX:
        raise ValidationError(
            f"Họ và tên: dài {len(text)} ký tự, tối đa {NAME_MAX}.",
            f"Full name: {len(text)} characters long, at most {NAME_MAX}.",
            field=field,
        )
    for ch in text:
        cat = unicodedata.category(ch)
        if not (cat.startswith("L") or cat.startswith("M") or ch in " '-.’"):
            raise ValidationError(
                f"Họ và tên: có ký tự không hợp lệ «{ch}»; chỉ dùng chữ cái, dấu cách, "
                "dấu nháy, gạch nối và dấu chấm.",
                f"Full name: invalid character {ch!r}; use letters, spaces, apostrophes, "
                "hyphens and dots only.",
                field=field,
            )
    return text


def role(value: object) -> Role:
    text = _is_text(value, "role", "Vai trò", "Role")
    try:
        return Role(text)
    except ValueError:
        allowed_vi = ", ".join(f"{r.value} ({ROLE_LABELS[r][0]})" for r in Role)
        raise ValidationError(
            f"Vai trò: «{text}» không tồn tại; chọn một trong {allowed_vi}.",
            f"Role: '{text}' does not exist; choose one of {', '.join(r.value for r in Role)}.",
            field="role",
        ) from None


def password(
    value: object,
    field: str = "password",
    *,
    operator_id: str | None = None,
    station_code: str | None = None,
) -> str:
    """A new password that meets the policy of ``station/password_policy.py``."""
    return password_policy.check(
        value, field=field, operator_id=operator_id, station_code=station_code
    )


def station_code(value: object) -> str:
    text = _is_text(value, "station_code", "Mã trạm", "Station code").strip()
    if not STATION_CODE_RE.fullmatch(text):
        raise ValidationError(
            "Mã trạm: từ 2 đến 16 ký tự, chữ in hoa không dấu, số và dấu gạch nối.",
            "Station code: 2 to 16 characters, uppercase ASCII letters, digits and hyphens.",
            field="station_code",
        )
    return text


def short_text(value: object, field: str, label_vi: str, label_en: str, max_len: int) -> str:
    raw = textcheck.clean(_is_text(value, field, label_vi, label_en), field, (label_vi, label_en))
    text = " ".join(raw.split())
    if not text:
        raise ValidationError(
            f"{label_vi}: không được để trống.", f"{label_en}: must not be empty.", field=field
        )
    if len(text) > max_len:
        raise ValidationError(
            f"{label_vi}: dài {len(text)} ký tự, tối đa {max_len}.",
            f"{label_en}: {len(text)} characters long, at most {max_len}.",
            field=field,
        )
    return text
