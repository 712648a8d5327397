"""Gate figures: what the core measures per dossier before it may be marked captured.

Run: ``.venv/bin/python bench/bench_gate.py [--runs N] [--serial]``. Prints figures; asserts
nothing.

The parts are one dossier's captures from the simulated devices (``station.capture.simulated``):
a portrait, ten flat prints, ten rolled prints, both irises and a signature. Figures:

- **cold**: every part measured from its bytes as when it is first saved (portrait checks; per
  print one pass: decode, block features, quality, minutiae; the 45 pairwise comparisons of the
  flat prints; each rolled print against the flat print of its finger; the irises' measures),
  with the measurement memo emptied: the gate's work for a new dossier, spread over the saves;
- **through the service**: the same parts saved into a new dossier (``save_cold``: the whole
  dossier, store writes included), ``mark_captured`` (reads the stored verdicts), and the same
  bytes saved again (``save_warm``: measurements remembered by SHA-256).

Wall-clock seconds, this process's CPU seconds (both cores' threads) and the load average are
printed for each: on a shared machine the wall clock grows with the other processes' load.
``--serial`` runs the gate without its helper thread (``station.capture.parallel``): one core.
All of it runs on the window's background worker, never on the UI thread.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import OP_PW, machine, provision

from station import masterdata, testdata
from station.capture import biogate, gate, parallel, simulated
from station.service import StationService


def clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(t: tuple[float, float]) -> tuple[float, float]:
    now = clocks()
    return now[0] - t[0], now[1] - t[1]


def measure_parts(parts: simulated.SimulatedCaptures) -> dict[str, tuple[float, float]]:
    """The gate's measurements, stage by stage, with nothing remembered: (wall, CPU) seconds."""
    gate.clear_memo()
    biogate.clear_memo()
    settings = gate.GateSettings()
    out: dict[str, tuple[float, float]] = {}

    t0 = clocks()
    gate.judge_portrait(parts.face, settings)
    out["portrait"] = since(t0)
    t0 = clocks()
    flats = {}
    for finger, (data, media_type, _) in parts.prints.items():
        sha = hashlib.sha256(data).hexdigest()
        gate.measure_print(sha, finger, media_type, data)  # decode, quality and minutiae
        flat = gate.template(sha, data)
        assert flat is not None
        flats[finger] = (sha, flat)
    out["flat_10"] = since(t0)
    t0 = clocks()
    for (sa, ta), (sb, tb) in itertools.combinations(flats.values(), 2):
        gate.similarity(sb, tb, sa, ta)
    out["pairwise_45"] = since(t0)
    t0 = clocks()
    rolled = {}
    for finger, (data, media_type, _) in parts.rolled.items():
        sha = hashlib.sha256(data).hexdigest()
        biogate.judge_rolled(finger, media_type, data)
        template = gate.template(sha, data)
        assert template is not None
        rolled[finger] = (sha, template)
    out["rolled_10"] = since(t0)
    t0 = clocks()
    for finger, mine in rolled.items():
        biogate.rolled_alarm(finger, mine, flats, settings.match_threshold, "now")
    out["rolled_vs_flat_10"] = since(t0)
    t0 = clocks()
    for data, media_type, _ in parts.irises.values():
        biogate.judge_iris(media_type, data, settings)
    out["irises_2"] = since(t0)
    out["total"] = (sum(v[0] for v in out.values()), sum(v[1] for v in out.values()))
    return out


def measure_service(
    paths: object, parts: simulated.SimulatedCaptures, runs: int
) -> dict[str, list[tuple[float, float, float]]]:
    op = StationService(paths, session_timeout_s=10**9)  # type: ignore[arg-type]
    op.login("op1", OP_PW)
    md = masterdata.load()
    people = testdata.people(2 * runs + 2, seed=13)
    figures: dict[str, list[tuple[float, float, float]]] = {
        "save_cold": [],
        "mark_captured": [],
        "save_warm": [],
    }
    try:
        for run in range(2 * runs):
            warm = run % 2 == 1
            if not warm:
                gate.clear_memo()
                biogate.clear_memo()
            d = op.create_dossier("first_issue", testdata.valid_form(next(people), md))
            load = os.getloadavg()[0]
            t0 = clocks()
            op.save_face(d.id, parts.face, parts.face_meta)
            for finger, (data, media_type, meta) in parts.prints.items():
                op.save_fingerprint(d.id, finger, data, media_type, meta)
            for finger, (data, media_type, meta) in parts.rolled.items():
                op.save_rolled_print(d.id, finger, data, media_type, meta)
            for eye, (data, media_type, meta) in parts.irises.items():
                op.save_iris(d.id, eye, data, media_type, meta)
            op.record_citizen_review(d.id)
            op.save_signature(d.id, parts.strokes)
            figures["save_warm" if warm else "save_cold"].append((*since(t0), load))
            t0 = clocks()
            op.mark_captured(d.id)
            figures["mark_captured"].append((*since(t0), load))
    finally:
        op.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serial", action="store_true", help="no helper thread (one core)")
    args = parser.parse_args()
    if args.serial:
        parallel._helper = lambda: None
    print(f"# {machine()}; load average {os.getloadavg()[0]:.1f}; serial={args.serial}")
    t0 = time.perf_counter()
    parts = simulated.capture()
    print(f"simulated captures made in {time.perf_counter() - t0:.1f} s")
    stages = [measure_parts(parts) for _ in range(args.runs)]
    print("gate measurements per dossier, cold (median of runs; wall / CPU seconds):")
    for key in stages[0]:
        wall = statistics.median(s[key][0] for s in stages)
        cpu = statistics.median(s[key][1] for s in stages)
        print(f"  {key:18s} {wall:.3f} / {cpu:.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = provision(Path(tmp), kdf_cost=(1024, 1, 1))
        figures = measure_service(paths, parts, args.runs)
    print("through the service (median wall / CPU seconds; each run: wall/CPU@load):")
    for key, values in figures.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        runs = ", ".join(f"{w:.2f}/{c:.2f}@{ld:.1f}" for w, c, ld in values)
        print(f"  {key:16s} {wall:.3f} / {cpu:.3f}  (runs: {runs})")


if __name__ == "__main__":
    main()
