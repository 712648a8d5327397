"""The chip's access key without typing: the ID number and birth date come from the old card's
QR code (or another prefill), the date of expiry from the law's renewal ages.

Luật Căn cước 2023, Art. 21 (as Luật Căn cước công dân 2014, Art. 21, which had 25, 40, 60): a
card is renewed at 14, 25, 40 and 60 years of age; a card issued within the two years before
one of those ages stays valid until the next one; from 60 a card has no end date. So the card
expires on the birthday of the first renewal age that lies more than two years after its issue
date. A card issued from 58 on has no expiry date the station can compute: the officer types it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

RENEWAL_AGES = (14, 25, 40, 60)


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # 29 February in a common year
        return date(born.year + age, 2, 28)


def expiry_by_age_rule(born: date, issued: date) -> date | None:
    """The expiry date of a card issued on ``issued`` to a citizen born on ``born``."""
    for age in RENEWAL_AGES:
        due = _birthday(born, age)
        if issued < _birthday(born, age - 2):
            return due
    return None


@dataclass(frozen=True)
class AccessGuess:
    card_number: str  # the 12-digit ID number
    date_of_birth: date
    date_of_expiry: date


def from_form(form: dict[str, Any]) -> AccessGuess | None:
    """The access key a prefilled form gives (``id_number``, ``date_of_birth``,
    ``previous_card.issue_date`` or ``expiry_date``), or None when something is missing."""
    number = str(form.get("id_number") or (form.get("previous_card") or {}).get("number") or "")
    try:
        born = date.fromisoformat(str(form.get("date_of_birth") or ""))
        card = form.get("previous_card") or {}
        if card.get("expiry_date"):
            return AccessGuess(number, born, date.fromisoformat(str(card["expiry_date"])))
        issued = date.fromisoformat(str(card.get("issue_date") or ""))
    except ValueError:
        return None
    expires = expiry_by_age_rule(born, issued)
    if len(number) != 12 or not number.isdigit() or expires is None:
        return None
    return AccessGuess(number, born, expires)
