"""Sealed dossier packets, format version 1. The byte layout is specified in ``docs/packet.md``.

A packet is what leaves the station for an approved dossier::

    magic(8) | version(1) | u32 header_len | header | u32 ciphertext_len | ciphertext | sig(64)

* ``header``: canonical JSON in clear text (packet id, station id, receiver key id, suite, sealed
  time, ciphertext size and SHA-256), so that a receiver can route, deduplicate and refuse a packet
  without decrypting it.
* ``ciphertext``: single-shot HPKE (ML-KEM-768+X25519, HKDF-SHA256, AES-256-GCM) of the inner
  payload to the receiver's pinned key; the HPKE ``info`` binds the header (all of it but the
  ciphertext hash, which cannot exist before the ciphertext does).
* ``sig``: the station's Ed25519 signature over everything before it, domain-separated.

The inner payload is ``u32 manifest_len | manifest | manifest_sig(64) | u32 parts_len | parts``:
a canonical JSON manifest (dossier fields, and for each binary part its hash, size and place in
``parts``), the station's Ed25519 signature over the manifest, and the parts concatenated.

Once sealed, the station cannot read the packet back: only the receiver's private key opens it.
Nothing here touches the store, Qt or the network.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from station import crypto
from station.clock import iso, parse_iso
from station.dossier import case_type as check_case_type
from station.dossier import part_fields
from station.errors import StationError, ValidationError

# --- constants (docs/packet.md, "Constants") ------------------------------------------------

MAGIC = b"\x89IPKT\r\n\x1a"
VERSION = 1
#: Largest packet, in bytes, that a station seals and a receiver accepts.
MAX_PACKET_BYTES = 16 * 1024 * 1024
MAX_HEADER_BYTES = 4096
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_PARTS = 256

SIGNATURE_BYTES = 64
#: HPKE ``enc`` of the ML-KEM-768+X25519 KEM: ML-KEM-768 ciphertext (1088) || X25519 share (32).
HPKE_ENC_BYTES = 1120
AEAD_TAG_BYTES = 16
#: magic + version + header_len + ciphertext_len + outer signature.
OUTER_OVERHEAD = len(MAGIC) + 1 + 4 + 4 + SIGNATURE_BYTES
#: manifest_len + manifest signature + parts_len.
INNER_OVERHEAD = 4 + SIGNATURE_BYTES + 4
MIN_CIPHERTEXT_BYTES = HPKE_ENC_BYTES + AEAD_TAG_BYTES

OUTER_SIG_PREFIX = b"intake-station/packet/v1/outer\x00"
MANIFEST_SIG_PREFIX = b"intake-station/packet/v1/manifest\x00"
HPKE_INFO_PREFIX = b"intake-station/packet/v1/hpke\x00"

MANIFEST_FORMAT = "intake-station/packet-manifest"
HEADER_KEYS = frozenset(
    {
        "packet_id",
        "station_id",
        "key_id",
        "suite",
        "sealed_at",
        "ciphertext_size",
        "ciphertext_sha256",
    }
)
MANIFEST_KEYS = frozenset(
    {
        "format",
        "version",
        "packet_id",
        "station_id",
        "station_code",
        "receiver_key_id",
        "sealed_at",
        "dossier",
        "parts",
    }
)
DOSSIER_KEYS = frozenset(
    {
        "id",
        "number",
        "case_type",
        "form",
        "capture",
        "operator_id",
        "supervisor_id",
        "created_at",
        "approved_at",
    }
)
PART_KEYS = frozenset({"kind", "slot", "media_type", "size", "sha256", "meta", "offset", "length"})

#: Every ``PacketError.code``.
ERROR_CODES = frozenset(
    {
        "malformed",
        "truncated",
        "too_large",
        "unsupported_version",
        "bad_signature",
        "decrypt_failed",
        "bad_manifest",
        "hash_mismatch",
        "wrong_station",
    }
)

_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX16 = re.compile(r"[0-9a-f]{16}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_CASE = re.compile(r"[a-z][a-z0-9_]{0,23}")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,23}")
_SLOT = re.compile(r"[a-z0-9_]{0,32}")
_MEDIA = re.compile(r"[a-z]+/[a-z0-9.+-]+")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_U32 = struct.Struct(">I")


class PacketError(StationError):
    """A packet cannot be sealed or does not verify; ``code`` says why (see ``ERROR_CODES``)."""

    code = "malformed"


def _fail(code: str, vi: str, en: str) -> NoReturn:
    raise PacketError(vi, en, field="packet", code=code)


# --- inputs and results ---------------------------------------------------------------------


@dataclass(frozen=True)
class PartInput:
    kind: str
    slot: str
    media_type: str
    data: bytes
    meta: dict[str, Any]


@dataclass(frozen=True)
class SealInput:
    dossier_id: str
    number: str
    case_type: str
    form: dict[str, Any]
    capture: dict[str, Any]
    operator_id: str
    supervisor_id: str | None
    created_at: str
    approved_at: str | None
    parts: list[PartInput]


@dataclass(frozen=True)
class Sealed:
    packet_id: str
    data: bytes
    sha256: str
    size: int
    header: dict[str, Any]


@dataclass(frozen=True)
class Header:
    packet_id: str
    station_id: str
    key_id: str
    suite: str
    sealed_at: str
    ciphertext_size: int
    ciphertext_sha256: str
    raw: dict[str, Any]


@dataclass(frozen=True)
class Opened:
    header: Header
    manifest: dict[str, Any]
    parts: dict[tuple[str, str], bytes]


# --- canonical JSON -------------------------------------------------------------------------


def canonical(value: Any) -> bytes:
    """UTF-8 canonical JSON: keys sorted, no insignificant whitespace, non-ASCII kept, no NaN.

    Byte-identical to ``station.audit.canonical_json`` for every value that is valid JSON.
    """
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses to infinity
        raise ValueError(f"{text} is out of range")
    return value


def strict_loads(raw: bytes) -> Any:
    """Strict JSON: UTF-8 only, no duplicate keys, no NaN/Infinity. ``ValueError`` otherwise."""
    try:
        return json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def hpke_key_id(public: crypto.HpkePublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw public key (as ``provisioning.key_id``)."""
    return hashlib.sha256(public.mlkem_public + public.x25519_public).hexdigest()[:16]


def _is_time(value: object) -> bool:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return False
    try:
        parse_iso(value)
    except ValueError:
        return False
    return True


def _is_uint(value: object) -> bool:
    return type(value) is int and value >= 0


# --- sealing --------------------------------------------------------------------------------


def _invalid(field: str, vi: str, en: str) -> NoReturn:
    raise ValidationError(f"Niêm phong: {vi}", f"Sealing: {en}", field=field)


def _check_input(inp: SealInput, station_id: str, station_code: str) -> None:
    for field, value in (
        ("station_id", station_id),
        ("station_code", station_code),
        ("dossier_id", inp.dossier_id),
        ("number", inp.number),
        ("operator_id", inp.operator_id),
    ):
        if not isinstance(value, str) or not _IDENT.fullmatch(value):
            _invalid(field, f"«{field}» không hợp lệ.", f"'{field}' is invalid.")
    if inp.supervisor_id is not None and not (
        isinstance(inp.supervisor_id, str) and _IDENT.fullmatch(inp.supervisor_id)
    ):
        _invalid("supervisor_id", "«supervisor_id» không hợp lệ.", "'supervisor_id' is invalid.")
    check_case_type(inp.case_type)
    if not _is_time(inp.created_at):
        _invalid("created_at", "thời điểm tạo không hợp lệ.", "the creation time is invalid.")
    if inp.approved_at is not None and not _is_time(inp.approved_at):
        _invalid("approved_at", "thời điểm duyệt không hợp lệ.", "the approval time is invalid.")
    for field, obj in (("form", inp.form), ("capture", inp.capture)):
        if not isinstance(obj, dict):
            _invalid(
                field, f"«{field}» phải là một đối tượng JSON.", f"'{field}' must be a JSON object."
            )
    _check_part_inputs(inp.parts)


def _check_part_inputs(parts: list[PartInput]) -> None:
    if len(parts) > MAX_PARTS:
        _invalid("parts", f"quá {MAX_PARTS} thành phần.", f"more than {MAX_PARTS} parts.")
    seen: set[tuple[str, str]] = set()
    for part in parts:
        part_fields(part.kind, part.slot, part.media_type, part.data)
        if not isinstance(part.meta, dict):
            _invalid(
                "meta",
                "siêu dữ liệu thành phần phải là đối tượng JSON.",
                "part meta must be a JSON object.",
            )
        key = (part.kind, part.slot)
        if key in seen:
            _invalid("parts", f"thành phần {key} bị lặp.", f"part {key} appears twice.")
        seen.add(key)


def _manifest(
    inp: SealInput,
    *,
    packet_id: str,
    station_id: str,
    station_code: str,
    receiver_key_id: str,
    sealed_at: str,
) -> tuple[dict[str, Any], list[bytes]]:
    """The manifest object and the part bytes in manifest order (sorted by kind, then slot)."""
    ordered = sorted(inp.parts, key=lambda p: (p.kind, p.slot))
    entries: list[dict[str, Any]] = []
    blobs: list[bytes] = []
    offset = 0
    for part in ordered:
        data = bytes(part.data)
        entries.append(
            {
                "kind": part.kind,
                "slot": part.slot,
                "media_type": part.media_type,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "meta": part.meta,
                "offset": offset,
                "length": len(data),
            }
        )
        blobs.append(data)
        offset += len(data)
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": VERSION,
        "packet_id": packet_id,
        "station_id": station_id,
        "station_code": station_code,
        "receiver_key_id": receiver_key_id,
        "sealed_at": sealed_at,
        "dossier": {
            "id": inp.dossier_id,
            "number": inp.number,
            "case_type": inp.case_type,
            "form": inp.form,
            "capture": inp.capture,
            "operator_id": inp.operator_id,
            "supervisor_id": inp.supervisor_id,
            "created_at": inp.created_at,
            "approved_at": inp.approved_at,
        },
        "parts": entries,
    }
    return manifest, blobs


def _sign(signing_key: bytes, prefix: bytes, message: bytes) -> bytes:
    return ed25519.Ed25519PrivateKey.from_private_bytes(signing_key).sign(prefix + message)


def _encode_inner(manifest_bytes: bytes, manifest_sig: bytes, parts: bytes) -> bytes:
    return b"".join(
        (_U32.pack(len(manifest_bytes)), manifest_bytes, manifest_sig, _U32.pack(len(parts)), parts)
    )


def _hpke_info(header: dict[str, Any]) -> bytes:
    """``prefix || magic || version || canonical(header without "ciphertext_sha256")``."""
    core = {k: v for k, v in header.items() if k != "ciphertext_sha256"}
    return HPKE_INFO_PREFIX + MAGIC + bytes([VERSION]) + canonical(core)


def _encode_outer(header_bytes: bytes, ciphertext: bytes, signing_key: bytes) -> bytes:
    body = b"".join(
        (
            MAGIC,
            bytes([VERSION]),
            _U32.pack(len(header_bytes)),
            header_bytes,
            _U32.pack(len(ciphertext)),
            ciphertext,
        )
    )
    return body + _sign(signing_key, OUTER_SIG_PREFIX, body)


def _too_large(size: int) -> NoReturn:
    _fail(
        "too_large",
        f"Hồ sơ quá lớn để niêm phong: gói sẽ có {size:,} byte, tối đa {MAX_PACKET_BYTES:,} byte.",
        f"The dossier is too large to seal: the packet would be {size:,} bytes, "
        f"at most {MAX_PACKET_BYTES:,}.",
    )


@dataclass(frozen=True)
class _Plan:
    manifest_bytes: bytes
    blobs: list[bytes]
    header: dict[str, Any]  # ciphertext_sha256 still a placeholder of the right length
    total: int


def _plan(
    inp: SealInput,
    *,
    station_id: str,
    station_code: str,
    receiver_key_id: str,
    packet_id: str,
    sealed_at: str,
) -> _Plan:
    """Validate, lay out and size a packet without signing or encrypting anything.

    Raises ``ValidationError`` or ``PacketError("too_large")``.
    """
    _check_input(inp, station_id, station_code)
    if not isinstance(receiver_key_id, str) or not _HEX16.fullmatch(receiver_key_id):
        _invalid("receiver_key_id", "mã khóa nhận không hợp lệ.", "the receiver key id is invalid.")
    # Size first, from the part sizes alone: nothing is hashed or copied for a hopeless dossier.
    parts_len = sum(len(p.data) for p in inp.parts)
    if parts_len > MAX_PACKET_BYTES:
        _too_large(parts_len + OUTER_OVERHEAD + INNER_OVERHEAD + MIN_CIPHERTEXT_BYTES)
    manifest, blobs = _manifest(
        inp,
        packet_id=packet_id,
        station_id=station_id,
        station_code=station_code,
        receiver_key_id=receiver_key_id,
        sealed_at=sealed_at,
    )
    try:
        manifest_bytes = canonical(manifest)
    except (TypeError, ValueError) as exc:  # not JSON, NaN, lone surrogate
        raise ValidationError(
            f"Niêm phong: dữ liệu hồ sơ không biểu diễn được bằng JSON ({exc}).",
            f"Sealing: the dossier data cannot be represented as JSON ({exc}).",
            field="form",
        ) from exc
    if len(manifest_bytes) > MAX_MANIFEST_BYTES:
        _fail(
            "too_large",
            f"Bản kê của hồ sơ quá lớn ({len(manifest_bytes):,} byte, tối đa "
            f"{MAX_MANIFEST_BYTES:,}).",
            f"The dossier manifest is too large ({len(manifest_bytes):,} bytes, at most "
            f"{MAX_MANIFEST_BYTES:,}).",
        )
    inner_len = INNER_OVERHEAD + len(manifest_bytes) + parts_len
    header: dict[str, Any] = {
        "packet_id": packet_id,
        "station_id": station_id,
        "key_id": receiver_key_id,
        "suite": crypto.HPKE_SUITE_ID,
        "sealed_at": sealed_at,
        "ciphertext_size": HPKE_ENC_BYTES + inner_len + AEAD_TAG_BYTES,
        "ciphertext_sha256": "0" * 64,  # same length as the real digest
    }
    total = OUTER_OVERHEAD + len(canonical(header)) + header["ciphertext_size"]
    if total > MAX_PACKET_BYTES:
        _too_large(total)
    return _Plan(manifest_bytes, blobs, header, total)


def sealed_size(inp: SealInput, *, station_id: str, station_code: str, receiver_key_id: str) -> int:
    """The exact size of the packet ``seal`` would make, with no key and no cryptography.

    For checking a dossier against ``MAX_PACKET_BYTES`` before it is approved; raises like
    ``seal`` does (``ValidationError``, ``PacketError`` code ``too_large``).
    """
    plan = _plan(
        inp,
        station_id=station_id,
        station_code=station_code,
        receiver_key_id=receiver_key_id,
        packet_id="0" * 32,  # every field that varies between seals has a fixed length
        sealed_at="2000-01-01T00:00:00.000000Z",
    )
    return plan.total


def seal(
    inp: SealInput,
    *,
    station_id: str,
    station_code: str,
    signing_key: bytes,
    receiver_key: crypto.HpkePublicKey,
    receiver_key_id: str,
    now: datetime,
) -> Sealed:
    """Seal a dossier into a packet for ``receiver_key``.

    Refuses (``ValidationError``) malformed input and (``PacketError`` code ``too_large``) a
    dossier whose packet would exceed ``MAX_PACKET_BYTES``, in both cases before signing or
    encrypting anything. Each call makes a new packet id and a new HPKE encapsulation, so sealing
    the same dossier twice gives two different packets: seal once and keep the bytes.
    """
    if now.tzinfo is None:
        raise ValidationError(
            "Niêm phong: thời điểm phải có múi giờ.",
            "Sealing: the time must be timezone-aware.",
            field="now",
        )
    if not isinstance(signing_key, bytes) or len(signing_key) != 32:
        raise ValidationError(
            "Niêm phong: khóa ký của trạm không hợp lệ.",
            "Sealing: the station signing key is invalid.",
            field="signing_key",
        )
    if receiver_key_id != hpke_key_id(receiver_key):
        raise ValidationError(
            "Niêm phong: mã khóa nhận không khớp với khóa công khai.",
            "Sealing: the receiver key id does not match the public key.",
            field="receiver_key_id",
        )
    plan = _plan(
        inp,
        station_id=station_id,
        station_code=station_code,
        receiver_key_id=receiver_key_id,
        packet_id=uuid.uuid4().hex,
        sealed_at=iso(now),
    )
    header = plan.header
    manifest_sig = _sign(signing_key, MANIFEST_SIG_PREFIX, plan.manifest_bytes)
    inner = _encode_inner(plan.manifest_bytes, manifest_sig, b"".join(plan.blobs))
    ciphertext = crypto.hpke_seal(inner, receiver_key, _hpke_info(header))
    if len(ciphertext) != header["ciphertext_size"]:  # pragma: no cover - fixed KEM sizes
        raise AssertionError("HPKE ciphertext size differs from the computed size")
    header["ciphertext_sha256"] = hashlib.sha256(ciphertext).hexdigest()
    data = _encode_outer(canonical(header), ciphertext, signing_key)
    if len(data) != plan.total:  # pragma: no cover
        raise AssertionError("packet size differs from the computed size")
    # Self-check of what leaves the station: structure, hash and outer signature.
    verify_outer(data, crypto.ed25519_public(signing_key))
    return Sealed(header["packet_id"], data, hashlib.sha256(data).hexdigest(), len(data), header)


# --- reading --------------------------------------------------------------------------------


def _header_from(raw: bytes) -> Header:
    def bad(why_vi: str, why_en: str) -> NoReturn:
        _fail(
            "malformed", f"Phần đầu gói hỏng: {why_vi}.", f"Packet header is malformed: {why_en}."
        )

    try:
        doc = strict_loads(raw)
    except ValueError:
        bad("không phải JSON hợp lệ", "not valid JSON")
    if not isinstance(doc, dict):
        bad("không phải đối tượng JSON", "not a JSON object")
    if set(doc) != HEADER_KEYS:
        bad("sai tập trường", "wrong set of fields")
    try:
        again = canonical(doc)
    except (TypeError, ValueError):  # pragma: no cover - _loads yields only encodable values
        bad("không ở dạng JSON chuẩn tắc", "not in canonical JSON form")
    if again != raw:
        bad("không ở dạng JSON chuẩn tắc", "not in canonical JSON form")
    checks = (
        ("packet_id", isinstance(doc["packet_id"], str) and _HEX32.fullmatch(doc["packet_id"])),
        ("station_id", isinstance(doc["station_id"], str) and _IDENT.fullmatch(doc["station_id"])),
        ("key_id", isinstance(doc["key_id"], str) and _HEX16.fullmatch(doc["key_id"])),
        ("suite", isinstance(doc["suite"], str)),
        ("sealed_at", _is_time(doc["sealed_at"])),
        ("ciphertext_size", _is_uint(doc["ciphertext_size"])),
        (
            "ciphertext_sha256",
            isinstance(doc["ciphertext_sha256"], str)
            and _HEX64.fullmatch(doc["ciphertext_sha256"]),
        ),
    )
    for name, ok in checks:
        if not ok:
            bad(f"trường «{name}» không hợp lệ", f"field '{name}' is invalid")
    if doc["suite"] != crypto.HPKE_SUITE_ID:
        _fail(
            "unsupported_version",
            f"Bộ thuật toán «{doc['suite']}» không được hỗ trợ.",
            f"Cipher suite '{doc['suite']}' is not supported.",
        )
    return Header(
        packet_id=doc["packet_id"],
        station_id=doc["station_id"],
        key_id=doc["key_id"],
        suite=doc["suite"],
        sealed_at=doc["sealed_at"],
        ciphertext_size=doc["ciphertext_size"],
        ciphertext_sha256=doc["ciphertext_sha256"],
        raw=doc,
    )


def _truncated() -> NoReturn:
    _fail("truncated", "Gói bị cắt cụt (thiếu dữ liệu).", "The packet is truncated.")


@dataclass(frozen=True)
class _Layout:
    header: Header
    ciphertext: memoryview
    signed_end: int  # offset of the outer signature


def _frame(data: bytes) -> tuple[bytes, int, int]:
    """Steps 1-3 of docs/packet.md, "Verifying": (header bytes, ciphertext offset, length)."""
    size = len(data)
    if size > MAX_PACKET_BYTES:
        _fail(
            "too_large",
            f"Gói quá lớn ({size:,} byte, tối đa {MAX_PACKET_BYTES:,}).",
            f"The packet is too large ({size:,} bytes, at most {MAX_PACKET_BYTES:,}).",
        )
    head = bytes(data[: len(MAGIC)])
    if head != MAGIC[: len(head)]:
        _fail(
            "malformed",
            "Không phải gói hồ sơ (sai mã nhận dạng).",
            "Not a dossier packet (bad magic).",
        )
    if size < len(MAGIC) + 1:
        _truncated()
    version = data[len(MAGIC)]
    if version != VERSION:
        _fail(
            "unsupported_version",
            f"Phiên bản gói {version} không được hỗ trợ (chỉ hỗ trợ {VERSION}).",
            f"Packet version {version} is not supported (only {VERSION}).",
        )
    pos = len(MAGIC) + 1
    if size < pos + 4:
        _truncated()
    (header_len,) = _U32.unpack_from(data, pos)
    pos += 4
    if not 0 < header_len <= MAX_HEADER_BYTES:
        _fail(
            "malformed",
            f"Độ dài phần đầu gói {header_len} không hợp lệ (1..{MAX_HEADER_BYTES}).",
            f"Header length {header_len} is invalid (1..{MAX_HEADER_BYTES}).",
        )
    if size < pos + header_len + 4:
        _truncated()
    header_raw = bytes(data[pos : pos + header_len])
    pos += header_len
    (ct_len,) = _U32.unpack_from(data, pos)
    pos += 4
    if not MIN_CIPHERTEXT_BYTES <= ct_len <= MAX_PACKET_BYTES - OUTER_OVERHEAD - header_len:
        _fail(
            "malformed",
            f"Độ dài bản mã {ct_len} không hợp lệ.",
            f"Ciphertext length {ct_len} is invalid.",
        )
    expected = pos + ct_len + SIGNATURE_BYTES
    if size < expected:
        _truncated()
    if size > expected:
        _fail(
            "malformed",
            f"Gói có {size - expected} byte thừa ở cuối.",
            f"The packet has {size - expected} trailing bytes.",
        )
    return header_raw, pos, ct_len


def _parse(data: bytes) -> _Layout:
    """Steps 1-5 of docs/packet.md, "Verifying": everything that needs no key."""
    header_raw, start, ct_len = _frame(data)
    header = _header_from(header_raw)
    if header.ciphertext_size != ct_len:
        _fail(
            "malformed",
            "Độ dài bản mã không khớp với phần đầu gói.",
            "The ciphertext length does not match the header.",
        )
    ciphertext = memoryview(data)[start : start + ct_len]
    if hashlib.sha256(ciphertext).hexdigest() != header.ciphertext_sha256:
        _fail(
            "hash_mismatch",
            "Mã băm SHA-256 của bản mã không khớp với phần đầu gói (gói bị hỏng hoặc bị sửa).",
            "The ciphertext SHA-256 does not match the header (corrupted or altered packet).",
        )
    return _Layout(header, ciphertext, start + ct_len)


def read_header(data: bytes) -> Header:
    """The clear header, after every check that needs no key (structure, sizes, ciphertext hash).

    The header is NOT authenticated yet: use it to route, deduplicate and refuse early, and call
    ``verify_outer`` with the public key of the station it names before trusting it.
    """
    return _parse(data).header


def _verify(public_key: bytes, prefix: bytes, message: bytes, signature: bytes, what: str) -> None:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_key).verify(signature, prefix + message)
    except (InvalidSignature, ValueError, TypeError):
        vi, en = {
            "outer": ("Chữ ký của trạm trên gói", "The station's signature on the packet"),
            "manifest": ("Chữ ký của trạm trên bản kê", "The station's signature on the manifest"),
        }[what]
        _fail("bad_signature", f"{vi} không hợp lệ.", f"{en} is not valid.")


def _verify_outer(data: bytes, station_public_key: bytes) -> _Layout:
    layout = _parse(data)
    signed = bytes(data[: layout.signed_end])
    signature = bytes(data[layout.signed_end :])
    _verify(station_public_key, OUTER_SIG_PREFIX, signed, signature, "outer")
    return layout


def verify_outer(data: bytes, station_public_key: bytes) -> Header:
    """The header, once the station's outer signature over the whole packet has been checked."""
    return _verify_outer(data, station_public_key).header


def _bad_manifest(why_vi: str, why_en: str) -> NoReturn:
    _fail(
        "bad_manifest",
        f"Bản kê của gói sai: {why_vi}.",
        f"The packet manifest is invalid: {why_en}.",
    )


def _split_inner(inner: bytes) -> tuple[bytes, bytes, memoryview]:
    def bad(why_vi: str, why_en: str) -> NoReturn:
        _fail(
            "malformed",
            f"Nội dung gói hỏng: {why_vi}.",
            f"The packet payload is malformed: {why_en}.",
        )

    view = memoryview(inner)
    if len(view) < INNER_OVERHEAD:
        bad("quá ngắn", "too short")
    (m_len,) = _U32.unpack_from(view, 0)
    if not 0 < m_len <= MAX_MANIFEST_BYTES or 4 + m_len + SIGNATURE_BYTES + 4 > len(view):
        bad("độ dài bản kê sai", "bad manifest length")
    manifest = bytes(view[4 : 4 + m_len])
    pos = 4 + m_len
    signature = bytes(view[pos : pos + SIGNATURE_BYTES])
    pos += SIGNATURE_BYTES
    (p_len,) = _U32.unpack_from(view, pos)
    pos += 4
    if pos + p_len != len(view):
        bad("độ dài phần dữ liệu sai", "bad parts length")
    return manifest, signature, view[pos:]


def _check_dossier(d: object) -> None:
    if not isinstance(d, dict) or set(d) != DOSSIER_KEYS:
        _bad_manifest("mục «dossier» sai tập trường", "'dossier' has the wrong set of fields")
    for name in ("id", "number", "operator_id"):
        if not isinstance(d[name], str) or not _IDENT.fullmatch(d[name]):
            _bad_manifest(f"«dossier.{name}» không hợp lệ", f"'dossier.{name}' is invalid")
    sup = d["supervisor_id"]
    if sup is not None and not (isinstance(sup, str) and _IDENT.fullmatch(sup)):
        _bad_manifest("«dossier.supervisor_id» không hợp lệ", "'dossier.supervisor_id' is invalid")
    if not isinstance(d["case_type"], str) or not _CASE.fullmatch(d["case_type"]):
        _bad_manifest("«dossier.case_type» không hợp lệ", "'dossier.case_type' is invalid")
    if not isinstance(d["form"], dict) or not isinstance(d["capture"], dict):
        _bad_manifest("«form»/«capture» phải là đối tượng", "'form'/'capture' must be objects")
    if not _is_time(d["created_at"]) or not (
        d["approved_at"] is None or _is_time(d["approved_at"])
    ):
        _bad_manifest("thời điểm không hợp lệ", "invalid time")


def _check_parts(parts: object, parts_len: int) -> list[dict[str, Any]]:
    if not isinstance(parts, list) or len(parts) > MAX_PARTS:
        _bad_manifest("«parts» phải là danh sách", "'parts' must be a list")
    offset = 0
    previous: tuple[str, str] | None = None
    for i, p in enumerate(parts):
        if not isinstance(p, dict) or set(p) != PART_KEYS:
            _bad_manifest(f"thành phần {i} sai tập trường", f"part {i} has the wrong set of fields")
        ok = (
            isinstance(p["kind"], str)
            and _KIND.fullmatch(p["kind"])
            and isinstance(p["slot"], str)
            and _SLOT.fullmatch(p["slot"])
            and isinstance(p["media_type"], str)
            and _MEDIA.fullmatch(p["media_type"])
            and isinstance(p["sha256"], str)
            and _HEX64.fullmatch(p["sha256"])
            and isinstance(p["meta"], dict)
            and _is_uint(p["size"])
            and _is_uint(p["offset"])
            and _is_uint(p["length"])
        )
        if not ok:
            _bad_manifest(
                f"thành phần {i} có trường không hợp lệ", f"part {i} has an invalid field"
            )
        key = (p["kind"], p["slot"])
        if previous is not None and key <= previous:
            _bad_manifest(
                "thành phần không theo thứ tự hoặc bị lặp", "parts are out of order or repeated"
            )
        previous = key
        if p["offset"] != offset or p["length"] != p["size"]:
            _bad_manifest(f"vị trí thành phần {i} sai", f"part {i} is not where it should be")
        offset += p["length"]
    if offset != parts_len:
        _bad_manifest("tổng độ dài thành phần sai", "the parts do not fill the parts section")
    return parts


def open_packet(
    data: bytes, *, receiver_key: crypto.HpkePrivateKey, station_public_key: bytes
) -> Opened:
    """Verify, decrypt and check a packet end to end (docs/packet.md, "Verifying")."""
    layout = _verify_outer(data, station_public_key)
    header = layout.header
    if header.key_id != hpke_key_id(receiver_key.public_key()):
        _fail(
            "decrypt_failed",
            f"Gói được mã hóa cho khóa nhận khác ({header.key_id}).",
            f"The packet is encrypted to another receiver key ({header.key_id}).",
        )
    try:
        inner = crypto.hpke_open(bytes(layout.ciphertext), receiver_key, _hpke_info(header.raw))
    except crypto.HpkeOpenError:
        _fail(
            "decrypt_failed",
            "Không giải mã được gói bằng khóa nhận này.",
            "The packet does not decrypt with this receiver key.",
        )
    manifest_bytes, manifest_sig, parts = _split_inner(inner)
    _verify(station_public_key, MANIFEST_SIG_PREFIX, manifest_bytes, manifest_sig, "manifest")
    try:
        manifest = strict_loads(manifest_bytes)
    except ValueError:
        _bad_manifest("không phải JSON hợp lệ", "not valid JSON")
    if not isinstance(manifest, dict) or set(manifest) != MANIFEST_KEYS:
        _bad_manifest("sai tập trường", "wrong set of fields")
    version = manifest["version"]
    if manifest["format"] != MANIFEST_FORMAT or not _is_uint(version) or version != VERSION:
        _bad_manifest("sai định dạng hoặc phiên bản", "wrong format or version")
    if manifest["station_id"] != header.station_id:
        _fail(
            "wrong_station",
            f"Bản kê ghi trạm «{manifest['station_id']}», phần đầu gói ghi «{header.station_id}».",
            f"The manifest names station '{manifest['station_id']}', the header "
            f"'{header.station_id}'.",
        )
    for name, value in (
        ("packet_id", header.packet_id),
        ("receiver_key_id", header.key_id),
        ("sealed_at", header.sealed_at),
    ):
        if manifest[name] != value:
            _bad_manifest(f"«{name}» khác phần đầu gói", f"'{name}' differs from the header")
    code = manifest["station_code"]
    if not isinstance(code, str) or not _IDENT.fullmatch(code):
        _bad_manifest("«station_code» không hợp lệ", "'station_code' is invalid")
    _check_dossier(manifest["dossier"])
    entries = _check_parts(manifest["parts"], len(parts))
    out: dict[tuple[str, str], bytes] = {}
    for p in entries:
        blob = bytes(parts[p["offset"] : p["offset"] + p["length"]])
        if hashlib.sha256(blob).hexdigest() != p["sha256"]:
            _fail(
                "hash_mismatch",
                f"Mã băm của thành phần {p['kind']}/{p['slot']} không khớp.",
                f"The hash of part {p['kind']}/{p['slot']} does not match.",
            )
        out[(p["kind"], p["slot"])] = blob
    return Opened(header, manifest, out)
