"""The receiver's HTTP API (``docs/sync.md``): a Starlette ASGI application.

Every request but ``GET /v1/health`` and ``OPTIONS /v1/uploads`` is signed by a registered
station. Bodies are read in full (bounded, with a time limit) before anything is written or any
transaction begins; the database work and the packet's cryptography run in the thread pool
(except a non-final chunk's one statement on PostgreSQL, issued from the event loop on
connections of its own: ``loopdb.py``), so a slow or dead connection only ever holds its own
coroutine. ``PATCH /v1/uploads/{id}``, one request per chunk, is answered without Starlette's
routing (``ReceiverStarlette``), with the same checks and answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from station import packet
from station.clock import iso
from sync import protocol
from sync.frames import STREAM_PATH
from sync.receiver.core import PACKET_ID_RE, Accepted, Receiver, UploadState, check_packet_id
from sync.receiver.errors import (
    ReceiverError,
    bad_request_signature,
    malformed,
    unknown_station,
)
from sync.receiver.limits import StationBodies, body_deadline
from sync.receiver.stream import StreamEndpoint

log = logging.getLogger("sync.receiver.http")

T = TypeVar("T")

#: Largest JSON body (``POST /v1/uploads``, ``POST /v1/status`` with 1000 ids).
MAX_JSON_BODY = 128 * 1024
#: Time allowed to receive one request body: a 1 MiB chunk at 8 kB/s takes about two minutes.
DEFAULT_BODY_TIMEOUT_S = 300.0
#: Beyond this, a station's clock is reported as wrong in the log (requests are not refused).
CLOCK_WARNING_S = 24 * 3600
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
TUS_EXTENSIONS = "creation,checksum"
_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
_DIGITS_RE = re.compile(r"[0-9]{1,17}")

TUS_HEADERS = {protocol.H_TUS: protocol.TUS_VERSION}


def _station_time(text: str) -> datetime | None:
    if not _TIME_RE.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)  # checked by _TIME_RE
    except ValueError:
        return None


def _strict_json(raw: bytes) -> Any:
    """The packet format's strict JSON (UTF-8, no duplicate keys, no NaN), as a 400 otherwise."""
    try:
        return packet.strict_loads(raw)
    except ValueError as exc:
        raise malformed(
            "thân yêu cầu không phải JSON hợp lệ", "the body is not valid JSON"
        ) from exc


def _json_object(raw: bytes) -> dict[str, Any]:
    doc = _strict_json(raw)
    if not isinstance(doc, dict):
        raise malformed("thân yêu cầu phải là đối tượng JSON", "the body must be a JSON object")
    return doc


def _incomplete_body(vi: str, en: str) -> ReceiverError:
    """A body that did not arrive: worth retrying (not ``malformed``, which a station takes as
    final). Not in ``protocol.ERRORS``: see docs/sync.md, "Errors"."""
    return ReceiverError(
        "request_timeout",
        f"Thân yêu cầu {vi}; hãy gửi lại.",
        f"The request body {en}; send it again.",
        status=408,
    )


def error_response(err: ReceiverError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, headers={**TUS_HEADERS, **err.headers})


def receipt_response(accepted: Accepted, length: int) -> JSONResponse:
    return JSONResponse(
        accepted.receipt.to_json(),
        status_code=200,
        headers={**TUS_HEADERS, protocol.H_OFFSET: str(length), "Cache-Control": "no-store"},
    )


class ReceiverApp:
    """The endpoints, bound to one ``Receiver``."""

    def __init__(self, receiver: Receiver, *, body_timeout: float = DEFAULT_BODY_TIMEOUT_S) -> None:
        self.receiver = receiver
        self.body_timeout = body_timeout
        self._limiter: anyio.CapacityLimiter | None = None
        self._bodies = StationBodies()
        self._writer = receiver.store.loop_statements()

    async def _run(self, func: Callable[..., T], *args: Any) -> T:
        """Run blocking work (database, cryptography) on a worker thread: at most as many at
        once as the store keeps connections, so no thread ever waits for a connection."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.receiver.store.pool_size)
        return await anyio.to_thread.run_sync(func, *args, limiter=self._limiter)

    # --- request plumbing -------------------------------------------------------------------

    async def _read_body(
        self, declared: str | None, pieces: AsyncIterator[bytes], limit: int
    ) -> bytes:
        """The body (``declared``: its Content-Length header), bounded and timed."""
        if declared is not None:
            if not _DIGITS_RE.fullmatch(declared.strip()):
                raise malformed("Content-Length không hợp lệ", "invalid Content-Length")
            if int(declared) > limit:
                raise self._body_too_large(limit)
        buf = bytearray()
        length = int(declared) if declared is not None else limit
        try:
            # asyncio's own timeout: a third of anyio.fail_after's cost, paid on every request
            # (uvicorn runs the app on asyncio).
            async with asyncio.timeout(body_deadline(length, self.body_timeout)):
                async for piece in pieces:
                    buf += piece
                    if len(buf) > limit:
                        raise self._body_too_large(limit)
        except TimeoutError as exc:
            raise _incomplete_body("không đến kịp thời hạn", "did not arrive in time") from exc
        except ClientDisconnect as exc:  # nobody will read the answer
            raise _incomplete_body("bị ngắt giữa chừng", "was cut") from exc
        return bytes(buf)

    @staticmethod
    def _body_too_large(limit: int) -> ReceiverError:
        return ReceiverError(
            "too_large",
            f"Thân yêu cầu quá lớn (tối đa {limit:,} byte).",
            f"The request body is too large (at most {limit:,} bytes).",
        )

    async def _authenticate(self, request: Request, limit: int) -> tuple[str, bytes]:
        """(station id, body) of a request signed by an active registered station."""
        station_id, body, digest = await self._signed_body(
            request.method, request.url.path, request.headers.get, request.stream(), limit
        )
        request.state.body_sha256 = digest  # the chunk checksum compares with it
        return station_id, body

    async def _signed_body(
        self,
        method: str,
        path: str,
        header: Callable[[str], str | None],
        pieces: AsyncIterator[bytes],
        limit: int,
    ) -> tuple[str, bytes, bytes]:
        """(station id, body, the body's SHA-256) of a request signed by an active registered
        station; ``header(name)`` reads a request header (case-insensitive; None when absent)."""
        station_id = header(protocol.H_STATION) or ""
        if not station_id:
            raise unknown_station("")
        public = self.receiver.cached_station_key(station_id)
        if public is None:  # at most every STATION_CACHE_S per station: a thread hop
            public = await self._run(self.receiver.station_key, station_id)
        with self._bodies.slot(station_id) if limit else contextlib.nullcontext():
            body = await self._read_body(header("content-length"), pieces, limit)
        stamp = header(protocol.H_TIMESTAMP) or ""
        signature = header(protocol.H_SIGNATURE) or ""
        if not stamp or not signature:
            raise bad_request_signature(
                f"thiếu {protocol.H_TIMESTAMP} hoặc {protocol.H_SIGNATURE}",
                f"{protocol.H_TIMESTAMP} or {protocol.H_SIGNATURE} is missing",
            )
        when = _station_time(stamp)
        if when is None:
            raise bad_request_signature(
                f"{protocol.H_TIMESTAMP} không đúng dạng thời gian UTC ISO 8601",
                f"{protocol.H_TIMESTAMP} is not an ISO 8601 UTC time",
            )
        offset = header(protocol.H_OFFSET) if method == "PATCH" else None
        digest = hashlib.sha256(body).digest()
        doc = protocol.request_doc(method, path, stamp, body, offset, body_sha256=digest.hex())
        if not protocol.verify(public, protocol.REQUEST_PREFIX, doc, signature):
            raise bad_request_signature(
                "chữ ký không khớp với khóa đã đăng ký của trạm",
                "the signature does not match the station's registered key",
            )
        skew = (when - datetime.now(UTC)).total_seconds()
        if abs(skew) > CLOCK_WARNING_S:
            # Not a refusal: stations run offline for weeks and their clocks drift or get reset.
            log.warning("station %s clock is off by %.0f h", station_id, skew / 3600)
        return station_id, body, digest

    @classmethod
    def _check_tus(cls, request: Request) -> None:
        cls._check_tus_version(request.headers.get(protocol.H_TUS))

    @staticmethod
    def _check_tus_version(version: str | None) -> None:
        if version is not None and version != protocol.TUS_VERSION:
            raise ReceiverError(
                "unsupported_version",
                f"Phiên bản tus «{version[:20]}» không được hỗ trợ (chỉ {protocol.TUS_VERSION}).",
                f"tus version '{version[:20]}' is not supported (only {protocol.TUS_VERSION}).",
                headers={"Tus-Version": protocol.TUS_VERSION},
            )

    # --- endpoints --------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return JSONResponse(
            {"ok": True, "time": iso(datetime.now(UTC))}, headers={"Cache-Control": "no-store"}
        )

    async def options(self, request: Request) -> Response:
        return Response(
            status_code=204,
            headers={
                **TUS_HEADERS,
                "Tus-Version": protocol.TUS_VERSION,
                "Tus-Extension": TUS_EXTENSIONS,
                "Tus-Max-Size": str(protocol.MAX_PACKET),
                "Tus-Checksum-Algorithm": "sha256",
            },
        )

    async def create_upload(self, request: Request) -> Response:
        self._check_tus(request)
        station_id, body = await self._authenticate(request, MAX_JSON_BODY)
        doc = _json_object(body)
        for name in ("packet_id", "length", "sha256"):
            if name not in doc:
                raise malformed(f"thiếu «{name}»", f"'{name}' is missing")
        packet_id = check_packet_id(doc["packet_id"])
        judge_again = doc.get("judge_again") is True
        result: UploadState | Accepted | None = None
        if self._writer is not None:
            # PostgreSQL: the common cases (a new upload, a resume) in one statement on the
            # event loop (loopdb.py); a thread only when begin_upload must decide.
            length = self.receiver.check_announcement(packet_id, doc["length"], doc["sha256"])
            now = self.receiver.now()
            fast = await self._writer.open_upload(
                station_id, packet_id, length, doc["sha256"], now, judge_again
            )
            result = self.receiver.opened(packet_id, length, doc["sha256"], fast)
        if result is None:
            result = await self._run(
                functools.partial(self.receiver.begin_upload, judge_again=judge_again),
                station_id,
                packet_id,
                doc["length"],
                doc["sha256"],
            )
        if isinstance(result, Accepted):
            return receipt_response(result, doc["length"])
        url = f"{protocol.API}/uploads/{result.packet_id}"
        return JSONResponse(
            {"offset": result.offset, "length": result.length, "upload_url": url},
            status_code=201,
            headers={
                **TUS_HEADERS,
                "Location": url,
                protocol.H_OFFSET: str(result.offset),
                protocol.H_LENGTH: str(result.length),
            },
        )

    async def head_upload(self, request: Request) -> Response:
        self._check_tus(request)
        station_id, _ = await self._authenticate(request, 0)
        state: UploadState = await self._run(
            self.receiver.upload_state, station_id, request.path_params["packet_id"]
        )
        return Response(
            status_code=200,
            headers={
                **TUS_HEADERS,
                protocol.H_OFFSET: str(state.offset),
                protocol.H_LENGTH: str(state.length),
                "Cache-Control": "no-store",
            },
        )

    async def patch_upload(self, request: Request) -> Response:
        self._check_tus(request)
        station_id, chunk = await self._authenticate(request, protocol.MAX_CHUNK)
        return await self._patch(
            station_id,
            request.path_params["packet_id"],
            request.headers.get,
            chunk,
            request.state.body_sha256,
        )

    async def fast_patch(self, scope: Scope, receive: Receive, send: Send, packet_id: str) -> None:
        """``PATCH /v1/uploads/{packet_id}`` as plain ASGI, without Starlette's request object,
        routing and middleware: the commonest request by far (one per chunk), answered as
        ``patch_upload`` answers it (same checks in the same order, same errors and headers).
        ``ReceiverStarlette`` sends it here for well-formed packet ids; anything else takes the
        route."""
        raw: dict[bytes, bytes] = {}
        for name, value in reversed(scope["headers"]):  # the first of repeated headers wins
            raw[name] = value

        def header(name: str) -> str | None:
            value = raw.get(name.lower().encode("latin-1"))
            return None if value is None else value.decode("latin-1")

        response: Response
        try:
            self._check_tus_version(header(protocol.H_TUS))
            station_id, chunk, digest = await self._signed_body(
                "PATCH", scope["path"], header, _body_pieces(receive), protocol.MAX_CHUNK
            )
            response = await self._patch(station_id, packet_id, header, chunk, digest)
        except ReceiverError as err:
            response = error_response(err)
        except Exception:
            response = _crash_response(scope["method"], scope["path"])
        await response(scope, receive, send)

    async def _patch(
        self,
        station_id: str,
        packet_id: str,
        header: Callable[[str], str | None],
        chunk: bytes,
        digest: bytes,
    ) -> Response:
        """The checks of an authenticated ``PATCH`` and its write: the answer."""
        content_type = (header("content-type") or "").split(";")[0].strip().lower()
        if content_type != OFFSET_CONTENT_TYPE:
            raise malformed(
                f"Content-Type phải là {OFFSET_CONTENT_TYPE}",
                f"Content-Type must be {OFFSET_CONTENT_TYPE}",
            )
        offset_text = header(protocol.H_OFFSET) or ""
        if not _DIGITS_RE.fullmatch(offset_text):
            raise malformed(
                f"{protocol.H_OFFSET} phải là số nguyên không âm",
                f"{protocol.H_OFFSET} must be a non-negative integer",
            )
        self._check_digest(header(protocol.H_CHECKSUM) or "", digest)
        offset = int(offset_text)
        result: UploadState | Accepted
        if self._writer is None or not PACKET_ID_RE.fullmatch(packet_id):
            result = await self._run(
                self.receiver.write_chunk, station_id, packet_id, offset, chunk
            )
        else:
            # PostgreSQL: the chunk's statement on the event loop (loopdb.py); a thread only
            # when it did not simply store the chunk (completion, mismatch, no upload).
            now = self.receiver.now()
            wrote = await self._writer.append_chunk(station_id, packet_id, offset, chunk, now)
            if wrote is not None and wrote.moved:
                result = UploadState(packet_id, wrote.length, offset + len(chunk))
            else:
                result = await self._run(
                    self.receiver.chunk_written, station_id, packet_id, offset, chunk, wrote
                )
        if isinstance(result, Accepted):
            return receipt_response(result, offset + len(chunk))
        return Response(
            status_code=204, headers={**TUS_HEADERS, protocol.H_OFFSET: str(result.offset)}
        )

    @staticmethod
    def _check_digest(header: str, digest: bytes) -> None:
        """``Upload-Checksum`` against the chunk's SHA-256 ``digest``."""
        algorithm, _, value = header.strip().partition(" ")
        if algorithm.lower() != "sha256" or not value:
            raise malformed(
                f"{protocol.H_CHECKSUM} phải có dạng «sha256 <base64>»",
                f"{protocol.H_CHECKSUM} must be 'sha256 <base64>'",
            )
        try:
            expected = protocol.unb64(value.strip())
        except ValueError as exc:
            raise malformed(
                f"{protocol.H_CHECKSUM}: base64 không hợp lệ",
                f"{protocol.H_CHECKSUM}: invalid base64",
            ) from exc
        if digest != expected:
            raise ReceiverError(
                "checksum_mismatch",
                "Mã kiểm tra của đoạn dữ liệu không khớp; đoạn này không được ghi, hãy gửi lại.",
                "The chunk checksum does not match; nothing was written, send it again.",
                headers=TUS_HEADERS,
            )

    async def get_receipt(self, request: Request) -> Response:
        station_id, _ = await self._authenticate(request, 0)
        receipt = await self._run(
            self.receiver.receipt, station_id, request.path_params["packet_id"]
        )
        return JSONResponse(receipt.to_json(), headers={"Cache-Control": "no-store"})

    async def status(self, request: Request) -> Response:
        station_id, body = await self._authenticate(request, MAX_JSON_BODY)
        doc = _json_object(body)
        statuses = await self._run(self.receiver.statuses, station_id, doc.get("packet_ids"))
        return JSONResponse({"statuses": statuses}, headers={"Cache-Control": "no-store"})

    async def status_v2(self, request: Request) -> Response:
        """Status changes after the station's cursor, a bounded page at a time."""
        station_id, body = await self._authenticate(request, MAX_JSON_BODY)
        doc = _json_object(body)
        page = await self._run(
            self.receiver.status_changes, station_id, doc.get("after"), doc.get("limit")
        )
        return JSONResponse(page, headers={"Cache-Control": "no-store"})


# --- errors -------------------------------------------------------------------------------------


async def _on_receiver_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ReceiverError)
    return error_response(exc)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        err = ReceiverError("not_found", "Không tìm thấy.", "Not found.")
    else:
        err = ReceiverError(
            "malformed",
            f"Yêu cầu sai ({exc.status_code}).",
            f"Malformed request ({exc.status_code}: {exc.detail}).",
            status=exc.status_code,
            headers=dict(exc.headers or {}),
        )
    return error_response(err)


async def _on_crash(request: Request, exc: Exception) -> Response:
    return _crash_response(request.method, request.url.path)


def _crash_response(method: str, path: str) -> Response:
    log.exception("internal error on %s %s", method, path)
    return error_response(
        ReceiverError(
            "internal_error",
            "Lỗi nội bộ của máy nhận; hãy thử lại sau.",
            "Internal receiver error; retry later.",
            status=500,
        )
    )


async def _body_pieces(receive: Receive) -> AsyncIterator[bytes]:
    """A request body's pieces as they arrive (Starlette's ``Request.stream``)."""
    while True:
        message = await receive()
        if message["type"] == "http.request":
            body: bytes = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
                return
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


#: The paths ``ReceiverStarlette`` answers without routing (well-formed packet ids only).
_FAST_PATCH_RE = re.compile(re.escape(f"{protocol.API}/uploads/") + "([0-9a-f]{32})")


class ReceiverStarlette(Starlette):
    """Starlette, with ``PATCH /v1/uploads/{packet_id}`` sent straight to
    ``ReceiverApp.fast_patch`` (the per-chunk cost: docs/sync.md, "Performance")."""

    api: ReceiverApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "PATCH" and not scope.get("root_path"):
            match = _FAST_PATCH_RE.fullmatch(scope["path"])
            if match is not None:
                await self.api.fast_patch(scope, receive, send, match[1])
                return
        await super().__call__(scope, receive, send)


def create_app(receiver: Receiver, *, body_timeout: float = DEFAULT_BODY_TIMEOUT_S) -> Starlette:
    """The application; temporary files a killed receiver left are removed first."""
    receiver.clean_strays()
    api = ReceiverApp(receiver, body_timeout=body_timeout)
    v1 = protocol.API
    routes = [
        Route(f"{v1}/health", api.health, methods=["GET"]),
        Route(f"{v1}/uploads", api.options, methods=["OPTIONS"]),
        Route(f"{v1}/uploads", api.create_upload, methods=["POST"]),
        Route(f"{v1}/uploads/{{packet_id}}", api.head_upload, methods=["HEAD"]),
        Route(f"{v1}/uploads/{{packet_id}}", api.patch_upload, methods=["PATCH"]),
        Route(f"{v1}/receipts/{{packet_id}}", api.get_receipt, methods=["GET"]),
        Route(f"{v1}/status", api.status, methods=["POST"]),
        Route(f"{protocol.API_V2}/status", api.status_v2, methods=["POST"]),
        # Protocol version 2 of the upload (sync/receiver/stream.py).
        Route(STREAM_PATH, StreamEndpoint(receiver, bodies=api._bodies), methods=["POST"]),
    ]
    app = ReceiverStarlette(
        routes=routes,
        exception_handlers={
            ReceiverError: _on_receiver_error,
            HTTPException: _on_http_error,
            Exception: _on_crash,
        },
    )
    app.router.redirect_slashes = False  # a signed API never redirects
    app.api = api
    app.state.receiver = receiver
    return app
