"""Stateless receivers: several processes on one PostgreSQL serve any request of any upload."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sync import protocol
from sync.receiver.core import Receiver
from sync.receiver.keys import ReceiverKeys
from sync.receiver.store import ReceiverStore

from .conftest import StationClient, make_station, seal_packet, verified_receipt
from .procs import ReceiverProcess

CHUNK = 16 * 1024


def _two_receivers(
    tmp_path: Path, pg_url: str, keyset: dict[str, Path]
) -> tuple[ReceiverProcess, ReceiverProcess]:
    """Two ``serve`` processes, each with its own (empty) data folder, on one database."""
    procs = []
    for name in ("a", "b"):
        proc = ReceiverProcess(
            tmp_path / name / "data", [keyset["receiver_keys"]], database_url=pg_url
        )
        proc.data_dir.mkdir(parents=True)
        procs.append(proc)
    return procs[0], procs[1]


def test_an_upload_alternating_between_two_receiver_processes_completes(
    tmp_path: Path, pg_url: str, receiver_keyset: dict[str, Path], keys: ReceiverKeys
) -> None:
    admin = Receiver(ReceiverStore(tmp_path / "admin", pg_url), keys)  # migrates the database
    station = make_station("PG-ALT")
    admin.register_station(station.registration())
    public = keys.decryption[keys.current_key_id].public_key()
    sealed = seal_packet(station, public, size=200_000)
    a, b = _two_receivers(tmp_path, pg_url, receiver_keyset)
    a.start()
    b.start()
    clients = [StationClient(a.url, station, chunk=CHUNK), StationClient(b.url, station)]
    try:
        r = clients[0].create(sealed)
        assert (r.status_code, r.json()["offset"]) == (201, 0)
        offset, requests = 0, 1
        while True:  # every request goes to the other process than the one before
            client = clients[requests % 2]
            if requests % 5 == 0:  # now and then a HEAD first, as a resuming station does
                head = client.head(sealed.packet_id)
                assert head.headers[protocol.H_OFFSET] == str(offset)
            r = client.patch(sealed.packet_id, offset, sealed.data[offset : offset + CHUNK])
            requests += 1
            if r.status_code == 200:
                break
            assert r.status_code == 204, r.text
            offset = int(r.headers[protocol.H_OFFSET])
            assert requests < 100
        verified_receipt(r, keys, sealed, station)
        # Every byte sent once: no restart at 0, one request per chunk.
        assert sum(c.sent for c in clients) == sealed.size
        assert requests == 1 + math.ceil(sealed.size / CHUNK)
        assert admin.store.read_blob(admin.store.blob_name(sealed.sha256)) == sealed.data

        # A receiver killed mid-upload: the other one continues where it stood.
        second = seal_packet(station, public, size=120_000)
        r = clients[0].upload(second, stop_after_chunks=3)
        assert r.status_code == 204
        a.kill()
        before = clients[1].sent
        final = clients[1].upload(second)
        assert final.status_code == 200, final.text
        verified_receipt(final, keys, second, station)
        assert clients[1].sent - before == second.size - 3 * CHUNK
    finally:
        for c in clients:
            c.close()
        a.stop()
        b.stop()
        admin.store.close()
    logs = a.log.read_text(errors="replace") + b.log.read_text(errors="replace")
    assert "restarting at 0" not in logs
    assert "Traceback" not in logs


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_receivers_started_at_once_migrate_one_database_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import threading

    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    data = tmp_path / "data"
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            ReceiverStore(data, url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = ReceiverStore(data, url, migrate=False)
    from sync.receiver.migrations import head_revision

    assert store.revision() == head_revision()
    store.close()
