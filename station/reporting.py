"""Quotas and reports for team leaders (dossiers per day, operator and commune against quotas).

Reached as ``service.reporting``. See ``docs/reports.md`` for what is counted and why:

* a dossier counts once it has been **captured** (drafts that never were do not count), on the
  local day it was **created** (the day in its number), for the operator who captured it and for
  the citizen's **commune of permanent residence** (current residence when there is none), in the
  communes in force since July 2025 (an address written in the old units is mapped to its new
  commune). Sealing keeps that commune code in the dossier's summary, so a report reads the same
  before and after sealing;
* each counted dossier is in one of four conditions: not yet sealed, sealed but not delivered,
  delivered (receipt verified), or rejected (sent back by a supervisor or the receiver, or its
  packet refused, and not captured again yet);
* quotas are daily targets per commune, optionally with a team total for the day (else the total
  is the sum of the communes' targets), set by a supervisor.

Reports hold counts only: no citizen's name, number or address.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from station import audit
from station.clock import VIETNAM, iso, local_date, parse_iso
from station.errors import NotFoundError, ValidationError
from station.lifecycle import Role, State
from station.masterdata import ERA_2025, ERA_LEGACY, MasterData
from station.models import Dossier, Operator, Packet, Quota, Resident, Roster, Station
from station.residents import ImportProblem, ResidentHit

if TYPE_CHECKING:
    from station.service import StationService

#: The longest range one report or one quota change may cover.
MAX_RANGE_DAYS = 366
#: The largest daily target accepted (a team, not a province).
MAX_TARGET = 100_000
#: The key of the team's total in a quota plan (``commune`` column of ``quotas``).
TEAM = ""

UNKNOWN_COMMUNE: tuple[str, str] = ("Không rõ xã, phường", "Commune unknown")

_UNSEALED = frozenset({State.CAPTURED, State.CONFIRMED, State.APPROVED})
_UNDELIVERED = frozenset({State.SEALED, State.UPLOADED})
_DELIVERED = frozenset({State.RECEIPTED, State.PURGED})


# --- what a report holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Counted dossiers (``captured``) and the condition each of them is in now."""

    captured: int = 0
    unsealed: int = 0  # captured, confirmed or approved: waiting for approval or sealing
    undelivered: int = 0  # sealed or uploaded, no verified receipt yet
    delivered: int = 0  # receipted (or purged after the receipt)
    rejected: int = 0  # sent back or refused, not captured again yet

    def plus(self, bucket: str) -> Counts:
        return replace(self, captured=self.captured + 1, **{bucket: getattr(self, bucket) + 1})

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.captured + other.captured,
            self.unsealed + other.unsealed,
            self.undelivered + other.undelivered,
            self.delivered + other.delivered,
            self.rejected + other.rejected,
        )


def percent(done: int, target: int | None) -> int | None:
    """``done`` as a whole percentage of ``target`` (None without a target)."""
    return round(100 * done / target) if target else None


@dataclass(frozen=True)
class DayRow:
    day: date
    counts: Counts
    target: int | None  # the team's target of that day

    @property
    def percent(self) -> int | None:
        return percent(self.counts.captured, self.target)


@dataclass(frozen=True)
class OperatorRow:
    operator_id: str
    full_name: str
    counts: Counts


@dataclass(frozen=True)
class CommuneRow:
    code: str  # "" when the citizen's commune is not known (abroad, or an old unmapped unit)
    name: str  # "Phường Bá Xuyên, Thái Nguyên"; "" when unknown
    counts: Counts
    target: int | None  # the sum of the commune's daily targets over the range

    @property
    def percent(self) -> int | None:
        return percent(self.counts.captured, self.target)


@dataclass(frozen=True)
class Report:
    station_code: str
    station_name: str
    start: date
    end: date
    generated_at: str
    days: tuple[DayRow, ...]  # every day of the range, in order, zeros included
    operators: tuple[OperatorRow, ...]  # most dossiers first
    communes: tuple[CommuneRow, ...]  # communes with dossiers or targets, by code; unknown last
    total: Counts
    target: int | None  # the team's targets summed over the range

    @property
    def percent(self) -> int | None:
        return percent(self.total.captured, self.target)


@dataclass(frozen=True)
class Progress:
    """Today's count against today's team target (for the home screen)."""

    day: date
    counts: Counts
    target: int

    @property
    def done(self) -> int:
        """Today's counted (captured) dossiers."""
        return self.counts.captured

    @property
    def percent(self) -> int:
        return round(100 * self.counts.captured / self.target)


@dataclass(frozen=True)
class QuotaRow:
    day: date
    commune: str  # TEAM ("") for the team's total
    target: int


@dataclass
class QuotaImport:
    """What a quota CSV gave: targets set (none when any line is wrong) and the problems."""

    targets: int = 0
    days: int = 0
    problems: list[ImportProblem] = field(default_factory=list)


# --- rosters ------------------------------------------------------------------------------------

ROSTER_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "waiting": ("chờ gọi", "waiting"),
    "in_progress": ("đang thu nhận", "being captured"),
    "done": ("đã thu nhận", "captured"),
    "recapture": ("cần thu nhận lại", "needs recapture"),
}


@dataclass(frozen=True)
class RosterProgress:
    id: int
    kind: str
    name: str
    source: str
    imported_at: str
    total: int
    enrolled: int  # a dossier was started for them
    done: int  # their dossier has been captured


@dataclass(frozen=True)
class RosterEntry:
    """One person of a drive roster, at their place in the calling order."""

    position: int  # 1-based place in the calling order
    resident: ResidentHit
    dossier_number: str | None
    state: State | None

    @property
    def status(self) -> str:
        """A key of ``ROSTER_STATUS_LABELS``."""
        if self.resident.enrolled_dossier_id is None:
            return "waiting"
        if self.state is None or self.state == State.DRAFT:
            return "in_progress"
        if self.state == State.NEEDS_RECAPTURE:
            return "recapture"
        return "done"

    @property
    def waiting(self) -> bool:
        return self.status == "waiting"


def next_call(entries: Sequence[RosterEntry], after: int | None = None) -> RosterEntry | None:
    """The next person to call: the first one still waiting after resident ``after`` in the
    calling order; then, from the top, anyone skipped (called but absent). None when all came."""
    start = 0
    if after is not None:
        for i, e in enumerate(entries):
            if e.resident.id == after:
                start = i + 1
                break
    for e in [*entries[start:], *entries[:start]]:
        if e.waiting and e.resident.id != after:
            return e
    return None


# --- helpers ------------------------------------------------------------------------------------


def commune_of(form: Mapping[str, Any], md: MasterData) -> str:
    """The citizen's commune code (2025 units) from the form's permanent residence, else the
    current residence; an old ward is mapped to the new commune it went to. "" when unknown."""
    for key in ("permanent_residence", "current_residence"):
        address = form.get(key)
        if not isinstance(address, dict):
            continue
        era, unit = address.get("era"), address.get("unit")
        if not isinstance(unit, str) or not unit:
            continue
        if era == ERA_2025 and unit in md.communes:
            return unit
        if era == ERA_LEGACY:
            codes = md.new_communes_of_legacy_ward(unit)
            if not codes and md.is_wardless_district(unit):
                codes = md.new_communes_of_legacy_district(unit)
            if codes:
                return codes[0]
    return ""


def commune_name(code: str, md: MasterData) -> str:
    """The commune's name and province ("Phường Bá Xuyên, Thái Nguyên"); "" when unknown."""
    commune = md.communes.get(code)
    if commune is None:
        return ""
    province = md.provinces.get(commune.province_code)
    return f"{commune.name}, {province.short}" if province else commune.name


def check_range(start: date, end: date) -> None:
    if end < start:
        raise ValidationError(
            "Ngày kết thúc phải sau ngày bắt đầu.",
            "The end date must not be before the start date.",
            field="end",
        )
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(
            f"Khoảng thời gian dài quá {MAX_RANGE_DAYS} ngày.",
            f"The range is longer than {MAX_RANGE_DAYS} days.",
            field="end",
        )


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _utc_bounds(start: date, end: date) -> tuple[str, str]:
    """The stored (UTC text) times bounding the local days ``start`` to ``end``."""
    lo = datetime.combine(start, time(0), VIETNAM)
    hi = datetime.combine(end + timedelta(days=1), time(0), VIETNAM)
    return iso(lo), iso(hi)


def _bucket(state: State, sent_back: bool, refused: bool) -> str | None:
    """The condition a dossier counts under, or None when it does not count (a new draft)."""
    if state == State.DRAFT:
        return "rejected" if sent_back else None
    if state == State.NEEDS_RECAPTURE:
        return "rejected"
    if state in _UNSEALED:
        return "unsealed"
    if state in _UNDELIVERED:
        return "rejected" if refused else "undelivered"
    if state in _DELIVERED:
        return "delivered"
    return None


def check_target(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TARGET:
        raise ValidationError(
            f"Chỉ tiêu {where}: phải là số nguyên từ 0 đến {MAX_TARGET}.",
            f"Target {where}: must be a whole number from 0 to {MAX_TARGET}.",
            field="target",
        )
    return value


# --- the facade part ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fact:
    """What one counted dossier contributes to a report."""

    day: date
    operator_id: str
    commune: str
    bucket: str


class Reporting:
    """Reached as ``service.reporting``."""

    def __init__(self, service: StationService) -> None:
        self._svc = service

    # --- quotas ---

    def set_quotas(
        self,
        start: date,
        end: date,
        targets: Mapping[str, int | None],
        *,
        replace_all: bool = False,
    ) -> int:
        """Set the same daily targets on every day from ``start`` to ``end`` (supervisor).

        ``targets`` maps a commune code (or ``TEAM`` for the team's total) to a daily target; 0
        or None removes that target. With ``replace_all`` every other target of those days is
        removed too (the quota editor saves the whole plan). Returns the rows written.
        """
        sess = self._svc._require(Role.SUPERVISOR)
        check_range(start, end)
        md = self._svc.masterdata
        plan: dict[str, int] = {}
        for code, value in targets.items():
            if code != TEAM and code not in md.communes:
                raise ValidationError(
                    f"Không có xã, phường mã «{code}».", f"No commune '{code}'.", field="commune"
                )
            plan[code] = check_target(0 if value is None else value, code or "tổng/total")
        now = self._svc.clock.now()
        written = 0
        with self._svc.store.write() as s:
            for day in days_of(start, end):
                written += _write_day(s, day.isoformat(), plan, replace_all, sess.operator_id, now)
            audit.append(
                s,
                now,
                sess.operator_id,
                "quota.set",
                "",
                {
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                    "targets": plan,
                    "replace": replace_all,
                },
            )
        return written

    def import_quotas(self, data: bytes, source: str = "") -> QuotaImport:
        """Read a quota CSV (see ``docs/reports.md``) and set its targets, all or nothing."""
        from station import reportcsv

        sess = self._svc._require(Role.SUPERVISOR)
        md = self._svc.masterdata
        rows, problems = reportcsv.read_quotas(data, set(md.communes))
        result = QuotaImport(problems=problems)
        if problems:
            return result
        now = self._svc.clock.now()
        days: set[str] = set()
        with self._svc.store.write() as s:
            for line_day, code, target in rows:
                days.add(line_day.isoformat())
                _write_day(s, line_day.isoformat(), {code: target}, False, sess.operator_id, now)
                result.targets += 1
            audit.append(
                s,
                now,
                sess.operator_id,
                "quota.imported",
                source[:64],
                {"targets": result.targets, "days": len(days)},
            )
        result.days = len(days)
        return result

    def quotas(self, start: date, end: date) -> list[QuotaRow]:
        """Every target set for the days ``start`` to ``end``, by day then commune."""
        self._svc._require(allow_password_change=True)
        check_range(start, end)
        with self._svc.store.read() as s:
            rows = s.execute(
                select(Quota.day, Quota.commune, Quota.target)
                .where(Quota.day >= start.isoformat(), Quota.day <= end.isoformat())
                .order_by(Quota.day, Quota.commune)
            ).all()
        return [QuotaRow(date.fromisoformat(d), c, t) for d, c, t in rows]

    # --- reports ---

    def report(self, start: date, end: date) -> Report:
        """Dossiers per day, operator and commune against the quotas (supervisor, admin)."""
        self._svc._require(Role.SUPERVISOR, Role.ADMIN)
        check_range(start, end)
        return self._report(start, end)

    def csv(self, report: Report, lang: str = "vi", delimiter: str = ";") -> bytes:
        """The report as a CSV file for a spreadsheet (UTF-8 with BOM; see ``reportcsv``)."""
        from station import reportcsv

        return reportcsv.export_report(report, lang, delimiter)

    def today_progress(self) -> Progress | None:
        """Today's counted dossiers against today's team target; None when no quota is set."""
        self._svc.check_session()  # a status read, refreshed on sync news: not activity
        today = local_date(self._svc.clock.now())
        report = self._report(today, today)
        if not report.target:
            return None
        return Progress(today, report.total, report.target)

    def _report(self, start: date, end: date) -> Report:
        md = self._svc.masterdata
        facts, names, station = self._facts(start, end)
        quotas = self.quotas(start, end)
        day_targets = _day_targets(quotas)
        commune_targets: dict[str, int] = defaultdict(int)
        for q in quotas:
            if q.commune != TEAM:
                commune_targets[q.commune] += q.target

        per_day: dict[date, Counts] = defaultdict(Counts)
        per_op: dict[str, Counts] = defaultdict(Counts)
        per_commune: dict[str, Counts] = defaultdict(Counts)
        for f in facts:
            per_day[f.day] = per_day[f.day].plus(f.bucket)
            per_op[f.operator_id] = per_op[f.operator_id].plus(f.bucket)
            per_commune[f.commune] = per_commune[f.commune].plus(f.bucket)

        days = tuple(DayRow(d, per_day[d], day_targets.get(d)) for d in days_of(start, end))
        operators = tuple(
            sorted(
                (OperatorRow(op, names.get(op, ""), c) for op, c in per_op.items()),
                key=lambda r: (-r.counts.captured, r.operator_id),
            )
        )
        codes = sorted(set(per_commune) | set(commune_targets), key=lambda c: (c == "", c))
        communes = tuple(
            CommuneRow(c, commune_name(c, md), per_commune[c], commune_targets.get(c))
            for c in codes
        )
        targets = [t for t in day_targets.values() if t]
        total = sum((r.counts for r in days), Counts())
        return Report(
            station_code=station[0],
            station_name=station[1],
            start=start,
            end=end,
            generated_at=iso(self._svc.clock.now()),
            days=days,
            operators=operators,
            communes=communes,
            total=total,
            target=sum(targets) if targets else None,
        )

    def _facts(self, start: date, end: date) -> tuple[list[_Fact], dict[str, str], tuple[str, str]]:
        md = self._svc.masterdata
        lo, hi = _utc_bounds(start, end)
        facts: list[_Fact] = []
        with self._svc.store.read() as s:
            station = s.execute(select(Station.code, Station.name)).one()
            names = {i: n for i, n in s.execute(select(Operator.id, Operator.full_name))}
            refused = set(
                s.execute(select(Packet.dossier_id).where(Packet.status == "refused")).scalars()
            )
            rows = s.execute(
                select(
                    Dossier.id,
                    Dossier.operator_id,
                    Dossier.state,
                    Dossier.created_at,
                    Dossier.state_reason,
                    Dossier.form_json,
                    Dossier.summary_json,
                ).where(Dossier.created_at >= lo, Dossier.created_at < hi)
            ).all()
            for dossier_id, op, state, created, reason, form_text, summary_text in rows:
                bucket = _bucket(State(state), reason is not None, dossier_id in refused)
                if bucket is None:
                    continue
                day = local_date(parse_iso(created))
                facts.append(_Fact(day, op, _dossier_commune(form_text, summary_text, md), bucket))
        return facts, names, (station[0], station[1])

    # --- rosters ---

    def rosters(self) -> list[RosterProgress]:
        """Imported lists with how many of their people were enrolled and captured, newest first."""
        self._svc._require()
        done_states = [s.value for s in State if s not in (State.DRAFT, State.NEEDS_RECAPTURE)]
        with self._svc.store.read() as s:
            enrolled = {
                roster: int(n)
                for roster, n in s.execute(
                    select(Resident.roster_id, func.count())
                    .where(Resident.enrolled_dossier_id.is_not(None))
                    .group_by(Resident.roster_id)
                )
            }
            done = {
                roster: int(n)
                for roster, n in s.execute(
                    select(Resident.roster_id, func.count())
                    .join(Dossier, Dossier.id == Resident.enrolled_dossier_id)
                    .where(Dossier.state.in_(done_states))
                    .group_by(Resident.roster_id)
                )
            }
            rosters = s.execute(select(Roster).order_by(Roster.id.desc())).scalars().all()
            return [
                RosterProgress(
                    r.id,
                    r.kind,
                    r.name,
                    r.source,
                    r.imported_at,
                    r.row_count,
                    enrolled.get(r.id, 0),
                    done.get(r.id, 0),
                )
                for r in rosters
            ]

    def roster_calls(self, roster_id: int) -> list[RosterEntry]:
        """A roster in calling order (``service.roster_queue``) with each person's dossier state."""
        self._svc._require()
        with self._svc.store.read() as s:
            if s.get(Roster, roster_id) is None:
                raise NotFoundError(
                    f"Không có danh sách «{roster_id}».",
                    f"No roster '{roster_id}'.",
                    field="roster_id",
                )
        hits = self._svc.roster_queue(roster_id)
        ids = [h.enrolled_dossier_id for h in hits if h.enrolled_dossier_id]
        states: dict[str, tuple[str, str]] = {}
        with self._svc.store.read() as s:
            for chunk in _chunks(ids, 500):
                rows = s.execute(
                    select(Dossier.id, Dossier.number, Dossier.state).where(Dossier.id.in_(chunk))
                ).all()
                states.update({i: (n, st) for i, n, st in rows})
        entries = []
        for pos, h in enumerate(hits, start=1):
            found = states.get(h.enrolled_dossier_id or "")
            entries.append(
                RosterEntry(pos, h, found[0] if found else None, State(found[1]) if found else None)
            )
        return entries


def _write_day(
    s: Session, day: str, plan: Mapping[str, int], replace_all: bool, actor: str, now: datetime
) -> int:
    """Apply a plan to one day inside the caller's transaction; returns rows kept or written."""
    if replace_all:
        s.execute(delete(Quota).where(Quota.day == day, Quota.commune.not_in(list(plan))))
    existing = {
        q.commune: q
        for q in s.execute(
            select(Quota).where(Quota.day == day, Quota.commune.in_(list(plan)))
        ).scalars()
    }
    written = 0
    for code, target in plan.items():
        row = existing.get(code)
        if target == 0:
            if row is not None:
                s.delete(row)
            continue
        if row is None:
            row = Quota(day=day, commune=code)
            s.add(row)
        row.target = target
        row.set_by = actor
        row.set_at = iso(now)
        written += 1
    return written


def _day_targets(quotas: Iterable[QuotaRow]) -> dict[date, int]:
    """The team's target of each day: its total row, else the sum of its communes' targets."""
    totals: dict[date, int] = {}
    sums: dict[date, int] = defaultdict(int)
    for q in quotas:
        if q.commune == TEAM:
            totals[q.day] = q.target
        else:
            sums[q.day] += q.target
    return {**sums, **totals}


def _dossier_commune(form_text: str, summary_text: str, md: MasterData) -> str:
    """The commune of a dossier: from its form, or from its summary once sealed."""
    form = json.loads(form_text or "{}")
    code = commune_of(form, md) if isinstance(form, dict) else ""
    if not code:
        summary = json.loads(summary_text or "{}")
        value = summary.get("commune") if isinstance(summary, dict) else None
        code = value if isinstance(value, str) else ""
    return code


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
