"""Slow clients against the receiver itself (no proxy in front): hundreds of connections
trickling header bytes, and bodies trickled under one station's id, while a signed station
uploads and the health check is asked."""

from __future__ import annotations

import contextlib
import selectors
import socket
import statistics
import threading
import time
from pathlib import Path

import httpx

from sync.receiver.core import Receiver
from sync.receiver.keys import ReceiverKeys
from sync.receiver.limits import MAX_BODIES_PER_STATION
from sync.receiver.store import ReceiverStore

from .conftest import StationClient, make_station, seal_packet, verified_receipt
from .procs import ReceiverProcess

HEADER_TIMEOUT = 3.0
HEADER_TRICKLERS = 520  # beyond uvicorn's former limit_concurrency (512)
BODY_TRICKLERS = 40


class Flood:
    """Raw sockets that each send one byte every half second, from a thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.socks: dict[socket.socket, bytes] = {}
        #: Per socket: when the server closed it, and what it answered (bytes read).
        self.closed_at: dict[socket.socket, float] = {}
        self.answers: dict[socket.socket, bytes] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def open(self, payload: bytes, first: bytes = b"") -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.setblocking(False)
        if first:
            sock.sendall(first)
        self.socks[sock] = payload
        self.answers[sock] = b""
        self.sel.register(sock, selectors.EVENT_READ)
        return sock

    def _run(self) -> None:
        sent = 0
        next_byte = time.monotonic()
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if data:
                    self.answers[sock] += data
                else:
                    self.closed_at[sock] = time.monotonic()
                    self.sel.unregister(sock)
            if time.monotonic() >= next_byte:
                for sock, payload in self.socks.items():
                    if sock in self.closed_at:
                        continue
                    with contextlib.suppress(OSError):
                        sock.send(payload[sent % len(payload) : sent % len(payload) + 1])
                sent += 1
                next_byte += 0.5

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for sock in self.socks:
            sock.close()


def test_a_slow_client_flood_does_not_block_signed_clients_or_the_health_check(
    tmp_path: Path, receiver_keyset: dict[str, Path], keys: ReceiverKeys
) -> None:
    data = tmp_path / "data"
    admin = Receiver(ReceiverStore(data), keys)
    honest, victim = make_station("TN-OK"), make_station("TN-ID-KNOWN")
    for st in (honest, victim):
        admin.register_station(st.registration())
    admin.store.close()
    proc = ReceiverProcess(
        data, [receiver_keyset["receiver_keys"]], extra=["--header-timeout", str(HEADER_TIMEOUT)]
    )
    proc.start()
    flood = Flood(proc.port)
    public = keys.decryption[keys.current_key_id].public_key()
    packets = [seal_packet(honest, public, size=150_000) for _ in range(3)]
    try:
        started = time.monotonic()
        slow_headers = [
            flood.open(b"PATCH /v1/uploads/" + b"0" * 32 + b" HTTP/1.1\r\nHost: x\r\n")
            for _ in range(HEADER_TRICKLERS)
        ]
        # Bodies under a station id an attacker knows (no valid signature needed to start one).
        head = (
            "PATCH /v1/uploads/" + "0" * 32 + " HTTP/1.1\r\nHost: x\r\n"
            f"X-Station-Id: {victim.station_id}\r\nContent-Length: 65536\r\n"
            "Content-Type: application/offset+octet-stream\r\n\r\n"
        ).encode()
        slow_bodies = [flood.open(b"x", first=head) for _ in range(BODY_TRICKLERS)]
        flood.thread.start()
        time.sleep(1.0)  # every flood connection open and trickling

        client = StationClient(proc.url, honest, chunk=64 * 1024, timeout=10.0)
        timings: list[float] = []
        health = httpx.Client(base_url=proc.url, trust_env=False, timeout=10.0)
        for p in packets:
            t = time.monotonic()
            assert health.get("/v1/health").status_code == 200
            timings.append(time.monotonic() - t)
            t = time.monotonic()
            r = client.upload(p)
            assert r.status_code == 200, r.text
            timings.append(time.monotonic() - t)
            verified_receipt(r, keys, p, honest)
        while time.monotonic() - started < HEADER_TIMEOUT + 3:
            assert health.get("/v1/health").status_code == 200
            time.sleep(0.25)
        client.close()
        health.close()
    finally:
        flood.close()
        proc.stop()

    # Header tricklers are cut after the header timeout (not before), never answered.
    cut = [flood.closed_at[s] - started for s in slow_headers if s in flood.closed_at]
    assert len(cut) == HEADER_TRICKLERS, f"{HEADER_TRICKLERS - len(cut)} still open"
    assert min(cut) >= HEADER_TIMEOUT - 0.5
    # One station id holds at most MAX_BODIES_PER_STATION bodies; the others were refused at
    # once with 429 (and the connection kept for the next request, or closed).
    busy = [s for s in slow_bodies if flood.answers[s].startswith(b"HTTP/1.1 429")]
    assert len(busy) >= BODY_TRICKLERS - MAX_BODIES_PER_STATION
    assert all(b'"busy"' in flood.answers[s] for s in busy)
    print(
        f"\nslow-client flood: {HEADER_TRICKLERS} header + {BODY_TRICKLERS} body tricklers; "
        f"signed uploads and health checks answered in median "
        f"{statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms; header "
        f"tricklers cut after {min(cut):.1f}-{max(cut):.1f} s; {len(busy)} bodies refused busy"
    )
