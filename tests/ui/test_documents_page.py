"""The documents page: what the case needs, papers added from an image, a PDF and the simulated
scanner, refused files named in the message, removal, and a reload showing what is stored."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image as PILImage

from station.capture.documents import MAX_FILE_BYTES, SimulatedDocumentSource
from station.devices.defaults import registry
from station.service import StationService
from tests.conftest import OP_PW, login, valid_form
from ui.context import UiContext
from ui.documents_page import DocumentsPage
from ui.qt import Qt, QWidget
from ui.workers import Worker

TIMEOUT_MS = 30_000


@pytest.fixture
def operator(staffed: StationService, clock: Any) -> Iterator[StationService]:
    svc = login(staffed.paths, clock, "op1", OP_PW)
    yield svc
    svc.close()


@pytest.fixture
def make_page(qtbot: Any, operator: StationService) -> Iterator[Callable[..., DocumentsPage]]:
    workers: list[Worker] = []
    holders: list[QWidget] = []

    def make(dossier_id: str, lang: str = "vi") -> DocumentsPage:
        holder = QWidget()
        qtbot.addWidget(holder)
        holders.append(holder)
        worker = Worker(parent=holder)
        workers.append(worker)
        page = DocumentsPage(UiContext(operator, lang, worker, devices=registry()))
        qtbot.addWidget(page)
        page.resize(1100, 600)
        page.show()
        page.load(dossier_id)
        qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)
        return page

    yield make
    for worker in workers:
        worker.wait()


def wait(qtbot: Any, page: DocumentsPage) -> None:
    assert page.busy
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)


def scan_png(tmp_path: Path, name: str, seed: int = 0) -> Path:
    path = tmp_path / name
    path.write_bytes(cv2.imencode(".png", SimulatedDocumentSource(seed).page())[1].tobytes())
    return path


def two_page_pdf(tmp_path: Path) -> Path:
    pages = [
        PILImage.fromarray(np.ascontiguousarray(SimulatedDocumentSource(s).page()[:, :, ::-1]))
        for s in (1, 2)
    ]
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
    path = tmp_path / "xac-nhan-cu-tru.pdf"
    path.write_bytes(buf.getvalue())
    return path


def document_slots(svc: StationService, dossier_id: str) -> list[str]:
    return [p.slot for p in svc.get_dossier(dossier_id).parts if p.kind == "document"]


def test_needs_image_pdf_refusals_and_removal(
    qtbot: Any, tmp_path: Path, operator: StationService, make_page: Callable[..., DocumentsPage]
) -> None:
    form = valid_form(not_in_population_db=True)
    dossier_id = operator.create_dossier("first_issue", form).id
    page = make_page(dossier_id)
    assert "giấy khai sinh" in page.needs_label.text()
    assert page.current_type() == "birth_certificate"  # what the case lacks comes first
    assert page.slots() == []
    assert page.empty_label.isVisible()
    changes: list[None] = []
    page.changed.connect(lambda: changes.append(None))

    # An image file: deskewed and stored by the core, shown with a thumbnail.
    page.add_files([scan_png(tmp_path, "giay-khai-sinh.png")])
    wait(qtbot, page)
    assert page.slots() == ["birth_certificate_1"]
    item = page.list.item(0)
    assert not item.icon().isNull()
    assert "Giấy khai sinh" in item.text() and "1/1" in item.text()
    assert "Không thiếu giấy tờ bắt buộc" in page.needs_label.text()
    assert "giay-khai-sinh.png" in page.status_label.text()
    assert page.error_label.isHidden()
    assert changes == [None]

    # A two-page PDF of another type: two pages.
    page.set_type("residence_paper")
    page.add_files([two_page_pdf(tmp_path)])
    wait(qtbot, page)
    assert page.slots() == ["birth_certificate_1", "residence_paper_1", "residence_paper_2"]
    assert "2/2" in page.list.item(2).text()
    meta = {p.slot: p.meta for p in operator.get_dossier(dossier_id).parts}
    assert meta["residence_paper_2"]["pages"] == 2

    # A damaged file and an over-size one: refused, each named, nothing stored lost.
    broken = tmp_path / "anh-hong.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    huge = tmp_path / "qua-lon.pdf"
    with huge.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    page.add_files([broken, huge])
    wait(qtbot, page)
    error = page.error_label.text()
    assert "«anh-hong.jpg»" in error and "không đọc được" in error
    assert "«qua-lon.pdf»" in error and "quá lớn" in error
    assert len(document_slots(operator, dossier_id)) == 3
    assert len(changes) == 2

    # Remove one page: gone from the list and from the dossier.
    page.list.setCurrentRow(1)
    assert page.remove_button.isEnabled()
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert page.slots() == ["birth_certificate_1", "residence_paper_2"]
    assert document_slots(operator, dossier_id) == ["birth_certificate_1", "residence_paper_2"]
    assert len(changes) == 3


def test_scanner_and_reload(
    qtbot: Any, operator: StationService, make_page: Callable[..., DocumentsPage]
) -> None:
    dossier_id = operator.create_dossier("correction", valid_form()).id
    page = make_page(dossier_id, "en")
    assert "A correction needs a supporting paper." in page.needs_label.text()
    page.set_type("court_decision")
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    wait(qtbot, page)
    assert page.slots() == ["court_decision_1"]
    assert "Court decision" in page.list.item(0).text()
    assert "A correction needs" not in page.needs_label.text()
    deskew = operator.get_dossier(dossier_id).parts[0].meta["deskew_deg"]
    assert abs(deskew) > 1  # the simulated page was rotated; the core straightened it

    again = make_page(dossier_id)
    assert again.slots() == ["court_decision_1"]
    assert not again.list.item(0).icon().isNull()
    assert "Quyết định của Tòa án" in again.list.item(0).text()
    assert again.empty_label.isHidden()
