"""ID-number rules: table-driven cases for every century/sex code, and properties."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station import idnumber
from station.errors import ValidationError
from station.idnumber import Sex
from station.testdata import people

M, F = Sex.MALE, Sex.FEMALE

VALID = [
    # number, birth year, sex
    ("001090123456", 1990, M),  # Hà Nội, 1900s male
    ("079185000001", 1985, F),  # Hồ Chí Minh, 1900s female
    ("019203004567", 2003, M),  # Thái Nguyên, 2000s male
    ("022319999999", 2019, F),  # Quảng Ninh, 2000s female
    ("096400000000", 2100, M),  # Cà Mau, 2100s male
    ("001599000000", 2199, F),  # 2100s female
    ("048601000000", 2201, M),  # 2200s male
    ("048750000000", 2250, F),  # 2200s female
    ("093800000000", 2300, M),  # 2300s male
    ("093999123456", 2399, F),  # 2300s female
    ("001000000000", 1900, M),
    ("001199000000", 1999, F),
]


@pytest.mark.parametrize("number,year,sex", VALID)
def test_valid_numbers(number: str, year: int, sex: Sex) -> None:
    parsed = idnumber.parse(number)
    assert parsed.sex == sex and parsed.birth_year == year
    idnumber.check_against(parsed, year, sex)


@pytest.mark.parametrize(
    "number,year,sex,en_part",
    [
        ("001090123456", 1990, F, "encodes a sex other than 'female'"),  # male digit, female form
        ("079185000001", 1985, M, "encodes a sex other than 'male'"),
        ("019203004567", 1903, M, "encodes birth in 2000-2099"),  # 2000s digit, 1900s year
        ("019003004567", 2003, M, "encodes birth in 1900-1999"),
        ("022319999999", 2018, F, "digits 5-6 (19) do not match the birth year 2018"),
        ("096400000000", 2000, M, "encodes birth in 2100-2199"),
        ("001599000000", 2099, F, "encodes birth in 2100-2199"),
        ("048601000000", 2101, M, "encodes birth in 2200-2299"),
        ("048750000000", 2150, F, "encodes birth in 2200-2299"),
        ("093800000000", 2200, M, "encodes birth in 2300-2399"),
        ("093999123456", 2399, M, "encodes a sex other than 'male'"),
    ],
)
def test_numbers_that_contradict_the_form(number: str, year: int, sex: Sex, en_part: str) -> None:
    with pytest.raises(ValidationError) as err:
        idnumber.check_against(idnumber.parse(number), year, sex)
    assert en_part in err.value.en
    assert err.value.field == "id_number" and "Số định danh cá nhân" in err.value.vi


@pytest.mark.parametrize(
    "value,en_part",
    [
        ("", "must not be empty"),
        ("00109012345", "exactly 12 digits (got 11"),
        ("0010901234567", "exactly 12 digits (got 13"),
        ("00109012345a", "exactly 12 digits"),
        ("003090123456", "province code '003' does not exist"),  # 003 was never a province
        ("100090123456", "province code '100' does not exist"),
        ("097090123456", "province code '097' does not exist"),
        (12345678901, "must be a string"),
    ],
)
def test_malformed_numbers(value: object, en_part: str) -> None:
    with pytest.raises(ValidationError) as err:
        idnumber.parse(value)
    assert en_part in err.value.en


def test_spaces_and_dots_are_dropped() -> None:
    assert idnumber.parse(" 001 090 123 456 ").value == "001090123456"
    assert idnumber.parse("001.090.123.456").value == "001090123456"


def test_old_numbers() -> None:
    assert idnumber.parse_old("123456789") == "123456789"
    assert idnumber.parse_old("001090123456") == "001090123456"
    for bad in ("12345678", "1234567890", "12345678x", ""):
        with pytest.raises(ValidationError):
            idnumber.parse_old(bad)


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_people_pass(seed: int) -> None:
    for p in people(5, seed):
        number = idnumber.parse(p.id_number)
        idnumber.check_against(number, p.date_of_birth.year, p.sex)
        assert number.birth_year == p.date_of_birth.year


@given(
    st.integers(min_value=0, max_value=2**32),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=9),
)
def test_century_or_province_digit_changes_are_caught(seed: int, pos: int, digit: int) -> None:
    """Changing digit 1-4 either leaves the number unchanged or is refused by the rules.

    With only the number, the year and the sex known, a province change to another valid
    province is invisible (the form test checks it against the place of birth registration);
    every other change is caught here.
    """
    p = next(people(1, seed))
    mutated = p.id_number[:pos] + str(digit) + p.id_number[pos + 1 :]
    if mutated == p.id_number:
        return
    try:
        number = idnumber.parse(mutated)
        idnumber.check_against(number, p.date_of_birth.year, p.sex)
    except ValidationError:
        return
    assert pos in (1, 2) and mutated[:3] in idnumber.PROVINCE_CODES


def test_generate_rejects_unknown_province() -> None:
    with pytest.raises(ValueError):
        idnumber.generate("003", 2000, M, random.Random(0))
