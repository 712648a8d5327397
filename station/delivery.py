"""The outbox's verdicts on what the receiver said: held, refused, resent, statuses by cursor,
USB results. The sync layer reports what it heard; these functions decide and record, each in
one transaction with its audit record.

* **Held** ("not now": a key generation not loaded, a hash mismatch in transit, storage trouble,
  the dossier under central review): the packet stays in the queue, its reason shown; it is
  offered again later. A held packet is never refused.
* **Refused** (final: these bytes can never be accepted): the packet stays, visible with its
  reason, exportable to USB on an admin's request, and an admin may send it again
  (``resend_refused``), audited.
* **Statuses by cursor**: the receiver's status changes after the station's cursor are applied
  and the new cursor stored in the station's settings in the same transaction, so a kill can
  neither lose a change nor apply one twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from station import audit
from station.clock import iso
from station.errors import NotFoundError, ValidationError
from station.lifecycle import SYSTEM, Role
from station.models import Packet, Station

if TYPE_CHECKING:
    from station.service import StationService

#: ``Packet.last_error`` of a held packet starts with this (then the code and the reason).
HELD_PREFIX = "held "
#: Settings key of the status cursor (``POST /v2/status``).
CURSOR_KEY = "status_cursor"
SENDABLE = ("queued", "uploading", "uploaded")
#: Remote statuses the station acts on.
NEWS = ("rejected", "card_printed")


#: ``Packet.last_error`` of a packet an admin resent, until its next attempt: the station then
#: asks the receiver to judge the bytes again (``judge_again``).
RESENT_PREFIX = "resent "


def is_resent(last_error: str | None) -> bool:
    return bool(last_error) and str(last_error).startswith(RESENT_PREFIX)


def is_held(last_error: str | None) -> bool:
    return bool(last_error) and str(last_error).startswith(HELD_PREFIX)


#: Held code of a packet whose citizen already has an open dossier elsewhere (the centre decides).
DUPLICATE_CITIZEN = "duplicate_citizen"


def held_code(last_error: str | None) -> str | None:
    """The receiver's code of a held packet ("duplicate_citizen", "key_not_loaded", ...)."""
    if not is_held(last_error):
        return None
    code = str(last_error)[len(HELD_PREFIX) :].split(":", 1)[0]
    return code or None


def awaits_central_decision(reason: str | None) -> bool:
    """A held answer (``code: vi / en``) that only the centre lifts: ``duplicate_citizen``."""
    return bool(reason) and str(reason).startswith(f"{DUPLICATE_CITIZEN}:")


def hold_packet(
    service: StationService, packet_id: str, code: str, vi: str, en: str, offset: int | None
) -> None:
    """The receiver holds the packet (not now): it stays in the queue with the reason shown.

    Not counted as a failed attempt: nothing is wrong with the station or the link.
    """
    now = service.clock.now()
    with service.store.write() as s:
        p = s.get(Packet, packet_id)
        if p is None or p.status not in SENDABLE:
            return
        first = not is_held(p.last_error) or not str(p.last_error).startswith(
            f"{HELD_PREFIX}{code}:"
        )
        p.last_error = f"{HELD_PREFIX}{code}: {vi} / {en}"[:500]
        p.last_attempt_at = iso(now)
        if offset is not None:
            p.acked_offset = max(0, min(offset, p.size))
        if first:
            audit.append(s, now, SYSTEM, "packet.held", packet_id, {"code": code})


def resend_refused(service: StationService, packet_id: str) -> None:
    """An admin sends a refused packet again (after the receiver's side was put right).

    The packet goes back to the queue from offset 0; its earlier refusal stays in the audit log.
    """
    admin = service._require(Role.ADMIN)  # the core's own role check
    now = service.clock.now()
    with service.store.write() as s:
        p = s.get(Packet, packet_id)
        if p is None:
            raise NotFoundError(
                f"Không có gói {packet_id}.", f"No packet {packet_id}.", field="packet"
            )
        if p.status != "refused":
            raise ValidationError(
                f"Gói {packet_id} không ở trạng thái bị từ chối (đang «{p.status}»).",
                f"Packet {packet_id} is not refused (it is '{p.status}').",
                field="packet",
            )
        if p.data is None:  # pragma: no cover - refused packets are never purged
            raise ValidationError(
                f"Gói {packet_id} không còn dữ liệu.",
                f"Packet {packet_id} holds no data.",
                field="packet",
            )
        previous = p.last_error
        p.status = "queued"
        p.attempts, p.acked_offset = 0, 0
        p.last_error = f"{RESENT_PREFIX}{admin.operator_id}"
        audit.append(s, now, admin.operator_id, "packet.resend", packet_id, {"refusal": previous})


def require_admin(service: StationService) -> str:
    """The admin's operator id; ``PermissionDeniedError`` otherwise (e.g. exporting refused
    packets)."""
    return service._require(Role.ADMIN).operator_id  # the core's own role check


def refused_packet_ids(service: StationService) -> list[str]:
    with service.store.read() as s:
        return list(
            s.execute(
                select(Packet.packet_id)
                .where(Packet.status == "refused")
                .order_by(Packet.created_at, Packet.packet_id)
            ).scalars()
        )


# --- statuses by cursor ---------------------------------------------------------------------


def _settings(s: Any) -> tuple[Station, dict[str, Any]]:
    st = s.execute(select(Station)).scalar_one()
    return st, json.loads(st.settings_json or "{}")


def status_cursor(service: StationService) -> int:
    with service.store.read() as s:
        _, settings = _settings(s)
    value = settings.get(CURSOR_KEY, 0)
    return value if isinstance(value, int) and value >= 0 else 0


def apply_status_page(
    service: StationService, changes: Iterable[dict[str, Any]], cursor: int
) -> int:
    """Apply one page of status changes and store ``cursor``, in one transaction.

    Returns how many changes were news (rejections, printed cards).
    """
    applied = 0
    with service.store.write() as s:
        for change in changes:
            status = change.get("status")
            packet_id = change.get("packet_id")
            if status not in NEWS or not isinstance(packet_id, str):
                continue
            reason = change.get("reason")
            parts = change.get("parts") or []
            service.apply_remote_status(
                packet_id,
                str(status),
                reason if isinstance(reason, str) else None,
                [str(p) for p in parts] if isinstance(parts, list) else [],
                session=s,  # the same transaction as the cursor
            )
            applied += 1
        st, settings = _settings(s)
        if cursor > int(settings.get(CURSOR_KEY, 0) or 0):
            settings[CURSOR_KEY] = cursor
            st.settings_json = json.dumps(settings)
    return applied


# --- USB results ------------------------------------------------------------------------------


def apply_usb_results(service: StationService, items: Iterable[dict[str, Any]]) -> dict[str, int]:
    """The verdicts of a signed ``receipts.json`` (its signature checked by the caller):
    ``refused`` packets become refused with their reason, ``held`` ones stay queued with it,
    ``damaged`` and ``missing`` ones stay queued with a note to export them again.
    Returns counts by result applied."""
    counts: dict[str, int] = {}
    for item in items:
        packet_id, result = item.get("packet_id"), item.get("result")
        if not isinstance(packet_id, str) or not isinstance(result, str):
            continue
        code = str(item.get("error") or result)
        vi, en = str(item.get("vi") or ""), str(item.get("en") or "")
        with service.store.read() as s:
            p = s.get(Packet, packet_id)
            known = p is not None and p.status in (*SENDABLE, "refused")
            acked = p.acked_offset if p is not None else 0
        if not known:
            continue
        if result == "refused":
            service.refuse_packet(packet_id, code, f"{vi} / {en}")
        elif result == "held":
            hold_packet(service, packet_id, code, vi, en, None)
        elif result in ("damaged", "missing"):
            service.note_upload(
                packet_id,
                offset=acked,
                error=f"usb {code}: {vi} / {en} (xuất lại / export again)",
            )
        else:
            continue
        counts[result] = counts.get(result, 0) + 1
    return counts
