"""The old card's chip behind :class:`~station.service.StationService`: reading it into form
values, storing the read's parts judged again from their bytes, the chip-vs-live portrait
comparison, supervisors' acceptances, and the CSCA store.

The facade keeps every public method and checks the session and role before delegating here.
Chip reads are device I/O: callers run them off the window's thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from station import audit, dossier, validate
from station import form as form_mod
from station.chip import csca
from station.chip import record as chip_record
from station.chip.record import ChipRead
from station.clock import iso
from station.dossier import PartKind
from station.errors import NotFoundError, ValidationError
from station.models import Dossier, DossierPart

if TYPE_CHECKING:
    from station.service import OperatorSession, StationService


class ChipIntake:
    """Chip reads and their verdicts (used through :class:`StationService`)."""

    def __init__(self, service: StationService) -> None:
        self._svc = service

    def read(
        self,
        transmit: Callable[[bytes], bytes],
        card_number: str,
        date_of_birth: str,
        date_of_expiry: str,
        atr: bytes | None,
        can: str | None,
    ) -> ChipRead:
        """See :meth:`StationService.prefill_from_chip`."""
        from station import dates
        from station.chip import prefill as chip_prefill
        from station.chip.mrz import AccessKey
        from station.chip.reader import read_chip

        svc = self._svc
        today = svc.today()
        if can is not None:
            can = can.strip()
            if not (len(can) == 6 and can.isdigit()):
                raise ValidationError(
                    "Số CAN gồm 6 chữ số in trên thẻ.",
                    "The CAN is the 6 digits printed on the card.",
                    field="can",
                )
        key = None
        if not can or (card_number.strip() and date_of_birth.strip() and date_of_expiry.strip()):
            born = dates.parse(
                date_of_birth, "date_of_birth", form_mod.LABELS["date_of_birth"], today=today
            )
            expires = dates.parse(
                date_of_expiry,
                "date_of_expiry",
                ("Có giá trị đến", "Date of expiry"),
                today=today,
                allow_future=True,
            )
            key = AccessKey.make(card_number, born.earliest(), expires.earliest())
        chip = read_chip(transmit, key, self.csca_certificates(), atr=atr, can=can)
        return chip_record.ChipRead(
            prefill=chip_prefill.to_prefill(chip, svc.masterdata, today),
            status=chip.status,
            verdict=chip.summary(),
            record=chip_record.raw_record(chip),
            doc=chip_record.verdict_doc(chip),
        )

    def store_read(self, s: Session, d: Dossier, chip: ChipRead, now: datetime) -> str:
        """The read's parts, judged again from their bytes with the CSCA store; its status."""
        judged = chip_record.rejudge(chip.record, csca.certificates(s))
        s.flush()
        for kind, media_type, data, meta in chip_record.parts(judged):
            s.add(
                DossierPart(
                    dossier_id=d.id,
                    kind=kind,
                    slot="",
                    media_type=media_type,
                    meta_json=dossier.form_json(meta),
                    data=data,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                    created_at=iso(now),
                )
            )
        return judged.status

    def check_verdict(self, s: Session, d: Dossier) -> None:
        """Refuse approval while the chip's verdict or its portrait match is not accepted."""
        svc = self._svc
        part = svc._part(s, d.id, chip_record.KIND_DATA, "")
        meta = json.loads(part.meta_json) if part is not None else None
        capture = svc._capture_meta(d)
        problem = chip_record.approval_problem(meta, capture)
        if problem is None:
            match = self._face_match(s, d.id)
            problem = chip_record.face_problem(match, capture)
        if problem is not None:
            raise problem

    def _face_match(self, s: Session, dossier_id: str) -> dict[str, Any] | None:
        """The chip portrait against the live one, from the stored bytes; kept in the
        chip_face part's meta for the live portrait it was computed on (None: no pair)."""
        from station.chip import face as chip_face

        svc = self._svc
        chip = svc._part(s, dossier_id, chip_record.KIND_FACE, "")
        live = svc._part(s, dossier_id, PartKind.FACE.value, "")
        if chip is None or live is None:
            return None
        meta = json.loads(chip.meta_json)
        match = meta.get("match")
        if isinstance(match, dict) and match.get("live_sha256") == live.sha256:
            return match
        result = chip_face.compare(bytes(chip.data), bytes(live.data))
        match = {**result.to_doc(), "live_sha256": live.sha256}
        meta["match"] = match
        chip.meta_json = dossier.form_json(meta)
        return match

    def face_match(self, dossier_id: str) -> dict[str, Any] | None:
        """See :meth:`StationService.chip_face_match`."""
        with self._svc.store.write() as s:
            return self._face_match(s, dossier_id)

    @contextlib.contextmanager
    def _decision(
        self, dossier_id: str, reason: str
    ) -> Iterator[tuple[Session, Dossier, dict[str, Any], str, datetime]]:
        """A supervisor's decision on a dossier before approval, in one write transaction:
        yields the session, the dossier, its capture meta (written back afterwards), the
        checked reason and the time."""
        svc = self._svc
        why = validate.short_text(reason, "reason", "Lý do", "Reason", 300)
        now = svc.clock.now()
        with svc.store.write() as s:
            d = svc._get(s, dossier_id)
            svc._check_not_past_review(d)
            meta = svc._capture_meta(d)
            yield s, d, meta, why, now
            d.capture_json = dossier.form_json(meta)
            d.version += 1
            d.updated_at = iso(now)

    def accept_face(self, sess: OperatorSession, dossier_id: str, reason: str) -> None:
        """See :meth:`StationService.accept_chip_face` (``sess``: a supervisor's, checked)."""
        with self._decision(dossier_id, reason) as (s, d, meta, why, now):
            match = self._face_match(s, d.id)
            chip_record.accept_face(meta, match, why, sess.operator_id, iso(now))
            audit.append(s, now, sess.operator_id, "dossier.chip_face_accepted", d.id,
                         {"reason": why, "status": (match or {}).get("status")})  # fmt: skip

    def verdict(self, dossier_id: str) -> dict[str, Any] | None:
        """See :meth:`StationService.chip_verdict`."""
        svc = self._svc
        with svc.store.read() as s:
            part = svc._part(s, dossier_id, chip_record.KIND_DATA, "")
            return json.loads(part.meta_json) if part is not None else None

    def accept_verdict(self, sess: OperatorSession, dossier_id: str, reason: str) -> None:
        """See :meth:`StationService.accept_chip_verdict` (``sess``: a supervisor's, checked)."""
        with self._decision(dossier_id, reason) as (s, d, meta, why, now):
            part = self._svc._part(s, d.id, chip_record.KIND_DATA, "")
            if part is None:
                raise NotFoundError(
                    "Hồ sơ không có dữ liệu chip.", "The dossier has no chip read.", field="chip"
                )
            status = json.loads(part.meta_json).get("status", "")
            chip_record.accept(meta, status, why, sess.operator_id, iso(now))
            audit.append(s, now, sess.operator_id, "dossier.chip_accepted", d.id, {"reason": why})

    def csca_certificates(self) -> list[Any]:
        """The trusted CSCA certificates (``cryptography`` objects) for chip reads."""
        with self._svc.store.read() as s:
            return list(csca.certificates(s))

    def csca_list(self) -> list[Any]:
        """``csca.CscaInfo`` of every trusted CSCA certificate."""
        with self._svc.store.read() as s:
            return list(csca.list_all(s))

    def csca_import(self, sess: OperatorSession, path: Path) -> Any:
        """See :meth:`StationService.csca_import` (``sess``: an admin's, checked)."""
        with self._svc.store.write() as s:
            return csca.import_path(s, path, sess.operator_id, self._svc.clock.now())

    def csca_remove(self, sess: OperatorSession, fingerprint: str) -> Any:
        """Remove a trusted CSCA certificate (``sess``: an admin's, checked); audited."""
        with self._svc.store.write() as s:
            return csca.remove(s, fingerprint, sess.operator_id, self._svc.clock.now())
