"""Fixtures of the UI tests: a throwaway station, a controllable clock, windows to drive.

Test modules take everything from fixtures (they do not import this module, whose name
``conftest`` is not unique across the test tree). pytest-qt's ``keyClicks`` aborts on non-ASCII
text, so the driver types with ``setText``; the test passwords are ASCII anyway.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from station.paths import StationPaths
from station.provisioning import (
    Bundle,
    InitRequest,
    generate_receiver_keyset,
    init_station,
)
from station.service import StationService
from ui.app import MainWindow
from ui.i18n import install_translator
from ui.qt import QApplication, Qt

ADMIN_ID = "admin"
ADMIN_NAME = "Nguyễn Thị Ánh"
ADMIN_PASSWORD = "correct-horse-42"
STATION_CODE = "TN-001"
STATION_NAME = "Trạm Thái Nguyên 1"
SESSION_TIMEOUT_S = 60
WORKER_TIMEOUT_MS = 10_000


class FakeClock:
    """A clock the test moves by hand: wall time and monotonic time advance together."""

    def __init__(self) -> None:
        self._now = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)
        self._monotonic = 10_000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    files = generate_receiver_keyset(tmp_path_factory.mktemp("receiver"))
    return Bundle.load(files["bundle"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def station_dir(tmp_path: Path, bundle: Bundle, clock: FakeClock) -> Path:
    root = tmp_path / "station"
    init_station(
        StationPaths(root),
        InitRequest(
            bundle=bundle,
            admin_id=ADMIN_ID,
            admin_name=ADMIN_NAME,
            admin_password=ADMIN_PASSWORD,
            station_code=STATION_CODE,
            station_name=STATION_NAME,
            demo=True,
            kdf_cost=(1024, 1, 1),
        ),
        clock=clock,
    )
    return root


@pytest.fixture
def make_window(
    qtbot: Any, station_dir: Path, clock: FakeClock
) -> Iterator[Callable[..., MainWindow]]:
    """Build a shown MainWindow on the test station; shut down at the end of the test."""
    windows: list[MainWindow] = []

    def make(lang: str = "vi", **kwargs: Any) -> MainWindow:
        service = StationService(
            StationPaths(station_dir), clock=clock, session_timeout_s=SESSION_TIMEOUT_S
        )
        window = MainWindow(service, lang, **kwargs)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    """The English translator installed for the duration of a test."""
    translator = install_translator(qapp, "en")
    assert translator is not None, "intake_en.qm could not be built or loaded"
    yield
    qapp.removeTranslator(translator)


class Driver:
    """Drives the login form the way an operator does (typing via setText: see the module doc)."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot

    def submit(self, window: MainWindow, password: str, operator_id: str | None = None) -> None:
        """Fill the form (the id only when given) and click the login/unlock button."""
        screen = window.login_screen
        if operator_id is not None:
            screen.operator_edit.setText(operator_id)
        screen.password_edit.setText(password)
        self.qtbot.mouseClick(screen.login_button, Qt.MouseButton.LeftButton)

    def login(self, window: MainWindow, password: str, operator_id: str | None = None) -> None:
        """Submit and wait until the worker's outcome has reached the window."""
        self.submit(window, password, operator_id)
        self.wait_idle(window)

    def wait_idle(self, window: MainWindow) -> None:
        self.qtbot.waitUntil(lambda: not window.busy, timeout=WORKER_TIMEOUT_MS)


@pytest.fixture
def driver(qtbot: Any) -> Driver:
    return Driver(qtbot)


@dataclass(frozen=True)
class Facts:
    """What the test station was provisioned with."""

    admin_id: str = ADMIN_ID
    admin_name: str = ADMIN_NAME
    admin_password: str = ADMIN_PASSWORD
    station_code: str = STATION_CODE
    station_name: str = STATION_NAME
    session_timeout_s: int = SESSION_TIMEOUT_S


@pytest.fixture
def facts() -> Facts:
    return Facts()
