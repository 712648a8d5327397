"""The receiver's own bounds on slow and idle clients (a proxy in front may add its own).

* **Headers**: a connection must complete a request's headers within ``HEADER_TIMEOUT_S`` of
  opening (or of the request's first byte, on a kept-alive connection); otherwise it is closed.
  A connection that trickles header bytes therefore never reaches the application and holds
  nothing but its socket for a few seconds.
* **Idle**: a kept-alive connection with no request in progress is closed after
  ``server.KEEP_ALIVE_S`` (uvicorn's own timer).
* **Bodies**: a body must arrive within ``body_deadline(length)`` (a grace period plus a minimum
  rate, at most the app's ``body_timeout``); and one station has at most
  ``MAX_BODIES_PER_STATION`` bodies being received at once in a process (beyond: ``429 busy``
  at once, before a byte of the body is read), so a client that knows only a station's id
  cannot hold many bodies open. The health check reads no body and is never limited.
* **Streams** (protocol version 2): one open stream per station per process, counted among its
  bodies; a newer authenticated stream of the station ends the older (``StationStreams``).

There is no cap on the number of connections in the receiver itself (uvicorn's
``limit_concurrency`` answered 503 to every request, the health check included, once slow
connections filled it): connection counts per source are the proxy's job
(``docs/deployment.md``), and the header timeout keeps idle ones short-lived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import anyio
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sync import protocol
from sync.receiver.errors import ReceiverError

log = logging.getLogger("sync.receiver.limits")

#: Time to send a request's headers, from the connection's opening or the request's first byte.
HEADER_TIMEOUT_S = 10.0
#: A body may take this long whatever its size, then must keep up ``MIN_BODY_RATE``.
BODY_GRACE_S = 15.0
#: Bytes per second a body must average beyond the grace period (a 64 KiB chunk: 79 s).
MIN_BODY_RATE = 1024
#: Bodies one station may have in flight at once, per process (a station sends one at a time;
#: a retry racing a request on a dead connection makes two).
MAX_BODIES_PER_STATION = 4
BUSY_RETRY_AFTER_S = 5


def body_deadline(length: int, cap: float) -> float:
    """Seconds allowed to receive a body of ``length`` bytes (at most ``cap``)."""
    return min(cap, BODY_GRACE_S + length / MIN_BODY_RATE)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request headers do not arrive
    within ``header_timeout`` (set by ``server.make_config``)."""

    header_timeout: float = HEADER_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport is not None and not self.transport.is_closing():
            log.debug("closing %s: no complete request headers in time", self.client)
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def with_header_timeout(seconds: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class with its own header timeout (uvicorn instantiates the class)."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout": seconds})


class StationBodies:
    """Bodies being received per station in this process (used on the event loop only)."""

    def __init__(self, limit: int = MAX_BODIES_PER_STATION) -> None:
        self.limit = limit
        self._active: dict[str, int] = {}

    @contextlib.contextmanager
    def slot(self, station_id: str) -> Iterator[None]:
        count = self._active.get(station_id, 0)
        if count >= self.limit:
            raise ReceiverError(
                "busy",
                f"Trạm đang gửi {count} yêu cầu cùng lúc; hãy thử lại sau.",
                f"The station is sending {count} requests at once; retry later.",
                status=protocol.ERRORS["busy"],
                headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
            )
        self._active[station_id] = count + 1
        try:
            yield
        finally:
            left = self._active[station_id] - 1
            if left:
                self._active[station_id] = left
            else:
                del self._active[station_id]


#: Streams (``POST /v2/stream``) one station may have open at once, per process: a station
#: streams over one connection; a second one means the first has died without either end
#: knowing (a NAT dropped it, a link went silent), so the newer one ends the older.
MAX_STREAMS_PER_STATION = 1
#: How long a new stream waits for the stream it ends to let go (a write in progress finishes
#: first); then it goes on anyway (the compare-and-set of the offset keeps the bytes right).
SUPERSEDE_WAIT_S = 10.0


class StreamEntry:
    """One stream of a station in this process; ``scope`` is cancelled when a newer stream of
    the same station arrives (then ``superseded`` is true)."""

    def __init__(self, station_id: str, previous: StreamEntry | None) -> None:
        self.station_id = station_id
        self.scope = anyio.CancelScope()
        self.superseded = False
        self._previous = previous
        self._finished = anyio.Event()

    async def after_previous(self) -> None:
        """Wait (at most ``SUPERSEDE_WAIT_S``) until the stream this one replaces has ended."""
        previous, self._previous = self._previous, None
        if previous is not None:
            with anyio.move_on_after(SUPERSEDE_WAIT_S):
                await previous._finished.wait()


class StationStreams:
    """The open streams per station in this process (used on the event loop only).

    A stream is counted among its station's bodies (``StationBodies``) while it is open, and a
    station has at most one stream: a newer authenticated stream ends the older one.
    """

    def __init__(self, bodies: StationBodies) -> None:
        self.bodies = bodies
        self._open: dict[str, StreamEntry] = {}

    def open(self, station_id: str) -> StreamEntry:
        """Register a new stream of ``station_id``; the older one, if any, is told to end."""
        previous = self._open.get(station_id)
        entry = StreamEntry(station_id, previous)
        self._open[station_id] = entry
        if previous is not None:
            log.info("a new stream of station %s ends its older one", station_id)
            previous.superseded = True
            previous.scope.cancel()
        return entry

    def close(self, entry: StreamEntry) -> None:
        if self._open.get(entry.station_id) is entry:
            del self._open[entry.station_id]
        entry._finished.set()

    def count(self, station_id: str) -> int:
        """Open streams of ``station_id`` (0 or 1; for tests and logs)."""
        return int(station_id in self._open)
