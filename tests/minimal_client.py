"""A minimal station client written only from the text of ``docs/sync.md``.

It imports nothing of ``sync/`` (nor of ``station/``): what it signs, sends and checks is what
the document says, so ``tests/sync/test_minimal_client.py`` fails whenever the document and the
code part. Standard library, ``httpx`` and ``cryptography`` only.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

REQUEST_PREFIX = b"intake-station/request/v1\x00"
RECEIPT_PREFIX = b"intake-station/receipt/v1\x00"
CHUNK = 64 * 1024


def canonical_json(value: Any) -> bytes:
    """docs/packet.md, "Canonical JSON": keys sorted, no insignificant whitespace, UTF-8,
    non-ASCII unescaped."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class MinimalClient:
    def __init__(self, base_url: str, station_id: str, private_key: bytes) -> None:
        self.station_id = station_id
        self.key = ed25519.Ed25519PrivateKey.from_private_bytes(private_key)
        self.http = httpx.Client(base_url=base_url, trust_env=False, timeout=30)

    def close(self) -> None:
        self.http.close()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """A signed request ("Signed requests"): method, path, time, body_sha256 and, for a
        PATCH only, upload_offset (the header, as a string)."""
        extra = dict(headers or {})
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        doc: dict[str, Any] = {
            "method": method.upper(),
            "path": path,
            "time": now,
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
        if method.upper() == "PATCH":
            doc["upload_offset"] = extra["Upload-Offset"]
        signature = self.key.sign(REQUEST_PREFIX + canonical_json(doc))
        signed = {
            "X-Station-Id": self.station_id,
            "X-Station-Time": now,
            "X-Station-Signature": base64.b64encode(signature).decode(),
            "Tus-Resumable": "1.0.0",
        }
        return self.http.request(method, path, content=body, headers={**signed, **extra})

    def post_json(self, path: str, doc: dict[str, Any]) -> httpx.Response:
        return self.request(
            "POST", path, json.dumps(doc).encode(), {"Content-Type": "application/json"}
        )

    def upload(self, packet_id: str, data: bytes) -> dict[str, Any]:
        """ "The station's algorithm": announce, send chunks from the receiver's offset, end with
        the receipt (or the error body)."""
        sha = hashlib.sha256(data).hexdigest()
        r = self.post_json(
            "/v1/uploads", {"packet_id": packet_id, "length": len(data), "sha256": sha}
        )
        while True:
            if r.status_code == 200:
                doc: dict[str, Any] = r.json()
                return doc
            if r.status_code in (201, 204):
                offset = int(r.headers["Upload-Offset"])
            elif r.status_code == 409 and r.json().get("error") == "offset_mismatch":
                offset = int(r.json()["offset"])
            else:
                failed: dict[str, Any] = r.json()
                return failed
            if offset >= len(data):
                r = self.post_json(
                    "/v1/uploads", {"packet_id": packet_id, "length": len(data), "sha256": sha}
                )
                continue
            chunk = data[offset : offset + CHUNK]
            r = self.request(
                "PATCH",
                f"/v1/uploads/{packet_id}",
                chunk,
                {
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Offset": str(offset),
                    "Upload-Checksum": "sha256 "
                    + base64.b64encode(hashlib.sha256(chunk).digest()).decode(),
                },
            )

    def stream_upload(
        self, packets: list[tuple[str, bytes]], frame: int = 16 * 1024
    ) -> list[dict[str, Any]]:
        """ "Protocol version 2": every packet from offset 0 in one ``POST /v2/stream`` of signed
        frames (sent whole here: a real station reads the answer while it sends); the answer's
        lines."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        doc = {
            "method": "POST",
            "path": "/v2/stream",
            "time": now,
            "stream": "intake-station/frames/v2",
        }
        body = bytearray()
        for packet_id, data in packets:
            sha = hashlib.sha256(data).digest()
            for offset in range(0, len(data), frame):
                payload = data[offset : offset + frame]
                header = (
                    b"F2"
                    + b"\x00"
                    + bytes.fromhex(packet_id)
                    + len(data).to_bytes(8, "big")
                    + sha
                    + offset.to_bytes(8, "big")
                    + len(payload).to_bytes(4, "big")
                )
                signed = b"intake-station/frame/v2\x00" + self.station_id.encode() + b"\x00"
                body += header + payload + self.key.sign(signed + header + payload)
        r = self.http.post(
            "/v2/stream",
            content=bytes(body),
            headers={
                "X-Station-Id": self.station_id,
                "X-Station-Time": now,
                "X-Station-Signature": base64.b64encode(
                    self.key.sign(REQUEST_PREFIX + canonical_json(doc))
                ).decode(),
                "Content-Type": "application/x-intake-frames",
            },
        )
        r.raise_for_status()
        return [json.loads(line) for line in r.text.splitlines() if line.strip()]

    def status_since(self, after: int, limit: int = 500) -> dict[str, Any]:
        """``POST /v2/status``."""
        r = self.post_json("/v2/status", {"after": after, "limit": limit})
        r.raise_for_status()
        doc: dict[str, Any] = r.json()
        return doc


def verify_receipt(
    answer: dict[str, Any], receiver_public: bytes, packet_id: str, sha256: str, station_id: str
) -> bool:
    """ "Receipts": Ed25519 over the prefix and the canonical JSON of ``receipt``, naming exactly
    this packet."""
    receipt, signature = answer.get("receipt"), answer.get("signature")
    if not isinstance(receipt, dict) or not isinstance(signature, str):
        return False
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(receiver_public).verify(
            base64.b64decode(signature), RECEIPT_PREFIX + canonical_json(receipt)
        )
    except InvalidSignature:
        return False
    return (
        receipt.get("format") == "intake-station/receipt"
        and receipt.get("packet_id") == packet_id
        and receipt.get("sha256") == sha256
        and receipt.get("station_id") == station_id
        and receipt.get("status") in ("accepted", "duplicate")
    )
