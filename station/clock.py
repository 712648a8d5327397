"""Injectable clock: the core never reads the time from a global."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """A monotonic reading in seconds, for timeouts."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


def iso(dt: datetime) -> str:
    """Canonical text form of a UTC time, to the microsecond, with a ``Z``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


#: Viet Nam's time zone (UTC+7, no daylight saving): dossier numbers and "today" follow it.
VIETNAM = timezone(timedelta(hours=7), "ICT")


def local_date(dt: datetime) -> date:
    """The calendar date in Viet Nam at the instant ``dt``."""
    return dt.astimezone(VIETNAM).date()


def local_time_text(text: str) -> str:
    """A stored UTC time (``iso``) as people on the station read it: ``DD/MM/YYYY HH:MM`` in
    Viet Nam's time (the one date format of the screens and printouts). Text that is not a
    stored time is returned as it is."""
    try:
        return parse_iso(text).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
    except (ValueError, TypeError):
        return text
