"""Fingerprint page: time from pressing "capture" (Space) to the page being ready on the next
slap, offscreen, with the simulated scanner.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ui_fingers.py [--dossiers N]``.
Prints figures; asserts nothing. Two scanners:

* **simulated**: the simulated slap scanner as the window uses it (it grows synthetic ridge
  prints on each capture, which a real scanner does not: its generation time is included);
* **pre-generated**: the same prints made before the clock starts, so the figure is the
  station's own work (quality of each finger, WSQ encoding, saving to the encrypted store, the
  page's update), as with a real scanner that answers at once.

The duplicate-finger check runs after the page is ready (its own task) and is timed apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import OP_PW, machine, provision

from station import masterdata, testdata
from station.devices import DeviceKind, Finger, FingerImage, Prompter, SilentPrompter, Slap
from station.devices.defaults import registry
from station.devices.registry import DeviceRegistry, Driver
from station.devices.simfinger import SimulatedScanner
from station.service import StationService
from ui.context import UiContext
from ui.finger_page import FingerPage
from ui.qt import QApplication, Qt, QtCore, QtGui, QWidget
from ui.workers import Worker


class PregeneratedScanner:
    """Returns prints made in advance by the simulated scanner, one set per capture."""

    def __init__(self, person_seed: int, rounds: int) -> None:
        source = SimulatedScanner(person_seed)
        self.info = source.info
        quiet = SilentPrompter()
        self._queue: dict[Slap, list[list[FingerImage]]] = {
            slap: [source.capture(slap, [], quiet) for _ in range(rounds)] for slap in Slap
        }

    def capture(
        self, slap: Slap, skip: Sequence[Finger], prompter: Prompter, timeout_s: float = 30.0
    ) -> list[FingerImage]:
        return [i for i in self._queue[slap].pop(0) if i.finger not in skip]


def one_scanner(scanner: Any) -> DeviceRegistry:
    from dataclasses import replace

    info = replace(scanner.info, driver="bench", simulated=False)
    driver = Driver(DeviceKind.FINGERPRINT, "bench", False, lambda o: [info], lambda i, o: scanner)
    return registry({"fingerprint": {"driver": "bench"}}, extra=[driver])


def wait(app: QApplication, until: Any, timeout_s: float = 120.0) -> None:
    end = time.perf_counter() + timeout_s
    while not until():
        if time.perf_counter() > end:
            raise TimeoutError("the page did not become ready")
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)


def summary(values: list[float]) -> str:
    v = sorted(values)
    p95 = v[min(len(v) - 1, round(0.95 * (len(v) - 1)))]
    return (
        f"median {statistics.median(v) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
        f"min {v[0] * 1000:7.1f}  max {v[-1] * 1000:7.1f}  (n={len(v)})"
    )


def run(app: QApplication, op: StationService, dossiers: int, pregenerated: bool) -> None:
    md = masterdata.load()
    people = testdata.people(dossiers, seed=5)
    ready: list[float] = []
    checks: list[float] = []
    holder = QWidget()
    worker = Worker(parent=holder)
    for n in range(dossiers):
        scanner: Any = PregeneratedScanner(n + 1, 1) if pregenerated else SimulatedScanner(n + 1)
        ctx = UiContext(op, "vi", worker, devices=one_scanner(scanner))
        page = FingerPage(ctx)
        page.resize(1100, 600)
        page.show()
        dossier_id = op.create_dossier("first_issue", testdata.valid_form(next(people), md)).id
        page.load(dossier_id)
        wait(app, lambda page=page: not page.busy)
        for _ in Slap:
            wait(app, lambda: worker.running == 0)  # the previous duplicate check
            press = QtGui.QKeyEvent(
                QtCore.QEvent.Type.KeyPress, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, " "
            )
            t0 = time.perf_counter()
            QApplication.sendEvent(page.diagram, press)  # Space on the diagram, as typed
            wait(app, lambda page=page: not page.busy)
            t1 = time.perf_counter()
            ready.append(t1 - t0)
            wait(app, lambda: worker.running == 0)
            checks.append(time.perf_counter() - t1)
        done = all(page.diagram.status(f).value == "good" for f in Finger)
        page.leave()
        page.deleteLater()
        if not done:
            print(f"  dossier {n}: not every finger good (a simulated print under the mark)")
    worker.wait()
    name = "pre-generated prints" if pregenerated else "simulated scanner"
    print(f"{name:22s} capture -> ready on next slap: {summary(ready)}")
    print(f"{'':22s} duplicate check after it:      {summary(checks)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=6)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        paths = provision(Path(tmp))
        op = StationService(paths, session_timeout_s=10**9)
        op.login("op1", OP_PW)
        print(f"{args.dossiers} dossiers x 3 slaps each, offscreen, page 1100x600")
        run(app, op, args.dossiers, pregenerated=False)
        run(app, op, args.dossiers, pregenerated=True)
        op.close()


if __name__ == "__main__":
    main()
