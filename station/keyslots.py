"""Key slots: the database key wrapped once per operator, LUKS-style, plus a recovery slot.

The slot file sits beside the encrypted store, in clear JSON, because it is needed to open the
store. It holds no key in plain form: each operator slot is the database key sealed with
AES-256-GCM under a key stretched from the operator's password by Argon2id (parameters in the
slot); the recovery slot is the database key sealed with HPKE to a recovery public key given at
provisioning. The associated data of every wrap binds it to the station id and the operator id,
so a slot copied under another operator's name does not open.

The file also carries what must be known *before* the store can be opened: failed-login counters
for the lockout, and failed-login events waiting to be written to the audit log at the next
successful login. Every change is a locked read-modify-write through an atomic replace.

The lockout counts real elapsed time, not the wall clock: a lock records the boot it was set in
and the monotonic reading at that moment, so within one boot a clock set back or forward changes
nothing; after a reboot (the monotonic clock restarts) the wall clock is used, but a clock that
went back counts as no time passed, and the remaining delay is never more than the delay that was
set, itself at most :data:`LOCKOUT_MAX_SECONDS` (one hour). An administrator clears a lockout
(``operators unlock``), and so does the holder of the recovery key when the admin is locked out.

An operator id that has no slot (a typo, a guess, or a password typed into the id field) is never
written in clear: its lockout counter and its pending audit events carry a keyed hash of it
(HMAC-SHA-256 under a random key kept in this file, see :func:`SlotFile.unknown_key`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from station import crypto
from station.clock import iso, parse_iso
from station.errors import AuthenticationError, LockedOutError, StoreError
from station.fsutil import atomic_write

FORMAT = "intake-station/keyslots"
VERSION = 1
MAX_PENDING_EVENTS = 500
#: Lockout counters kept for operator ids that have no slot (typos, guesses), oldest dropped.
MAX_UNKNOWN_LOCKOUTS = 200
#: Failed attempts allowed before the first lockout.
LOCKOUT_THRESHOLD = 5
LOCKOUT_BASE_SECONDS = 30
LOCKOUT_MAX_SECONDS = 3600


def lockout_delay(failures: int) -> int:
    """Seconds an account stays locked after ``failures`` consecutive failures.

    Nothing before the fifth failure; then 30 s, doubling with each further failure, at most
    one hour.
    """
    if failures < LOCKOUT_THRESHOLD:
        return 0
    return int(min(LOCKOUT_BASE_SECONDS * 2 ** (failures - LOCKOUT_THRESHOLD), LOCKOUT_MAX_SECONDS))


def _operator_aad(station_id: str, operator_id: str) -> bytes:
    return f"{FORMAT}/v{VERSION}|{station_id}|operator|{operator_id}".encode()


def _recovery_info(station_id: str) -> bytes:
    return f"{FORMAT}/v{VERSION}|{station_id}|recovery".encode()


def _bad_login() -> AuthenticationError:
    # Same words whether the operator id or the password is wrong: no account enumeration.
    return AuthenticationError(
        "Sai mã cán bộ hoặc mật khẩu.",
        "Wrong operator id or password.",
        field="password",
    )


@dataclass
class OperatorSlot:
    operator_id: str
    kdf: crypto.KdfParams
    nonce: bytes
    wrapped: bytes
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "operator_id": self.operator_id,
            "kdf": self.kdf.to_dict(),
            "wrap": {
                "alg": "A256GCM",
                "nonce": crypto.b64e(self.nonce),
                "ciphertext": crypto.b64e(self.wrapped),
            },
            "created_at": self.created_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OperatorSlot:
        wrap = data["wrap"]
        if wrap.get("alg") != "A256GCM":
            raise ValueError(f"unsupported wrap {wrap.get('alg')!r}")
        return cls(
            operator_id=data["operator_id"],
            kdf=crypto.KdfParams.from_dict(data["kdf"]),
            nonce=crypto.b64d(wrap["nonce"]),
            wrapped=crypto.b64d(wrap["ciphertext"]),
            created_at=data["created_at"],
        )


@dataclass
class Lockout:
    failures: int = 0
    #: Wall-clock end of the lock, as older station versions wrote it (read, never written).
    locked_until: str | None = None
    #: When the lock was set (wall clock), for how long, in which boot and at which monotonic
    #: reading.
    locked_at: str | None = None
    delay: int = 0
    boot: str | None = None
    mono: float | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"failures": self.failures}
        if self.locked_at is not None:
            doc.update(locked_at=self.locked_at, delay=self.delay, boot=self.boot, mono=self.mono)
        elif self.locked_until is not None:
            doc["locked_until"] = self.locked_until
        return doc

    @property
    def is_set(self) -> bool:
        return bool(self.failures or self.locked_at or self.locked_until)


def boot_id() -> str:
    """This boot's id (Linux), so a monotonic reading is compared only within its own boot."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return "unknown"


@dataclass
class SlotFile:
    station_id: str
    #: Argon2id cost (memory KiB, iterations, lanes) for new slots, chosen at provisioning.
    kdf_cost: tuple[int, int, int] = (65536, 3, 4)
    operators: dict[str, OperatorSlot] = field(default_factory=dict)
    recovery: dict[str, str] | None = None
    lockouts: dict[str, Lockout] = field(default_factory=dict)
    pending_events: list[dict[str, str]] = field(default_factory=list)
    #: Key of the hash under which unknown operator ids are kept (made on first need).
    unknown_id_key: bytes | None = None

    def lockout_key(self, operator_id: str) -> str:
        """The lockout entry's name: the id itself for a real operator, a keyed hash otherwise."""
        if operator_id in self.operators:
            return operator_id
        if self.unknown_id_key is None:
            self.unknown_id_key = os.urandom(32)
        digest = hmac.new(self.unknown_id_key, operator_id.encode("utf-8", "replace"), "sha256")
        return "unknown:" + digest.hexdigest()[:32]

    def to_json(self) -> bytes:
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "station_id": self.station_id,
            "kdf_cost": dict(
                zip(("memory_kib", "iterations", "lanes"), self.kdf_cost, strict=True)
            ),
            "operators": [s.to_dict() for s in self.operators.values()],
            "recovery": self.recovery,
            "lockouts": {k: v.to_dict() for k, v in self.lockouts.items() if v.is_set},
            "pending_events": self.pending_events,
        }
        if self.unknown_id_key is not None:
            doc["unknown_id_key"] = crypto.b64e(self.unknown_id_key)
        return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> SlotFile:
        doc = json.loads(raw)
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise ValueError("not an intake-station key slot file of a known version")
        slots = [OperatorSlot.from_dict(s) for s in doc["operators"]]
        cost = doc["kdf_cost"]
        return cls(
            station_id=doc["station_id"],
            kdf_cost=(int(cost["memory_kib"]), int(cost["iterations"]), int(cost["lanes"])),
            operators={s.operator_id: s for s in slots},
            recovery=doc.get("recovery"),
            lockouts={k: Lockout(**v) for k, v in doc.get("lockouts", {}).items()},
            pending_events=list(doc.get("pending_events", [])),
            unknown_id_key=crypto.b64d(doc["unknown_id_key"])
            if doc.get("unknown_id_key")
            else None,
        )


class KeySlots:
    """The slot file of one station, read and written under an exclusive file lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")

    # --- file handling ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _read(self) -> SlotFile:
        try:
            return SlotFile.from_json(self.path.read_bytes())
        except FileNotFoundError as exc:
            raise StoreError(
                "Chưa khởi tạo trạm: không thấy tệp khóa.",
                "The station is not provisioned: no key slot file.",
            ) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                "Tệp khóa của trạm bị hỏng hoặc không đúng định dạng.",
                "The station's key slot file is damaged or of an unknown format.",
            ) from exc

    def _write(self, doc: SlotFile) -> None:
        _scrub_unknown_ids(doc)
        atomic_write(self.path, doc.to_json())

    def read(self) -> SlotFile:
        with self._locked():
            return self._read()

    @property
    def station_id(self) -> str:
        return self.read().station_id

    # --- creation ----------------------------------------------------------------------------

    @staticmethod
    def make_operator_slot(
        station_id: str,
        operator_id: str,
        password: str,
        db_key: bytes,
        kdf: crypto.KdfParams,
        now: datetime,
    ) -> OperatorSlot:
        kek = crypto.derive_kek(password, kdf)
        nonce, wrapped = crypto.wrap_key(db_key, kek, _operator_aad(station_id, operator_id))
        return OperatorSlot(operator_id, kdf, nonce, wrapped, iso(now))

    @staticmethod
    def make_recovery_slot(
        station_id: str, db_key: bytes, recovery_public: crypto.HpkePublicKey
    ) -> dict[str, str]:
        return {
            "suite": crypto.HPKE_SUITE_ID,
            "public_key_sha256": _fingerprint(recovery_public.encode()),
            "ciphertext": crypto.b64e(
                crypto.hpke_seal(db_key, recovery_public, _recovery_info(station_id))
            ),
        }

    def create(self, doc: SlotFile) -> None:
        with self._locked():
            if self.path.exists():
                raise StoreError(
                    "Trạm đã được khởi tạo: tệp khóa đã có.",
                    "The station is already provisioned: a key slot file exists.",
                )
            self._write(doc)

    # --- unlocking ---------------------------------------------------------------------------

    def lockout_remaining(self, operator_id: str, now: datetime, mono: float | None = None) -> int:
        doc = self.read()
        key = operator_id if operator_id in doc.operators else None
        if key is None and doc.unknown_id_key is not None:
            key = doc.lockout_key(operator_id)
        return _remaining(doc.lockouts.get(key or ""), now, mono)

    def unlock(
        self, operator_id: str, password: str, now: datetime, mono: float | None = None
    ) -> bytes:
        """The database key, if ``password`` opens ``operator_id``'s slot.

        A wrong password counts a failure and may lock the account; a locked account is refused
        before any key derivation. Failures are queued for the audit log.
        """
        with self._locked():
            doc = self._read()
            entry = doc.lockout_key(operator_id)
            state = doc.lockouts.setdefault(entry, Lockout())
            remaining = _remaining(state, now, mono)
            if remaining > 0:
                _queue_event(doc, "login_refused_locked", entry, now)
                self._write(doc)
                raise LockedOutError(operator_id, remaining)
            slot = doc.operators.get(operator_id)
            # A missing slot costs the same key derivation as a present one (no timing oracle).
            kdf = slot.kdf if slot else crypto.KdfParams.fresh(*_default_cost(doc))
            kek = crypto.derive_kek(password, kdf)
            if slot is not None:
                try:
                    key = crypto.unwrap_key(
                        slot.nonce, slot.wrapped, kek, _operator_aad(doc.station_id, operator_id)
                    )
                except crypto.UnwrapError:
                    pass
                else:
                    if state.is_set:
                        doc.lockouts.pop(entry, None)
                        self._write(doc)
                    return key
            state.failures += 1
            delay = lockout_delay(state.failures)
            state.locked_until = None
            state.locked_at, state.delay, state.boot, state.mono = (
                (iso(now), delay, boot_id(), mono) if delay else (None, 0, None, None)
            )
            _queue_event(doc, "login_failed", entry, now)
            _prune_unknown_lockouts(doc)
            self._write(doc)
            if delay:
                raise LockedOutError(operator_id, delay)
            raise _bad_login()

    def recover(self, recovery_private: crypto.HpkePrivateKey) -> bytes:
        doc = self.read()
        if not doc.recovery:
            raise StoreError("Trạm không có khe khôi phục.", "The station has no recovery slot.")
        try:
            return crypto.hpke_open(
                crypto.b64d(doc.recovery["ciphertext"]),
                recovery_private,
                _recovery_info(doc.station_id),
            )
        except crypto.HpkeOpenError as exc:
            raise AuthenticationError(
                "Khóa khôi phục không mở được trạm này.",
                "The recovery key does not open this station.",
                field="recovery_key",
            ) from exc

    # --- changes made with the database key in hand ------------------------------------------

    def put_operator(self, operator_id: str, password: str, db_key: bytes, now: datetime) -> None:
        """Create or replace ``operator_id``'s slot (new salt, new nonce) and clear its lockout."""
        with self._locked():
            doc = self._read()
            old = doc.operators.get(operator_id)
            kdf = old.kdf.renewed() if old else crypto.KdfParams.fresh(*_default_cost(doc))
            doc.operators[operator_id] = self.make_operator_slot(
                doc.station_id, operator_id, password, db_key, kdf, now
            )
            doc.lockouts.pop(operator_id, None)
            self._write(doc)

    def remove_operator(self, operator_id: str) -> bool:
        """Destroy ``operator_id``'s slot; the other slots are untouched."""
        with self._locked():
            doc = self._read()
            removed = doc.operators.pop(operator_id, None) is not None
            doc.lockouts.pop(operator_id, None)
            self._write(doc)
            return removed

    def clear_lockout(self, operator_id: str) -> bool:
        """Lift ``operator_id``'s lockout (an administrator's decision); True if there was one."""
        with self._locked():
            doc = self._read()
            if doc.lockouts.pop(operator_id, None) is not None:
                self._write(doc)
                return True
            return False

    def clear_lockout_with_recovery(
        self, operator_id: str, recovery_private: crypto.HpkePrivateKey, now: datetime
    ) -> bool:
        """Lift a lockout with the recovery key (the way back for a locked-out administrator).

        The key must open the recovery slot; the act is queued for the audit log.
        """
        self.recover(recovery_private)  # raises unless the key opens this station
        with self._locked():
            doc = self._read()
            found = doc.lockouts.pop(operator_id, None) is not None
            _queue_event(doc, "lockout_cleared_recovery", operator_id, now)
            self._write(doc)
            return found

    def has_operator(self, operator_id: str) -> bool:
        return operator_id in self.read().operators

    def pending_events(self) -> list[dict[str, str]]:
        return list(self.read().pending_events)

    def drop_pending_events(self, ids: set[str]) -> None:
        with self._locked():
            doc = self._read()
            doc.pending_events = [e for e in doc.pending_events if e["id"] not in ids]
            self._write(doc)


def _remaining(state: Lockout | None, now: datetime, mono: float | None = None) -> int:
    """Seconds left of a lock: real elapsed time, never more than the delay set (<= 1 hour)."""
    if state is None:
        return 0
    if state.locked_at is None:
        if not state.locked_until:
            return 0
        left = (parse_iso(state.locked_until) - now).total_seconds()  # a lock of an older version
        return max(0, min(LOCKOUT_MAX_SECONDS, int(left + 0.999)))
    cap = min(state.delay, LOCKOUT_MAX_SECONDS)
    if mono is not None and state.mono is not None and state.boot == boot_id():
        elapsed = mono - state.mono
    else:  # another boot: the wall clock, where a clock set back counts as no time passed
        elapsed = (now - parse_iso(state.locked_at)).total_seconds()
    left = cap - max(0.0, elapsed)
    return max(0, min(cap, int(left + 0.999)))


def _scrub_unknown_ids(doc: SlotFile) -> None:
    """Hash any unknown operator id still in clear (a file written by an older version)."""
    for name in [k for k in doc.lockouts if not k.startswith("unknown:")]:
        if name not in doc.operators:
            doc.lockouts[doc.lockout_key(name)] = doc.lockouts.pop(name)
    for ev in doc.pending_events:
        op = ev.get("operator_id", "")
        if op and not op.startswith("unknown:") and op not in doc.operators:
            ev["operator_id"] = doc.lockout_key(op)


def _prune_unknown_lockouts(doc: SlotFile) -> None:
    unknown = [k for k in doc.lockouts if k.startswith("unknown:") or k not in doc.operators]
    for k in unknown[: max(0, len(unknown) - MAX_UNKNOWN_LOCKOUTS)]:
        del doc.lockouts[k]  # dicts keep insertion order: the oldest go first


def _queue_event(doc: SlotFile, event: str, operator_id: str, now: datetime) -> None:
    doc.pending_events.append(
        {"id": uuid.uuid4().hex, "ts": iso(now), "event": event, "operator_id": operator_id[:64]}
    )
    del doc.pending_events[:-MAX_PENDING_EVENTS]


def _default_cost(doc: SlotFile) -> tuple[int, int, int]:
    """The KDF cost of new slots, set at provisioning."""
    return doc.kdf_cost


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()
