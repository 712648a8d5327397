"""Receipt-key rotation: a new receiver generation signs new receipts; a station that pins only
the old one learns the new key from an update the old one signed (over HTTP with a receipt,
over USB from the receipts list), and receipts of the old generation still verify. Nothing else
adds a key: an update signed by an unknown key, or altered, pins nothing."""

from __future__ import annotations

import copy
from pathlib import Path

from sqlalchemy import select

from station import crypto, keyupdate, receipts
from station.models import AuditEntry
from station.provisioning import generate_receiver_keyset
from station.service import StationService
from sync import api
from sync import usb as station_usb
from sync.receiver.app import create_app
from sync.receiver.core import Expect, Receiver
from sync.receiver.keys import ReceiverKeys, load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import ReceiverStore
from sync.receiver.usb import import_usb
from tests.conftest import OP_PW, SUP_PW, FakeClock, login

from .test_end_to_end import sealed_dossier


def _accept(receiver: Receiver, sup: StationService, packet_id: str) -> dict[str, object]:
    data = sup.packet_bytes(packet_id)
    info = sup.packet_info(packet_id)
    accepted = receiver.accept(
        data,
        station_id=sup.registration()["station_id"],
        expect=Expect(packet_id, info.sha256, authentic=True),
        via="usb",
    )
    return accepted.receipt.to_json()


def test_chain_is_signed_oldest_first(tmp_path: Path) -> None:
    paths = [generate_receiver_keyset(tmp_path / f"g{i}")["receiver_keys"] for i in (1, 2, 3)]
    keys = load_keys([paths[2], paths[1], paths[0]])  # current first, then newest first
    gens = [load_keys([p]).signing_public for p in paths]
    assert len(keys.key_updates) == 2
    pinned = {keyupdate.key_id(gens[0]): gens[0]}
    first = keyupdate.check(keys.key_updates[0], pinned)
    assert first == (keyupdate.key_id(gens[1]), crypto.b64e(gens[1]))
    assert keyupdate.check(keys.key_updates[1], pinned) is None  # needs the second generation
    assert load_keys([paths[0]]).key_updates == ()


def test_station_learns_the_new_receipt_key_over_http_and_usb(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    gen1 = keyset["receiver_keys"]
    gen2 = generate_receiver_keyset(tmp_path / "gen2")["receiver_keys"]
    gen3 = generate_receiver_keyset(tmp_path / "gen3")["receiver_keys"]
    store = ReceiverStore(tmp_path / "receiver")
    receiver = Receiver(store, load_keys([gen1]))
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    station_id = staffed.registration()["station_id"]

    # Generation 1 receipts one packet.
    _, old = sealed_dossier(op, sup, "Nông dân")
    old_receipt = _accept(receiver, sup, old)
    assert sup.accept_receipt(old, old_receipt)
    assert len(sup.receiver_signing_keys()) == 1

    # The receiver rotates: generation 2 signs, generation 1 signs the update.
    receiver.keys = load_keys([gen2, gen1])
    _, forged_one = sealed_dossier(op, sup, "Giáo viên")
    receipt = _accept(receiver, sup, forged_one)
    assert receipt["receipt"]["status"] == "accepted" and len(receipt["key_updates"]) == 1
    # Without its update the new signature means nothing to the station.
    bare = {"receipt": receipt["receipt"], "signature": receipt["signature"]}
    assert not sup.accept_receipt(forged_one, bare)
    # An update signed by a stranger, or altered after signing, pins nothing.
    stranger = crypto.ed25519_generate()
    fake = keyupdate.make(stranger, crypto.ed25519_public(load_keys([gen2]).signing_key))
    assert not sup.accept_receipt(forged_one, {**bare, "key_updates": [fake]})
    altered = copy.deepcopy(receipt["key_updates"][0])
    altered["key_update"]["public_key"] = crypto.b64e(crypto.ed25519_public(stranger))
    assert not sup.accept_receipt(forged_one, {**bare, "key_updates": [altered]})
    assert len(sup.receiver_signing_keys()) == 1

    # Over HTTP, through the station's own uploader: the receipt carries the update.
    server = BackgroundServer(
        create_app(receiver), tls_cert=keyset["tls_cert"], tls_key=keyset["tls_key"]
    )
    with server:
        staffed.set_receiver_url(server.url)
        report = api.sync_now(sup)
    assert report.receipted == [forged_one], report.errors
    assert len(sup.receiver_signing_keys()) == 2
    with sup.store.read() as s:
        learned = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "receiver_key.learned")
        ).all()
    assert [e.subject for e in learned] == [keyupdate.key_id(receiver.keys.signing_public)]
    # The old receipt still verifies with what the station pins.
    keys = sup.receiver_signing_keys()
    assert receipts.verify(old_receipt, keys, old, sup.packet_info(old).sha256, station_id)

    # Generation 3 over USB, with a packet it cannot open (held): no receipt file teaches the
    # key, so the signed receipts list must; its held verdict is trusted.
    three = load_keys([gen3, gen2, gen1])
    receiver.keys = ReceiverKeys(
        three.signing_key,
        {three.current_key_id: three.decryption[three.current_key_id]},
        three.current_key_id,
        three.key_updates,
    )
    _, held = sealed_dossier(op, sup, "Kỹ sư")
    drive = tmp_path / "usb"
    station_usb.export(sup, drive / "e")
    import_usb(receiver, drive / "e", drive / "r")
    back = station_usb.import_receipts(sup, drive / "r")
    assert back.problems == [] and back.results == {"held": 1}
    assert "key_not_loaded" in (sup.packet_info(held).last_error or "")
    assert len(sup.receiver_signing_keys()) == 3
    store.close()
    op.close()
    sup.close()
