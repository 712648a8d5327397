"""Domain rules checked against the law and the forms (``docs/domain.md``), table-driven:
renewal because of age, ASCII digits on every entry path, year-only QR birth dates, pre-2025
place names."""

from __future__ import annotations

from datetime import date

import pytest

from station import dates, form, idnumber, masterdata, qr, renewal, residents
from station.chip import ChipError, mrz
from station.dates import PartialDate
from station.dossier import CaseType
from station.errors import ValidationError
from station.prefill import address_from_text
from tests.conftest import valid_form

MD = masterdata.load()
BORN = PartialDate(2001, 2, 3)


@pytest.mark.parametrize(
    ("today", "allowed"),
    [
        (date(2013, 2, 2), False),  # 11: too early for 14
        (date(2013, 2, 3), True),  # two years before 14
        (date(2015, 2, 3), True),  # the 14th birthday
        (date(2016, 2, 2), True),  # the last day of the year after it
        (date(2016, 2, 3), False),
        (date(2024, 2, 3), True),  # two years before 25
        (date(2026, 2, 2), True),
        (date(2031, 2, 3), False),  # 30: the card is valid until 40
        (date(2039, 2, 3), True),  # two years before 40
        (date(2042, 2, 3), False),
        (date(2060, 6, 1), True),  # before 60
        (date(2062, 2, 3), False),
    ],
)
def test_renewal_because_of_age_only_in_the_windows(today: date, allowed: bool) -> None:
    assert (renewal.age_renewal_problem(BORN, today) is None) is allowed


def test_renewal_because_of_age_through_the_form() -> None:
    f = form.normalize(
        valid_form(
            id_number="019301004567",
            renewal_reason="age",
            previous_card={"number": "019301004567", "issue_date": "2020-01-01"},
        )
    )
    at_30 = {p.field: p for p in form.problems(f, CaseType.RENEWAL, MD, date(2031, 3, 1))}
    assert "renewal_reason" in at_30 and "40" in at_30["renewal_reason"].en
    at_25 = {p.field for p in form.problems(f, CaseType.RENEWAL, MD, date(2026, 1, 10))}
    assert "renewal_reason" not in at_25
    # A card already expired may always be renewed (late, because of age).
    f["previous_card"]["expiry_date"] = "2026-02-03"
    late = {p.field for p in form.problems(f, CaseType.RENEWAL, MD, date(2031, 3, 1))}
    assert "renewal_reason" not in late


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


@pytest.mark.parametrize("script", [ARABIC_INDIC, FULL_WIDTH, DEVANAGARI])
@pytest.mark.parametrize(
    "entry",
    ["form id", "form old id", "form date", "qr id", "qr date", "list", "chip key", "chip date"],
)
def test_only_ascii_digits_enter(entry: str, script: dict[int, str]) -> None:
    today = date(2026, 11, 23)
    number = "019301004567"
    foreign = number.translate(script)
    sample = f"{number}|123456789|Hoàng Thị Én|03022001|Nữ|Tổ 5, Thái Nguyên|15082021"
    label = ("Ngày sinh", "Date of birth")
    foreign_dob = "03022001".translate(script)
    checks = {
        "form id": lambda: idnumber.parse(foreign),
        "form old id": lambda: idnumber.parse_old("123456789".translate(script)),
        "form date": lambda: dates.parse("03/02/2001".translate(script), "d", label, today=today),
        "qr id": lambda: qr.parse(sample.replace(number, foreign), today),
        "qr date": lambda: qr.parse(sample.replace("03022001", foreign_dob), today),
        "list": lambda: _list_row(foreign),
        "chip key": lambda: mrz.document_number_from_id(foreign),
        "chip date": lambda: mrz._yymmdd("010203".translate(script), label),
    }
    with pytest.raises((ValidationError, ChipError)):
        checks[entry]()
    # ... and the ASCII spelling of the same entry passes.
    assert idnumber.parse(number).value == number


def _list_row(number: str) -> None:
    row = {"id_number": number, "full_name": "Hoàng Thị Én", "date_of_birth": "03/02/2001"}
    values, problems = residents.check_row(2, row, date(2026, 11, 23))
    if values is None:
        raise ValidationError(problems[0].vi, problems[0].en, field=problems[0].field)


@pytest.mark.parametrize(
    ("field", "expected"),
    [("03022001", "2001-02-03"), ("00002001", "2001"), ("2001", "2001")],
)
def test_year_only_qr_birth_dates_are_partial(field: str, expected: str) -> None:
    text = f"019301004567||Hoàng Thị Én|{field}|Nữ|Tổ 5, Thái Nguyên|15082021"
    card = qr.parse(text, date(2026, 11, 23))
    assert card.date_of_birth.iso() == expected
    assert qr.to_prefill(card, MD).values["date_of_birth"] == expected
    assert (card.date_of_birth.day is not None) is (len(expected) == 10)


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("Phường Phú Hội, Thành phố Huế, Tỉnh Thừa Thiên Huế", "19786"),
        ("Phường Phú Hội, TP Huế, Thừa Thiên Huế", "19786"),
        ("Xã Hương Toàn, Thị xã Hương Trà, Tỉnh Thừa Thiên Huế", "20005"),
        ("Tổ 5, Phường Quan Triều, Thành phố Thái Nguyên, Tỉnh Thái Nguyên", "05431"),
        ("Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh", "26740"),
    ],
)
def test_pre_2025_place_names_match_their_units(text: str, unit: str) -> None:
    found = address_from_text(text, MD)
    assert found is not None and found["era"] == "legacy" and found["unit"] == unit
