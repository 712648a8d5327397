"""Cold start of the station from the source tree (the installed Python package): process spawn
to the login screen on screen, beside a trivial PySide6 window measured in the same run.

Each run spawns ``installer/launcher.py --quit-after-login-screen`` (the same entry point as the
bundle, on the project's virtual environment) on a provisioned station and times it from the
spawn to the ``login-screen-shown`` line; then it spawns a trivial PySide6 program (one label,
shown, quit once exposed) the same way. The runs alternate, so a loaded machine weighs on both
alike. The first run follows whatever the page cache holds; the median of the rest is the warm
figure, and the ratio of the medians is the figure to hold (at most 3). The bundled program's
figures are in ``bench_bundle.py``. Prints figures; asserts nothing.

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

TRIVIAL = """
import time
t0 = time.perf_counter()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QLabel

class Shown(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Expose and isinstance(watched, QWindow):
            if watched.isExposed():
                print("shown", time.perf_counter() - t0, flush=True)
                QTimer.singleShot(0, app.quit)
        return False

app = QApplication([])
probe = Shown()
app.installEventFilter(probe)
label = QLabel("Trạm thu nhận hồ sơ căn cước")
label.resize(1280, 700)
label.show()
app.exec()
"""


def spawn(argv: list[str], marker: str, env: dict[str, str]) -> float | None:
    """Seconds from the spawn to ``marker`` on the child's output (None if it never came)."""
    t0 = time.perf_counter()
    out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.perf_counter() - t0
    if marker not in out.stdout:
        print(out.stdout, out.stderr)
        return None
    return elapsed


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
        station: list[float] = []
        trivial: list[float] = []
        launcher = [
            sys.executable,
            str(ROOT / "installer" / "launcher.py"),
            "--data-dir",
            str(root),
            "--quit-after-login-screen",
        ]
        for _ in range(args.runs):
            took = spawn(launcher, "login-screen-shown", env)
            if took is None:
                return 1
            station.append(took)
            took = spawn([sys.executable, "-c", TRIVIAL], "shown", env)
            if took is None:
                return 1
            trivial.append(took)
    for name, times in (
        ("station, to the login screen", station),
        ("trivial PySide6 window", trivial),
    ):
        rest = times[1:] or times
        print(
            f"{name}: first run {times[0]:.2f} s; warm median {statistics.median(rest):.2f} s, "
            f"min {min(rest):.2f} s, max {max(rest):.2f} s over {len(rest)} runs"
        )
    ratio = statistics.median(station[1:] or station) / statistics.median(trivial[1:] or trivial)
    print(f"station / trivial (warm medians): {ratio:.2f}x (target: under 2 s and at most 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
