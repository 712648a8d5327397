"""Memory of the station window over a shift: 200 dossiers enrolled in one session.

One window, one logged-in operator, simulated devices, offscreen. Each dossier goes through the
wizard as an officer takes it: start page, form (values set through the service, then the page
reloaded), photo page until the automatic capture is saved, fingerprint page (three slaps),
signature from the pad device, review page with the citizen's confirmation and the slip PDF, back
home. The process's resident memory is read every 10 dossiers; the figure that matters is the
growth per dossier once warm (a leak shows as a steady slope).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ui_memory.py [--dossiers 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_store import OP_PW, machine, provision  # noqa: E402

from station.devices.defaults import registry  # noqa: E402
from station.paths import StationPaths  # noqa: E402
from station.service import StationService  # noqa: E402
from tests.conftest import valid_form  # noqa: E402
from ui.app import MainWindow, apply_font  # noqa: E402
from ui.qt import QApplication  # noqa: E402
from ui.wizard import FINGERS, PHOTO, REVIEW, SIGNATURE  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
NAMES = ["Hoàng Thị Én", "Nông Thị Hoa", "Lò Thị Xuân", "Đinh Thị Mai", "Hà Thị Lan"]


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def settle(app: QApplication, until: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents()
        time.sleep(0.002)


def enrol_one(app: QApplication, window: MainWindow, i: int) -> None:
    wizard = window.wizard
    window.new_dossier()
    wizard.start_page.case_buttons["first_issue"].setChecked(True)
    wizard.start_page.start()
    dossier_id = wizard.dossier_id
    assert dossier_id is not None
    window.service.update_form(dossier_id, valid_form(full_name=NAMES[i % len(NAMES)]))
    wizard.go_to(PHOTO)
    photo = wizard.photo_page
    settle(app, lambda: photo.mode == photo.SAVED)
    wizard.go_to(FINGERS)
    fingers = wizard.finger_page
    for _ in range(3):
        settle(app, lambda: not fingers.busy)
        fingers.capture()
        settle(app, lambda: fingers.busy)
    settle(app, lambda: not fingers.busy and window.worker.running == 0)
    wizard.go_to(SIGNATURE)
    sign = wizard.signature_page
    sign.sign_on_device()
    settle(app, lambda: sign.mode == sign.SAVED)
    wizard.go_to(REVIEW)
    slips: list[str] = []
    wizard.confirm_page.slip_written.connect(slips.append)
    wizard.confirm_page.confirm()
    settle(app, lambda: bool(slips))
    wizard.confirm_page.slip_written.disconnect(slips.append)
    wizard.confirm_page.done_button.click()
    settle(app, window.on_home)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=200)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    apply_font(app)
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-ui-memory-") as tmp:
        root = provision(Path(tmp), kdf_cost=(1024, 1, 1)).root
        devices = registry(
            {
                "camera": {"driver": "simulated", "scenario": "good"},
                "fingerprint": {"driver": "simulated", "seed": 3},
                "signature": {"driver": "simulated", "seed": 2},
            }
        )
        window = MainWindow(StationService(StationPaths(root)), "vi", devices=devices)
        window.resize(1366, 768)
        window.show()
        screen = window.login_screen
        screen.operator_edit.setText("op1")
        screen.password_edit.setText(OP_PW)
        screen.login_button.click()
        settle(app, lambda: not window.busy and window.on_home())
        print(f"after login: RSS {rss_mib():.1f} MiB")
        samples: list[tuple[int, float]] = []
        started = time.perf_counter()
        for i in range(1, args.dossiers + 1):
            enrol_one(app, window, i)
            if i % 10 == 0:
                samples.append((i, rss_mib()))
                print(
                    f"{i:4d} dossiers  RSS {samples[-1][1]:7.1f} MiB  "
                    f"{(time.perf_counter() - started) / i:.2f} s/dossier",
                    flush=True,
                )
        window.shutdown()
    warm = [s for s in samples if s[0] >= max(20, args.dossiers // 2)]
    if len(warm) >= 2:
        (n0, m0), (n1, m1) = warm[0], warm[-1]
        slope = (m1 - m0) / (n1 - n0) * 1024
        print(f"growth over dossiers {n0}-{n1}: {m1 - m0:+.1f} MiB ({slope:+.0f} KiB per dossier)")
    print(f"peak RSS {max(m for _, m in samples):.1f} MiB after {args.dossiers} dossiers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
