"""Sealing behind :class:`~station.service.StationService`: an approved dossier becomes its
packet (signed by the station, encrypted to the receiver) in one transaction, and its captured
data leaves the store.

The facade keeps ``seal`` and ``system_seal`` and checks the session and role before
delegating here; the lifecycle rule, the completeness check and the audit entry are applied here,
inside the same write transaction as the packet.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from station import crypto, dossier, lifecycle, packet
from station.clock import iso
from station.errors import StoreError, ValidationError
from station.lifecycle import State
from station.models import AuditEntry, Dossier, DossierPart, Packet, ReceiverKey, Station
from station.reporting import commune_of

if TYPE_CHECKING:
    from station.service import StationService


class Sealing:
    """Seal approved dossiers (used through :class:`StationService`)."""

    def __init__(self, service: StationService) -> None:
        self._svc = service

    def seal(self, dossier_id: str, actor_id: str, role: str) -> str:
        """Seal ``dossier_id`` as ``actor_id`` (already checked by the facade); its packet id."""
        svc = self._svc
        now = svc.clock.now()
        with svc.store.write() as s:
            d = svc._get(s, dossier_id)
            lifecycle.check(
                State(d.state),
                State.SEALED,
                actor_id=actor_id,
                actor_role=role,
                capturer_id=d.operator_id,
                reason=None,
            )
            gaps = svc._missing(s, d, for_approval=True)
            if gaps:
                raise ValidationError(
                    f"Hồ sơ {d.number} chưa đủ để niêm phong: {gaps[0].vi}",
                    f"Dossier {d.number} is not complete enough to seal: {gaps[0].en}",
                    field=gaps[0].kind,
                )
            inp, station, key = self.seal_input(s, d)
            parts = [p for p in d.parts]
            sealed = packet.seal(
                inp,
                station_id=station.id,
                station_code=station.code,
                signing_key=station.signing_key,
                receiver_key=crypto.HpkePublicKey.decode(key.public_key),
                receiver_key_id=key.key_id,
                now=now,
            )
            s.add(
                Packet(
                    packet_id=sealed.packet_id,
                    dossier_id=d.id,
                    data=sealed.data,
                    sha256=sealed.sha256,
                    size=sealed.size,
                    created_at=iso(now),
                    status="queued",
                    attempts=0,
                    acked_offset=0,
                )
            )
            form = inp.form
            before = json.loads(d.summary_json or "{}")
            number = str(form.get("id_number") or "")
            d.summary_json = dossier.form_json(
                {
                    "full_name": form.get("full_name") or before.get("full_name", ""),
                    "id_tail": number[-4:] or before.get("id_tail", ""),
                    # For reports after sealing (counts per commune): no personal data.
                    "commune": commune_of(form, svc.masterdata) or before.get("commune", ""),
                    "packet_id": sealed.packet_id,
                    "size": sealed.size,
                    # Keyed hash of the ID number: one citizen, one open dossier, after sealing.
                    "citizen_key": (
                        svc.capturing.citizen_key(s, number)
                        if number
                        else before.get("citizen_key", "")
                    ),
                }
            )
            d.form_json = "{}"
            d.capture_json = "{}"
            for p in parts:
                s.delete(p)
            svc.capturing.drop_unused_features(s)  # the prints' templates go with them
            svc._record_move(
                s,
                d,
                State.APPROVED,
                State.SEALED,
                now,
                actor_id,
                details={"packet": sealed.packet_id, "sha256": sealed.sha256, "size": sealed.size},
            )
            return sealed.packet_id

    def seal_input(self, s: Session, d: Dossier) -> tuple[packet.SealInput, Station, ReceiverKey]:
        """What sealing ``d`` would put in its packet, and with which station and receiver key."""
        from station.capture.gate import for_manifest  # parts' meta as sealed: no caller hints

        station = s.execute(select(Station)).scalar_one()
        key = (
            s.execute(
                select(ReceiverKey)
                .where(ReceiverKey.purpose == "encryption", ReceiverKey.active.is_(True))
                .order_by(ReceiverKey.id.desc())
            )
            .scalars()
            .first()
        )
        if key is None:
            raise StoreError(
                "Trạm chưa có khóa mã hóa của máy chủ nhận.",
                "The station has no pinned receiver encryption key.",
            )
        parts = (
            s.execute(
                select(DossierPart)
                .options(undefer(DossierPart.data))  # sealing reads every part's bytes
                .where(DossierPart.dossier_id == d.id)
                .order_by(DossierPart.kind, DossierPart.slot)
            )
            .scalars()
            .all()
        )
        approved_at = (
            s.execute(
                select(AuditEntry.ts)
                .where(
                    AuditEntry.subject == d.id,
                    AuditEntry.action == "dossier.transition",
                    AuditEntry.details_json.like('%"to":"approved"%'),
                )
                .order_by(AuditEntry.seq.desc())
            )
            .scalars()
            .first()
        )
        inp = packet.SealInput(
            dossier_id=d.id,
            number=d.number,
            case_type=d.case_type,
            form=json.loads(d.form_json),
            capture=self._svc._capture_meta(d),
            operator_id=d.operator_id,
            supervisor_id=d.supervisor_id,
            created_at=d.created_at,
            approved_at=approved_at,
            parts=[
                packet.PartInput(
                    p.kind,
                    p.slot,
                    p.media_type,
                    bytes(p.data),
                    for_manifest(json.loads(p.meta_json)),
                )
                for p in parts
            ],
        )
        return inp, station, key
