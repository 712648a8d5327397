"""A station with dossiers in several states, and a snapshot of what must survive."""

from __future__ import annotations

from typing import Any

from station.service import StationService
from tests.conftest import OP_PW, SUP_PW, FakeClock, capture_all, login, valid_form

#: Name and ID number of the citizens in ``fill``: a diagnostic report must show neither.
CITIZEN_NAME = "Hoàng Thị Én"
CITIZEN_ID = "019301004567"


def fill(staffed: StationService, clock: FakeClock) -> dict[str, str]:
    """A draft, a captured dossier and a sealed one (its packet in the outbox)."""
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    try:
        draft = op.create_dossier("first_issue", valid_form(occupation="Nông dân"))
        captured = op.create_dossier("first_issue", valid_form(occupation="Giáo viên"))
        capture_all(op, captured.id)
        op.mark_captured(captured.id)
        sealed = op.create_dossier("first_issue", valid_form(occupation="Thợ mộc"))
        capture_all(op, sealed.id)
        op.mark_captured(sealed.id)
        op.confirm(sealed.id)
        sup.approve(sealed.id)
        packet_id = sup.seal(sealed.id)
    finally:
        op.close()
        sup.close()
    return {"draft": draft.id, "captured": captured.id, "sealed": sealed.id, "packet": packet_id}


def snapshot(svc: StationService) -> dict[str, Any]:
    """Every dossier, part and packet as rows (raw SQL: independent of the models)."""
    queries = {
        "dossiers": "SELECT id, number, state, form_json, summary_json FROM dossiers ORDER BY id",
        "parts": "SELECT dossier_id, kind, slot, sha256, length(data) FROM dossier_parts "
        "ORDER BY dossier_id, kind, slot",
        "packets": "SELECT packet_id, dossier_id, sha256, size, status, length(data) FROM packets "
        "ORDER BY packet_id",
        "operators": "SELECT id, role, disabled FROM operators ORDER BY id",
    }
    with svc.store.engine.connect() as conn:
        return {k: [tuple(r) for r in conn.exec_driver_sql(q)] for k, q in queries.items()}
