"""The citizen behind a packet, as the receiver sees it: the ID numbers of the manifest's form.

* ``id_number_problem``: every personal ID number in the form (the citizen's and each
  relative's) must be exactly 12 ASCII digits and every old ID number 9 or 12 ASCII digits. A
  station validates this before sealing; a packet that breaks it anyway (an older or foreign
  station, Arabic-Indic or full-width digits that a ``\\d`` would take) is refused for good
  (``bad_id_number``), never stored with a number the central systems cannot match.
* ``citizen_of``: the citizen's own 12-digit ID number, the key of "one citizen, one card":
  a packet whose citizen already has an accepted, unfinished dossier from any station is held
  as ``duplicate_citizen`` (``docs/sync.md``, "Completion", rule 7).
"""

from __future__ import annotations

import re
from typing import Any

#: ASCII digits only: ``\d`` would take any script's digits.
ID_NUMBER_RE = re.compile(r"[0-9]{12}")
OLD_ID_NUMBER_RE = re.compile(r"[0-9]{9}|[0-9]{12}")
MAX_RELATIVES = 64
#: Shown in a refusal: enough of the value to find it, never a whole long string.
SHOWN_CHARS = 20


def _absent(value: object) -> bool:
    return value is None or value == ""


def _bad(path: str, value: object, old: bool) -> tuple[str, str]:
    shown = repr(value)[:SHOWN_CHARS] if not isinstance(value, str) else value[:SHOWN_CHARS]
    if old:
        return (
            f"Số CMND cũ «{path}» = «{shown}» không phải 9 hoặc 12 chữ số ASCII (0-9).",
            f"Old ID number '{path}' = '{shown}' is not 9 or 12 ASCII digits (0-9).",
        )
    return (
        f"Số định danh cá nhân «{path}» = «{shown}» không phải 12 chữ số ASCII (0-9).",
        f"Personal ID number '{path}' = '{shown}' is not 12 ASCII digits (0-9).",
    )


def _check(holder: dict[str, Any], prefix: str) -> tuple[str, str] | None:
    for key, pattern, old in (
        ("id_number", ID_NUMBER_RE, False),
        ("old_id_number", OLD_ID_NUMBER_RE, True),
    ):
        value = holder.get(key)
        if _absent(value):
            continue
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return _bad(prefix + key, value, old)
    return None


def id_number_problem(form: object) -> tuple[str, str] | None:
    """(vi, en) of the first ID number of ``form`` that is not ASCII digits of the right length;
    ``None`` when every number present is well formed (a number may be absent or empty)."""
    if not isinstance(form, dict):
        return None  # the manifest check owns the form's type
    problem = _check(form, "")
    if problem is not None:
        return problem
    relatives = form.get("relatives")
    if isinstance(relatives, list):
        for i, rel in enumerate(relatives[:MAX_RELATIVES]):
            if isinstance(rel, dict):
                problem = _check(rel, f"relatives[{i}].")
                if problem is not None:
                    return problem
    return None


def citizen_of(form: object) -> str | None:
    """The citizen's own 12-digit ID number, or ``None`` (a citizen not yet in the population
    database has none: such packets are never held as duplicates)."""
    if not isinstance(form, dict):
        return None
    value = form.get("id_number")
    if isinstance(value, str) and ID_NUMBER_RE.fullmatch(value):
        return value
    return None
