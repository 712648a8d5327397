"""The station-receiver protocol: shared names, signed requests and signed receipts.

Specified in ``docs/sync.md``. Both ends import this module so that what is signed and how is
written once. Signatures are Ed25519 over a domain-separated byte string:
``b"intake-station/<purpose>/v1\\0" + canonical JSON``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from station import receipts
from station.packet import MAX_PACKET_BYTES, canonical
from station.receipts import RECEIPT_FORMAT, RECEIPT_PREFIX

API = "/v1"
#: Version 2 of the status pull (by cursor); everything else stays under ``API``.
API_V2 = "/v2"
#: Most status changes a station asks for at once (``POST /v2/status``).
STATUS_PAGE = 500
TUS_VERSION = "1.0.0"
#: Chunk size for uploads: large enough that a slow link is not dominated by round trips,
#: small enough that a cut costs little. A cut costs at most the chunk in flight.
DEFAULT_CHUNK = 64 * 1024
MAX_CHUNK = 1024 * 1024
MAX_PACKET = MAX_PACKET_BYTES
REQUEST_PREFIX = b"intake-station/request/v1\x00"
USB_MANIFEST_PREFIX = b"intake-station/usb-export/v1\x00"
USB_RECEIPTS_PREFIX = b"intake-station/usb-receipts/v1\x00"

# Headers
H_STATION = "X-Station-Id"
H_SIGNATURE = "X-Station-Signature"
H_TIMESTAMP = "X-Station-Time"
H_OFFSET = "Upload-Offset"
H_LENGTH = "Upload-Length"
H_CHECKSUM = "Upload-Checksum"
H_TUS = "Tus-Resumable"

#: Error codes the receiver answers with (JSON body {"error", "vi", "en"}).
ERRORS = {
    "unknown_station": 403,
    "bad_request_signature": 401,
    "malformed": 400,
    "too_large": 413,
    "offset_mismatch": 409,
    "checksum_mismatch": 460,
    "bad_signature": 422,
    "decrypt_failed": 422,
    "hash_mismatch": 422,
    "bad_manifest": 422,
    "wrong_station": 422,
    "replayed": 409,
    "not_found": 404,
    "unsupported_version": 422,
    "truncated": 422,
    "request_timeout": 408,
    "busy": 429,
    # Protocol version 2: a newer stream of the same station ended this one.
    "superseded": 409,
    "internal_error": 500,
    # Held: "not now", never final (503 with "held": true).
    "key_not_loaded": 503,
    "dossier_under_review": 503,
    "storage_unavailable": 503,
    "duplicate_citizen": 503,
    # Final: an ID number of the manifest is not ASCII digits of the right length.
    "bad_id_number": 422,
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def sign(private_raw: bytes, prefix: bytes, doc: dict[str, Any]) -> str:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(private_raw)
    return b64(key.sign(prefix + canonical(doc)))


def verify(public_raw: bytes, prefix: bytes, doc: dict[str, Any], signature: str) -> bool:
    try:
        key = ed25519.Ed25519PublicKey.from_public_bytes(public_raw)
        key.verify(unb64(signature), prefix + canonical(doc))
    except (InvalidSignature, ValueError):
        return False
    return True


def request_doc(
    method: str,
    path: str,
    timestamp: str,
    body: bytes,
    upload_offset: str | None = None,
    *,
    body_sha256: str | None = None,
) -> dict[str, Any]:
    """What a station signs for each request: method, path, time, the body's hash and, for a
    PATCH, the ``Upload-Offset`` (so a captured chunk cannot be replayed at another offset).

    ``body_sha256``: the body's SHA-256 (hex) when the caller has it already."""
    doc: dict[str, Any] = {
        "method": method.upper(),
        "path": path,
        "time": timestamp,
        "body_sha256": body_sha256 or hashlib.sha256(body).hexdigest(),
    }
    if upload_offset is not None:
        doc["upload_offset"] = upload_offset
    return doc


@dataclass(frozen=True)
class Receipt:
    """The receiver's signed word that it holds a packet (``status`` accepted or duplicate)."""

    doc: dict[str, Any]
    signature: str
    #: The receiver's receipt-key updates, oldest first (``station.keyupdate``); empty until
    #: its receipt key is first rotated.
    key_updates: tuple[dict[str, Any], ...] = field(default=())

    @property
    def packet_id(self) -> str:
        return str(self.doc["packet_id"])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"receipt": self.doc, "signature": self.signature}
        if self.key_updates:
            out["key_updates"] = list(self.key_updates)
        return out

    @classmethod
    def from_json(cls, value: Any) -> Receipt:
        if not isinstance(value, dict) or not isinstance(value.get("receipt"), dict):
            raise ValueError("not a receipt")
        sig = value.get("signature")
        if not isinstance(sig, str):
            raise ValueError("receipt without signature")
        updates = value.get("key_updates", [])
        if not isinstance(updates, list) or not all(isinstance(u, dict) for u in updates):
            raise ValueError("malformed key updates")
        return cls(value["receipt"], sig, tuple(updates))

    def verify(self, receiver_public: bytes, packet_id: str, sha256: str, station_id: str) -> bool:
        """True when signed by the pinned receiver key and about exactly this packet."""
        return receipts.verify(self.to_json(), [receiver_public], packet_id, sha256, station_id)


def make_receipt(
    signing_key: bytes,
    *,
    packet_id: str,
    sha256: str,
    station_id: str,
    dossier_id: str,
    number: str,
    received_at: str,
    status: str,
    key_updates: Sequence[dict[str, Any]] = (),
) -> Receipt:
    doc = {
        "format": RECEIPT_FORMAT,
        "version": 1,
        "packet_id": packet_id,
        "sha256": sha256,
        "station_id": station_id,
        "dossier_id": dossier_id,
        "number": number,
        "received_at": received_at,
        "status": status,
    }
    return Receipt(doc, sign(signing_key, RECEIPT_PREFIX, doc), tuple(key_updates))
