"""Form rules: every field's bad input is refused with a message naming it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station import form, idnumber, masterdata
from station.dossier import CaseType
from station.testdata import birthday_after, people
from tests.conftest import valid_form

TODAY = date(2026, 11, 23)
MD = masterdata.load()


def problems(
    f: dict[str, Any], case: CaseType = CaseType.FIRST_ISSUE
) -> dict[str, form.FieldProblem]:
    return {p.field: p for p in form.problems(form.normalize(f), case, MD, TODAY)}


def test_valid_form_has_no_problems() -> None:
    assert problems(valid_form()) == {}


# (field, bad value, English fragment): empty, too long, wrong script, impossible or future
# date, mismatched ID number, unknown codes...
BAD: list[tuple[str, Any, str]] = [
    ("full_name", "", "must not be empty"),
    ("full_name", "A" * 101, "at most 100"),
    ("full_name", "Нгуен Ван Ан", "not in the Latin script"),
    ("full_name", "阮文安", "not in the Latin script"),
    ("full_name", "Nguyễn Văn 2", "not allowed in a name"),
    ("full_name", 42, "must be text"),
    ("date_of_birth", "", "must not be empty"),
    ("date_of_birth", "30/02/2001", "does not exist"),
    ("date_of_birth", "2001-13-01", "does not exist"),
    ("date_of_birth", "2031-01-01", "in the future"),
    ("date_of_birth", "1850", "before 1900"),
    ("date_of_birth", "tomorrow", "is not a date"),
    ("sex", "", "not chosen"),
    ("sex", "other", "is not valid"),
    ("id_number", "", "must not be empty"),
    ("id_number", "01930100456", "exactly 12 digits"),
    ("id_number", "003301004567", "does not exist"),
    ("id_number", "019201004567", "encodes a sex other than 'female'"),
    ("id_number", "019399004567", "digits 5-6 (99) do not match the birth year 2001"),
    ("id_number", "022301004567", "does not match the chosen place of birth registration"),
    ("old_id_number", "12345", "9 or 12 digits"),
    ("nationality", "", "not chosen"),
    ("nationality", "XX", "not in ISO 3166"),
    ("other_nationality", "ZZ", "not in ISO 3166"),
    ("ethnic_group", None, "not chosen"),
    ("ethnic_group", {"list": "QD1019-2008", "code": "99"}, "is not in the list"),
    ("ethnic_group", {"list": "nope", "code": "01"}, "does not exist"),
    ("religion", "", "not chosen"),
    ("religion", "77", "is not in the list"),
    ("blood_group", "C", "is not valid"),
    ("marital_status", "complicated", "is not valid"),
    ("birth_registration", None, "must not be empty"),
    ("birth_registration", {"era": "2025", "unit": "99999"}, "not in the units in force"),
    ("birth_registration", {"era": "legacy", "unit": "00000"}, "not in the units before"),
    ("birth_registration", {"unit": "05431"}, "administrative unit"),
    ("birth_registration", "Thái Nguyên", "malformed address"),
    ("hometown", {"country": "VN", "text": "x"}, "must name its administrative unit"),
    ("phone", "12345", "not a Vietnamese phone number"),
    ("email", "not-an-email", "is not valid"),
    ("occupation", "x" * 101, "at most 100"),
    ("identifying_marks", "Sẹo\x00", "control characters"),
]


@pytest.mark.parametrize("field,value,en_part", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_field(field: str, value: Any, en_part: str) -> None:
    found = problems(valid_form(**{field: value}))
    assert field in found, found
    problem = found[field]
    assert en_part in problem.en
    label_vi, label_en = form.LABELS[field]
    assert problem.vi.startswith(label_vi) or label_vi in problem.vi
    assert label_en in problem.en


def test_street_too_long_names_the_subfield() -> None:
    addr = {"era": "2025", "unit": "05533", "street": "x" * 201}
    found = problems(valid_form(permanent_residence=addr))
    assert "permanent_residence.street" in found
    assert "Nơi thường trú" in found["permanent_residence.street"].vi


def test_address_abroad_for_place_of_birth() -> None:
    assert problems(valid_form(place_of_birth={"country": "LA", "text": "Viêng Chăn"})) == {}


def test_residence_needs_permanent_or_current() -> None:
    f = valid_form()
    del f["permanent_residence"]
    assert "permanent_residence" in problems(f)
    f["current_residence"] = {"era": "2025", "unit": "05533", "street": "Tổ 9"}
    assert problems(f) == {}


def test_new_era_birth_registration_accepts_merged_provinces() -> None:
    # New Thái Nguyên (19) took in old Bắc Kạn (06): an ID registered in Bắc Kạn fits it.
    merged = problems(
        valid_form(
            id_number="006301004567",
            birth_registration={"era": "2025", "unit": "05533", "street": ""},
        )
    )
    assert merged == {}
    other = problems(
        valid_form(
            id_number="079301004567",
            birth_registration={"era": "2025", "unit": "05533", "street": ""},
        )
    )
    assert "id_number" in other


def test_partial_dates_of_birth() -> None:
    assert problems(valid_form(date_of_birth="2001")) == {}
    assert problems(valid_form(date_of_birth="02/2001")) == {}


def test_dc01_citizen_without_number_needs_parents() -> None:
    f = valid_form(id_number="", not_in_population_db=True)
    assert set(problems(f)) == {"relatives"}
    f["relatives"] = [{"relation": "mother", "full_name": "Hoàng Thị Mơ", "nationality": "VN"}]
    assert problems(f) == {}
    f["relatives"][0]["nationality"] = ""
    assert "relatives[0].nationality" in problems(f)
    # Only a first issue may go without a number.
    assert "id_number" in problems(f, CaseType.RENEWAL)


def test_case_specific_fields() -> None:
    renewal = problems(valid_form(), CaseType.RENEWAL)
    assert {"renewal_reason", "previous_card.number"} <= set(renewal)
    ok = valid_form(renewal_reason="age", previous_card={"number": "019301004567"})
    assert problems(ok, CaseType.RENEWAL) == {}
    assert "correction_note" in problems(valid_form(), CaseType.CORRECTION)
    assert problems(valid_form(correction_note="Sai ngày sinh"), CaseType.CORRECTION) == {}


def test_previous_card_dates() -> None:
    card = {"number": "019301004567", "issue_date": "2000-01-01"}
    assert "previous_card.issue_date" in problems(valid_form(previous_card=card))
    card = {"number": "019301004567", "issue_date": "2020-01-01", "expiry_date": "2019-01-01"}
    assert "previous_card.expiry_date" in problems(valid_form(previous_card=card))


def test_relatives_are_checked_one_by_one() -> None:
    rels = [
        {"relation": "father", "full_name": "Hoàng Văn Bố", "id_number": "019080001234"},
        {"relation": "uncle", "full_name": "Hoàng Văn Chú"},
        {"relation": "mother", "full_name": "", "id_number": "12"},
        {"relation": "spouse", "full_name": "Lê Văn Chồng", "old_id_number": "12"},
    ]
    found = problems(valid_form(relatives=rels))
    assert set(found) == {
        "relatives[1].relation",
        "relatives[2].full_name",
        "relatives[2].id_number",
        "relatives[3].old_id_number",
    }
    assert "Thân nhân 3 – họ tên" in found["relatives[2].full_name"].vi


def test_age_rules() -> None:
    child = birthday_after(10, TODAY)
    sex_digit = idnumber.century_sex_digit(child.year, idnumber.Sex.FEMALE)
    number = f"019{sex_digit}{child.year % 100:02d}004567"
    f = valid_form(date_of_birth=child.isoformat(), id_number=number)
    assert set(problems(f)) == {"relatives"}  # under 14: a legal representative is needed
    f["relatives"] = [
        {
            "relation": "legal_representative",
            "full_name": "Hoàng Văn Bố",
            "id_number": "019080001234",
        }
    ]
    assert problems(f) == {}
    assert form.captures_for(3) == form.Captures(
        False, False, False, True, "legal_representative", True
    )
    assert (
        form.captures_for(6).fingerprints and form.captures_for(6).signer == "legal_representative"
    )
    assert form.captures_for(13).face and form.captures_for(14).signer == "citizen"
    assert not form.captures_for(14).legal_representative
    assert form.age_of({"date_of_birth": "2012"}, TODAY) == 13  # youngest age a year allows


def test_normalize_keeps_values_and_composes_text() -> None:
    f = form.normalize(
        {"full_name": "Nguye\u0302\u0303n  Va\u0306n", "id_number": "019 301 004 567"}
    )
    assert f == {"full_name": "Nguyễn Văn", "id_number": "019301004567"}


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=9),
)
def test_digit_changes_caught_when_they_contradict_the_form(
    seed: int, pos: int, digit: int
) -> None:
    """Any change of digit 1-4 of a generated person's number is refused by the whole form
    when the place of birth registration is an old unit: each province has its own code and
    each century/sex pair its own digit."""
    p = next(people(1, seed))
    province = p.id_number[1:3]
    ward = next(w for w in MD.legacy_wards.values() if w.province_code == province)
    base = valid_form(
        full_name=p.full_name,
        sex=p.sex.value,
        date_of_birth=p.date_of_birth.isoformat(),
        id_number=p.id_number,
        birth_registration={"era": "legacy", "unit": ward.code, "street": ""},
        relatives=[{"relation": "legal_representative", "full_name": "Lê Văn Giám Hộ"}],
    )
    assert "id_number" not in problems(base)
    mutated = p.id_number[:pos] + str(digit) + p.id_number[pos + 1 :]
    found = problems({**base, "id_number": mutated})
    assert ("id_number" in found) == (mutated != p.id_number)
