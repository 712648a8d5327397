"""The receiver's private keys: HPKE decryption keys (one per generation) and the receipt key.

A key set file is what ``station.provisioning.generate_receiver_keyset`` writes as
``receiver-keys.json``::

    {"format": "intake-station/receiver-keys", "version": 1,
     "encryption": {"algorithm": "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM", "private_key": b64},
     "signing": {"algorithm": "Ed25519", "private_key": b64 of the 32 raw bytes}}

Several files may be loaded: the first is the current generation (its signing key signs the
receipts); the others are older generations whose encryption keys still open packets sealed to
them (a USB drive may sit in a drawer for months). A packet names its key by ``key_id``.

Receipt-key rotation: give the files current first, then older generations **newest first**.
Each older generation's receipt key signs a key update naming the next newer one
(``station.keyupdate.chain``); the chain travels with every receipt, so a station that pins only
an old generation learns the new key from a signature it can check.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from station import crypto, keyupdate, packet
from station.provisioning import ED25519, RECEIVER_KEYS_FORMAT
from sync.receiver.errors import ReceiverError

MAX_KEY_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class ReceiverKeys:
    signing_key: bytes
    decryption: dict[str, crypto.HpkePrivateKey]
    #: key_id of the current generation (the first file).
    current_key_id: str
    #: Receipt-key updates, oldest first: each older generation signs the next newer one's
    #: receipt key (``station.keyupdate``). Sent with every receipt and USB receipts list.
    key_updates: tuple[dict[str, Any], ...] = field(default=())

    @property
    def signing_public(self) -> bytes:
        return crypto.ed25519_public(self.signing_key)

    def for_key_id(self, key_id: str) -> crypto.HpkePrivateKey | None:
        return self.decryption.get(key_id)


def _bad(path: Path, why: str) -> ReceiverError:
    return ReceiverError(
        "bad_keys",
        f"Tệp khóa của máy nhận {path}: không đọc được hoặc sai định dạng ({why}).",
        f"Receiver key file {path}: unreadable or malformed ({why}).",
        status=500,
    )


def _load_one(path: Path) -> tuple[bytes, crypto.HpkePrivateKey]:
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_KEY_FILE_BYTES:
            raise ValueError("file too large")
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        if doc.get("format") != RECEIVER_KEYS_FORMAT or doc.get("version") != 1:
            raise ValueError("not a receiver key set, version 1")
        enc, sig = doc["encryption"], doc["signing"]
        if enc["algorithm"] != crypto.HPKE_SUITE_ID:
            raise ValueError(f"unsupported encryption algorithm {enc['algorithm']!r}")
        if sig["algorithm"] != ED25519:
            raise ValueError(f"unsupported signing algorithm {sig['algorithm']!r}")
        hpke_key = crypto.HpkePrivateKey.decode(enc["private_key"])
        hpke_key.public_key()  # refuses a malformed key now
        signing = crypto.b64d(sig["private_key"])
        crypto.ed25519_public(signing)  # refuses a malformed key now
        if len(signing) != 32:
            raise ValueError("the signing key must be 32 raw bytes")
    except OSError as exc:
        raise _bad(path, exc.strerror or str(exc)) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise _bad(path, str(exc)) from exc
    return signing, hpke_key


def load_keys(paths: Sequence[Path]) -> ReceiverKeys:
    """Load key set files, the current generation first."""
    if not paths:
        raise ReceiverError(
            "bad_keys",
            "Cần ít nhất một tệp khóa của máy nhận.",
            "At least one receiver key file is needed.",
            status=500,
        )
    signing: bytes | None = None
    decryption: dict[str, crypto.HpkePrivateKey] = {}
    generations: list[bytes] = []
    current = ""
    for path in paths:
        sign_key, hpke_key = _load_one(path)
        key_id = packet.hpke_key_id(hpke_key.public_key())
        if signing is None:
            signing, current = sign_key, key_id
        decryption.setdefault(key_id, hpke_key)
        generations.append(sign_key)
    assert signing is not None
    return ReceiverKeys(signing, decryption, current, tuple(keyupdate.chain(generations)))
