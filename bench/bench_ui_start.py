"""Cold start of the station from the source tree (the installed Python package): process spawn
to the login screen on screen.

Each run spawns ``installer/launcher.py --quit-after-login-screen`` (the same entry point as the
bundle, on the project's virtual environment) on a provisioned station and times it from the
spawn to the ``login-screen-shown`` line. The first run follows whatever the page cache holds;
the median of the rest is the warm figure. The bundled program's figures are in
``bench_bundle.py``. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_ui_start.py [--runs 7]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_store import machine  # noqa: E402

from station.paths import StationPaths  # noqa: E402
from station.provisioning import (  # noqa: E402
    Bundle,
    InitRequest,
    generate_receiver_keyset,
    init_station,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-ui-start-") as tmp:
        files = generate_receiver_keyset(Path(tmp) / "receiver")
        root = Path(tmp) / "station"
        init_station(
            StationPaths(root),
            InitRequest(
                bundle=Bundle.load(files["bundle"]),
                admin_id="admin",
                admin_name="Nguyễn Thị Ánh",
                admin_password="bench-chim-lac-2026",
                station_code="TN-001",
                station_name="Trạm Thái Nguyên 1",
                kdf_cost=(1024, 1, 1),
            ),
        )
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        times: list[float] = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            out = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "installer" / "launcher.py"),
                    "--data-dir",
                    str(root),
                    "--quit-after-login-screen",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            elapsed = time.perf_counter() - t0
            if "login-screen-shown" not in out.stdout:
                print(out.stdout, out.stderr)
                return 1
            times.append(elapsed)
    print(f"first run (page cache as found): {times[0]:.2f} s to the login screen")
    rest = times[1:] or times
    print(
        f"warm: median {statistics.median(rest):.2f} s, min {min(rest):.2f} s, "
        f"max {max(rest):.2f} s over {len(rest)} runs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
