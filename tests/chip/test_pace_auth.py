"""PACE, chip authentication and active authentication through pcscd + vpcd with the test card's
profiles: BAC only, PACE with CA, AA, and a clone (same files, no private key)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from station.chip import BacError, ChipError, pa
from station.chip.reader import ChipData, read_chip
from station.devices.cardreader import CardReader
from tests.chip.conftest import READER
from tests.chip.vcard import (
    CA_3DES,
    CA_AES128,
    PACE_3DES,
    PACE_AES128,
    Person,
    Pki,
    VirtualCard,
    VpcdCard,
    build_card,
)

CAN = "345678"  # the last six digits of the ID number (Person().id_number)


@pytest.fixture
def reader(pcscd: None) -> Iterator[CardReader]:
    r = CardReader(READER)
    assert r.wait_for_removal(5), "a previous card is still on the reader"
    yield r
    r.close()


def _read(
    reader: CardReader, card: VirtualCard, pki: Pki, person: Person, **kw: object
) -> ChipData:
    slot = VpcdCard(card)
    assert reader.wait_for_removal(5)
    slot.insert()
    try:
        assert reader.wait_for_card(5)
        atr = reader.connect()
        key = kw.pop("key", person.access_key())
        return read_chip(reader.transmit, key, [pki.csca], atr=atr, **kw)  # type: ignore[arg-type]
    finally:
        reader.disconnect()
        slot.remove()


def test_bac_only_card_with_aa(reader: CardReader, person: Person, pki: Pki, jpeg: bytes) -> None:
    card = VirtualCard(build_card(person, pki, jpeg), person.access_key())
    data = _read(reader, card, pki, person)
    assert data.access == "BAC" and data.status == pa.OK
    assert data.active_auth == "ok" and data.chip_auth == "not_offered"
    assert card.internal_auths == 1 and card.external_auth_attempts == 1
    # a BAC-only card cannot be opened with the CAN: a clear error, nothing sent to authenticate
    card2 = VirtualCard(build_card(person, pki, jpeg), person.access_key())
    with pytest.raises(ChipError) as err:
        _read(reader, card2, pki, person, key=None, can=CAN)
    assert "CAN" in err.value.en and "CAN" in err.value.vi
    assert card2.external_auth_attempts == 0


@pytest.mark.parametrize(
    ("pace_oid", "param_id", "curve", "ca_oid"),
    [
        (PACE_AES128, 13, ec.BrainpoolP256R1(), CA_AES128),
        (PACE_3DES, 12, ec.SECP256R1(), CA_3DES),
        (PACE_AES128, 16, ec.BrainpoolP384R1(), CA_AES128),
    ],
    ids=["aes-brainpoolP256r1", "3des-P256", "aes-brainpoolP384r1"],
)
def test_pace_with_mrz_then_chip_and_active_authentication(
    reader: CardReader,
    person: Person,
    pki: Pki,
    jpeg: bytes,
    pace_oid: str,
    param_id: int,
    curve: ec.EllipticCurve,
    ca_oid: str,
) -> None:
    files = build_card(person, pki, jpeg, ca_oid=ca_oid, curve=curve)
    card = VirtualCard(files, person.access_key(), pace=(pace_oid, param_id), can=CAN, bac=False)
    data = _read(reader, card, pki, person)
    assert data.access == "PACE-MRZ"
    assert data.status == pa.OK, data.summary()
    assert data.chip_auth == "ok" and data.active_auth == "ok"
    assert data.dg13 is not None and data.dg13.text(2) == "Nguyễn Văn An"
    assert card.pace_attempts == 1 and card.pace_failures == 0
    assert card.external_auth_attempts == 0


def test_pace_with_the_can_and_a_wrong_can_is_one_attempt(
    reader: CardReader, person: Person, pki: Pki, jpeg: bytes
) -> None:
    files = build_card(person, pki, jpeg, ca_oid=CA_AES128)
    card = VirtualCard(files, person.access_key(), pace=(PACE_AES128, 12), can=CAN, bac=False)
    data = _read(reader, card, pki, person, key=None, can=CAN)
    assert data.access == "PACE-CAN" and data.status == pa.OK
    card = VirtualCard(files, person.access_key(), pace=(PACE_AES128, 12), can=CAN, bac=False)
    with pytest.raises(BacError) as err:
        _read(reader, card, pki, person, key=None, can="999999")
    assert "PACE" in err.value.en and "does not retry" in err.value.en
    assert card.pace_attempts == 1 and card.pace_failures == 1


def test_clone_detected_by_chip_authentication(
    reader: CardReader, person: Person, pki: Pki, jpeg: bytes
) -> None:
    files = build_card(person, pki, jpeg, aa=False, ca_oid=CA_AES128)
    clone = VirtualCard(files, person.access_key(), pace=(PACE_AES128, 13), clone=True)
    data = _read(reader, clone, pki, person)
    assert data.passive.status == pa.OK  # the copied data and SOD are genuine
    assert data.chip_auth == "failed" and data.status == pa.FAILED
    assert "CLONE" in data.summary()[1] and "GIẢ" in data.summary()[0]
    assert "DG14" in data.summary()[1]


def test_clone_detected_by_active_authentication(
    reader: CardReader, person: Person, pki: Pki, jpeg: bytes
) -> None:
    files = build_card(person, pki, jpeg)
    clone = VirtualCard(files, person.access_key(), clone=True)
    data = _read(reader, clone, pki, person)
    assert data.passive.status == pa.OK
    assert data.active_auth == "failed" and data.chip_auth == "not_offered"
    assert data.status == pa.FAILED and "DG15" in data.summary()[1]
