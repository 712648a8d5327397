"""The 12-digit personal identification number (số định danh cá nhân).

Structure (Decree 137/2015/NĐ-CP Art. 13; Circular 07/2016/TT-BCA Art. 7, as amended by
Circular 59/2021/TT-BCA):

* digits 1-3: code of the province (of the 63 provinces before the 2025 merger) where the birth
  was registered: ``0`` followed by the two-digit statistical code. Numbers are assigned for life,
  so the 63 old codes stay valid after the 2025 reorganisation into 34 provinces;
* digit 4: century of birth and sex: 1900s male 0, female 1; 2000s 2/3; 2100s 4/5; 2200s 6/7;
  2300s 8/9;
* digits 5-6: the last two digits of the year of birth;
* digits 7-12: a random number.

The old identity card (chứng minh nhân dân) number had 9 digits (12 for some issued after 2012).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from enum import StrEnum

from station.errors import ValidationError

#: Province codes of the 63 provinces in force when numbers were assigned (statistical codes).
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    }
)

_ID_RE = re.compile(r"[0-9]{12}")  # ASCII digits only: "\d" takes any script's
_OLD_ID_RE = re.compile(r"[0-9]{9}|[0-9]{12}")


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


SEX_LABELS: dict[Sex, tuple[str, str]] = {Sex.MALE: ("Nam", "male"), Sex.FEMALE: ("Nữ", "female")}


def century_sex_digit(year: int, sex: Sex) -> int:
    """Digit 4 for a birth ``year`` and ``sex``."""
    century = year // 100
    if not 19 <= century <= 23:
        raise ValueError(f"no century code for year {year}")
    return (century - 19) * 2 + (1 if sex == Sex.FEMALE else 0)


@dataclass(frozen=True)
class IdNumber:
    """A number that passed the format check, split into its parts."""

    value: str

    @property
    def province_code(self) -> str:
        return self.value[:3]

    @property
    def century_sex(self) -> int:
        return int(self.value[3])

    @property
    def sex(self) -> Sex:
        return Sex.FEMALE if self.century_sex % 2 else Sex.MALE

    @property
    def century_start(self) -> int:
        return 1900 + (self.century_sex // 2) * 100

    @property
    def year_digits(self) -> int:
        return int(self.value[4:6])

    @property
    def birth_year(self) -> int:
        return self.century_start + self.year_digits


def _err(field: str, vi: str, en: str) -> ValidationError:
    return ValidationError(f"Số định danh cá nhân: {vi}", f"Personal ID number: {en}", field=field)


def parse(value: object, field: str = "id_number") -> IdNumber:
    """Check the format and the province code; spaces and dots typed between groups are dropped."""
    if not isinstance(value, str):
        raise _err(field, "phải là chuỗi chữ số.", "must be a string of digits.")
    digits = re.sub(r"[\s.]", "", value)
    if not digits:
        raise _err(field, "không được để trống.", "must not be empty.")
    if not _ID_RE.fullmatch(digits):
        raise _err(
            field,
            f"phải gồm đúng 12 chữ số (đang có {len(digits)} ký tự).",
            f"must be exactly 12 digits (got {len(digits)} characters).",
        )
    if digits[:3] not in PROVINCE_CODES:
        raise _err(
            field,
            f"mã tỉnh nơi đăng ký khai sinh «{digits[:3]}» không tồn tại.",
            f"the birth-registration province code '{digits[:3]}' does not exist.",
        )
    return IdNumber(digits)


def check_against(
    number: IdNumber, birth_year: int | None, sex: Sex | None, field: str = "id_number"
) -> None:
    """Refuse a number whose century/sex digit or year digits contradict the form."""
    if sex is not None and number.sex != sex:
        vi_sex, en_sex = SEX_LABELS[sex]
        raise _err(
            field,
            f"chữ số thứ 4 ({number.century_sex}) chỉ giới tính khác với giới tính «{vi_sex}».",
            f"digit 4 ({number.century_sex}) encodes a sex other than '{en_sex}'.",
        )
    if birth_year is not None:
        if not number.century_start <= birth_year < number.century_start + 100:
            raise _err(
                field,
                f"chữ số thứ 4 ({number.century_sex}) chỉ thế kỷ sinh {number.century_start}–"
                f"{number.century_start + 99}, không khớp năm sinh {birth_year}.",
                f"digit 4 ({number.century_sex}) encodes birth in {number.century_start}-"
                f"{number.century_start + 99}, which does not match the birth year {birth_year}.",
            )
        if number.year_digits != birth_year % 100:
            raise _err(
                field,
                f"chữ số thứ 5–6 ({number.value[4:6]}) không khớp năm sinh {birth_year}.",
                f"digits 5-6 ({number.value[4:6]}) do not match the birth year {birth_year}.",
            )


def parse_old(value: object, field: str = "old_id_number") -> str:
    """An old identity-card number: 9 digits (or 12 for the late paper cards)."""
    if not isinstance(value, str):
        raise ValidationError(
            "Số CMND cũ: phải là chuỗi chữ số.", "Old ID number: must be digits.", field=field
        )
    digits = re.sub(r"[\s.]", "", value)
    if not _OLD_ID_RE.fullmatch(digits):
        raise ValidationError(
            f"Số CMND cũ: phải gồm 9 hoặc 12 chữ số (đang có {len(digits)} ký tự).",
            f"Old ID number: must be 9 or 12 digits (got {len(digits)} characters).",
            field=field,
        )
    return digits


def generate(province_code: str, birth_year: int, sex: Sex, rng: random.Random) -> str:
    """A well-formed number for test data (digits 7-12 random)."""
    if province_code not in PROVINCE_CODES:
        raise ValueError(f"unknown province code {province_code}")
    digit = century_sex_digit(birth_year, sex)
    return f"{province_code}{digit}{birth_year % 100:02d}{rng.randrange(10**6):06d}"
