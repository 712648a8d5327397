"""The outbox behind :class:`~station.service.StationService`: what the uploader and the USB
transfer read and record (sealed packets, receipts, the receiver's news, purging).

The facade keeps every public method and checks the session before delegating here
(``StationService._require_station``: someone is logged in on this station, even behind the
lock screen, since uploads go on while it is locked; the background work does not count as the
operator's activity). People's commands that move data off the station are checked by role
(``permissions.py``) in the facade as well.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from station import audit, crypto, dossier
from station.clock import iso
from station.errors import NotFoundError
from station.lifecycle import SYSTEM, State
from station.models import Dossier, Packet, ReceiverKey, Station
from station.service import PacketInfo

if TYPE_CHECKING:
    from station.service import StationService


class Outbox:
    """Packets and receipts (used through :class:`StationService`)."""

    def __init__(self, service: StationService) -> None:
        self._svc = service

    def outbox(self) -> list[Packet]:
        """Packets not yet receipted, oldest first (the upload order)."""
        with self._svc.store.read() as s:
            return list(
                s.execute(
                    select(Packet)
                    .options(undefer(Packet.data))  # callers read the packets themselves
                    .where(Packet.status.in_(("queued", "uploading", "uploaded")))
                    .order_by(Packet.created_at, Packet.packet_id)
                ).scalars()
            )

    def registration(self) -> dict[str, Any]:
        """The station's public registration for the receiver (id, code, name, public key)."""
        info = self._svc.public_info()
        with self._svc.store.read() as s:
            st = s.execute(select(Station)).scalar_one()
            return {
                "format": "intake-station/station-registration",
                "version": 1,
                "station_id": st.id,
                "code": st.code,
                "name": st.name or info.get("name", ""),
                "public_key": crypto.b64e(crypto.ed25519_public(st.signing_key)),
            }

    def receiver_settings(self) -> dict[str, Any]:
        """Receiver URL, pinned TLS certificate and bandwidth cap (for the sync worker)."""
        settings = self._svc._settings()
        return {
            "url": settings.get("receiver_url"),
            "tls_cert": settings.get("receiver_tls_cert"),
            "bandwidth_cap_bps": settings.get("bandwidth_cap_bps"),
        }

    def signing_key(self) -> bytes:
        """The station's Ed25519 key, for signing requests and exports (never leaves the core
        except to the sync layer in the same process)."""
        with self._svc.store.read() as s:
            return bytes(s.execute(select(Station.signing_key)).scalar_one())

    def receiver_signing_keys(self) -> list[bytes]:
        """The pinned receiver receipt-signing keys (active ones)."""
        with self._svc.store.read() as s:
            keys = s.execute(
                select(ReceiverKey.public_key).where(
                    ReceiverKey.purpose == "signing", ReceiverKey.active.is_(True)
                )
            ).scalars()
            return [crypto.b64d(k) for k in keys]

    def pending_packets(self) -> list[PacketInfo]:
        """Packets to send, oldest first; refused and receipted ones are not in it."""
        with self._svc.store.read() as s:
            rows = s.execute(
                select(Packet, Dossier.number)
                .join(Dossier, Dossier.id == Packet.dossier_id)
                .where(Packet.status.in_(("queued", "uploading", "uploaded")))
                .order_by(Packet.created_at, Packet.packet_id)
            ).all()
            return [PacketInfo.of(p, number) for p, number in rows]

    def record_export(self, packets: int, size: int) -> None:
        """Audit a USB export (the packets themselves are unreadable to anyone but the receiver)."""
        actor = self._svc._session.operator_id if self._svc._session else SYSTEM
        with self._svc.store.write() as s:
            audit.append(
                s,
                self._svc.clock.now(),
                actor,
                "usb.exported",
                "",
                {"packets": packets, "bytes": size},
            )

    def delivered_packet_ids(self) -> list[str]:
        """Packets the receiver holds whose dossier may still get news (rejection, card)."""
        with self._svc.store.read() as s:
            return list(
                s.execute(
                    select(Packet.packet_id)
                    .join(Dossier, Dossier.id == Packet.dossier_id)
                    .where(
                        Packet.status.in_(("receipted", "purged")),
                        Dossier.state.in_((State.RECEIPTED.value, State.PURGED.value)),
                    )
                    .order_by(Packet.receipted_at)
                ).scalars()
            )

    def packet_info(self, packet_id: str) -> PacketInfo:
        with self._svc.store.read() as s:
            row = s.execute(
                select(Packet, Dossier.number)
                .join(Dossier, Dossier.id == Packet.dossier_id)
                .where(Packet.packet_id == packet_id)
            ).first()
            if row is None:
                raise NotFoundError(
                    f"Không có gói {packet_id}.", f"No packet {packet_id}.", field="packet"
                )
            return PacketInfo.of(row[0], row[1])

    def packet_bytes(self, packet_id: str) -> bytes:
        with self._svc.store.read() as s:
            data = s.execute(
                select(Packet.data).where(Packet.packet_id == packet_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFoundError(
                f"Gói {packet_id} không còn dữ liệu (đã dọn).",
                f"Packet {packet_id} holds no data any more (purged).",
                field="packet",
            )
        return bytes(data)

    def note_upload(self, packet_id: str, *, offset: int, error: str | None = None) -> None:
        """Record progress (the receiver's acknowledged offset) or a failed attempt."""
        now = self._svc.clock.now()
        with self._svc.store.write() as s:
            p = s.get(Packet, packet_id)
            if p is None or p.status not in ("queued", "uploading", "uploaded"):
                return
            p.acked_offset = max(0, min(offset, p.size))
            p.last_attempt_at = iso(now)
            if error is not None:
                p.attempts += 1
                p.last_error = error[:500]
            elif p.status == "queued":
                p.status = "uploading"

    def accept_receipt(self, packet_id: str, receipt: dict[str, Any], via: str = "http") -> bool:
        """Take the receiver's receipt; True once it verified and the packet counts delivered.

        A receipt counts only if it is signed by a pinned receiver key and names exactly this
        packet (id, SHA-256, station); anything else changes nothing and returns False.
        """
        from station import receipts

        now = self._svc.clock.now()
        keys = self.receiver_signing_keys()
        with self._svc.store.write() as s:
            p = s.get(Packet, packet_id)
            if p is None:
                return False
            if p.status in ("receipted", "purged"):
                return True
            station_id = s.execute(select(Station.id)).scalar_one()
            if not receipts.verify(receipt, keys, packet_id, p.sha256, station_id):
                audit.append(s, now, SYSTEM, "packet.receipt_refused", packet_id, {"via": via})
                return False
            d = self._svc._get(s, p.dossier_id)
            p.status = "receipted"
            p.receipt_json = dossier.form_json(receipt)
            p.receipted_at = iso(now)
            p.acked_offset = p.size
            p.attempts, p.last_error = 0, None  # delivered: earlier errors are history
            audit.append(s, now, SYSTEM, "packet.receipted", packet_id, {"via": via})
            for target in (State.UPLOADED, State.RECEIPTED):
                if State(d.state) in (State.SEALED, State.UPLOADED) and State(d.state) != target:
                    self._svc._move(s, d, target, now, {"packet": packet_id})
        if self._retention_days() == 0:
            self._svc.purge_due()  # through the facade, as the sync worker calls it
        return True

    def refuse_packet(self, packet_id: str, code: str, message: str) -> None:
        """The receiver refused the packet for good: make it visible, never retry it."""
        now = self._svc.clock.now()
        with self._svc.store.write() as s:
            p = s.get(Packet, packet_id)
            if p is None or p.status in ("receipted", "purged"):
                return
            p.status = "refused"
            p.last_error = f"{code}: {message}"[:500]
            audit.append(s, now, SYSTEM, "packet.refused", packet_id, {"code": code})

    def apply_remote_status(
        self,
        packet_id: str,
        status: str,
        reason: str | None = None,
        parts: list[str] | None = None,
        *,
        session: Session | None = None,
    ) -> None:
        """News from the receiver: a rejected dossier goes back for recapture of those parts.

        ``session``: apply inside the caller's write transaction (the status cursor is stored
        in the same one, ``station.delivery``)."""
        now = self._svc.clock.now()
        with self._write_in(session) as s:
            p = s.get(Packet, packet_id)
            if p is None:
                return
            d = self._svc._get(s, p.dossier_id)
            summary = json.loads(d.summary_json or "{}")
            if summary.get("packet_id") not in (None, packet_id):
                # A packet this dossier has since replaced (a supplement after a rejection):
                # its old status is history, not news about the dossier.
                return
            if status == "rejected" and State(d.state) != State.NEEDS_RECAPTURE:
                why = (reason or "Bị từ chối ở trung tâm").strip()[:500]
                summary["rejected_parts"] = list(parts or [])
                d.summary_json = dossier.form_json(summary)
                self._svc._move(s, d, State.NEEDS_RECAPTURE, now, {"packet": packet_id}, why)
            elif status == "card_printed" and not summary.get("card_printed"):
                summary["card_printed"] = iso(now)
                d.summary_json = dossier.form_json(summary)
                audit.append(s, now, SYSTEM, "dossier.card_printed", d.id, {"packet": packet_id})

    @contextlib.contextmanager
    def _write_in(self, session: Session | None) -> Iterator[Session]:
        """The caller's write transaction, or a new one."""
        if session is not None:
            yield session
        else:
            with self._svc.store.write() as s:
                yield s

    def purge_due(self) -> int:
        """Drop the bytes of receipted packets older than the retention; index and receipt stay."""
        now = self._svc.clock.now()
        days = self._retention_days()
        cutoff = iso(now - timedelta(days=days))
        purged = 0
        with self._svc.store.write() as s:
            rows = s.execute(
                select(Packet).where(Packet.status == "receipted", Packet.receipted_at <= cutoff)
            ).scalars()
            for p in rows:
                p.data = None
                p.status = "purged"
                p.purged_at = iso(now)
                d = self._svc._get(s, p.dossier_id)
                if State(d.state) == State.RECEIPTED:
                    self._svc._move(s, d, State.PURGED, now, {"packet": p.packet_id})
                purged += 1
        return purged

    def _retention_days(self) -> int:
        value = self._svc._settings().get("retention_days", 0)
        return int(value) if isinstance(value, int | float) and value >= 0 else 0
