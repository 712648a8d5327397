"""Form prefill from the chip: DG13 (Vietnamese text with diacritics) first, DG1 as fallback.

Field names are those of the QR prefill (``station.qr.to_prefill``); what cannot be placed on a
coded form field (an address whose units are unknown, an ethnic group not in the list) goes to
``unmatched`` for the officer. ``station.prefill.merge`` never overwrites typed values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from station import idnumber
from station.chip import pa
from station.chip.lds import Dg13
from station.chip.reader import ChipData
from station.errors import ValidationError
from station.masterdata import DEFAULT_ETHNIC_LIST, MasterData, fold
from station.prefill import Prefill, address_from_text

_SEX = {"nam": "male", "nữ": "female", "nu": "female", "m": "male", "f": "female"}


def _date(text: str | None) -> date | None:
    if not text:
        return None
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text.strip())
    if m is None:
        return None
    try:
        return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None


def _yymmdd(text: str, today: date) -> date | None:
    try:
        value = date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        return None
    return value.replace(year=value.year - 100) if value > today else value


def _ethnic(name: str, md: MasterData) -> dict[str, str] | None:
    key = fold(name)
    for group in md.ethnic_groups.get(DEFAULT_ETHNIC_LIST, {}).values():
        if key in {fold(group.name), *(fold(a) for a in group.aliases)}:
            return {"list": DEFAULT_ETHNIC_LIST, "code": group.code}
    return None


def _religion(name: str, md: MasterData) -> str | None:
    key = fold(name)
    return next((r.code for r in md.religions.values() if fold(r.name) == key), None)


def _country(name: str, md: MasterData) -> str | None:
    key = fold(name)
    for c in md.countries.values():
        if key in {fold(c.name_vi), fold(c.name_en), c.alpha3.lower(), c.alpha2.lower()}:
            return c.alpha2
    return None


def _basic(chip: ChipData, today: date, values: dict[str, Any], unmatched: dict[str, str]) -> None:
    """ID number, name, date of birth and sex: DG13 first, else the MRZ of DG1."""
    g, mrz = chip.dg13, chip.dg1
    if mrz is None:
        return
    number = (g.text(1) if g else None) or mrz.id_number
    if number:
        try:
            values["id_number"] = idnumber.parse(number).value
        except ValidationError:
            unmatched["id_number"] = number
    name = (g.text(2) if g else None) or mrz.name
    if name:
        values["full_name"] = " ".join(name.split())
    dob = _date(g.text(3) if g else None) or _yymmdd(mrz.date_of_birth, today)
    if dob:
        values["date_of_birth"] = dob.isoformat()
    sex = _SEX.get(((g.text(4) if g else None) or mrz.sex).strip().lower())
    if sex:
        values["sex"] = sex


def _coded(g: Dg13, md: MasterData, values: dict[str, Any], unmatched: dict[str, str]) -> None:
    """Nationality, ethnic group, religion, hometown and residence: codes from master data."""
    lookups: tuple[tuple[int, str, Callable[[str, MasterData], Any]], ...] = (
        (5, "nationality", _country),
        (6, "ethnic_group", _ethnic),
        (7, "religion", _religion),
        (8, "hometown", address_from_text),
        (9, "permanent_residence", address_from_text),
    )
    for num, key, lookup in lookups:
        text = g.text(num)
        if text:
            found = lookup(text, md)
            if found is not None:
                values[key] = found
            else:
                unmatched[key] = text


def _relatives(g: Dg13) -> list[dict[str, str]]:
    """Father and mother (field 13, in that order) and spouse (14) as the form's relatives; the
    chip gives only names, the officer adds ID numbers and nationality."""
    relatives = [
        {"relation": relation, "full_name": " ".join(who.split())}
        for relation, who in zip(("father", "mother"), g.fields.get(13, []), strict=False)
        if who.strip()
    ]
    spouse = g.text(14)
    if spouse and spouse.strip():
        relatives.append({"relation": "spouse", "full_name": " ".join(spouse.split())})
    return relatives


def _old_id(g: Dg13) -> str | None:
    """The old 9-digit (or 12-digit) ID number, which public readers find in field 15 or 16."""
    for number in (15, 16):
        for text in g.fields.get(number, []):
            digits = text.strip()
            if re.fullmatch(r"\d{9}|\d{12}", digits):
                try:
                    return idnumber.parse_old(digits)
                except ValidationError:
                    continue
    return None


def to_prefill(chip: ChipData, md: MasterData, today: date | None = None) -> Prefill:
    """``Prefill("chip", ...)`` from DG13 and DG1; nothing at all when the chip's verdict is a
    failure (an altered or unsigned group, a chain to no known CSCA, malformed data)."""
    values: dict[str, Any] = {}
    unmatched: dict[str, str] = {}
    if chip.status == pa.FAILED:
        return Prefill("chip", values, unmatched)
    _basic(chip, today or date.today(), values, unmatched)
    g = chip.dg13
    if g is None:
        return Prefill("chip", values, unmatched)
    _coded(g, md, values, unmatched)
    marks = g.text(10)
    if marks:
        values["identifying_marks"] = marks
    issued, expires = _date(g.text(11)), _date(g.text(12))
    if "id_number" in values and (issued or expires):
        card: dict[str, str] = {"number": values["id_number"]}
        if issued:
            card["issue_date"] = issued.isoformat()
        if expires:
            card["expiry_date"] = expires.isoformat()
        values["previous_card"] = card
    old = _old_id(g)
    if old:
        values["old_id_number"] = old
    relatives = _relatives(g)
    if relatives:
        values["relatives"] = relatives
    return Prefill("chip", values, unmatched)
