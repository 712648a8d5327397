"""The roster screen: import with per-line problems, calling order, call next, enrol signal."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.service import StationService
from tests.conftest import OP_PW, SUP_PW, login
from ui.context import UiContext
from ui.qt import Qt
from ui.rosters import RosterScreen
from ui.workers import Worker

WAIT_MS = 10_000
ROSTER = (
    "ho_ten,ngay_sinh,nhom_uu_tien,stt\n"
    "Lý Văn Ba,2010,,3\n"
    "Vũ Thị Hai,2010,,2\n"
    "Đinh Văn Một,1950,elderly,9\n"
    "Нгуен,2010,,4\n"  # not Latin script: refused
    "Hà Thị Tư,2011,sick_disabled,12\n"
)


@pytest.fixture
def sup(staffed: StationService, clock) -> StationService:
    return login(staffed.paths, clock, "sup1", SUP_PW)


def make_screen(qtbot, qapp, svc: StationService) -> RosterScreen:
    worker = Worker(parent=qapp)
    widget = RosterScreen(UiContext(svc, "vi", worker))
    qtbot.addWidget(widget)
    widget.resize(1280, 700)
    widget.show()
    return widget


@pytest.fixture
def screen(qtbot, qapp, sup: StationService, tmp_path: Path) -> RosterScreen:
    widget = make_screen(qtbot, qapp, sup)
    path = tmp_path / "THPT Chu Văn An.csv"
    path.write_text(ROSTER, encoding="utf-8")
    widget.import_file(path, "drive")
    qtbot.waitUntil(lambda: widget.table.rowCount() == 4, timeout=WAIT_MS)
    return widget


def names(screen: RosterScreen) -> list[str]:
    return [screen.table.item(r, 2).text() for r in range(screen.table.rowCount())]


def test_import_shows_problems_and_opens_the_roster_in_calling_order(
    screen: RosterScreen, qtbot
) -> None:
    assert screen.import_label.text() == "Đã nhập 4 người; 1 dòng bị loại."
    assert screen.problems.count() == 1
    assert screen.problems.item(0).text().startswith("Dòng 5: ")
    # Priority groups first (sick or disabled, then elderly), then the queue number.
    assert names(screen) == ["Hà Thị Tư", "Đinh Văn Một", "Vũ Thị Hai", "Lý Văn Ba"]
    assert screen.table.item(0, 4).text() == "Người ốm, khuyết tật"
    assert screen.table.item(1, 3).text() == "1950"
    qtbot.waitUntil(lambda: screen.roster_list.count() == 1, timeout=WAIT_MS)
    assert "THPT Chu Văn An — đợt thu nhận — 0/4" in screen.roster_list.item(0).text()


def test_call_next_and_enrol_emit_the_resident_and_skip_the_enrolled(
    screen: RosterScreen, sup: StationService, qtbot
) -> None:
    screen.call_next()
    assert screen.call_label.text() == "Mời số 12: Hà Thị Tư"
    assert screen.selected() is not None and screen.selected().resident.full_name == "Hà Thị Tư"
    first_id = screen.selected().resident.id
    with qtbot.waitSignal(screen.enroll_requested, timeout=WAIT_MS) as signal:
        qtbot.mouseClick(screen.enroll_button, Qt.MouseButton.LeftButton)
    assert signal.args == [first_id]

    # The window starts the dossier for that person; the roster then shows them enrolled.
    sup.create_dossier("first_issue", resident_id=first_id)
    screen.refresh()
    qtbot.waitUntil(lambda: screen.table.item(0, 5).text() == "đang thu nhận", timeout=WAIT_MS)
    assert screen.table.item(0, 6).text().startswith("TN-001-")
    # Enrolled people are not emitted again.
    screen.table.selectRow(0)
    with qtbot.assertNotEmitted(screen.enroll_requested):
        screen.enroll_selected()
    assert "đã có hồ sơ" in screen.status_label.text()

    screen.call_next()
    assert screen.call_label.text() == "Mời số 9: Đinh Văn Một"
    screen.call_next()  # Đinh Văn Một did not come: the next one is called
    assert screen.call_label.text() == "Mời số 2: Vũ Thị Hai"
    screen.hide_done.setChecked(True)
    assert screen.table.isRowHidden(0) and not screen.table.isRowHidden(1)


def test_operator_cannot_import_but_can_call(
    screen: RosterScreen, qtbot, qapp, staffed: StationService, clock, tmp_path: Path
) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    widget = make_screen(qtbot, qapp, op)
    path = tmp_path / "other.csv"
    path.write_text(ROSTER, encoding="utf-8")
    widget.import_file(path, "drive")
    qtbot.waitUntil(lambda: "vai trò" in widget.import_label.text(), timeout=WAIT_MS)
    widget.refresh()
    qtbot.waitUntil(lambda: widget.roster_list.count() == 1, timeout=WAIT_MS)
    widget.roster_list.setCurrentRow(0)
    qtbot.waitUntil(lambda: widget.table.rowCount() == 4, timeout=WAIT_MS)
    widget.call_next()
    assert widget.call_label.text() == "Mời số 12: Hà Thị Tư"
