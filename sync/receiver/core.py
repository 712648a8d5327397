"""What the receiver does, whatever the transport: one code path for HTTP uploads and USB imports.

* Stations are registered from the file they export (``register_station``); unknown or
  deactivated stations are refused.
* Uploads are resumable (tus 1.0 semantics, ``docs/sync.md``): ``begin_upload`` creates or finds
  the upload, ``write_chunk`` stores a chunk and moves the offset by a compare-and-set, in one
  statement, so that two requests for the same upload (a retry racing a request still in flight
  on a dead connection, two receivers behind a load balancer) never both win, and nobody ever
  waits on a lock. Everything is in the database: any receiver process continues any upload.
* ``accept`` verifies a whole packet (announced hash, header, outer signature with the
  registered station key, decryption with the receiver key named by the header, manifest, part
  hashes), deduplicates by packet id, content hash and dossier id, and stores the blob, the
  index row and the signed receipt, the rows in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from station import crypto, packet
from station.clock import Clock, SystemClock, iso
from sync import protocol
from sync.receiver import citizens
from sync.receiver.errors import (
    PacketHeldError,
    PacketRefusedError,
    ReceiverError,
    malformed,
    not_found,
    offset_mismatch,
    unknown_station,
)
from sync.receiver.keys import ReceiverKeys
from sync.receiver.store import (
    Base,
    ChunkWrite,
    CitizenRow,
    PacketRow,
    ReceiptRow,
    ReceiverStore,
    RefusalRow,
    StationRow,
    StatusLogRow,
    UploadOpen,
    UploadRow,
)

log = logging.getLogger("sync.receiver")

REGISTRATION_FORMAT = "intake-station/station-registration"
PACKET_ID_RE = re.compile(r"[0-9a-f]{32}")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
IDENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
#: A part to recapture: "kind" or "kind/slot" (the packet's part names).
PART_RE = re.compile(r"[a-z][a-z0-9_]{0,23}(/[a-z0-9_]{1,32})?")
MAX_STATUS_IDS = 1000
#: Most status changes one ``POST /v2/status`` answers with.
MAX_STATUS_PAGE = 500
MAX_REASON_CHARS = 2000
MAX_NAME_CHARS = 200
#: How long a process trusts what it read of a station (its key, whether it is active): a
#: deactivation or a new key reaches every receiver process within this time.
STATION_CACHE_S = 10.0
_STATION_CACHE_MAX = 100_000

ACCEPTED = "accepted"
REJECTED = "rejected"
CARD_PRINTED = "card_printed"
#: Stored but not receipted: held as ``duplicate_citizen`` until the centre decides (``mark``).
HELD = "held"
LIVE_STATUSES = (ACCEPTED, CARD_PRINTED)
DUPLICATE_CITIZEN = "duplicate_citizen"


@dataclass(frozen=True)
class UploadState:
    packet_id: str
    length: int
    offset: int


@dataclass(frozen=True)
class Accepted:
    """The receiver holds the packet: the receipt to give back (``duplicate`` if held before)."""

    receipt: protocol.Receipt
    duplicate: bool

    @property
    def packet_id(self) -> str:
        return self.receipt.packet_id


@dataclass(frozen=True)
class Expect:
    """What the sender announced about the bytes, and whether they are known to be its own.

    ``authentic``: the bytes are exactly what the station sent (every HTTP chunk is signed by the
    station; a USB copy is when its hash matches the station's signed export manifest).
    """

    packet_id: str | None = None
    sha256: str | None = None
    authentic: bool = False


@dataclass(frozen=True)
class StationInfo:
    station_id: str
    code: str
    name: str
    public_key: str
    active: bool = True


@dataclass(frozen=True)
class _Cas:
    """Finish an HTTP upload: its row is deleted only if its offset is still ``offset``."""

    station_id: str
    packet_id: str
    offset: int


class _CasLostError(Exception):
    """Another request moved or finished the upload first."""


@dataclass
class _Context:
    packet_id: str = ""
    station_id: str | None = None
    authentic: bool = False
    blob: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Held:
    packet_id: str
    station_id: str
    sha256: str
    size: int
    dossier_id: str
    number: str
    received_at: str
    status: str = ACCEPTED


#: The completion path's statements, built once (SQLAlchemy caches their compiled form).
_HELD_QUERY = select(
    PacketRow.packet_id,
    PacketRow.station_id,
    PacketRow.sha256,
    PacketRow.size,
    PacketRow.dossier_id,
    PacketRow.number,
    PacketRow.received_at,
    PacketRow.status,
).where(
    PacketRow.station_id == bindparam("sid"),
    PacketRow.packet_id == bindparam("pid"),
)
_INSERT_PACKET = insert(Base.metadata.tables[PacketRow.__tablename__])
_INSERT_RECEIPT = insert(Base.metadata.tables[ReceiptRow.__tablename__])
_INSERT_CITIZEN = insert(Base.metadata.tables[CitizenRow.__tablename__])


def _held(row: Any) -> _Held:
    """A packet row (ORM or Core) as a ``_Held``."""
    return _Held(
        row.packet_id,
        row.station_id,
        row.sha256,
        row.size,
        row.dossier_id,
        row.number,
        row.received_at,
        row.status,
    )


def check_packet_id(value: object) -> str:
    if not isinstance(value, str) or not PACKET_ID_RE.fullmatch(value):
        raise malformed(
            "mã gói phải là 32 chữ số thập lục phân thường",
            "the packet id must be 32 lowercase hex digits",
        )
    return value


def check_sha256(value: object) -> str:
    if not isinstance(value, str) or not SHA256_RE.fullmatch(value):
        raise malformed(
            "SHA-256 phải là 64 chữ số thập lục phân thường",
            "the SHA-256 must be 64 lowercase hex digits",
        )
    return value


def _bad_registration(why_vi: str, why_en: str) -> NoReturn:
    raise ReceiverError(
        "bad_registration",
        f"Tệp đăng ký trạm không hợp lệ: {why_vi}.",
        f"The station registration file is invalid: {why_en}.",
        status=400,
    )


def parse_registration(doc: Any) -> StationInfo:
    """Check a station registration document (``docs/sync.md``, "Station registration")."""
    if not isinstance(doc, dict):
        _bad_registration("không phải đối tượng JSON", "not a JSON object")
    if doc.get("format") != REGISTRATION_FORMAT or doc.get("version") != 1:
        _bad_registration(
            f"cần định dạng «{REGISTRATION_FORMAT}» phiên bản 1",
            f"expected format '{REGISTRATION_FORMAT}' version 1",
        )
    for member in ("station_id", "code"):
        value = doc.get(member)
        if not isinstance(value, str) or not IDENT_RE.fullmatch(value):
            _bad_registration(f"«{member}» không hợp lệ", f"'{member}' is invalid")
    name = doc.get("name")
    if not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_NAME_CHARS:
        _bad_registration("tên trạm trống hoặc quá dài", "the station name is empty or too long")
    public_key = doc.get("public_key")
    try:
        if not isinstance(public_key, str):
            raise ValueError("not a string")
        raw = crypto.ed25519_decode_public(public_key)
        if len(raw) != 32:
            raise ValueError("wrong length")
    except ValueError:
        _bad_registration(
            "khóa công khai phải là base64 của 32 byte Ed25519",
            "the public key must be base64 of 32 Ed25519 bytes",
        )
    return StationInfo(doc["station_id"], doc["code"], name.strip(), public_key)


def _refuse(
    code: str, vi: str, en: str, ctx: _Context, *, remember: bool = True, status: int = 422
) -> NoReturn:
    raise PacketRefusedError(
        code, vi, en, authentic=ctx.authentic, remember=remember, status=status
    )


def _replayed(vi: str, en: str, *, authentic: bool, status: int = 409) -> PacketRefusedError:
    return PacketRefusedError(
        "replayed",
        f"Gói bị từ chối vì trùng lặp: {vi}.",
        f"Packet refused as a replay: {en}.",
        authentic=authentic,
        remember=False,
        status=status,
    )


class Receiver:
    """The receiver's operations on one store with one key set; safe to share between threads."""

    def __init__(
        self, store: ReceiverStore, keys: ReceiverKeys, clock: Clock | None = None
    ) -> None:
        self.store = store
        self.keys = keys
        self.clock: Clock = clock or SystemClock()
        #: station id -> (monotonic time read, public key or None when unknown or inactive).
        self._stations: dict[str, tuple[float, bytes | None]] = {}
        self._stations_lock = threading.Lock()

    def now(self) -> str:
        return iso(self.clock.now())

    # --- stations ---------------------------------------------------------------------------

    def register_station(self, doc: Any, *, replace: bool = False) -> str:
        """Register (or re-activate) a station; "registered", "updated" or "unchanged".

        A station already registered with another public key is refused unless ``replace``
        (a re-provisioned station: its packets sealed with the old key will then be refused).
        """
        info = parse_registration(doc)
        with self.store.write() as s:
            row = s.get(StationRow, info.station_id)
            if row is None:
                s.add(
                    StationRow(
                        station_id=info.station_id,
                        code=info.code,
                        name=info.name,
                        public_key=info.public_key,
                        registered_at=self.now(),
                        active=True,
                    )
                )
                result = "registered"
            elif row.public_key != info.public_key and not replace:
                raise ReceiverError(
                    "station_exists",
                    f"Trạm «{info.station_id}» đã đăng ký với khóa khác; dùng --replace nếu trạm "
                    "đã được khởi tạo lại.",
                    f"Station '{info.station_id}' is registered with another key; use --replace "
                    "if the station was provisioned again.",
                    status=409,
                )
            else:
                unchanged = (row.code, row.name, row.public_key, row.active) == (
                    info.code,
                    info.name,
                    info.public_key,
                    True,
                )
                if row.public_key != info.public_key:
                    # A new key: refusals remembered under the old one (bad_signature) no longer
                    # hold; the same bytes are judged again if an admin resends them.
                    s.execute(
                        update(RefusalRow)
                        .where(RefusalRow.station_id == info.station_id)
                        .values(remember=False)
                        .execution_options(synchronize_session=False)
                    )
                row.code, row.name, row.public_key, row.active = (
                    info.code,
                    info.name,
                    info.public_key,
                    True,
                )
                result = "unchanged" if unchanged else "updated"
        self._forget_station(info.station_id)
        log.info("station %s %s", info.station_id, result)
        return result

    def set_station_active(self, station_id: str, active: bool) -> None:
        with self.store.write() as s:
            row = s.get(StationRow, station_id)
            if row is None:
                raise unknown_station(station_id)
            row.active = active
        self._forget_station(station_id)

    def _forget_station(self, station_id: str) -> None:
        with self._stations_lock:
            self._stations.pop(station_id, None)

    def stations(self) -> list[StationInfo]:
        with self.store.read() as s:
            rows = s.scalars(select(StationRow).order_by(StationRow.station_id)).all()
            return [StationInfo(r.station_id, r.code, r.name, r.public_key, r.active) for r in rows]

    def cached_station_key(self, station_id: str) -> bytes | None:
        """The station's key from this process's cache when it is fresh, without any I/O (an
        event loop may call it); ``None`` when it must be read (``station_key``)."""
        hit = self._stations.get(station_id)
        if hit is None or time.monotonic() - hit[0] > STATION_CACHE_S:
            return None
        if hit[1] is None:
            raise unknown_station(station_id)
        return hit[1]

    def station_key(self, station_id: str) -> bytes:
        """The registered public key of an active station; ``unknown_station`` otherwise.

        Read from the database at most every ``STATION_CACHE_S`` per station and process.
        """
        if not IDENT_RE.fullmatch(station_id):
            raise unknown_station(station_id)
        now = time.monotonic()
        hit = self._stations.get(station_id)
        if hit is None or now - hit[0] > STATION_CACHE_S:
            with self.store.read() as s:
                row = s.get(StationRow, station_id)
                key = crypto.b64d(row.public_key) if row is not None and row.active else None
            with self._stations_lock:
                if len(self._stations) >= _STATION_CACHE_MAX:
                    self._stations.clear()
                self._stations[station_id] = (now, key)
            hit = (now, key)
        if hit[1] is None:
            raise unknown_station(station_id)
        return hit[1]

    # --- uploads ----------------------------------------------------------------------------

    def begin_upload(
        self,
        station_id: str,
        packet_id: str,
        length: object,
        sha256: str,
        *,
        judge_again: bool = False,
    ) -> UploadState | Accepted:
        """``POST /v1/uploads``: a new or resumed upload, or the receipt if already held.

        ``judge_again``: an admin of the station resends a refused packet; a remembered
        refusal of these bytes does not answer, the bytes are verified again at completion.
        """
        length = self.check_announcement(packet_id, length, sha256)
        for _attempt in range(3):
            try:
                return self._open_upload(station_id, packet_id, length, sha256, judge_again)
            except IntegrityError:
                continue  # a concurrent POST created the row first (PostgreSQL): read it back
        raise ReceiverError(
            "busy",
            "Máy nhận đang bận, hãy thử lại.",
            "The receiver is busy; retry.",
            status=protocol.ERRORS["busy"],
        )

    @staticmethod
    def check_announcement(packet_id: str, length: object, sha256: str) -> int:
        """The checks of ``POST /v1/uploads`` before any database work: the length."""
        check_packet_id(packet_id)
        check_sha256(sha256)
        if type(length) is not int or length < 1:
            raise malformed(
                "«length» phải là số nguyên dương", "'length' must be a positive integer"
            )
        if length > protocol.MAX_PACKET:
            raise PacketRefusedError(
                "too_large",
                f"Gói quá lớn ({length:,} byte, tối đa {protocol.MAX_PACKET:,}).",
                f"The packet is too large ({length:,} bytes, at most {protocol.MAX_PACKET:,}).",
                authentic=True,
                remember=False,
                status=protocol.ERRORS["too_large"],
            )
        return length

    @staticmethod
    def opened(packet_id: str, length: int, sha256: str, fast: UploadOpen) -> UploadState | None:
        """Where the upload stands when ``open_upload``'s statement (``fast``) settled the
        ``POST``: created, or found with these bytes; ``None`` when ``begin_upload`` must
        decide (held, refused, announced with other bytes)."""
        if fast.held:
            return None
        if fast.created:
            return UploadState(packet_id, length, 0)
        if fast.length is not None and (fast.sha256, fast.length) == (sha256, length):
            return UploadState(packet_id, length, fast.offset or 0)
        return None

    def _open_upload(
        self, station_id: str, packet_id: str, length: int, sha256: str, judge_again: bool
    ) -> UploadState | Accepted:
        now = self.now()
        fast = self.store.open_upload(station_id, packet_id, length, sha256, now, judge_again)
        settled = self.opened(packet_id, length, sha256, fast) if fast is not None else None
        if settled is not None:
            return settled
        # Held, refused, announced with other bytes, or SQLite: read and decide.
        with self.store.write() as s:
            held_row = s.get(PacketRow, (station_id, packet_id))
            if held_row is not None:
                held = _held(held_row)
            else:
                up = s.get(UploadRow, (station_id, packet_id))
                # A remembered refusal answers at once, unless the station's admin asked to
                # judge the bytes again (an upload in progress was begun that way).
                refusal = (
                    None
                    if judge_again or up is not None
                    else self._remembered(s, packet_id, station_id, sha256)
                )
                if refusal is not None:
                    raise refusal
                if up is not None:
                    if (up.sha256, up.length) != (sha256, length):
                        raise _replayed(
                            "một lần tải lên khác đang dùng mã gói này",
                            "another upload uses this packet id",
                            authentic=True,
                        )
                    return UploadState(packet_id, up.length, up.offset)
                s.add(
                    UploadRow(
                        packet_id=packet_id,
                        station_id=station_id,
                        length=length,
                        offset=0,
                        sha256=sha256,
                        created_at=now,
                        updated_at=now,
                    )
                )
                s.flush()  # takes the primary key: a concurrent creator waits or fails here
                return UploadState(packet_id, length, 0)
        return self._answer_held(held, station_id, sha256)

    def _answer_held(self, held: _Held, station_id: str, sha256: str) -> Accepted:
        if held.station_id != station_id:
            log.warning(
                "station %s announced packet %s of another station", station_id, held.packet_id
            )
            raise _replayed(
                "mã gói này thuộc về một trạm khác",
                "this packet id belongs to another station",
                authentic=True,
            )
        if held.sha256 != sha256:
            log.warning("packet %s announced again with another hash", held.packet_id)
            raise _replayed(
                "máy nhận đã giữ một gói khác với cùng mã gói",
                "the receiver holds another packet with the same packet id",
                authentic=True,
            )
        return self._known(held)

    def _known(self, held: _Held) -> Accepted:
        """The answer for these bytes, held already: the ``duplicate`` receipt, or the held
        answer again while the centre has not decided on a ``duplicate_citizen``."""
        if held.status == HELD:
            raise self._citizen_hold(held.station_id, held.packet_id)
        return Accepted(self._duplicate_receipt(held), duplicate=True)

    def _remembered(
        self, s: Session, packet_id: str, station_id: str, sha256: str
    ) -> PacketRefusedError | None:
        row = s.scalars(
            select(RefusalRow)
            .where(
                RefusalRow.packet_id == packet_id,
                RefusalRow.station_id == station_id,
                RefusalRow.sha256 == sha256,
                RefusalRow.remember.is_(True),
            )
            .limit(1)
        ).first()
        if row is None:
            return None
        return PacketRefusedError(row.code, row.vi, row.en, authentic=True, remember=False)

    def upload_state(self, station_id: str, packet_id: str) -> UploadState:
        """``HEAD``: the offset; a finished upload reports ``offset == length``."""
        check_packet_id(packet_id)
        with self.store.read() as s:
            up = s.get(UploadRow, (station_id, packet_id))
            if up is not None:
                return UploadState(packet_id, up.length, up.offset)
            held = s.get(PacketRow, (station_id, packet_id))
            if held is not None:
                return UploadState(packet_id, held.size, held.size)
        raise not_found()

    def write_chunk(
        self, station_id: str, packet_id: str, offset: int, chunk: bytes
    ) -> UploadState | Accepted:
        """``PATCH``: store ``chunk`` at ``offset``; the receipt when it completes the packet.

        One statement (``ReceiverStore.append_chunk``) stores a chunk that does not complete
        the upload and tells where the upload stands otherwise: no ORM session, no read before.
        """
        check_packet_id(packet_id)
        wrote = self.store.append_chunk(station_id, packet_id, offset, chunk, self.now())
        return self.chunk_written(station_id, packet_id, offset, chunk, wrote)

    def chunk_written(
        self, station_id: str, packet_id: str, offset: int, chunk: bytes, wrote: ChunkWrite | None
    ) -> UploadState | Accepted:
        """``write_chunk`` once its statement ran (``wrote``: what ``append_chunk`` answered,
        here or on the event loop, ``loopdb.py``): where the upload stands, or the receipt when
        ``chunk`` completes the packet."""
        if wrote is None:
            self._raise_gone(station_id, packet_id, offset)
        if wrote.moved:
            return UploadState(packet_id, wrote.length, offset + len(chunk))
        if offset != wrote.offset:
            raise offset_mismatch(wrote.offset, offset)
        end = offset + len(chunk)
        if end > wrote.length:
            raise ReceiverError(
                "too_large",
                f"Đoạn dữ liệu vượt quá độ dài đã khai báo ({wrote.length:,} byte).",
                f"The chunk goes past the announced length ({wrote.length:,} bytes).",
            )
        if not chunk:
            return UploadState(packet_id, wrote.length, offset)
        if end < wrote.length:  # pragma: no cover - append_chunk moves such a chunk
            raise offset_mismatch(wrote.offset, offset)
        up = UploadRow(
            station_id=station_id,
            packet_id=packet_id,
            length=wrote.length,
            offset=wrote.offset,
            sha256=wrote.sha256,
        )
        return self._complete(station_id, up, offset, chunk)

    def _assemble(self, station_id: str, packet_id: str, offset: int) -> bytes | None:
        """The bytes of the upload's stored chunks, when they are exactly [0, offset)."""
        rows = self.store.read_chunks(station_id, packet_id)
        parts: list[bytes] = []
        at = 0
        for chunk_offset, data in rows:
            if chunk_offset != at:
                return None
            parts.append(bytes(data))
            at += len(data)
        return b"".join(parts) if at == offset else None

    def _complete(self, station_id: str, up: UploadRow, offset: int, last: bytes) -> Accepted:
        """The last chunk arrived: verify and store the whole packet (the stored chunks and
        this one), dropping the upload in the same transaction."""
        packet_id = up.packet_id
        head = self._assemble(station_id, packet_id, offset)
        if head is None:
            # Finished (or refused) by a concurrent request meanwhile, or chunks lost.
            return self._recover_lost_chunks(station_id, up, offset)
        try:
            accepted = self.accept(
                head + last,
                station_id=station_id,
                expect=Expect(packet_id, up.sha256, authentic=True),
                via="http",
                cas=_Cas(station_id, packet_id, offset),
            )
        except PacketHeldError as held:
            if held.code == "hash_mismatch":
                # The bytes received are not the announced ones: the upload starts again at 0.
                self._drop_upload(_Cas(station_id, packet_id, offset), only_at_offset=True)
            # duplicate_citizen: stored and the upload dropped in one transaction, held for the
            # centre. Otherwise the upload stays, short of its last chunk: the next try resends
            # that.
            raise
        except _CasLostError:
            return self._held_or_gone(station_id, packet_id, up.sha256, offset)
        return accepted

    def _held_or_gone(self, station_id: str, packet_id: str, sha256: str, offset: int) -> Accepted:
        """Another request finished this upload first: its receipt if the packet is held."""
        with self.store.read() as s:
            row = s.get(PacketRow, (station_id, packet_id))
            held = _held(row) if row is not None else None
        if held is not None:
            return self._answer_held(held, station_id, sha256)
        self._raise_gone(station_id, packet_id, offset)

    def _recover_lost_chunks(self, station_id: str, up: UploadRow, offset: int) -> Accepted:
        """The stored chunks are not [0, offset). If the upload moved on or ended, say so (the
        receipt if a concurrent request finished it); otherwise its bytes were lost under the
        receiver (a restored database): it starts again at 0."""
        with self.store.write() as s:
            lost = self.store.advance_offset(s, station_id, up.packet_id, offset, 0, self.now())
            if lost:
                self.store.drop_chunks(s, station_id, up.packet_id)
        if lost:
            log.warning("upload %s: stored chunks lost, restarting at 0", up.packet_id)
            raise offset_mismatch(0, offset)
        return self._held_or_gone(station_id, up.packet_id, up.sha256, offset)

    def clean_strays(self) -> int:
        """Remove chunks no upload refers to (called when the receiver starts serving)."""
        removed = self.store.clean_strays()
        if removed:
            log.info("removed %d stray chunks", removed)
        return removed

    def expire_uploads(self, older_than: str) -> int:
        """Forget uploads not touched since ``older_than`` (ISO time); how many were dropped.

        A station that comes back later simply starts that packet again from offset 0.
        """
        with self.store.write() as s:
            rows = s.scalars(select(UploadRow).where(UploadRow.updated_at < older_than)).all()
            stale = [(r.station_id, r.packet_id, r.updated_at) for r in rows]
            for station_id, packet_id, updated_at in stale:
                s.execute(
                    delete(UploadRow)
                    .where(
                        UploadRow.station_id == station_id,
                        UploadRow.packet_id == packet_id,
                        UploadRow.updated_at == updated_at,
                    )
                    .execution_options(synchronize_session=False)
                )
        return len(stale)

    def _raise_gone(self, station_id: str, packet_id: str, offset: int) -> NoReturn:
        """The upload moved on or ended under this request: say where it stands."""
        with self.store.read() as s:
            up = s.get(UploadRow, (station_id, packet_id))
            if up is not None:
                raise offset_mismatch(up.offset, offset)
            held = s.get(PacketRow, (station_id, packet_id))
            if held is not None:
                raise offset_mismatch(held.size, offset)  # complete: POST again for the receipt
        raise not_found()

    # --- accepting a packet (HTTP and USB) ----------------------------------------------------

    def accept(
        self,
        data: bytes,
        *,
        station_id: str | None,
        expect: Expect,
        via: str,
        cas: _Cas | None = None,
    ) -> Accepted:
        """Verify, deduplicate and store a whole packet; its receipt, or ``PacketRefusedError``.

        ``station_id``: the station the bytes came from, when known (the authenticated station
        of an HTTP upload, the station of a signed USB manifest); ``None`` takes the station the
        header names (its registered key is checked all the same).
        """
        sha = hashlib.sha256(data).hexdigest()
        ctx = _Context(
            packet_id=expect.packet_id or "", station_id=station_id, authentic=expect.authentic
        )
        try:
            return self._accept(data, sha, ctx, expect, via, cas)
        except PacketRefusedError as refusal:
            self._record_refusal(refusal, ctx, sha, via, cas)
            raise

    def _accept(
        self, data: bytes, sha: str, ctx: _Context, expect: Expect, via: str, cas: _Cas | None
    ) -> Accepted:
        if len(data) > protocol.MAX_PACKET:
            _refuse(
                "too_large",
                f"Gói quá lớn ({len(data):,} byte).",
                f"The packet is too large ({len(data):,} bytes).",
                ctx,
            )
        if expect.sha256 is not None and sha != expect.sha256:
            # About the transfer, not the packet: held, a new upload may succeed.
            raise PacketHeldError(
                "hash_mismatch",
                "Mã băm SHA-256 của dữ liệu nhận được khác với mã đã khai báo; hãy gửi lại.",
                "The SHA-256 of the bytes received differs from the one announced; send again.",
                retry_after=5,
            )
        try:
            header = packet.read_header(data)
        except packet.PacketError as exc:
            _refuse(exc.code, exc.vi, exc.en, ctx)
        if expect.packet_id is not None and header.packet_id != expect.packet_id:
            _refuse(
                "malformed",
                f"Phần đầu gói ghi mã gói {header.packet_id}, khác mã đã khai báo.",
                f"The packet header names packet {header.packet_id}, not the one announced.",
                ctx,
            )
        ctx.packet_id = header.packet_id
        if ctx.station_id is not None and header.station_id != ctx.station_id:
            _refuse(
                "wrong_station",
                f"Gói ghi trạm «{header.station_id}», nhưng được gửi từ trạm «{ctx.station_id}».",
                f"The packet names station '{header.station_id}' but came from '{ctx.station_id}'.",
                ctx,
            )
        ctx.station_id = header.station_id
        try:
            station_public = self.station_key(header.station_id)
        except ReceiverError as exc:
            _refuse(exc.code, exc.vi, exc.en, ctx, remember=False)

        held = self._find_held(header.station_id, header.packet_id)
        if held is not None:
            if held.sha256 == sha:
                self._drop_finished_upload(cas)
                return self._known(held)
            log.warning("packet %s received again with other bytes", header.packet_id)
            raise _replayed(
                "máy nhận đã giữ một gói khác với cùng mã gói",
                "the receiver holds another packet with the same packet id",
                authentic=ctx.authentic,
                status=422,
            )

        try:
            packet.verify_outer(data, station_public)
        except packet.PacketError as exc:
            _refuse(exc.code, exc.vi, exc.en, ctx)
        ctx.authentic = True  # from here on the bytes are the station's own
        receiver_key = self.keys.for_key_id(header.key_id)
        if receiver_key is None:
            # Held, not refused: loading that key generation lifts it.
            log.warning(
                "packet %s is sealed to key %s, not loaded", header.packet_id, header.key_id
            )
            raise PacketHeldError(
                "key_not_loaded",
                f"Máy nhận chưa nạp khóa giải mã «{header.key_id}» mà gói được niêm phong cho; "
                "gói được giữ lại và sẽ được nhận khi khóa được nạp.",
                f"The receiver has not loaded the key '{header.key_id}' the packet is sealed to; "
                "the packet is held and will be taken once the key is loaded.",
            )
        try:
            opened = packet.open_packet(
                data, receiver_key=receiver_key, station_public_key=station_public
            )
        except packet.PacketError as exc:
            _refuse(exc.code, exc.vi, exc.en, ctx)
        dossier = opened.manifest["dossier"]
        dossier_id: str = dossier["id"]
        number: str = dossier["number"]
        citizen = self._citizen(dossier.get("form"), ctx)
        self._check_dossier_free(dossier_id, header.packet_id)
        return self._store(data, sha, header, dossier_id, number, via, cas, ctx, citizen)

    @staticmethod
    def _citizen(form: object, ctx: _Context) -> str | None:
        """The citizen's ID number; ``bad_id_number`` (final) if any ID number of the form is
        not ASCII digits of the right length."""
        problem = citizens.id_number_problem(form)
        if problem is not None:
            _refuse("bad_id_number", problem[0], problem[1], ctx)
        return citizens.citizen_of(form)

    def _find_held(self, station_id: str, packet_id: str) -> _Held | None:
        """The held packet (station, packet), read without an ORM session."""
        with self.store.read_conn() as c:
            row = c.execute(_HELD_QUERY, {"sid": station_id, "pid": packet_id}).first()
        return _held(row) if row is not None else None

    def _check_dossier_free(self, dossier_id: str, packet_id: str) -> None:
        with self.store.read_conn() as c:
            live = c.execute(
                select(PacketRow.packet_id).where(PacketRow.live_dossier_id == dossier_id)
            ).scalar()
        if live is not None and live != packet_id:
            # Held: the central office decides on the live packet (it may reject it for
            # recapture, which frees the dossier for this one).
            raise PacketHeldError(
                "dossier_under_review",
                f"Hồ sơ {dossier_id} đã có gói {live} được nhận; gói mới được giữ lại cho đến khi "
                "trung tâm trả gói đó về.",
                f"Dossier {dossier_id} already has accepted packet {live}; the new packet is held "
                "until the central office sends that one back.",
            )

    def _store(
        self,
        data: bytes,
        sha: str,
        header: packet.Header,
        dossier_id: str,
        number: str,
        via: str,
        cas: _Cas | None,
        ctx: _Context,
        citizen: str | None = None,
        *,
        recheck: bool = True,
    ) -> Accepted:
        now = self.now()
        # One citizen, one card: another station's accepted, unfinished dossier of this citizen
        # holds the packet (stored, not receipted) until the centre decides.
        other = self._open_dossier_of(citizen, dossier_id) if citizen is not None else None
        receipt = protocol.make_receipt(
            self.keys.signing_key,
            packet_id=header.packet_id,
            sha256=sha,
            station_id=header.station_id,
            dossier_id=dossier_id,
            number=number,
            received_at=now,
            status=ACCEPTED,
            key_updates=self.keys.key_updates,
        )
        ctx.blob = blob = self.store.blob_name(sha)
        try:
            with self.store.write() as s:
                if cas is not None:
                    gone = s.execute(
                        delete(UploadRow)
                        .where(
                            UploadRow.station_id == cas.station_id,
                            UploadRow.packet_id == cas.packet_id,
                            UploadRow.offset == cas.offset,
                        )
                        .execution_options(synchronize_session=False)
                    )
                    if getattr(gone, "rowcount", 0) != 1:
                        raise _CasLostError
                # Core statements on the session's connection (no unit of work): the packet
                # row first (the receipt's foreign key points at it), its bytes, the receipt.
                c = s.connection()
                c.execute(
                    _INSERT_PACKET,
                    dict(
                        packet_id=header.packet_id,
                        station_id=header.station_id,
                        dossier_id=dossier_id,
                        live_dossier_id=dossier_id if other is None else None,
                        number=number,
                        sha256=sha,
                        size=len(data),
                        blob_path=blob,
                        key_id=header.key_id,
                        sealed_at=header.sealed_at,
                        received_at=now,
                        via=via,
                        status=ACCEPTED if other is None else HELD,
                        reason=None,
                        parts_to_recapture=None,
                        status_at=now,
                    ),
                )
                self.store.put_blob(c, sha, data)
                if other is None:
                    c.execute(
                        _INSERT_RECEIPT,
                        dict(
                            station_id=header.station_id,
                            packet_id=header.packet_id,
                            receipt=json.dumps(receipt.to_json(), ensure_ascii=False),
                        ),
                    )
                if citizen is not None:
                    c.execute(
                        _INSERT_CITIZEN,
                        dict(
                            station_id=header.station_id,
                            packet_id=header.packet_id,
                            id_number=citizen,
                            live_id_number=citizen if other is None else None,
                            held_by_station_id=other[0] if other else None,
                            held_by_packet_id=other[1] if other else None,
                            held_by_received_at=other[2] if other else None,
                        ),
                    )
        except IntegrityError:
            # Perhaps another receiver accepted a packet of this citizen at this moment.
            if (
                citizen is not None
                and other is None
                and recheck
                and self._open_dossier_of(citizen, dossier_id) is not None
            ):
                return self._store(
                    data, sha, header, dossier_id, number, via, cas, ctx, citizen, recheck=False
                )
            return self._after_conflict(sha, header, dossier_id, cas)
        except (DBAPIError, OSError) as exc:
            log.error("cannot store packet %s: %s", header.packet_id, exc)
            raise PacketHeldError(
                "storage_unavailable",
                "Máy nhận không lưu được gói lúc này; gói được giữ lại, hãy gửi lại sau.",
                "The receiver cannot store the packet now; it is held, send it again later.",
            ) from exc
        if other is not None:
            log.warning(
                "packet %s of station %s held: its citizen has packet %s of station %s (%s)",
                header.packet_id,
                header.station_id,
                other[1],
                other[0],
                other[2],
            )
            raise self._citizen_hold(header.station_id, header.packet_id)
        log.info(
            "accepted packet %s of station %s (dossier %s, %d bytes, via %s)",
            header.packet_id,
            header.station_id,
            dossier_id,
            len(data),
            via,
        )
        return Accepted(receipt, duplicate=False)

    def _open_dossier_of(self, citizen: str, dossier_id: str) -> tuple[str, str, str] | None:
        """(station, packet, received_at) of the oldest accepted, unfinished packet of another
        dossier of ``citizen``, from any station; ``None`` if there is none."""
        with self.store.read() as s:
            row = s.execute(
                select(PacketRow.station_id, PacketRow.packet_id, PacketRow.received_at)
                .join(
                    CitizenRow,
                    (CitizenRow.station_id == PacketRow.station_id)
                    & (CitizenRow.packet_id == PacketRow.packet_id),
                )
                .where(
                    CitizenRow.id_number == citizen,
                    PacketRow.status == ACCEPTED,
                    PacketRow.dossier_id != dossier_id,
                )
                .order_by(PacketRow.received_at)
                .limit(1)
            ).first()
        return (row[0], row[1], row[2]) if row is not None else None

    def _citizen_hold(self, station_id: str, packet_id: str) -> PacketHeldError:
        """The held answer of a packet held as ``duplicate_citizen``, naming the other station
        and the date its packet was accepted."""
        with self.store.read() as s:
            row = s.get(CitizenRow, (station_id, packet_id))
            other_id = row.held_by_station_id if row is not None else None
            other = s.get(StationRow, other_id) if other_id is not None else None
            code, name = (other.code, other.name) if other is not None else ("?", "?")
            when = (row.held_by_received_at or "")[:10] if row is not None else ""
        err = PacketHeldError(
            DUPLICATE_CITIZEN,
            f"Công dân này đã có hồ sơ được nhận từ trạm {code} «{name}» ngày {when}, chưa in "
            "thẻ và chưa bị trả về; gói được giữ lại chờ trung tâm quyết định (mỗi công dân "
            "một thẻ).",
            f"This citizen already has a dossier accepted from station {code} '{name}' on "
            f"{when}, with no card printed and not sent back; the packet is held until the "
            "central office decides (one citizen, one card).",
        )
        err.extra.update({"other_station": code, "other_received_at": when})
        return err

    def _after_conflict(
        self, sha: str, header: packet.Header, dossier_id: str, cas: _Cas | None
    ) -> Accepted:
        """A concurrent request stored this packet, or another one of the dossier, first."""
        with self.store.read() as s:
            row = s.get(PacketRow, (header.station_id, header.packet_id))
            held = _held(row) if row is not None else None
        if held is not None and held.sha256 == sha:
            self._drop_finished_upload(cas)
            return self._known(held)
        self._check_dossier_free(dossier_id, header.packet_id)
        raise _replayed(
            "máy nhận đã giữ một gói khác với cùng mã gói hoặc cùng nội dung",
            "the receiver holds another packet with the same packet id or content",
            authentic=True,
            status=422,
        )

    def _drop_finished_upload(self, cas: _Cas | None) -> None:
        if cas is not None:
            self._drop_upload(cas, only_at_offset=False)

    def _drop_upload(self, cas: _Cas, *, only_at_offset: bool) -> None:
        conditions = [UploadRow.station_id == cas.station_id, UploadRow.packet_id == cas.packet_id]
        if only_at_offset:
            conditions.append(UploadRow.offset == cas.offset)
        with self.store.write() as s:
            s.execute(
                delete(UploadRow).where(*conditions).execution_options(synchronize_session=False)
            )

    def _record_refusal(
        self, refusal: PacketRefusedError, ctx: _Context, sha: str, via: str, cas: _Cas | None
    ) -> None:
        log.warning(
            "refused packet %s of station %s via %s: %s (%s)",
            ctx.packet_id or "?",
            ctx.station_id or "?",
            via,
            refusal.code,
            refusal.en,
        )
        with self.store.write() as s:
            s.add(
                RefusalRow(
                    packet_id=ctx.packet_id[:64],
                    station_id=ctx.station_id,
                    sha256=sha,
                    code=refusal.code,
                    vi=refusal.vi,
                    en=refusal.en,
                    remember=refusal.remember and refusal.authentic,
                    via=via,
                    at=self.now(),
                )
            )
            if cas is not None:
                s.execute(
                    delete(UploadRow)
                    .where(
                        UploadRow.station_id == cas.station_id,
                        UploadRow.packet_id == cas.packet_id,
                        UploadRow.offset == cas.offset,
                    )
                    .execution_options(synchronize_session=False)
                )

    def _duplicate_receipt(self, held: _Held) -> protocol.Receipt:
        return protocol.make_receipt(
            self.keys.signing_key,
            packet_id=held.packet_id,
            sha256=held.sha256,
            station_id=held.station_id,
            dossier_id=held.dossier_id,
            number=held.number,
            received_at=held.received_at,
            status="duplicate",
            key_updates=self.keys.key_updates,
        )

    # --- receipts, statuses -----------------------------------------------------------------

    def receipt(self, station_id: str, packet_id: str) -> protocol.Receipt:
        """The receipt signed at acceptance; ``not_found`` unless this station's packet is held."""
        check_packet_id(packet_id)
        with self.store.read() as s:
            row = s.get(PacketRow, (station_id, packet_id))
            if row is None or row.status == HELD:
                raise not_found()
            stored = s.get(ReceiptRow, (station_id, packet_id))
            if stored is None:  # held as duplicate_citizen, then decided: no receipt was signed
                return self._duplicate_receipt(_held(row))
            return protocol.Receipt.from_json(json.loads(stored.receipt))

    def statuses(self, station_id: str, packet_ids: object) -> dict[str, dict[str, Any]]:
        """``POST /v1/status``: each asked packet's processing status (this station's only)."""
        if not isinstance(packet_ids, list) or len(packet_ids) > MAX_STATUS_IDS:
            raise malformed(
                f"«packet_ids» phải là danh sách tối đa {MAX_STATUS_IDS} mã gói",
                f"'packet_ids' must be a list of at most {MAX_STATUS_IDS} packet ids",
            )
        ids = sorted({check_packet_id(p) for p in packet_ids})
        out: dict[str, dict[str, Any]] = {
            p: {"status": "unknown", "reason": None, "parts": [], "updated_at": None} for p in ids
        }
        if not ids:
            return out
        with self.store.read() as s:
            rows = s.scalars(
                select(PacketRow).where(
                    PacketRow.packet_id.in_(ids), PacketRow.station_id == station_id
                )
            ).all()
            for row in rows:
                out[row.packet_id] = {
                    "status": row.status,
                    "reason": row.reason,
                    "parts": json.loads(row.parts_to_recapture or "[]"),
                    "updated_at": row.status_at,
                }
        return out

    def status_changes(self, station_id: str, after: object, limit: object) -> dict[str, Any]:
        """``POST /v2/status``: this station's status changes after cursor ``after``, oldest
        first, at most ``limit`` (1..500); ``cursor`` is where to ask from next time."""
        if type(after) is not int or after < 0:
            raise malformed("«after» phải là số nguyên ≥ 0", "'after' must be an integer ≥ 0")
        if type(limit) is not int or not 1 <= limit <= MAX_STATUS_PAGE:
            raise malformed(
                f"«limit» phải là số nguyên từ 1 đến {MAX_STATUS_PAGE}",
                f"'limit' must be an integer from 1 to {MAX_STATUS_PAGE}",
            )
        with self.store.read() as s:
            rows = s.scalars(
                select(StatusLogRow)
                .where(StatusLogRow.station_id == station_id, StatusLogRow.seq > after)
                .order_by(StatusLogRow.seq)
                .limit(limit + 1)
            ).all()
            changes = [
                {
                    "seq": r.seq,
                    "packet_id": r.packet_id,
                    "status": r.status,
                    "reason": r.reason,
                    "parts": json.loads(r.parts or "[]"),
                    "updated_at": r.at,
                }
                for r in rows[:limit]
            ]
        cursor = changes[-1]["seq"] if changes else after
        return {"changes": changes, "cursor": cursor, "more": len(rows) > limit}

    # --- administration ---------------------------------------------------------------------

    def _find(self, s: Session, packet_id: str, station_id: str | None) -> PacketRow:
        """The held packet ``packet_id`` (of ``station_id`` when given; packet ids are unique per
        station, so without it the id must name one packet)."""
        query = select(PacketRow).where(PacketRow.packet_id == packet_id)
        if station_id is not None:
            query = query.where(PacketRow.station_id == station_id)
        rows = s.scalars(query.limit(2)).all()
        if not rows:
            raise not_found()
        if len(rows) > 1:
            raise ReceiverError(
                "ambiguous",
                f"Nhiều trạm có gói {packet_id}; hãy nêu trạm (--station).",
                f"Several stations have a packet {packet_id}; name the station (--station).",
                status=409,
            )
        return rows[0]

    def mark_rejected(
        self, packet_id: str, reason: str, parts: list[str], station_id: str | None = None
    ) -> None:
        """The central office sends the dossier back: the station recaptures ``parts``.

        The dossier may then be sealed again: its new packet is accepted.
        """
        check_packet_id(packet_id)
        reason = reason.strip()
        if not 0 < len(reason) <= MAX_REASON_CHARS:
            raise ReceiverError(
                "invalid_input",
                f"Lý do trả hồ sơ phải có từ 1 đến {MAX_REASON_CHARS} ký tự.",
                f"The rejection reason must have 1 to {MAX_REASON_CHARS} characters.",
                status=400,
            )
        for part in parts:
            if not PART_RE.fullmatch(part):
                raise ReceiverError(
                    "invalid_input",
                    f"Thành phần «{part}» không hợp lệ (dạng: face, fingerprint/left_index).",
                    f"Part '{part}' is invalid (form: face, fingerprint/left_index).",
                    status=400,
                )
        self._set_status(packet_id, REJECTED, reason, sorted(set(parts)), station_id)

    def mark_card_printed(self, packet_id: str, station_id: str | None = None) -> None:
        check_packet_id(packet_id)
        self._set_status(packet_id, CARD_PRINTED, None, None, station_id)

    def mark_released(self, packet_id: str, station_id: str | None = None) -> None:
        """The centre releases a packet held as ``duplicate_citizen``: it becomes ``accepted``
        and the station gets its receipt when it offers the packet again."""
        check_packet_id(packet_id)
        try:
            self._set_status(packet_id, ACCEPTED, None, None, station_id)
        except IntegrityError as exc:
            raise ReceiverError(
                "illegal_transition",
                f"Hồ sơ của gói {packet_id} đã có một gói khác được nhận.",
                f"The dossier of packet {packet_id} already has another accepted packet.",
                status=409,
            ) from exc

    def _set_status(
        self,
        packet_id: str,
        status: str,
        reason: str | None,
        parts: list[str] | None,
        station_id: str | None,
    ) -> None:
        """Change a held packet's status and log the change for the station's next pull, in
        one transaction."""
        allowed = {
            REJECTED: (ACCEPTED, REJECTED, HELD),
            CARD_PRINTED: (ACCEPTED, CARD_PRINTED),
            ACCEPTED: (HELD,),  # a central release of a duplicate_citizen hold
        }
        with self.store.write() as s:
            row = self._find(s, packet_id, station_id)
            if row.status not in allowed[status]:
                raise ReceiverError(
                    "illegal_transition",
                    f"Gói {packet_id} đang ở trạng thái «{row.status}», không chuyển sang "
                    f"«{status}» được.",
                    f"Packet {packet_id} is '{row.status}' and cannot become '{status}'.",
                    status=409,
                )
            row.status = status
            row.reason = reason
            row.parts_to_recapture = json.dumps(parts) if parts is not None else None
            row.live_dossier_id = row.dossier_id if status in LIVE_STATUSES else None
            row.status_at = self.now()
            if status != ACCEPTED:  # no longer the citizen's open dossier
                s.execute(
                    update(CitizenRow)
                    .where(
                        CitizenRow.station_id == row.station_id,
                        CitizenRow.packet_id == packet_id,
                    )
                    .values(live_id_number=None)
                    .execution_options(synchronize_session=False)
                )
            s.add(
                StatusLogRow(
                    station_id=row.station_id,
                    packet_id=packet_id,
                    status=status,
                    reason=reason,
                    parts=row.parts_to_recapture,
                    at=row.status_at,
                )
            )

    def open_stored(self, packet_id: str, station_id: str | None = None) -> packet.Opened:
        """Open a held packet again from its blob (for the central processing downstream)."""
        check_packet_id(packet_id)
        with self.store.read() as s:
            row = self._find(s, packet_id, station_id)
            blob, key_id, station_id = row.blob_path, row.key_id, row.station_id
            public = crypto.b64d(s.get_one(StationRow, station_id).public_key)
        key = self.keys.for_key_id(key_id)
        if key is None:
            raise ReceiverError(
                "decrypt_failed",
                f"Thiếu khóa giải mã «{key_id}».",
                f"The decryption key '{key_id}' is not loaded.",
                status=500,
            )
        return packet.open_packet(
            self.store.read_blob(blob), receiver_key=key, station_public_key=public
        )
