"""Every screen, in both languages, at 1280x700, 1366x768 and 1920x1080: no label or button text
clipped (widget geometry against font metrics) and no Alt letter claimed twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from station.devices.defaults import registry
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import OP_PW, SUP_PW, add_staff, capture_all, valid_form
from ui.app import MainWindow, apply_font
from ui.fit import clipped_texts
from ui.i18n import install_translator
from ui.mnemonics import mnemonic_clashes
from ui.qt import QApplication, QWidget

SIZES = ((1280, 700), (1366, 768), (1920, 1080))
TIMEOUT_MS = 30_000


@pytest.fixture
def station(station_dir: Path, clock: Any, facts: Any) -> Path:
    admin = StationService(StationPaths(station_dir), clock)
    admin.login(facts.admin_id, facts.admin_password)
    add_staff(admin)
    admin.close()
    op = StationService(StationPaths(station_dir), clock)
    op.login("op1", OP_PW)
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)  # one dossier waiting for the supervisor's review
    op.close()
    return station_dir


@pytest.fixture(params=["vi", "en"])
def lang(request: Any, qapp: QApplication) -> Iterator[str]:
    apply_font(qapp)
    translator = install_translator(qapp, request.param) if request.param == "en" else None
    yield str(request.param)
    if translator is not None:
        qapp.removeTranslator(translator)


class Checker:
    def __init__(self, qtbot: Any, window: MainWindow) -> None:
        self.qtbot = qtbot
        self.window = window
        self.problems: list[str] = []

    def settle(self) -> None:
        self.qtbot.wait(20)

    def check(self, name: str, screen: QWidget | None = None) -> None:
        """The window at each size: clipped texts; the screen: its Alt letters."""
        for size in SIZES:
            self.window.resize(*size)
            self.settle()
            for text in clipped_texts(self.window):
                self.problems.append(f"{name} at {size[0]}x{size[1]}: clipped {text}")
        root = screen if screen is not None else self.window.stack.currentWidget()
        for letter, owners in mnemonic_clashes(root).items():
            self.problems.append(f"{name}: Alt+{letter.upper()} on {owners}")

    def login(self, driver: Any, operator_id: str, password: str) -> None:
        driver.login(self.window, password, operator_id)
        assert self.window.on_home(), operator_id


def test_every_screen_fits_and_has_unique_mnemonics(
    make_window, driver, station: Path, lang: str, qtbot, facts
) -> None:
    devices = registry(
        {
            "camera": {"driver": "simulated", "scenario": "good"},
            "fingerprint": {"driver": "simulated", "seed": 3},
            "signature": {"driver": "simulated", "seed": 2},
            "document": {"driver": "simulated"},
        }
    )
    window = make_window(lang, devices=devices)
    window.setMinimumSize(1, 1)
    c = Checker(qtbot, window)
    c.check("login")

    c.login(driver, "op1", OP_PW)
    c.check("operator home")
    for screen in (window.queue_screen, window.search_screen, window.rosters_screen):
        window.show_screen(screen)
        c.check(type(screen).__name__)
    window.new_dossier()
    wizard = window.wizard
    c.check("wizard start", wizard)
    wizard.start_page.case_buttons["first_issue"].setChecked(True)
    with qtbot.waitSignal(wizard.dossier_opened, timeout=TIMEOUT_MS):
        wizard.start_page.start()
    wizard.form_page.reveal_all()
    for step in ("form", "photo", "fingers", "documents", "review", "signature"):
        wizard.go_to(step)
        if wizard.stack.currentWidget() is wizard.notice_panel:
            c.check("privacy notice", wizard)
            wizard.notice_panel.given_button.click()
        c.check(f"wizard {step}", wizard)
    wizard.close_wizard()
    window.logout()

    c.login(driver, "sup1", SUP_PW)
    c.check("supervisor home")
    review = window.review_screen
    window.show_screen(review)
    qtbot.waitUntil(lambda: review.view.data is not None, timeout=TIMEOUT_MS)
    c.check("review")
    review.ask_seal()
    c.check("review, seal confirmation")
    review.cancel_seal()
    window.show_screen(window.reports_screen)
    c.check("reports")
    window.logout()

    c.login(driver, facts.admin_id, facts.admin_password)
    window.show_screen(window.settings_screen)
    c.check("settings")
    window.lock()
    c.check("lock screen")
    assert not c.problems, "\n".join(c.problems)
