"""Bounds on version-2 streams: one open stream per station and process (a newer one ends the
older, and a station's uploader whose stream was ended streams again), counted among the
station's bodies; a stream without frames ends; a stream cut at a frame not signed by the
station stores nothing after it."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from station.clock import iso
from station.service import StationService
from sync import frames, protocol
from sync.api import uploader_for
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.errors import ReceiverError
from sync.receiver.keys import load_keys
from sync.receiver.limits import MAX_BODIES_PER_STATION
from sync.receiver.server import BackgroundServer
from sync.receiver.store import ReceiverStore
from sync.receiver.stream import StreamEndpoint
from sync.streaming import Outgoing, StreamSession
from sync.uploader import RunReport, Throttle
from tests.conftest import OP_PW, SUP_PW, FakeClock, capture_all, login, valid_form

from .conftest import StationClient, TestStation, seal_packet, verified_receipt

FRAME = 16 * 1024


def _endpoint(app: Any) -> StreamEndpoint:
    for route in app.routes:
        if getattr(route, "path", "") == frames.STREAM_PATH:
            endpoint = route.app
            assert isinstance(endpoint, StreamEndpoint)
            return endpoint
    raise AssertionError("no stream route")


@pytest.fixture
def served(receiver: Receiver) -> Iterator[tuple[BackgroundServer, StreamEndpoint]]:
    app = create_app(receiver)
    with BackgroundServer(app) as srv:
        yield srv, _endpoint(app)


def _head(station: TestStation, key: bytes | None = None) -> bytes:
    stamp = iso(datetime.now(UTC))
    doc = frames.stream_request_doc(frames.STREAM_PATH, stamp)
    signature = protocol.sign(key or station.signing_key, protocol.REQUEST_PREFIX, doc)
    return (
        f"POST {frames.STREAM_PATH} HTTP/1.1\r\nHost: x\r\n"
        f"{protocol.H_STATION}: {station.station_id}\r\n{protocol.H_TIMESTAMP}: {stamp}\r\n"
        f"{protocol.H_SIGNATURE}: {signature}\r\n"
        f"Content-Type: {frames.FRAMES_CONTENT_TYPE}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


def _open(server: BackgroundServer, head: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(head)
    return sock


def _answer(sock: socket.socket, timeout: float = 10.0) -> tuple[int, list[dict[str, Any]]]:
    """Status and JSON lines of an answer, read until it ends (or the connection closes)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n0\r\n\r\n" not in data and not data.endswith(b"}"):
        try:
            piece = sock.recv(65536)
        except TimeoutError:
            break
        if not piece:
            break
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    docs = [json.loads(x) for x in body.split(b"\r\n") if x.startswith((b"{", b"["))]
    return status, docs


def _frames(station: TestStation, data: bytes, packet_id: str, start: int = 0) -> list[bytes]:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(station.signing_key)
    return frames.frames_of(data, packet_id, start, station.station_id, key, frame_size=FRAME)


def test_a_flood_of_streams_under_one_station_blocks_nobody_and_the_station_reconnects(
    served, receiver, keys, receiver_public, station_a, station_b
) -> None:
    server, endpoint = served
    flood = [_open(server, _head(station_a)) for _ in range(12)]
    forged = [_open(server, _head(station_a, key=station_b.signing_key)) for _ in range(12)]
    try:
        # Every forged stream is refused before it counts; every authenticated one but the
        # newest is ended by the next ("superseded": its last line, or 409 if it had not started
        # yet), so one stays open.
        for sock in forged:
            assert _answer(sock)[0] == 401
        for sock in flood[:-1]:
            status, docs = _answer(sock)
            assert status in (200, 409) and docs[-1]["error"] == "superseded", docs
        assert endpoint.streams.count(station_a.station_id) == 1
        # Meanwhile another station uploads and the health check answers.
        t0 = time.monotonic()
        health = httpx.get(server.url + "/v1/health", timeout=5, trust_env=False)
        assert health.status_code == 200 and time.monotonic() - t0 < 2
        sealed_b = seal_packet(station_b, receiver_public, size=40_000)
        client_b = StationClient(server.url, station_b)
        try:
            verified_receipt(client_b.upload(sealed_b), keys, sealed_b, station_b)
        finally:
            client_b.close()
        # The station itself reconnects (its last stream died silently): the new stream ends
        # the one left open and delivers.
        sealed_a = seal_packet(station_a, receiver_public, size=70_000)
        receipts: dict[str, dict[str, Any]] = {}

        class Events:
            def on_offset(self, packet_id: str, offset: int) -> None:
                pass

            def on_receipt(self, packet_id: str, receipt: dict[str, Any]) -> None:
                receipts[packet_id] = receipt

            def on_error(self, packet_id: str, err: Exception) -> None:
                raise AssertionError(err)

        out = Outgoing(sealed_a.packet_id, sealed_a.data, sealed_a.sha256, 0)
        session = StreamSession(
            server.url, station_a.station_id, station_a.signing_key, None, [out], Events()
        )
        session.run()
        assert receipts[sealed_a.packet_id]["receipt"]["status"] == "accepted"
        status, docs = _answer(flood[-1])
        assert status == 200 and docs[-1]["error"] == "superseded"
        assert endpoint.streams.count(station_a.station_id) == 0
    finally:
        for sock in flood + forged:
            sock.close()


def test_a_stream_counts_among_the_stations_bodies(served, station_a, station_b) -> None:
    server, endpoint = served
    head = (
        "PATCH /v1/uploads/" + "0" * 32 + " HTTP/1.1\r\nHost: x\r\n"
        f"X-Station-Id: {station_a.station_id}\r\nContent-Length: 65536\r\n\r\nx"
    ).encode()
    bodies = [_open(server, head) for _ in range(MAX_BODIES_PER_STATION)]
    try:
        time.sleep(0.5)  # the bodies are being received
        status, docs = _answer(_open(server, _head(station_a)))
        assert status == 429 and docs[0]["error"] == "busy"
        assert endpoint.streams.count(station_a.station_id) == 0
        # Another station's stream is not concerned.
        other = _open(server, _head(station_b) + _chunk(b""))  # (no frame: just ends)
        status, docs = _answer(other)
        assert status == 200 and docs[-1]["end"] is True
    finally:
        for sock in bodies:
            sock.close()


def test_a_stream_that_brings_no_frame_is_ended_even_if_bytes_trickle(
    served, receiver_public, station_a
) -> None:
    server, endpoint = served
    endpoint.idle_s = 1.5
    sealed = seal_packet(station_a, receiver_public, size=40_000)
    frame = _frames(station_a, sealed.data, sealed.packet_id)[0]
    sock = _open(server, _head(station_a))
    stop = threading.Event()

    def trickle() -> None:  # one byte of the next frame every 0.2 s
        for i in range(len(frame)):
            if stop.wait(0.2):
                return
            try:
                sock.sendall(_chunk(frame[i : i + 1]))
            except OSError:
                return

    trickler = threading.Thread(target=trickle, daemon=True)
    try:
        t0 = time.monotonic()
        sock.sendall(_chunk(frame))  # one whole frame, then a trickle
        trickler.start()
        status, docs = _answer(sock)
        waited = time.monotonic() - t0
        assert status == 200
        assert docs[0] == {"packet_id": sealed.packet_id, "offset": 0}
        assert docs[-1]["error"] == "request_timeout", docs
        assert 1.5 <= waited < 6, waited
        assert endpoint.streams.count(station_a.station_id) == 0
    finally:
        stop.set()
        trickler.join()
        sock.close()


def test_after_a_frame_not_signed_by_the_station_nothing_more_is_stored(
    served, receiver, receiver_public, station_a, station_b
) -> None:
    server, endpoint = served
    sealed = seal_packet(station_a, receiver_public, size=100_000)
    good = _frames(station_a, sealed.data, sealed.packet_id)
    forged = _frames(station_b, sealed.data, sealed.packet_id, start=FRAME)[0]
    sock = _open(server, _head(station_a))
    try:
        sock.sendall(_chunk(good[0]) + _chunk(forged))
        time.sleep(0.5)
        # The station keeps sending well-signed frames after it: none is looked at.
        for f in good[1:]:
            sock.sendall(_chunk(f))
        status, docs = _answer(sock)
        assert status == 200 and docs[-1]["error"] == "bad_request_signature", docs
        time.sleep(0.3)
        assert receiver.upload_state(station_a.station_id, sealed.packet_id).offset == FRAME
        assert endpoint.streams.count(station_a.station_id) == 0  # its slot is free at once
    finally:
        sock.close()


def test_a_stations_stream_ended_by_a_newer_one_is_streamed_again_within_the_run(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    receiver = Receiver(ReceiverStore(tmp_path / "rx"), load_keys([keyset["receiver_keys"]]))
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    ids = []
    for _ in range(2):
        d = op.create_dossier("first_issue", valid_form())
        capture_all(op, d.id)
        op.mark_captured(d.id)
        op.confirm(d.id)
        sup.approve(d.id)
        ids.append(sup.seal(d.id))
    total = sum(sup.packet_info(pid).size for pid in ids)
    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        uploader = uploader_for(sup)
        uploader.throttle = Throttle(total / 6)  # the run takes about 6 s
        station = TestStation(uploader.client.station_id, "", "", uploader.client.signing_key)
        reports: list[RunReport] = []
        worker = threading.Thread(target=lambda: reports.append(uploader.run_once(60)))
        worker.start()
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # until the first frames are stored
                with contextlib.suppress(ReceiverError):
                    if receiver.upload_state(station.station_id, ids[0]).offset > 0:
                        break
                time.sleep(0.05)
            # Another stream of the station (the one it would open after a silent cut): the
            # uploader's stream is ended, and the uploader's next stream ends this one.
            status, docs = _answer(_open(server, _head(station)), timeout=30)
            assert status in (200, 409) and docs[-1]["error"] == "superseded", docs
        finally:
            worker.join(60)
            uploader.client.close()
    report = reports[0]
    assert sorted(report.receipted) == sorted(ids), report.summary_lines()
    assert report.retries >= 1 and report.failed == []
