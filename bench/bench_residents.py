"""Resident search over a generated list: import time, and latency per keystroke query.

Run: ``.venv/bin/python bench/bench_residents.py [--residents N]``. Prints figures; asserts
nothing. The queries are what an officer types, one keystroke at a time, for people drawn from
the list (their name, their name with the birth year, their number as it is typed).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import machine

from station.masterdata import fold
from station.paths import StationPaths
from station.provisioning import Bundle, InitRequest, generate_receiver_keyset, init_station
from station.service import StationService
from station.testdata import csv_lines, people

PW = "bench-chim-lac-2026"


def keystrokes(rng: random.Random, n_people: int, total: int) -> list[str]:
    """Typed prefixes (from 2 characters) of names, names with a year, and ID numbers."""
    queries: list[str] = []
    for p in people(n_people, seed=7):
        kind = rng.random()
        if kind < 0.6:
            target = fold(p.full_name)
        elif kind < 0.8:
            target = f"{fold(p.full_name)} {p.date_of_birth.year}"
        else:
            target = p.id_number
        queries.extend(target[:i] for i in range(2, len(target) + 1))
        if len(queries) >= total:
            break
    return queries[:total]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=2000)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        keys = generate_receiver_keyset(root / "keys")
        paths = StationPaths(root / "station")
        init_station(
            paths,
            InitRequest(
                Bundle.load(keys["bundle"]),
                "admin",
                "Quản Trị",
                PW,
                "BENCH-01",
                "Bench",
                kdf_cost=(1024, 1, 1),
            ),
        )
        svc = StationService(paths, session_timeout_s=10**9)
        svc.login("admin", PW)
        csv_path = root / "residents.csv"
        t0 = time.perf_counter()
        with csv_path.open("w", encoding="utf-8") as fh:
            for line in csv_lines(args.residents, seed=7):
                fh.write(line + "\n")
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = svc.import_roster(csv_path, "residents", "bench")
        import_s = time.perf_counter() - t0
        print(
            f"import: {report.imported:,} residents ({csv_path.stat().st_size / 1e6:.0f} MB CSV, "
            f"generated in {gen_s:.1f} s) in {import_s:.1f} s = "
            f"{report.imported / import_s:,.0f} rows/s, validation included"
        )
        queries = keystrokes(random.Random(1), args.residents, args.queries)
        for q in queries[:50]:  # warm the page cache as a working station would be
            svc.search_residents(q)
        times = []
        empty = 0
        for q in queries:
            t0 = time.perf_counter()
            hits = svc.search_residents(q)
            times.append((time.perf_counter() - t0) * 1000)
            empty += not hits
        times.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        print(
            f"search: {len(times)} keystroke queries, median {statistics.median(times):.1f} ms, "
            f"p99 {p99:.1f} ms, max {times[-1]:.1f} ms; {empty} with no hit"
        )
        size = sum(f.stat().st_size for f in paths.store_dir.iterdir())
        print(f"store size with the list: {size / 1e6:.0f} MB")
        svc.close()


if __name__ == "__main__":
    main()
