"""Resident lists as a whole: the same file imported twice, replacing and removing a list.

Used by ``StationService`` inside its write transactions; no rule here reads a clock or a session.
Replacing a list keeps what the station already recorded: a resident of the old list marked as
enrolled (a dossier was opened for them) passes the mark to the resident of the new list with the
same ID number, or, without numbers, the same folded name and date of birth. Removing a list drops
its residents and their marks (the dossiers themselves are untouched); the audit log says how
many marks went.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.errors import NotFoundError, ValidationError
from station.models import Resident, Roster
from station.residents import delete_roster


@dataclass(frozen=True)
class RosterInfo:
    id: int
    kind: str
    name: str
    source: str
    sha256: str
    imported_at: str
    imported_by: str
    row_count: int
    enrolled: int


def list_rosters(s: Session) -> list[RosterInfo]:
    out = []
    for r in s.execute(select(Roster).order_by(Roster.id)).scalars():
        enrolled = s.scalar(
            select(func.count())
            .select_from(Resident)
            .where(Resident.roster_id == r.id, Resident.enrolled_dossier_id.is_not(None))
        )
        out.append(
            RosterInfo(
                r.id,
                r.kind,
                r.name,
                r.source,
                r.sha256,
                r.imported_at,
                r.imported_by,
                r.row_count,
                int(enrolled or 0),
            )
        )
    return out


def same_file(s: Session, sha256: str) -> list[tuple[int, str, str]]:
    """Lists already imported from a file with these bytes: id, name, when."""
    rows = s.execute(
        select(Roster.id, Roster.name, Roster.imported_at).where(Roster.sha256 == sha256)
    )
    return [(int(i), str(n), str(t)) for i, n, t in rows]


def refuse_reimport(s: Session, sha256: str, source: str, replace: int | None) -> None:
    """The same bytes imported again would double every resident: refused unless replacing."""
    for roster_id, name, when in same_file(s, sha256):
        if roster_id != replace:
            raise ValidationError(
                f"Tệp «{source}» đã được nhập thành danh sách {roster_id} «{name}» lúc {when}; "
                f"nhập lại sẽ nhân đôi mọi người. Hãy thay danh sách đó (--replace {roster_id}) "
                "hoặc xóa nó trước.",
                f"The file '{source}' was already imported as list {roster_id} '{name}' at "
                f"{when}; importing it again would double everyone. Replace that list "
                f"(--replace {roster_id}) or remove it first.",
                field="file",
                code="list_already_imported",
            )


def get(s: Session, roster_id: int) -> Roster:
    roster = s.get(Roster, roster_id)
    if roster is None:
        raise NotFoundError(
            f"Không có danh sách «{roster_id}».", f"No list '{roster_id}'.", field="roster_id"
        )
    return roster


def carry_marks(s: Session, old_id: int, new_id: int) -> int:
    """Enrolment marks of list ``old_id`` copied to the same people in list ``new_id``."""
    conn = s.connection()
    moved = 0
    for sql in (
        "UPDATE residents AS n SET enrolled_dossier_id = o.enrolled_dossier_id, "
        "enrolled_at = o.enrolled_at FROM residents AS o "
        "WHERE n.roster_id = :new AND o.roster_id = :old AND o.enrolled_dossier_id IS NOT NULL "
        "AND n.enrolled_dossier_id IS NULL AND n.id_number IS NOT NULL "
        "AND n.id_number = o.id_number",
        "UPDATE residents AS n SET enrolled_dossier_id = o.enrolled_dossier_id, "
        "enrolled_at = o.enrolled_at FROM residents AS o "
        "WHERE n.roster_id = :new AND o.roster_id = :old AND o.enrolled_dossier_id IS NOT NULL "
        "AND n.enrolled_dossier_id IS NULL AND n.id_number IS NULL AND o.id_number IS NULL "
        "AND n.name_folded = o.name_folded AND n.date_of_birth IS o.date_of_birth",
    ):
        moved += conn.exec_driver_sql(
            sql.replace(":new", "?").replace(":old", "?"), (new_id, old_id)
        ).rowcount
    return moved


def remove(s: Session, roster_id: int) -> tuple[int, int]:
    """Delete a list; (residents removed, enrolment marks dropped)."""
    get(s, roster_id)
    marks = int(
        s.connection()
        .exec_driver_sql(
            "SELECT count(*) FROM residents WHERE roster_id = ? AND enrolled_dossier_id "
            "IS NOT NULL",
            (roster_id,),
        )
        .scalar_one()
    )
    return delete_roster(s, roster_id), marks
