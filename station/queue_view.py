"""The queue as the window lists it: every dossier still in work, and delivered ones by pages.

A team makes 350-600 dossiers a day, so "the newest 500" hides yesterday's drafts and the
dossiers sent back last week. Here every dossier that is not delivered yet (draft, waiting for
approval or upload, sent back, refused) is listed whatever its age, and the delivered ones
(receipted, purged) come newest first, ``delivered_limit`` at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from station.lifecycle import State

if TYPE_CHECKING:
    from station.service import QueueEntry, StationService

#: States whose dossiers are done with at the station: listed by pages.
DELIVERED = (State.RECEIPTED, State.PURGED)
#: Delivered dossiers listed at first, and added by each "show more".
DELIVERED_PAGE = 200


@dataclass(frozen=True)
class QueuePage:
    entries: list[QueueEntry]
    delivered_total: int  # delivered dossiers in the store (listed or not)
    delivered_shown: int

    @property
    def more_delivered(self) -> bool:
        return self.delivered_shown < self.delivered_total


def queue_page(service: StationService, delivered_limit: int = DELIVERED_PAGE) -> QueuePage:
    """Every dossier in work, newest first, then the newest ``delivered_limit`` delivered ones."""
    from sqlalchemy import func, select

    from station import dossier as dossier_mod
    from station.models import Dossier, Packet
    from station.service import PacketInfo, QueueEntry

    service.check_session()
    delivered = [s.value for s in DELIVERED]
    with service.store.read() as s:
        newest = Dossier.created_at.desc()
        open_rows = list(
            s.execute(select(Dossier).where(Dossier.state.not_in(delivered)).order_by(newest))
            .scalars()
            .all()
        )
        done_rows = list(
            s.execute(
                select(Dossier)
                .where(Dossier.state.in_(delivered))
                .order_by(newest)
                .limit(max(0, delivered_limit))
            )
            .scalars()
            .all()
        )
        delivered_total = int(
            s.execute(
                select(func.count()).select_from(Dossier).where(Dossier.state.in_(delivered))
            ).scalar_one()
        )
        rows = open_rows + done_rows
        latest: dict[str, Packet] = {}
        ids = [d.id for d in rows]
        for i in range(0, len(ids), 500):
            for p in s.execute(
                select(Packet)
                .where(Packet.dossier_id.in_(ids[i : i + 500]))
                .order_by(Packet.created_at, Packet.packet_id)
            ).scalars():
                latest[p.dossier_id] = p
        entries = []
        for d in rows:
            summary = json.loads(d.summary_json or "{}")
            last = latest.get(d.id)
            entries.append(
                QueueEntry(
                    dossier_mod.DossierView.of(d),
                    summary if isinstance(summary, dict) else {},
                    PacketInfo.of(last, d.number) if last is not None else None,
                )
            )
    return QueuePage(entries, delivered_total, len(done_rows))
