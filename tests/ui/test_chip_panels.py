"""The chip's panels: the CSCA store in the settings, and the failed chip verdict a supervisor
accepts with a reason in the review."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from station.chip import pa
from station.service import StationService
from tests.chip.vcard import Person, VirtualCard, build_card, face_jpeg, make_pki
from tests.conftest import OP_PW, SUP_PW, capture_all, login, valid_form
from tests.ui.screens_support import WORKER_TIMEOUT_MS, make_ctx, supervisor
from ui.qt import Qt
from ui.review import ReviewScreen
from ui.settings import SettingsScreen


def test_settings_imports_lists_and_removes_csca_and_pins_the_reader(
    qtbot, staffed: StationService, tmp_path: Path
) -> None:
    pki = make_pki()
    path = tmp_path / "csca.pem"
    path.write_bytes(pki.csca_pem())
    screen = SettingsScreen(make_ctx(qtbot, staffed, "vi"))
    qtbot.addWidget(screen)
    screen.show()
    screen.refresh()
    panel = screen.csca_panel
    assert panel.table.rowCount() == 0
    panel.import_path(path)
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, 0).text() == "CN=TEST CSCA VN,C=VN"
    assert panel.table.item(0, 2).text() == pa.fingerprint(pki.csca)
    assert "Đã nhập 1 chứng thư" in panel.feedback.text()
    panel.import_path(tmp_path / "missing.pem")
    assert "missing.pem" in panel.feedback.text()  # the core's refusal, shown
    panel.reader_edit.setText("Virtual PCD 01")
    qtbot.mouseClick(panel.reader_button, Qt.MouseButton.LeftButton)
    assert staffed.card_reader_setting() == "Virtual PCD 01"
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert panel.table.rowCount() == 0 and staffed.csca_list() == []


def test_review_shows_a_failed_chip_and_the_supervisor_accepts_it(
    qtbot, staffed: StationService, clock
) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    person = Person()
    card = VirtualCard(
        build_card(person, make_pki(), face_jpeg(4000), tamper_dg=13), person.access_key()
    )
    read = op.prefill_from_chip(card.process, person.id_number, person.dob_text,
                                person.expiry_text)  # fmt: skip
    d = op.create_dossier("first_issue", form=valid_form(), chip=read)
    capture_all(op, d.id)  # the portrait: the chip's person, photographed again
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup = supervisor(op)
    screen = ReviewScreen(make_ctx(qtbot, sup, "vi"))
    qtbot.addWidget(screen)
    screen.resize(1280, 700)
    screen.show()
    screen.refresh()
    qtbot.waitUntil(lambda: screen.chip_panel.isVisible(), timeout=WORKER_TIMEOUT_MS)
    panel = screen.chip_panel
    qtbot.waitUntil(lambda: "ngưỡng 0.6" in panel.face_label.text(), timeout=WORKER_TIMEOUT_MS)
    assert "Ảnh chip khớp" in panel.face_label.text()  # score and threshold, for the supervisor
    assert not panel.face_accept_button.isVisible()
    assert "DG13" in panel.verdict_label.text() and "THẤT BẠI" in panel.verdict_label.text()
    assert "xác thực chủ động (DG15): đạt" in panel.verdict_label.text()
    assert panel.accept_button.isVisible()
    qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
    assert "Lý do" in panel.verdict_label.text()  # a reason is required
    panel.reason_edit.setText("Đã đối chiếu giấy khai sinh bản gốc")
    qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
    assert "sup1" in panel.verdict_label.text() and not panel.accept_button.isVisible()
    qtbot.mouseClick(screen.approve_button, Qt.MouseButton.LeftButton)
    screen.seal_password_edit.setText(SUP_PW)  # sealing asks for the password again
    with qtbot.waitSignal(screen.sealed, timeout=WORKER_TIMEOUT_MS):
        qtbot.mouseClick(screen.seal_confirm_button, Qt.MouseButton.LeftButton)


def test_review_a_chip_portrait_without_face_needs_the_supervisor(
    qtbot, staffed: StationService, clock
):
    op = login(staffed.paths, clock, "op1", OP_PW)
    person = Person()
    # The chip's portrait holds no face (the station's own portrait must, to pass its gate).
    grey = bytes(cv2.imencode(".jpg", np.full((400, 300, 3), 180, np.uint8))[1].tobytes())
    card = VirtualCard(build_card(person, make_pki(), grey), person.access_key())
    read = op.prefill_from_chip(card.process, person.id_number, person.dob_text,
                                person.expiry_text)  # fmt: skip
    d = op.create_dossier("first_issue", form=valid_form(), chip=read)
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup = supervisor(op)
    screen = ReviewScreen(make_ctx(qtbot, sup, "en"))
    qtbot.addWidget(screen)
    screen.show()
    screen.refresh()
    panel = screen.chip_panel
    qtbot.waitUntil(lambda: panel.face_accept_button.isVisible(), timeout=WORKER_TIMEOUT_MS)
    assert "No face found" in panel.face_label.text()
    panel.face_reason_edit.setText("Checked in person: same citizen")
    qtbot.mouseClick(panel.face_accept_button, Qt.MouseButton.LeftButton)
    assert "sup1" in panel.face_label.text() and not panel.face_accept_button.isVisible()
    qtbot.mouseClick(screen.approve_button, Qt.MouseButton.LeftButton)
    screen.seal_password_edit.setText(SUP_PW)  # sealing asks for the password again
    with qtbot.waitSignal(screen.sealed, timeout=WORKER_TIMEOUT_MS):
        qtbot.mouseClick(screen.seal_confirm_button, Qt.MouseButton.LeftButton)


def test_photo_page_shows_the_chip_portrait_score(qtbot, staffed: StationService, clock) -> None:
    from tests.ui.test_photo_page import Pages, wait_saved

    op = login(staffed.paths, clock, "op1", OP_PW)
    person = Person()
    card = VirtualCard(build_card(person, make_pki(), face_jpeg(4000)), person.access_key())
    read = op.prefill_from_chip(card.process, person.id_number, person.dob_text,
                                person.expiry_text)  # fmt: skip
    d = op.create_dossier("first_issue", form=valid_form(), chip=read)
    pages = Pages(qtbot, op)
    try:
        page = pages.make(d.id)
        wait_saved(qtbot, page)
        label = page.chip_face_label
        qtbot.waitUntil(lambda: "ngưỡng 0.6" in label.text(), timeout=WORKER_TIMEOUT_MS)
        assert label.isVisible()
        match = op.chip_face_match(d.id)
        assert match is not None and f"{match['distance']:.3f}" in label.text()
    finally:
        pages.close()
