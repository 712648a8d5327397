"""Photo page: frames per second of the live preview with every face check on.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ui_preview.py [--seconds S]
[--scenario good]``. Prints figures; asserts nothing.

The real :class:`~ui.photo_page.PhotoPage` is shown (offscreen, at the size it has in a
1366x768 window) on a throwaway station, with the simulated camera at its native rate (30
frames a second, real time) and unthrottled (frames as fast as the camera thread can render and
check them). The automatic capture is off so the stream runs for the whole measure. Figures:
frames the camera thread checked per second, preview frames painted per second by the GUI
thread, frames dropped (checked but not painted: the GUI was still on the previous one), and the
face checks' milliseconds per frame. The simulated camera renders each frame too (about 4-5 ms
at 640x480), which a real camera does not cost the station.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_store import OP_PW, machine, provision

from station import masterdata, testdata
from station.capture.camera import SimulatedCamera
from station.devices import DeviceInfo, DeviceKind
from station.devices.registry import DeviceRegistry, Driver
from station.service import StationService
from ui.context import UiContext
from ui.photo_page import AUTO_CAPTURE_OPTION, PhotoPage
from ui.qt import QApplication, QtCore, QWidget
from ui.workers import Worker

#: The page's size inside the wizard of a 1280x700 window (step list and buttons around it).
PAGE_SIZE = (1000, 580)


def operator_service(root: Path) -> StationService:
    """A fresh station with one operator, logged in (a cheap KDF: login is not measured)."""
    svc = StationService(provision(root, kdf_cost=(1024, 1, 1)), session_timeout_s=10**9)
    svc.login("op1", OP_PW)
    return svc


def camera_registry(scenario: str, realtime: bool) -> DeviceRegistry:
    info = SimulatedCamera(scenario).info

    def open_camera(_info: DeviceInfo, _options: dict[str, Any]) -> SimulatedCamera:
        camera = SimulatedCamera(scenario, realtime=realtime)
        camera.open()
        return camera

    return DeviceRegistry(
        [Driver(DeviceKind.CAMERA, "simulated", True, lambda _o: [info], open_camera)]
    )


def spin(app: QApplication, seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.001)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    app: QApplication,
    service: StationService,
    dossier_id: str,
    *,
    scenario: str,
    realtime: bool,
    seconds: float,
) -> dict[str, float]:
    holder = QWidget()
    worker = Worker(parent=holder)
    ctx = UiContext(
        service,
        "vi",
        worker,
        devices=camera_registry(scenario, realtime),
        options={AUTO_CAPTURE_OPTION: False},
    )
    page = PhotoPage(ctx)
    page.resize(*PAGE_SIZE)
    page.show()
    page.load(dossier_id)
    deadline = time.perf_counter() + 30
    while page.mode != PhotoPage.LIVE and time.perf_counter() < deadline:
        spin(app, 0.05)
    stream = page.camera_worker
    if stream is None:
        raise SystemExit(f"the camera did not start: {page.error_label.text()}")
    spin(app, 1.0)  # warm-up: the first frames, caches, the tracked face
    frames0, sent0, dropped0 = stream.stats.frames, stream.stats.sent, stream.stats.dropped
    analysis0, painted0 = stream.stats.analysis_ms, page.preview.painted
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    spin(app, seconds)
    elapsed = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    frames = stream.stats.frames - frames0
    result = {
        "checked_fps": frames / elapsed,
        "painted_fps": (page.preview.painted - painted0) / elapsed,
        "dropped_pct": 100.0 * (stream.stats.dropped - dropped0) / max(frames, 1),
        "sent": float(stream.stats.sent - sent0),
        "checks_ms": (stream.stats.analysis_ms - analysis0) / max(frames, 1),
        "cpu_pct": 100.0 * cpu / elapsed,
    }
    page.leave()
    page.deleteLater()
    holder.deleteLater()
    spin(app, 0.1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measure per mode")
    parser.add_argument("--scenario", default="good", help="simulated camera scenario")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    print(f"machine: {machine()}")
    print(f"Qt platform: {app.platformName()}; page {PAGE_SIZE[0]}x{PAGE_SIZE[1]}, frames 640x480")
    with tempfile.TemporaryDirectory() as tmp:
        service = operator_service(Path(tmp))
        person = next(testdata.people(1, seed=3))
        dossier_id = service.create_dossier(
            "first_issue", testdata.valid_form(person, masterdata.load())
        ).id
        print(
            f"{'camera':<24} {'checked/s':>10} {'painted/s':>10} {'dropped':>8} "
            f"{'checks ms':>10} {'CPU':>6}"
        )
        for label, realtime in (("native (30 fps)", True), ("unthrottled", False)):
            figures = measure(
                app,
                service,
                dossier_id,
                scenario=args.scenario,
                realtime=realtime,
                seconds=args.seconds,
            )
            print(
                f"{label + ', ' + args.scenario:<24} {figures['checked_fps']:>10.1f} "
                f"{figures['painted_fps']:>10.1f} {figures['dropped_pct']:>7.1f}% "
                f"{figures['checks_ms']:>10.1f} {figures['cpu_pct']:>5.0f}%"
            )
        service.close()
    print("(CPU: the process, all threads, as a share of one core)")


if __name__ == "__main__":
    main()
