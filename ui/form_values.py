"""How form values read on screen: names of the coded choices the core has no labels for, and a
value (an address, a date, a code) as one line of text for prefill summaries and conflicts."""

from __future__ import annotations

from typing import Any

from station.form import RELATION_LABELS, MaritalStatus, Relation, RenewalReason
from station.form_view import MARITAL_LABELS, RENEWAL_LABELS
from station.idnumber import SEX_LABELS, Sex
from station.masterdata import MasterData
from ui.context import label
from ui.form_fields import date_text


def enum_items(kind: str, lang: str = "vi") -> list[tuple[str, str]]:
    """``(code, text)`` of the choices of a coded field, labelled by the core."""
    if kind == "marital_status":
        return [(m.value, label(MARITAL_LABELS[m], lang)) for m in MaritalStatus]
    if kind == "renewal_reason":
        return [(r.value, label(RENEWAL_LABELS[r], lang)) for r in RenewalReason]
    raise ValueError(f"no choices for {kind!r}")


def describe_value(md: MasterData, lang: str, value: Any) -> str:
    """A stored form value as one line: addresses and codes by name, dates as dd/mm/yyyy."""
    if isinstance(value, dict):
        return _describe_dict(md, lang, value)
    if isinstance(value, list):
        return "; ".join(describe_value(md, lang, v) for v in value)
    text = "" if value is None else str(value)
    if text in {s.value for s in Sex}:
        return label(SEX_LABELS[Sex(text)], lang)
    if len(text) in (4, 7, 10) and text[:4].isdigit() and (len(text) == 4 or text[4] == "-"):
        return date_text(text)
    return text


def _describe_dict(md: MasterData, lang: str, value: dict[str, Any]) -> str:
    if "country" in value:
        country = md.countries.get(str(value.get("country")))
        name = (country.name_en if lang == "en" else country.name_vi) if country else ""
        return ", ".join(p for p in (str(value.get("text") or ""), name) if p)
    if "era" in value and "unit" in value:
        try:
            return md.describe_address(
                str(value["era"]), str(value["unit"]), str(value.get("street") or "")
            )
        except (KeyError, ValueError):
            return str(value.get("street") or value.get("unit") or "")
    if "code" in value and "list" in value:
        group = md.ethnic_groups.get(str(value["list"]), {}).get(str(value["code"]))
        return group.name if group else str(value["code"])
    if "relation" in value:  # a relative: the relation in the window's language
        try:
            relation = label(RELATION_LABELS[Relation(str(value["relation"]))], lang)
        except ValueError:
            relation = str(value["relation"])
        rest = {k: v for k, v in value.items() if k != "relation"}
        return ", ".join(p for p in (relation, _describe_dict(md, lang, rest)) if p)
    return ", ".join(
        describe_value(md, lang, v) for v in value.values() if v not in (None, "", {}, [])
    )
