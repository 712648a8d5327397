"""Receiver throughput: packets per second per core, over HTTP, on PostgreSQL (or SQLite).

Run: ``.venv/bin/python bench/bench_receiver.py [--packets N] [--db pg|sqlite] [--requests-only]``.
Prints figures; asserts nothing. Packets are about 200 KB (a face, ten prints, a signature, two
document pages, all random bytes), each for its own dossier, sealed beforehand with
``station.packet.seal``.
PostgreSQL is a throw-away cluster on loopback with durable settings (``fsync`` on).

1. ``Receiver.accept`` called directly (the code path HTTP and USB share), pinned to one core.
2. Per request, over HTTP on loopback, 64 KiB chunks: the receiver (``serve``) pinned to one
   core, beside two trivial ASGI apps (``bench/trivial_asgi.py``: Starlette, and plain ASGI)
   under the same uvicorn settings, reading the same bodies, in the same run. One signed client
   sends the requests one after another; the server's CPU time per request (all its threads,
   ``/proc/<pid>/task/*/schedstat``) is printed by kind (``POST``, non-final ``PATCH``, final
   ``PATCH``) with the ratios to the trivial apps, and the load average around it
   (``--requests-only``: this part alone).
3. Packets per second with the receiver pinned to one core and client processes on the other
   (the clients and PostgreSQL share that core), and what the receiver's CPU per packet allows.
4. Scale-out: 1, 2 and 4 receiver processes on one database, unpinned, clients spreading their
   uploads over them (on this machine's cores: the figures say what 2 cores give).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import multiprocessing
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from station import crypto, packet
from station.clock import iso
from station.devices import Finger
from station.provisioning import generate_receiver_keyset
from sync import protocol
from sync.receiver.core import Expect, Receiver
from sync.receiver.keys import ReceiverKeys, load_keys
from sync.receiver.store import ReceiverStore

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from bench_store import machine  # noqa: E402  (one machine description for every bench)

from tests import pgcluster  # noqa: E402

STATION_ID = "0b6a4f4e-2c1d-4e8a-9b7f-5d3c2a1e0f9b"


def pin(core: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > core:
        os.sched_setaffinity(0, {core})


def realistic_parts(rng: random.Random) -> list[packet.PartInput]:
    """About 200 KB: a face, ten WSQ prints, a signature, two document pages."""
    parts = [packet.PartInput("face", "", "image/jpeg", os.urandom(40_000), {"q": 0.9})]
    for finger in Finger:
        size = rng.randint(8_000, 12_000)
        parts.append(
            packet.PartInput("fingerprint", finger.value, "image/x-wsq", os.urandom(size), {})
        )
    parts.append(packet.PartInput("signature", "", "image/png", os.urandom(5_000), {}))
    for page in (1, 2):
        parts.append(
            packet.PartInput(
                "document", f"birth_certificate_{page}", "image/jpeg", os.urandom(25_000), {}
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
    work: Path, keys_path: Path, signing: bytes, sealed: list[packet.Sealed], url: str | None
) -> None:
    pin(0)
    keys = load_keys([keys_path])
    receiver = Receiver(ReceiverStore(work / "internal", url), keys)
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
    """A signed client; ``upload`` records each request's latency and the server's CPU time
    (when ``server_pid`` is given) by kind: ``post``, ``chunk`` (non-final), ``final``."""

    def __init__(self, url: str, signing: bytes, chunk: int, server_pid: int | None = None):
        self.http = httpx.Client(base_url=url, trust_env=False, timeout=60)
        self.signing = signing
        self.chunk = chunk
        self.server_pid = server_pid
        self.cpu: dict[str, list[float]] = {"post": [], "chunk": [], "final": []}
        self.lat: dict[str, list[float]] = {"post": [], "chunk": [], "final": []}

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

    def _timed(
        self, kind: str, method: str, path: str, body: bytes, extra: dict[str, str]
    ) -> httpx.Response:
        before = server_cpu(self.server_pid) if self.server_pid else 0.0
        t = time.perf_counter()
        r = self._req(method, path, body, extra)
        self.lat[kind].append(time.perf_counter() - t)
        if self.server_pid:
            self.cpu[kind].append(server_cpu(self.server_pid) - before)
        return r

    def upload(self, p: packet.Sealed) -> None:
        body = json.dumps({"packet_id": p.packet_id, "length": p.size, "sha256": p.sha256})
        r = self._timed(
            "post", "POST", "/v1/uploads", body.encode(), {"Content-Type": "application/json"}
        )
        if r.status_code not in (200, 201):
            raise RuntimeError(r.text)
        offset = r.json()["offset"]
        while offset < p.size:
            chunk = p.data[offset : offset + self.chunk]
            digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
            kind = "final" if offset + len(chunk) >= p.size else "chunk"
            r = self._timed(
                kind,
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
            offset = int(r.headers[protocol.H_OFFSET])  # the trivial app ends here


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by every thread of ``pid`` (nanosecond resolution)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def process_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` including its exited threads (utime + stime, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_healthy(proc: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            if httpx.get(f"{url}/v1/health", trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_receiver(
    work: Path, keys_path: Path, url: str | None, core: int | None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    code = "import sys; from sync.receiver.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["serve", "--keys", str(keys_path), "--data", str(work), "--port", str(port)]
    if url:
        args += ["--database-url", url]
    return _start([sys.executable, "-c", code, *args], port, core)


def start_trivial(core: int | None, plain: bool = False) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    script = str(Path(__file__).resolve().parent / "trivial_asgi.py")
    return _start([sys.executable, script, str(port), *(["--plain"] if plain else [])], port, core)


def _start(cmd: list[str], port: int, core: int | None) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=(lambda: pin(core)) if core is not None else None,
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(proc, url)
    return proc, url


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def fresh_store(work: Path, url_factory: Callable[[], str | None], signing: bytes) -> str | None:
    """A new database, migrated, with the bench's station registered: its URL."""
    url = url_factory()
    store = ReceiverStore(work, url)
    receiver = Receiver(store, _admin_keys())
    receiver.register_station(registration(signing))
    store.close()
    return url


def _admin_keys() -> ReceiverKeys:
    return ReceiverKeys(signing_key=b"\0" * 32, decryption={}, current_key_id="")


def per_request(
    label: str,
    client: Client,
    pid: int,
    floor: dict[str, float] | None,
    bare: dict[str, float] | None = None,
) -> dict[str, float]:
    """Print latency and server CPU per request by kind, and the ratios to the trivial apps'
    (``floor``: Starlette; ``bare``: plain ASGI); the CPU medians."""
    out: dict[str, float] = {}
    for kind in ("post", "chunk", "final"):
        cpu, lat = client.cpu[kind], client.lat[kind]
        if not cpu:
            continue
        out[kind] = statistics.median(cpu)
        ratio = f"  {out[kind] / floor[kind]:5.1f}x the trivial app" if floor else ""
        if bare:
            ratio += f" ({out[kind] / bare[kind]:.1f}x the plain one)"
        median_lat, mean_cpu = statistics.median(lat) * 1e3, statistics.fmean(cpu) * 1e3
        print(
            f"  {label:<10} {kind:<6} n={len(cpu):<5} latency median {median_lat:6.2f} ms"
            f"  server CPU median {out[kind] * 1e3:6.2f} ms, mean {mean_cpu:6.2f} ms{ratio}"
        )
    return out


def _client_proc(
    url: str | list[str], signing: bytes, batch: list[packet.Sealed], out: Any
) -> None:
    """A client process: upload ``batch`` (spread over ``url`` when several); put latencies."""
    urls = [url] if isinstance(url, str) else url
    clients = [Client(u, signing, protocol.DEFAULT_CHUNK) for u in urls]
    lat = []
    for i, p in enumerate(batch):
        t = time.perf_counter()
        clients[i % len(clients)].upload(p)
        lat.append(time.perf_counter() - t)
    out.put(lat)


def parallel(
    urls: list[str], signing: bytes, batch: list[packet.Sealed], clients: int, core: int | None
) -> tuple[float, list[float]]:
    """``clients`` client processes (pinned to ``core``) share ``batch``: (seconds, latencies)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = []
    for i in range(clients):
        mine = batch[i::clients]
        mine_urls = urls[i % len(urls) :] + urls[: i % len(urls)]
        procs.append(ctx.Process(target=_client_proc, args=(mine_urls, signing, mine, queue)))
    if core is not None:
        pin(core)
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    lat: list[float] = []
    for _ in procs:
        lat += queue.get()
    seconds = time.perf_counter() - start
    for proc in procs:
        proc.join()
    pin_all()
    return seconds, lat


def bench_http(
    work: Path,
    keys_path: Path,
    signing: bytes,
    n: int,
    receiver_key: crypto.HpkePublicKey,
    url_factory: Callable[[], str | None],
    *,
    requests_only: bool = False,
) -> None:
    size = seal_many(1, signing, receiver_key)[0].size
    chunks = -(-size // protocol.DEFAULT_CHUNK)
    print(f"\n2. Per request, 64 KiB chunks ({1 + chunks} requests per packet), server on core 0:")
    print(f"  load average before: {load_average()}")
    floors = []
    for plain in (False, True):
        trivial, trivial_url = start_trivial(0, plain)
        pin(1)
        try:
            client = Client(trivial_url, signing, protocol.DEFAULT_CHUNK, trivial.pid)
            for p in seal_many(min(n, 100), signing, receiver_key):
                client.upload(p)
            floors.append(per_request("plain" if plain else "trivial", client, trivial.pid, None))
            client.http.close()
        finally:
            stop(trivial)
    floor, bare = floors
    url = fresh_store(work / "seq", url_factory, signing)
    proc, base = start_receiver(work / "seq", keys_path, url, 0)
    try:
        client = Client(base, signing, protocol.DEFAULT_CHUNK, proc.pid)
        batch = seal_many(n, signing, receiver_key)
        start = time.perf_counter()
        for p in batch:
            client.upload(p)
        seconds = time.perf_counter() - start
        cpu = per_request("receiver", client, proc.pid, floor, bare)
        client.http.close()
        per_packet = cpu["post"] + (chunks - 1) * cpu["chunk"] + cpu["final"]
        print(
            f"  one client, one request at a time: {n / seconds:.1f} packets/s; receiver CPU "
            f"per packet {per_packet * 1e3:.2f} ms (medians): {1 / per_packet:.0f} packets/s "
            "per core"
        )
        print(f"  load average after: {load_average()}")
    finally:
        stop(proc)
        pin_all()
    if requests_only:
        return

    print("\n3. Receiver pinned to core 0, client processes and the database on core 1:")
    for clients in (2, 4):
        url = fresh_store(work / f"par{clients}", url_factory, signing)
        proc, base = start_receiver(work / f"par{clients}", keys_path, url, 0)
        try:
            batch = seal_many(n, signing, receiver_key)
            cpu_before = process_cpu(proc.pid)
            seconds, lat = parallel([base], signing, batch, clients, 1)
            used = process_cpu(proc.pid) - cpu_before
            report(f"{clients} clients", n, seconds, size, lat)
            print(
                f"  {'':<34} receiver CPU {used / seconds * 100:5.1f} % of its core, "
                f"{used / n * 1e3:.2f} ms per packet: {n / used:.0f} packets/s per core"
            )
        finally:
            stop(proc)

    print("\n4. Scale-out: N receiver processes on one database, unpinned, 4 client processes:")
    url = fresh_store(work / "scale", url_factory, signing)
    for count in (1, 2, 4):
        procs = [start_receiver(work / "scale", keys_path, url, None) for _ in range(count)]
        try:
            batch = seal_many(n, signing, receiver_key)
            seconds, lat = parallel([b for _, b in procs], signing, batch, 4, None)
            report(f"{count} receiver process(es)", n, seconds, size, lat)
        finally:
            for proc, _ in procs:
                stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=200)
    parser.add_argument("--db", choices=("pg", "sqlite"), default="pg")
    parser.add_argument(
        "--requests-only", action="store_true", help="only part 2 (CPU per request and ratios)"
    )
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    print(f"Python {platform.python_version()}, {args.packets} packets per run, database {args.db}")
    work = Path(tempfile.mkdtemp(prefix="bench-receiver-"))
    try:
        keys_path = generate_receiver_keyset(work / "keys")["receiver_keys"]
        keys = load_keys([keys_path])
        receiver_key = keys.decryption[keys.current_key_id].public_key()
        signing = crypto.ed25519_generate()
        sealed = seal_many(min(args.packets, 100), signing, receiver_key)
        print(f"Packet size: {sealed[0].size:,} bytes")
        with contextlib.ExitStack() as stack:
            if args.db == "pg":
                server = stack.enter_context(pgcluster.cluster(fsync=True))

                def url_factory() -> str | None:
                    return pgcluster.new_database(server)
            else:

                def url_factory() -> str | None:
                    return None

            if not args.requests_only:
                print("\n1. Internal accept, one core:")
                bench_internal(work, keys_path, signing, sealed, url_factory())
            bench_http(
                work / "http",
                keys_path,
                signing,
                args.packets,
                receiver_key,
                url_factory,
                requests_only=args.requests_only,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
