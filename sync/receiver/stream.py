"""Protocol version 2 of the upload (``docs/sync.md``, "Protocol version 2"): ``POST /v2/stream``.

One long request whose body is a sequence of frames (``sync.frames``), each signed by the
station. The receiver answers ``200`` at once and then, while the body still arrives, one JSON
line per event: the offset it holds of a packet, each frame's bytes once they are stored
(fsynced, offset committed), the receipt when a packet completes, a packet's error. A frame is
verified before any of its bytes is written, and written only through the receiver core's public
upload methods (``begin_upload``, ``write_chunk``), so the bytes, the compare-and-set of the
offset and the completion are exactly version 1's: a cut costs the frames in flight, a stream
stuck on a dead connection holds no lock (it loses the compare-and-set if it ever wakes up).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool

from sync import frames, protocol
from sync.receiver.core import Accepted, Receiver, UploadState
from sync.receiver.errors import (
    ReceiverError,
    bad_request_signature,
    malformed,
    offset_mismatch,
    stream_idle,
    superseded,
    unknown_station,
)
from sync.receiver.limits import StationBodies, StationStreams

log = logging.getLogger("sync.receiver.stream")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: A stream that brings no complete frame for this long is ended (the station has gone; it
#: resumes at the offset the receiver holds). A 16 KiB frame crosses the slowest link served
#: (8 kbit/s) in about 17 s; the station itself gives up after 25 s without an answer.
STREAM_IDLE_S = 60.0
#: How long the line that ends an answer may wait for the connection to take it.
LAST_WORD_S = 2.0
#: Bytes of an incomplete frame the receiver buffers at most (one largest frame).
MAX_BUFFER = frames.HEADER_SIZE + frames.MAX_FRAME + frames.SIGNATURE_SIZE
#: Most verified bytes written with one ``write_chunk`` (version 1's largest chunk).
MAX_BATCH = protocol.MAX_CHUNK


@dataclass
class _Packet:
    """A packet named by frames of this request."""

    length: int
    sha256: str
    offset: int = 0
    done: bool = False
    #: The offset last answered with ``offset_mismatch`` (one answer per gap).
    gap_told: int = -1


def _line(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class StreamEndpoint:
    """The ASGI application of ``POST /v2/stream``, bound to one ``Receiver``."""

    def __init__(
        self,
        receiver: Receiver,
        *,
        idle_s: float = STREAM_IDLE_S,
        bodies: StationBodies | None = None,
    ) -> None:
        self.receiver = receiver
        self.idle_s = idle_s
        #: Open streams per station, counted among the station's bodies (``limits``).
        self.streams = StationStreams(bodies if bodies is not None else StationBodies())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            station_id, public = await self._authenticate(scope, headers)
        except ReceiverError as err:
            await self._refuse(send, err)
            return
        # Only an authenticated stream counts, or ends an older stream of its station.
        entry = self.streams.open(station_id)
        started = False
        try:
            with entry.scope:
                await entry.after_previous()
                try:
                    with self.streams.bodies.slot(station_id):
                        started = True
                        await self._serve(station_id, public, receive, send)
                except ReceiverError as err:  # busy (``_serve`` answers every other error)
                    await self._refuse(send, err)
                    return
            if entry.scope.cancelled_caught:  # a newer stream of the station ended this one
                ended = superseded()
                if started:
                    await self._last_word(send, ended.body())
                else:
                    await self._refuse(send, ended)
        finally:
            self.streams.close(entry)

    async def _serve(self, station_id: str, public: bytes, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", frames.EVENTS_CONTENT_TYPE.encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        session = _Session(self.receiver, station_id, public)
        try:
            await self._pump(session, receive, send)
        except _EndedError:
            return  # the station went away: nobody reads the answer
        except ReceiverError as err:
            await self._last_word(send, err.body())
        except Exception:
            log.exception("stream of station %s failed", station_id)
            fault = ReceiverError(
                "internal_error",
                "Lỗi nội bộ của máy nhận; hãy thử lại sau.",
                "Internal receiver error; retry later.",
                status=500,
            )
            await self._last_word(send, fault.body())

    @classmethod
    async def _last_word(cls, send: Send, doc: dict[str, Any]) -> None:
        """The line that ends the answer, if the connection takes it within ``LAST_WORD_S``
        (a dead connection whose buffers are full would wait for ever; uvicorn closes a
        connection whose answer was left unfinished)."""
        with anyio.move_on_after(LAST_WORD_S):
            await cls._emit(send, doc, more=False)

    async def _authenticate(self, scope: Scope, headers: dict[str, str]) -> tuple[str, bytes]:
        station_id = headers.get(protocol.H_STATION.lower(), "")
        if not station_id:
            raise unknown_station("")
        public: bytes = await run_in_threadpool(self.receiver.station_key, station_id)
        stamp = headers.get(protocol.H_TIMESTAMP.lower(), "")
        signature = headers.get(protocol.H_SIGNATURE.lower(), "")
        if not stamp or not signature:
            raise bad_request_signature(
                f"thiếu {protocol.H_TIMESTAMP} hoặc {protocol.H_SIGNATURE}",
                f"{protocol.H_TIMESTAMP} or {protocol.H_SIGNATURE} is missing",
            )
        doc = frames.stream_request_doc(scope["path"], stamp)
        if not protocol.verify(public, protocol.REQUEST_PREFIX, doc, signature):
            raise bad_request_signature(
                "chữ ký không khớp với khóa đã đăng ký của trạm",
                "the signature does not match the station's registered key",
            )
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != frames.FRAMES_CONTENT_TYPE:
            raise malformed(
                f"Content-Type phải là {frames.FRAMES_CONTENT_TYPE}",
                f"Content-Type must be {frames.FRAMES_CONTENT_TYPE}",
            )
        return station_id, public

    @staticmethod
    async def _refuse(send: Send, err: ReceiverError) -> None:
        body = json.dumps(err.body(), ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": err.status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *((k.lower().encode(), v.encode()) for k, v in err.headers.items()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})

    @staticmethod
    async def _emit(send: Send, doc: dict[str, Any], *, more: bool = True) -> None:
        await send({"type": "http.response.body", "body": _line(doc), "more_body": more})

    async def _pump(self, session: _Session, receive: Receive, send: Send) -> None:
        """Frames in, answer lines out, until the body ends. No complete frame for
        ``idle_s`` (waiting for bytes, or for the connection to take the answer) ends it."""
        reader = frames.FrameReader()
        with anyio.CancelScope(deadline=anyio.current_time() + self.idle_s) as idle:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _EndedError()
                reader.feed(message.get("body", b""))
                items, broken = _complete_frames(reader)
                if items:
                    idle.deadline = anyio.current_time() + self.idle_s
                    lines, fatal = await run_in_threadpool(session.take_all, items)
                    for doc in lines:
                        await self._emit(send, doc)
                    broken = fatal or broken
                if broken is not None:
                    raise broken
                if reader.buffered > MAX_BUFFER:
                    raise malformed("khung dữ liệu quá lớn", "a frame is too large")
                if not message.get("more_body", False):
                    if reader.buffered:
                        raise malformed(
                            "thân yêu cầu dừng giữa một khung", "the body ends mid-frame"
                        )
                    await self._emit(
                        send, {"end": True, "time": datetime.now(UTC).isoformat()}, more=False
                    )
                    return
        # Only the idle deadline gets here (a newer stream cancels the scope around this one).
        log.info("stream of %s: no frame for %.0f s, ended", session.station_id, self.idle_s)
        raise stream_idle(self.idle_s)


def _complete_frames(
    reader: frames.FrameReader,
) -> tuple[list[tuple[frames.Frame, bytes, bytes]], ReceiverError | None]:
    """The complete frames buffered, and the error of a frame that cannot be one."""
    items: list[tuple[frames.Frame, bytes, bytes]] = []
    while True:
        try:
            item = reader.next()
        except frames.FrameError as exc:
            return items, malformed("khung dữ liệu sai định dạng", str(exc))
        if item is None:
            return items, None
        items.append(item)


class _EndedError(Exception):
    """The station disconnected, or sent nothing for too long."""


class _Session:
    """What one stream request has seen of each packet; runs in the thread pool.

    Frames that arrived together and follow each other in one packet are verified one by one,
    then written with one ``write_chunk`` (at most ``MAX_BATCH`` bytes): on a fast link the
    receiver writes large pieces, on a slow one each frame as it comes.
    """

    def __init__(self, receiver: Receiver, station_id: str, public: bytes) -> None:
        self.receiver = receiver
        self.station_id = station_id
        self.public = public
        self.packets: dict[str, _Packet] = {}
        #: Verified bytes not yet written: (packet id, offset, bytes).
        self._run: tuple[str, int, bytearray] | None = None

    def take_all(
        self, items: list[tuple[frames.Frame, bytes, bytes]]
    ) -> tuple[list[dict[str, Any]], ReceiverError | None]:
        """Verify and store frames; (the event lines to answer, the error that ends the
        stream). Frames before a bad one are stored; nothing of the bad one is."""
        out: list[dict[str, Any]] = []
        try:
            for item in items:
                self._take(*item, out)
        except ReceiverError as err:
            self._flush(out)
            return out, err
        self._flush(out)
        return out, None

    def _take(
        self, frame: frames.Frame, header: bytes, signature: bytes, out: list[dict[str, Any]]
    ) -> None:
        if not frames.verify(self.public, self.station_id, header, frame.payload, signature):
            # Not the station's: nothing of it is stored, and the stream stops here.
            raise bad_request_signature(
                "một khung dữ liệu không có chữ ký hợp lệ của trạm",
                "a frame is not signed by the station's registered key",
            )
        self._place(frame, out)

    def _place(self, frame: frames.Frame, out: list[dict[str, Any]]) -> None:
        """A verified frame: skipped, answered as a gap, or added to the bytes to write."""
        pid = frame.packet_id
        if self._run is not None and self._run[0] != pid:
            self._flush(out)
        state = self.packets.get(pid)
        if state is None:
            state = self._begin(frame, out)
        elif (state.length, state.sha256) != (frame.length, frame.sha256):
            raise malformed(
                "các khung của một gói khai báo độ dài hoặc mã băm khác nhau",
                "frames of one packet announce different lengths or hashes",
            )
        if state.done:
            return
        run = self._run
        current = run[1] + len(run[2]) if run is not None else state.offset
        if frame.end <= current:
            return  # already held: skipped
        if frame.offset > current:
            self._flush(out)
            if not state.done and state.gap_told != state.offset:  # once per gap
                state.gap_told = state.offset
                err = offset_mismatch(state.offset, frame.offset)
                out.append({"packet_id": pid, **err.body()})
            return
        chunk = frame.payload[current - frame.offset :]
        if frame.end == state.length and run is not None:
            # The completing frame is written on its own: if the completion is held (a key
            # generation not loaded...), only it stays unacknowledged, as in version 1.
            self._flush(out)
            self._place(frame, out)
            return
        if run is None:
            self._run = (pid, current, bytearray(chunk))
        else:
            run[2].extend(chunk)
        if self._run is not None and len(self._run[2]) >= MAX_BATCH:
            self._flush(out)

    def _flush(self, out: list[dict[str, Any]]) -> None:
        if self._run is None:
            return
        pid, offset, data = self._run
        self._run = None
        state = self.packets[pid]
        try:
            result = self.receiver.write_chunk(self.station_id, pid, offset, bytes(data))
        except ReceiverError as err:
            out.append(self._failed(pid, state, err))
            return
        out.append(self._progress(pid, state, result))

    def _begin(self, frame: frames.Frame, out: list[dict[str, Any]]) -> _Packet:
        state = _Packet(frame.length, frame.sha256)
        self.packets[frame.packet_id] = state
        try:
            result = self.receiver.begin_upload(
                self.station_id,
                frame.packet_id,
                frame.length,
                frame.sha256,
                judge_again=frame.judge_again,
            )
        except ReceiverError as err:
            out.append(self._failed(frame.packet_id, state, err))
            return state
        out.append(self._progress(frame.packet_id, state, result))
        return state

    @staticmethod
    def _progress(pid: str, state: _Packet, result: UploadState | Accepted) -> dict[str, Any]:
        if isinstance(result, Accepted):
            state.done = True
            state.offset = state.length
            return {"packet_id": pid, **result.receipt.to_json()}
        state.offset = result.offset
        return {"packet_id": pid, "offset": result.offset}

    @staticmethod
    def _failed(pid: str, state: _Packet, err: ReceiverError) -> dict[str, Any]:
        offset = err.extra.get("offset")
        if err.code == "offset_mismatch" and isinstance(offset, int):
            # Another request moved the upload (or the receiver lost its partial bytes): the
            # station resends from there, in this stream or the next.
            state.offset = offset
            state.gap_told = offset
        else:
            state.done = True
        return {"packet_id": pid, **err.body()}
