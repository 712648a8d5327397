"""End to end through pcscd and vpcd: BAC, secure messaging, every data group, PA, removal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from station import masterdata
from station.chip import BacError
from station.chip.lds import decode_face
from station.chip.mrz import AccessKey
from station.chip.prefill import to_prefill
from station.chip.reader import read_chip
from station.devices import DeviceError
from station.devices.cardreader import CardReader
from station.prefill import merge
from tests.chip.conftest import READER
from tests.chip.vcard import Person, Pki, VirtualCard, VpcdCard, build_card


@pytest.fixture
def reader(pcscd: None) -> Iterator[CardReader]:
    r = CardReader(READER)
    assert r.wait_for_removal(5), "a previous card is still on the reader"
    yield r
    r.close()


def _insert(person: Person, pki: Pki, jpeg: bytes, reader: CardReader, **kw: int) -> VpcdCard:
    card = VirtualCard(build_card(person, pki, jpeg, **kw), person.access_key())
    assert reader.wait_for_removal(5), "a previous card is still on the reader"
    slot = VpcdCard(card)
    slot.insert()
    assert reader.wait_for_card(5), "the virtual card did not appear"
    reader.connect()
    return slot


def test_reads_whole_card(reader: CardReader, person: Person, pki: Pki, jpeg: bytes) -> None:
    slot = _insert(person, pki, jpeg, reader)
    try:
        assert READER in reader.list_readers()
        data = read_chip(reader.transmit, person.access_key(), [pki.csca])
    finally:
        slot.remove()
    assert data.com == [1, 2, 13, 15]
    assert sorted(data.files) == [1, 2, 13, 15]
    assert data.passive.ok and data.passive.chain_checked and data.passive.chain_ok
    assert data.passive.hashes_ok and data.passive.signature_ok
    assert "CSCA" in data.passive.summary()[1]
    assert data.dg1 is not None
    assert data.dg1.checks_ok and data.dg1.id_number == person.id_number
    assert data.dg1.document_number == person.id_number[3:]
    assert data.dg13 is not None
    assert data.dg13.text(2) == "Nguyễn Văn An"
    assert data.dg13.fields[13] == [person.father, person.mother]
    assert data.dg13.raw[15] == b"\x01\x02\x03"  # unknown field kept raw
    assert data.faces[0].format == "jpeg" and data.faces[0].data == jpeg
    image = decode_face(data.faces[0])
    assert image is not None and image.shape[:2] == (400, 300)  # type: ignore[attr-defined]
    assert slot.errors == []

    pre = to_prefill(data, masterdata.load(), today=date(2026, 11, 23))
    assert pre.source == "chip"
    assert pre.values["id_number"] == person.id_number
    assert pre.values["full_name"] == "Nguyễn Văn An"
    assert pre.values["date_of_birth"] == "1989-02-15"
    assert pre.values["sex"] == "male"
    assert pre.values["nationality"] == "VN"
    assert pre.values["ethnic_group"] == {"list": "QD1019-2008", "code": "01"}
    assert pre.values["permanent_residence"]["street"] == "Số 12 Hàng Bạc"
    assert pre.values["relatives"] == [
        {"relation": "father", "full_name": "Nguyễn Văn Bình"},
        {"relation": "mother", "full_name": "Trần Thị Cúc"},
    ]
    assert pre.values["old_id_number"] == "142345678"
    assert pre.values["previous_card"] == {
        "number": person.id_number,
        "issue_date": "2021-05-10",
        "expiry_date": "2034-02-15",
    }
    assert pre.values["hometown"]["era"] == "legacy"  # a pre-2025 place name, matched
    assert "relatives" not in pre.unmatched
    merged = merge({"full_name": "Nguyễn Văn Án"}, pre)
    assert merged.form["full_name"] == "Nguyễn Văn Án"  # typed value kept
    assert "full_name" in merged.conflicts


def test_without_csca_chain_not_checked(
    reader: CardReader, person: Person, pki: Pki, jpeg: bytes
) -> None:
    slot = _insert(person, pki, jpeg, reader)
    try:
        data = read_chip(reader.transmit, person.access_key())
    finally:
        slot.remove()
    assert data.passive.ok and not data.passive.chain_checked
    assert data.status == "chain_not_checked"
    assert data.passive.summary()[1] == (
        "Signature OK, chain NOT checked (the station has no CSCA certificate)."
    )


def test_wrong_mrz_fails_bac_once(
    reader: CardReader, person: Person, pki: Pki, jpeg: bytes
) -> None:
    slot = _insert(person, pki, jpeg, reader)
    try:
        wrong = AccessKey.make(person.id_number, "890216", person.expiry)
        with pytest.raises(BacError) as err:
            read_chip(reader.transmit, wrong)
        assert "BAC" in err.value.en and "does not retry" in err.value.en
        assert "ngày sinh" in err.value.vi
        assert slot.card.external_auth_attempts == 1  # no retry loop
        # the card is not locked up: the right key opens it on the same insertion
        data = read_chip(reader.transmit, person.access_key())
        assert data.passive.ok
        assert slot.card.external_auth_attempts == 2
    finally:
        slot.remove()


def test_altered_group_fails_passive_auth(
    reader: CardReader, person: Person, pki: Pki, jpeg: bytes
) -> None:
    slot = _insert(person, pki, jpeg, reader, tamper_dg=13)
    try:
        data = read_chip(reader.transmit, person.access_key())
    finally:
        slot.remove()
    assert not data.passive.ok
    assert data.passive.bad_groups == [13]
    assert data.passive.signature_ok  # the SOD itself is intact
    assert "DG13" in data.passive.summary()[0] and "DG13" in data.passive.summary()[1]


def test_card_pulled_mid_read_then_next_card(
    reader: CardReader, person: Person, pki: Pki, jpeg: bytes
) -> None:
    slot = _insert(person, pki, jpeg, reader)
    slot.pull_after(20)  # inside DG2
    with pytest.raises(DeviceError) as err:
        read_chip(reader.transmit, person.access_key())
    assert err.value.code == "card_removed"
    assert "rút ra" in err.value.vi and "removed" in err.value.en
    assert reader.wait_for_removal(5)
    slot.remove()
    other = Person(id_number="079190123456", full_name="Trần Thị Bích", mrz_surname="TRAN",
                   mrz_given="THI BICH", dob="900101", dob_text="01/01/1990", sex="F",
                   sex_text="Nữ")  # fmt: skip
    slot2 = _insert(other, pki, jpeg, reader)
    try:
        data = read_chip(reader.transmit, other.access_key())
    finally:
        slot2.remove()
    assert data.passive.ok
    assert data.dg13 is not None and data.dg13.text(2) == "Trần Thị Bích"


def test_wait_for_card_times_out(reader: CardReader) -> None:
    assert reader.wait_for_card(0.3) is False


def test_transmit_without_card_is_a_clear_error(reader: CardReader) -> None:
    with pytest.raises(DeviceError) as err:
        reader.transmit(bytes.fromhex("00A4040C07A0000002471001"))
    assert err.value.en


def test_the_device_registry_finds_the_pcsc_reader_and_opens_it(pcscd: None) -> None:
    """The settings screen's device list comes from here: the reader pcscd knows, real driver."""
    from station.devices import DeviceKind
    from station.devices.defaults import registry

    reg = registry()
    probe = reg.probe(DeviceKind.CARD_READER)
    names = [d.name for d in probe.devices]
    assert any(READER in n for n in names), (names, probe.problems)
    assert all(not d.simulated and d.driver == "pcsc" for d in probe.devices)
    device = reg.open(DeviceKind.CARD_READER)
    try:
        assert READER in " ".join(device.list_readers())
    finally:
        device.close()
