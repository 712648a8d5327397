"""Resident lists and intake-drive rosters: import, as-you-type search, prefill, enrolment marks.

Lists live inside the encrypted store. Names are indexed folded (lowercase, no diacritics,
``đ`` -> ``d``) in a contentless FTS5 table, so "nguyen van an" finds "Nguyễn Văn An" and the
order of the words does not matter; the date of birth is indexed there too, as tokens, so a
name with a year is one index intersection. ID numbers (new and old) are searched by prefix
through B-tree indexes, dates of birth alone through a B-tree index as well.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from station import dates, idnumber, rosterfile, textcheck
from station.errors import ValidationError
from station.form import citizen_name_problem
from station.masterdata import MasterData, fold
from station.models import Resident, Roster
from station.prefill import Prefill, address_from_text

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_PROBLEMS_KEPT = 1000
BATCH = 5000
NAME_INDEX = "ix_residents_name_folded"  # migration 0007


class RosterKind(StrEnum):
    RESIDENTS = "residents"  # the residents of the station's communes
    DRIVE = "drive"  # a school's or workplace's list for an intake drive


class PriorityGroup(StrEnum):
    """Who goes first at an intake drive, in this order."""

    SICK_DISABLED = "sick_disabled"
    ELDERLY = "elderly"
    MERIT = "merit"  # people with merit to the revolution
    RELIGIOUS = "religious"  # religious dignitaries
    NEW_14 = "new_14"  # citizens who have just turned 14
    LOST_DAMAGED = "lost_damaged"  # old ID lost or damaged


PRIORITY_LABELS: dict[PriorityGroup, tuple[str, str]] = {
    PriorityGroup.SICK_DISABLED: ("Người ốm, khuyết tật", "sick or disabled"),
    PriorityGroup.ELDERLY: ("Người cao tuổi", "elderly"),
    PriorityGroup.MERIT: ("Người có công với cách mạng", "merit to the revolution"),
    PriorityGroup.RELIGIOUS: ("Chức sắc tôn giáo", "religious dignitary"),
    PriorityGroup.NEW_14: ("Công dân mới đủ 14 tuổi", "newly 14"),
    PriorityGroup.LOST_DAMAGED: ("Mất, hỏng giấy tờ cũ", "old ID lost or damaged"),
}

#: Accepted CSV headers (folded) for each column.
HEADERS: dict[str, tuple[str, ...]] = {
    "id_number": ("id_number", "so dinh danh", "so dinh danh ca nhan", "so cccd", "cccd"),
    "old_id_number": ("old_id_number", "so cmnd", "cmnd"),
    "full_name": ("full_name", "ho ten", "ho va ten", "name"),
    "date_of_birth": ("date_of_birth", "ngay sinh", "dob"),
    "sex": ("sex", "gioi tinh"),
    "address": ("address", "dia chi", "noi thuong tru"),
    "priority_group": ("priority_group", "nhom uu tien", "uu tien"),
    "queue_number": ("queue_number", "stt", "so thu tu"),
}
_SEX = {"nam": "male", "male": "male", "nu": "female", "female": "female"}
_DATE_TOKEN = re.compile(r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}|[0-9]{1,2}[/.-][0-9]{4}")


@dataclass(frozen=True)
class ImportProblem:
    line: int
    field: str
    vi: str
    en: str


@dataclass
class ImportReport:
    roster_id: int
    imported: int
    rejected: int
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ResidentHit:
    id: int
    roster_id: int
    full_name: str
    id_number: str | None
    old_id_number: str | None
    date_of_birth: str | None
    sex: str | None
    address: str | None
    priority_group: str | None
    queue_number: int | None
    enrolled_dossier_id: str | None
    #: A dossier this citizen (by ID number) already has on the station, in a state that stops
    #: a new one (``StationService.search_residents`` and ``roster_queue`` fill it).
    existing_dossier: str | None = None

    @classmethod
    def of(cls, r: Resident) -> ResidentHit:
        return cls(
            r.id,
            r.roster_id,
            r.full_name,
            r.id_number,
            r.old_id_number,
            r.date_of_birth,
            r.sex,
            r.address,
            r.priority_group,
            r.queue_number,
            r.enrolled_dossier_id,
        )


# --- import -----------------------------------------------------------------------------------


def read_csv(
    data: bytes, source: str = "list"
) -> Iterator[tuple[int, dict[str, str] | rosterfile.RowShape]]:
    """Rows of a CSV list with a header line, keyed by canonical column (``rosterfile.py``:
    encodings, strict parsing; a row that does not fit the header comes as a ``RowShape``)."""
    text, _encoding = rosterfile.decode(data, source)
    return rosterfile.rows(text, HEADERS, fold, source)


@dataclass
class Preview:
    """What an import would do, computed before anything is stored."""

    encoding: str
    rows: int = 0
    good: int = 0
    rejected: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    #: Lists already imported from the very same file (same SHA-256): id, name, date.
    same_file: list[tuple[int, str, str]] = field(default_factory=list)


def preview(data: bytes, source: str, today: date, keep: int = 20) -> Preview:
    """Counts and the first problems of a list file; fatal file errors are raised as they are."""
    _text, encoding = rosterfile.decode(data, source)
    out = Preview(encoding)
    for line, row in read_csv(data, source):
        out.rows += 1
        found = _row_problems(line, row, today)
        if found:
            out.rejected += 1
            out.problems.extend(found[: max(0, keep - len(out.problems))])
        else:
            out.good += 1
    return out


def _row_problems(
    line: int, row: dict[str, str] | rosterfile.RowShape, today: date
) -> list[ImportProblem]:
    if isinstance(row, rosterfile.RowShape):
        return [
            ImportProblem(
                line,
                "row",
                f"dòng có {row.cells} ô, tiêu đề có {row.width} (dấu phẩy trong địa chỉ mà "
                "không có ngoặc kép?).",
                f"the line has {row.cells} cells, the header {row.width} (a comma in an "
                "address without quotes?).",
            )
        ]
    return check_row(line, row, today)[1]


def check_row(
    line: int, row: dict[str, str], today: date
) -> tuple[dict[str, Any] | None, list[ImportProblem]]:
    """The row's values ready to store, or the problems that keep it out."""
    problems: list[ImportProblem] = []

    def bad(fld: str, vi: str, en: str) -> None:
        problems.append(ImportProblem(line, fld, vi, en))

    if not textcheck.is_clean(" ".join(row.values())):  # one check for the whole row
        cleaned: dict[str, str] = {}
        for key, cell in row.items():
            try:
                cleaned[key] = textcheck.clean(cell, key)
            except ValidationError as err:
                bad(key, err.vi, err.en)
        if problems:
            return None, problems
        row = cleaned

    name = " ".join(row.get("full_name", "").split())
    problem = citizen_name_problem(name, "Họ tên", "Full name")
    if problem:
        bad("full_name", *problem)
    sex_text = row.get("sex", "").strip()
    sex = _SEX.get(fold(sex_text)) if sex_text else None
    if sex_text and sex is None:
        bad("sex", f"Giới tính «{sex_text}» không rõ.", f"Unknown sex '{sex_text}'.")
    dob = _guarded(
        bad,
        "date_of_birth",
        row,
        lambda v: dates.parse(
            v, "date_of_birth", ("Ngày sinh", "Date of birth"), today=today, allow_partial=True
        ),
    )
    number = _guarded(bad, "id_number", row, idnumber.parse)
    if number is not None:
        _guarded(
            bad,
            "id_number",
            row,
            lambda _v: idnumber.check_against(
                number, dob.year if dob else None, idnumber.Sex(sex) if sex else None
            ),
        )
    old = _guarded(bad, "old_id_number", row, idnumber.parse_old)
    priority, queue, address = _extras(row, bad)
    if problems:
        return None, problems
    return {
        "line": line,
        "id_number": number.value if number else None,
        "old_id_number": old,
        "full_name": name,
        "name_folded": fold(name),
        "date_of_birth": dob.iso() if dob else None,
        "sex": sex,
        "address": address,
        "priority_group": priority,
        "queue_number": queue,
    }, []


def _guarded(
    bad: Callable[[str, str, str], None],
    key: str,
    row: dict[str, str],
    parse: Callable[[str], Any],
) -> Any:
    """``parse(row[key])`` when the cell is filled; a problem (and None) when it fails."""
    value = row.get(key, "").strip()
    if not value:
        return None
    try:
        return parse(value)
    except ValidationError as err:
        bad(key, err.vi, err.en)
        return None


def _extras(
    row: dict[str, str], bad: Callable[[str, str, str], None]
) -> tuple[str | None, int | None, str | None]:
    priority = row.get("priority_group", "").strip() or None
    if priority is not None and priority not in {p.value for p in PriorityGroup}:
        bad(
            "priority_group",
            f"Nhóm ưu tiên «{priority}» không có.",
            f"Unknown priority group '{priority}'.",
        )
    queue = None
    queue_text = row.get("queue_number", "").strip()
    if queue_text:
        if queue_text.isascii() and queue_text.isdigit():
            queue = int(queue_text)
        else:
            bad("queue_number", "Số thứ tự phải là số.", "The queue number must be a number.")
    address = " ".join(row.get("address", "").split()) or None
    if address and len(address) > 300:
        bad("address", "Địa chỉ quá dài (tối đa 300).", "Address too long (at most 300).")
    return priority, queue, address


_INSERT = (
    "INSERT INTO residents (id, roster_id, line, id_number, old_id_number, full_name, "
    "name_folded, date_of_birth, sex, address, priority_group, queue_number) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)


def import_rows(
    s: Session,
    rows: Iterable[tuple[int, dict[str, str] | rosterfile.RowShape]],
    *,
    kind: RosterKind,
    name: str,
    source: str,
    sha256: str,
    actor: str,
    now: str,
    today: date,
) -> ImportReport:
    """Store the good rows as a new roster inside the caller's write transaction."""
    roster = Roster(
        kind=kind.value,
        name=name,
        source=source[:300],
        sha256=sha256,
        imported_at=now,
        imported_by=actor,
        row_count=0,
    )
    s.add(roster)
    s.flush()
    conn = s.connection()
    # The folded-name index is rebuilt by one sort at the end rather than grown by a million
    # random inserts (several times faster on an encrypted store); same transaction, so a crash
    # leaves the old list and its index as they were.
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {NAME_INDEX}")
    next_id = int(s.scalar(select(func.coalesce(func.max(Resident.id), 0))) or 0) + 1
    report = ImportReport(roster.id, 0, 0)
    batch: list[tuple[Any, ...]] = []
    fts: list[tuple[int, str, str]] = []

    def flush() -> None:
        if batch:
            conn.exec_driver_sql(_INSERT, batch)
            conn.exec_driver_sql(
                "INSERT INTO residents_fts (rowid, name_folded, born) VALUES (?, ?, ?)",
                fts,
            )
            batch.clear()
            fts.clear()

    for line, row in rows:
        if isinstance(row, rosterfile.RowShape):
            values, found = None, _row_problems(line, row, today)
        else:
            values, found = check_row(line, row, today)
        if values is None:
            report.rejected += 1
            room = MAX_PROBLEMS_KEPT - len(report.problems)
            report.problems.extend(found[: max(0, room)])
            continue
        rid = next_id
        next_id += 1
        batch.append(
            (
                rid,
                roster.id,
                values["line"],
                values["id_number"],
                values["old_id_number"],
                values["full_name"],
                values["name_folded"],
                values["date_of_birth"],
                values["sex"],
                values["address"],
                values["priority_group"],
                values["queue_number"],
            )
        )
        fts.append((rid, values["name_folded"], born_tokens(values["date_of_birth"])))
        report.imported += 1
        if len(batch) >= BATCH:
            flush()
    flush()
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {NAME_INDEX} ON residents (name_folded)")
    roster.row_count = report.imported
    return report


def born_tokens(iso: str | None) -> str:
    """FTS tokens for a (partial) ISO date of birth: ``y1990 m199001 d19900101``."""
    if not iso:
        return ""
    digits = iso.replace("-", "")
    tokens = [f"y{digits[:4]}"]
    if len(digits) >= 6:
        tokens.append(f"m{digits[:6]}")
    if len(digits) == 8:
        tokens.append(f"d{digits}")
    return " ".join(tokens)


def _born_token(iso: str) -> str:
    return born_tokens(iso).split()[-1]


def file_digest(path: Path) -> tuple[bytes, str]:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            f"Tệp danh sách quá lớn ({size // (1024 * 1024)} MB).",
            f"List file too large ({size // (1024 * 1024)} MB).",
            field="file",
        )
    data = path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def delete_roster(s: Session, roster_id: int) -> int:
    conn = s.connection()
    ids = [
        r[0]
        for r in conn.exec_driver_sql("SELECT id FROM residents WHERE roster_id = ?", (roster_id,))
    ]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        marks = ",".join("?" * len(chunk))
        conn.exec_driver_sql(f"DELETE FROM residents_fts WHERE rowid IN ({marks})", tuple(chunk))  # noqa: S608
    conn.exec_driver_sql("DELETE FROM residents WHERE roster_id = ?", (roster_id,))
    conn.exec_driver_sql("DELETE FROM rosters WHERE id = ?", (roster_id,))
    return len(ids)


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    names: tuple[str, ...]
    id_prefixes: tuple[str, ...]
    dob: str | None  # ISO partial date: exact, month or year


def parse_query(raw: str) -> Query:
    """Split what the officer typed into name words, ID prefixes and a date."""
    names: list[str] = []
    ids: list[str] = []
    dob: str | None = None
    # Controls dropped; compatibility forms folded (superscript and full-width digits -> 0-9).
    rest = unicodedata.normalize("NFKC", textcheck.for_search(raw))
    rest = re.sub(r"\d", lambda m: str(unicodedata.digit(m[0], "")) or " ", rest)
    m = _DATE_TOKEN.search(rest)
    if m:
        try:
            dob = dates.parse(
                m[0], "q", ("", ""), today=date.max, allow_partial=True, allow_future=True
            ).iso()
            rest = rest[: m.start()] + " " + rest[m.end() :]
        except ValidationError:
            pass
    if re.fullmatch(r"[0-9\s.]+", rest.strip()) and len(re.sub(r"[^0-9]", "", rest)) > 4:
        # A number typed in groups ("019 301 004 567") is one number.
        rest = re.sub(r"[^0-9]", "", rest)
    for token in fold(rest).replace(",", " ").split():
        if token.isascii() and token.isdigit():
            if len(token) == 4 and dob is None and 1900 <= int(token) <= 2100:
                dob = token
            elif len(token) >= 3:
                ids.append(token[:12])
        else:
            word = "".join(ch for ch in token if ch.isalnum())
            if word:
                names.append(word)
    return Query(tuple(names), tuple(ids), dob)


def _fts_expr(words: tuple[str, ...], prefix: bool) -> str:
    """Name words in the name column; with ``prefix`` the last word is a prefix (as you type).

    A lone one-letter word is never a prefix (it would match most of the list).
    """
    terms = []
    for i, w in enumerate(words):
        last = i == len(words) - 1
        star = "*" if prefix and last and (len(w) >= 2 or len(words) > 1) else ""
        terms.append(f'name_folded : "{w}"{star}')
    return " AND ".join(terms)


def _filters(q: Query, roster_id: int | None, dob_in_fts: bool) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {}
    for i, prefix in enumerate(q.id_prefixes):
        params[f"lo{i}"] = prefix
        params[f"hi{i}"] = prefix + "~"
        where.append(
            f"((r.id_number >= :lo{i} AND r.id_number < :hi{i}) OR "
            f"(r.old_id_number >= :lo{i} AND r.old_id_number < :hi{i}))"
        )
    if q.dob and not dob_in_fts:
        params["dlo"] = q.dob
        params["dhi"] = q.dob + "~"
        where.append("(r.date_of_birth >= :dlo AND r.date_of_birth < :dhi)")
    if roster_id is not None:
        params["roster"] = roster_id
        where.append("r.roster_id = :roster")
    return where, params


def search(
    s: Session, raw: str, *, limit: int = 20, roster_id: int | None = None
) -> list[ResidentHit]:
    """Residents matching what the officer typed, best first; at most ``limit``."""
    q = parse_query(raw)
    if not (q.names or q.id_prefixes or q.dob):
        return []
    where, params = _filters(q, roster_id, dob_in_fts=bool(q.names))
    cols = ", ".join(f"r.{c}" for c in _COLUMNS)
    pool = max(limit * 5, 50)
    rows: dict[int, Any] = {}
    if q.names:
        extra = "".join(f" AND {w}" for w in where)
        # The exact name, then the names that start with the words as typed, by range on the
        # folded-name index: always among the candidates, however many longer names hold the
        # same words elsewhere ("Trần An" among 300 "Trần … An …").
        start_where, start_params = _filters(q, roster_id, dob_in_fts=False)
        start_params["wlo"] = " ".join(q.names)
        start_params["whi"] = start_params["wlo"] + "~"
        start_sql = (
            f"SELECT {cols} FROM residents r WHERE r.name_folded >= :wlo "  # noqa: S608
            "AND r.name_folded < :whi"
            + "".join(f" AND {w}" for w in start_where)
            + f" ORDER BY r.name_folded LIMIT {limit}"
        )
        for row in s.execute(text(start_sql), start_params):
            rows.setdefault(row[0], row)
        sql = (
            f"SELECT {cols} FROM residents_fts f JOIN residents r ON r.id = f.rowid "  # noqa: S608
            f"WHERE residents_fts MATCH :match{extra} LIMIT {pool}"
        )
        # Whole words first (an exact name must not drown under its prefixes), then prefixes.
        for prefix in (False, True):
            params["match"] = _fts_expr(q.names, prefix) + (
                f' AND born : "{_born_token(q.dob)}"' if q.dob else ""
            )
            for row in s.execute(text(sql), params):
                rows.setdefault(row[0], row)
            if len(rows) >= pool:
                break
    else:
        sql = f"SELECT {cols} FROM residents r WHERE {' AND '.join(where)} LIMIT {pool}"  # noqa: S608
        for row in s.execute(text(sql), params):
            rows[row[0]] = row
    wanted = " ".join(q.names)
    if wanted:
        best = sorted(rows.values(), key=lambda row: _rank(row[6], wanted))[:limit]
    else:  # a number or a date alone: in number order
        best = sorted(rows.values(), key=lambda row: (row[3] or row[4] or "", row[6]))[:limit]
    return [_hit(row) for row in best]


def _rank(folded: str, wanted: str) -> tuple[int, int, str]:
    """Exact name first, then names that start with the words, then the rest; shorter first."""
    score = 0
    if wanted:
        if folded == wanted:
            score = 3
        elif folded.startswith(wanted):
            score = 2
        elif wanted in folded:
            score = 1
    return (-score, len(folded), folded)


_COLUMNS = (
    "id",
    "roster_id",
    "full_name",
    "id_number",
    "old_id_number",
    "date_of_birth",
    "name_folded",
    "sex",
    "address",
    "priority_group",
    "queue_number",
    "enrolled_dossier_id",
)


def _hit(row: Any) -> ResidentHit:
    d = dict(zip(_COLUMNS, row, strict=True))
    d.pop("name_folded")
    return ResidentHit(**d)


def to_prefill(hit: ResidentHit, md: MasterData) -> Prefill:
    values: dict[str, Any] = {"full_name": hit.full_name}
    for key in ("id_number", "old_id_number", "date_of_birth", "sex"):
        value = getattr(hit, key)
        if value:
            values[key] = value
    unmatched: dict[str, str] = {}
    if hit.address:
        address = address_from_text(hit.address, md)
        if address is not None:
            values["permanent_residence"] = address
        else:
            unmatched["permanent_residence"] = hit.address
    return Prefill("resident", values, unmatched)
