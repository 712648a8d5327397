"""Dates as the forms write them: full dates, and partial dates where the law allows them.

A partial date is kept as ISO text of 4, 7 or 10 characters: ``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD``. Officers type ``dd/mm/yyyy``, ``mm/yyyy`` or ``yyyy`` (also with ``-`` or ``.``);
both forms are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from station.errors import ValidationError

_ISO = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")  # ASCII digits only
_TYPED = re.compile(r"(?:([0-9]{1,2})[/.\-])?(?:([0-9]{1,2})[/.\-])?([0-9]{4})")
EARLIEST_YEAR = 1900


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def display(self) -> str:
        """Vietnamese order: dd/mm/yyyy, mm/yyyy or yyyy."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.month:02d}/{self.year:04d}"
        return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"

    def earliest(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> date:
        if self.month is None:
            return date(self.year, 12, 31)
        if self.day is None:
            nxt = date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return date.fromordinal(nxt.toordinal() - 1)
        return date(self.year, self.month, self.day)


def _bad(field: str, label: tuple[str, str], vi: str, en: str) -> ValidationError:
    return ValidationError(f"{label[0]}: {vi}", f"{label[1]}: {en}", field=field)


def parse(
    value: object,
    field: str,
    label: tuple[str, str],
    *,
    today: date,
    allow_partial: bool = False,
    allow_future: bool = False,
) -> PartialDate:
    """Read a date typed by an officer or stored by the station; refuse impossible ones."""
    if not isinstance(value, str) or not value.strip():
        raise _bad(field, label, "không được để trống.", "must not be empty.")
    text = value.strip()
    m = _ISO.fullmatch(text)
    if m:
        year, month, day = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
    else:
        t = _TYPED.fullmatch(text)
        if not t:
            raise _bad(
                field,
                label,
                f"«{text}» không đúng dạng ngày (dd/mm/yyyy).",
                f"'{text}' is not a date (dd/mm/yyyy).",
            )
        first, second, year = t[1], t[2], int(t[3])
        if first and second:
            day, month = int(first), int(second)
        elif first:
            day, month = None, int(first)
        else:
            day, month = None, None
    month = month or None
    day = day or None
    if (month is None or day is None) and not allow_partial:
        raise _bad(
            field,
            label,
            "phải ghi đủ ngày, tháng, năm.",
            "must give day, month and year.",
        )
    if month is not None and not 1 <= month <= 12:
        raise _bad(field, label, f"tháng {month} không tồn tại.", f"month {month} does not exist.")
    try:
        result = PartialDate(year, month, day)
        result.earliest()
        result.latest()
    except ValueError:
        raise _bad(
            field,
            label,
            f"ngày {text} không tồn tại.",
            f"the date {text} does not exist.",
        ) from None
    if year < EARLIEST_YEAR:
        raise _bad(
            field,
            label,
            f"năm {year} trước {EARLIEST_YEAR}.",
            f"the year {year} is before {EARLIEST_YEAR}.",
        )
    if not allow_future and result.earliest() > today:
        raise _bad(
            field,
            label,
            f"ngày {result.display()} ở tương lai.",
            f"{result.display()} is in the future.",
        )
    return result


def age_on(born: PartialDate, today: date) -> int:
    """Age in whole years; for a partial date, the youngest age it allows (latest birthday)."""
    b = born.latest()
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))
