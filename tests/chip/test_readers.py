"""Readers through pcscd + vpcd: the card is read on whichever reader holds it, and a card that
stops answering ends in a clear error within 12 s."""

from __future__ import annotations

import time

import pytest

from station.chip.reader import read_chip
from station.devices import DeviceError
from station.devices.cardreader import CardReader
from tests.chip.conftest import READER, READER2, VPCD_PORT2
from tests.chip.vcard import Person, Pki, VirtualCard, VpcdCard, build_card


def test_card_on_the_second_reader_is_found(
    pcscd: None, person: Person, pki: Pki, jpeg: bytes
) -> None:
    reader = CardReader()  # nothing pinned: the reader holding a card
    try:
        names = reader.list_readers()
        if READER2 not in names:
            pytest.skip(f"pcscd runs with one vpcd reader only ({names}); the suite's own has two")
        assert names.index(READER) < names.index(READER2)  # the card is NOT on the first one
        slot = VpcdCard(VirtualCard(build_card(person, pki, jpeg), person.access_key()), VPCD_PORT2)
        slot.insert()
        try:
            start = time.monotonic()
            assert reader.wait_for_card(5)
            assert time.monotonic() - start < 3
            assert reader.reader_name == READER2
            reader.connect()
            data = read_chip(reader.transmit, person.access_key(), [pki.csca])
            reader.disconnect()
        finally:
            slot.remove()
        assert data.status == "ok" and data.dg13 is not None
        # a reader that is named is used even when the card lies elsewhere
        pinned = CardReader(READER)
        try:
            assert pinned.wait_for_card(0.3) is False
        finally:
            pinned.close()
    finally:
        reader.close()


def test_frozen_card_is_a_clear_error_within_12_s(
    pcscd: None, person: Person, pki: Pki, jpeg: bytes
) -> None:
    reader = CardReader(READER)
    assert reader.wait_for_removal(5)
    slot = VpcdCard(VirtualCard(build_card(person, pki, jpeg), person.access_key()))
    slot.insert()
    try:
        assert reader.wait_for_card(5)
        reader.connect()
        slot.freeze_after(12)  # inside EF.COM/EF.SOD, after BAC
        start = time.monotonic()
        with pytest.raises(DeviceError) as err:
            read_chip(reader.transmit, person.access_key())
        reader.disconnect()
        reader.close()
        elapsed = time.monotonic() - start
    finally:
        slot.remove()
    assert err.value.code == "card_not_answering"
    assert "không trả lời" in err.value.vi and "does not answer" in err.value.en
    assert elapsed < 12, elapsed
    print(f"\nfrozen card: clean error after {elapsed:.1f} s")
    # the next card is read normally on a fresh reader object
    fresh = CardReader(READER)
    try:
        assert fresh.wait_for_removal(5)
        slot2 = VpcdCard(VirtualCard(build_card(person, pki, jpeg), person.access_key()))
        slot2.insert()
        try:
            assert fresh.wait_for_card(5)
            fresh.connect()
            assert read_chip(fresh.transmit, person.access_key()).status == "chain_not_checked"
        finally:
            slot2.remove()
    finally:
        fresh.close()
