"""The same receiver on PostgreSQL (a throw-away cluster: ``postgres_server`` in conftest.py)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync import protocol
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.server import BackgroundServer
from sync.receiver.store import ReceiverStore
from sync.receiver.usb import import_usb

from .conftest import StationClient, make_station, seal_packet, verified_receipt, write_export

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def pg_receiver(pg_url: str, tmp_path: Path, keys) -> Iterator[Receiver]:
    store = ReceiverStore(tmp_path / "data", pg_url)
    assert store.dialect == "postgresql"
    r = Receiver(store, keys)
    yield r
    store.close()


def test_upload_resume_dedup_and_status_on_postgresql(pg_receiver, keys, receiver_public):
    receiver = pg_receiver
    station = make_station("PG-001")
    receiver.register_station(station.registration())
    sealed = seal_packet(station, receiver_public, size=60_000)
    with BackgroundServer(create_app(receiver)) as srv:
        c = StationClient(srv.url, station)
        r = c.upload(sealed, stop_after_chunks=2)
        assert r.status_code == 204
        c2 = StationClient(srv.url, station)
        final = c2.upload(sealed)
        assert final.status_code == 200
        verified_receipt(final, keys, sealed, station)
        assert c.sent + c2.sent == sealed.size
        assert c.create(sealed).json()["receipt"]["status"] == "duplicate"

        dossier_id = receiver.open_stored(sealed.packet_id).manifest["dossier"]["id"]
        second = seal_packet(station, receiver_public, dossier_id=dossier_id, size=3_000)
        r = c.upload(second)
        assert (r.status_code, r.json()["error"]) == (503, "dossier_under_review")
        receiver.mark_rejected(sealed.packet_id, "Ảnh mờ", ["face"])
        assert c.upload(seal_packet(station, receiver_public, dossier_id=dossier_id)).is_success
        st = c.status([sealed.packet_id])
        assert st.json()["statuses"][sealed.packet_id]["parts"] == ["face"]
        c.close()
        c2.close()


def test_concurrent_requests_on_postgresql(pg_receiver, keys, receiver_public, tmp_path):
    receiver = pg_receiver
    station = make_station("PG-002")
    receiver.register_station(station.registration())
    sealed = seal_packet(station, receiver_public, size=40_000)
    with BackgroundServer(create_app(receiver)) as srv:
        clients = [StationClient(srv.url, station, chunk=8192) for _ in range(3)]
        # Three stations' retries announce the same new upload at once: one row, offset 0.
        answers: list = []
        threads = [
            threading.Thread(target=lambda c=c: answers.append(c.create(sealed))) for c in clients
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(a.status_code for a in answers) == [201, 201, 201]
        offset = 0
        while offset < sealed.size:
            chunk = sealed.data[offset : offset + 8192]
            results: list = []
            threads = [
                threading.Thread(
                    target=lambda c=c, ch=chunk, at=offset, out=results: out.append(
                        c.patch(sealed.packet_id, at, ch)
                    )
                )
                for c in clients
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            codes = sorted(r.status_code for r in results)
            if 200 in codes:
                break
            assert codes == [204, 409, 409]
            offset += len(chunk)
        head = clients[0].head(sealed.packet_id)
        assert head.headers[protocol.H_OFFSET] == str(sealed.size)
        for c in clients:
            c.close()
    assert receiver.store.read_blob(receiver.store.blob_name(sealed.sha256)) == sealed.data
    export = tmp_path / "usb"
    write_export(export, station, [sealed])
    assert import_usb(receiver, export, tmp_path / "out").counts() == {"duplicate": 1}


def test_announcements_on_postgresql(pg_receiver, receiver_public):
    """``POST``'s cases on PostgreSQL's one-statement path: new, resumed, other bytes under the
    id, a remembered refusal (and an admin's judge_again), a held packet."""
    from sync.receiver.core import Accepted, UploadState
    from sync.receiver.errors import PacketRefusedError

    receiver = pg_receiver
    station = make_station("PG-003")
    sid = station.station_id
    receiver.register_station(station.registration())
    sealed = seal_packet(station, receiver_public, size=30_000)
    pid = sealed.packet_id
    assert receiver.begin_upload(sid, pid, sealed.size, sealed.sha256) == UploadState(
        pid, sealed.size, 0
    )
    assert receiver.write_chunk(sid, pid, 0, sealed.data[:10_000]) == UploadState(
        pid, sealed.size, 10_000
    )
    assert receiver.begin_upload(sid, pid, sealed.size, sealed.sha256).offset == 10_000
    with pytest.raises(PacketRefusedError) as err:
        receiver.begin_upload(sid, pid, sealed.size, "0" * 64)
    assert err.value.code == "replayed"
    done = receiver.write_chunk(sid, pid, 10_000, sealed.data[10_000:])
    assert isinstance(done, Accepted) and not done.duplicate
    again = receiver.begin_upload(sid, pid, sealed.size, sealed.sha256)
    assert isinstance(again, Accepted) and again.duplicate

    bad = seal_packet(station, receiver_public, size=20_000)
    forged = bytearray(bad.data)
    forged[len(forged) // 2] ^= 1
    forged_sha = hashlib.sha256(forged).hexdigest()
    receiver.begin_upload(sid, bad.packet_id, len(forged), forged_sha)
    with pytest.raises(PacketRefusedError):
        receiver.write_chunk(sid, bad.packet_id, 0, bytes(forged))
    with pytest.raises(PacketRefusedError) as err:
        receiver.begin_upload(sid, bad.packet_id, len(forged), forged_sha)
    assert err.value.code == "hash_mismatch"
    judged = receiver.begin_upload(sid, bad.packet_id, len(forged), forged_sha, judge_again=True)
    assert judged == UploadState(bad.packet_id, len(forged), 0)
