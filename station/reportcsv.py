"""CSV in and out of the reports: quota plans read from a spreadsheet, reports written for one.

Reports are written as UTF-8 **with a byte-order mark** (Excel then reads Vietnamese letters
right) with ``;`` between fields by default: Excel splits on the list separator of the Windows
regional settings, which is ``;`` wherever the decimal mark is a comma, as in Vietnamese settings.
Every number is a whole number and every date ISO ``YYYY-MM-DD``, so no decimal or date format
depends on the reader's settings. Quota files are read with ``,``, ``;`` or tab, with or without
a BOM. See ``docs/reports.md``.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from station.errors import ValidationError
from station.masterdata import fold
from station.reporting import (
    MAX_RANGE_DAYS,
    MAX_TARGET,
    TEAM,
    UNKNOWN_COMMUNE,
    Counts,
    Report,
    days_of,
)
from station.residents import MAX_PROBLEMS_KEPT, ImportProblem

#: Accepted (folded) headers of a quota file, per column.
QUOTA_HEADERS: dict[str, tuple[str, ...]] = {
    "day": ("ngay", "date", "day"),
    "from": ("tu ngay", "from", "start"),
    "to": ("den ngay", "to", "end"),
    "commune": ("ma xa", "ma xa phuong", "ma don vi", "commune", "commune code", "xa phuong"),
    "target": ("chi tieu", "chi tieu ngay", "target", "quota"),
}
#: What a quota file may write in the commune column for the team's total.
TEAM_WORDS = frozenset({"", "*", "tong", "tong cong", "toan doi", "total", "team"})
_DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def parse_day(text: str) -> date | None:
    """A full date written ``YYYY-MM-DD`` or ``dd/mm/yyyy`` (also ``-`` or ``.``); else None."""
    value = text.strip()
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"Tệp chỉ tiêu: không phải UTF-8 (byte {exc.start}).",
            f"Quota file: not UTF-8 (byte {exc.start}).",
            field="file",
        ) from None


def _columns(header: list[str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for i, name in enumerate(header):
        key = fold(name).replace("_", " ").strip()
        for canonical, aliases in QUOTA_HEADERS.items():
            if key in aliases:
                columns[i] = canonical
    names = set(columns.values())
    if (
        "commune" not in names
        or "target" not in names
        or not ("day" in names or {"from", "to"} <= names)
    ):
        raise ValidationError(
            "Tệp chỉ tiêu: cần các cột «Ngày» (hoặc «Từ ngày» và «Đến ngày»), «Mã xã» và "
            "«Chỉ tiêu».",
            "Quota file: the columns 'date' (or 'from' and 'to'), 'commune' and 'target' are "
            "needed.",
            field="file",
        )
    return columns


def read_quotas(
    data: bytes, communes: set[str]
) -> tuple[list[tuple[date, str, int]], list[ImportProblem]]:
    """(day, commune or TEAM, target) of every day each line covers, and the problems found."""
    text = _decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise ValidationError("Tệp chỉ tiêu: trống.", "Quota file: empty.", field="file")
    columns = _columns(header)
    rows: list[tuple[date, str, int]] = []
    problems: list[ImportProblem] = []
    seen: dict[tuple[date, str], int] = {}
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        row = {columns[i]: c.strip() for i, c in enumerate(cells) if i in columns}
        found = _quota_line(line, row, communes)
        if isinstance(found, ImportProblem):
            if len(problems) < MAX_PROBLEMS_KEPT:
                problems.append(found)
            continue
        start, end, code, target = found
        for day in days_of(start, end):
            first = seen.setdefault((day, code), line)
            if first != line:
                if len(problems) < MAX_PROBLEMS_KEPT:
                    problems.append(
                        ImportProblem(
                            line,
                            "day",
                            f"Ngày {day.isoformat()} của «{code or 'tổng'}» đã có ở dòng {first}.",
                            f"Day {day.isoformat()} of '{code or 'total'}' is already on line "
                            f"{first}.",
                        )
                    )
                break
            rows.append((day, code, target))
    return rows, problems


def _quota_line(
    line: int, row: dict[str, str], communes: set[str]
) -> tuple[date, date, str, int] | ImportProblem:
    """One line's range, commune and target, or its first problem."""
    if row.get("day"):
        start = end = parse_day(row["day"])
        bad_field = "day"
    else:
        start, end = parse_day(row.get("from", "")), parse_day(row.get("to", ""))
        bad_field = "from" if start is None else "to"
    if start is None or end is None:
        return ImportProblem(
            line,
            bad_field,
            "Ngày phải viết dd/mm/yyyy hoặc yyyy-mm-dd.",
            "Dates must be written dd/mm/yyyy or yyyy-mm-dd.",
        )
    if end < start or (end - start).days + 1 > MAX_RANGE_DAYS:
        return ImportProblem(
            line,
            "to",
            f"«Đến ngày» phải sau «Từ ngày», tối đa {MAX_RANGE_DAYS} ngày.",
            f"'To' must not be before 'from', at most {MAX_RANGE_DAYS} days.",
        )
    raw = row.get("commune", "")
    if fold(raw) in TEAM_WORDS:
        code = TEAM
    else:
        code = raw.zfill(5) if raw.isdigit() else raw  # spreadsheets drop leading zeros
        if code not in communes:
            return ImportProblem(
                line, "commune", f"Không có xã, phường mã «{raw}».", f"No commune '{raw}'."
            )
    target_text = row.get("target", "")
    if not target_text.isdigit() or int(target_text) > MAX_TARGET:
        return ImportProblem(
            line,
            "target",
            f"Chỉ tiêu phải là số nguyên từ 0 đến {MAX_TARGET}.",
            f"The target must be a whole number from 0 to {MAX_TARGET}.",
        )
    return start, end, code, int(target_text)


# --- export -------------------------------------------------------------------------------------

LABELS: dict[str, tuple[str, str]] = {
    "title": ("Báo cáo thu nhận hồ sơ", "Enrollment report"),
    "station": ("Trạm", "Station"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "generated": ("Lập lúc (UTC)", "Generated (UTC)"),
    "per_day": ("Theo ngày", "Per day"),
    "per_operator": ("Theo cán bộ", "Per operator"),
    "per_commune": ("Theo xã, phường", "Per commune"),
    "day": ("Ngày", "Day"),
    "operator_id": ("Mã cán bộ", "Operator id"),
    "operator_name": ("Họ tên cán bộ", "Operator name"),
    "commune_code": ("Mã xã, phường", "Commune code"),
    "commune_name": ("Xã, phường", "Commune"),
    "captured": ("Đã thu nhận", "Captured"),
    "target": ("Chỉ tiêu", "Target"),
    "percent": ("Đạt (%)", "Achieved (%)"),
    "unsealed": ("Chờ duyệt, niêm phong", "Waiting approval or sealing"),
    "undelivered": ("Chờ gửi, biên nhận", "Waiting upload or receipt"),
    "delivered": ("Đã giao", "Delivered"),
    "rejected": ("Bị trả lại", "Rejected"),
    "total": ("Tổng", "Total"),
}
COUNT_KEYS = ("unsealed", "undelivered", "delivered", "rejected")


def _cell(value: object) -> str:
    """A text cell a spreadsheet will not take for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _counts(c: Counts) -> list[int]:
    return [c.unsealed, c.undelivered, c.delivered, c.rejected]


def export_report(report: Report, lang: str = "vi", delimiter: str = ";") -> bytes:
    """The report as one CSV file: a heading, then the per-day, per-operator and per-commune
    tables, each after a line with its title and separated by an empty line."""

    def label(key: str) -> str:
        vi, en = LABELS[key]
        return en if lang == "en" else vi

    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    w.writerow([label("title")])
    w.writerow([label("station"), _cell(report.station_code), _cell(report.station_name)])
    w.writerow([label("from"), report.start.isoformat(), label("to"), report.end.isoformat()])
    w.writerow([label("generated"), report.generated_at[:19].replace("T", " ")])
    counts = [label(k) for k in COUNT_KEYS]
    with_target = [label("captured"), label("target"), label("percent"), *counts]

    w.writerow([])
    w.writerow([label("per_day")])
    w.writerow([label("day"), *with_target])
    for d in report.days:
        w.writerow([d.day.isoformat(), d.counts.captured, d.target, d.percent, *_counts(d.counts)])
    w.writerow(
        [
            label("total"),
            report.total.captured,
            report.target,
            report.percent,
            *_counts(report.total),
        ]
    )

    w.writerow([])
    w.writerow([label("per_operator")])
    w.writerow([label("operator_id"), label("operator_name"), label("captured"), *counts])
    for o in report.operators:
        w.writerow(
            [_cell(o.operator_id), _cell(o.full_name), o.counts.captured, *_counts(o.counts)]
        )

    w.writerow([])
    w.writerow([label("per_commune")])
    w.writerow([label("commune_code"), label("commune_name"), *with_target])
    unknown = UNKNOWN_COMMUNE[1] if lang == "en" else UNKNOWN_COMMUNE[0]
    for c in report.communes:
        w.writerow(
            [
                c.code,
                _cell(c.name if c.code else unknown),
                c.counts.captured,
                c.target,
                c.percent,
                *_counts(c.counts),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


__all__ = ["TEAM", "export_report", "parse_day", "read_quotas"]
