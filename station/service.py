"""``StationService``: the one facade the UI, the CLI and the tests call.

It owns the open store, the operator session (with its inactivity timeout) and the role rules.
Every change is one write transaction together with its audit entry.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station import citizen_review, crypto, lifecycle, notice, permissions, textcheck, validate
from station.clock import Clock, SystemClock, iso, local_date
from station.errors import (
    AuthenticationError,
    IllegalTransitionError,
    NotFoundError,
    NotLoggedInError,
    PermissionDeniedError,
    SessionExpiredError,
    StoreError,
    ValidationError,
)
from station.keyslots import KeySlots
from station.lifecycle import SYSTEM, Role, State
from station.paths import StationPaths

if TYPE_CHECKING:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from station import (
        appointment,
        audit,
        dossier,
        intake_record,
        masterdata,
        packet,
        qr,
        residents,
        rosterops,
    )
    from station import form as form_mod
    from station.capture import completeness, gate
    from station.capturing import Capturing, GateReview
    from station.db import Store
    from station.deployment import Deployment
    from station.devices import StrokePoint
    from station.devicetrust import DeviceTrustSettings
    from station.dossier import PartKind
    from station.intake_record import IntakeRecord
    from station.masterdata import MasterData
    from station.models import (
        Counter,
        Dossier,
        DossierPart,
        Operator,
        Packet,
        ReceiverKey,
        Resident,
        Station,
    )
    from station.prefill import Prefill
    from station.reporting import Reporting


def _load_heavy() -> None:
    """Import the store, SQLAlchemy, the models and the capture code on first use.

    Constructing a service (the window does it before its login screen) needs none of them;
    the first login, store or master-data access brings them in, so the login screen comes up
    without waiting for SQLAlchemy, Alembic, numpy or OpenCV. The names land in this module's
    globals, where the methods find them.
    """
    if "select" in globals():
        return
    import sqlalchemy
    import sqlalchemy.orm

    from station import (
        appointment,
        audit,
        dossier,
        intake_record,
        masterdata,
        models,
        packet,
        qr,
        residents,
        rosterops,
    )
    from station import form as form_mod
    from station.capture import completeness, documents, signature
    from station.db import Store
    from station.deployment import Deployment
    from station.devices import Finger, StrokePoint
    from station.prefill import Prefill
    from station.reporting import Reporting

    names: dict[str, Any] = {
        "intake_record": intake_record,
        "IntakeRecord": intake_record.IntakeRecord,
        "Session": sqlalchemy.orm.Session,
        "func": sqlalchemy.func,
        "appointment": appointment,
        "audit": audit,
        "dossier": dossier,
        "masterdata": masterdata,
        "packet": packet,
        "qr": qr,
        "residents": residents,
        "rosterops": rosterops,
        "form_mod": form_mod,
        "completeness": completeness,
        "documents": documents,
        "signature": signature,
        "Store": Store,
        "Deployment": Deployment,
        "Finger": Finger,
        "StrokePoint": StrokePoint,
        "PartKind": dossier.PartKind,
        "MasterData": masterdata.MasterData,
        "Prefill": Prefill,
        "Reporting": Reporting,
    }
    for name in (
        "Counter",
        "Dossier",
        "DossierPart",
        "Operator",
        "Packet",
        "ReceiverKey",
        "Resident",
        "Station",
    ):
        names[name] = getattr(models, name)
    names["select"] = sqlalchemy.select  # last: its presence marks the load as done
    globals().update(names)


if TYPE_CHECKING:
    from station.chip.record import ChipRead
    from station.chipintake import ChipIntake
    from station.outbox import Outbox
    from station.sealing import Sealing


def chip_parts_untouchable(kind: object) -> None:
    """The chip's parts are written only by the core's own read (``create_dossier(chip=)``):
    a caller can neither replace a failed verdict nor remove it."""
    if kind in (PartKind.CHIP_DATA.value, PartKind.CHIP_FACE.value):
        raise PermissionDeniedError(
            "Dữ liệu chip thẻ cũ chỉ do trạm ghi khi đọc thẻ; không sửa hoặc xóa được.",
            "The old card's chip data is written only by the station's own read; it cannot be "
            "replaced or removed.",
            field="kind",
        )


log = logging.getLogger(__name__)

DEFAULT_SESSION_TIMEOUT_S = 15 * 60


@dataclass
class OperatorSession:
    operator_id: str
    full_name: str
    role: Role
    must_change_password: bool
    last_activity: float
    locked: bool = False


@dataclass(frozen=True)
class OperatorInfo:
    id: str
    full_name: str
    role: Role
    disabled: bool
    must_change_password: bool
    has_slot: bool
    created_at: str


@dataclass(frozen=True)
class PacketInfo:
    packet_id: str
    dossier_id: str
    number: str
    size: int
    sha256: str
    status: str
    acked_offset: int
    attempts: int
    last_error: str | None
    created_at: str

    @classmethod
    def of(cls, p: Packet, number: str) -> PacketInfo:
        return cls(
            p.packet_id,
            p.dossier_id,
            number,
            p.size,
            p.sha256,
            p.status,
            p.acked_offset,
            p.attempts,
            p.last_error,
            p.created_at,
        )


@dataclass(frozen=True)
class QueueEntry:
    """One row of the queue: the dossier, its summary (kept after sealing) and latest packet."""

    dossier: dossier.DossierView
    summary: dict[str, Any]
    packet: PacketInfo | None

    @property
    def full_name(self) -> str:
        return str(self.dossier.form.get("full_name") or self.summary.get("full_name") or "")

    @property
    def rejected_parts(self) -> list[str]:
        return [str(p) for p in self.summary.get("rejected_parts") or []]


@dataclass(frozen=True)
class StationInfo:
    id: str
    code: str
    name: str
    demo: bool
    public_key: str
    receiver_keys: tuple[tuple[str, str, str], ...]  # (key_id, purpose, algorithm)
    settings: dict[str, Any]


def _operator_missing(operator_id: str) -> NotFoundError:
    return NotFoundError(
        f"Không có cán bộ «{operator_id}».", f"No operator '{operator_id}'.", field="operator_id"
    )


class StationService:
    """The station as the rest of the program uses it."""

    def __init__(
        self,
        paths: StationPaths,
        clock: Clock | None = None,
        session_timeout_s: float | None = None,
    ) -> None:
        if not paths.is_provisioned():
            raise StoreError(
                f"Chưa khởi tạo trạm tại {paths.root}; chạy «intake-station init».",
                f"No station is provisioned at {paths.root}; run 'intake-station init'.",
            )
        self.paths = paths
        self.clock: Clock = clock or SystemClock()
        self.slots = KeySlots(paths.keyslots)
        self._store: Store | None = None
        self._session: OperatorSession | None = None
        self._timeout_override = session_timeout_s
        self._masterdata: MasterData | None = None
        self.session_timeout_s: float = session_timeout_s or DEFAULT_SESSION_TIMEOUT_S

    @classmethod
    def open(cls, data_dir: Path, clock: Clock | None = None) -> StationService:
        return cls(StationPaths(data_dir), clock)

    # --- parts of the facade kept in their own modules ---------------------------------------

    @property
    def reporting(self) -> Reporting:
        """Quotas and reports (``station/reporting.py``)."""
        _load_heavy()
        return Reporting(self)

    @property
    def capturing(self) -> Capturing:
        """Capture verdicts, alarms, overrides and the gate (``station/capturing.py``).

        Imported on first use: it brings OpenCV and the matcher, which a process that only
        uploads (the sync worker) never needs.
        """
        _load_heavy()
        from station.capturing import Capturing

        return Capturing(self)

    @property
    def _outbox(self) -> Outbox:
        """Packets, receipts and the receiver's news (``station/outbox.py``)."""
        from station.outbox import Outbox

        return Outbox(self)

    @property
    def _chip(self) -> ChipIntake:
        """The old card's chip: reads, verdicts, the CSCA store (``station/chipintake.py``)."""
        _load_heavy()
        from station.chipintake import ChipIntake

        return ChipIntake(self)

    @property
    def _sealing(self) -> Sealing:
        """Approved dossiers into packets (``station/sealing.py``)."""
        _load_heavy()
        from station.sealing import Sealing

        return Sealing(self)

    @property
    def deployment(self) -> Deployment:
        """Backup, restore, sync-age lock and diagnostics (``station/deployment.py``)."""
        _load_heavy()
        return Deployment(self)

    @property
    def device_trust(self) -> DeviceTrustSettings:
        """The SBI device trust store and policy (``station/devicetrust.py``)."""
        from station.devicetrust import DeviceTrustSettings

        return DeviceTrustSettings(self)

    # --- store --------------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            raise NotLoggedInError()
        return self._store

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def _open_store(self, db_key: bytes) -> None:
        _load_heavy()
        if self._store is None:
            store = Store(self.paths.database, db_key)
            try:
                # A store behind the head is copied to store/backups/ before it is upgraded.
                store.migrate(backup_dir=self.paths.backups)
            except BaseException:
                store.close()
                raise
            self._store = store
            if self._timeout_override is None:
                minutes = self._settings().get("session_timeout_minutes")
                if isinstance(minutes, int | float) and minutes > 0:
                    self.session_timeout_s = float(minutes) * 60

    def close(self) -> None:
        self._session = None
        if self._store is not None:
            self._store.close()
            self._store = None

    # --- authentication -----------------------------------------------------------------------

    def login(self, operator_id: str, password: str) -> OperatorSession:
        """Unlock the store with the operator's own slot and start their session."""
        _load_heavy()
        op_id = operator_id.strip()
        if not op_id or not isinstance(password, str) or not password:
            raise ValidationError(
                "Nhập mã cán bộ và mật khẩu.",
                "Enter the operator id and the password.",
                field="operator_id" if not op_id else "password",
            )
        now = self.clock.now()
        db_key = self.slots.unlock(op_id, password, now, self.clock.monotonic())
        self._open_store(db_key)
        with self.store.write() as s:
            self._flush_pending_events(s)
            op = s.get(Operator, op_id)
            if op is None or op.disabled:
                audit.append(s, now, op_id, "login.refused", op_id, {"why": "disabled or unknown"})
                refused = AuthenticationError(
                    "Tài khoản đã bị khóa bởi quản trị.",
                    "This account has been disabled by an administrator.",
                    field="operator_id",
                )
            else:
                refused = None
                audit.append(s, now, op_id, "login", op_id, {"role": op.role})
                session = OperatorSession(
                    op.id,
                    op.full_name,
                    Role(op.role),
                    op.must_change_password,
                    self.clock.monotonic(),
                )
        if refused is not None:
            if self._session is None:
                self.close()
            raise refused
        self._session = session
        self.purge_due()  # retention honoured at every login, whatever a kill left undone
        return session

    def _flush_pending_events(self, s: Session) -> None:
        """Move failed-login events recorded before the store was open into the audit log."""
        events = self.slots.pending_events()
        if not events:
            return
        for ev in events:
            audit.append(
                s,
                self.clock.now(),
                ev["operator_id"][:32] or "?",
                ev["event"].replace("_", "."),
                ev["operator_id"][:64],
                {"at": ev["ts"], "event_id": ev["id"]},
            )
        s.flush()
        # The events are dropped only once the audit entries are in this transaction; a crash
        # before the drop re-adds them next time, each still carrying its event id.
        self.slots.drop_pending_events({ev["id"] for ev in events})

    def lock(self) -> None:
        """Lock the screen at the operator's request; the session and the store stay open."""
        sess = self._session
        if sess is None:
            raise NotLoggedInError()
        if not sess.locked:
            sess.locked = True
            with self.store.write() as s:
                audit.append(s, self.clock.now(), sess.operator_id, "session.locked")

    def unlock(self, password: str) -> OperatorSession:
        """Resume a locked or timed-out session with the same operator's password."""
        sess = self._session
        if sess is None or self._store is None:
            raise NotLoggedInError()
        now = self.clock.now()
        # Counts failures, may lock out.
        self.slots.unlock(sess.operator_id, password, now, self.clock.monotonic())
        with self.store.write() as s:
            self._flush_pending_events(s)
            op = s.get(Operator, sess.operator_id)
            if op is None or op.disabled:
                raise AuthenticationError(
                    "Tài khoản đã bị khóa bởi quản trị.",
                    "This account has been disabled by an administrator.",
                    field="operator_id",
                )
            audit.append(s, now, sess.operator_id, "session.unlocked")
        sess.locked = False
        sess.last_activity = self.clock.monotonic()
        return sess

    def reauthenticate(self, password: str) -> None:
        """Check the logged-in operator's password again before an irreversible step (sealing).

        A wrong password counts as a failed login (and may lock the account out).
        """
        sess = self.check_session()
        now = self.clock.now()
        self.slots.unlock(sess.operator_id, password, now)
        with self.store.write() as s:
            self._flush_pending_events(s)
            audit.append(s, now, sess.operator_id, "session.reauthenticated")
        sess.last_activity = self.clock.monotonic()

    def session_seconds_left(self) -> float:
        """Seconds of inactivity left before the session locks (0 once locked or expired)."""
        sess = self._session
        if sess is None or sess.locked:
            return 0.0
        left = self.session_timeout_s - (self.clock.monotonic() - sess.last_activity)
        return max(0.0, left)

    def logout(self) -> None:
        if self._session is not None and self._store is not None:
            with self.store.write() as s:
                audit.append(s, self.clock.now(), self._session.operator_id, "logout")
        self.close()

    @property
    def session(self) -> OperatorSession | None:
        return self._session

    def check_session(self) -> OperatorSession:
        """The live session, or SessionExpiredError once the inactivity timeout has passed."""
        sess = self._session
        if sess is None:
            raise NotLoggedInError()
        if sess.locked or self.clock.monotonic() - sess.last_activity > self.session_timeout_s:
            sess.locked = True
            raise SessionExpiredError()
        return sess

    def touch(self) -> None:
        """Count user activity (the UI calls this on input) so the session stays alive."""
        sess = self.check_session()
        sess.last_activity = self.clock.monotonic()

    def _require(self, *roles: Role, allow_password_change: bool = False) -> OperatorSession:
        _load_heavy()
        sess = self.check_session()
        if sess.must_change_password and not allow_password_change:
            raise PermissionDeniedError(
                "Phải đổi mật khẩu trước khi làm việc tiếp.",
                "You must change your password before going on.",
                field="password",
            )
        if roles and sess.role not in roles:
            labels = lifecycle.ROLE_LABELS
            raise PermissionDeniedError(
                f"Việc này cần vai trò {', '.join(labels[r][0] for r in roles)}.",
                f"This needs the role {', '.join(labels[r][1] for r in roles)}.",
                field="role",
            )
        sess.last_activity = self.clock.monotonic()
        return sess

    def _require_station(self) -> OperatorSession:
        """For the background worker's outbox work: someone is logged in on this station and the
        store is open. A locked or timed-out session still counts (uploads go on behind the lock
        screen), and the work does not count as the operator's activity."""
        sess = self._session
        if sess is None or self._store is None:
            raise NotLoggedInError()
        return sess

    def authorize(self, action: str) -> OperatorSession:
        """The session, if its role may do ``action`` (the matrix of ``permissions.py``)."""
        return self._require(*permissions.roles_for(action))

    def change_password(self, old_password: str, new_password: str) -> None:
        sess = self._require(allow_password_change=True)
        new = validate.password(
            new_password,
            field="new_password",
            operator_id=sess.operator_id,
            station_code=self._station_code(),
        )
        if new == old_password:
            raise ValidationError(
                "Mật khẩu mới phải khác mật khẩu cũ.",
                "The new password must differ from the old one.",
                field="new_password",
            )
        now = self.clock.now()
        db_key = self.slots.unlock(sess.operator_id, old_password, now, self.clock.monotonic())
        with self.store.write() as s:
            op = s.get(Operator, sess.operator_id)
            assert op is not None
            op.must_change_password = False
            op.updated_at = iso(now)
            audit.append(s, now, sess.operator_id, "operator.password_changed", op.id)
            self.slots.put_operator(sess.operator_id, new, db_key, now)
        sess.must_change_password = False

    def _station_code(self) -> str:
        """The station's code, for the password policy (a password must not contain it)."""
        with self.store.read() as s:
            return str(s.execute(select(Station.code)).scalar_one())

    # --- operators ----------------------------------------------------------------------------

    def list_operators(self) -> list[OperatorInfo]:
        self._require()
        doc = self.slots.read()
        with self.store.read() as s:
            ops = s.execute(select(Operator).order_by(Operator.id)).scalars().all()
            return [
                OperatorInfo(
                    o.id,
                    o.full_name,
                    Role(o.role),
                    o.disabled,
                    o.must_change_password,
                    o.id in doc.operators,
                    o.created_at,
                )
                for o in ops
            ]

    def add_operator(self, operator_id: str, full_name: str, role: str, password: str) -> None:
        admin = self._require(Role.ADMIN)
        op_id = validate.operator_id(operator_id)
        name = validate.person_name(full_name)
        op_role = validate.role(role)
        pw = validate.password(password, operator_id=op_id, station_code=self._station_code())
        now = self.clock.now()
        with self.store.write() as s:
            if s.get(Operator, op_id) is not None:
                raise ValidationError(
                    f"Mã cán bộ «{op_id}» đã có.",
                    f"Operator id '{op_id}' already exists.",
                    field="operator_id",
                )
            s.add(
                Operator(
                    id=op_id,
                    full_name=name,
                    role=op_role.value,
                    disabled=False,
                    must_change_password=True,
                    created_at=iso(now),
                    updated_at=iso(now),
                    created_by=admin.operator_id,
                )
            )
            audit.append(s, now, admin.operator_id, "operator.created", op_id, {"role": op_role})
            s.flush()
            self.slots.put_operator(op_id, pw, self.store.key, now)

    def disable_operator(self, operator_id: str) -> None:
        """Disable an account and destroy its key slot; nobody else's slot changes."""
        admin = self._require(Role.ADMIN)
        if operator_id == admin.operator_id:
            raise ValidationError(
                "Không thể tự khóa tài khoản của chính mình.",
                "You cannot disable your own account.",
                field="operator_id",
            )
        now = self.clock.now()
        with self.store.write() as s:
            op = s.get(Operator, operator_id)
            if op is None:
                raise _operator_missing(operator_id)
            op.disabled = True
            op.updated_at = iso(now)
            audit.append(s, now, admin.operator_id, "operator.disabled", operator_id)
            s.flush()
            self.slots.remove_operator(operator_id)

    def reset_operator(self, admin_password: str, operator_id: str, new_password: str) -> None:
        """Give an operator a new password (and re-enable them); needs the admin's own unlock."""
        admin = self._require(Role.ADMIN)
        pw = validate.password(
            new_password,
            field="new_password",
            operator_id=operator_id,
            station_code=self._station_code(),
        )
        now = self.clock.now()
        db_key = self.slots.unlock(admin.operator_id, admin_password, now, self.clock.monotonic())
        with self.store.write() as s:
            op = s.get(Operator, operator_id)
            if op is None:
                raise _operator_missing(operator_id)
            op.disabled = False
            op.must_change_password = True
            op.updated_at = iso(now)
            audit.append(s, now, admin.operator_id, "operator.reset", operator_id)
            s.flush()
            self.slots.put_operator(operator_id, pw, db_key, now)

    def unlock_operator(self, operator_id: str) -> bool:
        """Lift an operator's login lockout (admin); True if there was one. Audited."""
        admin = self._require(Role.ADMIN)
        now = self.clock.now()
        with self.store.write() as s:
            if s.get(Operator, operator_id) is None:
                raise _operator_missing(operator_id)
            audit.append(s, now, admin.operator_id, "operator.lockout_cleared", operator_id)
            s.flush()
            return self.slots.clear_lockout(operator_id)

    # --- station ------------------------------------------------------------------------------

    def public_info(self) -> dict[str, Any]:
        """What may be shown before login (station id, code, name, demo); no store needed."""
        try:
            value = json.loads(self.paths.public_info.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def station_info(self) -> StationInfo:
        self._require(allow_password_change=True)
        with self.store.read() as s:
            st = s.execute(select(Station)).scalar_one()
            keys = s.execute(select(ReceiverKey).where(ReceiverKey.active.is_(True))).scalars()
            return StationInfo(
                st.id,
                st.code,
                st.name,
                st.demo,
                crypto.b64e(crypto.ed25519_public(st.signing_key)),
                tuple((k.key_id, k.purpose, k.algorithm) for k in keys),
                json.loads(st.settings_json),
            )

    def settings(self) -> dict[str, Any]:
        self._require(allow_password_change=True)
        return self._settings()

    def _settings(self) -> dict[str, Any]:
        with self.store.read() as s:
            raw = s.execute(select(Station.settings_json)).scalar_one()
            value = json.loads(raw)
            assert isinstance(value, dict)
            return value

    # --- dossiers -----------------------------------------------------------------------------

    def create_dossier(
        self,
        case_type: str,
        form: dict[str, Any] | None = None,
        resident_id: int | None = None,
        chip: ChipRead | None = None,
        *,
        second_reason: str | None = None,
    ) -> dossier.DossierView:
        """A new draft; ``resident_id`` marks that resident (list or roster) as enrolled;
        ``chip`` (from ``prefill_from_chip``) stores the old card's chip read and its verdict.

        A citizen whose ID number already has a dossier on this station (any state but a
        rejection) is refused, naming it; a supervisor may open another with ``second_reason``.
        """
        sess = self._require(Role.OPERATOR, Role.SUPERVISOR)
        ctype = dossier.case_type(case_type)
        # Surrogates, controls and direction overrides refused, naming the field (textcheck.py).
        normal = form_mod.normalize(textcheck.clean_tree(form or {}))
        form_text = dossier.form_json(normal)
        now = self.clock.now()
        with self.store.write() as s:
            second = self.capturing.check_one_open(
                s,
                normal.get("id_number"),
                exclude=None,
                second_reason=second_reason,
                role=sess.role,
            )
            station = s.execute(select(Station)).scalar_one()
            day = local_date(now).strftime("%Y%m%d")
            number = f"{station.code}-{day}-{self._next(s, f'dossier:{day}'):04d}"
            d = Dossier(
                id=uuid.uuid4().hex,
                number=number,
                case_type=ctype.value,
                state=State.DRAFT.value,
                form_json=form_text,
                operator_id=sess.operator_id,
                supervisor_id=None,
                created_at=iso(now),
                updated_at=iso(now),
                state_changed_at=iso(now),
                state_reason=None,
                version=1,
            )
            s.add(d)
            details: dict[str, Any] = {"number": number, "to": "draft"}
            if second is not None:
                details.update(second)
            if resident_id is not None:
                resident = s.get(Resident, resident_id)
                if resident is None:
                    raise NotFoundError(
                        f"Không có người «{resident_id}» trong danh sách.",
                        f"No resident '{resident_id}' in the lists.",
                        field="resident_id",
                    )
                s.flush()
                resident.enrolled_dossier_id = d.id
                resident.enrolled_at = iso(now)
                details["resident"] = resident_id
            if chip is not None:
                details["chip"] = self._store_chip_read(s, d, chip, now)
            audit.append(s, now, sess.operator_id, "dossier.created", d.id, details)
            return dossier.DossierView.of(d)

    @staticmethod
    def _next(s: Session, name: str) -> int:
        counter = s.get(Counter, name)
        if counter is None:
            counter = Counter(name=name, value=0)
            s.add(counter)
        counter.value += 1
        return counter.value

    def _editable(self, s: Session, dossier_id: str, sess: OperatorSession) -> Dossier:
        d = self._get(s, dossier_id)
        if State(d.state) not in dossier.EDITABLE:
            vi, en = lifecycle.STATE_LABELS[State(d.state)]
            raise ValidationError(
                f"Hồ sơ {d.number} đang ở trạng thái «{vi}», không sửa được.",
                f"Dossier {d.number} is '{en}' and can no longer be changed.",
                field="state",
            )
        return d

    @staticmethod
    def _get(s: Session, dossier_id: str) -> Dossier:
        d = s.get(Dossier, dossier_id)
        if d is None:
            raise NotFoundError(
                f"Không có hồ sơ «{dossier_id}».", f"No dossier '{dossier_id}'.", field="dossier"
            )
        return d

    def update_form(self, dossier_id: str, form: dict[str, Any]) -> dossier.DossierView:
        """Save the form of a draft as it is (drafts may be incomplete; see ``form_problems``)."""
        sess = self._require(Role.OPERATOR, Role.SUPERVISOR)
        normal = form_mod.normalize(textcheck.clean_tree(form))
        text = dossier.form_json(normal)
        now = self.clock.now()
        with self.store.write() as s:
            d = self._editable(s, dossier_id, sess)
            if normal.get("id_number") != json.loads(d.form_json or "{}").get("id_number"):
                self.capturing.check_one_open(
                    s, normal.get("id_number"), exclude=d.id, second_reason=None, role=sess.role
                )
            d.form_json = text
            d.updated_at = iso(now)
            d.version += 1
            audit.append(s, now, sess.operator_id, "dossier.form_saved", d.id, {"v": d.version})
            return dossier.DossierView.of(d)

    def put_part(
        self,
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
        sess = self._require(Role.OPERATOR, Role.SUPERVISOR)
        chip_parts_untouchable(kind)
        self.capturing.put_part(sess, dossier_id, kind, slot, media_type, data, meta)

    def part_data(self, dossier_id: str, kind: str, slot: str = "") -> bytes:
        self._require(Role.OPERATOR, Role.SUPERVISOR)
        with self.store.read() as s:
            data = s.execute(
                select(DossierPart.data).where(
                    DossierPart.dossier_id == dossier_id,
                    DossierPart.kind == kind,
                    DossierPart.slot == slot,
                )
            ).scalar_one_or_none()
        if data is None:
            raise NotFoundError(
                f"Hồ sơ chưa có thành phần {kind}/{slot}.",
                f"The dossier has no part {kind}/{slot}.",
                field="kind",
            )
        return bytes(data)

    def get_dossier(self, dossier_id: str) -> dossier.DossierView:
        self._require()
        with self.store.read() as s:
            d = self._get(s, dossier_id)
            parts = list(
                s.execute(
                    select(DossierPart)
                    .where(DossierPart.dossier_id == d.id)
                    .order_by(DossierPart.kind, DossierPart.slot)
                ).scalars()
            )
            return dossier.DossierView.of(d, parts)

    def appointment_slip(self, dossier_id: str) -> appointment.AppointmentSlip:
        """The appointment slip (CC02) for a dossier the citizen has confirmed (or later)."""
        self._require(Role.OPERATOR, Role.SUPERVISOR)
        with self.store.read() as s:
            d = self._get(s, dossier_id)
            if State(d.state) in (State.DRAFT, State.CAPTURED, State.NEEDS_RECAPTURE):
                raise IllegalTransitionError(
                    f"Hồ sơ {d.number} chưa được công dân xác nhận; chưa in được giấy hẹn.",
                    f"Dossier {d.number} is not confirmed by the citizen yet; no slip to print.",
                    field="state",
                )
            form = json.loads(d.form_json)
            summary = json.loads(d.summary_json or "{}")
            st = s.execute(select(Station)).scalar_one()
            intake = local_date(datetime.fromisoformat(d.created_at))
            return appointment.slip(
                dossier_number=d.number,
                full_name=str(form.get("full_name") or summary.get("full_name") or ""),
                case=dossier.CaseType(d.case_type),
                age=form_mod.age_of(form, intake) if form else None,
                intake_date=intake,
                station_name=st.name,
                station_code=st.code,
                operator_id=d.operator_id,
                operator_name=getattr(s.get(Operator, d.operator_id), "full_name", ""),
            )

    def intake_record(self, dossier_id: str, lang: str = "vi") -> IntakeRecord:
        """The intake record (CC01-style) printed beside the slip: what was received.

        For a dossier the citizen has confirmed and not yet sealed (sealing removes the data).
        """
        self._require(Role.OPERATOR, Role.SUPERVISOR)
        with self.store.read() as s:
            d = self._get(s, dossier_id)
            if State(d.state) not in (State.CONFIRMED, State.APPROVED):
                raise IllegalTransitionError(
                    f"Hồ sơ {d.number}: phiếu thu nhận in khi công dân đã xác nhận, trước khi "
                    "niêm phong.",
                    f"Dossier {d.number}: the intake record prints once the citizen has "
                    "confirmed, before sealing.",
                    field="state",
                )
            st = s.execute(select(Station)).scalar_one()
            rows = s.execute(
                select(DossierPart.kind, DossierPart.slot, DossierPart.meta_json).where(
                    DossierPart.dossier_id == d.id
                )
            ).all()
            return intake_record.record(
                dossier_number=d.number,
                station_name=st.name,
                station_code=st.code,
                operator_id=d.operator_id,
                intake_date=local_date(datetime.fromisoformat(d.created_at)),
                form=json.loads(d.form_json),
                parts=[(k, sl, json.loads(m or "{}")) for k, sl, m in rows],
                capture=self._capture_meta(d),
                md=self.masterdata,
                lang=lang,
                captures=self.captures_required(json.loads(d.form_json)),
                settings=self.capturing.settings(),
            )

    def list_dossiers(
        self, state: State | None = None, limit: int = 500
    ) -> list[dossier.DossierView]:
        self._require()
        with self.store.read() as s:
            q = select(Dossier).order_by(Dossier.created_at.desc()).limit(limit)
            if state is not None:
                q = q.where(Dossier.state == state.value)
            return [dossier.DossierView.of(d) for d in s.execute(q).scalars()]

    def queue_entries(self, delivered_limit: int | None = None) -> list[QueueEntry]:
        """Every dossier in work and the newest delivered ones, as the queue lists them
        (``station.queue_view``)."""
        from station import queue_view

        limit = queue_view.DELIVERED_PAGE if delivered_limit is None else delivered_limit
        return queue_view.queue_page(self, limit).entries

    def counts_by_state(self) -> dict[State, int]:
        """Dossiers per state (every state listed, zero included)."""
        self.check_session()  # a status read, refreshed on sync news: not operator activity
        with self.store.read() as s:
            rows = s.execute(select(Dossier.state, func.count()).group_by(Dossier.state)).all()
        counts = dict.fromkeys(State, 0)
        for state, n in rows:
            counts[State(state)] = int(n)
        return counts

    # --- transitions --------------------------------------------------------------------------

    def transition(
        self, dossier_id: str, target: State | str, reason: str | None = None
    ) -> dossier.DossierView:
        """Move a dossier as the logged-in operator, under the role rules."""
        sess = self._require()
        return self._transition(dossier_id, State(target), sess.operator_id, sess.role, reason)

    def system_transition(
        self, dossier_id: str, target: State | str, reason: str | None = None
    ) -> dossier.DossierView:
        """Move a dossier as a background worker (sealing, upload, purge)."""
        return self._transition(dossier_id, State(target), SYSTEM, SYSTEM, reason)

    def mark_captured(self, dossier_id: str) -> dossier.DossierView:
        return self.transition(dossier_id, State.CAPTURED)

    def confirm(self, dossier_id: str) -> dossier.DossierView:
        return self.transition(dossier_id, State.CONFIRMED)

    def approve(self, dossier_id: str) -> dossier.DossierView:
        return self.transition(dossier_id, State.APPROVED)

    def send_back(self, dossier_id: str, reason: str) -> dossier.DossierView:
        return self.transition(dossier_id, State.NEEDS_RECAPTURE, reason)

    def reopen(self, dossier_id: str) -> dossier.DossierView:
        return self.transition(dossier_id, State.DRAFT)

    def _transition(
        self, dossier_id: str, target: State, actor_id: str, role: str, reason: str | None
    ) -> dossier.DossierView:
        now = self.clock.now()
        if target == State.SEALED:
            raise IllegalTransitionError(
                "Niêm phong hồ sơ bằng lệnh niêm phong (tạo gói dữ liệu).",
                "A dossier is sealed only by sealing it (which makes its packet).",
                field="state",
            )
        if reason is not None:
            reason = validate.short_text(reason, "reason", "Lý do", "Reason", 500)
        with self.store.write() as s:
            d = self._get(s, dossier_id)
            source = State(d.state)
            rule = lifecycle.check(
                source,
                target,
                actor_id=actor_id,
                actor_role=role,
                capturer_id=d.operator_id,
                reason=reason,
            )
            if target == State.CAPTURED and self._form_required(d):
                form_mod.check(
                    json.loads(d.form_json),
                    dossier.CaseType(d.case_type),
                    self.masterdata,
                    local_date(now),
                )
            if target == State.APPROVED:
                # The packet's size limit is the receiver's: refuse now, not at sealing.
                inp, station, key = self._sealing.seal_input(s, d)
                self.capturing.check_size(
                    packet.sealed_size(
                        inp,
                        station_id=station.id,
                        station_code=station.code,
                        receiver_key_id=key.key_id,
                    )
                )
            if target in (State.CAPTURED, State.APPROVED):
                gaps = self._missing(s, d, for_approval=target == State.APPROVED)
                if gaps:
                    more_vi = f" (và {len(gaps) - 1} mục khác)" if len(gaps) > 1 else ""
                    more_en = f" (and {len(gaps) - 1} more)" if len(gaps) > 1 else ""
                    raise ValidationError(
                        f"Hồ sơ {d.number} chưa đủ: {gaps[0].vi}{more_vi}",
                        f"Dossier {d.number} is incomplete: {gaps[0].en}{more_en}",
                        field=gaps[0].kind,
                    )
            if target in (State.CAPTURED, State.APPROVED):
                self.capturing.check(s, d)
            if target == State.APPROVED:
                self._check_chip_verdict(s, d)
                d.supervisor_id = actor_id
            self._record_move(
                s, d, source, target, now, actor_id, reason, keep_reason=rule.needs_reason
            )
            return dossier.DossierView.of(d)

    # --- capture ------------------------------------------------------------------------------

    def save_face(self, dossier_id: str, jpeg: bytes, meta: dict[str, Any]) -> None:
        """The portrait (already cropped and encoded by ``capture.face``) with its checks."""
        self.capturing.save_face(
            self._require(Role.OPERATOR, Role.SUPERVISOR), dossier_id, jpeg, meta
        )

    def save_fingerprint(
        self, dossier_id: str, finger: str, data: bytes, media_type: str, meta: dict[str, Any]
    ) -> None:
        """One finger's print (WSQ or PNG) with its quality and attempts."""
        self.capturing.save_fingerprint(
            self._require(Role.OPERATOR, Role.SUPERVISOR),
            dossier_id,
            finger,
            data,
            media_type,
            meta,
        )

    def save_rolled_print(
        self, dossier_id: str, finger: str, data: bytes, media_type: str, meta: dict[str, Any]
    ) -> None:
        """One finger's rolled print (WSQ or PNG); the core scores it and compares it with the
        finger's flat print (``station.capture.biogate``)."""
        from station.devices import Finger

        sess = self._require(Role.OPERATOR, Role.SUPERVISOR)
        Finger(finger)  # ValueError for an unknown finger is a programming error
        self.capturing.put_part(
            sess, dossier_id, PartKind.ROLLED_PRINT, finger, media_type, data, meta
        )

    def save_iris(
        self, dossier_id: str, eye: str, data: bytes, media_type: str, meta: dict[str, Any]
    ) -> None:
        """One eye's iris image (PNG, 8-bit grayscale); the core measures it."""
        from station.devices.iris import Eye

        sess = self._require(Role.OPERATOR, Role.SUPERVISOR)
        Eye(eye)  # ValueError for an unknown eye is a programming error
        self.capturing.put_part(sess, dossier_id, PartKind.IRIS, eye, media_type, data, meta)

    def save_signature(self, dossier_id: str, strokes: list[list[StrokePoint]]) -> None:
        """Check (not empty, not trivial) and render the signature; keep the raw strokes too."""
        self.capturing.save_signature(
            self._require(Role.OPERATOR, Role.SUPERVISOR), dossier_id, strokes
        )

    def record_citizen_review(self, dossier_id: str) -> None:
        """The citizen reviewed the intake record as it is now (before signing; audited)."""
        self.capturing.record_review(self._require(Role.OPERATOR, Role.SUPERVISOR), dossier_id)

    def citizen_reviewed(self, dossier_id: str) -> bool:
        """Whether the citizen reviewed the form as it is now (a signature is then accepted)."""
        self._require()
        with self.store.read() as s:
            d = self._get(s, dossier_id)
            return citizen_review.reviewed(self._capture_meta(d), json.loads(d.form_json or "{}"))

    def add_document(self, dossier_id: str, doc_type: str, data: bytes) -> list[str]:
        """Import a scan (image or PDF): each page deskewed, sized, stored; returns the slots."""
        return self.capturing.add_document(
            self._require(Role.OPERATOR, Role.SUPERVISOR), dossier_id, doc_type, data
        )

    def remove_part(self, dossier_id: str, kind: str, slot: str = "") -> None:
        sess = self._require(Role.OPERATOR, Role.SUPERVISOR)
        chip_parts_untouchable(kind)
        self.capturing.remove_part(sess, dossier_id, kind, slot)

    @staticmethod
    def _part(s: Session, dossier_id: str, kind: str, slot: str) -> DossierPart | None:
        return s.execute(
            select(DossierPart).where(
                DossierPart.dossier_id == dossier_id,
                DossierPart.kind == kind,
                DossierPart.slot == slot,
            )
        ).scalar_one_or_none()

    def _form_required(self, d: Dossier) -> bool:
        """False for a supplement (see ``reopen_for_recapture``) unless its form is to be redone."""
        scope = self._capture_meta(d).get("recapture")
        if isinstance(scope, dict) and scope.get("supplement"):
            return "form" in scope.get("parts", [])
        return True

    @staticmethod
    def _check_not_past_review(d: Dossier) -> None:
        if State(d.state) not in (State.DRAFT, State.CAPTURED, State.CONFIRMED):
            raise ValidationError(
                f"Hồ sơ {d.number} đã qua bước phê duyệt.",
                f"Dossier {d.number} is past review.",
                field="state",
            )

    def _capture_meta(self, d: Dossier) -> dict[str, Any]:
        value = json.loads(d.capture_json or "{}")
        return value if isinstance(value, dict) else {}

    def record_capture_exception(
        self, dossier_id: str, kind: str, slot: str, exception: str, reason: str
    ) -> None:
        """Record that a finger cannot be taken, or that the citizen cannot sign, and why."""
        self.capturing.record_capture_exception(
            self._require(Role.OPERATOR, Role.SUPERVISOR), dossier_id, kind, slot, exception, reason
        )

    def confirm_capture_exception(self, dossier_id: str, kind: str, slot: str) -> None:
        """A supervisor confirms a recorded exception (needed before approval)."""
        self.capturing.confirm_capture_exception(
            self._require(Role.SUPERVISOR), dossier_id, kind, slot
        )

    def set_capture_context(self, dossier_id: str, *, home_visit: bool, location: str = "") -> None:
        """Where the capture happens: at a station, or on a home visit (with the place)."""
        self.capturing.set_capture_context(
            self._require(Role.OPERATOR, Role.SUPERVISOR),
            dossier_id,
            home_visit=home_visit,
            location=location,
        )

    def gate_settings(self) -> gate.GateSettings:
        """The capture thresholds in force (station settings; defaults in ``docs/capture.md``)."""
        self._require(allow_password_change=True)
        return self.capturing.settings()

    def set_gate_settings(self, values: dict[str, Any]) -> gate.GateSettings:
        """Change capture thresholds (admin only; audited)."""
        return self.capturing.set_settings(values)

    def gate_review(self, dossier_id: str) -> GateReview:
        """Alarms, best-effort prints, overrides and what still blocks: the review's top."""
        return self.capturing.review(dossier_id)

    def override_alarm(self, dossier_id: str, key: str, reason: str) -> None:
        """A supervisor overrides a same-finger alarm by name and reason (audited, sealed)."""
        self.capturing.override(dossier_id, key, reason)

    def record_privacy_notice(self, dossier_id: str) -> None:
        """Record that the officer gave the citizen the privacy notice (``station/notice.py``)."""
        sess = self._require(Role.OPERATOR, Role.SUPERVISOR)
        now = self.clock.now()
        with self.store.write() as s:
            d = self._editable(s, dossier_id, sess)
            d.capture_json = dossier.form_json(
                notice.with_notice(self._capture_meta(d), sess.operator_id, iso(now))
            )
            d.version += 1
            audit.append(s, now, sess.operator_id, "dossier.privacy_notice_given", d.id)

    def capture_info(self, dossier_id: str) -> dict[str, Any]:
        self._require()
        with self.store.read() as s:
            return self._capture_meta(self._get(s, dossier_id))

    def accept_background(self, dossier_id: str, reason: str) -> None:
        """A supervisor accepts a home-visit portrait whose background failed its check.

        Only for a home-visit dossier before approval whose stored portrait checks record a
        failed background; the reason is kept in ``context.background_waiver`` and audited.
        Retaking the portrait drops the waiver.
        """
        self.capturing.accept_background(self._require(Role.SUPERVISOR), dossier_id, reason)

    def reopen_for_recapture(self, dossier_id: str) -> dossier.DossierView:
        """Reopen a dossier sent back for recapture, with only the parts that need it.

        The receiver's rejection names the parts to redo (``rejected_parts``). A dossier the
        station had sealed keeps nothing but its summary (the rest is in the packet only the
        receiver can open), so it reopens as a **supplement**: a draft that needs only those
        parts (``capture_json["recapture"]``, read by ``completeness``), sealed later into a
        packet whose capture metadata names the packet it completes. A rejection without parts,
        or a dossier still held whole (sent back by a supervisor), reopens as it is.
        """
        sess = self._require(Role.OPERATOR, Role.SUPERVISOR)
        now = self.clock.now()
        with self.store.write() as s:
            d = self._get(s, dossier_id)
            source = State(d.state)
            lifecycle.check(
                source,
                State.DRAFT,
                actor_id=sess.operator_id,
                actor_role=sess.role,
                capturer_id=d.operator_id,
                reason=None,
            )
            summary = json.loads(d.summary_json or "{}")
            parts = [str(p) for p in summary.get("rejected_parts") or []]
            sealed_before = bool(summary.get("packet_id"))
            meta = self._capture_meta(d)
            meta["recapture"] = {
                "parts": parts,
                "reason": d.state_reason or "",
                "packet_id": summary.get("packet_id"),
                "supplement": sealed_before and bool(parts),
            }
            d.capture_json = dossier.form_json(meta)
            self._record_move(
                s, d, source, State.DRAFT, now, sess.operator_id, details={"recapture": parts}
            )
            return dossier.DossierView.of(d)

    def missing_captures(
        self, dossier_id: str, for_approval: bool = False
    ) -> list[completeness.Missing]:
        """What this dossier still lacks for its case and the citizen's age."""
        self._require()
        with self.store.read() as s:
            return self._missing(s, self._get(s, dossier_id), for_approval)

    def _missing(self, s: Session, d: Dossier, for_approval: bool) -> list[completeness.Missing]:
        form = json.loads(d.form_json)
        parts = s.execute(
            select(DossierPart.kind, DossierPart.slot).where(DossierPart.dossier_id == d.id)
        ).all()
        face_meta = s.execute(
            select(DossierPart.meta_json).where(
                DossierPart.dossier_id == d.id,
                DossierPart.kind == PartKind.FACE.value,
                DossierPart.slot == "",
            )
        ).scalar_one_or_none()
        face_checks = json.loads(face_meta).get("checks") if face_meta else None
        sig_meta = s.execute(
            select(DossierPart.meta_json).where(
                DossierPart.dossier_id == d.id,
                DossierPart.kind == PartKind.SIGNATURE.value,
                DossierPart.slot == "",
            )
        ).scalar_one_or_none()
        stale = sig_meta is not None and not citizen_review.signature_confirms(
            json.loads(sig_meta), form
        )
        return completeness.missing(
            case=dossier.CaseType(d.case_type),
            form=form,
            captures=self.captures_required(form),
            parts=[(k, sl) for k, sl in parts],
            capture=self._capture_meta(d),
            for_approval=for_approval,
            face_checks=face_checks if isinstance(face_checks, dict) else None,
            iris_camera=self.capturing.settings().iris_camera,
            signature_stale=stale,
        )

    # --- sealing ------------------------------------------------------------------------------

    def seal(self, dossier_id: str) -> str:
        """Seal an approved dossier into its packet, in one transaction; returns the packet id.

        The packet is signed with the station's key and encrypted to the receiver's pinned key;
        the form, the capture metadata and the binary parts are then deleted from the store
        (``secure_delete`` zeroes their pages), leaving a summary for the queue and receipts.
        """
        sess = self._require(Role.SUPERVISOR)
        return self._sealing.seal(dossier_id, sess.operator_id, sess.role.value)

    def system_seal(self, dossier_id: str) -> str:
        """Seal as the background sealing worker."""
        return self._sealing.seal(dossier_id, SYSTEM, SYSTEM)

    def outbox(self) -> list[Packet]:
        """Packets not yet receipted, oldest first (the upload order)."""
        self._require_station()
        return self._outbox.outbox()

    # --- outbox: what the uploader and the USB transfer use (``station/outbox.py``) ---------
    # The background worker calls these while someone is logged in, even behind the lock screen.

    def registration(self) -> dict[str, Any]:
        """The station's public registration for the receiver (id, code, name, public key)."""
        self._require_station()
        return self._outbox.registration()

    def receiver_settings(self) -> dict[str, Any]:
        """Receiver URL, pinned TLS certificate and bandwidth cap (for the sync worker)."""
        self._require_station()
        return self._outbox.receiver_settings()

    def set_receiver_url(self, url: str) -> None:
        """Point the station at its receiver (admin); the pinned keys do not change."""
        admin = self._require(Role.ADMIN)
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValidationError(
                "Địa chỉ máy chủ nhận phải dùng https:// (http chỉ cho máy này).",
                "The receiver address must use https:// (plain http only on this machine).",
                field="receiver_url",
            )
        now = self.clock.now()
        with self.store.write() as s:
            st = s.execute(select(Station)).scalar_one()
            settings = json.loads(st.settings_json)
            settings["receiver_url"] = url.rstrip("/")
            st.settings_json = json.dumps(settings)
            audit.append(s, now, admin.operator_id, "settings.receiver_url", "", {"url": url})

    def set_sync_settings(
        self, *, bandwidth_cap_bps: int | None = None, retention_days: int | None = None
    ) -> None:
        """Bandwidth cap for uploads (bytes/s, 0 = none) and days to keep receipted packets."""
        admin = self._require(Role.ADMIN)
        now = self.clock.now()
        with self.store.write() as s:
            st = s.execute(select(Station)).scalar_one()
            settings = json.loads(st.settings_json)
            for key, value in (
                ("bandwidth_cap_bps", bandwidth_cap_bps),
                ("retention_days", retention_days),
            ):
                if value is None:
                    continue
                if not isinstance(value, int) or value < 0:
                    raise ValidationError(
                        f"{key}: phải là số nguyên không âm.",
                        f"{key}: must be a whole number, zero or more.",
                        field=key,
                    )
                settings[key] = value
            st.settings_json = json.dumps(settings)
            audit.append(
                s,
                now,
                admin.operator_id,
                "settings.sync",
                "",
                {"bandwidth_cap_bps": bandwidth_cap_bps, "retention_days": retention_days},
            )

    def signing_key(self) -> bytes:
        """The station's Ed25519 key, for signing requests and exports (never leaves the core
        except to the sync layer in the same process)."""
        self._require_station()
        return self._outbox.signing_key()

    def receiver_signing_keys(self) -> list[bytes]:
        """The pinned receiver receipt-signing keys (active ones)."""
        self._require_station()
        return self._outbox.receiver_signing_keys()

    def pending_packets(self) -> list[PacketInfo]:
        """Packets to send, oldest first; refused and receipted ones are not in it."""
        self._require_station()
        return self._outbox.pending_packets()

    def record_export(self, packets: int, size: int) -> None:
        """Audit a USB export (the packets themselves are unreadable to anyone but the receiver)."""
        self.authorize("usb.export")
        self._outbox.record_export(packets, size)

    def delivered_packet_ids(self) -> list[str]:
        """Packets the receiver holds whose dossier may still get news (rejection, card)."""
        self._require_station()
        return self._outbox.delivered_packet_ids()

    def packet_info(self, packet_id: str) -> PacketInfo:
        self._require_station()
        return self._outbox.packet_info(packet_id)

    def packet_bytes(self, packet_id: str) -> bytes:
        self._require_station()
        return self._outbox.packet_bytes(packet_id)

    def note_upload(self, packet_id: str, *, offset: int, error: str | None = None) -> None:
        """Record progress (the receiver's acknowledged offset) or a failed attempt."""
        self._require_station()
        self._outbox.note_upload(packet_id, offset=offset, error=error)

    def accept_receipt(self, packet_id: str, receipt: dict[str, Any], via: str = "http") -> bool:
        """Take the receiver's receipt; True once it verified and the packet counts delivered.

        A receipt counts only if it is signed by a pinned receiver key and names exactly this
        packet (id, SHA-256, station); anything else changes nothing and returns False.
        """
        self._require_station()
        return self._outbox.accept_receipt(packet_id, receipt, via)

    def refuse_packet(self, packet_id: str, code: str, message: str) -> None:
        """The receiver refused the packet for good: make it visible, never retry it."""
        self._require_station()
        self._outbox.refuse_packet(packet_id, code, message)

    def resend_packet(self, packet_id: str) -> None:
        """An admin sends a refused packet again, audited (``station.delivery``)."""
        from station import delivery

        delivery.resend_refused(self, packet_id)

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
        self._require_station()
        self._outbox.apply_remote_status(packet_id, status, reason, parts, session=session)

    def purge_due(self) -> int:
        """Drop the bytes of receipted packets older than the retention; index and receipt stay."""
        self._require_station()
        return self._outbox.purge_due()

    def _move(
        self,
        s: Session,
        d: Dossier,
        target: State,
        now: datetime,
        details: dict[str, Any],
        reason: str | None = None,
    ) -> None:
        """A transition by the system inside the caller's transaction, with its audit entry."""
        source = State(d.state)
        rule = lifecycle.check(
            source,
            target,
            actor_id=SYSTEM,
            actor_role=SYSTEM,
            capturer_id=d.operator_id,
            reason=reason,
        )
        self._record_move(
            s, d, source, target, now, SYSTEM, reason, details, keep_reason=rule.needs_reason
        )

    @staticmethod
    def _record_move(
        s: Session,
        d: Dossier,
        source: State,
        target: State,
        now: datetime,
        actor_id: str,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        keep_reason: bool = False,
    ) -> None:
        """Move ``d`` to ``target`` (already checked by the caller) and audit it, in ``s``.

        A ``reason`` goes into the audit entry, and onto the dossier with ``keep_reason`` (the
        rules that take one)."""
        d.state = target.value
        d.state_changed_at = iso(now)
        d.updated_at = iso(now)
        d.version += 1
        if keep_reason:
            d.state_reason = reason
        info = {"number": d.number, "from": source.value, "to": target.value, **(details or {})}
        if reason:
            info["reason"] = reason
        audit.append(s, now, actor_id, "dossier.transition", d.id, info)

    # --- domain: master data, form rules, prefill ---------------------------------------------

    @property
    def masterdata(self) -> MasterData:
        """Administrative units, ethnic groups, religions, countries (shipped or imported)."""
        _load_heavy()
        if self._masterdata is None:
            self._masterdata = masterdata.load(self.paths.root)
        return self._masterdata

    def today(self) -> date:
        return local_date(self.clock.now())

    def form_problems(self, case_type: str, form: dict[str, Any]) -> list[form_mod.FieldProblem]:
        """Every rule the form breaks for this case today (empty when it may be captured)."""
        self._require()
        return form_mod.problems(
            form_mod.normalize(form), dossier.case_type(case_type), self.masterdata, self.today()
        )

    def dossier_form_problems(self, dossier_id: str) -> list[form_mod.FieldProblem]:
        """What the dossier's form still breaks, as marking it captured will judge it: nothing
        for a supplement whose form is not among the parts to redo."""
        self._require()
        with self.store.read() as s:
            d = self._get(s, dossier_id)
            if not self._form_required(d):
                return []
            form = json.loads(d.form_json)
            case = d.case_type
        return self.form_problems(case, form)

    def captures_required(self, form: dict[str, Any]) -> form_mod.Captures | None:
        """What must be captured for this citizen's age (None while the birth date is unknown)."""
        age = form_mod.age_of(form, self.today())
        return form_mod.captures_for(age) if age is not None else None

    def prefill_from_qr(self, text: str) -> Prefill:
        """Parse the text of an old card's QR code into form values (all or nothing)."""
        self._require(Role.OPERATOR, Role.SUPERVISOR)
        return qr.to_prefill(qr.parse(text, self.today()), self.masterdata)

    def prefill_from_qr_image(self, image: bytes) -> Prefill:
        """Find and parse the QR code in a photo or scan of an old card."""
        self._require(Role.OPERATOR, Role.SUPERVISOR)
        return qr.to_prefill(qr.parse(qr.decode_image(image), self.today()), self.masterdata)

    def prefill_from_chip(
        self,
        transmit: Callable[[bytes], bytes],
        card_number: str,
        date_of_birth: str,
        date_of_expiry: str,
        atr: bytes | None = None,
        can: str | None = None,
    ) -> ChipRead:
        """Read an old chip card through ``transmit`` (a connected reader) into form values.

        The BAC access key comes from what the officer typed or took from the card's QR code:
        the 12-digit card number and the dates of birth and expiry (``dd/mm/yyyy`` or ISO).
        One BAC attempt only. Passive authentication checks the document signer against the
        station's CSCA store. Returns the prefill (empty when the verdict failed), the verdict
        in both languages and the raw record that ``create_dossier(chip=...)`` stores. Runs
        device I/O: call it off the GUI. ``atr`` (from the reader's connect) lets a card that
        announces extended lengths be read in fewer commands. ``can`` (the 6 digits printed on
        the card) opens a PACE card when the number and dates are not given.
        """
        self._require(Role.OPERATOR, Role.SUPERVISOR)
        return self._chip.read(transmit, card_number, date_of_birth, date_of_expiry, atr, can)

    def import_masterdata(self, bundle_dir: Path) -> str:
        admin = self._require(Role.ADMIN)
        version = masterdata.import_bundle(bundle_dir, self.paths.root)
        self._masterdata = None
        with self.store.write() as s:
            audit.append(s, self.clock.now(), admin.operator_id, "masterdata.imported", version)
        return version

    # --- resident lists and rosters -----------------------------------------------------------

    def import_roster(
        self,
        path: Path,
        kind: str = "residents",
        name: str | None = None,
        replace: int | None = None,
    ) -> residents.ImportReport:
        """Import a CSV list in one transaction: good rows kept, bad rows reported by line.

        The same file imported again is refused unless it ``replace``s a list (whose enrolment
        marks carry over); a file that cannot be read whole imports nothing (``rosterfile.py``).
        """
        sess = self._require(Role.SUPERVISOR, Role.ADMIN)
        roster_kind = residents.RosterKind(kind)
        data, digest = residents.file_digest(path)
        now = self.clock.now()
        with self.store.write() as s:
            rosterops.refuse_reimport(s, digest, path.name, replace)
            old = rosterops.get(s, replace) if replace is not None else None
            report = residents.import_rows(
                s,
                residents.read_csv(data, path.name),
                kind=roster_kind,
                name=validate.short_text(name or path.name, "name", "Tên danh sách", "Name", 200),
                source=path.name,
                sha256=digest,
                actor=sess.operator_id,
                now=iso(now),
                today=local_date(now),
            )
            audit.append(
                s,
                now,
                sess.operator_id,
                "roster.imported",
                str(report.roster_id),
                {
                    "kind": roster_kind.value,
                    "sha256": digest,
                    "imported": report.imported,
                    "rejected": report.rejected,
                },
            )
            if old is not None:
                marks = rosterops.carry_marks(s, old.id, report.roster_id)
                removed, _ = rosterops.remove(s, old.id)
                audit.append(
                    s,
                    now,
                    sess.operator_id,
                    "roster.replaced",
                    str(replace),
                    {"by": report.roster_id, "removed": removed, "marks_carried": marks},
                )
        return report

    def preview_roster(self, path: Path) -> residents.Preview:
        """What importing ``path`` would do (counts, first problems, same file seen before)."""
        self._require(Role.SUPERVISOR, Role.ADMIN)
        data, digest = residents.file_digest(path)
        out = residents.preview(data, path.name, local_date(self.clock.now()))
        with self.store.read() as s:
            out.same_file = rosterops.same_file(s, digest)
        return out

    def list_rosters(self) -> list[rosterops.RosterInfo]:
        self._require()
        with self.store.read() as s:
            return rosterops.list_rosters(s)

    def remove_roster(self, roster_id: int) -> tuple[int, int]:
        """Delete a list: (residents removed, enrolment marks dropped). Audited."""
        sess = self._require(Role.SUPERVISOR, Role.ADMIN)
        now = self.clock.now()
        with self.store.write() as s:
            removed, marks = rosterops.remove(s, roster_id)
            audit.append(
                s,
                now,
                sess.operator_id,
                "roster.removed",
                str(roster_id),
                {"removed": removed, "marks_dropped": marks},
            )
        return removed, marks

    def search_residents(
        self, query: str, limit: int = 20, roster_id: int | None = None
    ) -> list[residents.ResidentHit]:
        self._require()
        with self.store.read() as s:
            hits = residents.search(s, query, limit=limit, roster_id=roster_id)
            return self.capturing.with_dossiers(s, hits)

    def resident_prefill(self, resident_id: int) -> Prefill:
        self._require()
        with self.store.read() as s:
            r = s.get(Resident, resident_id)
            if r is None:
                raise NotFoundError(
                    f"Không có người «{resident_id}» trong danh sách.",
                    f"No resident '{resident_id}' in the lists.",
                    field="resident_id",
                )
            hit = residents.ResidentHit.of(r)
        return residents.to_prefill(hit, self.masterdata)

    def roster_queue(self, roster_id: int) -> list[residents.ResidentHit]:
        """An intake drive's list in calling order: priority groups first, then queue number."""
        self._require()
        order = {g.value: i for i, g in enumerate(residents.PriorityGroup)}
        with self.store.read() as s:
            rows = s.execute(select(Resident).where(Resident.roster_id == roster_id)).scalars()
            hits = self.capturing.with_dossiers(s, [residents.ResidentHit.of(r) for r in rows])
        return sorted(
            hits,
            key=lambda h: (
                order.get(h.priority_group or "", len(order)),
                h.queue_number if h.queue_number is not None else 10**9,
                h.id,
            ),
        )

    # --- audit --------------------------------------------------------------------------------

    def verify_audit(self) -> audit.VerifyResult:
        self._require(allow_password_change=True)
        with self.store.read() as s:
            return audit.verify(s)

    def record(self, action: str, subject: str = "", details: dict[str, Any] | None = None) -> None:
        """Add an audit entry for an action taken outside the core (an export, a print)."""
        sess = self._require()
        with self.store.write() as s:
            audit.append(s, self.clock.now(), sess.operator_id, action, subject, details)

    # --- the old card's chip: stored read, verdict, CSCA store, reader ----------------------

    def _store_chip_read(self, s: Session, d: Dossier, chip: ChipRead, now: datetime) -> str:
        return self._chip.store_read(s, d, chip, now)

    def _check_chip_verdict(self, s: Session, d: Dossier) -> None:
        self._chip.check_verdict(s, d)

    def chip_face_match(self, dossier_id: str) -> dict[str, Any] | None:
        """Compare (once per live portrait) and return the chip-vs-live face result: status,
        distance, threshold, model; None when the dossier lacks one of the two portraits."""
        self._require()
        return self._chip.face_match(dossier_id)

    def accept_chip_face(self, dossier_id: str, reason: str) -> None:
        """A supervisor decides that a chip portrait that does not match (or could not be
        compared) is the same person, with a reason; audited, sealed in the manifest."""
        self._chip.accept_face(self._require(Role.SUPERVISOR), dossier_id, reason)

    def chip_verdict(self, dossier_id: str) -> dict[str, Any] | None:
        """The stored verdict of the dossier's chip read (None: no chip read)."""
        self._require()
        return self._chip.verdict(dossier_id)

    def accept_chip_verdict(self, dossier_id: str, reason: str) -> None:
        """A supervisor accepts an old card whose chip failed its checks, with a reason."""
        self._chip.accept_verdict(self._require(Role.SUPERVISOR), dossier_id, reason)

    def csca_certificates(self) -> list[Any]:
        """The trusted CSCA certificates (``cryptography`` objects) for chip reads."""
        return self._chip.csca_certificates()

    def csca_list(self) -> list[Any]:
        """``csca.CscaInfo`` of every trusted CSCA certificate."""
        self._require()
        return self._chip.csca_list()

    def csca_import(self, path: Path) -> Any:
        """Import certificates or ICAO master lists (admin; audited; one transaction)."""
        return self._chip.csca_import(self._require(Role.ADMIN), path)

    def csca_remove(self, fingerprint: str) -> Any:
        return self._chip.csca_remove(self._require(Role.ADMIN), fingerprint)

    def card_reader_setting(self) -> str | None:
        """The PC/SC reader pinned in the settings (None: the one holding a card)."""
        value = self._settings().get("card_reader")
        return str(value) if value else None

    def set_card_reader(self, name: str | None) -> None:
        """Pin the PC/SC reader (a part of its name) or unpin it (None/""); admin, audited."""
        sess = self._require(Role.ADMIN)
        value = validate.short_text(name, "card_reader", "Đầu đọc", "Reader", 200) if name else ""
        now = self.clock.now()
        with self.store.write() as s:
            station = s.execute(select(Station)).scalar_one()
            settings = json.loads(station.settings_json)
            settings["card_reader"] = value or None
            station.settings_json = json.dumps(settings, sort_keys=True)
            audit.append(s, now, sess.operator_id, "settings.card_reader", "", {"name": value})

    def chip_access_from_form(self, form: dict[str, Any]) -> Any:
        """The chip's access key a prefilled form gives (the QR's ID number and birth date, the
        expiry by the law's renewal ages): ``access.AccessGuess``, or None."""
        from station.chip import access

        return access.from_form(form)
