"""Bundle figures: build time, bundle and package size, start of the bundled program to the
login screen.

Run: ``make bench`` or ``.venv/bin/python bench/bench_bundle.py [--bundle DIR] [--runs N]
[--drop-caches]``. Without ``--bundle`` it builds the bundle and the .deb into a temporary folder
first (about a minute and a half) and reports the build time. Start-up is timed from the spawn
of the process to the line ``login-screen-shown`` that ``--quit-after-login-screen`` prints once
the window is exposed (offscreen platform), on a station the bundle provisions itself. The first
run follows the build (files still in the page cache) unless ``--drop-caches`` (root) empties the
cache before it: that is the true cold start of a laptop just switched on. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_store import machine  # one machine description for every bench

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-chim-lac-2026"


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}


def build(base: Path) -> tuple[Path, float, Path, float]:
    """Bundle and .deb; their paths and build times (the bundle's from a clean PyInstaller)."""
    dist, work = base / "dist", base / "work"
    script = str(ROOT / "installer" / "build.py")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, script, "bundle", "--dist", str(dist), "--work", str(work)],
        check=True,
        cwd=ROOT,
    )
    bundle_s = time.perf_counter() - started
    bundle = dist / "intake-station"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, script, "deb", "--dist", str(dist), "--bundle", str(bundle)],
        check=True,
        cwd=ROOT,
    )
    deb_s = time.perf_counter() - started
    (deb,) = dist.glob("*.deb")
    return bundle, bundle_s, deb, deb_s


def provision(exe: Path, base: Path) -> Path:
    keys, data = base / "keys", base / "data"
    subprocess.run(
        [str(exe), "dev-receiver-keys", "--out", str(keys)],
        check=True,
        env=env(base),
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            str(exe),
            "--data-dir",
            str(data),
            "--password-stdin",
            "init",
            "--bundle",
            str(keys / "provisioning-bundle.json"),
            "--admin-id",
            "admin",
            "--admin-name",
            "Nguyễn Thị Ánh",
            "--code",
            "BM-001",
            "--name",
            "Trạm đo",
        ],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        env=env(base),
        stdout=subprocess.DEVNULL,
    )
    return data


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def start_to_login(exe: Path, data: Path, home: Path) -> tuple[float, float]:
    """(seconds from spawn to the login screen on screen, seconds to the process's exit)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), "--data-dir", str(data), "--quit-after-login-screen"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env(home),
    )
    assert proc.stdout is not None
    shown = float("nan")
    for line in proc.stdout:
        if line.startswith("login-screen-shown"):
            shown = time.perf_counter() - started
    proc.wait(timeout=120)
    return shown, time.perf_counter() - started


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bundle", type=Path, default=None, help="an already built bundle folder")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--drop-caches", action="store_true", help="(root) empty the page cache first")
    args = p.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        base = Path(tmp)
        if args.bundle is None:
            bundle, bundle_s, deb, deb_s = build(base)
            print(f"build: bundle {bundle_s:.1f} s (PyInstaller, clean), .deb {deb_s:.1f} s")
            print(f"size: .deb {deb.stat().st_size / 1e6:.0f} MB")
        else:
            bundle = args.bundle
        print(f"size: bundle folder {tree_size(bundle) / 1e6:.0f} MB ({bundle})")
        exe = bundle / "intake-station"
        data = provision(exe, base)
        dropped = args.drop_caches and drop_caches()
        first_shown, first_exit = start_to_login(exe, data, base)
        label = "cold, page cache dropped" if dropped else "first run after build"
        print(
            f"start to login screen ({label}): {first_shown:.2f} s (exit after {first_exit:.2f} s)"
        )
        warm = [start_to_login(exe, data, base)[0] for _ in range(max(1, args.runs))]
        print(
            f"start to login screen (warm, {len(warm)} runs): median {statistics.median(warm):.2f}"
            f" s, min {min(warm):.2f} s, max {max(warm):.2f} s"
        )


if __name__ == "__main__":
    main()
