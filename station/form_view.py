"""The form as people read it: (label, text) rows in the paper form's order.

Used where a person checks the form (the review the citizen confirms, the supervisor's review):
codes become names (administrative units, ethnic group, religion, country), dates are written
day/month/year, and relatives one per line. A value the master data does not know is shown as
its raw code rather than hidden, so nothing typed disappears from the review.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from station import dates
from station.errors import StationError
from station.form import (
    LABELS,
    RELATION_LABELS,
    SUBFIELD_LABELS,
    BloodGroup,
    MaritalStatus,
    Relation,
    RenewalReason,
)
from station.masterdata import MasterData

Pair = tuple[str, str]

SEX_LABELS: dict[str, Pair] = {"male": ("Nam", "Male"), "female": ("Nữ", "Female")}
MARITAL_LABELS: dict[str, Pair] = {
    MaritalStatus.SINGLE: ("Chưa kết hôn", "Single"),
    MaritalStatus.MARRIED: ("Đã kết hôn", "Married"),
    MaritalStatus.DIVORCED: ("Đã ly hôn", "Divorced"),
    MaritalStatus.WIDOWED: ("Góa", "Widowed"),
}
RENEWAL_LABELS: dict[str, Pair] = {
    RenewalReason.AGE: ("Đến tuổi đổi thẻ (14, 25, 40, 60)", "Age for a new card (14, 25, 40, 60)"),
    RenewalReason.DAMAGED: ("Thẻ bị hư hỏng", "Card damaged"),
    RenewalReason.CHANGED_INFORMATION: ("Thay đổi thông tin", "Information changed"),
    RenewalReason.OLD_CARD: ("Đổi thẻ CCCD/CMND cũ", "Old CCCD/CMND card exchanged"),
}
YES: Pair = ("Có", "Yes")


def _pick(pair: Pair, lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _date(value: Any) -> str:
    try:
        return dates.parse(
            value, "date", ("", ""), today=date.max, allow_partial=True, allow_future=True
        ).display()
    except (StationError, ValueError, TypeError):
        return str(value)


def _address(value: Any, md: MasterData) -> str:
    if not isinstance(value, dict):
        return str(value)
    if value.get("country"):
        country = md.countries.get(str(value["country"]))
        name = country.name_vi if country is not None else str(value["country"])
        return ", ".join(x for x in (str(value.get("text") or ""), name) if x)
    street = str(value.get("street") or "")
    try:
        return md.describe_address(str(value.get("era")), str(value.get("unit")), street)
    except (KeyError, ValueError):
        return ", ".join(x for x in (street, str(value.get("unit") or "")) if x)


def _ethnic(value: Any, md: MasterData) -> str:
    if not isinstance(value, dict):
        return str(value)
    groups = {g.code: g.name for g in md.ethnic_list(str(value.get("list")))}
    code = str(value.get("code"))
    return groups.get(code, code)


def _religion(value: Any, md: MasterData) -> str:
    rel = md.religions.get(str(value))
    return rel.name if rel is not None else str(value)


def _country(value: Any, md: MasterData, lang: str) -> str:
    country = md.countries.get(str(value))
    if country is None:
        return str(value)
    return country.name_en if lang == "en" else country.name_vi


def _relative(value: Any, lang: str) -> str:
    if not isinstance(value, dict):
        return str(value)
    try:
        rel = _pick(RELATION_LABELS[Relation(str(value.get("relation")))], lang)
    except ValueError:
        rel = str(value.get("relation") or "")
    bits = [f"{rel}: {value.get('full_name') or ''}".strip()]
    if value.get("id_number"):
        bits.append(str(value["id_number"]))
    if value.get("nationality") and value.get("nationality") != "VN":
        bits.append(str(value["nationality"]))
    return ", ".join(bits)


def _previous_card(value: dict[str, Any], lang: str) -> str:
    """Number, dates (day/month/year) and place of an earlier card, each with its label."""
    bits = []
    for sub, v in value.items():
        if not v:
            continue
        text = _date(v) if sub.endswith("_date") else str(v)
        label = SUBFIELD_LABELS.get(sub)
        bits.append(f"{_pick(label, lang)} {text}" if label else text)
    return ", ".join(bits)


def _text(key: str, value: Any, md: MasterData, lang: str) -> str:  # noqa: C901 - one per field
    if key in ("date_of_birth",):
        return _date(value)
    if key == "sex":
        return _pick(SEX_LABELS.get(str(value), (str(value), str(value))), lang)
    if key in (
        "place_of_birth",
        "birth_registration",
        "hometown",
        "permanent_residence",
        "temporary_residence",
        "current_residence",
    ):
        return _address(value, md)
    if key == "ethnic_group":
        return _ethnic(value, md)
    if key == "religion":
        return _religion(value, md)
    if key in ("nationality", "other_nationality"):
        return _country(value, md, lang)
    if key == "renewal_reason":
        return _pick(RENEWAL_LABELS.get(str(value), (str(value), str(value))), lang)
    if key == "marital_status":
        return _pick(MARITAL_LABELS.get(str(value), (str(value), str(value))), lang)
    if key == "blood_group":
        return str(BloodGroup(str(value)).value) if value in BloodGroup._value2member_map_ else ""
    if key == "relatives" and isinstance(value, list):
        return "\n".join(_relative(r, lang) for r in value)
    if key == "not_in_population_db":
        return _pick(YES, lang) if value else ""
    if key == "previous_card" and isinstance(value, dict):
        return _previous_card(value, lang)
    if isinstance(value, dict):
        return ", ".join(f"{v}" for v in value.values() if v)
    return str(value)


def rows(form: dict[str, Any], md: MasterData, lang: str = "vi") -> list[tuple[str, str]]:
    """Every filled field as (label, text), in the order of the paper form."""
    out: list[tuple[str, str]] = []
    for key, pair in LABELS.items():
        value = form.get(key)
        if value in (None, "", [], {}, False):
            continue
        text = _text(key, value, md, lang)
        if text:
            out.append((_pick(pair, lang), text))
    return out
