"""Store figures: open + login time (KDF included), transitions per second, store size.

Run: ``make bench`` or ``.venv/bin/python bench/bench_store.py [--dossiers N]``. Prints figures;
asserts nothing. Each run provisions a fresh station in a temporary folder with the real default
Argon2id cost (64 MiB, 3 passes, 4 lanes).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from station import masterdata, testdata
from station.capture import simulated
from station.devices import Finger
from station.paths import StationPaths
from station.provisioning import (
    DEFAULT_KDF_COST,
    Bundle,
    InitRequest,
    generate_receiver_keyset,
    init_station,
)
from station.service import StationService

ADMIN_PW = "bench-chim-lac-2026"
OP_PW = "bench-operator-password"
SUP_PW = "bench-supervisor-password"
#: A dossier's binary parts as sized before the gate (the figures use real captures for the
#: face, prints and signature, and two noise pages of these sizes).
PARTS = (
    [("face", "", 60_000)]
    + [("fingerprint", f.value, 18_000) for f in Finger]
    + [
        ("signature", "", 10_000),
        ("document", "birth_certificate_1", 25_000),
        ("document", "birth_certificate_2", 25_000),
    ]
)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}"


def provision(root: Path, kdf_cost: tuple[int, int, int] = DEFAULT_KDF_COST) -> StationPaths:
    """A fresh station with op1 (operator) and sup1 (supervisor), first passwords changed."""
    keys = generate_receiver_keyset(root / "keys")
    paths = StationPaths(root / "station")
    init_station(
        paths,
        InitRequest(
            bundle=Bundle.load(keys["bundle"]),
            admin_id="admin",
            admin_name="Quản Trị",
            admin_password=ADMIN_PW,
            station_code="BENCH-01",
            station_name="Bench",
            kdf_cost=kdf_cost,
        ),
    )
    admin = StationService(paths)
    admin.login("admin", ADMIN_PW)
    for op_id, role, pw in (("op1", "operator", OP_PW), ("sup1", "supervisor", SUP_PW)):
        admin.add_operator(op_id, "Người Đo", role, pw + "-0")
        svc = StationService(paths)
        svc.login(op_id, pw + "-0")
        svc.change_password(pw + "-0", pw)
        svc.close()
    admin.close()
    return paths


def bench_login(paths: StationPaths, runs: int = 7) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        svc = StationService(paths)
        svc.login("op1", OP_PW)
        times.append(time.perf_counter() - t0)
        svc.close()
    return times


def bench_dossiers(paths: StationPaths, n: int) -> dict[str, float]:
    op = StationService(paths, session_timeout_s=10**9)
    op.login("op1", OP_PW)
    sup = StationService(paths, session_timeout_s=10**9)
    sup.login("sup1", SUP_PW)
    # Real captures (the gate measures what is stored): the simulated devices' portrait, ten
    # prints and signature, and two noise pages standing for scans.
    parts = simulated.capture()
    pages = [_noise_jpeg(size) for kind, _, size in PARTS if kind == "document"]
    md = masterdata.load()
    people = testdata.people(n, seed=11)
    ids = []
    t0 = time.perf_counter()
    for _ in range(n):
        d = op.create_dossier("first_issue", testdata.valid_form(next(people), md))
        op.save_face(d.id, parts.face, parts.face_meta)
        for finger, (data, media_type, meta) in parts.prints.items():
            op.save_fingerprint(d.id, finger, data, media_type, meta)
        op.record_citizen_review(d.id)
        op.save_signature(d.id, parts.strokes)
        for i, page in enumerate(pages, start=1):
            op.put_part(d.id, "document", f"birth_certificate_{i}", "image/jpeg", page)
        ids.append(d.id)
    capture_s = time.perf_counter() - t0
    per_dossier = sum(p.size for p in op.get_dossier(ids[0]).parts)
    captured_bytes = _store_bytes(paths)
    t0 = time.perf_counter()
    for dossier_id in ids:
        op.mark_captured(dossier_id)
        op.confirm(dossier_id)
        sup.approve(dossier_id)
    transition_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for dossier_id in ids:
        sup.system_seal(dossier_id)
    seal_s = time.perf_counter() - t0
    op.close()
    sup.close()
    return {
        "capture_s": capture_s,
        "transitions": 3 * n,
        "transition_s": transition_s,
        "seal_s": seal_s,
        "captured_bytes": captured_bytes,
        "sealed_bytes": _store_bytes(paths),
        "payload_bytes": n * per_dossier,
    }


def _noise_jpeg(size: int) -> bytes:
    """A JPEG of about ``size`` bytes of noise (noise does not compress)."""
    side = max(8, int((size / 0.93) ** 0.5))
    img = np.frombuffer(os.urandom(side * side), np.uint8).reshape(side, side)
    return bytes(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())


def _store_bytes(paths: StationPaths) -> int:
    """The store's files (database, WAL, shared memory) as they are on disk now."""
    return sum(
        p.stat().st_size for p in paths.store_dir.iterdir() if p.name.startswith("station.db")
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dossiers", type=int, default=1000)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = provision(Path(tmp))
        login = bench_login(paths)
        print(
            f"open store + login (Argon2id {DEFAULT_KDF_COST[0] // 1024} MiB, "
            f"t={DEFAULT_KDF_COST[1]}, p={DEFAULT_KDF_COST[2]}, migrations checked): "
            f"median {statistics.median(login) * 1000:.0f} ms, "
            f"min {min(login) * 1000:.0f} ms, max {max(login) * 1000:.0f} ms over {len(login)}"
        )
        r = bench_dossiers(paths, args.dossiers)
        print(
            f"capture: {args.dossiers} dossiers x 15 parts "
            f"({r['payload_bytes'] / args.dossiers / 1000:.0f} KB, measured by the gate) in "
            f"{r['capture_s']:.1f} s = {args.dossiers / r['capture_s']:.1f} dossiers/s"
        )
        print(
            f"transitions (captured, confirmed, approved; each one BEGIN IMMEDIATE transaction "
            f"with its audit entry, form and completeness checks included): {r['transitions']} "
            f"in {r['transition_s']:.2f} s = {r['transitions'] / r['transition_s']:.0f}/s"
        )
        print(
            f"sealing (packet built, signed, encrypted; parts deleted; one transaction): "
            f"{args.dossiers} in {r['seal_s']:.1f} s = {r['seal_s'] / args.dossiers * 1000:.1f} ms "
            "per dossier"
        )
        print(
            f"store size for {args.dossiers} dossiers with 300 KB of parts each: "
            f"{r['captured_bytes'] / 1e6:.1f} MB captured (payload "
            f"{r['payload_bytes'] / 1e6:.1f} MB, overhead "
            f"{(r['captured_bytes'] / r['payload_bytes'] - 1) * 100:.1f} %), "
            f"{r['sealed_bytes'] / 1e6:.1f} MB once sealed"
        )


if __name__ == "__main__":
    main()
