"""Checking the receiver's receipts (the core's side; the format is in ``docs/sync.md``).

A receipt is ``{"receipt": {...}, "signature": <b64 Ed25519>}`` with the signature over
``b"intake-station/receipt/v1\\0" + canonical JSON of the receipt``. It counts only when made
by a pinned receiver key and naming exactly the packet (id, SHA-256) and this station.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from station.packet import canonical

RECEIPT_FORMAT = "intake-station/receipt"
RECEIPT_PREFIX = b"intake-station/receipt/v1\x00"


def verify(
    value: Any, receiver_keys: list[bytes], packet_id: str, sha256: str, station_id: str
) -> bool:
    if not isinstance(value, dict):
        return False
    doc, sig = value.get("receipt"), value.get("signature")
    if not isinstance(doc, dict) or not isinstance(sig, str):
        return False
    if not (
        doc.get("format") == RECEIPT_FORMAT
        and doc.get("version") == 1
        and doc.get("packet_id") == packet_id
        and doc.get("sha256") == sha256
        and doc.get("station_id") == station_id
        and doc.get("status") in ("accepted", "duplicate")
    ):
        return False
    try:
        raw = base64.b64decode(sig.encode("ascii"), validate=True)
        message = RECEIPT_PREFIX + canonical(doc)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    for key in receiver_keys:
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(key).verify(raw, message)
        except (InvalidSignature, ValueError):
            continue
        return True
    return False
