"""Receipt-key rotation: a receiver key update, made by the old generation, pinned by stations.

A key update names the receiver's new receipt-signing key and is signed by the previous one
(format in ``docs/sync.md``, "Receipt-key rotation")::

    {"key_update": {"format": "intake-station/receiver-key-update", "version": 1,
                    "purpose": "signing", "algorithm": "Ed25519",
                    "previous_key_id": <16 hex>, "key_id": <16 hex>, "public_key": <b64 32 bytes>},
     "signature": <b64 Ed25519 by the previous key over PREFIX || canonical JSON of key_update>}

The receiver sends the chain (oldest first) with every receipt and in a USB ``receipts.json``;
a station pins each new key whose update verifies with a key it already pins (or one it has just
learned from the same chain), in the same transaction as what it was reading, with an audit
record. Older keys stay pinned: receipts they signed still verify. Nothing else can add a
receipt key to a station after provisioning.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select
from sqlalchemy.orm import Session

from station import audit
from station.clock import iso
from station.lifecycle import SYSTEM
from station.models import ReceiverKey
from station.packet import canonical

KEY_UPDATE_FORMAT = "intake-station/receiver-key-update"
KEY_UPDATE_PREFIX = b"intake-station/receiver-key-update/v1\x00"
SIGNING = "signing"
ED25519 = "Ed25519"
#: Most updates a station reads from one chain (a rotation a month for years).
MAX_CHAIN = 64
_MEMBERS = {"format", "version", "purpose", "algorithm", "previous_key_id", "key_id", "public_key"}


def key_id(public_raw: bytes) -> str:
    """The key id stations and receivers use (``station.provisioning.key_id``)."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def make(previous_private: bytes, new_public: bytes) -> dict[str, Any]:
    """A key update naming ``new_public``, signed by the previous generation's private key."""
    previous = ed25519.Ed25519PrivateKey.from_private_bytes(previous_private)
    doc = {
        "format": KEY_UPDATE_FORMAT,
        "version": 1,
        "purpose": SIGNING,
        "algorithm": ED25519,
        "previous_key_id": key_id(previous.public_key().public_bytes_raw()),
        "key_id": key_id(new_public),
        "public_key": base64.b64encode(new_public).decode("ascii"),
    }
    signature = previous.sign(KEY_UPDATE_PREFIX + canonical(doc))
    return {"key_update": doc, "signature": base64.b64encode(signature).decode("ascii")}


def chain(private_keys: Iterable[bytes]) -> list[dict[str, Any]]:
    """The updates of a receiver's generations given current first: each older generation signs
    the next newer one; oldest update first. Generations sharing a signing key add nothing."""
    keys = list(private_keys)
    out: list[dict[str, Any]] = []
    for older, newer in zip(reversed(keys[1:]), reversed(keys[:-1]), strict=True):
        new_public = ed25519.Ed25519PrivateKey.from_private_bytes(newer).public_key()
        raw = new_public.public_bytes_raw()
        old_raw = ed25519.Ed25519PrivateKey.from_private_bytes(older).public_key()
        if old_raw.public_bytes_raw() != raw:
            out.append(make(older, raw))
    return out


def check(update: object, pinned: dict[str, bytes]) -> tuple[str, str] | None:
    """(key_id, public key b64) named by ``update`` if it is well formed and signed by a key of
    ``pinned`` (key id -> raw public key); ``None`` otherwise."""
    if not isinstance(update, dict):
        return None
    doc, sig = update.get("key_update"), update.get("signature")
    if not isinstance(doc, dict) or not isinstance(sig, str) or set(doc) != _MEMBERS:
        return None
    if (doc["format"], doc["version"], doc["purpose"], doc["algorithm"]) != (
        KEY_UPDATE_FORMAT,
        1,
        SIGNING,
        ED25519,
    ):
        return None
    signer = pinned.get(doc["previous_key_id"]) if isinstance(doc["previous_key_id"], str) else None
    if signer is None or not isinstance(doc["public_key"], str):
        return None
    try:
        raw = base64.b64decode(doc["public_key"].encode("ascii"), validate=True)
        ed25519.Ed25519PublicKey.from_public_bytes(raw)
        signature = base64.b64decode(sig.encode("ascii"), validate=True)
        ed25519.Ed25519PublicKey.from_public_bytes(signer).verify(
            signature, KEY_UPDATE_PREFIX + canonical(doc)
        )
    except (binascii.Error, ValueError, UnicodeEncodeError, InvalidSignature):
        return None
    if doc["key_id"] != key_id(raw):
        return None
    return doc["key_id"], doc["public_key"]


def updates_of(doc: object) -> object:
    """The ``key_updates`` member of a receipt or a USB ``receipts.json`` (``None`` if absent)."""
    return doc.get("key_updates") if isinstance(doc, dict) else None


def signing_keys(s: Session) -> list[bytes]:
    """The active pinned receipt keys (raw), read inside the caller's transaction."""
    rows = s.execute(
        select(ReceiverKey.public_key).where(
            ReceiverKey.purpose == SIGNING, ReceiverKey.active.is_(True)
        )
    ).scalars()
    return [base64.b64decode(k) for k in rows]


def learn_now(store_write: Any, updates: object, now: datetime) -> list[str]:
    """``learn`` in a transaction of its own (``store_write``: the store's ``write`` method)."""
    if not isinstance(updates, list) or not updates:
        return []
    with store_write() as s:
        return learn(s, updates, now)


def learn(s: Session, updates: object, now: datetime) -> list[str]:
    """Pin the receipt keys of ``updates`` (a chain, oldest first) that verify, inside the
    caller's write transaction; the key ids newly pinned. Anything malformed or unsigned by a
    pinned key is ignored (and pins nothing); a key the station knows already, even one an
    administrator deactivated, is left as it is."""
    if not isinstance(updates, list) or not updates:
        return []
    rows = s.execute(select(ReceiverKey).where(ReceiverKey.purpose == SIGNING)).scalars().all()
    known = {r.key_id for r in rows}
    pinned = {r.key_id: base64.b64decode(r.public_key) for r in rows if r.active}
    learned: list[str] = []
    for update in updates[:MAX_CHAIN]:
        found = check(update, pinned)
        if found is None:
            continue
        new_id, public = found
        if new_id in known:
            continue  # pinned already (it signs on if active), or deactivated by an admin
        known.add(new_id)
        pinned[new_id] = base64.b64decode(public)
        s.add(
            ReceiverKey(
                key_id=new_id,
                purpose=SIGNING,
                algorithm=ED25519,
                public_key=public,
                added_at=iso(now),
                active=True,
            )
        )
        s.flush()
        previous = update["key_update"]["previous_key_id"]
        details = {"signed_by": previous, "purpose": SIGNING}
        audit.append(s, now, SYSTEM, "receiver_key.learned", new_id, details)
        learned.append(new_id)
    return learned
