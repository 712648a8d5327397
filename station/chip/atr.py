"""What a card says about itself before the eMRTD application: extended-length support, from
the historical bytes of its ATR (ISO/IEC 7816-3 §8, 7816-4 §12.1.1 compact-TLV "card
capabilities", tag 7) or from EF.ATR/INFO (file 2F01; BER-TLV tags 47 and 7F66).

Only a positive announcement counts: anything unreadable means "short lengths".
"""

from __future__ import annotations

from dataclasses import dataclass

from station.chip import ChipError
from station.chip.tlv import parse_all, parse_one

EF_ATR = 0x2F01
#: third byte of the card capabilities: b7 = "extended Lc and Le fields"
EXTENDED_BIT = 0x40


@dataclass(frozen=True)
class Capabilities:
    known: bool  # the source said something about lengths
    extended: bool
    max_response: int | None = None  # from 7F66, when given


NONE = Capabilities(False, False)


def historical_bytes(atr: bytes) -> bytes:
    """The historical bytes of an ATR (empty when it is malformed)."""
    if len(atr) < 2:
        return b""
    k = atr[1] & 0x0F
    y = atr[1] >> 4
    pos = 2
    while True:
        for bit in (0x1, 0x2, 0x4):
            if y & bit:
                pos += 1
        if not y & 0x8:
            break
        if pos >= len(atr):
            return b""
        y = atr[pos] >> 4
        pos += 1
    hist = atr[pos : pos + k]
    return hist if len(hist) == k else b""


def from_atr(atr: bytes) -> Capabilities:
    hist = historical_bytes(atr)
    if not hist or hist[0] not in (0x00, 0x80):
        return NONE
    body = hist[1:-3] if hist[0] == 0x00 else hist[1:]
    pos = 0
    while pos < len(body):
        tag, length = body[pos] >> 4, body[pos] & 0x0F
        value = body[pos + 1 : pos + 1 + length]
        pos += 1 + length
        if tag == 0x7 and len(value) >= 3:
            return Capabilities(True, bool(value[2] & EXTENDED_BIT))
    return NONE


def from_ef_atr(data: bytes) -> Capabilities:
    """EF.ATR/INFO: tag 47 (card capabilities) and 7F66 (extended length information)."""
    items = []
    pos = 0
    try:
        while pos < len(data) and data[pos] not in (0x00, 0xFF):  # the rest is padding
            item, pos = parse_one(data, pos)
            items.append(item)
    except ChipError:
        return NONE
    caps = NONE
    for item in items:
        if item.tag == 0x7F66:
            try:
                sizes = [int.from_bytes(i.value, "big") for i in parse_all(item.value)
                         if i.tag == 0x02] if item.constructed else []  # fmt: skip
            except ChipError:
                return NONE
            return Capabilities(True, True, sizes[1] if len(sizes) > 1 else None)
        if item.tag == 0x47 and len(item.value) >= 3:
            caps = Capabilities(True, bool(item.value[2] & EXTENDED_BIT))
    return caps
