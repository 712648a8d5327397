"""Resident lists that lost rows silently, search that missed short names, text that broke."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from station.errors import ValidationError
from station.residents import parse_query
from station.service import StationService
from station.testdata import csv_lines
from tests.conftest import OP_PW, SUP_PW, FakeClock, login, valid_form

HEADER = "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,dia_chi"


@pytest.fixture
def sup(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "sup1", SUP_PW)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def test_unclosed_quote_stops_the_import_naming_line_and_field(
    sup: StationService, tmp_path: Path
) -> None:
    lines = [HEADER] + [f",Nguyễn Văn {chr(65 + i % 26)}{i},1990,Nam,Tổ {i}" for i in range(1000)]
    lines[501] = ',Lê Văn Bình,1990,Nam,"Tổ 5, Phường Quan Triều'  # the quote never closes
    path = _write(tmp_path, "xa.csv", "\n".join(lines) + "\n")
    with pytest.raises(ValidationError) as err:
        sup.import_roster(path)
    assert "'xa.csv', line 502" in err.value.en and "'address'" in err.value.en
    assert "dòng 502" in err.value.vi and "Nothing was imported" in err.value.en
    assert sup.list_rosters() == []


def _cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: base letters precomposed, tones as combining."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for i in range(len(marks), -1, -1):
            head = unicodedata.normalize("NFC", base + "".join(marks[:i]))
            try:
                out += head.encode("cp1258") + "".join(marks[i:]).encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
    return bytes(out)


def test_over_long_field_is_a_clear_error(sup: StationService, tmp_path: Path) -> None:
    body = [HEADER] + [f",Nguyễn Văn {chr(65 + i)},1990,Nam,x" for i in range(100)]
    body.append(",Trần Thị B,1990,Nữ," + "a" * 140_000)
    path = _write(tmp_path, "dai.csv", "\n".join(body) + "\n")
    with pytest.raises(ValidationError) as err:
        sup.import_roster(path)
    assert "line 102" in err.value.en and "'address'" in err.value.en
    assert sup.list_rosters() == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1258", "cp1252"])
def test_office_encodings_are_read(sup: StationService, tmp_path: Path, encoding: str) -> None:
    name, query = (
        ("Renée Müller", "renee muller") if encoding == "cp1252" else ("Trần Văn Ơn", "tran van on")
    )
    text = f"{HEADER}\r\n001090123456,{name},1990,Nam,Thôn Đông\r\n"
    if encoding == "cp1252":
        text = text.replace("Thôn Đông", "Rue Émile")
    path = _write(tmp_path, f"{encoding}.csv", text, encoding)
    pre = sup.preview_roster(path)
    assert (pre.rows, pre.good, pre.rejected) == (1, 1, 0), pre.problems
    expected = {"utf-8-sig": "utf-8 (BOM)", "utf-16": "utf-16-le (BOM)"}.get(encoding, encoding)
    assert pre.encoding == expected
    assert sup.import_roster(path).imported == 1
    hits = sup.search_residents(query)
    assert [h.full_name for h in hits] == [name] and hits[0].address in ("Thôn Đông", "Rue Émile")


def test_duplicate_columns_refused(sup: StationService, tmp_path: Path) -> None:
    path = _write(tmp_path, "dup.csv", "ho_ten,Họ tên\nA Văn B,C Văn D\n")
    with pytest.raises(ValidationError) as err:
        sup.import_roster(path)
    assert "two columns mean the same" in err.value.en and err.value.field == "full_name"


def test_extra_cells_reject_the_row_only(sup: StationService, tmp_path: Path) -> None:
    text = f"{HEADER}\n,Lê Văn Cường,1990,Nam,Tổ 5, Phường X\n,Lê Thị Dung,1991,Nữ,Tổ 6\n"
    report = sup.import_roster(_write(tmp_path, "extra.csv", text))
    assert (report.imported, report.rejected) == (1, 1)
    assert report.problems[0].line == 2 and report.problems[0].field == "row"


def test_reimport_refused_replace_keeps_marks_remove(
    sup: StationService, staffed: StationService, clock: FakeClock, tmp_path: Path
) -> None:
    path = _write(tmp_path, "list.csv", "\n".join(csv_lines(50, seed=9)) + "\n")
    pre = sup.preview_roster(path)
    assert pre.rows == 50 and pre.same_file == []
    first = sup.import_roster(path, name="Xã A")
    with pytest.raises(ValidationError, match="already imported"):
        sup.import_roster(path)
    assert [r.id for r in sup.list_rosters()] == [first.roster_id]
    assert sup.preview_roster(path).same_file[0][0] == first.roster_id
    # An operator opens a dossier for a resident: the mark must survive the replacement.
    op = login(staffed.paths, clock, "op1", OP_PW)
    rows = sup.roster_queue(first.roster_id)
    target = next(r for r in rows if r.id_number)
    form = valid_form(
        full_name=target.full_name,
        id_number=target.id_number,
        date_of_birth=target.date_of_birth,
        sex=target.sex,
    )
    try:
        op.create_dossier("first_issue", form, resident_id=target.id)
    except ValidationError:
        op.create_dossier("first_issue", {}, resident_id=target.id)
    second = sup.import_roster(path, name="Xã A (2)", replace=first.roster_id)
    lists = sup.list_rosters()
    assert [r.id for r in lists] == [second.roster_id] and lists[0].enrolled == 1
    removed, marks = sup.remove_roster(second.roster_id)
    assert (removed, marks) == (50, 1) and sup.list_rosters() == []
    op.close()


def test_search_ranks_exact_short_names_and_odd_digits(sup: StationService, tmp_path: Path) -> None:
    rows = [HEADER]
    middles = ["Văn", "Thị", "Minh", "Hữu", "Đức", "Ngọc", "Thanh", "Quang", "Xuân", "Hoàng"]
    lasts = ["Bình", "Cường", "Dũng", "Giang", "Hải", "Khoa", "Long", "Nam", "Phúc", "Quân"]
    for i in range(300):
        rows.append(f",Trần {middles[i % 10]} An {lasts[(i // 10) % 10]} {lasts[i % 7]},1990,Nam,")
    rows.append(",Trần An,1991,Nam,")
    sup.import_roster(_write(tmp_path, "tran.csv", "\n".join(rows) + "\n"))
    hits = sup.search_residents("Trần An")
    assert hits and hits[0].full_name == "Trần An"
    for odd in ("Trần ²³", "¹⁹⁹⁰", "０１９３０１", "Trần\x00\x1b An", "٣٤٥"):
        sup.search_residents(odd)  # never raises
    assert parse_query("Trần\x1b An").names == ("tran", "an")


def test_bad_text_refused_naming_the_field(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    for form, fld in (
        (valid_form(full_name="Hoàng \udcff Én"), "full_name"),
        (
            valid_form(permanent_residence={"era": "2025", "unit": "05533", "street": "Tổ\x1b5"}),
            "permanent_residence.street",
        ),
        (
            valid_form(
                permanent_residence={"era": "2025", "unit": "05533", "street": "Tổ \u202e5"}
            ),
            "permanent_residence.street",
        ),
        (valid_form(other_names="A\x00B"), "other_names"),
    ):
        with pytest.raises(ValidationError) as err:
            op.create_dossier("first_issue", form)
        assert err.value.field == fld and "U+" in err.value.en and "U+" in err.value.vi
    d = op.create_dossier(
        "first_issue",
        valid_form(permanent_residence={"era": "2025", "unit": "05533", "street": "Tổ\t5\u200b"}),
    )
    assert op.get_dossier(d.id).form["permanent_residence"]["street"] == "Tổ 5"
    op.close()


def test_csv_cells_with_controls_are_rejected_rows(sup: StationService, tmp_path: Path) -> None:
    text = (
        f"{HEADER}\n,Lê Văn\x00 Cường,1990,Nam,x\n,Lê Thị Dung,1991,Nữ,Tổ\x1b 6\n,Lê An,1990,Nam,\n"
    )
    report = sup.import_roster(_write(tmp_path, "ctl.csv", text))
    assert (report.imported, report.rejected) == (1, 2)
    assert {p.field for p in report.problems} == {"full_name", "address"}
