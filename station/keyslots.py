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
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    locked_until: str | None = None


@dataclass
class SlotFile:
    station_id: str
    #: Argon2id cost (memory KiB, iterations, lanes) for new slots, chosen at provisioning.
    kdf_cost: tuple[int, int, int] = (65536, 3, 4)
    operators: dict[str, OperatorSlot] = field(default_factory=dict)
    recovery: dict[str, str] | None = None
    lockouts: dict[str, Lockout] = field(default_factory=dict)
    pending_events: list[dict[str, str]] = field(default_factory=list)

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
            "lockouts": {
                k: {"failures": v.failures, "locked_until": v.locked_until}
                for k, v in self.lockouts.items()
                if v.failures or v.locked_until
            },
            "pending_events": self.pending_events,
        }
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

    def lockout_remaining(self, operator_id: str, now: datetime) -> int:
        state = self.read().lockouts.get(operator_id)
        return _remaining(state, now)

    def unlock(self, operator_id: str, password: str, now: datetime) -> bytes:
        """The database key, if ``password`` opens ``operator_id``'s slot.

        A wrong password counts a failure and may lock the account; a locked account is refused
        before any key derivation. Failures are queued for the audit log.
        """
        with self._locked():
            doc = self._read()
            state = doc.lockouts.setdefault(operator_id, Lockout())
            remaining = _remaining(state, now)
            if remaining > 0:
                _queue_event(doc, "login_refused_locked", operator_id, now)
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
                    if state.failures or state.locked_until:
                        doc.lockouts.pop(operator_id, None)
                        self._write(doc)
                    return key
            state.failures += 1
            delay = lockout_delay(state.failures)
            state.locked_until = iso(now + timedelta(seconds=delay)) if delay else None
            _queue_event(doc, "login_failed", operator_id, now)
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

    def clear_lockout(self, operator_id: str) -> None:
        with self._locked():
            doc = self._read()
            if doc.lockouts.pop(operator_id, None) is not None:
                self._write(doc)

    def has_operator(self, operator_id: str) -> bool:
        return operator_id in self.read().operators

    def pending_events(self) -> list[dict[str, str]]:
        return list(self.read().pending_events)

    def drop_pending_events(self, ids: set[str]) -> None:
        with self._locked():
            doc = self._read()
            doc.pending_events = [e for e in doc.pending_events if e["id"] not in ids]
            self._write(doc)


def _remaining(state: Lockout | None, now: datetime) -> int:
    if state is None or not state.locked_until:
        return 0
    left = (parse_iso(state.locked_until) - now).total_seconds()
    return max(0, int(left + 0.999))


def _prune_unknown_lockouts(doc: SlotFile) -> None:
    unknown = [k for k in doc.lockouts if k not in doc.operators]
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
