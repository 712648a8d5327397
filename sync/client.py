"""The station's HTTP client for the receiver: signed requests, pinned TLS, kept-alive connections.

One ``httpx.Client`` per uploader, so a slow link does not pay a TCP and TLS handshake per chunk.
The receiver's certificate is pinned: the TLS context trusts that certificate and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from station.clock import parse_iso
from sync import diagnose, protocol

#: The slowest link a chunk's timeout allows for (8 kbit/s, a poor 2G connection).
MIN_LINK_BYTES_PER_S = 1000.0


#: Socket options: keep-alive probes on an idle connection (10 s, then every 5 s, 3 tries), and
#: the kernel gives a connection up when sent data stays unacknowledged for 25 s.
KEEPIDLE_S, KEEPINTVL_S, KEEPCNT = 10, 5, 3
USER_TIMEOUT_MS = 25_000


def socket_options() -> list[tuple[int, int, int]]:
    """The station's TCP options for connections to the receiver (Linux names where present)."""
    opts = [
        (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
        (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
    ]
    for name, value in (
        ("TCP_KEEPIDLE", KEEPIDLE_S),
        ("TCP_KEEPINTVL", KEEPINTVL_S),
        ("TCP_KEEPCNT", KEEPCNT),
        ("TCP_USER_TIMEOUT", USER_TIMEOUT_MS),
    ):
        if hasattr(socket, name):
            opts.append((socket.IPPROTO_TCP, getattr(socket, name), value))
    return opts


class ReceiverError(Exception):
    """The receiver answered with an error code (its JSON body names it)."""

    def __init__(self, status: int, code: str, vi: str, en: str, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {code}: {en}")
        self.status = status
        self.code = code
        self.vi = vi
        self.en = en
        self.body = body

    @property
    def held(self) -> bool:
        """The receiver cannot take the packet now (``"held": true``): offer it again later."""
        return bool(self.body.get("held")) and not self.body.get("refused")

    @property
    def permanent(self) -> bool:
        """The packet itself is refused: retrying the same bytes cannot succeed.

        The receiver says so with ``"refused": true``. Without either flag (a receiver of an
        earlier version), only codes that can never be lifted count: a missing key generation
        (``decrypt_failed`` there), a hash mismatch in transit or a station bug (``malformed``)
        are not final.
        """
        if "refused" in self.body or "held" in self.body:
            return bool(self.body.get("refused"))
        return self.code in {
            "too_large",
            "bad_signature",
            "bad_manifest",
            "wrong_station",
            "replayed",
            "truncated",
        }


def _error_of(response: httpx.Response) -> ReceiverError:
    try:
        doc = response.json()
    except (json.JSONDecodeError, ValueError):
        doc = {}
    if not isinstance(doc, dict):
        doc = {}
    return ReceiverError(
        response.status_code,
        str(doc.get("error", "http_error")),
        str(doc.get("vi", response.reason_phrase)),
        str(doc.get("en", response.reason_phrase)),
        doc,
    )


@dataclass(frozen=True)
class Created:
    offset: int
    receipt: dict[str, Any] | None


def pinned_context(cert_pem: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=cert_pem)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class ReceiverClient:
    def __init__(
        self,
        base_url: str,
        station_id: str,
        signing_key: bytes,
        tls_cert_pem: str | None = None,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        verify: ssl.SSLContext | bool = True
        if base_url.startswith("https://"):
            if not tls_cert_pem:
                raise ValueError("an https receiver needs its pinned certificate")
            verify = pinned_context(tls_cert_pem)
        self.station_id = station_id
        self.timeout_s = timeout_s
        self._key = signing_key
        self.base_url = base_url.rstrip("/")
        #: The pinned TLS context (None for a plain-HTTP receiver on loopback).
        self.ssl_context = verify if isinstance(verify, ssl.SSLContext) else None
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        #: Protocol version 2 opens its own connections (sync/streaming.py); a client given
        #: a transport of its own (a test double, a proxy) sends everything through it: v1.
        self.can_stream = transport is None
        if transport is None:
            # Keep-alive probes and a user timeout: a dead link is noticed (sync/streaming.py).
            transport = httpx.HTTPTransport(
                verify=verify, limits=limits, socket_options=socket_options()
            )
        self.http = httpx.Client(
            base_url=self.base_url,
            verify=verify,
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            limits=limits,
            transport=transport,
        )

    @property
    def signing_key(self) -> bytes:
        return self._key

    def close(self) -> None:
        self.http.close()

    def _headers(
        self, method: str, path: str, body: bytes, offset: str | None = None
    ) -> dict[str, str]:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        doc = protocol.request_doc(method, path, now, body, offset)
        return {
            protocol.H_STATION: self.station_id,
            protocol.H_TIMESTAMP: now,
            protocol.H_SIGNATURE: protocol.sign(self._key, protocol.REQUEST_PREFIX, doc),
            protocol.H_TUS: protocol.TUS_VERSION,
        }

    def _send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        full = protocol.API + path
        extra = headers or {}
        h = self._headers(
            method, full, body, extra.get(protocol.H_OFFSET) if method == "PATCH" else None
        )
        h.update(extra)
        kwargs: dict[str, Any] = {"content": body or None, "headers": h}
        if timeout is not None:
            kwargs["timeout"] = timeout
        response = self.http.request(method, full, **kwargs)
        if response.status_code >= 400:
            raise _error_of(response)
        return response

    def health(self, timeout_s: float = 10.0) -> bool:
        """A short check that the receiver answers at all."""
        cause, _ = self.probe(timeout_s)
        return cause is None or cause.kind not in (diagnose.UNREACHABLE, diagnose.TLS)

    def probe(self, timeout_s: float = 10.0) -> tuple[diagnose.Cause | None, list[diagnose.Cause]]:
        """Can the receiver be reached? (None, warnings) or (the named cause, warnings); a
        clock far from the receiver's is a warning."""
        try:
            r = self._send("GET", "/health", timeout=timeout_s)
        except httpx.HTTPError as exc:
            return diagnose.cause_of(exc, str(self.http.base_url)), []
        except ReceiverError as err:
            kind = diagnose.SERVER if err.status >= 500 else diagnose.REQUEST_REFUSED
            return diagnose.Cause(err.code, err.vi, err.en, kind), []
        warnings: list[diagnose.Cause] = []
        try:
            theirs = parse_iso(str(r.json()["time"]))
        except (ValueError, KeyError, TypeError):
            theirs = None
        if theirs is not None:
            warning = diagnose.clock_cause(theirs, datetime.now(UTC))
            if warning is not None:
                warnings.append(warning)
        return None, warnings

    def create(
        self, packet_id: str, length: int, sha256: str, *, judge_again: bool = False
    ) -> Created:
        doc: dict[str, Any] = {"packet_id": packet_id, "length": length, "sha256": sha256}
        if judge_again:
            doc["judge_again"] = True  # an admin resends a refused packet
        body = json.dumps(doc).encode()
        r = self._send("POST", "/uploads", body, {"Content-Type": "application/json"})
        doc = r.json()
        if r.status_code == 200 and "receipt" in doc:
            return Created(length, doc)
        return Created(int(doc.get("offset", 0)), None)

    def offset(self, packet_id: str) -> int:
        r = self._send("HEAD", f"/uploads/{packet_id}")
        return int(r.headers[protocol.H_OFFSET])

    def patch(self, packet_id: str, offset: int, chunk: bytes) -> tuple[int, dict[str, Any] | None]:
        """Send one chunk at ``offset``; the new offset, and the receipt after the last chunk."""
        headers = {
            protocol.H_OFFSET: str(offset),
            "Content-Type": "application/offset+octet-stream",
            protocol.H_CHECKSUM: "sha256 "
            + base64.b64encode(hashlib.sha256(chunk).digest()).decode(),
        }
        # The chunk sits in the kernel's send buffer at once, so the read timeout starts before
        # it has crossed the link: allow for the slowest link we serve (8 kbit/s) on top.
        timeout = self.timeout_s + len(chunk) / MIN_LINK_BYTES_PER_S
        r = self._send("PATCH", f"/uploads/{packet_id}", chunk, headers, timeout=timeout)
        new = int(r.headers.get(protocol.H_OFFSET, offset + len(chunk)))
        if r.status_code == 200 and r.content:
            doc = r.json()
            if isinstance(doc, dict) and "receipt" in doc:
                return new, doc
        return new, None

    def receipt(self, packet_id: str) -> dict[str, Any] | None:
        try:
            r = self._send("GET", f"/receipts/{packet_id}")
        except ReceiverError as err:
            if err.status == 404:
                return None
            raise
        doc = r.json()
        return doc if isinstance(doc, dict) else None

    def status_since(self, after: int, limit: int = protocol.STATUS_PAGE) -> dict[str, Any]:
        """``POST /v2/status``: status changes after the cursor ``after``, one page."""
        body = json.dumps({"after": after, "limit": limit}).encode()
        r = self.http.request(
            "POST",
            protocol.API_V2 + "/status",
            content=body,
            headers={
                **self._headers("POST", protocol.API_V2 + "/status", body),
                "Content-Type": "application/json",
            },
        )
        if r.status_code >= 400:
            raise _error_of(r)
        doc = r.json()
        changes, cursor, more = doc.get("changes"), doc.get("cursor"), doc.get("more")
        if not isinstance(changes, list) or type(cursor) is not int or not isinstance(more, bool):
            raise ReceiverError(
                r.status_code,
                "bad_answer",
                "Máy chủ nhận trả lời trạng thái sai định dạng.",
                "The receiver's status answer is malformed.",
                {},
            )
        return {
            "changes": [c for c in changes if isinstance(c, dict)],
            "cursor": cursor,
            "more": more,
        }

    def status(self, packet_ids: list[str]) -> dict[str, Any]:
        body = json.dumps({"packet_ids": packet_ids}).encode()
        r = self._send("POST", "/status", body, {"Content-Type": "application/json"})
        doc = r.json().get("statuses", {})
        return doc if isinstance(doc, dict) else {}
