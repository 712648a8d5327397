"""The station's own sync code (service, uploader, USB export/import) against this receiver.

A provisioned station seals real dossiers; its uploader sends them over TLS, pinned to the
certificate of the development key set, to the receiver running under uvicorn; the receiver's
rejection comes back through the status pull. A USB export goes through ``import-usb`` and the
station takes the receipts back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from station.lifecycle import State
from station.service import StationService
from sync import api
from sync import usb as station_usb
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.keys import load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import ReceiverStore
from sync.receiver.usb import import_usb
from tests.conftest import OP_PW, SUP_PW, capture_all, login, valid_form


def sealed_dossier(op: StationService, sup: StationService, name: str) -> tuple[str, str]:
    d = op.create_dossier("first_issue", valid_form(occupation=name))
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.approve(d.id)
    return d.id, sup.seal(d.id)


@pytest.fixture
def station_receiver(tmp_path: Path, keyset: dict[str, Path]):
    receiver = Receiver(ReceiverStore(tmp_path / "receiver"), load_keys([keyset["receiver_keys"]]))
    yield receiver
    receiver.store.close()


def test_station_uploader_over_pinned_tls(staffed, clock, keyset, station_receiver):
    receiver = station_receiver
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    first_dossier, first = sealed_dossier(op, sup, "Nông dân")
    _, second = sealed_dossier(op, sup, "Giáo viên")
    server = BackgroundServer(
        create_app(receiver), tls_cert=keyset["tls_cert"], tls_key=keyset["tls_key"]
    )
    with server:
        staffed.set_receiver_url(server.url)
        report = api.sync_now(sup)
        assert report.reachable, report.errors
        assert sorted(report.receipted) == sorted([first, second]), report.errors
        assert report.refused == [] and report.failed == []
        assert sup.get_dossier(first_dossier).state in (State.RECEIPTED, State.PURGED)

        # The centre sends the first dossier back; the next sync brings the news.
        receiver.mark_rejected(first, "Ảnh chân dung bị mờ", ["face"])
        receiver.mark_card_printed(second)
        report = api.sync_now(sup)
        assert report.reachable
        assert sup.get_dossier(first_dossier).state == State.NEEDS_RECAPTURE

        # Nothing left to send: another run sends nothing and stores nothing twice.
        report = api.sync_now(sup)
        assert report.receipted == [] and report.bytes_sent == 0
    with receiver.store.read() as s:
        from sqlalchemy import func, select

        from sync.receiver.store import PacketRow

        assert s.scalar(select(func.count()).select_from(PacketRow)) == 2
    op.close()
    sup.close()


def test_station_usb_export_and_receipts(staffed, clock, station_receiver, tmp_path):
    receiver = station_receiver
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    ids = [sealed_dossier(op, sup, f"Nghề {i}")[1] for i in range(2)]
    drive = tmp_path / "usb"
    exported = station_usb.export(sup, drive / "export")
    assert sorted(exported.packets) == sorted(ids)
    report = import_usb(receiver, drive / "export", drive / "receipts")
    assert report.complete, [(i.packet_id, i.result, i.error) for i in report.items]
    back = station_usb.import_receipts(sup, drive / "receipts")
    assert sorted(back.accepted) == sorted(ids)
    assert back.refused == [] and back.unknown == []
    assert sup.pending_packets() == []
    op.close()
    sup.close()
