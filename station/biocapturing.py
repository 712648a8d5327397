"""Rolled prints and irises inside :class:`~station.capturing.Capturing` (the same transactions).

Holds what the core does when one of those parts, or a flat print, is stored or removed: the
count of saves per part (``capture.attempts["rolled_print/<finger>"]``, ``"iris/<eye>"``), and
the alarm of a rolled print that is not the finger of its flat print (``capture.alarms``, key
``rolled:<finger>``, kind ``rolled_mismatch``), raised and dropped as prints come and go, and
audited (``dossier.alarm_raised``). The verdicts themselves are :mod:`station.capture.biogate`'s.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import audit, dossier
from station.capture import biogate, gate
from station.clock import iso
from station.devices import Finger
from station.dossier import PartKind
from station.models import Dossier, DossierPart

if TYPE_CHECKING:
    from station.capture import fpmatch
    from station.capture.gate import GateSettings


def _templates(
    s: Session, dossier_id: str, kind: str, only: str | None = None
) -> dict[str, tuple[str, fpmatch.Template, int | None]]:
    """slot -> (hash, template, the core's quality) of the dossier's decodable prints of
    ``kind`` (or of its print in slot ``only``). A template is remembered or kept in the store
    (``gate.stored_template``): the print's bytes are read only when it has neither."""
    query = select(DossierPart.slot, DossierPart.sha256, DossierPart.meta_json).where(
        DossierPart.dossier_id == dossier_id, DossierPart.kind == kind
    )
    if only is not None:
        query = query.where(DossierPart.slot == only)
    out = {}
    for slot, sha, meta_json in s.execute(query).all():

        def data(slot: str = slot) -> bytes:
            stored = s.execute(
                select(DossierPart.data).where(
                    DossierPart.dossier_id == dossier_id,
                    DossierPart.kind == kind,
                    DossierPart.slot == slot,
                )
            ).scalar_one()
            return bytes(stored)

        t = gate.stored_template(s, sha, data)
        if t is None:
            continue
        quality = json.loads(meta_json or "{}").get("gate", {}).get("quality")
        out[slot] = (sha, t, quality if isinstance(quality, int) else None)
    return out


def count_save(capture: dict[str, Any], kind: str, slot: str) -> int:
    attempts = capture.setdefault("attempts", {})
    key = biogate.attempts_key(kind, slot)
    attempts[key] = int(attempts.get(key, 0)) + 1
    return int(attempts[key])


def stored_meta(
    meta_text: str, capture: dict[str, Any], kind: str, slot: str, settings: Any
) -> str:
    """A rolled print's or an iris's stored meta with the core's count and threshold verdict."""
    meta = json.loads(meta_text)
    meta["attempts"] = int(capture.get("attempts", {}).get(biogate.attempts_key(kind, slot), 0))
    quality = meta.get("quality")
    need = biogate.threshold(kind, settings)
    meta["below_threshold"] = not isinstance(quality, int) or quality < need
    return dossier.form_json(meta)


def recheck_rolled(
    s: Session,
    d: Dossier,
    capture: dict[str, Any],
    now: datetime,
    actor_id: str,
    settings: GateSettings,
    only: str | None = None,
) -> bool:
    """Raise or drop the rolled-print alarms (all, or ``only`` that finger's); whether
    ``capture`` changed.

    A comparison says something only between usable prints: a rolled print under its own
    threshold raises no alarm (its quality blocks, or it is best effort), and a flat print
    under its threshold is not required to match (the rolled print must then still not match
    another finger's flat print).
    """
    rolled = _templates(s, d.id, PartKind.ROLLED_PRINT.value, only)
    alarms = capture.setdefault("alarms", {})
    before = json.dumps(alarms, sort_keys=True)
    fingers = [only] if only is not None else [f.value for f in Finger]
    flats = _templates(s, d.id, PartKind.FINGERPRINT.value) if rolled else {}
    for finger in fingers:
        key = biogate.alarm_key(finger)
        old = alarms.pop(key, None)
        mine = rolled.get(finger)
        if mine is None or mine[2] is None or mine[2] < settings.rolled_min_quality:
            continue
        usable = {
            slot: (sha, t)
            for slot, (sha, t, q) in flats.items()
            if slot != finger or (q is not None and q >= settings.threshold(slot))
        }
        alarm = biogate.rolled_alarm(
            finger, (mine[0], mine[1]), usable, settings.match_threshold, iso(now)
        )
        if alarm is None:
            continue
        if old is not None and old.get("sha256") == alarm["sha256"]:
            alarm["raised_at"] = old.get("raised_at", alarm["raised_at"])
            alarms[key] = alarm
            continue
        alarms[key] = alarm
        audit.append(
            s,
            now,
            actor_id,
            "dossier.alarm_raised",
            d.id,
            {"key": key, "similarity": alarm["similarity"], "looks_like": alarm["looks_like"]},
        )
    return json.dumps(alarms, sort_keys=True) != before
