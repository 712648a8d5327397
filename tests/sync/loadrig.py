"""Load and faults over loopback: many stations through HAProxy to several receiver processes,
one receiver SIGKILLed and restarted every few seconds, a slow-client flood at the same time.

Used by ``tests/sync/test_load.py`` (a short form in CI) and ``bench/bench_load.py`` (the full
form: 200 stations, 3 receivers on one PostgreSQL, 500 slow connections). Everything is bounded:
each loop ends at a deadline, each client gives up after it.

* **HAProxy** runs the shipped ``installer/receiver/haproxy.cfg`` unchanged, its site values
  given as environment variables (TLS with a fresh certificate the clients pin, loopback ports).
* **Receivers**: ``intake-station-receiver serve`` processes on SQLite (one data folder shared
  on this host) or on a throw-away PostgreSQL cluster (``shared_data=False`` gives each process
  its own data folder: possible once every upload's bytes live in the database).
* **Stations**: one asyncio task per station, each from its own loopback source address
  (127.1.x.y, so per-source limits see separate stations), signing every request as
  ``docs/sync.md`` says, resuming at the receiver's offset after any failure, verifying each
  receipt against the receiver's key. Every request's time is recorded.
* **Slow clients** (a separate process, ``python -m tests.sync.loadrig flood``): TLS connections
  from 127.2.0.x that trickle a request header one byte a second, or announce a 64 KiB body and
  trickle it; each one cut is replaced, until the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from station import crypto, packet
from station.clock import iso
from station.provisioning import generate_receiver_keyset, make_tls_certificate
from sync import protocol
from tests import pgcluster

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
HAPROXY_CFG = ROOT / "installer" / "receiver" / "haproxy.cfg"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def station_address(i: int) -> str:
    return f"127.1.{i // 250}.{i % 250 + 1}"


def flood_address(i: int) -> str:
    return f"127.2.0.{i % 10 + 1}"


# --- PostgreSQL -------------------------------------------------------------------------------


def postgres_available() -> bool:
    return pgcluster.available()


def postgres_cluster(max_connections: int = 200) -> AbstractContextManager[str]:
    """A throw-away cluster on loopback; yields ``user@host:port`` (trust authentication)."""
    return pgcluster.cluster(max_connections=max_connections, stop_mode="immediate")


def create_database(server: str) -> str:
    return pgcluster.new_database(server, "load")


# --- receivers and HAProxy --------------------------------------------------------------------


class ReceiverFleet:
    """``serve`` processes on loopback ports, each killed and started again on its port."""

    def __init__(
        self, root: Path, keys: Path, count: int, database_url: str | None, shared_data: bool
    ) -> None:
        self.root, self.keys, self.database_url = root, keys, database_url
        self.ports = [free_port() for _ in range(count)]
        self.data = [root / ("data" if shared_data else f"data-{i}") for i in range(count)]
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * count
        self.kills = 0
        self.restart_s: list[float] = []

    def address(self, i: int) -> str:
        return f"127.0.0.1:{self.ports[i]}"

    def start(self, i: int) -> None:
        args = [
            sys.executable,
            "-c",
            "import sys; from sync.receiver.cli import main; sys.exit(main(sys.argv[1:]))",
            "serve",
            "--keys",
            str(self.keys),
            "--data",
            str(self.data[i]),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.ports[i]),
        ]
        if self.database_url:
            args += ["--database-url", self.database_url]
        with (self.root / f"receiver-{i}.log").open("ab") as log:
            self.procs[i] = subprocess.Popen(args, cwd=ROOT, env=ENV, stdout=log, stderr=log)

    def wait_healthy(self, i: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://{self.address(i)}/v1/health"
        while time.monotonic() < deadline:
            proc = self.procs[i]
            if proc is None or proc.poll() is not None:
                log = (self.root / f"receiver-{i}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"receiver {i} exited: {log}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url, trust_env=False, timeout=2).is_success:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"receiver {i} did not start")

    def start_all(self) -> None:
        # The first creates the schema alone (several processes at once may race in create_all).
        self.start(0)
        self.wait_healthy(0)
        for i in range(1, len(self.ports)):
            self.start(i)
        for i in range(1, len(self.ports)):
            self.wait_healthy(i)

    def kill(self, i: int) -> None:
        proc = self.procs[i]
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.kills += 1
        self.procs[i] = None

    def restart(self, i: int) -> None:
        started = time.monotonic()
        self.kill(i)
        self.start(i)
        self.wait_healthy(i)
        self.restart_s.append(time.monotonic() - started)

    def stop(self) -> None:
        for i in range(len(self.procs)):
            self.kill(i)


class Haproxy:
    """HAProxy running the shipped configuration, its site values given by environment."""

    def __init__(self, root: Path, backends: list[str], **limits: int) -> None:
        cert, key = make_tls_certificate(["127.0.0.1", "localhost"])
        self.cert_pem = cert.decode("ascii")
        self.pem = root / "haproxy.pem"
        self.pem.write_bytes(cert + key)
        self.pem.chmod(0o600)
        self.port, self.stats_port = free_port(), free_port()
        self.env = {
            **os.environ,
            "RECEIVER_BIND": f"127.0.0.1:{self.port}",
            "RECEIVER_CERT": str(self.pem),
            "STATS_BIND": f"127.0.0.1:{self.stats_port}",
            **{f"RECEIVER_{n + 1}": backends[n % len(backends)] for n in range(3)},
            **{name.upper(): str(value) for name, value in limits.items()},
        }
        self.log = root / "haproxy.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cadata=self.cert_pem)
        ctx.check_hostname = False  # pinned: this certificate and nothing else
        return ctx

    def start(self, timeout: float = 20.0) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [HAPROXY, "-db", "-f", str(HAPROXY_CFG)], env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"haproxy exited: {self.log.read_text(errors='replace')}")
            with contextlib.suppress(httpx.TransportError):
                r = httpx.get(f"{self.url}/v1/health", verify=self.context(), timeout=2)
                if r.is_success:
                    return
            time.sleep(0.1)
        raise RuntimeError("haproxy did not come up")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- stations -----------------------------------------------------------------------------------


@dataclass
class Station:
    station_id: str
    code: str
    signing_key: bytes
    address: str
    packets: list[packet.Sealed] = field(default_factory=list)

    def registration(self) -> dict[str, Any]:
        return {
            "format": "intake-station/station-registration",
            "version": 1,
            "station_id": self.station_id,
            "code": self.code,
            "name": f"Trạm {self.code}",
            "public_key": crypto.b64e(crypto.ed25519_public(self.signing_key)),
        }


def make_stations(
    count: int, per_station: int, size: int, receiver_key: crypto.HpkePublicKey
) -> list[Station]:
    """Stations with sealed packets of about ``size`` bytes (random parts, each its own dossier)."""
    out = []
    for i in range(count):
        st = Station(
            str(uuid.uuid4()), f"LT-{i:03d}", crypto.ed25519_generate(), station_address(i)
        )
        for _ in range(per_station):
            dossier = uuid.uuid4().hex
            inp = packet.SealInput(
                dossier_id=dossier,
                number=f"{st.code}-20261203-{dossier[:4]}",
                case_type="first_issue",
                form={"full_name": "Nguyễn Văn Tải", "date_of_birth": "1990-05-17"},
                capture={"exceptions": {}},
                operator_id="op1",
                supervisor_id="sup1",
                created_at="2026-12-03T01:02:03.000000Z",
                approved_at="2026-12-03T03:10:00.500000Z",
                parts=[
                    packet.PartInput("face", "", "image/jpeg", os.urandom(size // 4), {}),
                    packet.PartInput("document", "page_1", "image/jpeg", os.urandom(size // 2), {}),
                    packet.PartInput("signature", "", "image/png", os.urandom(size // 4), {}),
                ],
            )
            st.packets.append(
                packet.seal(
                    inp,
                    station_id=st.station_id,
                    station_code=st.code,
                    signing_key=st.signing_key,
                    receiver_key=receiver_key,
                    receiver_key_id=packet.hpke_key_id(receiver_key),
                    now=datetime(2026, 12, 3, 3, 15, tzinfo=UTC),
                )
            )
        out.append(st)
    return out


@dataclass
class ClientStats:
    request_ms: list[float] = field(default_factory=list)
    by_outcome: dict[str, int] = field(default_factory=dict)
    receipted: dict[str, list[str]] = field(default_factory=dict)
    bad_receipts: int = 0
    unfinished: list[str] = field(default_factory=list)
    chunk_bytes: int = 0

    def count(self, outcome: str) -> None:
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + 1


class StationUploader:
    """One station's uploads: signed requests, resume at the receiver's offset, bounded retries."""

    def __init__(
        self,
        st: Station,
        base_url: str,
        ctx: ssl.SSLContext,
        receiver_public: bytes,
        stats: ClientStats,
        chunk: int,
        deadline: float,
        pause_s: float = 0.0,
    ) -> None:
        self.st, self.stats, self.chunk, self.deadline = st, stats, chunk, deadline
        self.pause_s = pause_s
        self.receiver_public = receiver_public
        transport = httpx.AsyncHTTPTransport(verify=ctx, local_address=st.address, retries=0)
        self.http = httpx.AsyncClient(
            base_url=base_url, transport=transport, timeout=httpx.Timeout(30.0), trust_env=False
        )
        self.rng = random.Random(st.station_id)

    def _headers(self, method: str, path: str, body: bytes, offset: str | None) -> dict[str, str]:
        stamp = iso(datetime.now(UTC))
        doc = protocol.request_doc(method, path, stamp, body, offset)
        return {
            protocol.H_STATION: self.st.station_id,
            protocol.H_TIMESTAMP: stamp,
            protocol.H_SIGNATURE: protocol.sign(self.st.signing_key, protocol.REQUEST_PREFIX, doc),
            protocol.H_TUS: protocol.TUS_VERSION,
        }

    async def _request(
        self, method: str, path: str, body: bytes, extra: dict[str, str]
    ) -> httpx.Response | None:
        headers = {**self._headers(method, path, body, extra.get(protocol.H_OFFSET)), **extra}
        started = time.monotonic()
        try:
            r = await self.http.request(method, path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self.stats.request_ms.append((time.monotonic() - started) * 1000)
            self.stats.count(f"transport:{type(exc).__name__}")
            return None
        self.stats.request_ms.append((time.monotonic() - started) * 1000)
        self.stats.count(str(r.status_code))
        return r

    async def _backoff(self, attempt: int) -> None:
        await asyncio.sleep(min(4.0, 0.2 * 2**attempt) * (0.5 + self.rng.random()))

    def _receipted(self, sealed: packet.Sealed, r: httpx.Response) -> bool:
        try:
            receipt = protocol.Receipt.from_json(r.json())
        except ValueError:
            self.stats.bad_receipts += 1
            return False
        if not receipt.verify(
            self.receiver_public, sealed.packet_id, sealed.sha256, self.st.station_id
        ):
            self.stats.bad_receipts += 1
            return False
        self.stats.receipted.setdefault(self.st.station_id, []).append(sealed.packet_id)
        return True

    async def send(self, sealed: packet.Sealed) -> bool:
        attempt = 0
        announce = json.dumps(
            {"packet_id": sealed.packet_id, "length": sealed.size, "sha256": sealed.sha256}
        ).encode()
        while time.monotonic() < self.deadline:
            r = await self._request(
                "POST", "/v1/uploads", announce, {"Content-Type": "application/json"}
            )
            if r is not None and r.status_code == 200:
                return self._receipted(sealed, r)
            if r is None or r.status_code != 201:
                await self._backoff(attempt)
                attempt += 1
                continue
            offset = int(r.headers[protocol.H_OFFSET])
            while offset < sealed.size and time.monotonic() < self.deadline:
                chunk = sealed.data[offset : offset + self.chunk]
                digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
                r = await self._request(
                    "PATCH",
                    f"/v1/uploads/{sealed.packet_id}",
                    chunk,
                    {
                        "Content-Type": "application/offset+octet-stream",
                        protocol.H_OFFSET: str(offset),
                        protocol.H_CHECKSUM: f"sha256 {digest}",
                    },
                )
                if r is None:
                    break
                if r.status_code == 204:
                    self.stats.chunk_bytes += len(chunk)
                    offset = int(r.headers[protocol.H_OFFSET])
                    attempt = 0
                elif r.status_code == 200:
                    return self._receipted(sealed, r)
                elif r.status_code == 409 and protocol.H_OFFSET in r.headers:
                    offset = int(r.headers[protocol.H_OFFSET])
                else:
                    break  # 5xx, 404 (upload gone), 408...: announce again and resume
            await self._backoff(attempt)
            attempt += 1
        return False

    async def run(self) -> None:
        try:
            for sealed in self.st.packets:
                await asyncio.sleep(self.rng.uniform(0, 2 * self.pause_s))
                if not await self.send(sealed):
                    self.stats.unfinished.append(sealed.packet_id)
        finally:
            await self.http.aclose()


async def _all_stations(
    stations: list[Station],
    base_url: str,
    ctx: ssl.SSLContext,
    receiver_public: bytes,
    stats: ClientStats,
    chunk: int,
    deadline: float,
    pause_s: float,
) -> None:
    uploaders = [
        StationUploader(st, base_url, ctx, receiver_public, stats, chunk, deadline, pause_s)
        for st in stations
    ]
    await asyncio.gather(*(u.run() for u in uploaders))


# --- the slow-client flood (its own process) ------------------------------------------------------


async def _slow_one(
    target: tuple[str, int, ssl.SSLContext],
    source: str,
    body: bool,
    stop: asyncio.Event,
    counts: dict[str, int],
) -> None:
    host, port, ctx = target
    while not stop.is_set():
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, ssl=ctx, local_addr=(source, 0)), 10
            )
        except (OSError, TimeoutError, ssl.SSLError):
            counts["refused"] += 1
            await asyncio.sleep(1.0)
            continue
        counts["opened"] += 1
        counts["open"] += 1
        counts["max_open"] = max(counts["max_open"], counts["open"])
        if body:
            head = (
                "PATCH /v1/uploads/" + "0" * 32 + " HTTP/1.1\r\nHost: receiver\r\n"
                "Content-Type: application/offset+octet-stream\r\nContent-Length: 65536\r\n\r\n"
            ).encode()
            payload = head + b"\0" * 65536
            start = len(head)
        else:
            payload = b"GET /v1/health HTTP/1.1\r\nHost: receiver\r\nX-Slow: " + b"a" * 4000
            start = 0
        pos = 0
        try:
            if start:
                writer.write(payload[:start])
                pos = start
            while not stop.is_set() and pos < len(payload):
                writer.write(payload[pos : pos + 1])
                pos += 1
                await writer.drain()
                with contextlib.suppress(TimeoutError):
                    if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                        counts["cut"] += 1
                        break
                    counts["answered"] += 1
                    break
        except (OSError, ssl.SSLError):
            counts["cut"] += 1
        finally:
            counts["open"] -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2)


async def _flood(host: str, port: int, count: int, seconds: float) -> dict[str, int]:
    """``count`` slow connections, each replaced when cut, until ``seconds`` or SIGTERM."""
    counts = {"opened": 0, "open": 0, "max_open": 0, "cut": 0, "refused": 0, "answered": 0}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.call_later(seconds, stop.set)
    # One context for all (loading the CA store per connection costs 0.1-0.3 s each).
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    target = (host, port, ctx)
    await asyncio.gather(
        *(_slow_one(target, flood_address(i), i % 2 == 1, stop, counts) for i in range(count))
    )
    del counts["open"]
    return counts


class Flood:
    """The slow-client flood in a process of its own (it must not slow the honest clients'
    event loop); ``result()`` gives its counts."""

    def __init__(self, host: str, port: int, count: int, seconds: float) -> None:
        cmd = [sys.executable, "-m", "tests.sync.loadrig", "flood", host, str(port)]
        self.proc = subprocess.Popen(
            [*cmd, str(count), str(seconds)],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def result(self, timeout: float = 30.0) -> dict[str, int]:
        """Stop the flood (SIGTERM) and read its counts."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        try:
            result: dict[str, int] = json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise RuntimeError(f"flood failed: {err.decode(errors='replace')[-2000:]}") from None
        return result

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def flood_ready(port: int, count: int, timeout: float = 15.0) -> None:
    """Wait until ``count`` flood connections are established with HAProxy (``ss``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(
            ["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        if sum(1 for line in out.splitlines() if "127.2.0." in line) >= count:
            return
        time.sleep(0.2)


# --- one run ----------------------------------------------------------------------------------


@dataclass
class LoadConfig:
    stations: int = 200
    packets_per_station: int = 1
    packet_size: int = 200_000
    receivers: int = 3
    postgres: bool = True
    #: Each process its own data folder (needs every upload's bytes in the database).
    shared_data: bool = True
    kill_every_s: float = 3.0
    #: A station waits up to twice this (at random) before each packet: dossiers are sealed
    #: over time, not all at once, and the kill loop keeps hitting uploads in flight.
    pause_s: float = 0.0
    slow_clients: int = 500
    chunk: int = protocol.DEFAULT_CHUNK
    deadline_s: float = 300.0
    #: HAProxy settings by their environment name, e.g. ``{"SOURCE_MAX_CONN": 20}``.
    proxy_env: dict[str, int] = field(default_factory=dict)


@dataclass
class LoadResult:
    config: LoadConfig
    packets: int
    elapsed_s: float
    stats: ClientStats
    stored_rows: int
    stored_distinct: int
    blobs: int
    leftover_uploads: int
    stations_receipted: int
    kills: int
    restart_s: list[float]
    flood: dict[str, int]
    health_ok_during_flood: bool

    def percentile(self, q: float) -> float:
        values = sorted(self.stats.request_ms)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]

    def lines(self) -> list[str]:
        c = self.config
        s = self.stats
        ms = s.request_ms
        outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(s.by_outcome.items()))
        restarts = f"{statistics.median(self.restart_s):.1f}" if self.restart_s else "-"
        return [
            f"stations {c.stations} x {c.packets_per_station} packets of "
            f"~{c.packet_size // 1000} KB, "
            f"{c.receivers} receiver(s) on {'PostgreSQL' if c.postgres else 'SQLite'} "
            f"({'shared' if c.shared_data else 'separate'} data folders), via HAProxy, "
            f"{c.chunk // 1024} KiB chunks",
            f"faults: SIGKILL every {c.kill_every_s:g} s -> {self.kills} kills "
            f"(median restart {restarts} s); slow clients {c.slow_clients}: {self.flood}",
            f"packets {self.packets}: stored rows {self.stored_rows}, "
            f"distinct {self.stored_distinct}, "
            f"blobs {self.blobs}, uploads left {self.leftover_uploads}; receipted "
            f"{sum(len(v) for v in s.receipted.values())}, stations receipted "
            f"{self.stations_receipted}/{c.stations}, bad receipts {s.bad_receipts}, "
            f"unfinished {len(s.unfinished)}",
            f"elapsed {self.elapsed_s:.1f} s, {self.packets / self.elapsed_s:.1f} packets/s, "
            f"requests {len(ms)}; request ms p50 {self.percentile(0.50):.0f}, "
            f"p95 {self.percentile(0.95):.0f}, p99 {self.percentile(0.99):.0f}, "
            f"max {max(ms, default=0):.0f}",
            f"answers: {outcomes}; health through HAProxy during the flood: "
            f"{'ok' if self.health_ok_during_flood else 'FAILED'}",
        ]


def _count_stored(
    database_url: str, data_dirs: list[Path], stations: list[Station]
) -> tuple[int, int, int, int]:
    """(packet rows of these stations, distinct (station, packet), stored blobs, uploads left):
    blobs are rows of ``packet_blobs`` where the receiver keeps packets in the database, files
    of ``blobs/`` otherwise."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(database_url)
    ours = {st.station_id for st in stations}
    try:
        in_database = "packet_blobs" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT station_id, packet_id, sha256 FROM station_packets"))
            mine = [r for r in rows.all() if r[0] in ours]
            uploads = conn.execute(text("SELECT COUNT(*) FROM station_uploads")).scalar_one()
            if in_database:
                blobs = int(conn.execute(text("SELECT COUNT(*) FROM packet_blobs")).scalar_one())
    finally:
        engine.dispose()
    if not in_database:
        blobs = len({p.name for d in set(data_dirs) for p in (d / "blobs").glob("*/*.ipkt")})
    return len(mine), len({(r[0], r[1]) for r in mine}), blobs, int(uploads)


def run_load(config: LoadConfig, workdir: Path | None = None) -> LoadResult:
    """One bounded run; every process it started is stopped before it returns."""
    from sync.receiver.core import Receiver
    from sync.receiver.keys import load_keys
    from sync.receiver.store import ReceiverStore

    root = Path(tempfile.mkdtemp(prefix="load-", dir=workdir))
    stack = contextlib.ExitStack()
    try:
        keyset = generate_receiver_keyset(root / "keys")
        keys = load_keys([keyset["receiver_keys"]])
        public = keys.decryption[keys.current_key_id].public_key()
        stations = make_stations(
            config.stations, config.packets_per_station, config.packet_size, public
        )
        if config.postgres:
            server = stack.enter_context(postgres_cluster(max_connections=300))
            url: str | None = create_database(server)
        else:
            url = None
        shared = config.shared_data or url is None  # SQLite: one database file, one folder
        fleet = ReceiverFleet(root, keyset["receiver_keys"], config.receivers, url, shared)
        # Register every station once, before the fleet starts (the schema is made here too).
        for data in sorted(set(fleet.data)):
            store = ReceiverStore(data, url)
            registrar = Receiver(store, keys)
            for st in stations:
                registrar.register_station(st.registration())
            store.close()
            if url is not None:
                break
        database_url = url or f"sqlite:///{fleet.data[0] / 'receiver.sqlite3'}"
        stack.callback(fleet.stop)
        fleet.start_all()
        backends = [fleet.address(i) for i in range(config.receivers)]
        proxy = Haproxy(root, backends, **config.proxy_env)
        stack.callback(proxy.stop)
        proxy.start()

        deadline = time.monotonic() + config.deadline_s
        stop = threading.Event()
        flood: Flood | None = None
        if config.slow_clients:
            flood = Flood("127.0.0.1", proxy.port, config.slow_clients, config.deadline_s)
            stack.callback(flood.stop)
            flood_ready(proxy.port, config.slow_clients // 2)
        health_ok = False
        with contextlib.suppress(httpx.HTTPError):
            health_ok = httpx.get(
                f"{proxy.url}/v1/health", verify=proxy.context(), timeout=10
            ).is_success

        def killer() -> None:
            n = 0
            while not stop.wait(config.kill_every_s):
                if time.monotonic() > deadline:
                    return
                fleet.restart(n % config.receivers)
                n += 1

        thread = threading.Thread(target=killer, daemon=True)
        if config.kill_every_s > 0:
            thread.start()
        stats = ClientStats()
        started = time.monotonic()
        try:
            asyncio.run(
                _all_stations(
                    stations,
                    proxy.url,
                    proxy.context(),
                    keys.signing_public,
                    stats,
                    config.chunk,
                    deadline,
                    config.pause_s,
                )
            )
        finally:
            elapsed = time.monotonic() - started
            stop.set()
            if thread.is_alive():
                thread.join(90)
        flood_counts: dict[str, int] = {}
        if flood is not None:
            flood_counts = flood.result()
        rows, distinct, blobs, leftover = _count_stored(database_url, fleet.data, stations)
        return LoadResult(
            config=config,
            packets=sum(len(st.packets) for st in stations),
            elapsed_s=elapsed,
            stats=stats,
            stored_rows=rows,
            stored_distinct=distinct,
            blobs=blobs,
            leftover_uploads=leftover,
            stations_receipted=sum(
                1
                for st in stations
                if len(stats.receipted.get(st.station_id, [])) == len(st.packets)
            ),
            kills=fleet.kills,
            restart_s=fleet.restart_s,
            flood=flood_counts,
            health_ok_during_flood=health_ok,
        )
    finally:
        stack.close()
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.sync.loadrig")
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flood", help="hold slow TLS connections open until SECONDS have passed")
    f.add_argument("host")
    f.add_argument("port", type=int)
    f.add_argument("count", type=int)
    f.add_argument("seconds", type=float)
    args = p.parse_args(argv)
    counts = asyncio.run(_flood(args.host, args.port, args.count, args.seconds))
    print(json.dumps(counts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
