"""The upload's common statements issued from the event loop (PostgreSQL): no thread hop.

A non-final ``PATCH`` costs one statement (``store._PG_APPEND``: store the chunk and move the
offset, atomically, in autocommit), a ``POST`` usually one too (``store._PG_OPEN``). Issued
through the thread pool each cost two thread switches and a wake-up of the event loop, which on
a busy core weighed more than the statement itself; here they run on psycopg's asynchronous
connections, owned by the event loop, at most ``size`` at once (the store's ``pool_size``),
opened when first needed and kept. Everything else (completion, mismatches, held or refused
packets, the other requests, SQLite) keeps the thread pool and the store's synchronous pool.

A connection whose statement failed or was cancelled is closed, not reused; the request fails
(500, or the bounds of ``app.py``) and the station retries it, as with the synchronous pool.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from sync.receiver.store import _PG_APPEND, _PG_OPEN, ChunkWrite, UploadOpen, open_params

if TYPE_CHECKING:
    from psycopg import AsyncConnection, AsyncCursor


class LoopStatements:
    """``ReceiverStore.append_chunk`` and ``open_upload`` for one event loop, on its own
    connections."""

    def __init__(self, conninfo: str, size: int) -> None:
        self._conninfo = conninfo
        self._size = size
        self._idle: list[tuple[AsyncConnection[Any], AsyncCursor[Any]]] = []  # and its cursor
        self._slots: asyncio.Semaphore | None = None
        self._closed = False

    async def append_chunk(
        self, station_id: str, packet_id: str, offset: int, chunk: bytes, now: str
    ) -> ChunkWrite | None:
        """As ``ReceiverStore.append_chunk`` on PostgreSQL (the same statement)."""
        params = {
            "sid": station_id,
            "pid": packet_id,
            "off": offset,
            "end": offset + len(chunk),
            "now": now,
            "data": chunk,
        }
        row = await self._one_row(_PG_APPEND, params)
        if row is None:
            return None
        return ChunkWrite(bool(row[0]), int(row[1]), int(row[2]), str(row[3]))

    async def open_upload(
        self,
        station_id: str,
        packet_id: str,
        length: int,
        sha256: str,
        now: str,
        judge_again: bool,
    ) -> UploadOpen:
        """As ``ReceiverStore.open_upload`` on PostgreSQL (the same statement)."""
        params = open_params(station_id, packet_id, length, sha256, now, judge_again)
        row = await self._one_row(_PG_OPEN, params)
        assert row is not None
        return UploadOpen.of_row(row)

    async def _one_row(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """Run ``sql`` in autocommit on one of the loop's connections: its first row."""
        import psycopg  # the receiver-pg extra

        if self._slots is None:
            self._slots = asyncio.Semaphore(self._size)
        async with self._slots:
            if self._idle:
                conn, cur = self._idle.pop()
            else:
                conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                cur = conn.cursor(binary=True)  # kept with its connection: cheaper than anew
            try:
                await cur.execute(sql, params)
                row = await cur.fetchone()
            except BaseException:
                _finish(conn)  # in an unknown state (a failure, a cancellation): not reused
                raise
            if self._closed:
                _finish(conn)
            else:
                self._idle.append((conn, cur))
        return row

    def close(self) -> None:
        """Close the idle connections (from any thread, once the loop no longer uses them)."""
        self._closed = True
        while self._idle:
            _finish(self._idle.pop()[0])


def _finish(conn: AsyncConnection[Any]) -> None:
    with contextlib.suppress(Exception):
        conn.pgconn.finish()  # what AsyncConnection.close does, without needing the loop
