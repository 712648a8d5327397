"""Prefill: values read from an old card or a resident list, merged into a form without ever
overwriting what the officer typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from station.masterdata import MasterData


@dataclass(frozen=True)
class Prefill:
    """Form values from one source, and what could not be placed in the form."""

    source: str  # "qr", "chip", "resident"
    values: dict[str, Any]
    #: Text read from the source that the officer must place by hand (e.g. an address whose
    #: units were not found), by form field.
    unmatched: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Merge:
    form: dict[str, Any]
    filled: list[str]  # fields that were empty and now hold the source's value
    conflicts: dict[str, tuple[Any, Any]]  # field -> (typed value kept, source value offered)


def merge(form: dict[str, Any], prefill: Prefill) -> Merge:
    """Fill the empty fields of ``form`` from ``prefill``; report, never replace, the others."""
    out = dict(form)
    filled: list[str] = []
    conflicts: dict[str, tuple[Any, Any]] = {}
    for key, value in prefill.values.items():
        current = out.get(key)
        if current in (None, "", {}, []):
            out[key] = value
            filled.append(key)
        elif current != value:
            conflicts[key] = (current, value)
    sources = dict(out.get("_prefilled", {}))
    for key in filled:
        sources[key] = prefill.source
    if filled:
        out["_prefilled"] = sources
    return Merge(out, filled, conflicts)


def address_from_text(text: str, md: MasterData) -> dict[str, Any] | None:
    """An address object for ``text`` written as on a card or a list, or None if units are unknown.

    Tries the old three-level form (..., ward, district, province) and then the two-level form in
    force since 1 July 2025 (..., commune, province); what precedes the units is the street line.
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) >= 3:
        ward = md.find_legacy_ward(parts[-1], parts[-2], parts[-3])
        if ward is not None:
            return {"era": "legacy", "unit": ward.code, "street": ", ".join(parts[:-3])}
    if len(parts) >= 2:
        commune = md.find_commune(parts[-1], parts[-2])
        if commune is not None:
            return {"era": "2025", "unit": commune.code, "street": ", ".join(parts[:-2])}
    return None
