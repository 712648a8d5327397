"""The station's side of protocol version 2 (``docs/sync.md``, "Protocol version 2").

One ``POST /v2/stream`` carries the outbox's remaining bytes as signed frames while the
receiver's answer, read at the same time on the same connection, says what it has stored. HTTP
clients such as httpx send the whole request before they read the answer, so this is a small
HTTP/1.1 client of its own: ``h11`` (httpx's own HTTP/1.1 engine) over an asyncio TLS
connection, with a writer and a reader running together.

* **Window.** At most ``window`` payload bytes are sent and not yet acknowledged; a cut costs
  at most those. The receiver acknowledges each frame once it is stored. With ``max_window``
  above ``window`` the window follows the measured acknowledgement rate between the two
  (``sync.upload_window``; off by default: it showed no gain on the shaped link).
* **Dead link.** No acknowledgement for ``progress_s`` while bytes are outstanding ends the
  stream (``httpx.ReadTimeout``); the socket has TCP keep-alive and ``TCP_USER_TIMEOUT`` too, so
  a connection the kernel gives up on ends it as well. The caller reconnects and resumes at the
  offsets the receiver holds.
* Errors are raised as httpx's exceptions (``httpx.ConnectError``, ``httpx.ReadTimeout``...) and
  the receiver's error answers as ``ReceiverError``, so the uploader treats both transports
  alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import h11
import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519

from sync import frames, protocol
from sync.client import ReceiverError, socket_options
from sync.upload_window import AdaptiveWindow

CONNECT_TIMEOUT_S = 10.0
#: No acknowledgement for this long while bytes are outstanding: the link is dead. A 16 KiB
#: frame crosses the slowest link served (8 kbit/s) in about 17 s.
PROGRESS_TIMEOUT_S = 25.0


class StoppedError(Exception):
    """The station is shutting down: the stream was dropped (it resumes next time)."""


class Outgoing:
    """One packet to stream, and what is known of it during the stream. Its bytes are read
    when it is first sent (``data`` bytes, or ``load`` to read them): a run of many packets
    starts sending at once."""

    def __init__(
        self,
        packet_id: str,
        data: bytes | Callable[[], bytes],
        sha256: str,
        next: int,
        *,
        length: int | None = None,
        judge_again: bool = False,
    ) -> None:
        self.packet_id = packet_id
        self.sha256 = sha256
        #: First byte to send (the station's last acknowledged offset).
        self.next = next
        self.judge_again = judge_again
        #: The receiver's offset as last heard.
        self.acked = next
        self.done = False
        if isinstance(data, bytes):
            self._data: bytes | None = data
            self._load: Callable[[], bytes] | None = None
            self.length = len(data)
        else:
            if length is None:
                raise ValueError("a packet read later needs its length")
            self._data, self._load, self.length = None, data, length

    @property
    def data(self) -> bytes:
        if self._data is None:
            assert self._load is not None
            self._data = self._load()
            if len(self._data) != self.length:
                raise ValueError(f"packet {self.packet_id}: {len(self._data)} bytes stored")
        return self._data


class StreamEvents(Protocol):
    """What the uploader does with the receiver's answers (called on the stream's thread)."""

    def on_offset(self, packet_id: str, offset: int) -> None: ...

    def on_receipt(self, packet_id: str, receipt: dict[str, Any]) -> None: ...

    def on_error(self, packet_id: str, err: ReceiverError) -> None: ...


@dataclass
class StreamStats:
    """What one stream did, whatever became of it."""

    connected: bool = False
    #: Payload bytes handed to the connection (acknowledged or not).
    written: int = 0
    #: Payload bytes the receiver acknowledged as stored during this stream.
    acked: int = 0
    frames: int = 0
    server_time: datetime | None = None
    #: monotonic time of the first acknowledgement that moved an offset.
    first_ack_at: float | None = None
    #: The largest window used (payload bytes).
    max_window: int = 0
    errors: list[str] = field(default_factory=list)


def _error(status: int, doc: Any, reason: str = "") -> ReceiverError:
    if not isinstance(doc, dict):
        doc = {}
    return ReceiverError(
        status,
        str(doc.get("error", "http_error")),
        str(doc.get("vi", reason)),
        str(doc.get("en", reason)),
        doc,
    )


class StreamSession:
    """One stream request carrying ``packets`` in order (see the module's text)."""

    def __init__(
        self,
        base_url: str,
        station_id: str,
        signing_key: bytes,
        ssl_context: ssl.SSLContext | None,
        packets: list[Outgoing],
        events: StreamEvents,
        *,
        frame_size: int = frames.DEFAULT_FRAME,
        window: int = frames.DEFAULT_WINDOW,
        max_window: int = frames.DEFAULT_WINDOW,
        progress_s: float = PROGRESS_TIMEOUT_S,
        pace: Callable[[int], float] | None = None,
        stop: Callable[[], bool] | None = None,
        stats: StreamStats | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.base_url = base_url
        self.station_id = station_id
        self.key = ed25519.Ed25519PrivateKey.from_private_bytes(signing_key)
        self.ssl_context = ssl_context
        self.packets = packets
        self.by_id = {p.packet_id: p for p in packets}
        self.events = events
        self.frame_size = frame_size
        self.window = AdaptiveWindow(max(window, frame_size), max_window)
        self.progress_s = progress_s
        self.pace = pace
        self.stop = stop or (lambda: False)
        self.stats = stats if stats is not None else StreamStats()
        self.stats.max_window = max(self.stats.max_window, self.window.value)
        self._changed: asyncio.Event | None = None
        self._last_progress = 0.0
        self._stream_error: ReceiverError | None = None

    # --- entry point -----------------------------------------------------------------------

    def run(self) -> StreamStats:
        """Stream until every packet is answered (receipt or error), or raise."""
        asyncio.run(self._run())
        return self.stats

    async def _run(self) -> None:
        self._changed = asyncio.Event()
        reader, writer = await self._connect()
        self.stats.connected = True
        try:
            await self._exchange(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2.0)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM),
                CONNECT_TIMEOUT_S,
            )
        except (OSError, TimeoutError) as exc:
            raise httpx.ConnectError(f"{self.host}: {exc}") from exc
        family, type_, proto, _, addr = infos[0]
        sock = socket.socket(family, type_, proto)
        try:
            for level, name, value in socket_options():
                with contextlib.suppress(OSError):
                    sock.setsockopt(level, name, value)
            sock.setblocking(False)
            await asyncio.wait_for(loop.sock_connect(sock, addr), CONNECT_TIMEOUT_S)
            return await asyncio.wait_for(
                asyncio.open_connection(
                    sock=sock,
                    ssl=self.ssl_context if self.https else None,
                    server_hostname=self.host if self.https else None,
                ),
                CONNECT_TIMEOUT_S + 5,
            )
        except TimeoutError as exc:
            sock.close()
            raise httpx.ConnectTimeout(f"connecting to {self.base_url} timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            raise httpx.ConnectError(f"{self.base_url}: {exc}") from exc

    # --- the exchange ----------------------------------------------------------------------

    def _request(self) -> h11.Request:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        doc = frames.stream_request_doc(frames.STREAM_PATH, now)
        host = f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"
        return h11.Request(
            method="POST",
            target=frames.STREAM_PATH,
            headers=[
                ("Host", host),
                (protocol.H_STATION, self.station_id),
                (protocol.H_TIMESTAMP, now),
                (
                    protocol.H_SIGNATURE,
                    protocol.sign(self.key.private_bytes_raw(), protocol.REQUEST_PREFIX, doc),
                ),
                ("Content-Type", frames.FRAMES_CONTENT_TYPE),
                ("Transfer-Encoding", "chunked"),
                ("Accept", frames.EVENTS_CONTENT_TYPE),
            ],
        )

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.CLIENT)
        writer.write(conn.send(self._request()))
        self._last_progress = time.monotonic()
        recv = asyncio.create_task(self._receive(reader, conn))
        send = asyncio.create_task(self._send(writer, conn))
        watch = asyncio.create_task(self._watch())
        tasks = {recv, send, watch}
        try:
            while True:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                if recv in done:
                    recv.result()  # raises what ended it
                    break
                if watch in done:
                    watch.result()
                if send in done:
                    tasks.discard(send)
                    if send.exception() is not None:
                        # The receiver may have answered and closed: its answer says why.
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(asyncio.shield(recv), 5.0)
                        if recv.done():
                            recv.result()
                            break
                        exc = send.exception()
                        if isinstance(exc, StoppedError):
                            raise exc
                        raise _as_network_error(exc)
        finally:
            for t in (recv, send, watch):
                t.cancel()
            await asyncio.gather(recv, send, watch, return_exceptions=True)
        if self._stream_error is not None:
            raise self._stream_error

    def _outstanding(self) -> int:
        return sum(max(0, p.next - p.acked) for p in self.packets if not p.done)

    def _next_packet(self) -> Outgoing | None:
        for p in self.packets:
            if not p.done and p.next < p.length:
                return p
        return None

    async def _wait_change(self) -> None:
        assert self._changed is not None
        await self._changed.wait()
        self._changed.clear()

    async def _send(self, writer: asyncio.StreamWriter, conn: h11.Connection) -> None:
        while True:
            if self.stop():
                raise StoppedError()
            p = self._next_packet()
            if p is None:
                if all(q.done for q in self.packets):
                    writer.write(conn.send(h11.EndOfMessage()))
                    await writer.drain()
                    return
                await self._wait_change()  # a receipt, an error or a rewind comes
                continue
            if self._outstanding() + min(self.frame_size, p.length - p.next) > self.window.value:
                await self._wait_change()
                continue
            payload = p.data[p.next : p.next + self.frame_size]
            if self.pace is not None:
                delay = self.pace(len(payload))
                if delay > 0:
                    await asyncio.sleep(delay)
            if self._outstanding() == 0:
                self._last_progress = time.monotonic()  # the clock runs from the first byte out
            frame = frames.Frame(p.packet_id, p.length, p.sha256, p.next, payload, p.judge_again)
            writer.write(conn.send(h11.Data(data=frames.encode(frame, self.station_id, self.key))))
            p.next += len(payload)
            self.stats.written += len(payload)
            self.stats.frames += 1
            await writer.drain()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            waiting = self._outstanding() > 0 or self._next_packet() is None
            if waiting and time.monotonic() - self._last_progress > self.progress_s:
                raise httpx.ReadTimeout(
                    f"no answer from the receiver for {self.progress_s:.0f} s (link dead?)"
                )

    async def _receive(self, reader: asyncio.StreamReader, conn: h11.Connection) -> None:
        status = 0
        body = bytearray()
        pending = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                await self._read_more(reader, conn)
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
                self._on_response(event)
            elif isinstance(event, h11.Data):
                if status != 200:
                    body += event.data
                    continue
                lines = (pending + bytes(event.data)).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    if line.strip():
                        self._on_line(line)
            elif isinstance(event, h11.EndOfMessage):
                if status != 200:
                    try:
                        doc = json.loads(bytes(body) or b"{}")
                    except ValueError:
                        doc = {}
                    raise _error(status, doc, f"HTTP {status}")
                return
            elif isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("the receiver closed the connection")

    @staticmethod
    async def _read_more(reader: asyncio.StreamReader, conn: h11.Connection) -> None:
        try:
            data = await reader.read(65536)
        except (OSError, ssl.SSLError) as exc:
            raise _as_network_error(exc) from exc
        if not data:
            raise httpx.RemoteProtocolError("the receiver closed the connection")
        conn.receive_data(data)

    def _on_response(self, response: h11.Response) -> None:
        self._last_progress = time.monotonic()
        for name, value in response.headers:
            if name == b"date":  # the receiver's clock, for the clock warning
                with contextlib.suppress(TypeError, ValueError, IndexError):
                    self.stats.server_time = parsedate_to_datetime(value.decode())

    def _on_line(self, line: bytes) -> None:
        try:
            doc = json.loads(line)
        except ValueError as exc:
            raise httpx.RemoteProtocolError(f"malformed answer line: {line[:100]!r}") from exc
        if not isinstance(doc, dict):
            return
        self._last_progress = time.monotonic()
        assert self._changed is not None
        self._changed.set()
        pid = doc.get("packet_id")
        p = self.by_id.get(pid) if isinstance(pid, str) else None
        if p is None:
            if "error" in doc:  # about the whole stream: it ends here
                self._stream_error = _error(_status_of(doc), doc)
            return
        if "receipt" in doc:
            p.done = True
            self._moved(p, p.length)
            # The receipt as version 1 answers it: with the receiver's key updates, if any
            # (a rotated receipt key is learned from them).
            self.events.on_receipt(p.packet_id, {k: v for k, v in doc.items() if k != "packet_id"})
        elif "error" in doc:
            offset = doc.get("offset")
            if doc["error"] == "offset_mismatch" and type(offset) is int:
                self._moved(p, offset)
                p.next = offset  # resend from where the receiver stands
                self.events.on_offset(p.packet_id, offset)
            else:
                p.done = True
                self.events.on_error(p.packet_id, _error(_status_of(doc), doc))
        elif type(doc.get("offset")) is int:
            offset = doc["offset"]
            self._moved(p, offset)
            p.next = max(p.next, offset)  # the receiver holds more: skip ahead
            self.events.on_offset(p.packet_id, offset)

    def _moved(self, p: Outgoing, offset: int) -> None:
        # Bytes this stream sent that are now acknowledged make the rate the window follows.
        sent_acked = min(offset, p.next) - p.acked
        if sent_acked > 0:
            self.window.acked(sent_acked, time.monotonic())
            self.stats.max_window = self.window.largest
        if offset > p.acked:
            self.stats.acked += offset - p.acked
            if self.stats.first_ack_at is None:
                self.stats.first_ack_at = time.monotonic()
        p.acked = offset


def _status_of(doc: dict[str, Any]) -> int:
    """The HTTP status a version-1 answer with this error would have had."""
    if doc.get("held"):
        return 503
    if doc.get("refused"):
        return 422
    return protocol.ERRORS.get(str(doc.get("error")), 500)


def _as_network_error(exc: BaseException | None) -> httpx.HTTPError:
    if isinstance(exc, httpx.HTTPError):
        return exc
    err = httpx.WriteError(f"the connection to the receiver broke: {exc}")
    err.__cause__ = exc
    return err
