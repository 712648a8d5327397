"""Status pull: request sizes and time, by id list (``POST /v1/status``) against by cursor
(``POST /v2/status``), for N delivered packets each with one status change.

Run: ``.venv/bin/python bench/bench_status_pull.py [--packets N]``. Prints figures; asserts
nothing. The receiver runs in this process (uvicorn on loopback, plain HTTP); the station side is
``sync.client.ReceiverClient`` with a throw-away registered key. Rows are written in bulk.
"""

from __future__ import annotations

import argparse
import base64
import platform
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import insert

from station import crypto
from station.clock import iso
from station.provisioning import generate_receiver_keyset
from sync.client import ReceiverClient
from sync.protocol import STATUS_PAGE
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.keys import load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import PacketRow, ReceiverStore, StatusLogRow


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=5000)
    n = ap.parse_args().packets
    work = Path(tempfile.mkdtemp(prefix="bench-status-"))
    keys = load_keys([generate_receiver_keyset(work / "keys")["receiver_keys"]])
    receiver = Receiver(ReceiverStore(work / "data"), keys)
    key = crypto.ed25519_generate()
    station_id = str(uuid.uuid4())
    receiver.register_station(
        {
            "format": "intake-station/station-registration",
            "version": 1,
            "station_id": station_id,
            "code": "BENCH-1",
            "name": "Bench",
            "public_key": base64.b64encode(crypto.ed25519_public(key)).decode(),
        }
    )
    now = iso(receiver.clock.now())
    ids = [uuid.uuid4().hex for _ in range(n)]
    with receiver.store.write() as s:
        s.execute(
            insert(PacketRow),
            [
                dict(
                    station_id=station_id,
                    packet_id=p,
                    dossier_id=p,
                    live_dossier_id=p,
                    number=f"B-{i}",
                    sha256=f"{i:064x}",
                    size=1,
                    blob_path="-",
                    key_id="-",
                    sealed_at=now,
                    received_at=now,
                    via="http",
                    status="card_printed",
                    status_at=now,
                )
                for i, p in enumerate(ids)
            ],
        )
        s.execute(
            insert(StatusLogRow),
            [dict(station_id=station_id, packet_id=p, status="card_printed", at=now) for p in ids],
        )
    with BackgroundServer(create_app(receiver)) as server:
        client = ReceiverClient(server.url, station_id, key)
        sizes: list[tuple[int, int]] = []

        def measure(response: httpx.Response) -> None:
            response.read()
            sizes.append((len(response.request.content), len(response.content)))

        client.http.event_hooks["response"].append(measure)
        t0 = time.perf_counter()
        for start in range(0, n, 1000):
            client.status(ids[start : start + 1000])
        v1_s, v1 = time.perf_counter() - t0, list(sizes)
        sizes.clear()
        t0 = time.perf_counter()
        cursor, more = 0, True
        while more:
            page = client.status_since(cursor, STATUS_PAGE)
            cursor, more = page["cursor"], page["more"]
        v2_s, v2 = time.perf_counter() - t0, list(sizes)
        sizes.clear()
        client.status_since(cursor, STATUS_PAGE)
        idle = sizes[0]
        client.close()
    receiver.store.close()
    print(f"{platform.machine()} {platform.python_version()}, {n} delivered packets")
    for name, runs, secs in (("v1 by ids (1000 a request)", v1, v1_s), ("v2 by cursor", v2, v2_s)):
        up, down = sum(u for u, _ in runs), sum(d for _, d in runs)
        largest = max(u for u, _ in runs)
        print(
            f"{name:28} {len(runs):3} requests, up {up:9,} B (largest {largest:7,}),"
            f" down {down:10,} B, {secs * 1000:7.0f} ms"
        )
    print(f"{'v2, nothing new':28}   1 request,  up {idle[0]:9,} B, down {idle[1]:10,} B")
    print("v1 is sent on every run for every undelivered status; v2 sends only what changed.")


if __name__ == "__main__":
    main()
