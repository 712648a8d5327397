"""The Qt half of the installed program's self-test, and the start-up probe used to time it.

``run_self_test`` runs the core's checks (``station.deployment.self_test``: store, resources,
devices) and then these: the Qt platform plugin and the image plugins, a font that covers
Vietnamese, the English translation, and a real station window built, shown and closed. It
prints one line per check and a closing verdict, and returns the exit code (0 when every check
passed). The report goes to the console, in both languages like the command line, so it is not
translated through Qt.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from station.paths import StationPaths
from ui.qt import (
    QApplication,
    QCoreApplication,
    QEvent,
    QFont,
    QFontMetrics,
    QObject,
    QtCore,
    QtGui,
    QTimer,
)

if TYPE_CHECKING:  # the core's checks (and the store they open) load only when run
    from station.deployment import Check


def _check(name: str, ok: bool, detail: str) -> Check:
    from station.deployment import Check

    return Check(name, ok, detail)


#: Letters a Vietnamese name or address may carry; every one must be in the interface font.
VIETNAMESE_SAMPLE = "Nguyễn Thị Ánh Đặng Quốc Hưng Lưu Ỷ Ỹ ỵ ự ặ ẫ ờ ợ ũ đ ₫"
#: Platform plugins a bundle must carry, per operating system.
REQUIRED_PLATFORMS = {"linux": ("offscreen", "xcb"), "win32": ("windows", "offscreen")}
REQUIRED_IMAGE_FORMATS = ("jpeg", "png")


def application() -> QApplication:
    """The running QApplication, or a new one on the current platform (``QT_QPA_PLATFORM``)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    return QApplication(sys.argv[:1])


def _platform_plugins() -> list[str]:
    folder = Path(QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath)).joinpath(
        "platforms"
    )
    names = []
    for f in sorted(folder.glob("*")):
        stem = f.stem.removeprefix("lib").removeprefix("q")
        names.append(stem)
    return names


def _delete_now(app: QApplication) -> None:
    """Run pending ``deleteLater`` now: no widget of the self-test outlives it."""
    app.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def check_platform(app: QApplication) -> Check:
    plugins = _platform_plugins()
    wanted = REQUIRED_PLATFORMS.get(sys.platform, ())
    missing = [p for p in wanted if p not in plugins]
    formats = {bytes(f.data()).decode() for f in QtGui.QImageReader.supportedImageFormats()}
    no_format = [f for f in REQUIRED_IMAGE_FORMATS if f not in formats]
    ok = bool(app.platformName()) and not missing and not no_format
    detail = (
        f"Qt {QtCore.qVersion()} on '{app.platformName()}'; platform plugins "
        f"{', '.join(plugins) or 'none'}"
    )
    if missing:
        detail += f"; MISSING {', '.join(missing)}"
    if no_format:
        detail += f"; no image format {', '.join(no_format)}"
    return _check("qt-platform", ok, detail)


def check_fonts(app: QApplication) -> Check:
    from ui.app import apply_font

    apply_font(app)
    font = QFont(app.font())
    metrics = QFontMetrics(font)
    missing = sorted(
        {ch for ch in VIETNAMESE_SAMPLE if ch != " " and not metrics.inFontUcs4(ord(ch))}
    )
    family = QtGui.QFontInfo(font).family()
    detail = f"'{family}' {font.pointSize()} pt"
    if missing:
        detail += f"; no glyph for {' '.join(missing)}"
    return _check("fonts", not missing, detail)


def check_translations(app: QApplication) -> Check:
    from ui.i18n import install_translator, qm_path

    translator = install_translator(app, "en")
    if translator is None:
        return _check("translations", False, f"{qm_path('en')} did not load")
    try:
        sample = QCoreApplication.translate("MainWindow", "Trạm thu nhận hồ sơ căn cước")
    finally:
        app.removeTranslator(translator)
        translator.deleteLater()
        _delete_now(app)
    return _check("translations", True, f"{qm_path('en').name} loaded; title → '{sample}'")


def check_window(app: QApplication, paths: StationPaths) -> Check:
    """Build the real window on this station (or the login screen alone), show it, close it."""
    from station.service import StationService
    from ui.app import LoginScreen, MainWindow

    if paths.is_provisioned():
        window = MainWindow(StationService(paths), "vi")
        login = window.login_screen
    else:
        window = None
        login = LoginScreen()
    shown = window or login
    try:
        shown.show()
        app.processEvents()
        pixmap = shown.grab()
        ok = shown.isVisible() and login.isVisible() and not pixmap.isNull()
        size = shown.size()
        detail = f"{type(shown).__name__} {size.width()}x{size.height()}, login screen shown"
    finally:
        if window is not None:
            window.shutdown()
        shown.close()
        shown.deleteLater()
        _delete_now(app)
    if not paths.is_provisioned():
        detail += " (no station here: login screen alone)"
    return _check("window", ok, detail)


def qt_checks(paths: StationPaths) -> list[Check]:
    app = application()
    steps: list[tuple[str, Callable[[], Check]]] = [
        ("qt-platform", lambda: check_platform(app)),
        ("fonts", lambda: check_fonts(app)),
        ("translations", lambda: check_translations(app)),
        ("window", lambda: check_window(app, paths)),
    ]
    out = []
    for name, step in steps:
        try:
            out.append(step())
        except Exception as exc:  # every failure is reported; the self-test goes on
            out.append(_check(name, False, f"{type(exc).__name__}: {exc}"))
    return out


def run_self_test(
    data_dir: Path,
    *,
    login: tuple[str, str] | None = None,
    as_json: bool = False,
    write: Callable[[str], None] = print,
) -> int:
    """Every check, core and Qt; prints the report; 0 when all passed, 1 otherwise."""
    from station.deployment import SelfTestReport, self_test

    paths = StationPaths(data_dir)
    report = SelfTestReport(self_test(paths, login) + qt_checks(paths))
    if as_json:
        write(json.dumps(report.to_doc(), ensure_ascii=False, indent=2))
    else:
        write(f"intake-station self-test: {data_dir}")
        for line in report.lines():
            write(line)
    return 0 if report.ok else 1


class FirstExposure(QObject):
    """Calls ``on_shown`` once, when the first top-level window is exposed (on screen)."""

    def __init__(self, on_shown: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_shown: Callable[[], None] | None = on_shown

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (
            self._on_shown is not None
            and event.type() == QEvent.Type.Expose
            and isinstance(watched, QtGui.QWindow)
            and watched.isExposed()
        ):
            callback, self._on_shown = self._on_shown, None
            callback()
        return False


def _print_now(text: str) -> None:
    print(text, flush=True)


def quit_when_shown(started: float, write: Callable[[str], None] = _print_now) -> FirstExposure:
    """Make the application quit right after its first window is on screen, printing
    ``login-screen-shown <seconds>`` (seconds since ``started``, a ``time.perf_counter`` value).
    Installed before the window is built, it measures the cold start of the program."""
    app = application()

    def shown() -> None:
        write(f"login-screen-shown {time.perf_counter() - started:.3f}")
        QTimer.singleShot(0, app.quit)

    probe = FirstExposure(shown, app)
    app.installEventFilter(probe)
    return probe
