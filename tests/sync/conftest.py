"""Receiver test fixtures: keys, stations, sealed packets, a live server, a signed client."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from station import crypto, packet
from station.clock import iso
from station.provisioning import generate_receiver_keyset
from sync import protocol
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.keys import ReceiverKeys, load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import ReceiverStore
from sync.receiver.usb import EXPORT_FORMAT, MANIFEST, MANIFEST_SIG
from tests import pgcluster

SEALED_AT = datetime(2026, 11, 23, 3, 15, tzinfo=UTC)


@dataclass
class TestStation:
    __test__ = False

    station_id: str
    code: str
    name: str
    signing_key: bytes

    @property
    def public_key(self) -> bytes:
        return crypto.ed25519_public(self.signing_key)

    def registration(self) -> dict[str, Any]:
        return {
            "format": "intake-station/station-registration",
            "version": 1,
            "station_id": self.station_id,
            "code": self.code,
            "name": self.name,
            "public_key": base64.b64encode(self.public_key).decode(),
        }


def make_station(code: str = "TN-001") -> TestStation:
    return TestStation(str(uuid.uuid4()), code, f"Trạm {code}", crypto.ed25519_generate())


def seal_packet(
    station: TestStation,
    receiver_key: crypto.HpkePublicKey,
    *,
    dossier_id: str | None = None,
    size: int = 120_000,
    form: dict[str, Any] | None = None,
) -> packet.Sealed:
    """A sealed packet of about ``size`` bytes (random part data) for a new or given dossier."""
    dossier_id = dossier_id or uuid.uuid4().hex
    parts = [
        packet.PartInput("face", "", "image/jpeg", os.urandom(max(1, size // 2)), {"q": 0.9}),
        packet.PartInput("signature", "", "image/png", os.urandom(max(1, size // 8)), {}),
        packet.PartInput(
            "document", "birth_certificate_1", "image/jpeg", os.urandom(max(1, size * 3 // 8)), {}
        ),
    ]
    inp = packet.SealInput(
        dossier_id=dossier_id,
        number=f"{station.code}-20261123-{dossier_id[:4]}",
        case_type="first_issue",
        form=form or {"full_name": "Nguyễn Thị Minh Khai", "date_of_birth": "1990-05-17"},
        capture={"exceptions": {}},
        operator_id="op1",
        supervisor_id="sup1",
        created_at="2026-11-23T01:02:03.000000Z",
        approved_at="2026-11-23T03:10:00.500000Z",
        parts=parts,
    )
    return packet.seal(
        inp,
        station_id=station.station_id,
        station_code=station.code,
        signing_key=station.signing_key,
        receiver_key=receiver_key,
        receiver_key_id=packet.hpke_key_id(receiver_key),
        now=SEALED_AT,
    )


def current_public(keys: ReceiverKeys) -> crypto.HpkePublicKey:
    return keys.decryption[keys.current_key_id].public_key()


def write_export(
    folder: Path,
    station: TestStation,
    packets: list[packet.Sealed],
    *,
    manifest: bool = True,
    sign: bool = True,
    signing_key: bytes | None = None,
) -> dict[str, Any]:
    """A USB export folder as a station writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in packets:
        (folder / f"{p.packet_id}.ipkt").write_bytes(p.data)
    doc = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "station_id": station.station_id,
        "exported_at": iso(SEALED_AT),
        "packets": [
            {"packet_id": p.packet_id, "size": p.size, "sha256": p.sha256} for p in packets
        ],
    }
    if manifest:
        (folder / MANIFEST).write_text(json.dumps(doc, indent=2), encoding="utf-8")
        if sign:
            key = signing_key or station.signing_key
            sig = protocol.sign(key, protocol.USB_MANIFEST_PREFIX, doc)
            (folder / MANIFEST_SIG).write_text(sig + "\n", encoding="ascii")
    return doc


class StationClient:
    """A station's side of the protocol, just enough for the tests: signed requests over httpx."""

    def __init__(
        self,
        base_url: str,
        station: TestStation,
        *,
        verify: Any = False,
        chunk: int = 16 * 1024,
        timeout: float = 10.0,
    ) -> None:
        self.station = station
        self.chunk = chunk
        self.http = httpx.Client(base_url=base_url, verify=verify, trust_env=False, timeout=timeout)
        #: Chunk bytes sent by PATCH requests (to measure what a resume costs).
        self.sent = 0

    def close(self) -> None:
        self.http.close()

    def signed_headers(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        time: str | None = None,
        offset: str | None = None,
    ) -> dict[str, str]:
        stamp = time or iso(datetime.now(UTC))
        doc = protocol.request_doc(method, path, stamp, body, offset)
        return {
            protocol.H_STATION: self.station.station_id,
            protocol.H_TIMESTAMP: stamp,
            protocol.H_SIGNATURE: protocol.sign(
                self.station.signing_key, protocol.REQUEST_PREFIX, doc
            ),
            protocol.H_TUS: protocol.TUS_VERSION,
        }

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        extra = headers or {}
        offset = extra.get(protocol.H_OFFSET) if method == "PATCH" else None
        hdrs = {**self.signed_headers(method, path, body, offset=offset), **extra}
        return self.http.request(method, path, content=body, headers=hdrs)

    def post_json(self, path: str, doc: Any) -> httpx.Response:
        body = json.dumps(doc).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json"})

    def create(self, sealed: packet.Sealed, **override: Any) -> httpx.Response:
        doc = {"packet_id": sealed.packet_id, "length": sealed.size, "sha256": sealed.sha256}
        return self.post_json("/v1/uploads", {**doc, **override})

    def head(self, packet_id: str) -> httpx.Response:
        return self.request("HEAD", f"/v1/uploads/{packet_id}")

    def patch(
        self, packet_id: str, offset: int, chunk: bytes, *, checksum: bytes | None = None
    ) -> httpx.Response:
        digest = checksum if checksum is not None else hashlib.sha256(chunk).digest()
        headers = {
            "Content-Type": "application/offset+octet-stream",
            protocol.H_OFFSET: str(offset),
            protocol.H_CHECKSUM: "sha256 " + base64.b64encode(digest).decode(),
        }
        self.sent += len(chunk)
        return self.request("PATCH", f"/v1/uploads/{packet_id}", chunk, headers)

    def upload(
        self, sealed: packet.Sealed, *, stop_after_chunks: int | None = None
    ) -> httpx.Response:
        """Announce (or resume) and send chunks; the last response (receipt, or the last 204)."""
        r = self.create(sealed)
        if r.status_code == 200:
            return r
        assert r.status_code == 201, r.text
        offset = int(r.headers[protocol.H_OFFSET])
        sent_chunks = 0
        while True:
            chunk = sealed.data[offset : offset + self.chunk]
            r = self.patch(sealed.packet_id, offset, chunk)
            if r.status_code != 204:
                return r
            offset = int(r.headers[protocol.H_OFFSET])
            sent_chunks += 1
            if stop_after_chunks is not None and sent_chunks >= stop_after_chunks:
                return r

    def receipt(self, packet_id: str) -> httpx.Response:
        return self.request("GET", f"/v1/receipts/{packet_id}")

    def status(self, packet_ids: list[str]) -> httpx.Response:
        return self.post_json("/v1/status", {"packet_ids": packet_ids})


def verified_receipt(
    response: httpx.Response, keys: ReceiverKeys, sealed: packet.Sealed, station: Any
) -> protocol.Receipt:
    receipt = protocol.Receipt.from_json(response.json())
    assert receipt.verify(keys.signing_public, sealed.packet_id, sealed.sha256, station.station_id)
    return receipt


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def receiver_keyset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_receiver_keyset(tmp_path_factory.mktemp("receiver-keys"))


@pytest.fixture(scope="session")
def keys(receiver_keyset: dict[str, Path]) -> ReceiverKeys:
    return load_keys([receiver_keyset["receiver_keys"]])


@pytest.fixture(scope="session")
def receiver_public(keys: ReceiverKeys) -> crypto.HpkePublicKey:
    return current_public(keys)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "receiver-data"


@pytest.fixture
def receiver(data_dir: Path, keys: ReceiverKeys) -> Iterator[Receiver]:
    r = Receiver(ReceiverStore(data_dir), keys)
    yield r
    r.store.close()


@pytest.fixture
def station_a(receiver: Receiver) -> TestStation:
    st = make_station("TN-001")
    receiver.register_station(st.registration())
    return st


@pytest.fixture
def station_b(receiver: Receiver) -> TestStation:
    st = make_station("TN-002")
    receiver.register_station(st.registration())
    return st


@pytest.fixture
def server(receiver: Receiver) -> Iterator[BackgroundServer]:
    with BackgroundServer(create_app(receiver, body_timeout=5.0)) as srv:
        yield srv


@pytest.fixture
def client_a(server: BackgroundServer, station_a: TestStation) -> Iterator[StationClient]:
    c = StationClient(server.url, station_a)
    yield c
    c.close()


@pytest.fixture
def client_b(server: BackgroundServer, station_b: TestStation) -> Iterator[StationClient]:
    c = StationClient(server.url, station_b)
    yield c
    c.close()


# --- PostgreSQL ---------------------------------------------------------------------------------
# A throw-away cluster on loopback in a temporary folder for the session (as the ``postgres``
# user when the tests run as root, since PostgreSQL refuses to run as root).


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    if not pgcluster.pg_bin("initdb") or not pgcluster.pg_bin("pg_ctl"):
        pytest.skip("PostgreSQL is not installed")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser")
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(pgcluster.cluster(fsync=False))
        except (subprocess.CalledProcessError, OSError, RuntimeError) as exc:
            pytest.skip(f"cannot start PostgreSQL: {exc}")
        yield server


@pytest.fixture
def pg_url(postgres_server: str) -> str:
    """A new empty database on the session's cluster (SQLAlchemy URL)."""
    pytest.importorskip("psycopg")
    return pgcluster.new_database(postgres_server, "t")
