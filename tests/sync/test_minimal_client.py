"""The document is the contract: a client written only from docs/sync.md uploads a packet end to
end, gets a receipt that verifies, and pulls a status change by cursor."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.minimal_client import MinimalClient, verify_receipt

from .conftest import seal_packet

CLIENT = Path(__file__).resolve().parents[1] / "minimal_client.py"


def test_the_minimal_client_imports_nothing_of_the_project() -> None:
    tree = ast.parse(CLIENT.read_text(encoding="utf-8"))
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
    assert "httpx" in modules
    assert not [m for m in modules if m and m.split(".")[0] in ("sync", "station", "tests", "ui")]


def test_a_client_written_from_the_document_uploads_end_to_end(
    receiver, keys, receiver_public, station_a, server
) -> None:
    sealed = seal_packet(station_a, receiver_public, size=150_000)  # three chunks
    client = MinimalClient(server.url, station_a.station_id, station_a.signing_key)
    try:
        answer = client.upload(sealed.packet_id, sealed.data)
        assert verify_receipt(
            answer, keys.signing_public, sealed.packet_id, sealed.sha256, station_a.station_id
        ), answer
        assert answer["receipt"]["status"] == "accepted"
        # Announced again: the duplicate receipt.
        again = client.upload(sealed.packet_id, sealed.data)
        assert again["receipt"]["status"] == "duplicate"
        # A status change, pulled by cursor.
        assert client.status_since(0) == {"changes": [], "cursor": 0, "more": False}
        receiver.mark_rejected(sealed.packet_id, "Ảnh mờ", ["face"])
        page = client.status_since(0)
        assert [(c["packet_id"], c["status"], c["parts"]) for c in page["changes"]] == [
            (sealed.packet_id, "rejected", ["face"])
        ]
        assert page["more"] is False
        assert client.status_since(page["cursor"])["changes"] == []
    finally:
        client.close()


def test_a_client_written_from_the_document_streams_with_version_2(
    keys, receiver_public, station_a, server
) -> None:
    one = seal_packet(station_a, receiver_public, size=60_000)
    two = seal_packet(station_a, receiver_public, size=30_000)
    client = MinimalClient(server.url, station_a.station_id, station_a.signing_key)
    try:
        lines = client.stream_upload([(one.packet_id, one.data), (two.packet_id, two.data)])
    finally:
        client.close()
    answers = {line["packet_id"]: line for line in lines if "receipt" in line}
    for sealed in (one, two):
        assert verify_receipt(
            answers[sealed.packet_id],
            keys.signing_public,
            sealed.packet_id,
            sealed.sha256,
            station_a.station_id,
        ), lines
    offsets = [
        line["offset"]
        for line in lines
        if line.get("packet_id") == one.packet_id and "offset" in line
    ]
    # Where the receiver stood, then each acknowledgement at the end of a stored frame.
    assert offsets[0] == 0 and offsets == sorted(set(offsets)), lines
    assert all(o % 16384 == 0 and o < one.size for o in offsets), lines
    assert lines[-1]["end"] is True
