"""Quotas and reports: targets set by a supervisor, counts per day, operator and commune before
and after sealing, the CSV export, quota files, permissions, and the 0005 -> 0006 upgrade."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from station.db import Store, head_revision
from station.errors import PermissionDeniedError, ValidationError
from station.lifecycle import State
from station.models import AuditEntry, Dossier
from station.reporting import TEAM, Counts, next_call
from station.service import StationService
from tests.conftest import ADMIN_PW, OP_PW, SUP_PW, FakeClock, capture_all, login, valid_form

DAY1 = date(2026, 11, 23)  # the fake clock's local day (08:00 UTC = 15:00 in Viet Nam)
DAY2 = date(2026, 11, 24)
BA_XUYEN = "05533"  # Phường Bá Xuyên, Thái Nguyên (2025 units)
# A form written in the old units: legacy ward 05431 is now part of commune 05482.
LEGACY_WARD, ITS_COMMUNE = "05431", "05482"


@pytest.fixture
def op(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


@pytest.fixture
def sup(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "sup1", SUP_PW)


@pytest.fixture
def sup2(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "sup2", SUP_PW)


def captured(svc: StationService, **form: object) -> str:
    d = svc.create_dossier("first_issue", valid_form(**form))
    capture_all(svc, d.id)
    svc.mark_captured(d.id)
    return d.id


def legacy_address() -> dict[str, str]:
    return {"era": "legacy", "unit": LEGACY_WARD, "street": "Xóm 2"}


# --- quotas -------------------------------------------------------------------------------------


def test_quotas_set_read_replace_and_audited(sup: StationService) -> None:
    rep = sup.reporting
    assert rep.set_quotas(DAY1, DAY2, {BA_XUYEN: 30, TEAM: 50}) == 4
    rows = rep.quotas(DAY1, DAY2)
    assert [(q.day, q.commune, q.target) for q in rows] == [
        (DAY1, TEAM, 50),
        (DAY1, BA_XUYEN, 30),
        (DAY2, TEAM, 50),
        (DAY2, BA_XUYEN, 30),
    ]
    # A second plan for one day changes only what it names ...
    rep.set_quotas(DAY2, DAY2, {ITS_COMMUNE: 10, TEAM: 0})
    assert {(q.day, q.commune, q.target) for q in rep.quotas(DAY2, DAY2)} == {
        (DAY2, BA_XUYEN, 30),
        (DAY2, ITS_COMMUNE, 10),
    }
    # ... unless it replaces the whole plan of its days.
    rep.set_quotas(DAY1, DAY2, {ITS_COMMUNE: 12}, replace_all=True)
    assert {(q.day, q.commune, q.target) for q in rep.quotas(DAY1, DAY2)} == {
        (DAY1, ITS_COMMUNE, 12),
        (DAY2, ITS_COMMUNE, 12),
    }
    with sup.store.read() as s:
        entries = s.query(AuditEntry).filter(AuditEntry.action == "quota.set").all()
    assert [e.actor for e in entries] == ["sup1"] * 3
    assert json.loads(entries[-1].details_json) == {
        "from": "2026-11-23",
        "to": "2026-11-24",
        "targets": {ITS_COMMUNE: 12},
        "replace": True,
    }


def test_quota_values_are_checked(sup: StationService) -> None:
    with pytest.raises(ValidationError) as err:
        sup.reporting.set_quotas(DAY1, DAY1, {"99999": 5})
    assert err.value.field == "commune"
    with pytest.raises(ValidationError) as err:
        sup.reporting.set_quotas(DAY1, DAY1, {BA_XUYEN: -1})
    assert err.value.field == "target"
    with pytest.raises(ValidationError) as err:
        sup.reporting.set_quotas(DAY2, DAY1, {BA_XUYEN: 5})
    assert err.value.field == "end"
    assert sup.reporting.quotas(DAY1, DAY2) == []


def test_operator_cannot_set_quotas_nor_read_reports(op: StationService) -> None:
    with pytest.raises(PermissionDeniedError):
        op.reporting.set_quotas(DAY1, DAY1, {BA_XUYEN: 5})
    with pytest.raises(PermissionDeniedError):
        op.reporting.import_quotas(b"ngay,ma_xa,chi_tieu\n23/11/2026,05533,5\n")
    with pytest.raises(PermissionDeniedError):
        op.reporting.report(DAY1, DAY1)
    assert op.reporting.today_progress() is None  # the home screen may ask, though


def test_import_quota_file_all_or_nothing(sup: StationService) -> None:
    bad = (
        "\ufeffTừ ngày;Đến ngày;Mã xã;Chỉ tiêu\n"
        "23/11/2026;24/11/2026;5533;30\n"  # Excel dropped the leading zero: still 05533
        "23/11/2026;23/11/2026;12345;3\n"  # no such commune
        "2026-11-24;2026-11-24;Tổng;x\n"  # not a number
    ).encode()
    result = sup.reporting.import_quotas(bad, "ke-hoach.csv")
    assert result.targets == 0
    assert [(p.line, p.field) for p in result.problems] == [(3, "commune"), (4, "target")]
    assert sup.reporting.quotas(DAY1, DAY2) == []  # nothing was written

    good = b"date,commune,target\n2026-11-23,5533,30\n2026-11-24,05533,25\n2026-11-24,total,40\n"
    result = sup.reporting.import_quotas(good, "plan.csv")
    assert (result.targets, result.days, result.problems) == (3, 2, [])
    assert {(q.day, q.commune, q.target) for q in sup.reporting.quotas(DAY1, DAY2)} == {
        (DAY1, BA_XUYEN, 30),
        (DAY2, BA_XUYEN, 25),
        (DAY2, TEAM, 40),
    }

    dup = b"ngay,ma_xa,chi_tieu\n23/11/2026,05533,1\n23/11/2026,05533,2\n"
    assert [(p.line, p.field) for p in sup.reporting.import_quotas(dup).problems] == [(3, "day")]
    with pytest.raises(ValidationError):
        sup.reporting.import_quotas(b"name,value\nx,1\n")


# --- counts -------------------------------------------------------------------------------------


def test_counts_per_day_operator_and_commune_survive_sealing(
    op: StationService, sup: StationService, sup2: StationService, clock: FakeClock
) -> None:
    sup.reporting.set_quotas(DAY1, DAY2, {BA_XUYEN: 2})
    d1 = captured(op)
    d2 = captured(op, permanent_residence=legacy_address())
    op.create_dossier("first_issue", valid_form())  # a draft never captured: not counted
    clock.t += timedelta(days=1)  # wall time only: sessions stay alive
    d4 = captured(sup)

    report = sup.reporting.report(DAY1, DAY2)
    day1, day2 = report.days
    assert (day1.day, day1.counts.captured, day1.target, day1.percent) == (DAY1, 2, 2, 100)
    assert (day2.day, day2.counts.captured, day2.target, day2.percent) == (DAY2, 1, 2, 50)
    assert (report.total.captured, report.target, report.percent) == (3, 4, 75)
    assert [(o.operator_id, o.full_name, o.counts.captured) for o in report.operators] == [
        ("op1", "Trần Văn Bình", 2),
        ("sup1", "Lê Thị Cúc", 1),
    ]
    by_code = {c.code: c for c in report.communes}
    assert set(by_code) == {BA_XUYEN, ITS_COMMUNE}
    assert by_code[BA_XUYEN].name == "Phường Bá Xuyên, Thái Nguyên"
    assert (by_code[BA_XUYEN].counts.captured, by_code[BA_XUYEN].target) == (2, 4)
    assert (by_code[ITS_COMMUNE].counts.captured, by_code[ITS_COMMUNE].target) == (1, None)
    assert report.total == Counts(captured=3, unsealed=3)

    # d1 goes all the way to sealing, d2 is sent back, d4 waits for approval.
    op.confirm(d1)
    sup.approve(d1)
    sup.seal(d1)
    op.confirm(d2)
    sup.send_back(d2, "Ảnh bị mờ")
    with sup.store.read() as s:
        sealed = s.get(Dossier, d1)
        assert sealed is not None and sealed.form_json == "{}"
        assert json.loads(sealed.summary_json)["commune"] == BA_XUYEN

    after = sup2.reporting.report(DAY1, DAY2)
    assert after.total == Counts(captured=3, unsealed=1, undelivered=1, rejected=1)
    by_code = {c.code: c for c in after.communes}
    assert by_code[BA_XUYEN].counts == Counts(captured=2, unsealed=1, undelivered=1)
    assert by_code[ITS_COMMUNE].counts == Counts(captured=1, rejected=1)
    assert after.days[0].counts == Counts(captured=2, undelivered=1, rejected=1)
    # A sent-back dossier reopened as a draft still counts, as rejected, until captured again.
    op.reopen(d2)
    assert sup2.reporting.report(DAY1, DAY1).total.rejected == 1
    assert sup2.get_dossier(d4).state == State.CAPTURED


def test_today_progress_against_the_team_target(
    op: StationService, sup: StationService, clock: FakeClock
) -> None:
    captured(op)
    assert sup.reporting.today_progress() is None  # no quota today
    sup.reporting.set_quotas(DAY1, DAY1, {BA_XUYEN: 3, ITS_COMMUNE: 1})
    progress = op.reporting.today_progress()
    assert progress is not None
    assert (progress.day, progress.counts.captured, progress.target, progress.percent) == (
        DAY1,
        1,
        4,
        25,
    )
    sup.reporting.set_quotas(DAY1, DAY1, {TEAM: 2})  # an explicit total wins over the sum
    progress = op.reporting.today_progress()
    assert progress is not None and (progress.done, progress.target, progress.percent) == (
        1,
        2,
        50,
    )
    clock.t += timedelta(days=1)  # wall time only: sessions stay alive
    assert op.reporting.today_progress() is None


def test_csv_export_is_excel_ready_and_holds_counts_only(
    op: StationService, sup: StationService
) -> None:
    sup.reporting.set_quotas(DAY1, DAY1, {BA_XUYEN: 4})
    captured(op)
    captured(op, permanent_residence=legacy_address())
    report = sup.reporting.report(DAY1, DAY1)
    data = sup.reporting.csv(report)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    text = data.decode("utf-8-sig")
    assert "Hoàng Thị Én" not in text and "4567" not in text  # no citizen's data
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Báo cáo thu nhận hồ sơ"]
    assert rows[1] == ["Trạm", "TN-001", "Trạm Thái Nguyên 1"]
    assert rows[2] == ["Từ ngày", "2026-11-23", "Đến ngày", "2026-11-23"]
    day_header = rows.index(["Theo ngày"]) + 1
    assert rows[day_header][:4] == ["Ngày", "Đã thu nhận", "Chỉ tiêu", "Đạt (%)"]
    # The day: 2 captured against its target of 4 (the sum of its communes' targets): 50 %.
    assert rows[day_header + 1] == ["2026-11-23", "2", "4", "50", "2", "0", "0", "0"]
    assert rows[day_header + 2][0] == "Tổng"
    op_header = rows.index(["Theo cán bộ"]) + 1
    assert rows[op_header + 1][:3] == ["op1", "Trần Văn Bình", "2"]
    commune_rows = rows[rows.index(["Theo xã, phường"]) + 2 :]
    assert [r[:5] for r in commune_rows] == [
        [ITS_COMMUNE, "Phường Quan Triều, Thái Nguyên", "1", "", ""],
        [BA_XUYEN, "Phường Bá Xuyên, Thái Nguyên", "1", "4", "25"],
    ]
    english = sup.reporting.csv(report, "en", ",").decode("utf-8-sig")
    assert english.splitlines()[0] == "Enrollment report"
    assert "Per commune" in english and "2026-11-23,2,4,50" in english


def test_next_call_walks_the_calling_order_and_comes_back_for_the_skipped(
    sup: StationService, tmp_path
) -> None:
    path = tmp_path / "truong.csv"
    path.write_text(
        "ho_ten,nhom_uu_tien,stt\nLý Văn Ba,,3\nVũ Thị Hai,,2\nĐinh Văn Một,elderly,9\n",
        encoding="utf-8",
    )
    report = sup.import_roster(path, "drive", "Trường THPT Chu Văn An")
    entries = sup.reporting.roster_calls(report.roster_id)
    assert [e.resident.full_name for e in entries] == ["Đinh Văn Một", "Vũ Thị Hai", "Lý Văn Ba"]
    assert [e.position for e in entries] == [1, 2, 3]
    first = next_call(entries)
    assert first is not None and first.resident.full_name == "Đinh Văn Một"
    second = next_call(entries, after=first.resident.id)
    assert second is not None and second.resident.full_name == "Vũ Thị Hai"
    sup.create_dossier("first_issue", resident_id=second.resident.id)
    entries = sup.reporting.roster_calls(report.roster_id)
    assert entries[1].status == "in_progress" and entries[1].dossier_number
    third = next_call(entries, after=second.resident.id)
    assert third is not None and third.resident.full_name == "Lý Văn Ba"
    # After the last one, the skipped first person is called again.
    again = next_call(entries, after=third.resident.id)
    assert again is not None and again.resident.full_name == "Đinh Văn Một"
    (progress,) = sup.reporting.rosters()
    assert (progress.name, progress.kind, progress.total, progress.enrolled, progress.done) == (
        "Trường THPT Chu Văn An",
        "drive",
        3,
        1,
        0,
    )


# --- migration ----------------------------------------------------------------------------------


def test_upgrade_from_0005_keeps_data_and_adds_quotas(
    admin: StationService, clock: FakeClock
) -> None:
    key = admin.store.key
    path = admin.paths.database
    admin.close()
    for f in path.parent.glob("station.db*"):
        f.unlink()
    old = Store(path, key)
    old.migrate("0005")
    with old.engine.begin() as conn:
        for sql in ROWS_AT_0005:
            conn.exec_driver_sql(sql)
    assert old.revision() == "0005"
    old.close()

    svc = StationService(admin.paths, clock)
    svc.login("admin", ADMIN_PW)  # opening the store applies 0006 and 0007
    assert svc.store.revision() == head_revision() == "0009"
    with svc.store.read() as s:
        d = s.get(Dossier, "d1")
        assert d is not None and d.state == "sealed"
        assert json.loads(d.summary_json) == {"full_name": "Đỗ Văn Cũ", "id_tail": "0001"}
    assert svc.reporting.quotas(date(2024, 7, 1), date(2024, 7, 1)) == []
    report = svc.reporting.report(date(2024, 7, 1), date(2024, 7, 1))
    # Sealed before the commune was kept in the summary: counted, under "unknown commune".
    assert report.total == Counts(captured=1, undelivered=1)
    assert [(c.code, c.counts.captured) for c in report.communes] == [("", 1)]
    svc.close()


_T = "'2024-07-01T03:00:00.000000Z'"
ROWS_AT_0005 = [
    "INSERT INTO station (id, code, name, created_at, demo, signing_key, recovery_public_key, "
    f"settings_json) VALUES ('st-1','TN-001','Trạm cũ',{_T},0,X'" + "11" * 32 + "','AAAA','{}')",
    "INSERT INTO operators (id, full_name, role, disabled, must_change_password, created_at, "
    f"updated_at, created_by) VALUES ('admin','Nguyễn Thị Ánh','admin',0,0,{_T},{_T},NULL)",
    "INSERT INTO dossiers (id, number, case_type, state, form_json, capture_json, summary_json, "
    "operator_id, supervisor_id, created_at, updated_at, state_changed_at, state_reason, version) "
    "VALUES ('d1','TN-001-20240701-0001','first_issue','sealed','{}','{}',"
    f'\'{{"full_name": "Đỗ Văn Cũ", "id_tail": "0001"}}\',\'admin\',NULL,{_T},{_T},{_T},NULL,5)',
]
