"""Generated people for tests, benchmarks and demonstrations: plausible names, valid numbers.

Nothing here is real data: names are drawn from common Vietnamese name parts, numbers are built
by the rules of ``station.idnumber`` with random last digits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from station import idnumber
from station.idnumber import Sex
from station.masterdata import MasterData

SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Lương "
    "Mai Tạ Cao Hà Lò Giàng Ksor Y"
).split()
MIDDLE_MALE = "Văn Hữu Đức Minh Quang Thanh Xuân Công Đình Tuấn Bá".split()
MIDDLE_FEMALE = "Thị Ngọc Thu Thanh Minh Kim Bảo Diệu Hồng Mỹ".split()
GIVEN_MALE = (
    "An Bình Cường Dũng Đạt Giang Hải Hùng Huy Khánh Kiên Long Minh Nam Phong Phúc Quân Sơn "
    "Tâm Thắng Thành Trung Tuấn Việt Vinh Páo Bí"
).split()
GIVEN_FEMALE = (
    "An Anh Chi Dung Giang Hà Hạnh Hoa Hương Lan Linh Mai Nga Ngọc Nhung Oanh Phương Thảo "
    "Trang Uyên Vân Yến Én Ánh Hen"
).split()
PROVINCES = sorted(idnumber.PROVINCE_CODES)


@dataclass(frozen=True)
class Person:
    full_name: str
    sex: Sex
    date_of_birth: date
    id_number: str
    old_id_number: str | None


def person(rng: random.Random, born_from: int = 1930, born_to: int = 2019) -> Person:
    sex = rng.choice((Sex.MALE, Sex.FEMALE))
    middle = MIDDLE_MALE if sex == Sex.MALE else MIDDLE_FEMALE
    given = GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE
    parts = [rng.choice(SURNAMES), rng.choice(middle)]
    if rng.random() < 0.3:
        parts.append(rng.choice(middle))
    parts.append(rng.choice(given))
    start = date(born_from, 1, 1).toordinal()
    born = date.fromordinal(rng.randrange(start, date(born_to, 12, 31).toordinal() + 1))
    number = idnumber.generate(rng.choice(PROVINCES), born.year, sex, rng)
    old = f"{rng.randrange(10**8, 10**9)}" if born.year < 2000 and rng.random() < 0.5 else None
    return Person(" ".join(parts), sex, born, number, old)


def people(n: int, seed: int = 0) -> Iterator[Person]:
    rng = random.Random(seed)
    for _ in range(n):
        yield person(rng)


def csv_lines(n: int, seed: int = 0, drive: bool = False) -> Iterator[str]:
    """A resident list (or, with ``drive``, an intake-drive roster) as CSV lines with a header."""
    header = "so_dinh_danh,so_cmnd,ho_ten,ngay_sinh,gioi_tinh,dia_chi"
    yield header + (",nhom_uu_tien,stt" if drive else "")
    rng = random.Random(seed + 1)
    groups = ["", "", "", "", "elderly", "sick_disabled", "new_14", "merit"]
    for i, p in enumerate(people(n, seed), start=1):
        sex = "Nam" if p.sex == Sex.MALE else "Nữ"
        line = (
            f"{p.id_number},{p.old_id_number or ''},{p.full_name},"
            f'{p.date_of_birth:%d/%m/%Y},{sex},"Thôn {rng.randint(1, 12)}, Xã Tân Lập"'
        )
        if drive:
            line += f",{rng.choice(groups)},{i}"
        yield line


def birthday_after(years: int, today: date) -> date:
    """A date of birth that makes someone ``years`` old ``today`` (for age-rule tests)."""
    try:
        return today.replace(year=today.year - years) - timedelta(days=1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def valid_form(p: Person, md: MasterData) -> dict[str, Any]:
    """A complete first-issue form for ``p`` (an adult): registered in the province of the
    number, living in a commune of the new units. Children also get a legal representative."""
    province = p.id_number[1:3]
    ward = next(w for w in md.legacy_wards.values() if w.province_code == province)
    commune = next(iter(md.communes.values()))
    form: dict[str, Any] = {
        "full_name": p.full_name,
        "id_number": p.id_number,
        "date_of_birth": p.date_of_birth.isoformat(),
        "sex": p.sex.value,
        "birth_registration": {"era": "legacy", "unit": ward.code, "street": ""},
        "hometown": {"era": "legacy", "unit": ward.code, "street": ""},
        "ethnic_group": {"list": "QD1019-2008", "code": "01"},
        "religion": "00",
        "nationality": "VN",
        "permanent_residence": {"era": "2025", "unit": commune.code, "street": "Thôn 1"},
        "relatives": [
            {
                "relation": "legal_representative",
                "full_name": "Nguyễn Văn Giám",
                "nationality": "VN",
            }
        ],
    }
    if p.old_id_number:
        form["old_id_number"] = p.old_id_number
    return form
