"""One citizen, one card, nationally; and ID numbers of ASCII digits only.

* A packet whose citizen (the form's 12-digit ID number) already has an accepted, unfinished
  dossier from any station is stored but held as ``duplicate_citizen``, naming the other station
  and the date; offered again it is held again; the centre's ``mark --release`` lets the next
  offer get its receipt, ``mark --rejected`` sends it back through the status log.
* An ID number or old ID number that is not 12 (9 or 12) ASCII digits is refused for good with a
  bilingual reason (Arabic-Indic or full-width digits would pass a ``\\d``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from sync.receiver import cli
from sync.receiver.core import Expect, Receiver
from sync.receiver.errors import PacketHeldError, PacketRefusedError
from sync.receiver.store import CitizenRow, PacketRow, UploadRow

from .conftest import StationClient, TestStation, current_public, seal_packet

CITIZEN = "019301004567"


def _form(id_number: str | None = CITIZEN, **extra: Any) -> dict[str, Any]:
    form: dict[str, Any] = {"full_name": "Hoàng Thị Én", "date_of_birth": "2001-02-03"}
    if id_number is not None:
        form["id_number"] = id_number
    form.update(extra)
    return form


def _accept(receiver: Receiver, station: TestStation, form: dict[str, Any]) -> Any:
    sealed = seal_packet(station, current_public(receiver.keys), size=2_000, form=form)
    expect = Expect(sealed.packet_id, sealed.sha256, authentic=True)
    return sealed, lambda: receiver.accept(
        sealed.data, station_id=station.station_id, expect=expect, via="usb"
    )


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (_form("٠١٩٣٠١٠٠٤٥٦٧"), "id_number"),  # Arabic-Indic digits
        (_form("０１９３０１００４５６７"), "id_number"),  # full-width digits
        (_form("01930100456"), "id_number"),  # 11 digits
        (_form(CITIZEN, old_id_number="１２３４５６７８９"), "old_id_number"),
        (_form(CITIZEN, old_id_number="1234567890"), "old_id_number"),  # 10 digits
        (_form(CITIZEN, relatives=[{"full_name": "A", "id_number": "٠١٩٣٠١٠٠٤٥٦٨"}]), "relatives"),
        (_form(12), "id_number"),  # type: ignore[arg-type]
    ],
)
def test_an_id_number_not_of_ascii_digits_is_refused_for_good(
    receiver: Receiver, station_a: TestStation, form: dict[str, Any], field: str
) -> None:
    sealed, accept = _accept(receiver, station_a, form)
    with pytest.raises(PacketRefusedError) as info:
        accept()
    err = info.value
    assert err.code == "bad_id_number" and err.status == 422 and err.body()["refused"] is True
    assert field in err.en and "ASCII" in err.en and "chữ số" in err.vi
    with receiver.store.read() as s:
        assert s.get(PacketRow, (station_a.station_id, sealed.packet_id)) is None


def test_well_formed_or_absent_numbers_are_accepted(
    receiver: Receiver, station_a: TestStation
) -> None:
    for form in (
        _form(None),  # a citizen not yet in the population database
        _form(""),
        _form("019301004568", old_id_number="123456789"),
        _form("019301004569", old_id_number="123456789012", relatives=[{"id_number": ""}]),
    ):
        _, accept = _accept(receiver, station_a, form)
        assert accept().duplicate is False


def test_duplicate_citizen_held_then_released_over_http(
    receiver: Receiver,
    station_a: TestStation,
    station_b: TestStation,
    client_a: StationClient,
    client_b: StationClient,
    data_dir: Path,
) -> None:
    public = current_public(receiver.keys)
    first = seal_packet(station_a, public, size=30_000, form=_form())
    second = seal_packet(station_b, public, size=30_000, form=_form())
    r = client_a.upload(first)
    assert r.status_code == 200, r.text

    # Another station, another dossier, the same citizen: stored, held, naming station A.
    r = client_b.upload(second)
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["error"] == "duplicate_citizen" and body["held"] is True
    assert "refused" not in body
    assert body["other_station"] == station_a.code and "TN-001" in body["vi"]
    assert body["other_received_at"] in body["en"] and len(body["other_received_at"]) == 10
    with receiver.store.read() as s:
        row = s.get(PacketRow, (station_b.station_id, second.packet_id))
        assert row is not None and row.status == "held"
        blob, uploads_left = row.blob_path, s.query(UploadRow).count()
    assert receiver.store.read_blob(blob) == second.data  # stored, awaiting the centre
    assert uploads_left == 0  # nothing left half-done
    # Offered again: held again (no bytes resent), and no receipt to fetch.
    again = client_b.create(second)
    assert again.status_code == 503 and again.json()["error"] == "duplicate_citizen"
    assert client_b.receipt(second.packet_id).status_code == 404

    # The centre releases it: the next offer gets a receipt.
    code = cli.main(["mark", second.packet_id, "--release", "--data", str(data_dir)])
    assert code == cli.EXIT_OK
    r = client_b.create(second)
    assert r.status_code == 200, r.text
    assert r.json()["receipt"]["status"] == "duplicate"
    assert client_b.receipt(second.packet_id).status_code == 200


def test_duplicate_citizen_rejected_by_the_centre(
    receiver: Receiver, station_a: TestStation, station_b: TestStation, data_dir: Path
) -> None:
    _, accept_a = _accept(receiver, station_a, _form())
    accept_a()
    held, accept_b = _accept(receiver, station_b, _form())
    with pytest.raises(PacketHeldError) as info:
        accept_b()
    assert info.value.code == "duplicate_citizen"
    # The same bytes again (a USB copy): held again, not stored twice.
    with pytest.raises(PacketHeldError):
        accept_b()
    reason = "Công dân đã làm hồ sơ tại trạm TN-001"
    assert cli.main(["mark", held.packet_id, "--rejected", reason, "--data", str(data_dir)]) == 0
    # Offered again: the receipt (the receiver holds it), and the rejection in the status log.
    assert accept_b().receipt.doc["status"] == "duplicate"
    changes = receiver.status_changes(station_b.station_id, 0, 10)["changes"]
    assert [(c["packet_id"], c["status"], c["reason"]) for c in changes] == [
        (held.packet_id, "rejected", reason)
    ]


def test_finished_or_sent_back_dossiers_do_not_hold_the_citizen(
    receiver: Receiver, station_a: TestStation, station_b: TestStation
) -> None:
    printed, accept = _accept(receiver, station_a, _form())
    accept()
    receiver.mark_card_printed(printed.packet_id)
    _, accept = _accept(receiver, station_b, _form())  # a renewal after the card was printed
    second = accept().receipt.packet_id
    receiver.mark_rejected(second, "Ảnh mờ", ["face"])
    _, accept = _accept(receiver, station_a, _form())  # the centre sent the other one back
    assert accept().duplicate is False
    # Its own dossier sealed again is not a duplicate of itself (dossier rules apply).
    with receiver.store.read() as s:
        live = s.query(CitizenRow).filter(CitizenRow.live_id_number == CITIZEN).count()
    assert live == 1


def test_release_refused_unless_held(receiver: Receiver, station_a: TestStation) -> None:
    sealed, accept = _accept(receiver, station_a, _form(str(uuid.uuid4().int)[:12]))
    accept()
    args = ["mark", sealed.packet_id, "--release", "--data", str(receiver.store.data_dir)]
    assert cli.main(args) == cli.EXIT_ERROR


def test_the_station_shows_a_duplicate_citizen_hold_until_the_centre_releases_it(
    staffed, clock, keyset, tmp_path: Path
) -> None:
    from station import delivery
    from sync import api
    from sync.receiver.app import create_app
    from sync.receiver.keys import load_keys
    from sync.receiver.server import BackgroundServer
    from sync.receiver.store import ReceiverStore
    from tests.conftest import OP_PW, SUP_PW, capture_all, login, valid_form

    from .conftest import make_station

    receiver = Receiver(ReceiverStore(tmp_path / "receiver"), load_keys([keyset["receiver_keys"]]))
    receiver.register_station(staffed.registration())
    other = make_station("HN-009")
    receiver.register_station(other.registration())
    citizen = "019301777001"
    _, first = _accept(receiver, other, _form(citizen))
    first()  # another station's dossier of this citizen is accepted first

    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    d = op.create_dossier("first_issue", valid_form(id_number=citizen))
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.approve(d.id)
    packet_id = sup.seal(d.id)
    server = BackgroundServer(
        create_app(receiver), tls_cert=keyset["tls_cert"], tls_key=keyset["tls_key"]
    )
    with server:
        staffed.set_receiver_url(server.url)
        report = api.sync_now(sup)
        assert report.held == [packet_id], report.errors
        info = sup.packet_info(packet_id)
        assert (
            info.status in delivery.SENDABLE
            and delivery.held_code(info.last_error) == "duplicate_citizen"
        )
        assert "HN-009" in (info.last_error or "") and "one citizen, one card" in (
            info.last_error or ""
        )
        assert delivery.awaits_central_decision(report.reasons[packet_id])
        # The centre lets it go ahead: the next run gets the receipt.
        args = ["mark", packet_id, "--release", "--data", str(tmp_path / "receiver")]
        assert cli.main(args) == cli.EXIT_OK
        report = api.sync_now(sup)
        assert report.receipted == [packet_id], report.errors
    receiver.store.close()
    op.close()
    sup.close()
