"""Screenshots of the station window, in Vietnamese and in English, for review.

Provisions a throwaway demo station in a temporary folder, then for each language shows the
window at 1366x768 and saves: the empty login form, a failed login, the home screen after login,
the lock screen and a locked-out account. Runs under Xvfb or on Qt's offscreen platform::

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshots.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py --out /tmp/shots
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from station.paths import StationPaths  # noqa: E402
from station.provisioning import (  # noqa: E402
    Bundle,
    InitRequest,
    generate_receiver_keyset,
    init_station,
)
from station.service import StationService  # noqa: E402
from ui.app import MainWindow, apply_font  # noqa: E402
from ui.i18n import LANGUAGES, install_translator  # noqa: E402
from ui.qt import QApplication, QWidget  # noqa: E402

SIZE = (1366, 768)
ADMIN_ID = "admin"
ADMIN_NAME = "Nguyễn Thị Ánh"
ADMIN_PASSWORD = "demo-password-2025"  # noqa: S105 - a throwaway demo station
WRONG_PASSWORD = "not-the-password"  # noqa: S105
LOCKOUT_ID = "canbo02"
LOCKOUT_ATTEMPTS = 6
STATION_CODE = "TN-001"
STATION_NAME = "Trạm Thái Nguyên 1"
WAIT_S = 30.0


def provision(tmp: Path) -> Path:
    files = generate_receiver_keyset(tmp / "receiver")
    root = tmp / "station"
    init_station(
        StationPaths(root),
        InitRequest(
            bundle=Bundle.load(files["bundle"]),
            admin_id=ADMIN_ID,
            admin_name=ADMIN_NAME,
            admin_password=ADMIN_PASSWORD,
            station_code=STATION_CODE,
            station_name=STATION_NAME,
            demo=True,
            kdf_cost=(1024, 1, 1),
        ),
    )
    return root


def settle(app: QApplication, until: Callable[[], bool] = lambda: True) -> None:
    """Run the event loop until ``until()`` holds, then a little longer for painting."""
    deadline = time.monotonic() + WAIT_S
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)


def save(widget: QWidget, path: Path) -> None:
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")
    print(path)


def shoot(app: QApplication, station: Path, lang: str, out: Path) -> list[Path]:
    translator = install_translator(app, lang)
    window = MainWindow(StationService(StationPaths(station)), lang)
    saved: list[Path] = []
    try:
        window.resize(*SIZE)
        window.show()
        settle(app, window.isVisible)

        def snap(name: str) -> None:
            settle(app)
            path = out / f"{lang}-{name}.png"
            save(window, path)
            saved.append(path)

        snap("1-login")

        screen = window.login_screen
        screen.operator_edit.setText(ADMIN_ID)
        screen.password_edit.setText(WRONG_PASSWORD)
        screen.login_button.click()
        settle(app, lambda: not window.busy)
        snap("2-login-failed")

        screen.password_edit.setText(ADMIN_PASSWORD)
        screen.login_button.click()
        settle(app, lambda: not window.busy and window.on_home())
        snap("3-home")

        window.home_screen.lock_button.click()
        settle(app, window.on_lock_screen)
        snap("4-locked")

        # Log out from the lock screen, then lock out an account with wrong passwords.
        screen.logout_button.click()
        settle(app, lambda: not window.on_lock_screen())
        for _ in range(LOCKOUT_ATTEMPTS):
            screen.operator_edit.setText(LOCKOUT_ID)
            screen.password_edit.setText(WRONG_PASSWORD)
            screen.login_button.click()
            settle(app, lambda: not window.busy)
            if not screen.countdown_label.isHidden():
                break
        snap("5-lockout")
    finally:
        window.close()
        window.shutdown()
        window.deleteLater()
        if translator is not None:
            app.removeTranslator(translator)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshots of the station window.")
    parser.add_argument("--out", type=Path, default=Path(".screenshots"))
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    app = QApplication(sys.argv[:1])
    apply_font(app)
    with tempfile.TemporaryDirectory(prefix="intake-screenshots-") as tmp:
        station = provision(Path(tmp))
        saved = [path for lang in LANGUAGES for path in shoot(app, station, lang, out)]
    print(f"{len(saved)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
