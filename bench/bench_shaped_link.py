"""Goodput of the station's uploader over a shaped link, and what a link cut costs.

Run as root: ``.venv/bin/python bench/bench_shaped_link.py [--kbit 64] [--payload 200000]``.
Prints figures; asserts nothing. Refuses (exit 1) when not root or when the tools are missing.

Three network namespaces (``tests/netlink.py``): station ─veth─ router ─veth─ receiver. The
router shapes each direction: ``tbf`` at the link rate, 5% loss by ``nftables`` in its
prerouting hook, 300 ms one-way delay by a userspace TUN delay line (no ``netem`` here). The
receiver is ``intake-station-receiver serve`` over TLS in its namespace; the station's own
uploader (``sync.api``, the certificate pinned) runs in its namespace until every packet has a
receipt.

Goodput = payload bytes / (time from the first request to the last receipt × link rate). It
includes the health check, the TCP and TLS handshakes, one ``POST`` per packet, the receipts;
TCP/IP and TLS headers alone cap it near 0.95 of the link.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.netlink, tests.conftest

KIB = 1024


@dataclass
class Measured:
    payload: int
    elapsed_s: float
    runs: int
    failed_runs: int
    bytes_sent: int  # sum of RunReport.bytes_sent
    patch_bytes: int  # chunk bytes handed to PATCH requests
    up_wire: int  # IP bytes through the router's station → receiver queue
    lost: int  # packets the loss rule dropped, both ways
    queue_drops: int  # packets the rate queue dropped, both ways
    errors: list[str]

    def goodput(self, kbit: int) -> float:
        return self.payload / (self.elapsed_s * kbit * 1000 / 8)


def measure(
    workdir: Path,
    keyset: dict[str, Path],
    shape: Any,
    chunk: int,
    sizes: list[int],
    cut_s: float = 0.0,
    deadline_s: float = 600.0,
) -> Measured:
    from tests import netlink

    workdir.mkdir(parents=True)
    station = workdir / "station"
    packets = netlink.prepare_station(station, keyset, sizes)
    registration = netlink.station_registration(station)
    data = workdir / "receiver"
    data.mkdir()
    with netlink.ShapedNet(shape) as net:
        netlink.start_receiver(net, keyset, data, registration)
        proc = netlink.start_uploader(net, station, chunk, deadline_s)
        if cut_s:
            _cut_after_first_chunk(net, data, proc, chunk, cut_s)
        out, err = proc.communicate(timeout=deadline_s + 60)
        stats = net.stats()
    summary, runs = netlink.read_summary(out)
    if summary["pending"]:
        print(f"  (incomplete: {summary['pending']} packet(s) pending; {err[-500:]})")
    return Measured(
        payload=sum(size for size, _ in packets.values()),
        elapsed_s=float(summary["elapsed_s"]),
        runs=len(runs),
        failed_runs=sum(1 for r in runs if r["failed"] or not r["reachable"]),
        bytes_sent=int(summary["bytes_sent"]),
        patch_bytes=int(summary["patch_bytes"]),
        up_wire=stats.up_bytes,
        lost=stats.up_lost + stats.down_lost,
        queue_drops=stats.up_queue_drops + stats.down_queue_drops,
        errors=list(summary["errors"]),
    )


def _cut_after_first_chunk(
    net: Any, data: Path, proc: Any, chunk: int, cut_s: float, wait_s: float = 120.0
) -> None:
    """Once the receiver holds a first chunk, bring the link down for ``cut_s`` seconds."""
    partial = data / "partial"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and proc.poll() is None:
        if partial.is_dir() and any(p.stat().st_size >= chunk for p in partial.glob("*.part")):
            break
        time.sleep(0.05)
    net.set_link(False)
    try:
        time.sleep(cut_s)
    finally:
        net.set_link(True)


def _fmt(values: list[float], digits: int = 2) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--kbit", type=int, default=64, help="link rate each way (kbit/s)")
    p.add_argument("--payload", type=int, default=200_000, help="bytes of packets per run")
    p.add_argument("--packets", type=int, default=2, help="packets per run")
    p.add_argument("--repeat", type=int, default=1, help="runs per configuration")
    p.add_argument(
        "--chunks", default="16,64,256", help="chunk sizes in KiB, comma-separated (16,64,256)"
    )
    p.add_argument("--no-cut", action="store_true", help="skip the link-cut measurements")
    args = p.parse_args(argv)

    if os.geteuid() != 0:
        print(
            "bench_shaped_link needs root (network namespaces, tc, nftables); "
            "run it as root, e.g. sudo .venv/bin/python bench/bench_shaped_link.py",
            file=sys.stderr,
        )
        return 1
    from station.provisioning import generate_receiver_keyset
    from tests import netlink

    reason = netlink.unavailable_reason(delay=True)
    if reason:
        print(f"bench_shaped_link cannot run here: {reason}", file=sys.stderr)
        return 1

    chunks = [int(c) * KIB for c in args.chunks.split(",")]
    sizes = [args.payload // args.packets] * args.packets
    shapes = [
        ("rate only", netlink.Shape(args.kbit, 0.0, 0)),
        ("+5% loss, +300 ms", netlink.Shape(args.kbit, 5.0, 300)),
    ]
    print(f"# {platform.python_implementation()} {platform.python_version()}, {platform.node()}")
    print(
        f"# link {args.kbit} kbit/s each way; {args.packets} packet(s) of ~{sizes[0]:,} B "
        f"per run; goodput = payload / (time x link rate); {args.repeat} run(s) each"
    )
    print(
        "# wire up B: IP bytes through the uplink queue (last repeat); runs, failed (sync runs "
        "that failed), lost, q.drop: totals over the repeats; re-sent B: the largest"
    )
    with tempfile.TemporaryDirectory(prefix="bench-shaped-") as tmp:
        work = Path(tmp)
        from tests.netlink import RECEIVER_ADDR

        keyset = generate_receiver_keyset(work / "keys", tls_hosts=[RECEIVER_ADDR])
        n = 0
        print(
            f"{'link':<20} {'chunk':>7} {'goodput':>9} {'time s':>8} {'payload B':>10} "
            f"{'wire up B':>10} {'runs':>5} {'failed':>6} {'re-sent B':>10} {'lost':>5} "
            f"{'q.drop':>6}"
        )
        for label, shape in shapes:
            for chunk in chunks:
                results: list[Measured] = []
                for _ in range(args.repeat):
                    n += 1
                    results.append(measure(work / f"m{n}", keyset, shape, chunk, sizes))
                r = results[-1]
                print(
                    f"{label:<20} {chunk // KIB:>4} KiB "
                    f"{_fmt([m.goodput(args.kbit) for m in results]):>9} "
                    f"{_fmt([m.elapsed_s for m in results], 1):>8} {r.payload:>10,} "
                    f"{r.up_wire:>10,} {sum(m.runs for m in results):>5} "
                    f"{sum(m.failed_runs for m in results):>6} "
                    f"{max(m.patch_bytes - m.payload for m in results):>10,} "
                    f"{sum(m.lost for m in results):>5} {sum(m.queue_drops for m in results):>6}",
                    flush=True,
                )
                for m in results:
                    if m.errors:
                        print(f"{'':<20} errors: {m.errors}")
        if args.no_cut:
            return 0
        print(
            "\n# a cut: the router's receiver-side link down once the receiver holds the first "
            "64 KiB chunk; 5% loss, 300 ms"
        )
        print(
            f"{'cut':>6} {'time s':>8} {'runs':>5} {'failed':>6} {'re-sent B':>10} "
            f"{'RunReport re-sent B':>20}  errors"
        )
        lossy = shapes[1][1]
        for cut_s in (5.0, 40.0):
            resent: list[float] = []
            for _ in range(args.repeat):
                n += 1
                m = measure(work / f"m{n}", keyset, lossy, 64 * KIB, sizes, cut_s=cut_s)
                resent.append(m.patch_bytes - m.payload)
                print(
                    f"{cut_s:>5.0f}s {m.elapsed_s:>8.1f} {m.runs:>5} {m.failed_runs:>6} "
                    f"{m.patch_bytes - m.payload:>10,} {m.bytes_sent - m.payload:>+20,}  "
                    f"{sorted(set(m.errors))}",
                    flush=True,
                )
            if len(resent) > 1:
                print(f"{'':>6} median re-sent {statistics.median(resent):,.0f} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
