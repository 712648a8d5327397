"""The reports screen: counts against the quota, the quota editor, CSV and PDF files."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from station.reporting import TEAM
from station.service import StationService
from tests.conftest import OP_PW, SUP_PW, capture_all, login, valid_form
from ui.context import UiContext
from ui.reports import ReportsScreen
from ui.workers import Worker

BA_XUYEN = "05533"
WAIT_MS = 10_000


@pytest.fixture
def sup(staffed: StationService, clock) -> StationService:
    op = login(staffed.paths, clock, "op1", OP_PW)
    for _ in range(2):
        d = op.create_dossier("first_issue", valid_form())
        capture_all(op, d.id)
        op.mark_captured(d.id)
    op.close()
    svc = login(staffed.paths, clock, "sup1", SUP_PW)
    svc.reporting.set_quotas(svc.today(), svc.today(), {BA_XUYEN: 4})
    return svc


@pytest.fixture
def screen(qtbot, qapp, sup: StationService) -> ReportsScreen:
    worker = Worker(parent=qapp)
    ctx = UiContext(sup, "vi", worker)
    widget = ReportsScreen(ctx)
    qtbot.addWidget(widget)
    widget.resize(1280, 700)
    widget.show()
    widget.set_range(sup.today(), sup.today())
    widget.refresh()
    qtbot.waitUntil(lambda: widget.report is not None, timeout=WAIT_MS)
    yield widget
    worker.wait()


def cells(table, row: int) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_screen_shows_counts_against_the_quota(screen: ReportsScreen, sup) -> None:
    day = sup.today().strftime("%d/%m/%Y")
    assert cells(screen.day_table, 0)[:4] == [day, "2", "4", "50 %"]
    assert cells(screen.day_table, 1)[:4] == ["Tổng", "2", "4", "50 %"]
    assert cells(screen.operator_table, 0)[:2] == ["Trần Văn Bình (op1)", "2"]
    assert cells(screen.commune_table, 0)[:4] == [
        "Phường Bá Xuyên, Thái Nguyên (05533)",
        "2",
        "4",
        "50 %",
    ]
    assert "2 hồ sơ trên chỉ tiêu 4 (50 %)" in screen.summary_label.text()
    assert screen.chart.data.values == (2,) and screen.chart.data.targets == (4,)
    assert screen.csv_button.isEnabled() and screen.pdf_button.isEnabled()


def test_quota_editor_saves_the_plan_and_the_report_follows(
    screen: ReportsScreen, sup: StationService, qtbot
) -> None:
    editor = screen.quota_editor
    qtbot.waitUntil(lambda: editor.table.rowCount() == 1, timeout=WAIT_MS)
    assert editor.targets() == {BA_XUYEN: 4}
    editor.team_spin.setValue(8)
    editor.add_commune("05482", 3)
    assert editor.targets() == {BA_XUYEN: 4, "05482": 3, TEAM: 8}
    before = screen.report
    editor.save()
    qtbot.waitUntil(lambda: screen.report is not before, timeout=WAIT_MS)
    today = sup.today()
    assert {(q.commune, q.target) for q in sup.reporting.quotas(today, today)} == {
        (BA_XUYEN, 4),
        ("05482", 3),
        (TEAM, 8),
    }
    assert cells(screen.day_table, 0)[:4] == [today.strftime("%d/%m/%Y"), "2", "8", "25 %"]


def test_quota_file_with_a_wrong_line_shows_it_and_saves_nothing(
    screen: ReportsScreen, sup: StationService, qtbot, tmp_path: Path
) -> None:
    path = tmp_path / "chi-tieu.csv"
    day = sup.today().strftime("%d/%m/%Y")
    path.write_text(f"ngay;ma_xa;chi_tieu\n{day};05533;9\n{day};99999;1\n", "utf-8")
    editor = screen.quota_editor
    editor.import_file(path)
    qtbot.waitUntil(lambda: editor.problems.count() == 1, timeout=WAIT_MS)
    assert editor.problems.item(0).text().startswith("Dòng 3: ")
    assert "99999" in editor.problems.item(0).text()
    today = sup.today()
    assert {(q.commune, q.target) for q in sup.reporting.quotas(today, today)} == {(BA_XUYEN, 4)}


def test_csv_and_pdf_files_are_written(
    screen: ReportsScreen, sup: StationService, qtbot, tmp_path: Path
) -> None:
    csv_path = tmp_path / "bao-cao.csv"
    with qtbot.waitSignal(screen.exported, timeout=WAIT_MS) as signal:
        screen.export_csv(csv_path)
    assert signal.args == [str(csv_path)]
    data = csv_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "Trạm Thái Nguyên 1".encode() in data
    text = data.decode("utf-8-sig")
    assert sup.today().strftime("%d/%m/%Y") not in text  # ISO dates in CSV
    assert f"{sup.today().isoformat()};2;4;50" in text

    pdf_path = tmp_path / "bao-cao.pdf"
    with qtbot.waitSignal(screen.exported, timeout=WAIT_MS):
        screen.export_pdf(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF") and pdf_path.stat().st_size > 1000
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        text = "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()
    assert "Trạm Thái Nguyên 1" in text
    assert "Báo cáo thu nhận hồ sơ" in text
    assert "Phường Bá Xuyên" in text
    assert "Hoàng Thị Én" not in text  # counts only, no citizen


def test_operator_sees_the_refusal_not_a_report(qtbot, qapp, staffed, clock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    worker = Worker(parent=qapp)
    widget = ReportsScreen(UiContext(op, "vi", worker))
    qtbot.addWidget(widget)
    widget.refresh()
    qtbot.waitUntil(lambda: "vai trò" in widget.status_label.text(), timeout=WAIT_MS)
    assert widget.report is None and not widget.csv_button.isEnabled()
    worker.wait()
