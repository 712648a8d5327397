"""Back-fill of "one citizen, one card" for packets accepted before ``citizen_packets`` existed.

Migration ``r0004_citizen_backfill`` lists them in ``citizen_backfill`` (a migration cannot open a
packet: the receiver's private keys are loaded only by ``serve`` and the admin commands). This
module opens each listed packet with the loaded key generations and, in **one transaction per
packet**, writes its ``citizen_packets`` row (when its form has a 12-digit ID number) and removes
it from the list. So a run can be killed at any moment and started again (it goes on with what is
left), two runs at once do each packet once, and a packet whose key generation is not loaded, or
whose stored bytes do not open, stays listed for a later run and is reported, never fatal.

The packet's row is *live* (``live_id_number``: the citizen's open dossier) when the packet is
still ``accepted`` and no other packet of the citizen is live; otherwise not live, and if both
are accepted the pair is reported as a **conflict** (two open dossiers of one citizen, accepted
before the rule knew the older one): the centre decides (``mark --rejected`` one of them). Either
way the rule sees both from now on: it looks for any accepted packet of the citizen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.exc import IntegrityError

from station import packet
from sync.receiver import citizens
from sync.receiver.core import ACCEPTED, Receiver
from sync.receiver.errors import ReceiverError
from sync.receiver.store import CitizenBackfillRow, CitizenRow, PacketRow, ReceiverStore

log = logging.getLogger("sync.receiver.backfill")

#: Packets read from the list per query (the bytes of one packet at a time are in memory).
DEFAULT_BATCH = 100


@dataclass
class BackfillReport:
    """What one run did; the lists name (station id, packet id, detail)."""

    #: Packets opened and taken off the list.
    done: int = 0
    #: ... of which with a citizen row written (the others have no 12-digit ID number).
    with_citizen: int = 0
    #: Left on the list: sealed to a key generation not loaded (detail: the key id).
    key_not_loaded: list[tuple[str, str, str]] = field(default_factory=list)
    #: Left on the list: the stored bytes do not open (detail: the error code and text).
    unopenable: list[tuple[str, str, str]] = field(default_factory=list)
    #: Two accepted packets of one citizen (detail: "station/packet" of the live one).
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    #: Still listed after the run (by any run).
    remaining: int = 0

    @property
    def complete(self) -> bool:
        return self.remaining == 0


def pending(store: ReceiverStore) -> int:
    """Accepted packets still waiting for the back-fill (one cheap count)."""
    with store.read_conn() as c:
        return int(c.execute(select(func.count()).select_from(CitizenBackfillRow)).scalar_one())


def backfill_citizens(
    receiver: Receiver,
    *,
    batch: int = DEFAULT_BATCH,
    limit: int | None = None,
    progress: Callable[[BackfillReport], None] | None = None,
) -> BackfillReport:
    """Open the listed packets (oldest first), at most ``limit`` of them; ``progress`` is called
    after each batch."""
    store = receiver.store
    report = BackfillReport()
    after: tuple[str, str, str] | None = None  # keyset: packets left listed are not read again
    seen = 0
    while limit is None or seen < limit:
        size = batch if limit is None else min(batch, limit - seen)
        rows = _next_batch(store, after, size)
        if not rows:
            break
        for received_at, station_id, packet_id, key_id, status in rows:
            after = (received_at, station_id, packet_id)
            seen += 1
            _one(receiver, report, station_id, packet_id, key_id, status)
        if progress is not None:
            progress(report)
    report.remaining = pending(store)
    return report


def _next_batch(
    store: ReceiverStore, after: tuple[str, str, str] | None, size: int
) -> list[tuple[str, str, str, str, str]]:
    key = (PacketRow.received_at, PacketRow.station_id, PacketRow.packet_id)
    query = (
        select(*key, PacketRow.key_id, PacketRow.status)
        .join(
            CitizenBackfillRow,
            (CitizenBackfillRow.station_id == PacketRow.station_id)
            & (CitizenBackfillRow.packet_id == PacketRow.packet_id),
        )
        .order_by(*key)
        .limit(size)
    )
    if after is not None:
        query = query.where(tuple_(*key) > tuple_(*after))
    with store.read_conn() as c:
        return [(r[0], r[1], r[2], r[3], r[4]) for r in c.execute(query)]


def _one(
    receiver: Receiver,
    report: BackfillReport,
    station_id: str,
    packet_id: str,
    key_id: str,
    status: str,
) -> None:
    if receiver.keys.for_key_id(key_id) is None:
        report.key_not_loaded.append((station_id, packet_id, key_id))
        return
    try:
        opened = receiver.open_stored(packet_id, station_id)
    except Exception as exc:  # one packet's bytes must not stop the others
        if isinstance(exc, packet.PacketError | ReceiverError):
            detail = f"{exc.code}: {exc.en}"
        else:
            detail = f"{type(exc).__name__}: {exc}"
        log.error("packet %s of station %s does not open: %s", packet_id, station_id, detail)
        report.unopenable.append((station_id, packet_id, detail))
        return
    dossier = opened.manifest.get("dossier")
    form = dossier.get("form") if isinstance(dossier, dict) else None
    citizen = citizens.citizen_of(form)
    for attempt in (1, 2):
        try:
            _record(receiver.store, report, station_id, packet_id, citizen, status)
            return
        except IntegrityError:
            # A receiver made another packet of this citizen live at this moment: look again.
            if attempt == 2:
                raise


def _record(
    store: ReceiverStore,
    report: BackfillReport,
    station_id: str,
    packet_id: str,
    citizen: str | None,
    status_read: str,
) -> None:
    """The citizen row and the removal from the list, in one transaction."""
    pk = (CitizenBackfillRow.station_id == station_id) & (CitizenBackfillRow.packet_id == packet_id)
    with store.write() as s:
        c = s.connection()
        if c.execute(select(CitizenBackfillRow.packet_id).where(pk)).first() is None:
            return  # another run did it
        has_row = s.get(CitizenRow, (station_id, packet_id)) is not None
        conflict: str | None = None
        if citizen is not None and not has_row:
            row = s.get(PacketRow, (station_id, packet_id))
            status = row.status if row is not None else status_read
            holder = c.execute(
                select(CitizenRow.station_id, CitizenRow.packet_id).where(
                    CitizenRow.live_id_number == citizen
                )
            ).first()
            live = status == ACCEPTED and holder is None
            if status == ACCEPTED and holder is not None:
                conflict = f"{holder[0]}/{holder[1]}"
            c.execute(
                insert(CitizenRow).values(
                    station_id=station_id,
                    packet_id=packet_id,
                    id_number=citizen,
                    live_id_number=citizen if live else None,
                )
            )
        c.execute(delete(CitizenBackfillRow).where(pk))
    report.done += 1
    if citizen is not None:
        report.with_citizen += 1
    if conflict is not None:
        log.warning(
            "packet %s of station %s: its citizen already has accepted packet %s",
            packet_id,
            station_id,
            conflict,
        )
        report.conflicts.append((station_id, packet_id, conflict))
