"""USB import: the same verification and idempotency as HTTP, and a receipts folder to take back."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from sync import protocol
from sync.receiver.app import create_app
from sync.receiver.cli import EXIT_INCOMPLETE, EXIT_OK, main
from sync.receiver.server import BackgroundServer
from sync.receiver.store import PacketRow
from sync.receiver.usb import MANIFEST, MANIFEST_SIG, RECEIPTS, RECEIPTS_SIG, import_usb

from .conftest import StationClient, current_public, make_station, seal_packet, write_export


def packets_held(receiver) -> int:
    with receiver.store.read() as s:
        return s.scalar(select(func.count()).select_from(PacketRow)) or 0


def receipts_doc(folder, keys) -> dict:
    doc = json.loads((folder / RECEIPTS).read_text(encoding="utf-8"))
    sig = (folder / RECEIPTS_SIG).read_text(encoding="ascii").strip()
    assert protocol.verify(keys.signing_public, protocol.USB_RECEIPTS_PREFIX, doc, sig)
    return doc


def test_round_trip_and_idempotency(tmp_path, receiver, keys, receiver_public, station_a):
    packets = [seal_packet(station_a, receiver_public, size=8_000) for _ in range(3)]
    export = tmp_path / "usb" / "export-1"
    write_export(export, station_a, packets)
    out = tmp_path / "receipts"
    report = import_usb(receiver, export, out)
    assert report.manifest == "ok"
    assert report.complete
    assert report.counts() == {"accepted": 3}
    for p in packets:
        receipt = protocol.Receipt.from_json(json.loads((out / f"{p.packet_id}.json").read_text()))
        assert receipt.verify(keys.signing_public, p.packet_id, p.sha256, station_a.station_id)
        assert receipt.doc["status"] == "accepted"
    doc = receipts_doc(out, keys)
    assert doc["format"] == "intake-station/usb-receipts"
    assert doc["station_id"] == station_a.station_id
    assert {item["packet_id"]: item["result"] for item in doc["packets"]} == {
        p.packet_id: "accepted" for p in packets
    }
    assert all(item["receipt"] == f"{item['packet_id']}.json" for item in doc["packets"])

    # The same drive imported twice: receipts again, nothing stored twice.
    again = import_usb(receiver, export, tmp_path / "receipts-2")
    assert again.counts() == {"duplicate": 3}
    assert packets_held(receiver) == 3

    # And the station, not knowing, also uploads one over HTTP: a duplicate receipt.
    with BackgroundServer(create_app(receiver)) as srv:
        c = StationClient(srv.url, station_a)
        r = c.upload(packets[0])
        assert r.status_code == 200
        assert r.json()["receipt"]["status"] == "duplicate"
        c.close()
    assert packets_held(receiver) == 3


def test_http_first_then_usb(tmp_path, receiver, receiver_public, station_a):
    sealed = seal_packet(station_a, receiver_public, size=8_000)
    with BackgroundServer(create_app(receiver)) as srv:
        c = StationClient(srv.url, station_a)
        assert c.upload(sealed).status_code == 200
        c.close()
    export = tmp_path / "export"
    write_export(export, station_a, [sealed])
    assert import_usb(receiver, export, tmp_path / "out").counts() == {"duplicate": 1}


def test_truncated_and_missing_files_are_reported_per_packet(
    tmp_path, receiver, keys, receiver_public, station_a
):
    good, cut, gone = (seal_packet(station_a, receiver_public, size=8_000) for _ in range(3))
    export = tmp_path / "export"
    write_export(export, station_a, [good, cut, gone])
    (export / f"{cut.packet_id}.ipkt").write_bytes(cut.data[:-500])
    (export / f"{gone.packet_id}.ipkt").unlink()
    out = tmp_path / "out"
    report = import_usb(receiver, export, out)
    results = {i.packet_id: (i.result, i.error) for i in report.items}
    assert results == {
        good.packet_id: ("accepted", None),
        cut.packet_id: ("damaged", "truncated"),
        gone.packet_id: ("missing", "missing"),
    }
    assert not report.complete
    assert (out / f"{good.packet_id}.json").exists()
    assert not (out / f"{cut.packet_id}.json").exists()
    doc = receipts_doc(out, keys)
    entry = next(p for p in doc["packets"] if p["packet_id"] == cut.packet_id)
    assert entry["vi"] and entry["en"] and entry["receipt"] is None
    # A damaged copy is not a refusal: a good copy later goes through.
    fixed = tmp_path / "export-2"
    write_export(fixed, station_a, [cut, gone])
    assert import_usb(receiver, fixed, tmp_path / "out2").counts() == {"accepted": 2}

    # A corrupted byte in a listed file (same size): damaged, by the manifest's hash.
    bad = seal_packet(station_a, receiver_public, size=8_000)
    export3 = tmp_path / "export-3"
    write_export(export3, station_a, [bad])
    data = bytearray(bad.data)
    data[100] ^= 0xFF
    (export3 / f"{bad.packet_id}.ipkt").write_bytes(bytes(data))
    report = import_usb(receiver, export3, tmp_path / "out3")
    assert [(i.result, i.error) for i in report.items] == [("damaged", "hash_mismatch")]


def test_missing_or_unsigned_manifest(tmp_path, receiver, keys, receiver_public, station_a):
    p1, p2 = (seal_packet(station_a, receiver_public, size=8_000) for _ in range(2))
    export = tmp_path / "no-manifest"
    write_export(export, station_a, [p1, p2], manifest=False)
    (export / f"{p2.packet_id}.ipkt").write_bytes(p2.data[:-10])
    out = tmp_path / "out"
    report = import_usb(receiver, export, out)
    assert report.manifest == "manifest_missing"
    assert report.manifest_vi and report.manifest_en
    assert not report.complete
    results = {i.packet_id: (i.result, i.error, i.listed) for i in report.items}
    # Packets authenticate themselves: the whole one is taken, the cut one reported damaged.
    assert results[p1.packet_id] == ("accepted", None, False)
    assert results[p2.packet_id] == ("damaged", "truncated", False)
    doc = receipts_doc(out, keys)
    assert doc["manifest"] == "manifest_missing"
    assert doc["station_id"] is None

    unsigned = tmp_path / "unsigned"
    write_export(unsigned, station_a, [p2], sign=False)
    report = import_usb(receiver, unsigned, tmp_path / "o2")
    assert report.manifest == "manifest_unsigned"
    assert report.counts() == {"accepted": 1}  # p2 itself is intact and station-signed

    forged = tmp_path / "forged"
    write_export(forged, station_a, [p2], signing_key=make_station().signing_key)
    report = import_usb(receiver, forged, tmp_path / "o3")
    assert report.manifest == "manifest_bad_signature"
    assert report.counts() == {"duplicate": 1}

    broken = tmp_path / "broken"
    write_export(broken, station_a, [])
    (broken / MANIFEST).write_text("{not json", encoding="utf-8")
    assert import_usb(receiver, broken, tmp_path / "o4").manifest == "manifest_malformed"

    stranger = make_station("XX-1")
    strange = tmp_path / "stranger"
    write_export(strange, stranger, [seal_packet(stranger, receiver_public, size=2_000)])
    report = import_usb(receiver, strange, tmp_path / "o5")
    assert report.manifest == "unknown_station"
    assert [(i.result, i.error) for i in report.items] == [("damaged", "unknown_station")]
    assert (strange / MANIFEST_SIG).exists()


def test_refused_packets_with_a_valid_manifest(
    tmp_path, receiver, keys, receiver_public, station_a, station_b
):
    from station.provisioning import generate_receiver_keyset
    from sync.receiver.keys import load_keys

    other = load_keys([generate_receiver_keyset(tmp_path / "k")["receiver_keys"]])
    foreign = seal_packet(station_a, current_public(other), size=4_000)
    theirs = seal_packet(station_b, receiver_public, size=4_000)
    export = tmp_path / "export"
    write_export(export, station_a, [foreign, theirs])
    report = import_usb(receiver, export, tmp_path / "out")
    results = {i.packet_id: (i.result, i.error) for i in report.items}
    assert results == {
        foreign.packet_id: ("held", "key_not_loaded"),
        theirs.packet_id: ("refused", "wrong_station"),
    }
    doc = receipts_doc(tmp_path / "out", keys)
    assert sorted(p["result"] for p in doc["packets"]) == ["held", "refused"]


def test_cli_import_usb(tmp_path, receiver_keyset, receiver_public, data_dir, receiver, station_a):
    receiver.store.close()
    packets = [seal_packet(station_a, receiver_public, size=4_000) for _ in range(2)]
    export = tmp_path / "export"
    write_export(export, station_a, packets)
    args = [
        "import-usb",
        str(export),
        "--receipts-out",
        str(tmp_path / "out"),
        "--keys",
        str(receiver_keyset["receiver_keys"]),
        "--data",
        str(data_dir),
    ]
    assert main(args) == EXIT_OK
    assert (tmp_path / "out" / RECEIPTS).exists()
    (export / f"{packets[0].packet_id}.ipkt").unlink()
    assert main(args) == EXIT_INCOMPLETE
