"""USB transfer, for stations that never see a link: packets out, receipts back.

Export writes each undelivered packet as ``<packet_id>.ipkt`` (temporary name, fsync, rename),
then ``manifest.json`` (packet ids, sizes, SHA-256) and ``manifest.sig`` (the station's Ed25519
signature over it) last: a drive pulled out half-way leaves no manifest, or packet files that do
not match it, and the receiver reports exactly which. Import reads the receiver's receipt files;
each counts only if it verifies against the pinned receiver key, exactly as over HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from station import delivery, keyupdate
from station.errors import NotFoundError, ValidationError
from station.fsutil import atomic_write, fsync_dir
from station.safefile import UnsafeFileError, loads_bounded, read_regular
from station.service import StationService
from sync import protocol

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
EXPORT_FORMAT = "intake-station/usb-export"


@dataclass
class ExportReport:
    folder: Path
    packets: list[str] = field(default_factory=list)
    bytes: int = 0


def export(service: StationService, folder: Path, *, include_refused: bool = False) -> ExportReport:
    """Write every undelivered packet, and the signed manifest last.

    ``include_refused``: also the packets the receiver refused for good (an admin's request,
    audited: e.g. to take them to the central office by hand).
    """
    service.authorize("usb.export")
    infos = list(service.pending_packets())
    if include_refused:
        delivery.require_admin(service)
        infos.extend(service.packet_info(p) for p in delivery.refused_packet_ids(service))
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport(folder)
    entries: list[dict[str, Any]] = []
    for info in infos:
        data = service.packet_bytes(info.packet_id)
        atomic_write(folder / f"{info.packet_id}.ipkt", data, 0o644)
        entries.append({"packet_id": info.packet_id, "size": info.size, "sha256": info.sha256})
        report.packets.append(info.packet_id)
        report.bytes += len(data)
    reg = service.registration()
    manifest = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "station_id": reg["station_id"],
        "exported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "packets": entries,
    }
    signature = protocol.sign(service.signing_key(), protocol.USB_MANIFEST_PREFIX, manifest)
    atomic_write(folder / MANIFEST, json.dumps(manifest, indent=2).encode(), 0o644)
    atomic_write(folder / SIGNATURE, signature.encode("ascii"), 0o644)
    fsync_dir(folder)
    service.record_export(len(report.packets), report.bytes)
    return report


#: Largest receipt file and receipts list read from a drive.
MAX_RECEIPT_BYTES = 64 * 1024
MAX_RECEIPTS_LIST_BYTES = 16 * 1024 * 1024
RECEIPTS = "receipts.json"
RECEIPTS_SIG = "receipts.sig"
RECEIPTS_FORMAT = "intake-station/usb-receipts"


@dataclass
class ImportReport:
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # receipts that did not verify
    unknown: list[str] = field(default_factory=list)  # receipts for packets not on this station
    #: Verdicts of the receiver's signed receipts.json applied: result -> count.
    results: dict[str, int] = field(default_factory=dict)
    #: Files not read (not regular, too large, too deep) and a receipts.json not trusted.
    problems: list[str] = field(default_factory=list)


def import_receipts(service: StationService, folder: Path) -> ImportReport:
    """Take the receipts the receiver wrote for an export (one ``<packet_id>.json`` each)."""
    service.authorize("usb.import_receipts")
    if not folder.is_dir():
        raise ValidationError(
            f"Không thấy thư mục biên nhận {folder}.",
            f"No receipts folder at {folder}.",
            field="folder",
        )
    report = ImportReport()
    for path in sorted(folder.glob("*.json")):
        if path.name == RECEIPTS:
            continue
        try:
            doc = loads_bounded(read_regular(path, MAX_RECEIPT_BYTES))
            packet_id = str(doc["receipt"]["packet_id"])
        except UnsafeFileError as exc:
            report.problems.append(f"{path.name}: {exc}")
            report.refused.append(path.name)
            continue
        except (OSError, ValueError, KeyError, TypeError):
            report.refused.append(path.name)
            continue
        try:
            service.packet_info(packet_id)
        except NotFoundError:
            report.unknown.append(packet_id)
            continue
        if service.accept_receipt(packet_id, doc, via="usb"):
            report.accepted.append(packet_id)
        else:
            report.refused.append(packet_id)
    _apply_receipts_list(service, folder, report)
    return report


def _apply_receipts_list(service: StationService, folder: Path, report: ImportReport) -> None:
    """Apply the receiver's signed ``receipts.json``: refused, held, damaged and missing
    packets get their state and reason. Trusted only if ``receipts.sig`` verifies with a pinned
    receiver key and the list names this station."""
    try:
        raw = read_regular(folder / RECEIPTS, MAX_RECEIPTS_LIST_BYTES)
        signature = read_regular(folder / RECEIPTS_SIG, 1024).decode("ascii").strip()
        doc = loads_bounded(raw)
    except FileNotFoundError:
        return  # an older receiver: the receipt files alone
    except (UnsafeFileError, UnicodeDecodeError, OSError) as exc:
        report.problems.append(f"{RECEIPTS}: {exc}")
        return
    station_id = service.registration()["station_id"]
    # A rotated receipt key signs the list: learn it first (each update is signed by a pinned key).
    keyupdate.learn_now(service.store.write, keyupdate.updates_of(doc), service.clock.now())
    trusted = (
        isinstance(doc, dict)
        and doc.get("format") == RECEIPTS_FORMAT
        and doc.get("station_id") in (station_id, None)
        and isinstance(doc.get("packets"), list)
        and any(
            protocol.verify(key, protocol.USB_RECEIPTS_PREFIX, doc, signature)
            for key in service.receiver_signing_keys()
        )
    )
    if not trusted:
        report.problems.append(
            f"{RECEIPTS}: chữ ký không hợp lệ hoặc không thuộc trạm này / "
            "signature invalid or not for this station"
        )
        return
    items = [i for i in doc["packets"] if isinstance(i, dict)]
    report.results = delivery.apply_usb_results(service, items)
