"""Capture and its gate, behind :class:`~station.service.StationService`.

The facade keeps its public methods and its session checks; this collaborator holds what the
core decides about captured parts (see :mod:`station.capture.gate`): the verdicts stored with
each part, the same-finger alarms, the core's count of attempts per finger, the overrides a
supervisor makes by name and reason, the check that blocks ``mark_captured``, the gate settings,
and the rule "one citizen, one open dossier" on this station.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from station import audit, biocapturing, citizen_review, dossier, imagecheck, lifecycle, validate
from station import form as form_mod
from station.capture import biogate, completeness, documents, gate, parallel, signature
from station.clock import iso, local_date
from station.devices import Finger, StrokePoint, sbitrust
from station.dossier import PartKind
from station.errors import NotFoundError, PermissionDeniedError, ValidationError
from station.lifecycle import Role, State
from station.models import Dossier, DossierPart, Station
from station.residents import ResidentHit

if TYPE_CHECKING:
    from station.service import OperatorSession, StationService

#: States in which a dossier of a citizen stops another one from being opened: every state but
#: a rejection (``needs_recapture``), after which a new dossier is allowed.
OPEN_STATES = frozenset(State) - {State.NEEDS_RECAPTURE}


@dataclass(frozen=True)
class GateReview:
    """What the supervisor's review lists above everything else."""

    alarms: list[dict[str, Any]]  # every same-finger alarm, overridden or not
    best_effort: list[dict[str, Any]]  # prints kept under their threshold after the attempts
    overrides: list[dict[str, Any]]  # who overrode what, when and why
    problems: list[gate.Problem]  # what still blocks marking the dossier captured
    #: Rolled prints and irises: alarms (a rolled print not the finger of its flat print) and
    #: best-effort parts, each ``{"kind", "key", "overridden", "vi", "en", ...}``.
    biometrics: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.alarms or self.best_effort or self.overrides or self.problems or self.biometrics
        )


@dataclass(frozen=True)
class OtherDossier:
    """A dossier of the same citizen already on this station."""

    id: str
    number: str
    state: State
    created_at: str


def _capture(d: Dossier) -> dict[str, Any]:
    value = json.loads(d.capture_json or "{}")
    return value if isinstance(value, dict) else {}


class Capturing:
    """Capture with the gate (used through :class:`StationService`)."""

    def __init__(self, service: StationService) -> None:
        self._svc = service
        self._pinned = threading.local()

    # --- settings -----------------------------------------------------------------------------

    def settings(self) -> gate.GateSettings:
        pinned: gate.GateSettings | None = getattr(self._pinned, "settings", None)
        if pinned is not None:
            return pinned  # read once for the save in progress on this thread
        return gate.GateSettings.from_settings(self._svc._settings())

    def set_settings(self, values: dict[str, Any]) -> gate.GateSettings:
        """Change some thresholds (admin only, audited with the old and new values)."""
        admin = self._svc._require(Role.ADMIN)
        now = self._svc.clock.now()
        with self._svc.store.write() as s:
            st = s.execute(select(Station)).scalar_one()
            settings = json.loads(st.settings_json)
            before = gate.GateSettings.from_settings(settings)
            after = gate.GateSettings.parse(values, before)
            settings[gate.SETTINGS_KEY] = after.as_dict()
            st.settings_json = json.dumps(settings)
            changed = {
                k: {"from": before.as_dict()[k], "to": v}
                for k, v in after.as_dict().items()
                if before.as_dict()[k] != v
            }
            audit.append(s, now, admin.operator_id, "settings.gate", "", changed)
            return after

    # --- verdicts on save ---------------------------------------------------------------------

    def judge(
        self, kind: str, slot: str, media_type: str, data: bytes, meta: dict[str, Any]
    ) -> dict[str, Any]:
        """The meta to store with a part: the caller's facts and the core's own verdict.

        Runs before the write transaction (the measuring takes tens of milliseconds; a print's
        minutiae are extracted here too, so the pairwise comparison in the transaction is fast).
        """
        verdict = gate.judge_part(kind, slot, media_type, data, self.settings())
        return sbitrust.confirm_device(gate.merge_meta(meta, verdict, kind))

    def part_stored(
        self,
        s: Session,
        d: Dossier,
        capture: dict[str, Any],
        kind: str,
        slot: str,
        digest: str,
        data: bytes,
        now: datetime,
        actor_id: str,
    ) -> bool:
        """After a part is written (same transaction): attempts and same-finger alarms.

        Returns whether ``capture`` changed.
        """
        if kind in biogate.KINDS:
            biocapturing.count_save(capture, kind, slot)
            if kind == PartKind.ROLLED_PRINT:
                biocapturing.recheck_rolled(
                    s, d, capture, now, actor_id, self.settings(), only=slot
                )
            return True
        if kind != PartKind.FINGERPRINT:
            return False
        attempts = capture.setdefault("attempts", {})
        attempts[slot] = int(attempts.get(slot, 0)) + 1
        self._drop_alarms(capture, slot)
        mine = gate.stored_template(s, digest, lambda: data)
        biocapturing.recheck_rolled(s, d, capture, now, actor_id, self.settings())
        if mine is None:
            return True
        gate.keep_template(s, digest, mine)  # comparisons with later prints read it back
        threshold = self.settings().match_threshold
        others = s.execute(
            select(DossierPart.slot, DossierPart.sha256).where(
                DossierPart.dossier_id == d.id,
                DossierPart.kind == PartKind.FINGERPRINT.value,
                DossierPart.slot != slot,
            )
        ).all()
        known = [
            (other_slot, other_sha, theirs)
            for other_slot, other_sha in others
            if (theirs := self._template(s, d.id, other_slot, other_sha)) is not None
        ]
        # The comparisons run two at a time (each one's value is the same either way).
        sims = parallel.halves(lambda o: gate.similarity(digest, mine, o[1], o[2]), known)
        for (other_slot, other_sha, _), sim in zip(known, sims, strict=True):
            if sim < threshold:
                continue
            key = gate.pair_key(slot, other_slot)
            first, second = key.split(":", 1)[1].split("+")
            shas = {slot: digest, other_slot: other_sha}
            capture.setdefault("alarms", {})[key] = {
                "kind": "duplicate",
                "fingers": [first, second],
                "similarity": round(sim, 4),
                "sha256": [shas[first], shas[second]],
                "raised_at": iso(now),
            }
            audit.append(
                s,
                now,
                actor_id,
                "dossier.alarm_raised",
                d.id,
                {"key": key, "similarity": round(sim, 4)},
            )
        return True

    @staticmethod
    def _template(s: Session, dossier_id: str, slot: str, sha: str) -> Any:
        """The other print's template: remembered, or kept in the store when it was saved (its
        bytes are read and measured only for a print saved before templates were kept)."""

        def data() -> bytes:
            stored = s.execute(
                select(DossierPart.data).where(
                    DossierPart.dossier_id == dossier_id,
                    DossierPart.kind == PartKind.FINGERPRINT.value,
                    DossierPart.slot == slot,
                )
            ).scalar_one()
            return bytes(stored)

        return gate.stored_template(s, sha, data)

    @staticmethod
    def drop_unused_features(s: Session) -> None:
        """Delete the kept templates of prints no part holds any more (sealing, removal)."""
        gate.drop_unused_features(s)

    @staticmethod
    def _drop_alarms(capture: dict[str, Any], slot: str) -> None:
        alarms = capture.get("alarms", {})
        for key in [k for k, a in alarms.items() if slot in a.get("fingers", [])]:
            del alarms[key]

    def part_removed(self, capture: dict[str, Any], kind: str, slot: str) -> bool:
        """A print removed (or replaced by an exception): its alarms go with it."""
        if kind != PartKind.FINGERPRINT:
            return False
        before = json.dumps(capture.get("alarms", {}), sort_keys=True)
        self._drop_alarms(capture, slot)
        return json.dumps(capture.get("alarms", {}), sort_keys=True) != before

    # --- saving parts (the facade checked the session) ------------------------------------

    def put_part(
        self,
        sess: OperatorSession,
        dossier_id: str,
        kind: str,
        slot: str,
        media_type: str,
        data: bytes,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Store (or replace) one capture part of a draft dossier.

        The core measures the stored bytes (``station.capture.gate``): its verdict is kept with
        the part, over anything ``meta`` claims (the caller's claims stay as ``hint``).
        """
        self._put_parts(sess, dossier_id, [(kind, slot, media_type, data, meta or {})])

    def _put_parts(
        self,
        sess: OperatorSession,
        dossier_id: str,
        items: list[tuple[str, str, str, bytes, dict[str, Any]]],
    ) -> None:
        """Store parts in one write transaction (a signature's image and strokes together)."""
        if getattr(self._pinned, "settings", None) is None:
            # One save reads the gate settings once (its checks asked for them dozens of times).
            self._pinned.settings = self.settings()
            try:
                self._put_parts(sess, dossier_id, items)
            finally:
                self._pinned.settings = None
            return
        svc = self._svc
        judged = []
        for kind, slot, media_type, data, meta in items:
            part_kind = dossier.part_fields(kind, slot, media_type, data)
            stored = self.judge(part_kind.value, slot, media_type, data, meta)
            judged.append((part_kind, kind, slot, media_type, data, dossier.form_json(stored)))
        now = svc.clock.now()
        with svc.store.write() as s:
            for part_kind, kind, slot, media_type, data, meta_text in judged:
                self._put_part(
                    s, sess, dossier_id, part_kind, kind, slot, media_type, data, meta_text, now
                )
            gate.drop_unused_features(s)  # the template of a print just replaced

    def _put_part(
        self,
        s: Session,
        sess: OperatorSession,
        dossier_id: str,
        part_kind: PartKind,
        kind: str,
        slot: str,
        media_type: str,
        data: bytes,
        meta_text: str,
        now: datetime,
    ) -> None:
        svc = self._svc
        digest = hashlib.sha256(data).hexdigest()
        d = svc._editable(s, dossier_id, sess)
        part = svc._part(s, d.id, part_kind.value, slot)
        if part is None:
            part = DossierPart(dossier_id=d.id, kind=part_kind.value, slot=slot)
            s.add(part)
        part.media_type = media_type
        part.meta_json = meta_text
        part.data = bytes(data)
        part.sha256 = digest
        part.size = len(data)
        part.created_at = iso(now)
        d.updated_at = iso(now)
        d.version += 1
        # A captured part replaces an exception recorded for the same place.
        capture = svc._capture_meta(d)
        if capture.get("exceptions", {}).pop(completeness.exception_key(kind, slot), None):
            d.capture_json = dossier.form_json(capture)
        if part_kind == PartKind.FACE and capture.get("context", {}).pop("background_waiver", None):
            d.capture_json = dossier.form_json(capture)
        if self.part_stored(
            s, d, capture, part_kind.value, slot, digest, data, now, sess.operator_id
        ):
            d.capture_json = dossier.form_json(capture)
        if part_kind == PartKind.SIGNATURE and slot == "":
            # The citizen signs what they reviewed: refused before a review of the form as it
            # is now; the image keeps the digest of the form it confirms.
            confirms = citizen_review.require_review(capture, json.loads(d.form_json), d.number)
            meta = json.loads(meta_text)
            meta[citizen_review.CONFIRMS] = confirms
            meta_text = part.meta_json = dossier.form_json(meta)
        if part_kind == PartKind.FINGERPRINT:
            # The core's own count of this finger's saves, and its own verdict on the score.
            meta = json.loads(meta_text)
            meta["attempts"] = int(capture.get("attempts", {}).get(slot, 0))
            quality = meta.get("quality")
            threshold = self.settings().threshold(slot)
            meta["below_threshold"] = isinstance(quality, int) and quality < threshold
            part.meta_json = dossier.form_json(meta)
        elif part_kind.value in biogate.KINDS:
            part.meta_json = biocapturing.stored_meta(
                meta_text, capture, part_kind.value, slot, self.settings()
            )
        audit.append(
            s,
            now,
            sess.operator_id,
            "dossier.part_saved",
            d.id,
            {"kind": part_kind.value, "slot": slot, "sha256": digest, "size": len(data)},
        )

    def save_face(
        self, sess: OperatorSession, dossier_id: str, jpeg: bytes, meta: dict[str, Any]
    ) -> None:
        """The portrait (already cropped and encoded by ``capture.face``) with its checks."""
        if not jpeg.startswith(b"\xff\xd8"):
            raise ValidationError(
                "Ảnh chân dung phải là JPEG.", "The portrait must be a JPEG.", field="face"
            )
        imagecheck.check(jpeg, label=("Ảnh chân dung", "Portrait"), field="face")
        self.put_part(sess, dossier_id, PartKind.FACE, "", "image/jpeg", jpeg, meta)

    def save_fingerprint(
        self,
        sess: OperatorSession,
        dossier_id: str,
        finger: str,
        data: bytes,
        media_type: str,
        meta: dict[str, Any],
    ) -> None:
        """One finger's print (WSQ or PNG) with its quality and attempts."""
        Finger(finger)  # ValueError for an unknown finger is a programming error
        self.put_part(sess, dossier_id, PartKind.FINGERPRINT, finger, media_type, data, meta)

    def save_signature(
        self, sess: OperatorSession, dossier_id: str, strokes: list[list[StrokePoint]]
    ) -> None:
        """Check (not empty, not trivial) and render the signature; keep the raw strokes too."""
        st = signature.check(strokes)
        png = signature.render(strokes)
        meta: dict[str, Any] = {
            "points": st.points,
            "strokes": st.strokes,
            "duration_ms": st.duration_ms,
        }
        strokes_data = signature.strokes_json(strokes)
        meta["strokes_sha256"] = hashlib.sha256(strokes_data).hexdigest()
        # One transaction: a crash never leaves one signature's image with another's strokes.
        self._put_parts(
            sess,
            dossier_id,
            [
                (PartKind.SIGNATURE, "", "image/png", png, meta),
                (PartKind.SIGNATURE, "strokes", "application/json", strokes_data, {}),
            ],
        )

    def record_review(self, sess: OperatorSession, dossier_id: str) -> None:
        """The citizen reviewed the intake record (the form as it is now): they may sign it.

        Refused while the form has problems (a record with errors is not shown for signing).
        See :mod:`station.citizen_review`.
        """
        svc = self._svc
        now = svc.clock.now()
        with svc.store.write() as s:
            d = svc._editable(s, dossier_id, sess)
            form = json.loads(d.form_json or "{}")
            if svc._form_required(d):
                form_mod.check(form, dossier.CaseType(d.case_type), svc.masterdata, local_date(now))
            d.capture_json = dossier.form_json(
                citizen_review.record(svc._capture_meta(d), form, sess.operator_id, iso(now))
            )
            d.version += 1
            d.updated_at = iso(now)
            audit.append(
                s,
                now,
                sess.operator_id,
                "dossier.citizen_reviewed",
                d.id,
                {"form_sha256": citizen_review.form_digest(form)},
            )

    def add_document(
        self, sess: OperatorSession, dossier_id: str, doc_type: str, data: bytes
    ) -> list[str]:
        """Import a scan (image or PDF): each page deskewed, sized, stored; returns the slots."""
        svc = self._svc
        kind = documents.document_type(doc_type)
        pages = documents.pages_from_file(data)
        view = svc.get_dossier(dossier_id)
        used = {p.slot for p in view.parts if p.kind == PartKind.DOCUMENT}
        n = 1
        slots = []
        for i, page in enumerate(pages, start=1):
            while f"{kind.value}_{n}" in used:
                n += 1
            slot = f"{kind.value}_{n}"
            used.add(slot)
            meta = {
                "type": kind.value,
                "page": i,
                "pages": len(pages),
                "width": page.width,
                "height": page.height,
                "deskew_deg": round(page.skew_deg, 2),
            }
            self.put_part(sess, dossier_id, PartKind.DOCUMENT, slot, "image/jpeg", page.jpeg, meta)
            slots.append(slot)
        return slots

    def remove_part(
        self, sess: OperatorSession, dossier_id: str, kind: str, slot: str = ""
    ) -> None:
        svc = self._svc
        now = svc.clock.now()
        with svc.store.write() as s:
            d = svc._editable(s, dossier_id, sess)
            part = svc._part(s, d.id, kind, slot)
            if part is None:
                return
            s.delete(part)
            gate.drop_unused_features(s)
            capture = svc._capture_meta(d)
            if self.part_removed(capture, kind, slot):
                d.capture_json = dossier.form_json(capture)
            if kind in (PartKind.FINGERPRINT, PartKind.ROLLED_PRINT):
                s.flush()
                settings = self.settings()
                if biocapturing.recheck_rolled(s, d, capture, now, sess.operator_id, settings):
                    d.capture_json = dossier.form_json(capture)
            d.updated_at = iso(now)
            d.version += 1
            audit.append(
                s, now, sess.operator_id, "dossier.part_removed", d.id, {"kind": kind, "slot": slot}
            )

    def record_capture_exception(
        self,
        sess: OperatorSession,
        dossier_id: str,
        kind: str,
        slot: str,
        exception: str,
        reason: str,
    ) -> None:
        """Record that a finger cannot be taken, or that the citizen cannot sign, and why."""
        svc = self._svc
        ek = completeness.check_exception(kind, slot, exception)
        why = validate.short_text(reason, "reason", "Lý do", "Reason", 300)
        now = svc.clock.now()
        with svc.store.write() as s:
            d = svc._editable(s, dossier_id, sess)
            meta = svc._capture_meta(d)
            key = completeness.exception_key(kind, slot)
            meta.setdefault("exceptions", {})[key] = {
                "kind": ek.value,
                "reason": why,
                "recorded_by": sess.operator_id,
                "recorded_at": iso(now),
                "confirmed_by": None,
            }
            self.part_removed(meta, kind, slot)
            d.capture_json = dossier.form_json(meta)
            d.version += 1
            d.updated_at = iso(now)
            audit.append(
                s,
                now,
                sess.operator_id,
                "dossier.exception_recorded",
                d.id,
                {"key": key, "kind": ek.value},
            )
            part = svc._part(s, d.id, kind, slot)
            if part is not None:
                s.delete(part)
                gate.drop_unused_features(s)
            if kind in (PartKind.FINGERPRINT, PartKind.ROLLED_PRINT):
                s.flush()
                settings = self.settings()
                if biocapturing.recheck_rolled(s, d, meta, now, sess.operator_id, settings):
                    d.capture_json = dossier.form_json(meta)

    def confirm_capture_exception(
        self, sess: OperatorSession, dossier_id: str, kind: str, slot: str
    ) -> None:
        """A supervisor confirms a recorded exception (needed before approval)."""
        svc = self._svc
        now = svc.clock.now()
        with svc.store.write() as s:
            d = svc._get(s, dossier_id)
            svc._check_not_past_review(d)
            meta = svc._capture_meta(d)
            key = completeness.exception_key(kind, slot)
            exc = meta.get("exceptions", {}).get(key)
            if exc is None:
                raise NotFoundError(
                    f"Hồ sơ không có ngoại lệ {key}.",
                    f"The dossier has no exception {key}.",
                    field="slot",
                )
            exc["confirmed_by"] = sess.operator_id
            exc["confirmed_at"] = iso(now)
            d.capture_json = dossier.form_json(meta)
            d.version += 1
            audit.append(
                s, now, sess.operator_id, "dossier.exception_confirmed", d.id, {"key": key}
            )

    def set_capture_context(
        self, sess: OperatorSession, dossier_id: str, *, home_visit: bool, location: str = ""
    ) -> None:
        """Where the capture happens: at a station, or on a home visit (with the place)."""
        svc = self._svc
        place = location.strip()
        if home_visit:
            place = validate.short_text(location, "location", "Nơi thu nhận", "Location", 200)
        now = svc.clock.now()
        with svc.store.write() as s:
            d = svc._editable(s, dossier_id, sess)
            meta = svc._capture_meta(d)
            meta["context"] = {
                **meta.get("context", {}),
                "home_visit": home_visit,
                "location": place,
            }
            d.capture_json = dossier.form_json(meta)
            d.version += 1
            audit.append(
                s, now, sess.operator_id, "dossier.context_set", d.id, {"home_visit": home_visit}
            )

    def accept_background(self, sess: OperatorSession, dossier_id: str, reason: str) -> None:
        """A supervisor accepts a home-visit portrait whose background failed its check.

        Only for a home-visit dossier before approval whose stored portrait checks record a
        failed background; the reason is kept in ``context.background_waiver`` and audited.
        Retaking the portrait drops the waiver.
        """
        svc = self._svc
        why = validate.short_text(reason, "reason", "Lý do", "Reason", 300)
        now = svc.clock.now()
        with svc.store.write() as s:
            d = svc._get(s, dossier_id)
            svc._check_not_past_review(d)
            meta = svc._capture_meta(d)
            context = meta.get("context", {})
            if not context.get("home_visit"):
                raise ValidationError(
                    "Chỉ chấp nhận phông nền không đạt cho hồ sơ thu nhận tại nhà.",
                    "A background that fails its check is accepted only on a home visit.",
                    field="home_visit",
                )
            face = svc._part(s, d.id, PartKind.FACE.value, "")
            checks = json.loads(face.meta_json).get("checks") if face is not None else None
            if not completeness.background_failed(checks):
                raise ValidationError(
                    "Ảnh chân dung không có phông nền bị đánh giá không đạt.",
                    "The portrait has no failed background check to accept.",
                    field="face",
                )
            context["background_waiver"] = {
                "reason": why,
                "accepted_by": sess.operator_id,
                "accepted_at": iso(now),
            }
            meta["context"] = context
            d.capture_json = dossier.form_json(meta)
            d.version += 1
            d.updated_at = iso(now)
            audit.append(
                s, now, sess.operator_id, "dossier.background_accepted", d.id, {"reason": why}
            )

    # --- the gate -----------------------------------------------------------------------------

    def _stored(self, s: Session, d: Dossier) -> list[gate.StoredPart]:
        rows = s.execute(
            select(
                DossierPart.kind, DossierPart.slot, DossierPart.sha256, DossierPart.meta_json
            ).where(DossierPart.dossier_id == d.id)
        ).all()
        out = []
        for kind, slot, sha, meta_json in rows:
            if kind == PartKind.SIGNATURE and slot == "strokes":
                continue  # judged, but its verdict travels with the signature image
            meta = json.loads(meta_json or "{}")
            out.append(gate.StoredPart(kind, slot, sha, meta if isinstance(meta, dict) else {}))
        return out

    def problems(self, s: Session, d: Dossier) -> list[gate.Problem]:
        return gate.problems(self._stored(s, d), _capture(d), self.settings())

    def check(self, s: Session, d: Dossier) -> None:
        """Refuse (bilingual, naming the part) a dossier whose stored verdicts block it."""
        found = self.problems(s, d)
        if not found:
            return
        first = found[0]
        more_vi = f" (và {len(found) - 1} vấn đề khác)" if len(found) > 1 else ""
        more_en = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ValidationError(
            f"Hồ sơ {d.number} chưa qua kiểm tra: {first.vi}{more_vi}.",
            f"Dossier {d.number} does not pass the checks: {first.en}{more_en}.",
            field=first.kind,
        )

    def check_size(self, size: int) -> None:
        limit = self.settings().max_packet_bytes
        if size > limit:
            raise ValidationError(
                f"Hồ sơ quá lớn: gói sẽ có {size:,} byte, trạm cho phép tối đa {limit:,} byte.",
                f"The dossier is too large: its packet would be {size:,} bytes, the station "
                f"allows {limit:,}.",
                field="size",
            )

    def review(self, dossier_id: str) -> GateReview:
        self._svc._require()
        with self._svc.store.read() as s:
            d = self._svc._get(s, dossier_id)
            capture = _capture(d)
            parts = self._stored(s, d)
            settings = self.settings()
            overrides = capture.get("overrides", {})
            alarms = [
                {
                    "key": key,
                    **alarm,
                    "overridden": gate.alarm_overridden(alarm, overrides.get(key)),
                }
                for key, alarm in sorted(capture.get("alarms", {}).items())
                if alarm.get("kind") != "rolled_mismatch"
            ]
            bio = [
                {
                    "kind": "alarm",
                    "key": key,
                    "overridden": gate.alarm_overridden(alarm, overrides.get(key)),
                    "vi": biogate.alarm_problem(key, alarm).vi,
                    "en": biogate.alarm_problem(key, alarm).en,
                }
                for key, alarm in sorted(capture.get("alarms", {}).items())
                if alarm.get("kind") == "rolled_mismatch"
            ]
            for item in biogate.best_effort(parts, capture.get("attempts", {}), settings):
                vi, en = biogate.part_label(item["kind"], item["slot"])
                bio.append(
                    {
                        **item,
                        "part_kind": item["kind"],
                        "kind": "best_effort",
                        "key": f"{item['kind']}/{item['slot']}",
                        "overridden": False,
                        "vi": f"{vi}: giữ chất lượng {item['quality']} (ngưỡng "
                        f"{item['threshold']}) sau {item['attempts']} lần",
                        "en": f"{en}: kept at quality {item['quality']} (threshold "
                        f"{item['threshold']}) after {item['attempts']} attempts",
                    }
                )
            best = [
                {
                    "finger": p.slot,
                    "quality": p.meta.get("gate", {}).get("quality"),
                    "threshold": settings.threshold(p.slot),
                    "attempts": capture.get("attempts", {}).get(p.slot, 0),
                }
                for p in gate.best_effort(parts, capture.get("attempts", {}), settings)
            ]
            listed = [{"key": k, **v} for k, v in sorted(overrides.items())]
            waiver = capture.get("context", {}).get("background_waiver")
            if waiver:
                listed.append(
                    {
                        "key": "face:background",
                        "by": waiver.get("accepted_by"),
                        "at": waiver.get("accepted_at"),
                        "reason": waiver.get("reason"),
                    }
                )
            return GateReview(alarms, best, listed, gate.problems(parts, capture, settings), bio)

    def override(self, dossier_id: str, key: str, reason: str) -> None:
        """A supervisor overrides a same-finger alarm, by name and with a reason.

        The override holds for the two images it was made on; recapturing either drops it. It
        is audited and travels in the packet's manifest (``capture.overrides``).
        """
        sess = self._svc._require(Role.SUPERVISOR)
        why = validate.short_text(reason, "reason", "Lý do", "Reason", 300)
        now = self._svc.clock.now()
        with self._svc.store.write() as s:
            d = self._svc._get(s, dossier_id)
            if State(d.state) not in dossier.EDITABLE:
                vi, en = lifecycle.STATE_LABELS[State(d.state)]
                raise ValidationError(
                    f"Hồ sơ {d.number} đang ở trạng thái «{vi}».",
                    f"Dossier {d.number} is '{en}'.",
                    field="state",
                )
            if sess.operator_id == d.operator_id:
                raise PermissionDeniedError(
                    "Cán bộ thu nhận hồ sơ không tự bỏ qua cảnh báo được: cần giám sát viên khác.",
                    "The officer who captured the dossier cannot override its alarm: another "
                    "supervisor must.",
                    field="operator",
                )
            capture = _capture(d)
            alarm = capture.get("alarms", {}).get(key)
            if alarm is None:
                raise NotFoundError(
                    f"Hồ sơ {d.number} không có cảnh báo «{key}».",
                    f"Dossier {d.number} has no alarm '{key}'.",
                    field="key",
                )
            capture.setdefault("overrides", {})[key] = {
                "by": sess.operator_id,
                "at": iso(now),
                "reason": why,
                "sha256": alarm.get("sha256"),
            }
            d.capture_json = dossier.form_json(capture)
            d.version += 1
            d.updated_at = iso(now)
            details = {"key": key, "reason": why}
            audit.append(s, now, sess.operator_id, "dossier.alarm_overridden", d.id, details)

    # --- one citizen, one open dossier ----------------------------------------------------------

    @staticmethod
    def citizen_key(s: Session, id_number: str) -> str:
        """A keyed hash of an ID number (kept in a sealed dossier's summary, which has no
        personal data): HMAC-SHA256 under a key derived from the station's signing key."""
        station = s.execute(select(Station)).scalar_one()
        key = hashlib.sha256(b"citizen-key:" + bytes(station.signing_key)).digest()
        return hmac.new(key, id_number.encode("ascii"), hashlib.sha256).hexdigest()

    def others(self, s: Session, id_number: str, exclude: str | None = None) -> list[OtherDossier]:
        """Dossiers of this ID number on the station that stop a new one (oldest first)."""
        if not (len(id_number) == 12 and id_number.isascii() and id_number.isdigit()):
            return []
        ckey = self.citizen_key(s, id_number)
        rows = s.execute(
            select(Dossier)
            .where(
                or_(
                    Dossier.form_json.like(f'%"{id_number}"%'),
                    Dossier.summary_json.like(f'%"{ckey}"%'),
                )
            )
            .order_by(Dossier.created_at)
        ).scalars()
        out = []
        for d in rows:
            if d.id == exclude or State(d.state) not in OPEN_STATES:
                continue
            form = json.loads(d.form_json or "{}")
            summary = json.loads(d.summary_json or "{}")
            if form.get("id_number") != id_number and summary.get("citizen_key") != ckey:
                continue
            out.append(OtherDossier(d.id, d.number, State(d.state), d.created_at))
        return out

    def check_one_open(
        self,
        s: Session,
        id_number: object,
        *,
        exclude: str | None,
        second_reason: str | None,
        role: str,
    ) -> dict[str, Any] | None:
        """Refuse a second open dossier of a citizen, unless a supervisor allows it with a reason.

        Returns what to audit when a supervisor allowed one, else None.
        """
        if not isinstance(id_number, str):
            return None
        found = self.others(s, id_number, exclude)
        if not found:
            return None
        first = found[0]
        if second_reason is not None and role == Role.SUPERVISOR:
            why = validate.short_text(second_reason, "reason", "Lý do", "Reason", 300)
            return {"second_of": first.number, "reason": why}
        vi_state, en_state = lifecycle.STATE_LABELS[first.state]
        day = first.created_at[:10]
        raise ValidationError(
            f"Công dân số {id_number} đã có hồ sơ {first.number} («{vi_state}», lập ngày "
            f"{day}) trên trạm này. Chỉ giám sát viên mới cho lập thêm, kèm lý do.",
            f"The citizen {id_number} already has dossier {first.number} ('{en_state}', opened "
            f"{day}) on this station. Only a supervisor may open another, with a reason.",
            field="id_number",
        )

    def with_dossiers(self, s: Session, hits: list[ResidentHit]) -> list[ResidentHit]:
        """Resident hits with the dossier each citizen already has here (one scan of the
        dossiers, whatever the number of hits)."""
        if not any(h.id_number for h in hits):
            return hits
        by_number: dict[str, str] = {}
        by_key: dict[str, str] = {}
        rows = s.execute(
            select(Dossier.number, Dossier.state, Dossier.form_json, Dossier.summary_json)
            .where(Dossier.state.in_([st.value for st in OPEN_STATES]))
            .order_by(Dossier.created_at.desc())
        ).all()
        for number, _state, form_json, summary_json in rows:
            form = json.loads(form_json or "{}")
            summary = json.loads(summary_json or "{}")
            if isinstance(form.get("id_number"), str):
                by_number[form["id_number"]] = number
            if isinstance(summary.get("citizen_key"), str):
                by_key[summary["citizen_key"]] = number
        out = []
        for h in hits:
            found = None
            if h.id_number and h.id_number.isascii() and h.id_number.isdigit():
                found = by_number.get(h.id_number) or by_key.get(self.citizen_key(s, h.id_number))
            out.append(replace(h, existing_dossier=found) if found else h)
        return out

    def existing_for(self, id_numbers: list[str]) -> dict[str, str]:
        """Of these ID numbers, those with a dossier that stops a new one: number -> dossier."""
        self._svc._require()
        out: dict[str, str] = {}
        with self._svc.store.read() as s:
            for number in dict.fromkeys(n for n in id_numbers if n):
                found = self.others(s, number)
                if found:
                    out[number] = found[0].number
        return out
