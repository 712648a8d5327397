"""Importing a station's USB export, and writing the receipts folder it takes back.

An export folder holds ``<packet_id>.ipkt`` files, ``manifest.json`` and ``manifest.sig``
(``docs/sync.md``, "USB transfer"). Each packet goes through ``Receiver.accept``, the same code
path as an HTTP upload, so a packet is stored once whichever way (or how many times) it comes.

A packet is self-authenticating (the station's outer signature), so a missing or invalid manifest
does not stop the import: it is reported, and without it a failure that may come from a damaged
copy (anything before the outer signature verifies) is reported as ``damaged`` (export again), not
as a refusal. With a valid signed manifest, a file whose size or hash differs from the manifest's
is ``damaged`` (truncated or corrupted copy), ``missing`` if absent; a packet whose bytes match
the manifest and still fail is ``refused``, as over HTTP.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from station.fsutil import atomic_write
from station.safefile import UnsafeFileError, loads_bounded, read_regular, regular_size
from sync import protocol
from sync.receiver.core import IDENT_RE, PACKET_ID_RE, SHA256_RE, Expect, Receiver
from sync.receiver.errors import PacketHeldError, PacketRefusedError, ReceiverError

EXPORT_FORMAT = "intake-station/usb-export"
RECEIPTS_FORMAT = "intake-station/usb-receipts"
MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.sig"
RECEIPTS = "receipts.json"
RECEIPTS_SIG = "receipts.sig"
PACKET_SUFFIX = ".ipkt"
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_SIG_BYTES = 1024

ACCEPTED, DUPLICATE, REFUSED, HELD, DAMAGED, MISSING = (
    "accepted",
    "duplicate",
    "refused",
    "held",
    "damaged",
    "missing",
)


@dataclass
class UsbItem:
    packet_id: str
    file: str
    result: str
    error: str | None = None
    vi: str | None = None
    en: str | None = None
    receipt_file: str | None = None
    #: Listed in a valid signed manifest.
    listed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "packet_id": self.packet_id,
            "file": self.file,
            "result": self.result,
            "receipt": self.receipt_file,
            "error": self.error,
            "vi": self.vi,
            "en": self.en,
            "listed": self.listed,
        }


@dataclass
class UsbReport:
    station_id: str | None
    #: "ok" or the manifest problem: manifest_missing, manifest_malformed, manifest_unsigned,
    #: manifest_bad_signature, unknown_station.
    manifest: str
    manifest_vi: str | None
    manifest_en: str | None
    items: list[UsbItem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Valid manifest and a receipt for every packet."""
        return self.manifest == "ok" and all(i.result in (ACCEPTED, DUPLICATE) for i in self.items)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in self.items:
            out[item.result] = out.get(item.result, 0) + 1
        return out


@dataclass(frozen=True)
class _Listed:
    packet_id: str
    size: int
    sha256: str


class _ManifestError(Exception):
    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.code, self.vi, self.en = code, vi, en


def _read_manifest(receiver: Receiver, folder: Path) -> tuple[str, bytes, dict[str, _Listed]]:
    """(station id, manifest bytes, listed packets) of a valid signed manifest."""
    bad = _ManifestError(
        "manifest_malformed", "Tệp manifest.json sai định dạng.", "manifest.json is malformed."
    )
    try:
        raw = read_regular(folder / MANIFEST, MAX_MANIFEST_BYTES)
    except UnsafeFileError:
        raise bad from None
    except FileNotFoundError:
        raise _ManifestError(
            "manifest_missing",
            "Thiếu tệp manifest.json: không kiểm tra được bản xuất có đủ gói hay không.",
            "manifest.json is missing: the export cannot be checked for completeness.",
        ) from None
    try:
        doc = loads_bounded(raw)
    except UnsafeFileError:
        raise bad from None
    listed = _parse_manifest(doc, bad)
    station_id: str = doc["station_id"]
    try:
        signature = read_regular(folder / MANIFEST_SIG, MAX_SIG_BYTES).decode("ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError, UnsafeFileError):
        raise _ManifestError(
            "manifest_unsigned",
            "Thiếu chữ ký manifest.sig của bản xuất.",
            "The export's signature manifest.sig is missing.",
        ) from None
    try:
        public = receiver.station_key(station_id)
    except ReceiverError as exc:
        raise _ManifestError(exc.code, exc.vi, exc.en) from None
    if not protocol.verify(public, protocol.USB_MANIFEST_PREFIX, doc, signature):
        raise _ManifestError(
            "manifest_bad_signature",
            "Chữ ký của bản xuất không hợp lệ với khóa đã đăng ký của trạm.",
            "The export signature does not verify with the station's registered key.",
        )
    return station_id, raw, listed


def _parse_manifest(doc: Any, bad: _ManifestError) -> dict[str, _Listed]:
    if not isinstance(doc, dict):
        raise bad
    if doc.get("format") != EXPORT_FORMAT or doc.get("version") != 1:
        raise bad
    station_id, packets = doc.get("station_id"), doc.get("packets")
    if not isinstance(station_id, str) or not IDENT_RE.fullmatch(station_id):
        raise bad
    if not isinstance(doc.get("exported_at"), str) or not isinstance(packets, list):
        raise bad
    listed: dict[str, _Listed] = {}
    for entry in packets:
        if not isinstance(entry, dict):
            raise bad
        pid, size, sha = entry.get("packet_id"), entry.get("size"), entry.get("sha256")
        if not (isinstance(pid, str) and PACKET_ID_RE.fullmatch(pid)) or pid in listed:
            raise bad
        if type(size) is not int or size < 0:
            raise bad
        if not (isinstance(sha, str) and SHA256_RE.fullmatch(sha)):
            raise bad
        listed[pid] = _Listed(pid, size, sha)
    return listed


def _damaged(item: UsbItem, code: str, vi: str, en: str) -> UsbItem:
    item.result, item.error, item.vi, item.en = DAMAGED, code, vi, en
    return item


def _import_one(
    receiver: Receiver, folder: Path, packet_id: str, listed: _Listed | None, station: str | None
) -> tuple[UsbItem, protocol.Receipt | None]:
    name = f"{packet_id}{PACKET_SUFFIX}"
    item = UsbItem(packet_id, name, MISSING, listed=listed is not None)
    path = folder / name
    if not path.exists() and not path.is_symlink():
        item.error = "missing"
        item.vi = f"Thiếu tệp {name} được liệt kê trong manifest.json."
        item.en = f"{name}, listed in manifest.json, is missing."
        return item, None
    size = regular_size(path)
    if size is None:
        return _damaged(
            item,
            "not_regular",
            f"{name} không phải tệp thường (liên kết, FIFO, thiết bị); bỏ qua.",
            f"{name} is not a regular file (a link, a FIFO, a device); skipped.",
        ), None
    if listed is not None and size != listed.size:
        code = "truncated" if size < listed.size else "malformed"
        vi, en = ("bị cắt cụt", "truncated") if size < listed.size else ("dài hơn", "too long")
        return _damaged(
            item,
            code,
            f"Tệp {name} {vi}: {size:,} byte, manifest ghi {listed.size:,}; hãy xuất lại.",
            f"{name} is {en}: {size:,} bytes, the manifest says {listed.size:,}; export again.",
        ), None
    if size > protocol.MAX_PACKET:
        return _damaged(
            item,
            "too_large",
            f"Tệp {name} quá lớn ({size:,} byte).",
            f"{name} is too large ({size:,} bytes).",
        ), None
    try:
        data = read_regular(path, protocol.MAX_PACKET)
    except (OSError, UnsafeFileError) as exc:
        return _damaged(
            item,
            "not_regular",
            f"Không đọc được {name}: {exc}",
            f"{name} cannot be read: {exc}",
        ), None
    if listed is not None and hashlib.sha256(data).hexdigest() != listed.sha256:
        return _damaged(
            item,
            "hash_mismatch",
            f"Mã băm của tệp {name} khác với manifest (bản sao hỏng); hãy xuất lại.",
            f"The hash of {name} differs from the manifest (damaged copy); export again.",
        ), None
    expect = Expect(
        packet_id=packet_id,
        sha256=listed.sha256 if listed else None,
        authentic=listed is not None,
    )
    try:
        accepted = receiver.accept(data, station_id=station, expect=expect, via="usb")
    except PacketHeldError as held:
        item.result, item.error, item.vi, item.en = HELD, held.code, held.vi, held.en
        return item, None
    except PacketRefusedError as refusal:
        if not refusal.authentic:
            return _damaged(item, refusal.code, refusal.vi, refusal.en), None
        item.result, item.error, item.vi, item.en = REFUSED, refusal.code, refusal.vi, refusal.en
        return item, None
    item.result = DUPLICATE if accepted.duplicate else ACCEPTED
    return item, accepted.receipt


def import_usb(receiver: Receiver, folder: Path, receipts_out: Path) -> UsbReport:
    """Import every packet of an export folder; write the receipts folder; return the report."""
    try:
        station, manifest_raw, listed = _read_manifest(receiver, folder)
        report = UsbReport(station, "ok", None, None)
    except _ManifestError as problem:
        station, manifest_raw, listed = None, None, {}
        report = UsbReport(None, problem.code, problem.vi, problem.en)
    ids = set(listed)
    unlisted: list[str] = []
    for path in sorted(folder.glob(f"*{PACKET_SUFFIX}")):
        if path.stem not in listed:
            if PACKET_ID_RE.fullmatch(path.stem):
                ids.add(path.stem)
            else:
                unlisted.append(path.name)
    receipts: dict[str, protocol.Receipt] = {}
    for packet_id in sorted(ids):
        item, receipt = _import_one(receiver, folder, packet_id, listed.get(packet_id), station)
        if receipt is not None:
            receipts[packet_id] = receipt
        report.items.append(item)
    for name in unlisted:
        report.items.append(
            UsbItem(
                name,
                name,
                DAMAGED,
                "malformed",
                f"Tên tệp {name} không có dạng <mã gói>.ipkt; bỏ qua.",
                f"File name {name} is not <packet_id>.ipkt; skipped.",
            )
        )
    _write_receipts(receiver, report, receipts, manifest_raw, receipts_out)
    return report


def _write_receipts(
    receiver: Receiver,
    report: UsbReport,
    receipts: dict[str, protocol.Receipt],
    manifest_raw: bytes | None,
    out: Path,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for item in report.items:
        receipt = receipts.get(item.packet_id)
        if receipt is not None:
            item.receipt_file = f"{item.packet_id}.json"
            text = json.dumps(receipt.to_json(), ensure_ascii=False, sort_keys=True, indent=2)
            atomic_write(out / item.receipt_file, text.encode("utf-8"), 0o644)
    doc: dict[str, Any] = {
        "format": RECEIPTS_FORMAT,
        "version": 1,
        "station_id": report.station_id,
        "export_manifest_sha256": (
            hashlib.sha256(manifest_raw).hexdigest() if manifest_raw is not None else None
        ),
        "created_at": receiver.now(),
        "manifest": report.manifest,
        "packets": [item.to_json() for item in report.items],
    }
    if receiver.keys.key_updates:  # a rotated receipt key: how the station learns it
        doc["key_updates"] = list(receiver.keys.key_updates)
    signature = protocol.sign(receiver.keys.signing_key, protocol.USB_RECEIPTS_PREFIX, doc)
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2)
    # The list last: a station that finds receipts.json finds every file it names.
    atomic_write(out / RECEIPTS_SIG, (signature + "\n").encode("ascii"), 0o644)
    atomic_write(out / RECEIPTS, text.encode("utf-8"), 0o644)
