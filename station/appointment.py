"""The appointment slip (CC02, "giấy hẹn trả kết quả") given to the citizen after intake.

The slip tells the citizen when and where to collect the card and what to bring back. The rules
are the core's; the window only lays them out (``ui/receipt.py``).

* Processing time: 7 working days from intake (Luật Căn cước 2023 and its decree). Working days
  skip Saturdays and Sundays; public holidays are not known to the station, so a slip issued
  just before one names a day the office may be closed (the officer can still say so).
* What to bring back: this slip in every case; for a renewal or a correction the old card is
  kept until the new one is handed over, so it comes back too; a child under 14 comes with their
  legal representative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from station.dossier import CASE_LABELS, CaseType

PROCESSING_WORKING_DAYS = 7

Label = tuple[str, str]


def working_days_after(start: date, days: int) -> date:
    """The date ``days`` working days (Monday to Friday) after ``start``."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    left = days
    while left:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


@dataclass(frozen=True)
class AppointmentSlip:
    dossier_number: str
    full_name: str
    case: Label
    intake_date: date
    collect_from: date
    station_name: str
    station_code: str
    operator_id: str
    bring_back: tuple[Label, ...]
    #: The officer's name as the citizen reads it on the slip (their login is for the station).
    operator_name: str = ""


def bring_back(case: CaseType, age: int | None) -> tuple[Label, ...]:
    items: list[Label] = [("Giấy hẹn này", "This appointment slip")]
    if case in (CaseType.RENEWAL, CaseType.CORRECTION):
        items.append(("Thẻ căn cước / CCCD cũ", "The old ID card"))
    if age is not None and age < 14:
        items.append(
            (
                "Người đại diện hợp pháp đi cùng khi nhận thẻ",
                "The legal representative, who comes to collect the card",
            )
        )
    return tuple(items)


def slip(
    *,
    dossier_number: str,
    full_name: str,
    case: CaseType,
    age: int | None,
    intake_date: date,
    station_name: str,
    station_code: str,
    operator_id: str,
    operator_name: str = "",
) -> AppointmentSlip:
    return AppointmentSlip(
        dossier_number=dossier_number,
        full_name=full_name,
        case=CASE_LABELS[case],
        intake_date=intake_date,
        collect_from=working_days_after(intake_date, PROCESSING_WORKING_DAYS),
        station_name=station_name,
        station_code=station_code,
        operator_id=operator_id,
        bring_back=bring_back(case, age),
        operator_name=operator_name,
    )
