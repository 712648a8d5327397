"""The receiver over HTTP on loopback: uploads, resumes, refusals, receipts and statuses."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from station.provisioning import generate_receiver_keyset
from sync import protocol
from sync.receiver.app import create_app
from sync.receiver.core import Accepted, Receiver
from sync.receiver.keys import load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import PacketBlobRow, PacketRow, ReceiverStore, RefusalRow, UploadRow

from .conftest import (
    StationClient,
    current_public,
    make_station,
    seal_packet,
    verified_receipt,
)


def chunks_of(receiver: Receiver, station, sealed) -> list:
    """The stored chunks of an upload in progress, as (offset, size)."""
    rows = receiver.store.read_chunks(station.station_id, sealed.packet_id)
    return [(offset, len(data)) for offset, data in rows]


def blobs(receiver: Receiver) -> int:
    return count(receiver, PacketBlobRow)


def count(receiver: Receiver, model) -> int:
    with receiver.store.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def error_of(r: httpx.Response) -> str:
    return r.json()["error"]


# --- the happy path -----------------------------------------------------------------------------


def test_upload_in_chunks_gives_a_receipt_that_verifies(
    receiver, keys, receiver_public, station_a, client_a, data_dir
):
    sealed = seal_packet(station_a, receiver_public, size=100_000)
    r = client_a.create(sealed)
    assert r.status_code == 201
    assert r.json() == {
        "offset": 0,
        "length": sealed.size,
        "upload_url": f"/v1/uploads/{sealed.packet_id}",
    }
    assert r.headers["Location"] == f"/v1/uploads/{sealed.packet_id}"
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert count(receiver, UploadRow) == 1 and chunks_of(receiver, station_a, sealed) == []

    final = client_a.upload(sealed)
    assert final.status_code == 200, final.text
    assert client_a.sent == sealed.size  # every byte once
    receipt = verified_receipt(final, keys, sealed, station_a)
    assert receipt.doc["status"] == "accepted"
    assert receipt.doc["number"].startswith("TN-001-")
    assert final.headers[protocol.H_OFFSET] == str(sealed.size)

    assert receiver.store.read_blob(sealed.sha256) == sealed.data
    assert chunks_of(receiver, station_a, sealed) == []
    assert count(receiver, UploadRow) == 0
    assert count(receiver, PacketRow) == 1
    opened = receiver.open_stored(sealed.packet_id)
    assert opened.manifest["packet_id"] == sealed.packet_id

    again = client_a.receipt(sealed.packet_id)
    assert again.status_code == 200
    assert again.json() == final.json()  # the receipt signed at acceptance, as it was

    head = client_a.head(sealed.packet_id)
    assert head.status_code == 200
    assert head.headers[protocol.H_OFFSET] == head.headers[protocol.H_LENGTH] == str(sealed.size)


def test_duplicate_upload_gets_a_receipt_again_and_is_stored_once(
    receiver, keys, receiver_public, station_a, client_a, data_dir
):
    sealed = seal_packet(station_a, receiver_public, size=20_000)
    first = client_a.upload(sealed)
    assert first.status_code == 200
    second = client_a.create(sealed)
    assert second.status_code == 200
    receipt = verified_receipt(second, keys, sealed, station_a)
    assert receipt.doc["status"] == "duplicate"
    assert receipt.doc["received_at"] == first.json()["receipt"]["received_at"]
    assert count(receiver, PacketRow) == 1
    assert blobs(receiver) == 1
    # A PATCH on the finished upload says it is complete (offset == length).
    late = client_a.patch(sealed.packet_id, 0, sealed.data[:100])
    assert late.status_code == 409
    assert late.json()["offset"] == sealed.size


def test_health_and_tus_options(client_a):
    r = client_a.http.get("/v1/health")
    assert r.status_code == 200
    assert r.json()["ok"] is True
    assert r.json()["time"].endswith("Z")
    r = client_a.http.options("/v1/uploads")
    assert r.status_code == 204
    assert r.headers["Tus-Version"] == "1.0.0"
    assert r.headers["Tus-Extension"] == "creation,checksum"
    assert r.headers["Tus-Checksum-Algorithm"] == "sha256"
    assert int(r.headers["Tus-Max-Size"]) == protocol.MAX_PACKET


# --- resuming -----------------------------------------------------------------------------------


def _half_open_patch(
    server: BackgroundServer, client: StationClient, packet_id: str, offset: int, chunk: bytes
) -> socket.socket:
    """Start a PATCH, send half its body and leave the connection hanging (a cut link)."""
    path = f"/v1/uploads/{packet_id}"
    headers = client.signed_headers("PATCH", path, chunk)
    headers.update(
        {
            "Host": f"{server.host}:{server.port}",
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(len(chunk)),
            protocol.H_OFFSET: str(offset),
            protocol.H_CHECKSUM: "sha256 "
            + base64.b64encode(hashlib.sha256(chunk).digest()).decode(),
        }
    )
    head = f"PATCH {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock = socket.create_connection((server.host, server.port))
    sock.sendall(head.encode() + b"\r\n" + chunk[: len(chunk) // 2])
    return sock


def test_resume_after_a_cut_costs_at_most_one_chunk(
    receiver, keys, receiver_public, server, station_a, client_a
):
    sealed = seal_packet(station_a, receiver_public, size=150_000)
    r = client_a.upload(sealed, stop_after_chunks=3)
    assert r.status_code == 204
    offset = int(r.headers[protocol.H_OFFSET])
    assert offset == 3 * client_a.chunk
    # The fourth chunk is cut in the middle; its connection stays half-open meanwhile.
    hanging = _half_open_patch(
        server, client_a, sealed.packet_id, offset, sealed.data[offset : offset + client_a.chunk]
    )
    try:
        time.sleep(0.2)
        resumed = StationClient(server.url, station_a, chunk=client_a.chunk)
        started = time.monotonic()
        head = resumed.head(sealed.packet_id)
        assert time.monotonic() - started < 2  # nobody waits on the dead connection
        assert head.status_code == 200
        assert int(head.headers[protocol.H_OFFSET]) == offset  # the half chunk was not kept
        final = resumed.upload(sealed)
        assert final.status_code == 200, final.text
        verified_receipt(final, keys, sealed, station_a)
        assert client_a.sent + resumed.sent <= sealed.size + client_a.chunk
        resumed.close()
    finally:
        hanging.close()
    assert count(receiver, PacketRow) == 1


def test_server_restart_mid_upload_finishes_without_duplicate(
    data_dir, keys, receiver_public, station_a
):
    first = Receiver(ReceiverStore(data_dir), keys)
    first.register_station(station_a.registration())
    sealed = seal_packet(station_a, receiver_public, size=120_000)
    with BackgroundServer(create_app(first)) as srv:
        c = StationClient(srv.url, station_a)
        r = c.upload(sealed, stop_after_chunks=4)
        assert r.status_code == 204
        c.close()
    first.store.close()

    second = Receiver(ReceiverStore(data_dir), keys)  # a new process on the same data
    with BackgroundServer(create_app(second)) as srv:
        c = StationClient(srv.url, station_a)
        head = c.head(sealed.packet_id)
        assert int(head.headers[protocol.H_OFFSET]) == 4 * c.chunk
        final = c.upload(sealed)
        assert final.status_code == 200
        verified_receipt(final, keys, sealed, station_a)
        assert c.sent == sealed.size - 4 * c.chunk
        again = c.upload(sealed)
        assert again.json()["receipt"]["status"] == "duplicate"
        c.close()
    assert count(second, PacketRow) == 1
    second.store.close()


def test_concurrent_patches_of_one_offset_never_both_win(
    receiver, keys, receiver_public, station_a, server
):
    sealed = seal_packet(station_a, receiver_public, size=60_000)
    clients = [StationClient(server.url, station_a, chunk=8192) for _ in range(2)]
    assert clients[0].create(sealed).status_code == 201
    offset = 0
    while offset < sealed.size:
        chunk = sealed.data[offset : offset + 8192]
        results: list[httpx.Response] = []

        def send(
            c: StationClient, chunk: bytes = chunk, at: int = offset, out: list = results
        ) -> None:
            out.append(c.patch(sealed.packet_id, at, chunk))

        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in results)
        for r in results:
            if r.status_code == 409:
                assert error_of(r) == "offset_mismatch"
        if any(r.status_code == 200 for r in results):
            break
        assert codes == [204, 409]
        offset += len(chunk)
    head = clients[0].head(sealed.packet_id)
    assert head.headers[protocol.H_OFFSET] == str(sealed.size)
    assert count(receiver, PacketRow) == 1
    assert receiver.store.read_blob(receiver.store.blob_name(sealed.sha256)) == sealed.data
    for c in clients:
        c.close()


# --- refusals -----------------------------------------------------------------------------------


def _announce_bytes(client: StationClient, sealed, data: bytes) -> httpx.Response:
    """Upload ``data`` (altered bytes) as the station would: announced with its own hash."""
    forged = type(sealed)(
        sealed.packet_id, data, hashlib.sha256(data).hexdigest(), len(data), sealed.header
    )
    return client.upload(forged)


def test_tampered_packets_are_refused_for_good(
    receiver, receiver_public, station_a, client_a, data_dir
):
    sealed = seal_packet(station_a, receiver_public, size=40_000)
    data = bytearray(sealed.data)
    data[len(data) // 2] ^= 0x01  # a ciphertext byte
    r = _announce_bytes(client_a, sealed, bytes(data))
    assert r.status_code == 422
    assert r.json()["error"] == "hash_mismatch"
    assert r.json()["refused"] is True
    assert r.json()["vi"] and r.json()["en"]
    assert chunks_of(receiver, station_a, sealed) == []
    assert count(receiver, UploadRow) == 0
    assert count(receiver, PacketRow) == 0
    assert blobs(receiver) == 0
    # Announced again: refused at once, nothing re-sent.
    again = client_a.create(sealed, sha256=hashlib.sha256(bytes(data)).hexdigest())
    assert again.status_code == 422
    assert again.json()["error"] == "hash_mismatch"

    other = seal_packet(station_a, receiver_public, size=10_000)
    data = bytearray(other.data)
    data[-1] ^= 0x80  # the outer signature
    r = _announce_bytes(client_a, other, bytes(data))
    assert (r.status_code, r.json()["error"]) == (422, "bad_signature")
    with receiver.store.read() as s:
        assert {row.code for row in s.scalars(select(RefusalRow))} == {
            "hash_mismatch",
            "bad_signature",
        }
    # The intact packets are still welcome.
    assert client_a.upload(sealed).status_code == 200
    assert client_a.upload(other).status_code == 200


def test_truncated_packets_never_complete(receiver, receiver_public, station_a, client_a):
    sealed = seal_packet(station_a, receiver_public, size=40_000)
    # Announced whole but the bytes stop early: the upload just waits for the rest.
    r = client_a.create(sealed)
    assert r.status_code == 201
    half = sealed.size // 2
    assert client_a.patch(sealed.packet_id, 0, sealed.data[:half]).status_code == 204
    head = client_a.head(sealed.packet_id)
    assert int(head.headers[protocol.H_OFFSET]) == half < int(head.headers[protocol.H_LENGTH])
    assert count(receiver, PacketRow) == 0

    # A truncated file announced as such: checked at its last byte.
    other = seal_packet(station_a, receiver_public, size=20_000)
    r = _announce_bytes(client_a, other, other.data[:-100])
    assert (r.status_code, r.json()["error"]) == (422, "truncated")
    # The right length with the hash of the whole file, but short bytes: a hash mismatch.
    short = other.data[:-100] + b"\0" * 100
    r = client_a.post_json(
        "/v1/uploads",
        {"packet_id": other.packet_id, "length": other.size, "sha256": other.sha256},
    )
    assert r.status_code == 201
    r = client_a.patch(other.packet_id, 0, short)
    # Held, not refused: about the transfer; the upload starts again at 0.
    assert (r.status_code, r.json()["error"], r.json()["held"]) == (503, "hash_mismatch", True)
    assert "refused" not in r.json()
    assert client_a.create(other).json()["offset"] == 0


def test_a_squatting_station_cannot_take_another_stations_packet_id(
    receiver, keys, receiver_public, station_a, station_b, client_a, client_b
):
    """Uploads are keyed by (station, packet): another registered station announcing this
    station's packet id first (ids are visible in USB manifests) changes nothing for it."""
    sealed = seal_packet(station_a, receiver_public, size=10_000)
    # B announces A's packet id first, with made-up bytes, and even sends some.
    r = client_b.create(sealed, sha256="0" * 64)
    assert r.status_code == 201
    assert client_b.patch(sealed.packet_id, 0, b"x" * 100).status_code == 204
    # A's genuine packet goes through, from start to receipt.
    r = client_a.upload(sealed)
    assert r.status_code == 200, r.text
    verified_receipt(r, keys, sealed, station_a)
    # B announcing it again learns nothing about A's packet: its own upload resumes.
    r = client_b.create(sealed, sha256="0" * 64)
    assert (r.status_code, r.json()["offset"]) == (201, 100)
    assert client_b.status([sealed.packet_id]).json()["statuses"][sealed.packet_id]["status"] == (
        "unknown"
    )
    # Same packet id, other bytes, from A: refused.
    r = client_a.create(sealed, sha256="0" * 64)
    assert (r.status_code, error_of(r), r.json()["refused"]) == (409, "replayed", True)
    # B uploads a packet of A the receiver has never seen: the header names A.
    fresh = seal_packet(station_a, receiver_public, size=10_000)
    r = client_b.upload(fresh)
    assert (r.status_code, error_of(r)) == (422, "wrong_station")
    assert count(receiver, PacketRow) == 1


def test_a_dossier_is_taken_once_unless_rejected(
    receiver, keys, receiver_public, station_a, client_a
):
    first = seal_packet(station_a, receiver_public, size=5_000)
    assert client_a.upload(first).status_code == 200
    dossier_id = receiver.open_stored(first.packet_id).manifest["dossier"]["id"]
    # A second packet of the same dossier while the first stands: held (not refused).
    second = seal_packet(station_a, receiver_public, dossier_id=dossier_id, size=5_000)
    r = client_a.upload(second)
    assert (r.status_code, error_of(r), r.json()["held"]) == (503, "dossier_under_review", True)
    assert "refused" not in r.json()
    # Sent back for recapture: the re-sealed dossier is accepted.
    receiver.mark_rejected(first.packet_id, "Ảnh mờ", ["face"])
    third = seal_packet(station_a, receiver_public, dossier_id=dossier_id, size=5_000)
    r = client_a.upload(third)
    assert r.status_code == 200
    verified_receipt(r, keys, third, station_a)
    # The second is still held: the dossier is now taken by the third.
    r = client_a.upload(second)
    assert (r.status_code, error_of(r)) == (503, "dossier_under_review")


def test_unknown_and_deactivated_stations_are_refused(
    receiver, receiver_public, server, station_a, client_a
):
    stranger = make_station("XX-999")
    c = StationClient(server.url, stranger)
    sealed = seal_packet(stranger, receiver_public, size=5_000)
    r = c.create(sealed)
    assert (r.status_code, error_of(r)) == (403, "unknown_station")
    assert c.http.post("/v1/uploads", content=b"{}").status_code == 403  # no headers at all
    c.close()
    receiver.set_station_active(station_a.station_id, False)
    r = client_a.create(seal_packet(station_a, receiver_public, size=5_000))
    assert (r.status_code, error_of(r)) == (403, "unknown_station")


def test_bad_request_signatures_are_refused(receiver_public, station_a, client_a):
    sealed = seal_packet(station_a, receiver_public, size=5_000)
    body = b'{"packet_id": "%s", "length": %d, "sha256": "%s"}' % (
        sealed.packet_id.encode(),
        sealed.size,
        sealed.sha256.encode(),
    )
    headers = client_a.signed_headers("POST", "/v1/uploads", body)
    cases = {
        "other key": {
            **headers,
            protocol.H_SIGNATURE: protocol.sign(
                make_station().signing_key,
                protocol.REQUEST_PREFIX,
                protocol.request_doc("POST", "/v1/uploads", headers[protocol.H_TIMESTAMP], body),
            ),
        },
        "no signature": {k: v for k, v in headers.items() if k != protocol.H_SIGNATURE},
        "no time": {k: v for k, v in headers.items() if k != protocol.H_TIMESTAMP},
        "bad time": {**headers, protocol.H_TIMESTAMP: "yesterday"},
        "other time": {**headers, protocol.H_TIMESTAMP: "2026-01-01T00:00:00.000000Z"},
        "garbage": {**headers, protocol.H_SIGNATURE: "not base64!"},
    }
    for name, hdrs in cases.items():
        r = client_a.http.post("/v1/uploads", content=body, headers=hdrs)
        assert (r.status_code, error_of(r)) == (401, "bad_request_signature"), name
    # The body altered after signing.
    r = client_a.http.post("/v1/uploads", content=body.replace(b"{", b"{ "), headers=headers)
    assert (r.status_code, error_of(r)) == (401, "bad_request_signature")
    # Another path than the one signed.
    r = client_a.http.post("/v1/status", content=body, headers=headers)
    assert (r.status_code, error_of(r)) == (401, "bad_request_signature")
    # The original request goes through.
    assert client_a.http.post("/v1/uploads", content=body, headers=headers).status_code == 201


def test_clock_skew_alone_is_not_refused(receiver_public, station_a, client_a):
    sealed = seal_packet(station_a, receiver_public, size=5_000)
    body = b'{"packet_id":"%s","length":%d,"sha256":"%s"}' % (
        sealed.packet_id.encode(),
        sealed.size,
        sealed.sha256.encode(),
    )
    for stamp in ("2019-01-01T00:00:00Z", "2031-06-30T23:59:59.5Z"):
        headers = client_a.signed_headers("POST", "/v1/uploads", body, time=stamp)
        r = client_a.http.post("/v1/uploads", content=body, headers=headers)
        assert r.status_code == 201, r.text


def test_sizes_over_the_limits(receiver_public, station_a, client_a):
    sealed = seal_packet(station_a, receiver_public, size=5_000)
    r = client_a.create(sealed, length=protocol.MAX_PACKET + 1)
    assert (r.status_code, error_of(r), r.json()["refused"]) == (413, "too_large", True)
    assert client_a.create(sealed).status_code == 201
    big = b"\0" * (protocol.MAX_CHUNK + 1)
    r = client_a.patch(sealed.packet_id, 0, big)
    assert (r.status_code, error_of(r)) == (413, "too_large")
    r = client_a.patch(sealed.packet_id, 0, sealed.data + b"x")  # past Upload-Length
    assert (r.status_code, error_of(r)) == (413, "too_large")
    assert client_a.head(sealed.packet_id).headers[protocol.H_OFFSET] == "0"
    r = client_a.create(sealed, length=0)
    assert (r.status_code, error_of(r)) == (400, "malformed")


def test_checksum_mismatch_writes_nothing(receiver, receiver_public, station_a, client_a):
    sealed = seal_packet(station_a, receiver_public, size=30_000)
    assert client_a.create(sealed).status_code == 201
    r = client_a.patch(sealed.packet_id, 0, sealed.data[:10_000], checksum=b"\0" * 32)
    assert (r.status_code, error_of(r)) == (460, "checksum_mismatch")
    assert client_a.head(sealed.packet_id).headers[protocol.H_OFFSET] == "0"
    assert chunks_of(receiver, station_a, sealed) == []
    for bad in ("md5 AAAA", "sha256", "sha256 ***"):
        r = client_a.request(
            "PATCH",
            f"/v1/uploads/{sealed.packet_id}",
            sealed.data[:10],
            {
                "Content-Type": "application/offset+octet-stream",
                protocol.H_OFFSET: "0",
                protocol.H_CHECKSUM: bad,
            },
        )
        assert (r.status_code, error_of(r)) == (400, "malformed"), bad
    assert client_a.upload(sealed).status_code == 200


def test_offset_mismatch_tells_where_to_resume(receiver_public, station_a, client_a):
    sealed = seal_packet(station_a, receiver_public, size=30_000)
    assert client_a.create(sealed).status_code == 201
    assert client_a.patch(sealed.packet_id, 0, sealed.data[:1000]).status_code == 204
    for wrong in (0, 500, 2000):
        r = client_a.patch(sealed.packet_id, wrong, sealed.data[wrong : wrong + 1000])
        assert (r.status_code, error_of(r)) == (409, "offset_mismatch")
        assert r.json()["offset"] == 1000
        assert r.headers[protocol.H_OFFSET] == "1000"
    # Announcing again resumes where it stands.
    r = client_a.create(sealed)
    assert (r.status_code, r.json()["offset"]) == (201, 1000)
    r = client_a.patch("f" * 32, 0, b"abc")
    assert (r.status_code, error_of(r)) == (404, "not_found")


def test_status_after_marking(receiver, receiver_public, station_a, station_b, client_a, client_b):
    p1, p2, p3 = (seal_packet(station_a, receiver_public, size=5_000) for _ in range(3))
    for p in (p1, p2, p3):
        assert client_a.upload(p).status_code == 200
    receiver.mark_rejected(
        p1.packet_id, "Vân tay ngón trỏ trái mờ", ["fingerprint/left_index", "face"]
    )
    receiver.mark_card_printed(p2.packet_id)
    unknown = "0" * 32
    r = client_a.status([p1.packet_id, p2.packet_id, p3.packet_id, unknown])
    assert r.status_code == 200
    st = r.json()["statuses"]
    assert st[p1.packet_id]["status"] == "rejected"
    assert st[p1.packet_id]["reason"] == "Vân tay ngón trỏ trái mờ"
    assert st[p1.packet_id]["parts"] == ["face", "fingerprint/left_index"]
    assert st[p1.packet_id]["updated_at"].endswith("Z")
    assert st[p2.packet_id] == {
        "status": "card_printed",
        "reason": None,
        "parts": [],
        "updated_at": st[p2.packet_id]["updated_at"],
    }
    assert st[p3.packet_id]["status"] == "accepted"
    assert st[unknown]["status"] == "unknown"
    # Another station learns nothing about A's packets.
    r = client_b.status([p1.packet_id])
    assert r.json()["statuses"][p1.packet_id]["status"] == "unknown"
    assert client_b.receipt(p1.packet_id).status_code == 404
    assert client_a.receipt(unknown).status_code == 404
    r = client_a.status(["not-an-id"])
    assert (r.status_code, error_of(r)) == (400, "malformed")
    r = client_a.status(["0" * 32] * 1001)
    assert r.status_code == 400


def test_older_receiver_key_generations_still_open(
    tmp_path, receiver_keyset, receiver_public, station_a
):
    newer = generate_receiver_keyset(tmp_path / "gen2")
    keys2 = load_keys([newer["receiver_keys"], receiver_keyset["receiver_keys"]])
    r2 = Receiver(ReceiverStore(tmp_path / "data2"), keys2)
    r2.register_station(station_a.registration())
    old = seal_packet(station_a, receiver_public, size=5_000)
    new = seal_packet(station_a, current_public(keys2), size=5_000)
    foreign_keys = load_keys([generate_receiver_keyset(tmp_path / "other")["receiver_keys"]])
    foreign = seal_packet(station_a, current_public(foreign_keys), size=5_000)
    with BackgroundServer(create_app(r2)) as srv:
        c = StationClient(srv.url, station_a)
        assert c.upload(old).status_code == 200
        r = c.upload(new)
        assert r.status_code == 200
        verified_receipt(r, keys2, new, station_a)
        r = c.upload(foreign)
        assert (r.status_code, error_of(r), r.json()["held"]) == (503, "key_not_loaded", True)
        c.close()
    r2.store.close()
    # With that key loaded later, the same held packet goes through.
    keys3 = load_keys([newer["receiver_keys"], foreign_keys_path(tmp_path)])
    r3 = Receiver(ReceiverStore(tmp_path / "data2"), keys3)
    with BackgroundServer(create_app(r3)) as srv:
        c = StationClient(srv.url, station_a)
        assert c.upload(foreign).status_code == 200
        c.close()
    r3.store.close()


def foreign_keys_path(tmp_path):
    return tmp_path / "other" / "receiver-keys.json"


# --- robustness ---------------------------------------------------------------------------------


def test_the_server_never_crashes_on_bad_input(receiver_public, station_a, client_a):
    import random

    rng = random.Random(1234)
    sealed = seal_packet(station_a, receiver_public, size=5_000)
    assert client_a.create(sealed).status_code == 201
    paths = [
        "/v1/uploads",
        f"/v1/uploads/{sealed.packet_id}",
        "/v1/uploads/..%2f..%2fetc",
        "/v1/uploads/" + "a" * 5000,
        "/v1/receipts/" + sealed.packet_id,
        "/v1/receipts/x",
        "/v1/status",
        "/v1/health",
        "/v2/anything",
        "/",
    ]
    bodies = [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"packet_id": 1, "length": "x", "sha256": null}',
        b'{"packet_id": "%s", "length": true, "sha256": "%s"}'
        % (sealed.packet_id.encode(), sealed.sha256.encode()),
        b'{"packet_ids": {"a": 1}}',
        b'{"a": 1, "a": 2}',
        b'{"x": NaN}',
        b"\xff\xfe\x00",
        b"[" * 5000,
        bytes(rng.getrandbits(8) for _ in range(300)),
    ]
    header_noise = [
        {},
        {protocol.H_OFFSET: "-1"},
        {protocol.H_OFFSET: "99999999999999999999999"},
        {protocol.H_OFFSET: "abc", "Content-Type": "application/offset+octet-stream"},
        {"Content-Type": "application/offset+octet-stream", protocol.H_OFFSET: "0"},
        {protocol.H_CHECKSUM: "sha256 " + "A" * 100},
        {protocol.H_TUS: "0.2.2"},
        {"Content-Type": "text/plain; charset=\x7f"},
    ]
    for _ in range(300):
        method = rng.choice(["GET", "POST", "PATCH", "HEAD", "PUT", "DELETE", "OPTIONS"])
        path = rng.choice(paths)
        body = rng.choice(bodies) if method not in ("GET", "HEAD") else b""
        extra = rng.choice(header_noise)
        signed = rng.random() < 0.8
        try:
            if signed:
                r = client_a.request(method, path, body, extra)
            else:
                r = client_a.http.request(method, path, content=body, headers=extra)
        except httpx.InvalidURL:
            continue
        assert r.status_code < 500, (method, path, body[:40], extra, r.text)
        if method != "HEAD" and r.status_code >= 400:
            if r.headers.get("content-type") == "application/json":
                assert set(r.json()) >= {"error", "vi", "en"}, r.text
            else:  # refused by uvicorn's HTTP parser before reaching the application
                assert r.status_code == 400, r.text
    # Still serving.
    assert client_a.upload(sealed).status_code == 200


@pytest.mark.parametrize("path", ["/v1/uploads", "/v1/status"])
def test_json_bodies_have_a_size_limit(client_a, path):
    r = client_a.request("POST", path, b"[" + b" " * (200 * 1024) + b"]")
    assert (r.status_code, error_of(r)) == (413, "too_large")


def _lose_chunks(receiver: Receiver, station, sealed) -> None:
    """The database lost the upload's bytes but not its offset (a restore gone wrong)."""
    with receiver.store.write() as s:
        ReceiverStore.drop_chunks(s, station.station_id, sealed.packet_id)


def test_lost_chunks_restart_the_upload(receiver, keys, receiver_public, station_a, client_a):
    sealed = seal_packet(station_a, receiver_public, size=40_000)
    r = client_a.upload(sealed, stop_after_chunks=2)
    assert r.status_code == 204
    _lose_chunks(receiver, station_a, sealed)
    offset = int(r.headers[protocol.H_OFFSET])
    r = client_a.patch(sealed.packet_id, offset, sealed.data[offset:])  # the last chunk
    assert (r.status_code, error_of(r), r.json()["offset"]) == (409, "offset_mismatch", 0)
    final = client_a.upload(sealed)
    assert final.status_code == 200
    verified_receipt(final, keys, sealed, station_a)


def test_expire_abandoned_uploads(receiver, receiver_public, station_a, client_a, data_dir):
    from sync.receiver.cli import main

    sealed = seal_packet(station_a, receiver_public, size=40_000)
    client_a.upload(sealed, stop_after_chunks=1)
    assert main(["expire-uploads", "--days", "1", "--data", str(data_dir)]) == 0
    assert count(receiver, UploadRow) == 1
    assert main(["expire-uploads", "--days", "-1", "--data", str(data_dir)]) == 0
    assert count(receiver, UploadRow) == 0
    assert chunks_of(receiver, station_a, sealed) == []
    r = client_a.create(sealed)
    assert (r.status_code, r.json()["offset"]) == (201, 0)


def test_accept_refuses_every_mutation_cleanly(receiver, receiver_public, station_a):
    """Random byte flips, cuts and insertions: always a refusal with a packet code, never a crash
    and never a stored packet."""
    import random

    from sync.receiver.core import Expect
    from sync.receiver.errors import PacketRefusedError

    rng = random.Random(99)
    sealed = seal_packet(station_a, receiver_public, size=3_000)
    codes = set()
    for i in range(150):
        data = bytearray(sealed.data)
        kind = i % 3
        pos = rng.randrange(len(data))
        if kind == 0:
            data[pos] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del data[pos:]
        else:
            data[pos:pos] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 8)))
        with pytest.raises(PacketRefusedError) as err:
            receiver.accept(
                bytes(data), station_id=None, expect=Expect(sealed.packet_id), via="usb"
            )
        assert err.value.code in protocol.ERRORS
        codes.add(err.value.code)
    assert {"hash_mismatch", "truncated", "malformed"} <= codes
    assert count(receiver, PacketRow) == 0
    assert (
        receiver.accept(
            sealed.data, station_id=None, expect=Expect(sealed.packet_id), via="usb"
        ).receipt.doc["status"]
        == "accepted"
    )


def test_a_body_that_never_arrives_times_out_as_retryable(
    keys, receiver, receiver_public, station_a
):
    sealed = seal_packet(station_a, receiver_public, size=40_000)
    with BackgroundServer(create_app(receiver, body_timeout=0.5)) as srv:
        c = StationClient(srv.url, station_a)
        assert c.create(sealed).status_code == 201
        sock = _half_open_patch(srv, c, sealed.packet_id, 0, sealed.data[:10_000])
        sock.settimeout(5)
        answer = sock.recv(4096).decode("latin-1")
        sock.close()
        assert answer.startswith("HTTP/1.1 408")
        assert '"request_timeout"' in answer
        assert c.head(sealed.packet_id).headers[protocol.H_OFFSET] == "0"
        assert c.upload(sealed).status_code == 200
        c.close()


def test_a_captured_chunk_cannot_be_replayed_at_another_offset(
    receiver_public, station_a, client_a
):
    """The signature covers Upload-Offset: moving a signed chunk to another offset breaks it."""
    sealed = seal_packet(station_a, receiver_public, size=30_000)
    assert client_a.create(sealed).status_code == 201
    path = f"/v1/uploads/{sealed.packet_id}"
    chunk = sealed.data[:1000]
    signed_at_0 = client_a.signed_headers("PATCH", path, chunk, offset="0")
    assert client_a.patch(sealed.packet_id, 0, chunk).status_code == 204
    import base64
    import hashlib

    replay = {
        **signed_at_0,
        protocol.H_OFFSET: "1000",
        "Content-Type": "application/offset+octet-stream",
        protocol.H_CHECKSUM: "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode(),
    }
    r = client_a.http.request("PATCH", path, content=chunk, headers=replay)
    assert (r.status_code, error_of(r)) == (401, "bad_request_signature")


def test_last_chunk_finding_the_upload_finished_by_another_request_gets_the_receipt(
    receiver, receiver_public, station_a, monkeypatch
):
    """Two requests carry the last chunk; the other one completes the packet and removes the
    chunks before this one reads them: this one answers with the receipt, not a 500."""
    sealed = seal_packet(station_a, receiver_public, size=30_000)
    sid, pid = station_a.station_id, sealed.packet_id
    receiver.begin_upload(sid, pid, sealed.size, sealed.sha256)
    last = sealed.size - 5_000
    receiver.write_chunk(sid, pid, 0, sealed.data[:last])
    real_read = receiver.store.read_chunks
    raced: list[object] = []
    started: list[bool] = []

    def read_after_the_other_request(station_id, packet_id):
        if not started:  # the outer request: the other one runs to completion first
            started.append(True)
            raced.append(receiver.write_chunk(sid, pid, last, sealed.data[last:]))
        return real_read(station_id, packet_id)

    monkeypatch.setattr(receiver.store, "read_chunks", read_after_the_other_request)
    answer = receiver.write_chunk(sid, pid, last, sealed.data[last:])
    assert isinstance(raced[0], Accepted) and not raced[0].duplicate
    assert isinstance(answer, Accepted) and answer.duplicate
    assert answer.receipt.packet_id == pid
    assert count(receiver, PacketRow) == 1


def test_a_storage_failure_is_held_then_taken(
    receiver, keys, receiver_public, station_a, client_a, monkeypatch
):
    sealed = seal_packet(station_a, receiver_public, size=20_000)

    def disk_full(s, sha256: str, data: bytes) -> str:
        raise OperationalError("INSERT INTO packet_blobs", {}, OSError(28, "No space left"))

    monkeypatch.setattr(receiver.store, "put_blob", disk_full)
    r = client_a.upload(sealed)
    assert (r.status_code, error_of(r), r.json()["held"]) == (503, "storage_unavailable", True)
    assert "refused" not in r.json() and r.headers["Retry-After"]
    monkeypatch.undo()
    # Offered again: only the last chunk goes again, and the packet is taken.
    before = client_a.sent
    r = client_a.upload(sealed)
    assert r.status_code == 200
    verified_receipt(r, keys, sealed, station_a)
    assert client_a.sent - before <= client_a.chunk
