"""The start page: a draft created from an old card's QR code (text and image), from a resident
list, on a home visit, and from the old card's chip read through pcscd and vpcd."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import segno

from station.devices.defaults import registry
from station.service import StationService
from tests.chip.conftest import READER, jpeg, pcscd, pki  # noqa: F401 - fixtures
from tests.chip.vcard import Person, Pki, VirtualCard, VpcdCard, build_card
from tests.conftest import OP_PW, login
from ui.context import UiContext
from ui.qt import Qt
from ui.resident_search import ResidentSearch
from ui.start_page import StartPage
from ui.workers import Worker

QR_TEXT = (
    "070203012345|123456789|Nguyễn Văn An|01012003|Nam|"
    "Thôn 3, Xã Tân Lập, Huyện Đồng Phú, Tỉnh Bình Phước|15082021"
)
RESIDENTS = """\ufeffSố định danh,Họ tên,Ngày sinh,Giới tính,Địa chỉ
019301004567,Hoàng Thị Én,03/02/2001,Nữ,"Tổ 5, Phường Quan Triều, Thành phố Thái Nguyên, \
Tỉnh Thái Nguyên"
001090123456,Nguyễn Văn An,1990,Nam,"Số 1, Phường Hoàn Kiếm, Thành phố Hà Nội"
"""
TIMEOUT_MS = 10_000


@pytest.fixture
def operator(staffed: StationService, clock, tmp_path: Path) -> Iterator[StationService]:
    roster = tmp_path / "xa.csv"
    roster.write_text(RESIDENTS, encoding="utf-8")
    staffed.import_roster(roster, "residents", "Phường Quan Triều")
    svc = login(staffed.paths, clock, "op1", OP_PW)
    yield svc
    svc.close()


@pytest.fixture
def make_page(qtbot, operator: StationService) -> Iterator[Callable[..., StartPage]]:
    workers: list[Worker] = []

    def make(lang: str = "vi", **options: object) -> StartPage:
        worker = Worker()
        workers.append(worker)
        page = StartPage(UiContext(operator, lang, worker, registry(), dict(options)))
        qtbot.addWidget(page)
        page.resize(1100, 680)
        page.show()
        return page

    yield make
    for worker in workers:
        worker.wait()


def _created(qtbot, page: StartPage) -> str:
    # after a QR read the page may be looking for the card on the reader (no typing)
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(page.dossier_created, timeout=TIMEOUT_MS) as signal:
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    return str(signal.args[0])


def test_draft_from_qr_text_typed_by_a_scanner(qtbot, operator, make_page) -> None:
    page = make_page()
    page.case_buttons["renewal"].click()
    page.select_source("qr")
    page.qr_edit.setText(QR_TEXT)  # a handheld scanner types the text and Enter
    qtbot.keyClick(page.qr_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "id_number" in page.prefill_form, timeout=TIMEOUT_MS)
    assert "Nguyễn Văn An" in page.summary_label.text()
    assert page.chip_number_edit.text() == "070203012345"  # ready for a chip read
    assert page.chip_dob_edit.text() == "01/01/2003"

    view = operator.get_dossier(_created(qtbot, page))
    assert view.case_type == "renewal"
    assert view.form["full_name"] == "Nguyễn Văn An"
    assert view.form["previous_card"] == {"number": "070203012345", "issue_date": "2021-08-15"}
    assert view.form["_prefilled"]["id_number"] == "qr"


def test_draft_from_a_qr_image_file(qtbot, operator, make_page, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    segno.make(QR_TEXT, micro=False, error="m").save(buffer, kind="png", scale=6, border=4)
    image = tmp_path / "qr.png"
    image.write_bytes(buffer.getvalue())
    page = make_page()
    page.read_qr_image(image)
    qtbot.waitUntil(lambda: "id_number" in page.prefill_form, timeout=TIMEOUT_MS)
    assert operator.get_dossier(_created(qtbot, page)).form["id_number"] == "070203012345"


def test_a_bad_qr_code_says_why_and_creates_nothing(qtbot, operator, make_page) -> None:
    page = make_page(lang="en")
    page.qr_edit.setText("not|a|card")
    page.read_qr_text()
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)
    assert page.error_label.text() and page.prefill_form == {}
    assert "QR" in page.error_label.text()


def test_draft_from_a_resident_hit(qtbot, operator, make_page) -> None:
    page = make_page()
    page.select_source("resident")
    search: ResidentSearch = page.resident_search
    qtbot.keyClicks(search.search_edit, "hoang thi en")
    qtbot.waitUntil(lambda: search.results.count() == 1, timeout=TIMEOUT_MS)
    qtbot.keyClick(search.search_edit, Qt.Key.Key_Return)
    assert page.resident_id is not None
    assert page.prefill_form["id_number"] == "019301004567"
    dossier_id = _created(qtbot, page)
    view = operator.get_dossier(dossier_id)
    assert view.form["permanent_residence"]["unit"] == "05431"  # matched to its old ward
    hit = operator.search_residents("019301004567")[0]
    assert hit.enrolled_dossier_id == dossier_id


def test_start_for_resident_from_a_roster(qtbot, operator, make_page) -> None:
    page = make_page()
    resident = operator.search_residents("nguyen van an")[0]
    with qtbot.waitSignal(page.dossier_created, timeout=TIMEOUT_MS) as signal:
        page.start_for_resident(resident.id, "first_issue")
    assert operator.get_dossier(signal.args[0]).form["full_name"] == "Nguyễn Văn An"


def test_two_sources_that_differ_are_reported_not_overwritten(qtbot, operator, make_page):
    page = make_page()
    resident = operator.search_residents("nguyen van an")[0]
    page.use_resident(resident.id)  # born 1990, number 001090123456
    page.qr_edit.setText(QR_TEXT)  # another Nguyễn Văn An, born 2003
    page.read_qr_text()
    qtbot.waitUntil(lambda: bool(page.conflicts), timeout=TIMEOUT_MS)
    assert page.prefill_form["id_number"] == "001090123456"  # the first source's value kept
    assert "070203012345" in page.notes_label.text()


def test_home_visit_needs_the_place_and_is_recorded(qtbot, operator, make_page) -> None:
    page = make_page()
    page.home_visit_box.click()
    assert page.location_edit.isEnabled()
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert "Nơi thu nhận" in page.error_label.text()  # the station says the place is missing
    first = page.created_id
    assert first is not None
    page.location_edit.setText("Nhà ông Hoàng Văn Nam, tổ 5")
    dossier_id = _created(qtbot, page)
    assert dossier_id == first  # Start again did not make a second draft
    assert len(operator.list_dossiers()) == 1
    context = operator.capture_info(dossier_id)["context"]
    assert context == {"home_visit": True, "location": "Nhà ông Hoàng Văn Nam, tổ 5"}


def test_chip_read_through_pcsc(qtbot, operator, make_page, pcscd, pki: Pki, jpeg: bytes):  # noqa: F811
    person = Person()
    card = VpcdCard(VirtualCard(build_card(person, pki, jpeg), person.access_key()))
    page = make_page(card_reader=READER)
    page.select_source("chip")
    page.chip_number_edit.setText(person.id_number)
    page.chip_dob_edit.setText(person.dob_text)
    page.chip_expiry_edit.setText(person.expiry_text)
    card.insert()
    try:
        qtbot.mouseClick(page.chip_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not page.busy, timeout=20_000)
    finally:
        card.remove()
    assert page.error_label.text() == ""
    assert page.prefill_form["full_name"] == "Nguyễn Văn An"
    assert page.chip_verdict is not None and page.chip_verdict[0]
    assert "CSCA" in page.verdict_label.text()
    # the father on the form's relatives, the relation in Vietnamese only
    assert "Cha, Nguyễn Văn Bình" in page.summary_label.text()
    assert "father" not in page.summary_label.text()
    view = operator.get_dossier(_created(qtbot, page))
    assert view.form["_prefilled"]["full_name"] == "chip"
    assert view.form["ethnic_group"] == {"list": "QD1019-2008", "code": "01"}


def test_altered_chip_prefills_nothing_and_its_red_verdict_is_stored(
    qtbot,
    operator,
    make_page,
    pcscd,  # noqa: F811
    pki: Pki,  # noqa: F811
    jpeg: bytes,  # noqa: F811
):
    person = Person()
    card = VpcdCard(VirtualCard(build_card(person, pki, jpeg, tamper_dg=13), person.access_key()))
    page = make_page(card_reader=READER)
    page.select_source("chip")
    page.chip_number_edit.setText(person.id_number)
    page.chip_dob_edit.setText(person.dob_text)
    page.chip_expiry_edit.setText(person.expiry_text)
    card.insert()
    try:
        qtbot.mouseClick(page.chip_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not page.busy, timeout=20_000)
    finally:
        card.remove()
    assert page.error_label.text() == ""
    assert "full_name" not in page.prefill_form  # the altered DG13 fills nothing
    assert page.verdict_label.objectName() == "warning" and page.verdict_label.isVisible()
    assert "DG13" in page.verdict_label.text() and "THẤT BẠI" in page.verdict_label.text()
    dossier_id = _created(qtbot, page)
    verdict = operator.chip_verdict(dossier_id)
    assert verdict is not None and verdict["status"] == "failed"
    assert verdict["passive"]["bad_groups"] == ["DG13"]


def test_frozen_card_frees_the_page_with_a_clear_message_within_12_s(
    qtbot,
    make_page,
    pcscd,  # noqa: F811
    pki: Pki,  # noqa: F811
    jpeg: bytes,  # noqa: F811
):
    import time

    person = Person()
    card = VpcdCard(VirtualCard(build_card(person, pki, jpeg), person.access_key()))
    page = make_page()  # no reader named: the one holding the card
    page.select_source("chip")
    page.chip_number_edit.setText(person.id_number)
    page.chip_dob_edit.setText(person.dob_text)
    page.chip_expiry_edit.setText(person.expiry_text)
    card.insert()
    card.freeze_after(20)
    try:
        start = time.monotonic()
        qtbot.mouseClick(page.chip_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not page.busy, timeout=12_000)
        elapsed = time.monotonic() - start
    finally:
        card.remove()
    assert elapsed < 12
    assert "Thẻ không trả lời" in page.error_label.text()
    assert page.chip_button.isEnabled() and page.start_button.isEnabled()
    assert page.prefill_form == {}


def _qr_for(person: Person, issued: str) -> str:
    dob = person.dob_text.replace("/", "")
    return (
        f"{person.id_number}|{person.old_id}|{person.full_name}|{dob}|{person.sex_text}|"
        f"{person.residence}|{issued}"
    )


def test_qr_then_chip_with_no_typing(
    qtbot,
    operator,
    make_page,
    pcscd,  # noqa: F811
    pki: Pki,  # noqa: F811
    jpeg: bytes,  # noqa: F811
):
    # issued at 32 (10/05/2021): valid until the 40th birthday, 15/02/2029, by the renewal ages
    person = Person(expiry="290215", expiry_text="15/02/2029")
    card = VpcdCard(VirtualCard(build_card(person, pki, jpeg), person.access_key()))
    page = make_page(card_reader=READER)
    page.select_source("qr")
    card.insert()
    try:
        page.qr_edit.setText(_qr_for(person, "10052021"))
        qtbot.keyClick(page.qr_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.chip_read is not None, timeout=20_000)
    finally:
        card.remove()
    assert page.chip_expiry_edit.text() == "15/02/2029"  # computed, not typed
    assert card.card.external_auth_attempts == 1
    assert page.chip_read is not None and page.chip_read.ok
    assert page.prefill_form["ethnic_group"] == {"list": "QD1019-2008", "code": "01"}  # chip
    assert page.prefill_form["_prefilled"]["full_name"] == "qr"
    dossier_id = _created(qtbot, page)
    assert operator.chip_verdict(dossier_id)["status"] == "chain_not_checked"


def test_qr_key_refused_is_one_attempt_then_the_officer_is_asked(
    qtbot,
    make_page,
    pcscd,  # noqa: F811
    pki: Pki,  # noqa: F811
    jpeg: bytes,  # noqa: F811
):
    person = Person()  # the chip's expiry (2034) is not what the renewal ages give (2029)
    card = VpcdCard(VirtualCard(build_card(person, pki, jpeg), person.access_key()))
    page = make_page(card_reader=READER)
    page.select_source("qr")
    card.insert()
    try:
        page.qr_edit.setText(_qr_for(person, "10052021"))
        qtbot.keyClick(page.qr_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "BAC" in page.error_label.text(), timeout=20_000)
        assert card.card.external_auth_attempts == 1  # one attempt for that key, no loop
        assert page.source_stack.currentIndex() == 3  # the chip's fields, to correct the expiry
        page.chip_expiry_edit.setText(person.expiry_text)  # the officer reads it off the card
        qtbot.mouseClick(page.chip_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.chip_read is not None, timeout=20_000)
    finally:
        card.remove()
    assert card.card.external_auth_attempts == 2 and page.chip_read.ok


def test_pace_card_read_with_the_can_alone(
    qtbot,
    operator,
    make_page,
    pcscd,  # noqa: F811
    pki: Pki,  # noqa: F811
    jpeg: bytes,  # noqa: F811
):
    from tests.chip.vcard import CA_AES128, PACE_AES128

    person = Person()
    files = build_card(person, pki, jpeg, ca_oid=CA_AES128)
    chip = VirtualCard(files, person.access_key(), pace=(PACE_AES128, 13), can="345678", bac=False)
    card = VpcdCard(chip)
    page = make_page(card_reader=READER)
    page.select_source("chip")
    page.chip_can_edit.setText("345678")
    card.insert()
    try:
        qtbot.mouseClick(page.chip_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not page.busy, timeout=20_000)
    finally:
        card.remove()
    assert page.error_label.text() == ""
    assert page.chip_read is not None and page.chip_read.doc["access"] == "PACE-CAN"
    assert page.chip_read.doc["chip_authentication"] == "ok"
    assert page.prefill_form["full_name"] == "Nguyễn Văn An"
    assert chip.pace_attempts == 1
