"""Protocol version 2 (``POST /v2/stream``) on loopback: frames stored as they arrive, only
authenticated bytes stored, resumes at the receiver's offset, version 1 still served, and the
station's uploader on either version."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import func, select

from station.clock import iso
from station.provisioning import generate_receiver_keyset
from station.service import StationService
from sync import api, frames, protocol
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.keys import load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import PacketRow, ReceiverStore
from sync.streaming import Outgoing, StreamSession
from tests.conftest import OP_PW, SUP_PW, FakeClock, capture_all, login, valid_form

from .conftest import StationClient, TestStation, current_public, seal_packet

FRAME = 16 * 1024


def _stream_headers(station: TestStation, *, key: bytes | None = None) -> dict[str, str]:
    stamp = iso(datetime.now(UTC))
    doc = frames.stream_request_doc(frames.STREAM_PATH, stamp)
    return {
        protocol.H_STATION: station.station_id,
        protocol.H_TIMESTAMP: stamp,
        protocol.H_SIGNATURE: protocol.sign(
            key or station.signing_key, protocol.REQUEST_PREFIX, doc
        ),
        "Content-Type": frames.FRAMES_CONTENT_TYPE,
    }


def _frames(station: TestStation, data: bytes, packet_id: str, start: int = 0) -> list[bytes]:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(station.signing_key)
    return frames.frames_of(data, packet_id, start, station.station_id, key, frame_size=FRAME)


def _post(server: BackgroundServer, station: TestStation, body: bytes) -> list[dict[str, Any]]:
    r = httpx.post(
        server.url + frames.STREAM_PATH,
        content=body,
        headers=_stream_headers(station),
        timeout=30,
        trust_env=False,
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == frames.EVENTS_CONTENT_TYPE
    return [json.loads(line) for line in r.text.splitlines() if line]


def _offset(receiver: Receiver, station: TestStation, packet_id: str) -> int:
    return receiver.upload_state(station.station_id, packet_id).offset


def test_frames_are_stored_as_they_come_and_the_last_one_answers_the_receipt(
    receiver, keys, receiver_public, station_a, server
) -> None:
    sealed = seal_packet(station_a, receiver_public, size=100_000)
    lines = _post(server, station_a, b"".join(_frames(station_a, sealed.data, sealed.packet_id)))
    # The offset held when the packet is first named; then, as frames are stored (frames that
    # arrived together are written together), the new offset at a frame's end; the receipt
    # when the last one is stored; the end of the stream.
    assert lines[0] == {"packet_id": sealed.packet_id, "offset": 0}
    acks = [d["offset"] for d in lines[1:-2]]
    assert acks == sorted(set(acks)) and all(0 < a < sealed.size and a % FRAME == 0 for a in acks)
    receipt = protocol.Receipt.from_json(lines[-2])
    station_id = station_a.station_id
    assert receipt.verify(keys.signing_public, sealed.packet_id, sealed.sha256, station_id)
    assert receipt.doc["status"] == "accepted"
    assert lines[-1]["end"] is True
    # Sent again: the frames are skipped, the packet is answered with the duplicate receipt.
    again = _post(server, station_a, _frames(station_a, sealed.data, sealed.packet_id)[0])
    assert again[0]["receipt"]["status"] == "duplicate"


def test_a_frame_not_signed_by_the_station_stops_the_stream_and_nothing_of_it_is_stored(
    receiver, receiver_public, station_a, station_b, server
) -> None:
    sealed = seal_packet(station_a, receiver_public, size=100_000)
    good = _frames(station_a, sealed.data, sealed.packet_id)
    tampered = bytearray(good[2])
    tampered[frames.HEADER_SIZE + 10] ^= 0x01  # one payload bit
    # Another station's key signing this station's frame (the id it claims is station_a's).
    forged = _frames(station_b, sealed.data, sealed.packet_id, start=2 * FRAME)[0]
    for bad in (bytes(tampered), forged):
        lines = _post(server, station_a, b"".join([*good[:2], bad, *good[3:]]))
        assert lines[-1]["error"] == "bad_request_signature", lines
        assert "packet_id" not in lines[-1]
        assert _offset(receiver, station_a, sealed.packet_id) == 2 * FRAME
        chunks = receiver.store.read_chunks(station_a.station_id, sealed.packet_id)
        assert sum(len(c) for _, c in chunks) == 2 * FRAME  # not one byte of the bad frame
    # The station resumes from the receiver's offset and completes.
    lines = _post(server, station_a, b"".join(good[2:]))
    assert lines[-2]["receipt"]["status"] == "accepted"


def test_the_stream_resumes_where_the_receiver_stands(
    receiver, receiver_public, station_a, server
) -> None:
    sealed = seal_packet(station_a, receiver_public, size=100_000)
    frames_ = _frames(station_a, sealed.data, sealed.packet_id)
    _post(server, station_a, b"".join(frames_[:2]))
    assert _offset(receiver, station_a, sealed.packet_id) == 2 * FRAME
    # A gap (the station sends from too far): answered once with the offset, nothing stored.
    lines = _post(server, station_a, b"".join(frames_[3:5]))
    mismatch = [d for d in lines if d.get("error") == "offset_mismatch"]
    assert len(mismatch) == 1 and mismatch[0]["offset"] == 2 * FRAME
    assert _offset(receiver, station_a, sealed.packet_id) == 2 * FRAME
    # Frames the receiver holds are skipped; a frame across its offset is stored from there.
    key = ed25519.Ed25519PrivateKey.from_private_bytes(station_a.signing_key)
    across = frames.frames_of(
        sealed.data, sealed.packet_id, FRAME + 100, station_a.station_id, key, frame_size=FRAME
    )
    lines = _post(server, station_a, b"".join([frames_[0], across[0], across[1]]))
    assert lines[0] == {"packet_id": sealed.packet_id, "offset": 2 * FRAME}
    assert lines[-2] == {"packet_id": sealed.packet_id, "offset": 3 * FRAME + 100}
    lines = _post(server, station_a, b"".join(across[2:]))
    assert lines[-2]["receipt"]["status"] == "accepted"


def test_the_stream_request_is_authenticated_before_a_byte_is_read(
    receiver_public, station_a, station_b, server
) -> None:
    sealed = seal_packet(station_a, receiver_public, size=20_000)
    body = b"".join(_frames(station_a, sealed.data, sealed.packet_id))
    url = server.url + frames.STREAM_PATH
    with httpx.Client(trust_env=False, timeout=30) as http:
        bad_key = _stream_headers(station_a, key=station_b.signing_key)
        assert http.post(url, content=body, headers=bad_key).status_code == 401
        unknown = {**_stream_headers(station_a), protocol.H_STATION: "nobody"}
        assert http.post(url, content=body, headers=unknown).status_code == 403
        wrong_type = {**_stream_headers(station_a), "Content-Type": "application/octet-stream"}
        r = http.post(url, content=body, headers=wrong_type)
        assert r.status_code == 400 and r.json()["error"] == "malformed"


def test_several_packets_in_one_stream_and_version_1_still_served(
    receiver, keys, receiver_public, station_a, server
) -> None:
    one = seal_packet(station_a, receiver_public, size=40_000)
    two = seal_packet(station_a, receiver_public, size=40_000)
    body = _frames(station_a, one.data, one.packet_id) + _frames(station_a, two.data, two.packet_id)
    lines = _post(server, station_a, b"".join(body))
    receipts = {d["packet_id"]: d["receipt"]["status"] for d in lines if "receipt" in d}
    assert receipts == {one.packet_id: "accepted", two.packet_id: "accepted"}
    three = seal_packet(station_a, receiver_public, size=40_000)
    client = StationClient(server.url, station_a)
    try:
        r = client.upload(three)
        assert r.status_code == 200 and r.json()["receipt"]["status"] == "accepted"
    finally:
        client.close()


# --- the station's uploader ---------------------------------------------------------------------


def _station_with_packets(
    staffed: StationService, clock: FakeClock, n: int
) -> tuple[StationService, list[str]]:
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    ids = []
    for i in range(n):
        d = op.create_dossier("first_issue", valid_form(occupation=f"Nghề {i}"))
        capture_all(op, d.id)
        op.mark_captured(d.id)
        op.confirm(d.id)
        sup.approve(d.id)
        ids.append(sup.seal(d.id))
    return sup, ids


def test_the_uploader_streams_with_version_2_and_falls_back_to_version_1(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    receiver = Receiver(ReceiverStore(tmp_path / "rx"), load_keys([keyset["receiver_keys"]]))
    receiver.register_station(staffed.registration())
    sup, ids = _station_with_packets(staffed, clock, 3)
    sizes = {pid: sup.packet_info(pid).size for pid in ids}
    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        report = api.sync_now(sup, budget_s=60)
        assert report.protocol_version == 2
        assert sorted(report.receipted) == sorted(ids), report.summary_lines()
        # Each byte went once, and each was acknowledged.
        assert report.bytes_attempted == report.bytes_sent == sum(sizes.values())
    with receiver.store.read() as s:
        assert s.scalar(select(func.count()).select_from(PacketRow)) == 3
    # A receiver of an earlier version (no /v2/stream): the same run goes in version 1.
    more, more_ids = _station_with_packets(staffed, clock, 1)
    old = create_app(receiver)
    old.router.routes = [r for r in old.router.routes if getattr(r, "path", "") != "/v2/stream"]
    with BackgroundServer(old) as server:
        staffed.set_receiver_url(server.url)
        report = api.sync_now(more, budget_s=60)
        assert report.protocol_version == 1
        assert report.receipted == more_ids, report.summary_lines()


def test_a_held_completion_keeps_every_frame_but_the_last(
    receiver, station_a, server, tmp_path: Path
) -> None:
    # Sealed to a key generation this receiver has not loaded: the completion is held.
    other = load_keys([generate_receiver_keyset(tmp_path / "gen2")["receiver_keys"]])
    sealed = seal_packet(station_a, current_public(other), size=100_000)
    lines = _post(server, station_a, b"".join(_frames(station_a, sealed.data, sealed.packet_id)))
    assert lines[-2]["error"] == "key_not_loaded" and lines[-2]["held"] is True, lines
    # The frames that arrived with the last one were stored before it: offering the packet
    # again costs only the last frame, as in version 1.
    last = sealed.size - (sealed.size - 1) // FRAME * FRAME
    assert _offset(receiver, station_a, sealed.packet_id) == sealed.size - last


def test_every_streamed_byte_goes_through_the_bandwidth_cap(
    receiver_public, station_a, server
) -> None:
    """The stream asks the cap (``Throttle.reserve``, tested in test_sync_loop) before each
    frame, for that frame's bytes, and waits what it says."""
    sealed = seal_packet(station_a, receiver_public, size=80_000)
    paced: list[int] = []

    def pace(n: int) -> float:
        paced.append(n)
        return 0.01

    receipts: list[str] = []

    class Events:
        def on_offset(self, packet_id: str, offset: int) -> None:
            pass

        def on_receipt(self, packet_id: str, receipt: dict[str, Any]) -> None:
            receipts.append(packet_id)

        def on_error(self, packet_id: str, err: Exception) -> None:
            raise AssertionError(err)

    out = Outgoing(sealed.packet_id, sealed.data, sealed.sha256, 0)
    stats = StreamSession(
        server.url, station_a.station_id, station_a.signing_key, None, [out], Events(), pace=pace
    ).run()
    assert receipts == [sealed.packet_id]
    assert sum(paced) == stats.written == stats.acked == sealed.size
    assert paced == [min(FRAME, sealed.size - o) for o in range(0, sealed.size, FRAME)]
