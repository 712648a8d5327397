"""When a card may be renewed because of the citizen's age.

The identity law (Luật Căn cước 2023, Art. 21) has cards renewed at 14, 25, 40 and 60; a card
issued or renewed within the two years before one of those birthdays stays valid until the next
one. So "age" is a reason for a renewal only in a window around those birthdays: from two years
before the birthday to one year after it (the year after is this station's grace for a citizen
who comes late; it is a decision, recorded in ``docs/domain.md``), or at any time once the old
card's own expiry date has passed. Outside them (say at 30) the reason is wrong: the card is not
due, and another reason (damaged, changed information, an old card) must be given.
"""

from __future__ import annotations

from datetime import date, timedelta

from station.dates import PartialDate

MILESTONES = (14, 25, 40, 60)
BEFORE_YEARS = 2
AFTER_YEARS = 1


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


def windows(born: PartialDate) -> list[tuple[int, date, date]]:
    """(age, first day, last day) of each window; a partial birth date widens them."""
    out = []
    for age in MILESTONES:
        first = _shift(_shift(born.earliest(), age), -BEFORE_YEARS)
        last = _shift(_shift(born.latest(), age), AFTER_YEARS) - timedelta(days=1)
        out.append((age, first, last))
    return out


def age_renewal_problem(
    born: PartialDate, today: date, card_expiry: date | None = None
) -> tuple[str, str] | None:
    """None when a renewal because of age is allowed today; else why not (vi, en)."""
    if card_expiry is not None and card_expiry <= today:
        return None
    spans = windows(born)
    if any(first <= today <= last for _, first, last in spans):
        return None
    upcoming = next(((a, f) for a, f, _ in spans if f > today), None)
    when_vi = when_en = ""
    if upcoming is not None:
        day = upcoming[1].strftime("%d/%m/%Y")
        when_vi = f"; lần đổi theo tuổi tới (tuổi {upcoming[0]}) từ ngày {day}"
        when_en = f"; the next renewal by age (at {upcoming[0]}) opens on {day}"
    return (
        "chỉ đổi thẻ vì tuổi trong khoảng từ 2 năm trước đến 1 năm sau sinh nhật 14, 25, 40, 60 "
        f"tuổi, hoặc khi thẻ cũ đã hết hạn{when_vi}",
        "a renewal because of age is only from 2 years before to 1 year after the 14th, 25th, "
        f"40th or 60th birthday, or once the old card has expired{when_en}",
    )
