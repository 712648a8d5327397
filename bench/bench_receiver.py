"""Receiver throughput: packets per second on one core (verify + decrypt + store).

Run: ``.venv/bin/python bench/bench_receiver.py [--packets N]``. Prints figures; asserts nothing.
Packets are realistic in size (~650 KB: a face, ten prints, a signature, two document pages, all
random bytes), each for its own dossier, sealed beforehand with ``station.packet.seal``.

1. ``Receiver.accept`` called directly (the code path HTTP and USB share), this process pinned to
   one core; with the time split into verification/decryption (``open_packet``) and the rest.
2. Over HTTP on loopback: the receiver started by its CLI (``serve``, plain HTTP) in another
   process pinned to one core, a signed client in this process on another core. Sequential
   uploads with 64 KiB chunks (the station's default) and with one 1 MiB chunk per request, then
   four clients at once.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from station import crypto, packet
from station.clock import iso
from station.devices import Finger
from station.provisioning import generate_receiver_keyset
from sync import protocol
from sync.receiver.core import Expect, Receiver
from sync.receiver.keys import load_keys
from sync.receiver.store import ReceiverStore

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import machine  # noqa: E402  (one machine description for every bench)

STATION_ID = "0b6a4f4e-2c1d-4e8a-9b7f-5d3c2a1e0f9b"


def pin(core: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > core:
        os.sched_setaffinity(0, {core})


def realistic_parts(rng: random.Random) -> list[packet.PartInput]:
    parts = [packet.PartInput("face", "", "image/jpeg", os.urandom(50_000), {"q": 0.9})]
    for finger in Finger:
        size = rng.randint(15_000, 25_000)
        parts.append(
            packet.PartInput("fingerprint", finger.value, "image/x-wsq", os.urandom(size), {})
        )
    parts.append(packet.PartInput("signature", "", "image/png", os.urandom(10_000), {}))
    for page in (1, 2):
        parts.append(
            packet.PartInput(
                "document", f"birth_certificate_{page}", "image/jpeg", os.urandom(200_000), {}
            )
        )
    return parts


def seal_many(n: int, signing: bytes, receiver_key: crypto.HpkePublicKey) -> list[packet.Sealed]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        inp = packet.SealInput(
            dossier_id=uuid.uuid4().hex,
            number=f"TN-001-20261123-{i:04d}",
            case_type="first_issue",
            form={"full_name": "Nguyễn Thị Minh Khai", "date_of_birth": "1990-05-17"},
            capture={"exceptions": {}},
            operator_id="op.nguyen",
            supervisor_id="sup.tran",
            created_at="2026-11-23T01:02:03.000000Z",
            approved_at="2026-11-23T03:10:00.500000Z",
            parts=realistic_parts(rng),
        )
        out.append(
            packet.seal(
                inp,
                station_id=STATION_ID,
                station_code="TN-001",
                signing_key=signing,
                receiver_key=receiver_key,
                receiver_key_id=packet.hpke_key_id(receiver_key),
                now=datetime.now(UTC),
            )
        )
    return out


def registration(signing: bytes) -> dict[str, object]:
    return {
        "format": "intake-station/station-registration",
        "version": 1,
        "station_id": STATION_ID,
        "code": "TN-001",
        "name": "Trạm Thái Nguyên 1",
        "public_key": base64.b64encode(crypto.ed25519_public(signing)).decode(),
    }


def report(label: str, n: int, seconds: float, size: int, latencies: list[float]) -> None:
    print(
        f"  {label:<34} {n / seconds:7.1f} packets/s  {n * size / seconds / 1e6:6.1f} MB/s  "
        f"median {statistics.median(latencies) * 1000:6.1f} ms  "
        f"max {max(latencies) * 1000:6.1f} ms"
    )


def bench_internal(
    work: Path, keys_path: Path, signing: bytes, sealed: list[packet.Sealed]
) -> None:
    pin(0)
    keys = load_keys([keys_path])
    receiver = Receiver(ReceiverStore(work / "internal"), keys)
    receiver.register_station(registration(signing))
    public = crypto.ed25519_public(signing)
    key = keys.decryption[keys.current_key_id]
    size = sealed[0].size

    def timed(fn: Callable[[packet.Sealed], object]) -> tuple[float, list[float]]:
        lat = []
        start = time.perf_counter()
        for p in sealed:
            t = time.perf_counter()
            fn(p)
            lat.append(time.perf_counter() - t)
        return time.perf_counter() - start, lat

    total, lat = timed(
        lambda p: packet.open_packet(p.data, receiver_key=key, station_public_key=public)
    )
    report("open_packet only (verify+decrypt)", len(sealed), total, size, lat)
    total, lat = timed(
        lambda p: receiver.accept(
            p.data,
            station_id=STATION_ID,
            expect=Expect(p.packet_id, p.sha256, authentic=True),
            via="http",
        )
    )
    report("Receiver.accept (verify+store)", len(sealed), total, size, lat)
    total, lat = timed(
        lambda p: receiver.accept(
            p.data, station_id=STATION_ID, expect=Expect(p.packet_id, p.sha256), via="http"
        )
    )
    report("Receiver.accept again (duplicates)", len(sealed), total, size, lat)
    receiver.store.close()
    pin_all()


def pin_all() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


class Client:
    def __init__(self, url: str, signing: bytes, chunk: int) -> None:
        self.http = httpx.Client(base_url=url, trust_env=False, timeout=60)
        self.signing = signing
        self.chunk = chunk

    def _req(self, method: str, path: str, body: bytes, extra: dict[str, str]) -> httpx.Response:
        stamp = iso(datetime.now(UTC))
        sig = protocol.sign(
            self.signing,
            protocol.REQUEST_PREFIX,
            protocol.request_doc(
                method,
                path,
                stamp,
                body,
                extra.get(protocol.H_OFFSET) if method == "PATCH" else None,
            ),
        )
        headers = {
            protocol.H_STATION: STATION_ID,
            protocol.H_TIMESTAMP: stamp,
            protocol.H_SIGNATURE: sig,
            protocol.H_TUS: protocol.TUS_VERSION,
            **extra,
        }
        return self.http.request(method, path, content=body, headers=headers)

    def upload(self, p: packet.Sealed) -> None:
        body = json.dumps({"packet_id": p.packet_id, "length": p.size, "sha256": p.sha256})
        r = self._req("POST", "/v1/uploads", body.encode(), {"Content-Type": "application/json"})
        offset = r.json()["offset"]
        while True:
            chunk = p.data[offset : offset + self.chunk]
            digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
            r = self._req(
                "PATCH",
                f"/v1/uploads/{p.packet_id}",
                chunk,
                {
                    "Content-Type": "application/offset+octet-stream",
                    protocol.H_OFFSET: str(offset),
                    protocol.H_CHECKSUM: f"sha256 {digest}",
                },
            )
            if r.status_code == 200:
                return
            if r.status_code != 204:
                raise RuntimeError(r.text)
            offset = int(r.headers[protocol.H_OFFSET])


def start_server(work: Path, keys_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = "import sys; from sync.receiver.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["serve", "--keys", str(keys_path), "--data", str(work), "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: pin(0),  # affinity only, before the interpreter starts
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/health", trust_env=False).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the receiver did not start")


def bench_http(
    work: Path,
    keys_path: Path,
    signing: bytes,
    sealed: list[packet.Sealed],
    receiver_key: crypto.HpkePublicKey,
) -> None:
    receiver = Receiver(ReceiverStore(work), load_keys([keys_path]))
    receiver.register_station(registration(signing))
    receiver.store.close()
    proc, url = start_server(work, keys_path)
    pin(1)
    size = sealed[0].size
    try:
        for chunk in (protocol.DEFAULT_CHUNK, protocol.MAX_CHUNK):
            batch = seal_many(len(sealed), signing, receiver_key)  # fresh packets each run
            client = Client(url, signing, chunk)
            lat = []
            start = time.perf_counter()
            for p in batch:
                t = time.perf_counter()
                client.upload(p)
                lat.append(time.perf_counter() - t)
            total = time.perf_counter() - start
            requests = 1 + -(-size // chunk)
            report(
                f"HTTP, {chunk // 1024} KiB chunks ({requests} req/pkt)",
                len(batch),
                total,
                size,
                lat,
            )
            client.http.close()
        batch = seal_many(len(sealed), signing, receiver_key)
        clients = [Client(url, signing, protocol.DEFAULT_CHUNK) for _ in range(4)]
        lat = []
        lock = threading.Lock()

        def run(c: Client, mine: list[packet.Sealed]) -> None:
            for p in mine:
                t = time.perf_counter()
                c.upload(p)
                with lock:
                    lat.append(time.perf_counter() - t)

        threads = [
            threading.Thread(target=run, args=(c, batch[i::4])) for i, c in enumerate(clients)
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report("HTTP, 64 KiB chunks, 4 clients", len(batch), time.perf_counter() - start, size, lat)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        pin_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=100)
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    print(f"Python {platform.python_version()}, {args.packets} packets per run")
    work = Path(tempfile.mkdtemp(prefix="bench-receiver-"))
    try:
        keys_path = generate_receiver_keyset(work / "keys")["receiver_keys"]
        keys = load_keys([keys_path])
        receiver_key = keys.decryption[keys.current_key_id].public_key()
        signing = crypto.ed25519_generate()
        sealed = seal_many(args.packets, signing, receiver_key)
        print(f"Packet size: {sealed[0].size:,} bytes\n")
        print("Internal accept, one core:")
        bench_internal(work, keys_path, signing, sealed)
        print("\nOver HTTP on loopback, receiver process pinned to one core:")
        bench_http(work / "http", keys_path, signing, sealed, receiver_key)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
