"""The appointment slip's rules, and the form as the citizen reads it on review."""

from __future__ import annotations

from datetime import date

import pytest

from station import form_view, masterdata
from station.appointment import bring_back, working_days_after
from station.dossier import CaseType
from station.errors import IllegalTransitionError
from station.service import StationService
from tests.conftest import OP_PW, SUP_PW, FakeClock, capture_all, login, valid_form


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 23), 7, date(2026, 12, 2)),  # Monday -> Wednesday of the next week
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
    ],
)
def test_working_days_skip_weekends(start: date, days: int, expected: date) -> None:
    assert working_days_after(start, days) == expected


def test_what_to_bring_back_depends_on_case_and_age() -> None:
    first_adult = [en for _, en in bring_back(CaseType.FIRST_ISSUE, 30)]
    assert first_adult == ["This appointment slip"]
    renewal_child = [en for _, en in bring_back(CaseType.RENEWAL, 10)]
    assert "The old ID card" in renewal_child
    assert any("legal representative" in x for x in renewal_child)


def test_slip_only_after_the_citizen_confirmed(staffed: StationService, clock: FakeClock) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    d = op.create_dossier("first_issue", valid_form())
    with pytest.raises(IllegalTransitionError) as err:
        op.appointment_slip(d.id)
    assert err.value.field == "state"
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    slip = op.appointment_slip(d.id)
    assert slip.dossier_number == d.number
    assert slip.full_name == "Hoàng Thị Én"
    assert slip.collect_from == working_days_after(slip.intake_date, 7)
    # The summary keeps the name after sealing, so the slip can be printed again.
    sup.approve(d.id)
    sup.seal(d.id)
    assert op.appointment_slip(d.id).full_name == "Hoàng Thị Én"


def test_form_rows_name_codes_in_the_readers_language() -> None:
    md = masterdata.load()
    form = valid_form(
        relatives=[{"relation": "father", "full_name": "Hoàng Văn An", "id_number": "019080001234"}]
    )
    vi = dict(form_view.rows(form, md, "vi"))
    en = dict(form_view.rows(form, md, "en"))
    assert vi["Ngày, tháng, năm sinh"] == "03/02/2001"
    assert vi["Giới tính"] == "Nữ"
    assert en["Sex"] == "Female"
    assert vi["Dân tộc"] == "Kinh"
    assert vi["Quốc tịch"] == "Việt Nam"
    assert en["Nationality"] == "Vietnam"
    assert "Tổ 5" in vi["Nơi thường trú"] and "Thái Nguyên" in vi["Nơi thường trú"]
    assert vi["Thân nhân"] == "Cha: Hoàng Văn An, 019080001234"
    # An unknown code is shown raw, not dropped.
    odd = dict(form_view.rows(valid_form(religion="99"), md, "vi"))
    assert odd["Tôn giáo"] == "99"
