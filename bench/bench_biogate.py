"""Gate figures for rolled prints and irises: what the core measures on them, per dossier.

Run: ``.venv/bin/python bench/bench_biogate.py [--runs N]``. Prints figures; asserts nothing.

On one dossier's simulated captures (``station.capture.simulated``), with the measurement memo
emptied before each run (cold, as for a new dossier):

- **rolled**: per rolled print one pass (decode, block features, quality, minutiae), then its
  comparison with the flat print of its finger (ten comparisons in all; the flat prints'
  minutiae are extracted first, as the flat-print gate does, and not counted here);
- **iris**: per eye the decode and the ISO/IEC 29794-6-style measures;
- **per dossier**: the sum, which runs on the window's background worker as the parts are saved.

Wall-clock and CPU seconds (this process, both cores' threads) are printed with the load
average; the whole dossier's figure, flat prints included, is ``bench/bench_gate.py``'s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time

from station.capture import biogate, gate, simulated
from station.capture.fingerprint import WSQ_MEDIA_TYPE


def run_once(parts: simulated.SimulatedCaptures) -> dict[str, float]:
    gate.clear_memo()
    biogate.clear_memo()
    settings = gate.GateSettings()
    flats = {}
    for finger, (data, media_type, _meta) in parts.prints.items():
        sha = hashlib.sha256(data).hexdigest()
        gate.measure_print(sha, finger, media_type, data)
        flat = gate.template(sha, data)
        assert flat is not None
        flats[finger] = (sha, flat)
    t0 = time.perf_counter()
    c0 = time.process_time()
    rolled_measure = 0.0
    compare = 0.0
    for finger, (data, media_type, _meta) in parts.rolled.items():
        a = time.perf_counter()
        biogate.judge_rolled(finger, media_type or WSQ_MEDIA_TYPE, data)
        sha = hashlib.sha256(data).hexdigest()
        template = gate.template(sha, data)
        b = time.perf_counter()
        assert template is not None
        alarm = biogate.rolled_alarm(
            finger, (sha, template), flats, settings.match_threshold, "2026-01-01T00:00:00Z"
        )
        compare += time.perf_counter() - b
        rolled_measure += b - a
        if alarm is not None:
            print(f"  unexpected alarm for {finger}: {alarm}")
    t1 = time.perf_counter()
    for _eye, (data, media_type, _meta) in parts.irises.items():
        biogate.judge_iris(media_type, data, settings)
    t2 = time.perf_counter()
    return {
        "cpu": time.process_time() - c0,
        "rolled_measure": rolled_measure,
        "rolled_compare": compare,
        "rolled": t1 - t0,
        "iris": t2 - t1,
        "total": t2 - t0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    t = time.perf_counter()
    parts = simulated.capture()
    print(f"simulated captures: {time.perf_counter() - t:.1f} s")
    runs = [run_once(parts) for _ in range(args.runs)]
    for key in ("rolled_measure", "rolled_compare", "rolled", "iris", "total", "cpu"):
        values = [r[key] for r in runs]
        print(f"{key:15s} median {statistics.median(values):.3f} s  (min {min(values):.3f})")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
