"""Fingerprints on simulated data: generation time, quality per condition, matcher error rates.

Run: ``.venv/bin/python bench/bench_fingerprint.py [--persons N] [--seeds N]``. Prints figures;
asserts nothing.

* **Generation**: ms per master print (grown once per finger, then cached) and per impression.
* **Quality** (``fpquality``): score distribution per condition over ``--seeds`` fingers
  (clear, dry, smudged, partial at level 0.5, empty platen, a textured non-finger), and how
  often the expected order clear > dry/smudged > partial > nothing holds per finger.
* **Matcher** (``fpmatch``): over ``--persons`` simulated people (ten fingers each), genuine
  pairs = two impressions of one finger (another placement, elastic distortion, pressure; the
  second one also dry, wet or partial at level 0.35-0.4), impostor pairs = every other finger of
  the same person (the duplicate check's real impostors) and fingers of another person.
  FNMR/FMR at ``fpmatch.THRESHOLD`` and around it, ms per extraction and per comparison.
* **Storage**: WSQ size per finger (and ratio to the raw image), PNG size, and the quality of
  the decoded WSQ image against the original.
* With ``nbis-py`` installed (not a dependency), NIST's bozorth3 scores the same clear pairs as
  a reference.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import machine

from station.capture import fingerprint, fpmatch, fpquality, fpsynth
from station.devices import Finger, SilentPrompter
from station.devices.simfinger import FINGER_SIZES, SimulatedScanner, finger_seed

T = TypeVar("T")


def summary(values: list[float]) -> str:
    v = sorted(values)
    q = statistics.quantiles(v, n=10) if len(v) >= 2 else [v[0]] * 9
    return (
        f"median {statistics.median(v):6.3f}  p10 {q[0]:6.3f}  p90 {q[-1]:6.3f}  "
        f"min {v[0]:6.3f}  max {v[-1]:6.3f}  (n={len(v)})"
    )


def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    t = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, (time.perf_counter() - t) * 1000


def bench_generation(n: int) -> None:
    fpsynth.master.cache_clear()
    size = fpsynth.DEFAULT_SIZE
    masters = [timed(fpsynth.master, 10_000 + s, size)[1] for s in range(n)]
    impressions = [timed(fpsynth.impression, 10_000 + s, impression_index=3)[1] for s in range(n)]
    degraded = [
        timed(fpsynth.impression, 10_000 + s, impression_index=4, condition="smudged")[1]
        for s in range(n)
    ]
    print("\n== Generation (400 × 500 px)")
    print(f"master print (Gabor growth, once per finger): {summary(masters)} ms")
    print(f"impression from a cached master, clear:       {summary(impressions)} ms")
    print(f"impression from a cached master, smudged:     {summary(degraded)} ms")


CONDITIONS = ("clear", "dry", "smudged", "partial", "no_finger", "garbage")


def bench_quality(n: int) -> None:
    scores: dict[str, list[float]] = {c: [] for c in CONDITIONS}
    times: list[float] = []
    order_ok = 0
    for s in range(n):
        seed = 20_000 + s
        row = {}
        for cond in CONDITIONS:
            if cond == "garbage":
                img = fpsynth.garbage(seed)
            else:
                img = fpsynth.impression(seed, impression_index=1, condition=cond, level=0.5)
            report, ms = timed(fpquality.assess, img)
            times.append(ms)
            row[cond] = report.score
            scores[cond].append(report.score)
        worst_middle = min(row["dry"], row["smudged"])
        if (
            row["clear"] > max(row["dry"], row["smudged"])
            and worst_middle > row["partial"]
            and row["partial"] > max(row["no_finger"], row["garbage"])
        ):
            order_ok += 1
    print(f"\n== Quality (fpquality, level 0.5, {n} fingers)")
    for cond in CONDITIONS:
        print(f"{cond:10s} {summary(scores[cond])}")
    print(f"order clear > dry, smudged > partial > nothing held for {order_ok}/{n} fingers")
    print(f"time per assessment: {summary(times)} ms")


def bench_matcher(persons: int, nbis: bool) -> None:
    variants = {
        "clear": ("clear", 0.5),
        "dry 0.35": ("dry", 0.35),
        "smudged 0.35": ("smudged", 0.35),
        "partial 0.4": ("partial", 0.4),
    }
    templates: dict[tuple[int, Finger, str], fpmatch.Template] = {}
    images: dict[tuple[int, Finger, str], np.ndarray] = {}
    extract_ms: list[float] = []
    for p in range(persons):
        for finger in Finger:
            seed = finger_seed(1000 + p, finger)
            size = FINGER_SIZES[finger]
            ref = fpsynth.impression(seed, impression_index=1, size=size)
            images[(p, finger, "ref")] = ref
            templates[(p, finger, "ref")], ms = timed(fpmatch.extract, ref)
            extract_ms.append(ms)
            for name, (cond, level) in variants.items():
                img = fpsynth.impression(
                    seed, impression_index=2, condition=cond, level=level, size=size
                )
                images[(p, finger, name)] = img
                templates[(p, finger, name)], ms = timed(fpmatch.extract, img)
                extract_ms.append(ms)
    compare_ms: list[float] = []

    def sim(a: fpmatch.Template, b: fpmatch.Template) -> float:
        value, ms = timed(fpmatch.similarity, a, b)
        compare_ms.append(ms)
        return float(value)

    genuine = {
        name: [
            sim(templates[(p, f, "ref")], templates[(p, f, name)])
            for p in range(persons)
            for f in Finger
        ]
        for name in variants
    }
    same_person = [
        sim(templates[(p, a, "ref")], templates[(p, b, "clear")])
        for p in range(persons)
        for a in Finger
        for b in Finger
        if a != b
    ]
    other_person = [
        sim(templates[(p, a, "ref")], templates[((p + 1) % persons, b, "clear")])
        for p in range(persons)
        for a in Finger
        for b in Finger
    ]
    th = fpmatch.THRESHOLD
    print(f"\n== Matcher (fpmatch, {persons} persons × 10 fingers, threshold {th})")
    for name, values in genuine.items():
        fnmr = sum(v < th for v in values) / len(values)
        print(f"genuine, ref vs {name:13s} FNMR {fnmr:6.2%}   {summary(values)}")
    for name, values in (("same person", same_person), ("other person", other_person)):
        fmr = sum(v >= th for v in values) / len(values)
        print(f"impostor, {name:13s}       FMR  {fmr:6.2%}   {summary(values)}")
    impostors = same_person + other_person
    print("threshold sweep (FMR over all impostors / FNMR clear, dry, smudged, partial):")
    for t in (0.03, 0.04, 0.05, 0.06, 0.08, 0.10):
        fmr = sum(v >= t for v in impostors) / len(impostors)
        rates = "  ".join(
            f"{sum(v < t for v in genuine[n]) / len(genuine[n]):6.2%}" for n in variants
        )
        print(f"  {t:.2f}: FMR {fmr:6.3%}   FNMR {rates}")
    print(f"time per extraction: {summary(extract_ms)} ms")
    print(f"time per comparison: {summary(compare_ms)} ms")
    pairs = 45
    per_dossier = 10 * statistics.median(extract_ms) + pairs * statistics.median(compare_ms)
    print(
        f"duplicate check of one dossier (10 extractions + 45 comparisons): ~{per_dossier:.0f} ms"
    )
    if nbis:
        bench_nbis(images, persons)


def bench_nbis(images: dict[tuple[int, Finger, str], np.ndarray], persons: int) -> None:
    try:
        import cv2
        import nbis  # type: ignore[import-not-found]
    except ImportError:
        print("\n(nbis-py not installed: no bozorth3 reference)")
        return
    settings = nbis.NbisExtractorSettings(
        min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=False, ppi=None
    )
    extractor = nbis.new_nbis_extractor(settings)

    def tmpl(img: np.ndarray) -> Any:
        _ok, buf = cv2.imencode(".png", img)
        return extractor.extract_minutiae(buf.tobytes())

    t = {k: tmpl(v) for k, v in images.items() if k[2] in ("ref", "clear", "smudged 0.35")}
    gen = [t[(p, f, "ref")].compare(t[(p, f, "clear")]) for p in range(persons) for f in Finger]
    wet = [
        t[(p, f, "ref")].compare(t[(p, f, "smudged 0.35")]) for p in range(persons) for f in Finger
    ]
    imp = [
        t[(p, a, "ref")].compare(t[(p, b, "clear")])
        for p in range(persons)
        for a in Finger
        for b in Finger
        if a != b
    ]
    print("\n== Reference: NIST bozorth3 (nbis-py), threshold 40 customary")
    print(f"genuine clear     {summary([float(x) for x in gen])}")
    print(f"genuine smudged   {summary([float(x) for x in wet])}")
    print(f"impostor same person {summary([float(x) for x in imp])}")


def bench_storage(person: int) -> None:
    scanner = SimulatedScanner(person)
    session = fingerprint.FingerprintSession(scanner)
    session.run(SilentPrompter())
    print(f"\n== Storage (one simulated person, encoding: {session.encoding})")
    for finger, result in session.results().items():
        h, w = result.image.shape
        decoded = fingerprint.decode_stored(result.encoded)
        after = fpquality.assess(decoded, expected_area_mm2=fingerprint.EXPECTED_AREA_MM2[finger])
        png = len(fingerprint.encode_png(result.image))
        diff = decoded.astype(np.float64) - result.image.astype(np.float64)
        psnr = 10 * np.log10(255.0**2 / max(1e-9, float(np.mean(diff**2))))
        print(
            f"{finger.value:13s} {w}×{h}  WSQ {len(result.encoded):6d} B "
            f"(1:{w * h / len(result.encoded):4.1f})  PNG {png:6d} B  "
            f"PSNR {psnr:4.1f} dB  quality {result.quality.score} → {after.score} after WSQ"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--persons", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--no-nbis", action="store_true", help="skip the bozorth3 reference")
    args = ap.parse_args()
    print(machine())
    bench_generation(min(args.seeds, 20))
    bench_quality(args.seeds)
    bench_matcher(args.persons, not args.no_nbis)
    bench_storage(4242)


if __name__ == "__main__":
    main()
