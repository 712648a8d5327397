"""``StationService.prefill_from_chip``: the access key as the officer types it, one BAC attempt,
the prefill and the passive-authentication verdict; the card is the in-process emulator."""

from __future__ import annotations

import pytest

from station.chip import BacError
from station.errors import PermissionDeniedError, ValidationError
from station.service import StationService
from tests.chip.vcard import Person, VirtualCard, build_card, face_jpeg, make_pki
from tests.conftest import OP_PW, login


@pytest.fixture(scope="module")
def card_files() -> dict[int, bytes]:
    return build_card(Person(), make_pki(), face_jpeg())


@pytest.fixture
def operator(staffed: StationService, clock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


def test_reads_the_card_with_typed_dates(
    operator: StationService, card_files: dict[int, bytes]
) -> None:
    person = Person()
    card = VirtualCard(card_files, person.access_key())
    read = operator.prefill_from_chip(
        card.process, person.id_number, person.dob_text, person.expiry_text
    )
    prefill, ok, verdict = read.prefill, read.ok, read.verdict
    assert read.status == "chain_not_checked"
    assert prefill.source == "chip"
    assert prefill.values["id_number"] == person.id_number
    assert prefill.values["full_name"] == "Nguyễn Văn An"
    assert prefill.values["date_of_birth"] == "1989-02-15"
    assert ok  # hashes and signature good; no CSCA configured, so the chain is not checked
    assert "CSCA" in verdict[1]
    assert card.external_auth_attempts == 1


def test_wrong_key_is_one_attempt_and_a_clear_error(
    operator: StationService, card_files: dict[int, bytes]
) -> None:
    person = Person()
    card = VirtualCard(card_files, person.access_key())
    with pytest.raises(BacError):
        operator.prefill_from_chip(card.process, person.id_number, "16/02/1989", "2034-02-15")
    assert card.external_auth_attempts == 1


def test_impossible_date_names_the_field(
    operator: StationService, card_files: dict[int, bytes]
) -> None:
    card = VirtualCard(card_files, Person().access_key())
    with pytest.raises(ValidationError) as err:
        operator.prefill_from_chip(card.process, Person().id_number, "31/02/1989", "15/02/2034")
    assert err.value.field == "date_of_birth"
    assert card.apdus == 0  # nothing sent to the card


def test_admin_may_not_read_cards(staffed: StationService, card_files: dict[int, bytes]) -> None:
    card = VirtualCard(card_files, Person().access_key())
    with pytest.raises(PermissionDeniedError):
        staffed.prefill_from_chip(card.process, Person().id_number, "15/02/1989", "15/02/2034")


def test_the_can_must_be_six_digits(operator: StationService, card_files: dict[int, bytes]) -> None:
    card = VirtualCard(card_files, Person().access_key())
    with pytest.raises(ValidationError) as err:
        operator.prefill_from_chip(card.process, "", "", "", can="12345")
    assert err.value.field == "can"
    assert card.apdus == 0
