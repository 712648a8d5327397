"""The receiver's schema migrations (Alembic), from an empty database and from the schema the
receiver created in code before migrations, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from sync import protocol
from sync.receiver.app import create_app
from sync.receiver.cli import EXIT_ERROR, EXIT_OK, main
from sync.receiver.core import Receiver
from sync.receiver.keys import ReceiverKeys
from sync.receiver.migrations import VERSION_TABLE, head_revision, upgrade
from sync.receiver.server import BackgroundServer
from sync.receiver.store import Base, ReceiverStore

from .conftest import StationClient, make_station, seal_packet, verified_receipt

BACKENDS = ["sqlite", "postgresql"]


def _url(backend: str, request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("pg_url") if backend == "postgresql" else None


def _db_args(data: Path, url: str | None) -> list[str]:
    return ["--data", str(data), *(["--database-url", url] if url else [])]


def _schema(store: ReceiverStore) -> dict[str, set[str]]:
    insp = inspect(store.engine)
    return {
        name: {c["name"] for c in insp.get_columns(name)}
        for name in insp.get_table_names()
        if name != VERSION_TABLE
    }


def _models() -> dict[str, set[str]]:
    return {name: {c.name for c in table.columns} for name, table in Base.metadata.tables.items()}


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrate_an_empty_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = _url(backend, request)
    data = tmp_path / "data"
    store = ReceiverStore(data, url, migrate=False)
    assert store.revision() is None
    if backend == "postgresql":  # a shared database is never migrated behind the operator
        assert main(["deactivate-station", "x", *_db_args(data, url)]) == EXIT_ERROR
    assert main(["migrate", *_db_args(data, url)]) == EXIT_OK
    assert store.revision() == head_revision()
    assert _schema(store) == _models()
    assert main(["migrate", *_db_args(data, url)]) == EXIT_OK  # again: nothing to do
    assert store.revision() == head_revision()
    store.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrate_a_database_of_the_previous_version(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    keys: ReceiverKeys,
    receiver_public,
) -> None:
    """The tables the receiver created in code (no version table), a packet file in
    ``blobs/`` and an upload in progress in ``partial/``: moved into the database, the upload
    then finished over HTTP from where it stood."""
    url = _url(backend, request)
    data = tmp_path / "data"
    old = ReceiverStore(data, url, migrate=False)
    upgrade(old.engine, None, "r0001_adopt")  # exactly the schema of the previous version
    with old.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
    assert old.revision() is None

    station = make_station("OLD-2")
    reg = station.registration()
    held = seal_packet(station, receiver_public, size=20_000)
    moving = seal_packet(station, receiver_public, size=50_000)
    blob_path = f"blobs/{held.sha256[:2]}/{held.sha256}.ipkt"
    (data / blob_path).parent.mkdir(parents=True)
    (data / blob_path).write_bytes(held.data)
    part_path = "partial/0123456789abcdef-" + moving.packet_id + ".part"
    (data / "partial").mkdir()
    (data / part_path).write_bytes(moving.data[:30_000])  # 20,000 acknowledged
    receipt = protocol.make_receipt(
        keys.signing_key,
        packet_id=held.packet_id,
        sha256=held.sha256,
        station_id=station.station_id,
        dossier_id="d1",
        number="OLD-2-1",
        received_at="2026-11-30T00:00:00Z",
        status="accepted",
    )
    with old.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stations VALUES (:sid, :code, :name, :key, "
                "'2026-01-01T00:00:00Z', :active)"
            ),
            {
                "sid": reg["station_id"],
                "code": reg["code"],
                "name": reg["name"],
                "key": reg["public_key"],
                "active": True,
            },
        )
        conn.execute(
            text(
                "INSERT INTO station_packets VALUES (:sid, :pid, 'd1', 'd1', 'OLD-2-1', :sha, "
                ":size, :blob, :key_id, 't', '2026-11-30T00:00:00Z', 'http', 'accepted', NULL, "
                "NULL, '2026-11-30T00:00:00Z')"
            ),
            {
                "sid": reg["station_id"],
                "pid": held.packet_id,
                "sha": held.sha256,
                "size": held.size,
                "blob": blob_path,
                "key_id": keys.current_key_id,
            },
        )
        conn.execute(
            text("INSERT INTO station_receipts VALUES (:sid, :pid, :receipt)"),
            {
                "sid": reg["station_id"],
                "pid": held.packet_id,
                "receipt": json.dumps(receipt.to_json()),
            },
        )
        conn.execute(
            text(
                "INSERT INTO station_uploads VALUES (:sid, :pid, :length, 20000, :sha, 't', 't', "
                ":temp)"
            ),
            {
                "sid": reg["station_id"],
                "pid": moving.packet_id,
                "length": moving.size,
                "sha": moving.sha256,
                "temp": part_path,
            },
        )
    old.close()

    assert main(["migrate", *_db_args(data, url)]) == EXIT_OK
    store = ReceiverStore(data, url, migrate=False)
    assert store.revision() == head_revision()
    assert _schema(store) == _models()
    receiver = Receiver(store, keys)
    assert receiver.open_stored(held.packet_id).manifest["packet_id"] == held.packet_id
    assert receiver.receipt(station.station_id, held.packet_id).to_json() == receipt.to_json()
    # The files may go: the database holds everything.
    (data / blob_path).unlink()
    (data / part_path).unlink()
    with BackgroundServer(create_app(receiver)) as srv:
        client = StationClient(srv.url, station)
        r = client.create(moving)
        assert (r.status_code, r.json()["offset"]) == (201, 20_000)
        final = client.upload(moving)
        assert final.status_code == 200, final.text
        verified_receipt(final, keys, moving, station)
        assert client.sent == moving.size - 20_000
        assert client.create(held).json()["receipt"]["status"] == "duplicate"
        client.close()
    stored = store.read_blob(store.blob_name(moving.sha256))
    assert hashlib.sha256(stored).hexdigest() == moving.sha256
    store.close()
