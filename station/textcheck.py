"""Text from outside, checked once at the core: what would break storage, printing or reading.

Decided rules, for every text field of a form, a reason, a resident-list cell and what the
officer types into search:

- **refused**, with a bilingual message naming the field and the character: a lone surrogate
  (cannot be stored as UTF-8), control characters (NUL, ESC and the rest of C0/C1, which
  terminals and printers act on), bidirectional overrides, embeddings and isolates (U+202A-202E,
  U+2066-2069: they make an address read differently from what is stored), private-use code
  points;
- **turned into a space**: tab, line feed, carriage return (a pasted line break; the fields are
  one line and whitespace runs are folded anyway);
- **dropped**, being invisible and harmless: zero-width space, word joiner, soft hyphen, the
  byte-order mark and the left-to-right / right-to-left marks;
- everything else is kept, NFC-normalised: every script, every combining mark (Vietnamese tones
  typed as combining marks become the composed letters), zero-width (non-)joiners.

Search queries are cleaned leniently (:func:`for_search`): what would be refused is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from station.errors import ValidationError

_SPACES = {"\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}
_DROPPED = {"\u200b", "\u2060", "\u00ad", "\ufeff", "\u200e", "\u200f", "\u180e"}
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x061C)}


def _bad_char(ch: str) -> tuple[str, str] | None:
    """Why ``ch`` is refused (Vietnamese, English), or None when it may stay."""
    if ch in _BIDI:
        return "ký tự đảo chiều văn bản", "a text-direction override"
    cat = unicodedata.category(ch)
    if cat == "Cs":
        return "ký tự lỗi mã hóa (surrogate lẻ)", "a broken encoding (lone surrogate)"
    if cat == "Cc":
        return "ký tự điều khiển", "a control character"
    if cat == "Co":
        return "ký tự dùng riêng", "a private-use character"
    return None


_SPECIAL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2028\u2029"
    "\u2060-\u2069\ufeff\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff]"
)


def is_clean(text: str) -> bool:
    """True when :func:`clean` would return ``text`` unchanged (the fast check of a whole row)."""
    return not _SPECIAL.search(text) and (text.isascii() or unicodedata.is_normalized("NFC", text))


def clean(text: str, field: str, label: tuple[str, str] | None = None) -> str:
    """``text`` NFC, harmless invisibles dropped, line breaks as spaces; refused as above."""
    if not _SPECIAL.search(text):  # the common case, at C speed (a list of a million rows)
        if text.isascii() or unicodedata.is_normalized("NFC", text):
            return text
        return unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        if ch in _SPACES:
            out.append(" ")
            continue
        if ch in _DROPPED:
            continue
        why = _bad_char(ch)
        if why is not None:
            name_vi, name_en = label or (field, field)
            raise ValidationError(
                f"Trường «{name_vi}»: có {why[0]} (U+{ord(ch):04X}), không được phép.",
                f"Field '{name_en}': contains {why[1]} (U+{ord(ch):04X}), which is not allowed.",
                field=field,
                code="bad_character",
            )
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def clean_tree(value: Any, path: str = "") -> Any:
    """Every string (and mapping key) inside ``value`` through :func:`clean`; the field is the
    dotted path (``permanent_residence.street``, ``children.0.full_name``)."""
    if isinstance(value, str):
        return clean(value, path or "text")
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            name = clean(key, path or "form") if isinstance(key, str) else key
            out[name] = clean_tree(item, f"{path}.{name}" if path else str(name))
        return out
    if isinstance(value, list):
        return [clean_tree(item, f"{path}.{i}") for i, item in enumerate(value)]
    return value


def for_search(text: str) -> str:
    """What the officer typed, with whatever :func:`clean` would refuse or drop removed."""
    kept = []
    for ch in text:
        if ch in _SPACES:
            kept.append(" ")
        elif ch not in _DROPPED and _bad_char(ch) is None:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def printable(text: str) -> str:
    """Text safe to print on a terminal: controls and overrides shown as ``\\uXXXX``."""
    return "".join(
        f"\\u{ord(ch):04x}" if (_bad_char(ch) is not None or ch in _SPACES) else ch for ch in text
    )
