"""``PATCH /v1/uploads/{id}`` without Starlette (``ReceiverStarlette``) answers exactly as the
route does; on PostgreSQL its statement runs on the event loop's own connections (``loopdb.py``),
and a dead one fails one request, not the next."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync import protocol
from sync.receiver import app as app_module
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.server import BackgroundServer
from sync.receiver.store import ReceiverStore

from .conftest import StationClient, make_station, seal_packet, verified_receipt

CHUNK = 16 * 1024


def _script(c: StationClient, sealed: Any) -> Iterator[httpx.Response]:
    """Every answer a PATCH can give, in one upload: errors first, then the chunks."""
    path = f"/v1/uploads/{sealed.packet_id}"
    first = sealed.data[:CHUNK]
    yield c.create(sealed)

    def raw(headers: dict[str, str], body: bytes = first, drop: str = "") -> httpx.Response:
        offset = headers.get(protocol.H_OFFSET)
        signed = {**c.signed_headers("PATCH", path, body, offset=offset), **headers}
        signed.pop(drop, None)
        return c.http.patch(path, content=body, headers=signed)

    good = {
        "Content-Type": "application/offset+octet-stream",
        protocol.H_OFFSET: "0",
        protocol.H_CHECKSUM: "sha256 " + base64.b64encode(hashlib.sha256(first).digest()).decode(),
    }
    yield raw({**good, protocol.H_TUS: "0.2.2"})
    yield raw(good, drop=protocol.H_SIGNATURE)
    yield raw(good, drop=protocol.H_STATION)
    yield raw({**good, protocol.H_TIMESTAMP: "yesterday"})
    yield raw({**good, "Content-Type": "application/octet-stream"})
    yield raw({**good, protocol.H_CHECKSUM: "md5 AAAA"})
    yield raw({**good, protocol.H_CHECKSUM: "sha256 !!"})
    yield raw({**good, protocol.H_CHECKSUM: "sha256 " + base64.b64encode(b"\0" * 32).decode()})
    yield raw({**good, protocol.H_OFFSET: "-1"})
    yield raw({**good, protocol.H_OFFSET: str(CHUNK)})  # not where the upload stands
    other = c.signed_headers("PATCH", path, b"other bytes", offset="0")  # signs another body
    yield c.http.patch(path, content=first, headers={**other, **good})
    yield c.patch("0" * 32, 0, first)  # no such upload
    yield c.patch(sealed.packet_id, 0, first)
    yield c.patch(sealed.packet_id, 0, first)  # again: the upload moved on
    offset = CHUNK
    while offset < sealed.size:
        yield c.patch(sealed.packet_id, offset, sealed.data[offset : offset + CHUNK])
        offset += CHUNK


def _answers(url: str, station: Any, sealed: Any) -> list[tuple[Any, ...]]:
    c = StationClient(url, station)
    try:
        out = []
        for r in _script(c, sealed):
            doc = r.json() if r.content else None
            if r.status_code == 200:  # a receipt: its time and signature differ
                doc = sorted(doc["receipt"])
            headers = {k: r.headers.get(k) for k in ("tus-resumable", "upload-offset", "location")}
            out.append((r.status_code, headers, r.headers.get("content-type"), doc))
        return out
    finally:
        c.close()


def test_the_patch_fast_path_answers_as_the_route(
    tmp_path: Path, keys: Any, receiver_public: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    station = make_station("TN-009")
    sealed = seal_packet(station, receiver_public, size=3 * CHUNK + 1000)
    taken: list[str] = []
    fast = app_module.ReceiverApp.fast_patch

    async def spy(self: Any, scope: Any, receive: Any, send: Any, packet_id: str) -> None:
        taken.append(packet_id)
        await fast(self, scope, receive, send, packet_id)

    monkeypatch.setattr(app_module.ReceiverApp, "fast_patch", spy)
    answers = []
    for route_only in (False, True):
        if route_only:
            monkeypatch.setattr(app_module, "_FAST_PATCH_RE", re.compile("(?!)"))
        receiver = Receiver(ReceiverStore(tmp_path / str(route_only)), keys)
        receiver.register_station(station.registration())
        try:
            with BackgroundServer(create_app(receiver)) as srv:
                answers.append(_answers(srv.url, station, sealed))
        finally:
            receiver.store.close()
        if not route_only:
            assert len(taken) == len(answers[0]) - 1  # every PATCH took the fast path
    fast_answers, route_answers = answers
    for got, want in zip(fast_answers, route_answers, strict=True):
        assert got == want
    statuses = [a[0] for a in fast_answers]
    assert statuses[-1] == 200 and statuses.count(204) == 3
    assert {400, 401, 403, 404, 409, 422} <= set(statuses), statuses


psycopg = pytest.importorskip("psycopg")


def _terminate_others(pg_url: str) -> int:
    """Kill every other connection to the database (a failover, a restarted PostgreSQL)."""
    url = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def _until_answered(send: Callable[[], httpx.Response], tries: int = 3) -> list[int]:
    statuses = []
    for _ in range(tries):
        r = send()
        statuses.append(r.status_code)
        if r.status_code < 500:
            break
    return statuses


def test_a_dead_chunk_connection_fails_one_request_then_is_replaced(
    pg_url: str, tmp_path: Path, keys: Any, receiver_public: Any
) -> None:
    store = ReceiverStore(tmp_path / "data", pg_url)
    receiver = Receiver(store, keys)
    station = make_station("PG-009")
    receiver.register_station(station.registration())
    sealed = seal_packet(station, receiver_public, size=3 * CHUNK + 1000)
    try:
        with BackgroundServer(create_app(receiver)) as srv:
            c = StationClient(srv.url, station, chunk=CHUNK)
            assert c.upload(sealed, stop_after_chunks=1).status_code == 204
            assert _terminate_others(pg_url) >= 1  # the loop's chunk connection among them
            chunk = sealed.data[CHUNK : 2 * CHUNK]
            second = _until_answered(lambda: c.patch(sealed.packet_id, CHUNK, chunk))
            # The dead connection fails its request (500: the station retries), and only that
            # one: the next is served on a new connection.
            assert second == [500, 204], second
            third = sealed.data[2 * CHUNK : 3 * CHUNK]
            assert c.patch(sealed.packet_id, 2 * CHUNK, third).status_code == 204
            last = sealed.data[3 * CHUNK :]
            final = c.patch(sealed.packet_id, 3 * CHUNK, last)
            if final.status_code == 500:  # the thread pool's connection was killed too
                final = c.patch(sealed.packet_id, 3 * CHUNK, last)
            assert final.status_code == 200, final.text
            verified_receipt(final, keys, sealed, station)
            c.close()
    finally:
        store.close()
