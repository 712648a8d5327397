"""USB both ways: the station applies the receiver's signed receipts.json (refused and held
packets get their state and reason); both sides read only regular files, bounded in size and
JSON depth; the receiver removes stray temporary files when it starts; an old receiver store is
moved into the per-station tables in place."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from station import delivery, packet
from station.provisioning import generate_receiver_keyset
from station.service import StationService
from sync import protocol
from sync import usb as station_usb
from sync.receiver import core as receiver_core
from sync.receiver.core import Receiver
from sync.receiver.keys import ReceiverKeys, load_keys
from sync.receiver.store import PacketRow, ReceiverStore, StatusLogRow, UploadRow
from sync.receiver.usb import MANIFEST, import_usb
from tests.conftest import OP_PW, SUP_PW, FakeClock, login

from .conftest import make_station, seal_packet, write_export
from .test_end_to_end import sealed_dossier


def test_the_receivers_refusals_and_holds_come_back_over_usb(
    staffed: StationService,
    clock: FakeClock,
    keyset: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = load_keys([keyset["receiver_keys"]])
    other = load_keys([generate_receiver_keyset(tmp_path / "gen2")["receiver_keys"]])
    receiver = Receiver(
        ReceiverStore(tmp_path / "receiver"),
        ReceiverKeys(keys.signing_key, dict(other.decryption), other.current_key_id),
    )
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    bad = sealed_dossier(op, sup, "Nông dân")[1]
    good = sealed_dossier(op, sup, "Giáo viên")[1]
    drive = tmp_path / "usb"

    # First trip: the receiver lacks the key generation: both held, and the station says so.
    station_usb.export(sup, drive / "e1")
    import_usb(receiver, drive / "e1", drive / "r1")
    back = station_usb.import_receipts(sup, drive / "r1")
    assert back.results == {"held": 2} and back.problems == []
    for pid in (bad, good):
        info = sup.packet_info(pid)
        assert info.status == "queued" and delivery.is_held(info.last_error)
        assert "key_not_loaded" in (info.last_error or "")

    # Second trip: the key is loaded; one packet fails the receiver's checks for good.
    receiver.keys = keys
    bad_bytes = sup.packet_bytes(bad)
    original = receiver_core.packet.open_packet

    def outdated(data: bytes, **kwargs: object) -> packet.Opened:
        if data == bad_bytes:
            raise packet.PacketError("Manifest sai.", "Bad manifest.", code="bad_manifest")
        return original(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(receiver_core.packet, "open_packet", outdated)
    station_usb.export(sup, drive / "e2")
    import_usb(receiver, drive / "e2", drive / "r2")
    monkeypatch.undo()
    # A receipts.json signed by someone else is not trusted.
    forged = drive / "forged"
    forged.mkdir()
    doc = json.loads((drive / "r2" / "receipts.json").read_text())
    (forged / "receipts.json").write_text(json.dumps(doc))
    other_key = other.signing_key
    (forged / "receipts.sig").write_text(
        protocol.sign(other_key, protocol.USB_RECEIPTS_PREFIX, doc) + "\n"
    )
    rejected = station_usb.import_receipts(sup, forged)
    assert rejected.results == {} and rejected.problems
    assert sup.packet_info(bad).status == "queued"

    back = station_usb.import_receipts(sup, drive / "r2")
    assert back.accepted == [good] and back.results == {"refused": 1}
    info = sup.packet_info(bad)
    assert info.status == "refused" and "bad_manifest" in (info.last_error or "")
    assert sup.packet_info(good).status in ("receipted", "purged")
    receiver.store.close()
    op.close()
    sup.close()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _deep(levels: int) -> bytes:
    return ("[" * levels + "]" * levels).encode()


def test_station_refuses_fifo_symlink_and_deep_json_quickly(
    staffed: StationService, tmp_path: Path
) -> None:
    folder = tmp_path / "receipts"
    folder.mkdir()
    _fifo(folder / ("a" * 32 + ".json"))
    (folder / "receipts.json").symlink_to("/dev/zero")
    (folder / "receipts.sig").write_text("x")
    (folder / ("b" * 32 + ".json")).write_bytes(_deep(100_000))
    started = time.monotonic()
    report = station_usb.import_receipts(staffed, folder)
    assert time.monotonic() - started < 2
    assert len(report.refused) == 2 and report.accepted == []
    assert any("receipts.json" in p for p in report.problems)
    # A huge receipt file is refused before reading it.
    big = tmp_path / "big"
    big.mkdir()
    with (big / ("c" * 32 + ".json")).open("wb") as fh:
        fh.truncate(1 << 30)  # a sparse gigabyte
    started = time.monotonic()
    report = station_usb.import_receipts(staffed, big)
    assert time.monotonic() - started < 2 and report.refused == ["c" * 32 + ".json"]


def test_receiver_refuses_fifo_symlink_and_deep_json_quickly(
    receiver: Receiver, receiver_public, station_a, tmp_path: Path
) -> None:
    sealed = seal_packet(station_a, receiver_public, size=4_000)
    export = tmp_path / "export"
    write_export(export, station_a, [sealed])
    # The packet replaced by a link to /dev/zero, another by a FIFO; the manifest nested deep.
    target = export / f"{sealed.packet_id}.ipkt"
    target.unlink()
    target.symlink_to("/dev/zero")
    _fifo(export / ("d" * 32 + ".ipkt"))
    started = time.monotonic()
    report = import_usb(receiver, export, tmp_path / "out")
    assert time.monotonic() - started < 2
    results = {i.packet_id: (i.result, i.error) for i in report.items}
    assert results[sealed.packet_id] == ("damaged", "not_regular")
    assert results["d" * 32] == ("damaged", "not_regular")
    (export / MANIFEST).write_bytes(_deep(100_000))
    report = import_usb(receiver, export, tmp_path / "out2")
    assert report.manifest == "manifest_malformed"
    (export / MANIFEST).unlink()
    _fifo(export / MANIFEST)
    started = time.monotonic()
    report = import_usb(receiver, export, tmp_path / "out3")
    assert report.manifest == "manifest_malformed" and time.monotonic() - started < 2


def test_an_old_receiver_store_is_moved_in_place(tmp_path: Path, keys, receiver_public) -> None:
    """A store of the first schema (tables keyed by packet id alone) opens, its rows moved into
    the per-station tables, its statuses in the status log."""
    data = tmp_path / "old"
    data.mkdir()
    st = make_station("OLD-1")
    con = sqlite3.connect(data / "receiver.sqlite3")
    con.executescript(
        """
        CREATE TABLE stations (station_id VARCHAR(64) PRIMARY KEY, code VARCHAR(64),
            name VARCHAR(200), public_key VARCHAR(64), registered_at VARCHAR(32), active BOOLEAN);
        CREATE TABLE uploads (packet_id VARCHAR(32) PRIMARY KEY, station_id VARCHAR(64),
            length BIGINT, "offset" BIGINT, sha256 VARCHAR(64), created_at VARCHAR(32),
            updated_at VARCHAR(32), temp_path VARCHAR(200));
        CREATE TABLE packets (packet_id VARCHAR(32) PRIMARY KEY, station_id VARCHAR(64),
            dossier_id VARCHAR(64), live_dossier_id VARCHAR(64) UNIQUE, number VARCHAR(64),
            sha256 VARCHAR(64) UNIQUE, size BIGINT, blob_path VARCHAR(200), key_id VARCHAR(16),
            sealed_at VARCHAR(32), received_at VARCHAR(32), via VARCHAR(8), status VARCHAR(16),
            reason TEXT, parts_to_recapture TEXT, status_at VARCHAR(32));
        CREATE TABLE receipts (packet_id VARCHAR(32) PRIMARY KEY REFERENCES packets(packet_id),
            receipt TEXT);
        CREATE TABLE refusals (id INTEGER PRIMARY KEY, packet_id VARCHAR(64),
            station_id VARCHAR(64), sha256 VARCHAR(64), code VARCHAR(32), vi TEXT, en TEXT,
            remember BOOLEAN, via VARCHAR(8), at VARCHAR(32));
        """
    )
    reg = st.registration()
    con.execute(
        "INSERT INTO stations VALUES (?, ?, ?, ?, '2026-01-01T00:00:00Z', 1)",
        (reg["station_id"], reg["code"], reg["name"], reg["public_key"]),
    )
    for i, status in enumerate(("accepted", "rejected")):
        pid = f"{i:032x}"
        con.execute(
            "INSERT INTO packets VALUES (?, ?, ?, ?, 'N', ?, 10, 'b', 'k', 't', 't', 'http', ?, "
            "?, ?, '2026-01-02T00:00:00Z')",
            (
                pid,
                reg["station_id"],
                f"d{i}",
                f"d{i}" if status == "accepted" else None,
                f"{i:064x}",
                status,
                "Ảnh mờ" if status == "rejected" else None,
                '["face"]' if status == "rejected" else None,
            ),
        )
        con.execute("INSERT INTO receipts VALUES (?, '{}')", (pid,))
    con.execute(
        "INSERT INTO uploads VALUES (?, ?, 100, 40, ?, 't', 't', 'partial/x.part')",
        ("f" * 32, reg["station_id"], "e" * 64),
    )
    con.commit()
    con.close()
    (data / "partial").mkdir()
    (data / "partial" / "x.part").write_bytes(bytes(range(50)))  # 40 bytes acknowledged
    store = ReceiverStore(data)
    with store.read() as s:
        assert s.get(PacketRow, (reg["station_id"], f"{1:032x}")).status == "rejected"
        assert s.get(UploadRow, (reg["station_id"], "f" * 32)).offset == 40
        log = s.query(StatusLogRow).all()
        assert [(r.packet_id, r.status, r.parts) for r in log] == [
            (f"{1:032x}", "rejected", '["face"]')
        ]
    assert store.read_chunks(reg["station_id"], "f" * 32) == [(0, bytes(range(40)))]
    store.close()
    store = ReceiverStore(data)  # opening again changes nothing
    receiver = Receiver(store, keys)
    page = receiver.status_changes(reg["station_id"], 0, 500)
    assert [c["status"] for c in page["changes"]] == ["rejected"]
    store.close()
