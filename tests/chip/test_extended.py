"""Extended-length READ BINARY through pcscd + vpcd when the card's ATR or EF.ATR announces it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from station.chip import atr as atr_mod
from station.chip.reader import read_chip
from station.devices.cardreader import CardReader
from tests.chip.conftest import READER
from tests.chip.vcard import (
    ATR,
    EF_ATR_EXTENDED,
    EXT_ATR,
    Person,
    Pki,
    VirtualCard,
    VpcdCard,
    build_card,
)


@pytest.fixture
def reader(pcscd: None) -> Iterator[CardReader]:
    r = CardReader(READER)
    assert r.wait_for_removal(5), "a previous card is still on the reader"
    yield r
    r.close()


def test_atr_and_ef_atr_parsing() -> None:
    assert atr_mod.from_atr(EXT_ATR) == atr_mod.Capabilities(True, True)
    assert atr_mod.from_atr(ATR) == atr_mod.NONE
    assert atr_mod.from_atr(b"\x3b") == atr_mod.NONE
    assert atr_mod.from_atr(bytes.fromhex("3B8F80")) == atr_mod.NONE  # cut off
    assert atr_mod.from_ef_atr(EF_ATR_EXTENDED) == atr_mod.Capabilities(True, True, 4096)
    assert atr_mod.from_ef_atr(bytes.fromhex("47030000C0")).extended
    assert not atr_mod.from_ef_atr(bytes.fromhex("4703000000")).extended
    assert atr_mod.from_ef_atr(b"\x7f\x66\x05") == atr_mod.NONE  # malformed: short lengths


@pytest.mark.parametrize(
    ("atr", "ef_atr", "extended"),
    [(ATR, None, False), (EXT_ATR, None, True), (ATR, EF_ATR_EXTENDED, True)],
    ids=["short", "atr", "ef_atr"],
)
def test_read_binary_length_follows_the_card(
    reader: CardReader,
    person: Person,
    pki: Pki,
    jpeg: bytes,
    atr: bytes,
    ef_atr: bytes | None,
    extended: bool,
) -> None:
    card = VirtualCard(build_card(person, pki, jpeg), person.access_key(), atr=atr, ef_atr=ef_atr)
    slot = VpcdCard(card)
    slot.insert()
    try:
        assert reader.wait_for_card(5)
        seen = reader.connect()
        data = read_chip(reader.transmit, person.access_key(), [pki.csca], atr=seen)
    finally:
        reader.disconnect()
        slot.remove()
    assert seen == atr
    assert data.status == "ok" and data.faces[0].data == jpeg
    assert (card.max_le > 256) == extended
    print(f"\n{'extended' if extended else 'short'}: {data.apdus} APDUs, {data.seconds:.3f} s")
    if extended:
        assert data.apdus < 40
    else:
        assert data.apdus > 100
