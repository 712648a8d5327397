"""Load and faults, full form: 200 stations uploading at once through HAProxy to 3 receiver
processes on one PostgreSQL; one receiver SIGKILLed and restarted every few seconds; 500 slow
clients at the same time. Prints what was stored and receipted and the honest clients' request
times (p50/p95/p99); asserts nothing.

Run: ``PYTHONPATH=. .venv/bin/python bench/bench_load.py [--stations 200] [--packets 2]
[--size 200000] [--receivers 3] [--sqlite] [--shared-data] [--kill-every 3] [--slow 500]
[--pause 2] [--deadline 300]``. Needs Debian's ``haproxy`` and PostgreSQL (``postgresql``) and
``psycopg``; runs as root (PostgreSQL as the ``postgres`` user) or as a user who may run both.
The rig is ``tests/sync/loadrig.py`` (the CI test ``tests/sync/test_load.py`` runs it short).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import machine  # noqa: E402  (one machine description for every bench)

from tests.sync.loadrig import LoadConfig, postgres_available, run_load  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stations", type=int, default=200)
    p.add_argument("--packets", type=int, default=2, help="packets per station")
    p.add_argument("--size", type=int, default=200_000, help="packet size, bytes (about)")
    p.add_argument("--receivers", type=int, default=3)
    p.add_argument("--sqlite", action="store_true", help="SQLite (one shared data folder)")
    p.add_argument(
        "--shared-data",
        action="store_true",
        help="one data folder for all receivers (default: each its own; all state is in the "
        "database)",
    )
    p.add_argument("--kill-every", type=float, default=3.0, help="seconds; 0: no kills")
    p.add_argument("--slow", type=int, default=500, help="slow-client connections")
    p.add_argument("--pause", type=float, default=2.0, help="mean pause before each packet, s")
    p.add_argument("--deadline", type=float, default=300.0)
    args = p.parse_args()
    postgres = not args.sqlite
    if postgres and not postgres_available():
        print("PostgreSQL or psycopg is not installed: use --sqlite", file=sys.stderr)
        return 2
    config = LoadConfig(
        stations=args.stations,
        packets_per_station=args.packets,
        packet_size=args.size,
        receivers=args.receivers,
        postgres=postgres,
        shared_data=args.shared_data,
        kill_every_s=args.kill_every,
        pause_s=args.pause,
        slow_clients=args.slow,
        deadline_s=args.deadline,
    )
    print(f"machine: {machine()}")
    result = run_load(config)
    for line in result.lines():
        print(line)
    ok = (
        not result.stats.unfinished
        and result.stats.bad_receipts == 0
        and result.stored_rows == result.stored_distinct == result.packets
        and result.stations_receipted == config.stations
    )
    print("every packet stored once, every station receipted" if ok else "INCOMPLETE (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
