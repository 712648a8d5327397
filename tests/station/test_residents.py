"""Resident lists and rosters: import with per-line problems, search, prefill, enrolment."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from station.errors import NotFoundError, PermissionDeniedError, ValidationError
from station.residents import born_tokens, parse_query
from station.service import StationService
from station.testdata import csv_lines
from tests.conftest import OP_PW, SUP_PW, FakeClock, login, valid_form

LIST = """\ufeffSố định danh,Họ tên,Ngày sinh,Giới tính,Địa chỉ
019301004567,Hoàng Thị Én,03/02/2001,Nữ,"Tổ 5, Phường Quan Triều, Thành phố Thái Nguyên, \
Tỉnh Thái Nguyên"
001090123456,Nguyễn Văn An,1990,Nam,"Số 1, Phường Hoàn Kiếm, Thành phố Hà Nội"
001090123457,An Văn Nguyễn,05/05/1990,Nam,Nơi nào đó
079185000001,Đặng Thị Đào,12/12/1985,Nữ,
,Ksor Y Bí,1962,Nam,
12345,Sai Số,01/01/2000,Nam,
001090123458,Нгуен,01/01/1990,Nam,
001090123459,Lê Văn Tương Lai,01/01/2099,Nam,
001290123456,Lê Văn Lệch,01/01/1990,Nam,
"""


@pytest.fixture
def sup(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "sup1", SUP_PW)


@pytest.fixture
def imported(sup: StationService, tmp_path: Path) -> StationService:
    path = tmp_path / "xa-tan-lap.csv"
    path.write_text(LIST, encoding="utf-8")
    report = sup.import_roster(path, "residents", "Xã Tân Lập")
    assert report.imported == 5 and report.rejected == 4
    by_line = {(p.line, p.field): p for p in report.problems}
    assert set(by_line) == {
        (7, "id_number"),
        (8, "full_name"),
        (9, "date_of_birth"),
        (10, "id_number"),
    }
    assert "exactly 12 digits" in by_line[(7, "id_number")].en
    assert "Latin script" in by_line[(8, "full_name")].en
    assert "in the future" in by_line[(9, "date_of_birth")].en
    assert "2000-2099" in by_line[(10, "id_number")].en
    return sup


def names(svc: StationService, q: str) -> list[str]:
    return [h.full_name for h in svc.search_residents(q)]


def test_search_is_diacritic_and_order_insensitive(imported: StationService) -> None:
    assert names(imported, "nguyen van an") == ["Nguyễn Văn An", "An Văn Nguyễn"]
    assert names(imported, "an nguyen van")[0] == "An Văn Nguyễn"
    assert names(imported, "NGUYỄN") == ["Nguyễn Văn An", "An Văn Nguyễn"]
    assert names(imported, "dao dang") == ["Đặng Thị Đào"]  # đ folds to d
    assert names(imported, "hoang th") == ["Hoàng Thị Én"]  # as-you-type prefix
    assert names(imported, "ksor y bi") == ["Ksor Y Bí"]
    assert names(imported, "nobody here") == []


def test_search_by_number_and_date(imported: StationService) -> None:
    assert names(imported, "0010901") == ["Nguyễn Văn An", "An Văn Nguyễn"]
    assert names(imported, "019 301") == ["Hoàng Thị Én"]
    assert names(imported, "03/02/2001") == ["Hoàng Thị Én"]
    assert names(imported, "1990") == ["Nguyễn Văn An", "An Văn Nguyễn"]
    assert names(imported, "nguyen 05/1990") == ["An Văn Nguyễn"]
    assert names(imported, "nguyen 1962") == []


def test_prefill_and_enrolment(
    imported: StationService, staffed: StationService, clock: FakeClock
) -> None:
    hit = imported.search_residents("hoang thi en")[0]
    pre = imported.resident_prefill(hit.id)
    assert pre.values["full_name"] == "Hoàng Thị Én" and pre.values["date_of_birth"] == "2001-02-03"
    assert pre.values["permanent_residence"] == {"era": "legacy", "unit": "05431", "street": "Tổ 5"}
    other = imported.resident_prefill(imported.search_residents("an van nguyen")[0].id)
    assert other.unmatched == {"permanent_residence": "Nơi nào đó"}
    op = login(staffed.paths, clock, "op1", OP_PW)
    d = op.create_dossier("first_issue", valid_form(), resident_id=hit.id)
    assert op.search_residents("hoang thi en")[0].enrolled_dossier_id == d.id
    with pytest.raises(NotFoundError):
        op.create_dossier("first_issue", valid_form(), resident_id=999_999)


def test_drive_roster_in_calling_order(sup: StationService, tmp_path: Path) -> None:
    path = tmp_path / "truong-thpt.csv"
    path.write_text("\n".join(csv_lines(40, seed=3, drive=True)) + "\n", encoding="utf-8")
    report = sup.import_roster(path, "drive", "Trường THPT Đồng Phú")
    assert report.imported == 40 and report.rejected == 0
    queue = sup.roster_queue(report.roster_id)
    groups = [h.priority_group for h in queue]
    order = ["sick_disabled", "elderly", "merit", "religious", "new_14", "lost_damaged", None]
    assert groups == sorted(groups, key=order.index)
    plain = [h.queue_number for h in queue if h.priority_group is None]
    assert plain == sorted(plain)


def test_only_supervisors_and_admins_import(
    staffed: StationService, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(LIST, encoding="utf-8")
    op = login(staffed.paths, clock, "op1", OP_PW)
    with pytest.raises(PermissionDeniedError):
        op.import_roster(path)


@pytest.mark.parametrize(
    "content,en_part",
    [
        (b"", "empty"),
        (b"\xff\xfeH\x00\x00\xd8", "cannot be read as utf-16-le"),
        ("Số định danh,Ngày sinh\n001090123456,1990\n".encode(), "'full_name' column is missing"),
    ],
)
def test_bad_files(sup: StationService, tmp_path: Path, content: bytes, en_part: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as err:
        sup.import_roster(path)
    assert en_part in err.value.en and err.value.field == "file"
    assert sup.search_residents("nguyen") == []


def test_query_parsing() -> None:
    q = parse_query("Nguyễn Văn 12/03/1990 0011")
    assert q.names == ("nguyen", "van") and q.dob == "1990-03-12" and q.id_prefixes == ("0011",)
    assert parse_query("1990").dob == "1990" and parse_query("03/1990").dob == "1990-03"
    assert born_tokens("1990-03-12") == "y1990 m199003 d19900312" and born_tokens(None) == ""


#: Large enough that a query without the name index would take seconds, small enough for CI.
RESIDENTS = 250_000


@pytest.mark.slow
def test_search_over_a_large_list(sup: StationService, tmp_path: Path) -> None:
    """A quarter of a million generated residents (a district's list): every query answers, and
    right. The million-resident figures (import time, latency per keystroke) come from
    ``bench/bench_residents.py``, which runs the same import and search on 1,000,000."""
    path = tmp_path / "district.csv"
    with path.open("w", encoding="utf-8") as fh:
        for line in csv_lines(RESIDENTS, seed=7):
            fh.write(line + "\n")
    t0 = time.perf_counter()
    report = sup.import_roster(path, "residents", "Một huyện")
    import_s = time.perf_counter() - t0
    assert report.imported == RESIDENTS and report.rejected == 0
    print(f"\nimported {RESIDENTS:,} residents in {import_s:.1f} s")
    for query, check in [
        ("nguyen van an", lambda h: {"nguyễn", "văn", "an"} <= set(h.full_name.lower().split())),
        ("an van nguyen", lambda h: {"nguyễn", "văn", "an"} <= set(h.full_name.lower().split())),
        ("tran thi h", lambda h: h.full_name.startswith("Trần Thị H")),
        (
            "hoang 1990",
            lambda h: h.full_name.startswith("Hoàng") and h.date_of_birth.startswith("1990"),
        ),
        ("0790", lambda h: h.id_number.startswith("0790")),
    ]:
        hits = sup.search_residents(query)
        assert hits, query
        assert all(check(h) for h in hits), (query, [h.full_name for h in hits if not check(h)])
    # The exact name ranks before the names that hold the same words in another order.
    names = [h.full_name for h in sup.search_residents("nguyen van an")]
    exact = names.count("Nguyễn Văn An")
    assert exact > 0 and names[:exact] == ["Nguyễn Văn An"] * exact
