"""The form page: every field filled through its widget, problems beside their fields in both
languages, cascading units, autosave and resume, and prefill that never overwrites typed values."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from station.devices.defaults import registry
from station.errors import StationError
from station.prefill import Prefill
from station.service import StationService
from tests.conftest import OP_PW, login
from ui.context import UiContext
from ui.form_fields import AddressField, SearchCombo
from ui.form_page import FormPage
from ui.qt import QComboBox, QLineEdit, QPlainTextEdit, Qt
from ui.workers import Worker

QR_TEXT = (
    "070203012345|123456789|Nguyễn Văn An|01012003|Nam|"
    "Thôn 3, Xã Tân Lập, Huyện Đồng Phú, Tỉnh Bình Phước|15082021"
)


@pytest.fixture
def operator(staffed: StationService, clock) -> Iterator[StationService]:
    svc = login(staffed.paths, clock, "op1", OP_PW)
    yield svc
    svc.close()


@pytest.fixture
def make_ctx(qtbot, operator: StationService) -> Iterator[Callable[[str], UiContext]]:
    workers: list[Worker] = []

    def make(lang: str = "vi") -> UiContext:
        worker = Worker()
        workers.append(worker)
        return UiContext(operator, lang, worker, devices=registry())

    yield make
    for worker in workers:
        worker.wait()


@pytest.fixture
def make_page(qtbot, make_ctx) -> Callable[..., FormPage]:
    def make(dossier_id: str, lang: str = "vi") -> FormPage:
        page = FormPage(make_ctx(lang))
        qtbot.addWidget(page)
        page.resize(1100, 680)
        page.show()
        page.load(dossier_id)
        return page

    return make


def _line(page: FormPage, path: str) -> QLineEdit:
    edit = page.editors[path]
    assert isinstance(edit, QLineEdit)
    return edit


def _combo(page: FormPage, path: str) -> QComboBox:
    combo = page.editors[path]
    assert isinstance(combo, QComboBox)
    return combo


def _choose(combo: QComboBox, code: str) -> None:
    row = combo.findData(code)
    assert row >= 0, f"{code} is not a choice"
    combo.setCurrentIndex(row)


def _address(page: FormPage, path: str, era: str, province: str, unit: str, street: str = "",
             district: str | None = None) -> AddressField:  # fmt: skip
    field = page.addresses[path]
    _choose(field.era, era)
    _choose(field.province, province)
    if district is not None:
        _choose(field.district, district)
    _choose(field.commune, unit)
    field.street.setText(street)
    return field


def _fill_whole_form(qtbot, page: FormPage) -> None:
    page.editors["full_name"].setFocus()
    _line(page, "full_name").setText("Hoàng Thị Én")  # keyClicks refuses non-ASCII
    qtbot.keyClicks(_line(page, "id_number"), "019301004567")
    qtbot.keyClicks(_line(page, "date_of_birth"), "03/02/2001")
    _choose(_combo(page, "sex"), "female")
    _address(page, "birth_registration", "legacy", "19", "05431", district="164")
    _address(page, "hometown", "2025", "19", "05533")
    _choose(_combo(page, "ethnic_group"), "01")
    _choose(_combo(page, "religion"), "00")
    _choose(_combo(page, "nationality"), "VN")
    _choose(_combo(page, "blood_group"), "O")
    _choose(_combo(page, "marital_status"), "single")
    _address(page, "permanent_residence", "2025", "19", "05533", "Tổ 5")
    _line(page, "occupation").setText("Giáo viên")
    qtbot.keyClicks(_line(page, "phone"), "0912345678")
    row = page.add_relative()
    _choose(row.relation, "mother")
    row.full_name.setText("Hoàng Thị Mai")
    _choose(row.nationality, "VN")


def test_whole_form_through_the_widgets_is_saved_and_has_no_problem(
    qtbot, operator: StationService, make_page
) -> None:
    view = operator.create_dossier("first_issue")
    page = make_page(view.id)
    saved: list[bool] = []
    page.changed.connect(lambda: saved.append(True))

    _fill_whole_form(qtbot, page)
    qtbot.waitUntil(lambda: bool(saved) and not page.dirty, timeout=5000)  # autosave after ~1 s
    qtbot.waitUntil(lambda: not page.problems, timeout=5000)

    form = operator.get_dossier(view.id).form
    assert form["full_name"] == "Hoàng Thị Én"
    assert form["date_of_birth"] == "2001-02-03"  # typed dd/mm/yyyy, stored ISO
    assert form["birth_registration"] == {"era": "legacy", "unit": "05431", "street": ""}
    assert form["permanent_residence"] == {"era": "2025", "unit": "05533", "street": "Tổ 5"}
    assert form["relatives"] == [
        {"relation": "mother", "full_name": "Hoàng Thị Mai", "nationality": "VN"}
    ]
    assert operator.form_problems("first_issue", form) == []
    assert page.visible_problems() == {}


def test_wrong_id_number_is_shown_beside_it_in_vietnamese(qtbot, operator, make_page) -> None:
    view = operator.create_dossier("first_issue")
    page = make_page(view.id)
    _line(page, "full_name").setText("Hoàng Thị Én")
    qtbot.keyClicks(_line(page, "id_number"), "01930100456")  # 11 digits
    qtbot.waitUntil(lambda: page.error_label("id_number").isVisible(), timeout=3000)
    text = page.error_label("id_number").text()
    assert "Số định danh cá nhân" in text and "12" in text
    assert page.error_label("full_name").isHidden()
    # not reached yet: the required date of birth and sex say nothing before Next
    assert page.error_label("date_of_birth").isHidden()
    assert page.error_label("sex").isHidden()
    page.leave()
    assert "Ngày, tháng, năm sinh" in page.error_label("date_of_birth").text()
    assert page.error_label("sex").isVisible()


def test_impossible_date_is_shown_beside_it_in_english(qtbot, operator, make_page) -> None:
    view = operator.create_dossier("first_issue")
    page = make_page(view.id, lang="en")
    qtbot.keyClicks(_line(page, "date_of_birth"), "31/02/2001")
    qtbot.waitUntil(lambda: page.error_label("date_of_birth").isVisible(), timeout=3000)
    assert page.error_label("date_of_birth").text() == (
        "Date of birth: the date 31/02/2001 does not exist."
    )
    # what was typed stays as typed (and is saved as typed)
    assert _line(page, "date_of_birth").text() == "31/02/2001"
    assert page.save_now()
    assert operator.get_dossier(view.id).form["date_of_birth"] == "31/02/2001"


def test_a_relatives_problem_goes_to_that_relatives_row(qtbot, operator, make_page) -> None:
    view = operator.create_dossier("first_issue")
    page = make_page(view.id)
    page.add_relative()
    second = page.add_relative()
    _choose(second.relation, "father")
    second.full_name.setText("Hoàng Văn Nam")
    qtbot.keyClicks(second.id_number, "12345")
    qtbot.waitUntil(lambda: "relatives[1]" in page.visible_problems(), timeout=3000)
    # the blank first row is not in the form, so the form's relatives[0] is this second row
    assert "12 chữ số" in page.visible_problems()["relatives[1]"]
    assert "relatives[0]" not in page.visible_problems()


def test_cascading_units_list_only_the_chosen_provinces_communes(qtbot, operator, make_page):
    page = make_page(operator.create_dossier("first_issue").id)
    md = operator.masterdata
    field = page.addresses["hometown"]
    assert field.commune.count() == 1  # only the empty choice before a province
    _choose(field.province, "19")
    codes = {field.commune.itemData(i) for i in range(1, field.commune.count())}
    assert codes == {c.code for c in md.communes_of("19")}
    _choose(field.province, "01")
    codes = {field.commune.itemData(i) for i in range(1, field.commune.count())}
    assert codes == {c.code for c in md.communes_of("01")}
    assert field.value() is None  # the commune chosen before was of the other province

    _choose(field.era, "legacy")
    assert field.district.isVisibleTo(page)
    _choose(field.province, "19")
    _choose(field.district, "164")
    codes = {field.commune.itemData(i) for i in range(1, field.commune.count())}
    assert codes == {w.code for w in md.legacy_wards_of("164")}


def test_typing_part_of_a_name_without_diacritics_finds_the_unit(qtbot, operator, make_page):
    page = make_page(operator.create_dossier("first_issue").id)
    combo: SearchCombo = page.addresses["hometown"].province
    combo.setFocus()
    qtbot.keyClicks(combo.edit(), "thai nguy")
    qtbot.keyClick(combo.edit(), Qt.Key.Key_Return)  # Enter takes the first unit found
    assert combo.value() == "19"
    assert combo.currentText() == "Tỉnh Thái Nguyên"


def test_reload_shows_the_saved_values(qtbot, operator, make_page) -> None:
    view = operator.create_dossier("renewal")
    page = make_page(view.id)
    _fill_whole_form(qtbot, page)
    qtbot.keyClicks(_line(page, "previous_card.number"), "019301004567")
    qtbot.keyClicks(_line(page, "previous_card.issue_date"), "10/05/2021")
    _choose(_combo(page, "renewal_reason"), "damaged")
    page.leave()  # saves now, as before a crash the autosave would have
    assert not page.dirty
    saved = operator.get_dossier(view.id).form
    page.close()

    again = make_page(view.id)  # a new page after a restart: the draft comes back whole
    assert again.form() == saved
    assert _line(again, "full_name").text() == "Hoàng Thị Én"
    assert _line(again, "date_of_birth").text() == "03/02/2001"
    assert _line(again, "previous_card.issue_date").text() == "10/05/2021"
    assert again.addresses["birth_registration"].district.currentData() == "164"
    assert again.relative_rows[0].full_name.text() == "Hoàng Thị Mai"
    assert _combo(again, "renewal_reason").currentData() == "damaged"
    assert not again.problems


def test_case_fields_show_only_for_their_case(operator, make_page) -> None:
    first = make_page(operator.create_dossier("first_issue").id)
    assert not first.editors["previous_card.number"].isVisibleTo(first)
    assert not first.editors["renewal_reason"].isVisibleTo(first)
    assert first.editors["not_in_population_db"].isVisibleTo(first)
    correction = make_page(operator.create_dossier("correction").id)
    assert correction.editors["correction_note"].isVisibleTo(correction)
    assert isinstance(correction.editors["correction_note"], QPlainTextEdit)
    assert not correction.editors["renewal_reason"].isVisibleTo(correction)
    assert correction.editors["previous_card.number"].isVisibleTo(correction)


def test_tab_order_follows_the_paper_form(operator, make_page) -> None:
    page = make_page(operator.create_dossier("renewal").id)
    chain = page.tab_chain()
    order = [
        page.editors[p]
        for p in (
            "full_name",
            "other_names",
            "id_number",
            "old_id_number",
            "date_of_birth",
            "sex",
            "religion",
            "nationality",
            "phone",
            "previous_card.number",
            "renewal_reason",
        )
    ]
    positions = [chain.index(w) for w in order]
    assert positions == sorted(positions)
    birth = page.addresses["birth_registration"]
    assert chain.index(birth.province) < chain.index(birth.commune) < chain.index(birth.street)


def test_prefill_fills_empty_fields_and_keeps_typed_ones(qtbot, operator, make_page) -> None:
    page = make_page(operator.create_dossier("renewal").id)
    _line(page, "full_name").setText("Nguyễn Văn Ân")
    filled = page.apply_prefill(operator.prefill_from_qr(QR_TEXT))
    assert "full_name" not in filled and "id_number" in filled
    assert _line(page, "full_name").text() == "Nguyễn Văn Ân"
    assert _line(page, "id_number").text() == "070203012345"
    assert _line(page, "previous_card.number").text() == "070203012345"
    assert "full_name" in page.conflicts
    assert "Nguyễn Văn An" in page.notes_label.text()
    assert page.save_now()
    form = operator.get_dossier(page.dossier_id).form
    assert form["full_name"] == "Nguyễn Văn Ân"
    assert form["_prefilled"]["id_number"] == "qr"


def test_qr_scanned_into_the_form_runs_on_the_worker(qtbot, operator, make_page) -> None:
    page = make_page(operator.create_dossier("renewal").id)
    page.qr_edit.setText(QR_TEXT)
    qtbot.keyClick(page.qr_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _line(page, "id_number").text() == "070203012345", timeout=5000)
    assert page.qr_edit.text() == ""


def test_unmatched_prefill_text_is_shown_for_the_officer(operator, make_page) -> None:
    page = make_page(operator.create_dossier("renewal").id)
    page.apply_prefill(
        Prefill("qr", {"full_name": "Nguyễn Văn An"}, {"permanent_residence": "Xóm Nội, Làng X"})
    )
    assert "Xóm Nội, Làng X" in page.notes_label.text()
    assert page.notes_label.isVisible()


def test_a_failed_save_keeps_the_typed_values_and_says_why(
    qtbot, operator, make_page, monkeypatch
) -> None:
    page = make_page(operator.create_dossier("first_issue").id)

    def refuse(*_a, **_k):
        raise StationError("Ổ đĩa đầy.", "The disk is full.")

    monkeypatch.setattr(operator, "update_form", refuse)
    _line(page, "full_name").setText("Hoàng Thị Én")
    assert not page.save_now()
    assert page.dirty
    assert "Ổ đĩa đầy." in page.save_error_label.text()
    assert _line(page, "full_name").text() == "Hoàng Thị Én"
    monkeypatch.undo()
    page.leave()
    assert not page.dirty and page.save_error_label.isHidden()
    assert operator.get_dossier(page.dossier_id).form["full_name"] == "Hoàng Thị Én"
