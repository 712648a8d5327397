"""Times shown to people are Viet Nam's (UTC+7), whatever the machine's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from station.clock import iso, local_date, local_time_text


def test_local_date_turns_at_midnight_in_viet_nam() -> None:
    assert local_date(datetime(2026, 11, 23, 16, 59, tzinfo=UTC)) == date(2026, 11, 23)
    assert local_date(datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == date(2026, 11, 24)


def test_stored_times_are_shown_in_viet_nam_time() -> None:
    stored = iso(datetime(2026, 11, 23, 20, 9, 30, tzinfo=UTC))
    assert local_time_text(stored) == "24/11/2026 03:09"
    assert local_time_text("not a time") == "not a time"
