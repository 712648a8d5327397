"""Face checks: milliseconds per frame over the simulated camera, per stage, and the measurements
behind the choice of cascades.

Run: ``.venv/bin/python bench/bench_face.py [--frames N] [--threads N] [--compare]``. Prints
figures; asserts nothing. Wall time depends on what else the machine runs: the CPU column (the
process's CPU time, all threads) is the steadier figure on a shared machine.

``--compare`` re-measures the detector choice: every OpenCV frontal-face cascade at several
settings on the scikit-image photographs, on the simulated camera's scenarios (the right number
of faces per frame) and on the 100 faces / 100 non-faces of scikit-image's LFW subset; then the
two eye cascades (both eyes found, roll error against the simulator's truth).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from bench_store import machine  # one machine description for every bench

from station.capture.camera import SCENARIOS, SimulatedCamera, scene_people
from station.capture.face import (
    CASCADE_DIR,
    EYE_CASCADE,
    FACE_CASCADE,
    FaceAnalyzer,
    FaceConfig,
)

Image = npt.NDArray[np.uint8]
EXPECTED_FACES = {
    name: 0 if name == "no_face" else 2 if name == "two_faces" else 1 for name in SCENARIOS
}


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


# --- per-frame cost ---------------------------------------------------------------------------


def bench_scenarios(frames: int, track: bool) -> None:
    analyzer = FaceAnalyzer()
    stages: dict[str, list[float]] = {}
    print(
        f"\nper 640x480 frame, {frames} frames per scenario at 30 fps, "
        f"{'tracking' if track else 'whole frame every time'}:"
    )
    print(f"  {'scenario':16s} {'median':>8s} {'p95':>8s} {'cpu med':>8s}  verdict")
    everything: list[float] = []
    for scenario in SCENARIOS:
        camera = SimulatedCamera(scenario, seed=7)
        camera.open()
        analyzer.reset()
        wall: list[float] = []
        cpu: list[float] = []
        passed = 0
        for _ in range(frames):
            frame = camera.read()
            w0, c0 = time.perf_counter(), time.process_time()
            analysis = analyzer.analyze(frame.image, track=track)
            wall.append((time.perf_counter() - w0) * 1000.0)
            cpu.append((time.process_time() - c0) * 1000.0)
            passed += analysis.ok
            for stage, ms in analyzer.timings.items():
                stages.setdefault(stage, []).append(ms)
        everything += wall
        print(
            f"  {scenario:16s} {statistics.median(wall):6.1f}ms {pct(wall, 95):6.1f}ms "
            f"{statistics.median(cpu):6.1f}ms  all checks passed on {passed}/{frames}"
        )
    print(f"  {'all':16s} {statistics.median(everything):6.1f}ms {pct(everything, 95):6.1f}ms")
    print("  per stage (median / p95 over every frame where the stage ran):")
    for stage, values in stages.items():
        print(f"    {stage:11s} {statistics.median(values):6.2f} ms  {pct(values, 95):6.2f} ms")


# --- detector comparison ----------------------------------------------------------------------


def _skimage(name: str) -> Any:
    from skimage import data

    loader: Callable[[], Any] = getattr(data, name)
    return loader()


def _bgr(picture: Any) -> Image:
    array = np.asarray(picture)
    if array.dtype != np.uint8:
        array = np.asarray(np.round(array * 255.0), dtype=np.uint8)
    if array.ndim == 2:
        return np.asarray(cv2.cvtColor(array, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    return np.asarray(cv2.cvtColor(array, cv2.COLOR_RGB2BGR), dtype=np.uint8)


def _lfw() -> tuple[list[Image], list[Image]]:
    """scikit-image's LFW subset (25 x 25 crops) enlarged and padded so a cascade can see them."""
    crops = np.asarray(np.round(np.asarray(_skimage("lfw_subset")) * 255.0), dtype=np.uint8)
    padded = [
        np.asarray(
            cv2.copyMakeBorder(
                cv2.resize(crop, (160, 160), interpolation=cv2.INTER_CUBIC),
                60,
                60,
                60,
                60,
                cv2.BORDER_REPLICATE,
            ),
            dtype=np.uint8,
        )
        for crop in crops
    ]
    return padded[:100], padded[100:]


Scenes = list[tuple[str, Image, float]]


def _scenes(frames_per_seed: int) -> Scenes:
    """Frames of every scenario (two seeds), with the true head roll of the first person."""
    scenes: Scenes = []
    for scenario in SCENARIOS:
        for seed in (1, 2):
            camera = SimulatedCamera(scenario, seed=seed)
            for index in range(0, 300, 300 // frames_per_seed):
                people = scene_people(scenario, index / camera.fps, seed=seed)
                roll = people[0].roll if people else 0.0
                scenes.append((scenario, camera.frame_at(index), roll))
    return scenes


def _count_faces(analyzer: FaceAnalyzer, image: Image) -> int:
    if image.ndim == 3:
        image = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    return len(analyzer.detect_faces(image))


def compare_faces(scenes: Scenes) -> None:
    photos = {
        "astronaut": (_bgr(_skimage("astronaut")), 1),
        "cameraman": (_bgr(_skimage("camera")), 0),  # a face in profile: no frontal face
        "coffee": (_bgr(_skimage("coffee")), 0),
        "chelsea": (_bgr(_skimage("chelsea")), 0),  # a cat
        "brick": (_bgr(_skimage("brick")), 0),
        "rocket": (_bgr(_skimage("rocket")), 0),
    }
    lfw_faces, lfw_other = _lfw()
    print(
        f"\nface cascades at the analyzer's scale (frames downscaled to 320 px wide), "
        f"{len(scenes)} simulated frames:"
    )
    print(
        "  cascade    step nb | photos wrong (faces on astronaut) | frames with the wrong "
        "count | LFW faces found, non-faces taken | ms median"
    )
    for variant in ("default", "alt", "alt2", "alt_tree"):
        for step in (1.1, 1.15):
            for neighbours in (3, 4, 5):
                analyzer = FaceAnalyzer(FaceConfig(scale_factor=step, min_neighbors=neighbours))
                analyzer._faces = cv2.CascadeClassifier(
                    f"{CASCADE_DIR}haarcascade_frontalface_{variant}.xml"
                )
                photo_wrong = sum(
                    _count_faces(analyzer, img) != want for img, want in photos.values()
                )
                astronaut = _count_faces(analyzer, photos["astronaut"][0])
                wrong: dict[str, int] = {}
                times: list[float] = []
                for scenario, image, _ in scenes:
                    started = time.perf_counter()
                    found = _count_faces(analyzer, image)
                    times.append((time.perf_counter() - started) * 1000.0)
                    if found != EXPECTED_FACES[scenario]:
                        wrong[scenario] = wrong.get(scenario, 0) + 1
                hits = sum(_count_faces(analyzer, img) > 0 for img in lfw_faces)
                false = sum(_count_faces(analyzer, img) > 0 for img in lfw_other)
                detail = ", ".join(f"{k} {v}" for k, v in wrong.items()) or "none"
                print(
                    f"  {variant:9s} {step:4.2f} {neighbours} | {photo_wrong} ({astronaut}) | "
                    f"{sum(wrong.values()):3d}: {detail} | {hits}/100, {false}/100 "
                    f"| {statistics.median(times):5.1f}"
                )


def compare_eyes(scenes: Scenes) -> None:
    lfw_faces, _ = _lfw()
    print(f"\neye cascades inside the {FACE_CASCADE} box (both eyes found; |roll error|):")
    analyzer = FaceAnalyzer()
    for eye_file in (EYE_CASCADE, "haarcascade_eye_tree_eyeglasses.xml"):
        analyzer._eyes = cv2.CascadeClassifier(CASCADE_DIR + eye_file)
        errors: list[float] = []
        missed: dict[str, int] = {}
        times: list[float] = []
        for scenario, image, roll in scenes:
            gray = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
            faces = analyzer.detect_faces(gray)
            if not faces:
                continue
            started = time.perf_counter()
            eyes = analyzer.detect_eyes(gray, faces[0][0])
            times.append((time.perf_counter() - started) * 1000.0)
            if len(eyes) != 2:
                missed[scenario] = missed.get(scenario, 0) + 1
                continue
            (x0, y0), (x1, y1) = eyes
            errors.append(abs(-math.degrees(math.atan2(y1 - y0, x1 - x0)) - roll))
        pairs = 0
        for image in lfw_faces:
            faces = analyzer.detect_faces(image)
            pairs += bool(faces) and len(analyzer.detect_eyes(image, faces[0][0])) == 2
        print(
            f"  {eye_file:36s} missed {sum(missed.values())} of {len(times)} simulated faces "
            f"{missed or ''}; roll error median {statistics.median(errors):.2f} deg, "
            f"max {max(errors):.2f}; LFW both eyes {pairs}/100; {statistics.median(times):.2f} ms"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=90, help="frames per scenario")
    ap.add_argument("--threads", type=int, default=None, help="OpenCV threads (default: all)")
    ap.add_argument("--compare", action="store_true", help="also compare the cascades")
    ap.add_argument("--compare-frames", type=int, default=15, help="frames per scenario seed")
    args = ap.parse_args()
    if args.threads is not None:
        cv2.setNumThreads(args.threads)
    print(f"machine: {machine()}")
    started = time.perf_counter()
    SimulatedCamera().frame_at(0)  # cut the person out of the photograph once (GrabCut)
    elapsed = time.perf_counter() - started
    print(f"simulator start-up (GrabCut cut-out, once per process): {elapsed:.2f} s")
    bench_scenarios(args.frames, track=False)
    bench_scenarios(args.frames, track=True)
    if args.compare:
        scenes = _scenes(args.compare_frames)
        compare_faces(scenes)
        compare_eyes(scenes)


if __name__ == "__main__":
    main()
