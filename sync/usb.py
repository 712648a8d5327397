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

from station.errors import NotFoundError, ValidationError
from station.fsutil import atomic_write, fsync_dir
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


def export(service: StationService, folder: Path) -> ExportReport:
    """Write every undelivered packet, and the signed manifest last."""
    service.authorize("usb.export")
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport(folder)
    entries: list[dict[str, Any]] = []
    for info in service.pending_packets():
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


@dataclass
class ImportReport:
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # receipts that did not verify
    unknown: list[str] = field(default_factory=list)  # receipts for packets not on this station


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
        if path.name == "receipts.json":
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            packet_id = str(doc["receipt"]["packet_id"])
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
    return report
