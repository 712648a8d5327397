"""The rolled-print and iris pages driven like an officer: Space captures on the simulated
devices (the work on the worker), a rolled print of the wrong finger shown as the core's alarm,
an eye's exception through the dialog, and the pages a child or a station without an iris camera
does not need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from station.devices import Finger
from station.devices.defaults import registry
from station.devices.registry import DeviceRegistry
from station.service import StationService
from tests.conftest import ADMIN_PW, OP_PW, capture_all, login, simulated_captures, valid_form
from ui.bio_page import ALARM, EXCEPTION, GOOD, PENDING, BioPage
from ui.context import UiContext
from ui.iris_page import IrisPage
from ui.qt import QDialogButtonBox, Qt, QWidget
from ui.rolled_page import RolledPage
from ui.workers import Worker

TIMEOUT_MS = 30_000


@pytest.fixture
def operator(staffed: StationService, clock: Any) -> Iterator[StationService]:
    svc = login(staffed.paths, clock, "op1", OP_PW)
    yield svc
    svc.close()


@pytest.fixture
def make_page(qtbot: Any, operator: StationService) -> Iterator[Callable[..., BioPage]]:
    workers: list[Worker] = []
    holders: list[QWidget] = []

    def make(kind: type[BioPage], dossier_id: str, devices: DeviceRegistry | None) -> BioPage:
        holder = QWidget()
        qtbot.addWidget(holder)
        holders.append(holder)
        worker = Worker(parent=holder)
        workers.append(worker)
        page = kind(UiContext(operator, "vi", worker, devices=devices))  # type: ignore[call-arg]
        qtbot.addWidget(page)
        page.resize(1100, 600)
        page.show()
        page.load(dossier_id)
        qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)
        return page

    yield make
    for worker in workers:
        worker.wait()


def _press(qtbot: Any, page: BioPage) -> None:
    qtbot.keyClick(page, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)


def test_rolling_with_space_and_the_core_alarm_for_a_wrong_finger(
    qtbot: Any, operator: StationService, make_page: Callable[..., BioPage]
) -> None:
    dossier_id = operator.create_dossier("first_issue", valid_form()).id
    capture_all(operator, dossier_id)  # the simulated person of seed 1, flat and rolled
    devices = registry({"rolled": {"driver": "simulated", "seed": 1}})
    page = make_page(RolledPage, dossier_id, devices)
    assert all(s.status == GOOD for s in page.states().values())
    page.select("right_index")
    _press(qtbot, page)  # a new roll of the right index: still good
    assert page.states()["right_index"].status == GOOD
    # The right middle finger's roll stored in the right index's place.
    rolled = simulated_captures().rolled
    operator.save_rolled_print(dossier_id, "right_index", *rolled["right_middle"])
    page.load(dossier_id)
    state = page.states()["right_index"]
    assert state.status == ALARM and "ngón giữa phải" in state.text[0]
    page.select("right_index")
    assert "không khớp" in page.item_status.text()


def test_iris_capture_and_an_eye_exception(
    qtbot: Any, operator: StationService, make_page: Callable[..., BioPage]
) -> None:
    dossier_id = operator.create_dossier("first_issue", valid_form()).id
    page = make_page(IrisPage, dossier_id, registry({"iris": {"driver": "simulated"}}))
    assert page.required and page.selected() == "right"
    _press(qtbot, page)
    assert page.states()["right"].status == GOOD and page.selected() == "left"
    dialog = page.show_exception_dialog()
    assert dialog is not None
    kinds = [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())]
    assert kinds == ["missing", "bandaged", "unable_to_capture"]
    dialog.reason_edit.setPlainText("Mắt trái là mắt giả")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: page.exception_dialog is None and not page.busy, timeout=TIMEOUT_MS)
    assert page.states()["left"].status == EXCEPTION
    assert "iris/left" in operator.capture_info(dossier_id)["exceptions"]
    assert not [m for m in operator.missing_captures(dossier_id) if m.kind == "iris"]


def test_pages_not_needed(
    operator: StationService, staffed: StationService, clock: Any, make_page: Callable[..., BioPage]
) -> None:
    child = operator.create_dossier("first_issue", valid_form(date_of_birth="2021-06-01")).id
    for kind in (RolledPage, IrisPage):
        page = make_page(kind, child, registry())
        assert not page.required and page.stack.currentIndex() == 1
        assert not page.capture_button.isEnabled()
    adult = operator.create_dossier("first_issue", valid_form()).id
    admin = login(staffed.paths, clock, "admin", ADMIN_PW)
    admin.set_gate_settings({"iris_camera": False})
    page = make_page(IrisPage, adult, registry())
    assert not page.required and "không có máy" in page.not_needed_label.text()
    rolled = make_page(RolledPage, adult, registry())
    assert rolled.required and rolled.states()[Finger.RIGHT_THUMB.value].status == PENDING


def test_the_device_line_speaks_the_window_language_only(
    qtbot: Any, operator: StationService, make_page: Callable[..., BioPage], request: Any
) -> None:
    """A simulated device's bilingual name is shown in the window's language alone."""
    dossier_id = operator.create_dossier("first_issue", valid_form()).id
    devices = registry({"rolled": {"driver": "simulated", "seed": 1}})
    page = make_page(RolledPage, dossier_id, devices)
    assert page.device_label.text() == "Thiết bị: Máy quét vân tay lăn mô phỏng"
    request.getfixturevalue("english")
    page = make_page(RolledPage, dossier_id, devices)
    assert page.device_label.text() == "Device: Simulated rolled-print scanner"
