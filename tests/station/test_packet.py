"""Sealed packets (station/packet.py, docs/packet.md): round trip, committed vectors, tampering,
keys, limits, and a second verifier written from the document alone."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import random
import struct
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from station import audit, crypto, provisioning
from station import packet as pkt
from station.errors import StationError, ValidationError

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "packet"
DOC = ROOT / "docs" / "packet.md"
NOW = datetime(2026, 11, 23, 8, 30, 0, 250000, tzinfo=UTC)
STATION_ID = "7d3f1b2a-8c4e-4f6a-9b0d-2e1c3a5b7f90"


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def station_key() -> bytes:
    return crypto.ed25519_generate()


@pytest.fixture(scope="module")
def receiver() -> crypto.HpkePrivateKey:
    return crypto.HpkePrivateKey.generate()


def dossier(parts: list[pkt.PartInput] | None = None) -> pkt.SealInput:
    if parts is None:
        parts = [
            pkt.PartInput("signature", "", "image/png", os.urandom(2_000), {"strokes": 4}),
            pkt.PartInput("face", "", "image/jpeg", os.urandom(5_000), {"score": 0.87}),
            pkt.PartInput(
                "fingerprint", "right_thumb", "image/x-wsq", os.urandom(3_000), {"nfiq2": 61}
            ),
            pkt.PartInput("fingerprint", "left_index", "image/x-wsq", os.urandom(3_100), {}),
        ]
    return pkt.SealInput(
        dossier_id="0123456789abcdef0123456789abcdef",
        number="TN-001-20261123-0042",
        case_type="renewal",
        form={"full_name": "Trần Văn Bình", "id_number": "001090004321", "note": 'a "quoted" \\ /'},
        capture={"exceptions": {}, "context": {"camera": "demo"}},
        operator_id="op.le",
        supervisor_id="sup.pham",
        created_at="2026-11-23T07:00:00.000000Z",
        approved_at="2026-11-23T08:29:00.000000Z",
        parts=parts,
    )


Sealer = Callable[..., pkt.Sealed]


@pytest.fixture(scope="module")
def seal(station_key: bytes, receiver: crypto.HpkePrivateKey) -> Sealer:
    def _seal(
        inp: pkt.SealInput | None = None,
        *,
        to: crypto.HpkePrivateKey | None = None,
        key: bytes | None = None,
    ) -> pkt.Sealed:
        pub = (to or receiver).public_key()
        return pkt.seal(
            inp or dossier(),
            station_id=STATION_ID,
            station_code="TN-001",
            signing_key=key or station_key,
            receiver_key=pub,
            receiver_key_id=pkt.hpke_key_id(pub),
            now=NOW,
        )

    return _seal


def open_(data: bytes, receiver: crypto.HpkePrivateKey, station_key: bytes) -> pkt.Opened:
    return pkt.open_packet(
        data, receiver_key=receiver, station_public_key=crypto.ed25519_public(station_key)
    )


def code_of(fn: Callable[[], object]) -> str:
    with pytest.raises(pkt.PacketError) as info:
        fn()
    assert info.value.code in pkt.ERROR_CODES
    assert info.value.vi and info.value.en and info.value.vi != info.value.en
    return info.value.code


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)


def regions(data: bytes) -> dict[str, int]:
    (h,) = struct.unpack_from(">I", data, 9)
    (c,) = struct.unpack_from(">I", data, 13 + h)
    return {"header": 13, "header_len": h, "ct": 17 + h, "ct_len": c, "sig": 17 + h + c}


# --- round trip -----------------------------------------------------------------------------


def test_round_trip(seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes) -> None:
    inp = dossier()
    sealed = seal(inp)
    assert sealed.size == len(sealed.data) <= pkt.MAX_PACKET_BYTES
    assert sealed.sha256 == hashlib.sha256(sealed.data).hexdigest()
    assert len(sealed.packet_id) == 32 and sealed.header["packet_id"] == sealed.packet_id

    opened = open_(sealed.data, receiver, station_key)
    assert opened.header.packet_id == sealed.packet_id
    assert opened.header.station_id == STATION_ID
    assert opened.header.raw == sealed.header
    m = opened.manifest
    assert m["format"] == "intake-station/packet-manifest" and m["version"] == 1
    assert m["packet_id"] == sealed.packet_id and m["station_code"] == "TN-001"
    assert m["sealed_at"] == "2026-11-23T08:30:00.250000Z"
    d = m["dossier"]
    assert d["form"] == inp.form and d["capture"] == inp.capture
    assert (d["operator_id"], d["supervisor_id"], d["case_type"]) == (
        "op.le",
        "sup.pham",
        "renewal",
    )
    assert opened.parts == {(p.kind, p.slot): p.data for p in inp.parts}
    # Parts are listed sorted by (kind, slot), contiguous, with their metadata.
    keys = [(p["kind"], p["slot"]) for p in m["parts"]]
    assert keys == sorted(keys)
    metas = {(p.kind, p.slot): p.meta for p in inp.parts}
    assert all(p["meta"] == metas[(p["kind"], p["slot"])] for p in m["parts"])


def test_header_is_readable_without_keys(seal: Sealer, receiver: crypto.HpkePrivateKey) -> None:
    sealed = seal()
    header = pkt.read_header(sealed.data)
    assert header.packet_id == sealed.packet_id
    assert header.key_id == pkt.hpke_key_id(receiver.public_key())
    assert header.suite == crypto.HPKE_SUITE_ID == "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
    assert header.sealed_at == "2026-11-23T08:30:00.250000Z"
    assert header.ciphertext_size == regions(sealed.data)["ct_len"]


def test_packet_holds_no_plaintext(seal: Sealer) -> None:
    inp = dossier()
    data = seal(inp).data
    for needle in (
        "Trần Văn Bình".encode(),
        b"001090004321",
        b"op.le",
        b"renewal",
        inp.parts[0].data[:32],
    ):
        assert needle not in data


def test_every_seal_is_a_new_packet(seal: Sealer) -> None:
    inp = dossier()
    a, b = seal(inp), seal(inp)
    assert a.packet_id != b.packet_id and a.data != b.data


def test_manifest_is_canonical_json_as_in_the_audit_log(
    seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes
) -> None:
    opened = open_(seal().data, receiver, station_key)
    assert pkt.canonical(opened.manifest) == audit.canonical_json(opened.manifest).encode()


def test_key_id_is_the_provisioning_key_id(receiver: crypto.HpkePrivateKey) -> None:
    pub = receiver.public_key()
    assert pkt.hpke_key_id(pub) == provisioning.key_id(pub.encode())


# --- committed vectors ----------------------------------------------------------------------


def vector_keys() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((VECTORS / "keys.json").read_text(encoding="utf-8"))
    return doc


def vector_receiver(name: str = "receiver") -> crypto.HpkePrivateKey:
    k = vector_keys()[name]
    return crypto.HpkePrivateKey(
        bytes.fromhex(k["mlkem768_seed_hex"]), bytes.fromhex(k["x25519_private_hex"])
    )


def vector_station_public() -> bytes:
    return bytes.fromhex(vector_keys()["station"]["ed25519_public_hex"])


INDEX: dict[str, Any] = json.loads((VECTORS / "index.json").read_text(encoding="utf-8"))


def test_vector_keys_are_consistent() -> None:
    keys = vector_keys()
    station = keys["station"]
    assert crypto.ed25519_public(bytes.fromhex(station["ed25519_private_hex"])) == bytes.fromhex(
        station["ed25519_public_hex"]
    )
    for name in ("receiver", "other_receiver"):
        k = keys[name]
        priv = vector_receiver(name)
        assert priv.encode() == k["private_key_b64"]
        pub = priv.public_key()
        assert (pub.mlkem_public + pub.x25519_public).hex() == k["public_key_hex"]
        assert pub.encode() == k["public_key_b64"]
        assert pkt.hpke_key_id(pub) == k["key_id"] == provisioning.key_id(k["public_key_b64"])


@pytest.mark.parametrize("vector", INDEX["vectors"], ids=lambda v: v["file"])
def test_committed_vector(vector: dict[str, str]) -> None:
    data = (VECTORS / vector["file"]).read_bytes()

    def run() -> pkt.Opened:
        return pkt.open_packet(
            data, receiver_key=vector_receiver(), station_public_key=vector_station_public()
        )

    if vector["expect"] != "ok":
        assert code_of(run) == vector["expect"], vector["description"]
        return
    opened = run()
    assert hashlib.sha256(data).hexdigest() == INDEX["packet_sha256"]
    assert pkt.canonical(opened.manifest) == (VECTORS / "manifest.json").read_bytes()
    expected = json.loads((VECTORS / "dossier.json").read_text(encoding="utf-8"))
    assert opened.parts == {
        (p["kind"], p["slot"]): (VECTORS / p["file"]).read_bytes() for p in expected["parts"]
    }
    d = opened.manifest["dossier"]
    for name in ("number", "case_type", "form", "capture", "operator_id", "supervisor_id"):
        assert d[name] == expected[name]
    assert opened.manifest["sealed_at"] == expected["sealed_at"]
    for entry in opened.manifest["parts"]:
        want = next(
            p for p in expected["parts"] if (p["kind"], p["slot"]) == (entry["kind"], entry["slot"])
        )
        assert (entry["sha256"], entry["size"], entry["meta"]) == (
            want["sha256"],
            want["size"],
            want["meta"],
        )


def test_every_error_code_has_a_committed_vector() -> None:
    codes = {v["expect"] for v in INDEX["vectors"]} - {"ok"}
    assert codes == pkt.ERROR_CODES - {"too_large"}  # a >16 MiB file is not committed


def test_doc_worked_example_describes_the_committed_packet() -> None:
    text = DOC.read_text(encoding="utf-8")
    data = (VECTORS / "packet.bin").read_bytes()
    lay = INDEX["layout"]
    header = data[13 : 13 + lay["header_len"]].decode()
    assert INDEX["packet_sha256"] in text
    assert header in text
    assert f"header_len = {lay['header_len']}" in text


# --- tampering ------------------------------------------------------------------------------


def test_tampering_each_region_fails_with_its_code(
    seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes
) -> None:
    data = seal().data
    r = regions(data)

    def code(mutated: bytes) -> str:
        return code_of(lambda: open_(mutated, receiver, station_key))

    assert code(flip(data, 0)) == "malformed"  # magic
    assert code(flip(data, 8, 0x03)) == "unsupported_version"  # version 1 -> 2
    assert code(flip(data, 9, 0x80)) == "malformed"  # header_len huge
    assert code(flip(data, 12)) in {"malformed", "truncated"}  # header_len off by one
    assert code(flip(data, r["header"])) == "malformed"  # '{' -> 'z'
    pid = data.index(b'"packet_id":"') + len(b'"packet_id":"')
    assert code(flip(data, pid, 0x20 if data[pid] >= 0x61 else 0x01)) in {
        "malformed",  # a hex letter turned upper case: no longer canonical hex
        "bad_signature",
    }
    digit = next(i for i in range(pid, pid + 32) if chr(data[i]).isdigit())
    assert code(flip(data, digit)) == "bad_signature"  # still valid JSON: the signature catches it
    assert code(flip(data, r["ct"] - 1)) in {"malformed", "truncated"}  # ciphertext_len
    assert code(flip(data, r["ct"])) == "hash_mismatch"  # first byte of enc
    assert code(flip(data, r["ct"] + r["ct_len"] - 1)) == "hash_mismatch"  # last byte of the tag
    assert code(flip(data, r["sig"])) == "bad_signature"
    assert code(flip(data, len(data) - 1)) == "bad_signature"
    assert code(data[:-1]) == "truncated"
    assert code(data + b"\x00") == "malformed"


def test_no_single_byte_flip_goes_unnoticed() -> None:
    data = (VECTORS / "packet.bin").read_bytes()
    receiver, station_pub = vector_receiver(), vector_station_public()
    for offset in range(len(data)):
        with pytest.raises(pkt.PacketError):
            pkt.open_packet(
                flip(data, offset, 0x40), receiver_key=receiver, station_public_key=station_pub
            )


def test_every_truncation_is_reported_as_truncated() -> None:
    data = (VECTORS / "packet.bin").read_bytes()
    for size in range(len(data)):
        with pytest.raises(pkt.PacketError) as info:
            pkt.read_header(data[:size])
        assert info.value.code == "truncated", size


def test_verify_outer_needs_no_receiver_key(seal: Sealer, station_key: bytes) -> None:
    data = seal().data
    assert pkt.verify_outer(data, crypto.ed25519_public(station_key)).station_id == STATION_ID
    assert (
        code_of(
            lambda: pkt.verify_outer(flip(data, len(data) - 5), crypto.ed25519_public(station_key))
        )
        == "bad_signature"
    )


# --- keys -----------------------------------------------------------------------------------


def test_packet_for_another_receiver_key_does_not_decrypt(
    seal: Sealer, station_key: bytes, receiver: crypto.HpkePrivateKey
) -> None:
    other = crypto.HpkePrivateKey.generate()
    data = seal(to=other).data
    assert code_of(lambda: open_(data, receiver, station_key)) == "decrypt_failed"
    assert open_(data, other, station_key).header.key_id == pkt.hpke_key_id(other.public_key())


def test_wrong_station_key_fails(seal: Sealer, receiver: crypto.HpkePrivateKey) -> None:
    data = seal().data
    impostor = crypto.ed25519_generate()
    assert code_of(lambda: open_(data, receiver, impostor)) == "bad_signature"
    impostor_pub = crypto.ed25519_public(impostor)
    assert code_of(lambda: pkt.verify_outer(data, impostor_pub)) == "bad_signature"
    assert code_of(lambda: pkt.verify_outer(data, b"\x00" * 31)) == "bad_signature"


def test_packet_signed_by_another_station_fails(
    seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes
) -> None:
    forged = seal(key=crypto.ed25519_generate()).data
    assert code_of(lambda: open_(forged, receiver, station_key)) == "bad_signature"


def resign(body: bytes, key: bytes) -> bytes:
    sig = ed25519.Ed25519PrivateKey.from_private_bytes(key).sign(
        b"intake-station/packet/v1/outer\x00" + body
    )
    return body + sig


def test_header_swap_between_two_packets_fails(
    seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes
) -> None:
    inp = dossier()
    a, b = seal(inp).data, seal(inp).data
    ra, rb = regions(a), regions(b)
    assert ra["ct_len"] == rb["ct_len"] and ra["header_len"] == rb["header_len"]
    # A's envelope (header, signature) around B's ciphertext: the header hash gives it away.
    swapped = a[: ra["ct"]] + b[rb["ct"] : rb["sig"]] + a[ra["sig"] :]
    assert code_of(lambda: open_(swapped, receiver, station_key)) == "hash_mismatch"
    # Even with the hash fixed and a fresh station signature, HPKE's info binds B's ciphertext to
    # B's header, so it does not open under A's.
    header_a = json.loads(a[13 : 13 + ra["header_len"]])
    header_a["ciphertext_sha256"] = hashlib.sha256(b[rb["ct"] : rb["sig"]]).hexdigest()
    h = pkt.canonical(header_a)
    body = a[:9] + struct.pack(">I", len(h)) + h + b[rb["ct"] - 4 : rb["sig"]]
    resigned = resign(body, station_key)
    pkt.verify_outer(resigned, crypto.ed25519_public(station_key))  # the envelope itself is fine
    assert code_of(lambda: open_(resigned, receiver, station_key)) == "decrypt_failed"


# --- limits ---------------------------------------------------------------------------------


def big_dossier(size: int) -> pkt.SealInput:
    return dossier([pkt.PartInput("document", "page_1", "application/pdf", b"\x00" * size, {})])


def test_oversize_dossier_is_refused_before_anything_is_produced(
    seal: Sealer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*_a: object, **_k: object) -> bytes:
        raise AssertionError("nothing may be encrypted or signed for an oversize dossier")

    monkeypatch.setattr(crypto, "hpke_seal", forbidden)
    monkeypatch.setattr(pkt, "_sign", forbidden)
    assert code_of(lambda: seal(big_dossier(pkt.MAX_PACKET_BYTES))) == "too_large"
    assert code_of(lambda: seal(big_dossier(pkt.MAX_PACKET_BYTES - 1000))) == "too_large"
    many = [
        pkt.PartInput("document", f"page_{i}", "image/jpeg", b"\x01" * (1024 * 1024), {})
        for i in range(17)
    ]
    assert code_of(lambda: seal(dossier(many))) == "too_large"


def test_largest_dossier_that_fits_seals_to_exactly_the_limit(
    seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes
) -> None:
    probe = 15 * 1024 * 1024
    overhead = seal(big_dossier(probe)).size - probe
    largest = pkt.MAX_PACKET_BYTES - overhead
    sealed = seal(big_dossier(largest))
    assert sealed.size == pkt.MAX_PACKET_BYTES
    assert (
        open_(sealed.data, receiver, station_key).parts[("document", "page_1")] == b"\x00" * largest
    )
    assert code_of(lambda: seal(big_dossier(largest + 1))) == "too_large"


def test_sealed_size_predicts_the_packet_size_without_keys(
    seal: Sealer, receiver: crypto.HpkePrivateKey
) -> None:
    key_id = pkt.hpke_key_id(receiver.public_key())
    for inp in (dossier(), dossier([]), big_dossier(1_000_000)):
        predicted = pkt.sealed_size(
            inp, station_id=STATION_ID, station_code="TN-001", receiver_key_id=key_id
        )
        assert predicted == seal(inp).size
    with pytest.raises(pkt.PacketError) as info:
        pkt.sealed_size(
            big_dossier(pkt.MAX_PACKET_BYTES - 100),
            station_id=STATION_ID,
            station_code="TN-001",
            receiver_key_id=key_id,
        )
    assert info.value.code == "too_large"


def test_reader_refuses_more_than_the_limit() -> None:
    data = (VECTORS / "packet.bin").read_bytes()
    huge = data + b"\x00" * (pkt.MAX_PACKET_BYTES + 1 - len(data))
    assert code_of(lambda: pkt.read_header(huge)) == "too_large"


# --- seal input -----------------------------------------------------------------------------


def test_seal_refuses_invalid_input(
    seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes
) -> None:
    face = pkt.PartInput("face", "", "image/jpeg", b"x", {})
    with pytest.raises(ValidationError):
        seal(dossier([face, face]))
    with pytest.raises(ValidationError):
        seal(dossier([pkt.PartInput("selfie", "", "image/jpeg", b"x", {})]))
    with pytest.raises(ValidationError):
        seal(dossier([pkt.PartInput("face", "", "image/jpeg", b"", {})]))
    with pytest.raises(ValidationError):
        seal(dossier([pkt.PartInput("face", "", "image/jpeg", b"x", {"q": float("nan")})]))
    bad_time = dossier()
    with pytest.raises(ValidationError):
        seal(dataclasses.replace(bad_time, created_at="2026-11-23 07:00"))
    with pytest.raises(ValidationError):
        seal(dataclasses.replace(bad_time, case_type="upgrade"))
    pub = receiver.public_key()
    with pytest.raises(ValidationError):
        pkt.seal(
            dossier(),
            station_id=STATION_ID,
            station_code="TN-001",
            signing_key=station_key,
            receiver_key=pub,
            receiver_key_id="0" * 16,
            now=NOW,
        )
    with pytest.raises(ValidationError):
        pkt.seal(
            dossier(),
            station_id=STATION_ID,
            station_code="TN-001",
            signing_key=station_key,
            receiver_key=pub,
            receiver_key_id=pkt.hpke_key_id(pub),
            now=datetime(2026, 1, 1),
        )


def test_packet_error_is_a_station_error() -> None:
    err = pkt.PacketError("vi", "en", code="hash_mismatch")
    assert isinstance(err, StationError) and err.code == "hash_mismatch"


# --- a second verifier, written only from docs/packet.md -----------------------------------
#
# Everything below uses struct, hashlib, hmac and cryptography's primitives; nothing from
# station.packet. The HPKE open is written out from RFC 9180 and the KEM description in the doc.

DOC_MAGIC = bytes.fromhex("89 49 50 4b 54 0d 0a 1a")
DOC_HEADER_KEYS = {
    "packet_id",
    "station_id",
    "key_id",
    "suite",
    "sealed_at",
    "ciphertext_size",
    "ciphertext_sha256",
}


def doc_cjson(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def doc_hpke_open(
    ciphertext: bytes, mlkem_seed: bytes, x25519_private: bytes, info: bytes
) -> bytes:
    suite_id = b"HPKE" + bytes.fromhex("647a") + bytes.fromhex("0001") + bytes.fromhex("0002")

    def extract(salt: bytes, ikm: bytes) -> bytes:
        return hmac.new(salt or b"\x00" * 32, ikm, hashlib.sha256).digest()

    def expand(prk: bytes, info_: bytes, n: int) -> bytes:
        out, block, i = b"", b"", 1
        while len(out) < n:
            block = hmac.new(prk, block + info_ + bytes([i]), hashlib.sha256).digest()
            out, i = out + block, i + 1
        return out[:n]

    def labeled_extract(salt: bytes, label: bytes, ikm: bytes) -> bytes:
        return extract(salt, b"HPKE-v1" + suite_id + label + ikm)

    def labeled_expand(prk: bytes, label: bytes, info_: bytes, n: int) -> bytes:
        return expand(prk, struct.pack(">H", n) + b"HPKE-v1" + suite_id + label + info_, n)

    enc, sealed = ciphertext[:1120], ciphertext[1120:]
    ct_m, ct_x = enc[:1088], enc[1088:]
    ss_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem_seed).decapsulate(ct_m)
    sk_x = x25519.X25519PrivateKey.from_private_bytes(x25519_private)
    ss_x = sk_x.exchange(x25519.X25519PublicKey.from_public_bytes(ct_x))
    pk_x = sk_x.public_key().public_bytes_raw()
    shared = hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + bytes.fromhex("5c2e2f2f5e5c")).digest()
    context = (
        b"\x00"
        + labeled_extract(b"", b"psk_id_hash", b"")
        + labeled_extract(b"", b"info_hash", info)
    )
    secret = labeled_extract(shared, b"secret", b"")
    key = labeled_expand(secret, b"key", context, 32)
    nonce = labeled_expand(secret, b"base_nonce", context, 12)
    return AESGCM(key).decrypt(nonce, sealed, b"")


def doc_verify(
    data: bytes, station_pub: bytes, mlkem_seed: bytes, x25519_private: bytes
) -> tuple[bytes, dict[tuple[str, str], bytes]]:
    """Returns the manifest bytes and the parts; raises on any failure."""
    assert len(data) <= 16 * 1024 * 1024
    assert data[:8] == DOC_MAGIC and data[8] == 0x01
    (h,) = struct.unpack(">I", data[9:13])
    assert 0 < h <= 4096
    header_raw = data[13 : 13 + h]
    (c,) = struct.unpack(">I", data[13 + h : 17 + h])
    assert c >= 1136 and len(data) == 81 + h + c
    ciphertext, signature = data[17 + h : 17 + h + c], data[17 + h + c :]
    header = json.loads(header_raw.decode("utf-8"))
    assert set(header) == DOC_HEADER_KEYS and doc_cjson(header) == header_raw
    assert header["suite"] == "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
    assert header["ciphertext_size"] == c
    assert hashlib.sha256(ciphertext).hexdigest() == header["ciphertext_sha256"]
    station = ed25519.Ed25519PublicKey.from_public_bytes(station_pub)
    station.verify(signature, b"intake-station/packet/v1/outer\x00" + data[: 17 + h + c])

    mlkem_pub = mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem_seed).public_key().public_bytes_raw()
    x_pub = (
        x25519.X25519PrivateKey.from_private_bytes(x25519_private).public_key().public_bytes_raw()
    )
    assert len(mlkem_pub) == 1184 and len(x_pub) == 32
    assert hashlib.sha256(mlkem_pub + x_pub).hexdigest()[:16] == header["key_id"]
    core = {k: v for k, v in header.items() if k != "ciphertext_sha256"}
    info = b"intake-station/packet/v1/hpke\x00" + DOC_MAGIC + b"\x01" + doc_cjson(core)
    plaintext = doc_hpke_open(ciphertext, mlkem_seed, x25519_private, info)
    # The same through cryptography's HPKE with the suite the document names.
    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    recipient = hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem_seed),
        x25519.X25519PrivateKey.from_private_bytes(x25519_private),
    )
    assert suite.decrypt(ciphertext, recipient, info=info) == plaintext
    assert c == 1120 + len(plaintext) + 16

    (m,) = struct.unpack(">I", plaintext[:4])
    assert 0 < m <= 1024 * 1024
    manifest_raw = plaintext[4 : 4 + m]
    manifest_sig = plaintext[4 + m : 68 + m]
    (p,) = struct.unpack(">I", plaintext[68 + m : 72 + m])
    assert len(plaintext) == 72 + m + p
    parts_raw = plaintext[72 + m :]
    station.verify(manifest_sig, b"intake-station/packet/v1/manifest\x00" + manifest_raw)
    manifest = json.loads(manifest_raw.decode("utf-8"))
    assert manifest["format"] == "intake-station/packet-manifest" and manifest["version"] == 1
    for name, header_name in (
        ("packet_id", "packet_id"),
        ("station_id", "station_id"),
        ("receiver_key_id", "key_id"),
        ("sealed_at", "sealed_at"),
    ):
        assert manifest[name] == header[header_name]
    parts: dict[tuple[str, str], bytes] = {}
    offset = 0
    previous: tuple[str, str] | None = None
    for entry in manifest["parts"]:
        key = (entry["kind"], entry["slot"])
        assert previous is None or key > previous
        previous = key
        assert entry["offset"] == offset and entry["length"] == entry["size"]
        blob = parts_raw[offset : offset + entry["length"]]
        assert hashlib.sha256(blob).hexdigest() == entry["sha256"]
        parts[key] = blob
        offset += entry["length"]
    assert offset == p
    return manifest_raw, parts


def test_verifier_written_from_the_doc_accepts_the_committed_vector() -> None:
    keys = vector_keys()
    manifest, parts = doc_verify(
        (VECTORS / "packet.bin").read_bytes(),
        bytes.fromhex(keys["station"]["ed25519_public_hex"]),
        bytes.fromhex(keys["receiver"]["mlkem768_seed_hex"]),
        bytes.fromhex(keys["receiver"]["x25519_private_hex"]),
    )
    assert manifest == (VECTORS / "manifest.json").read_bytes()
    expected = json.loads((VECTORS / "dossier.json").read_text(encoding="utf-8"))
    assert parts == {
        (p["kind"], p["slot"]): (VECTORS / p["file"]).read_bytes() for p in expected["parts"]
    }


def test_verifier_written_from_the_doc_accepts_a_fresh_packet(
    seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes
) -> None:
    inp = dossier()
    _manifest, parts = doc_verify(
        seal(inp).data,
        crypto.ed25519_public(station_key),
        receiver.mlkem_seed,
        receiver.x25519_private,
    )
    assert parts == {(p.kind, p.slot): p.data for p in inp.parts}


def test_verifier_written_from_the_doc_accepts_rolled_prints_and_irises(
    seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes
) -> None:
    """The newer part kinds, beside the older ones: the reader needs nothing new."""
    base = dossier()
    inp = dossier(
        [
            *base.parts,
            pkt.PartInput(
                "rolled_print",
                "right_thumb",
                "image/x-wsq",
                os.urandom(3_500),
                {"impression": "rolled", "quality": 84, "gate": {"decodes": True}},
            ),
            pkt.PartInput("iris", "left", "image/png", os.urandom(9_000), {"quality": 97}),
            pkt.PartInput("iris", "right", "image/png", os.urandom(9_100), {"ok": True}),
        ]
    )
    manifest, parts = doc_verify(
        seal(inp).data,
        crypto.ed25519_public(station_key),
        receiver.mlkem_seed,
        receiver.x25519_private,
    )
    assert parts == {(p.kind, p.slot): p.data for p in inp.parts}
    kinds = [(e["kind"], e["slot"]) for e in json.loads(manifest)["parts"]]
    assert kinds == sorted(kinds) and ("iris", "left") in kinds


@pytest.mark.parametrize(
    "vector",
    [v for v in INDEX["vectors"] if v["expect"] != "ok"],
    ids=lambda v: v["file"],
)
def test_verifier_written_from_the_doc_rejects_every_tampered_vector(
    vector: dict[str, str],
) -> None:
    keys = vector_keys()
    with pytest.raises(Exception):  # noqa: B017 - any failure of the independent verifier
        doc_verify(
            (VECTORS / vector["file"]).read_bytes(),
            bytes.fromhex(keys["station"]["ed25519_public_hex"]),
            bytes.fromhex(keys["receiver"]["mlkem768_seed_hex"]),
            bytes.fromhex(keys["receiver"]["x25519_private_hex"]),
        )


# --- hostile input: only PacketError ever comes out -----------------------------------------


def with_header(data: bytes, header: bytes) -> bytes:
    """``data`` with its header replaced by ``header`` (lengths fixed, signature left stale)."""
    r = regions(data)
    return data[:9] + struct.pack(">I", len(header)) + header + data[r["ct"] - 4 :]


def header_cases(good: dict[str, Any]) -> list[tuple[str, bytes, str]]:
    def h(**changes: Any) -> bytes:
        return doc_cjson({**good, **changes})

    canonical_text = doc_cjson(good).decode()
    return [
        ("empty object", b"{}", "malformed"),
        ("array", b"[]", "malformed"),
        ("not utf-8", b"\xff" + doc_cjson(good)[1:], "malformed"),
        ("whitespace", canonical_text.replace(",", ", ").encode(), "malformed"),
        ("unsorted", json.dumps(good, separators=(",", ":")).encode(), "malformed"),
        (
            "duplicate key",
            canonical_text.replace("{", '{"key_id":"0000000000000000",', 1).encode(),
            "malformed",
        ),
        ("extra member", h(extra=1), "malformed"),
        (
            "float overflow",
            canonical_text.replace(f":{good['ciphertext_size']},", ":1e400,").encode(),
            "malformed",
        ),
        ("size as text", h(ciphertext_size=str(good["ciphertext_size"])), "malformed"),
        ("size as bool", h(ciphertext_size=True), "malformed"),
        ("size off by one", h(ciphertext_size=good["ciphertext_size"] + 1), "malformed"),
        ("upper-case hex", h(packet_id=good["packet_id"].upper()), "malformed"),
        ("short key id", h(key_id="abc"), "malformed"),
        ("bad date", h(sealed_at="2026-02-30T00:00:00.000000Z"), "malformed"),
        ("no microseconds", h(sealed_at="2026-11-23T08:30:00Z"), "malformed"),
        ("station id with space", h(station_id="a b"), "malformed"),
        ("other suite", h(suite="X25519/HKDF-SHA256/AES-128-GCM"), "unsupported_version"),
        ("other ciphertext hash", h(ciphertext_sha256="0" * 64), "hash_mismatch"),
    ]


def test_hostile_headers_are_refused_with_their_code(seal: Sealer) -> None:
    sealed = seal()
    for name, header, expected in header_cases(sealed.header):
        with pytest.raises(pkt.PacketError) as info:
            pkt.read_header(with_header(sealed.data, header))
        assert info.value.code == expected, name


def forge(
    manifest: bytes,
    parts: bytes,
    header: dict[str, Any],
    station_key: bytes,
    receiver_pub: crypto.HpkePublicKey,
    *,
    manifest_sig: bytes | None = None,
    inner: bytes | None = None,
) -> bytes:
    """A packet the station key really signed around an arbitrary manifest (doc layout)."""
    if manifest_sig is None:
        manifest_sig = ed25519.Ed25519PrivateKey.from_private_bytes(station_key).sign(
            b"intake-station/packet/v1/manifest\x00" + manifest
        )
    if inner is None:
        inner = (
            struct.pack(">I", len(manifest))
            + manifest
            + manifest_sig
            + struct.pack(">I", len(parts))
            + parts
        )
    h = dict(header, ciphertext_size=1120 + len(inner) + 16)
    core = {k: v for k, v in h.items() if k != "ciphertext_sha256"}
    info = b"intake-station/packet/v1/hpke\x00" + DOC_MAGIC + b"\x01" + doc_cjson(core)
    ciphertext = crypto.hpke_seal(inner, receiver_pub, info)
    h["ciphertext_sha256"] = hashlib.sha256(ciphertext).hexdigest()
    hb = doc_cjson(h)
    body = DOC_MAGIC + b"\x01" + struct.pack(">I", len(hb)) + hb
    return resign(body + struct.pack(">I", len(ciphertext)) + ciphertext, station_key)


def manifest_cases(m: dict[str, Any]) -> list[tuple[str, bytes, str]]:
    def edit(**changes: Any) -> bytes:
        return doc_cjson({**m, **changes})

    def edit_dossier(**changes: Any) -> bytes:
        return edit(dossier={**m["dossier"], **changes})

    def edit_part(i: int, **changes: Any) -> bytes:
        parts = [dict(p) for p in m["parts"]]
        parts[i].update(changes)
        return edit(parts=parts)

    text = doc_cjson(m).decode()
    p0, p1 = m["parts"][0], m["parts"][1]
    dropped = {k: v for k, v in m.items() if k != "parts"}
    return [
        ("not utf-8", b"\xff\xfe", "bad_manifest"),
        ("array", b"[1]", "bad_manifest"),
        ("deep nesting", b"[" * 50_000 + b"]" * 50_000, "bad_manifest"),
        ("duplicate key", text.replace("{", '{"version":1,', 1).encode(), "bad_manifest"),
        ("float overflow", text.replace('"version":1', '"version":1e400').encode(), "bad_manifest"),
        ("version true", edit(version=True), "bad_manifest"),
        ("version float", text.replace('"version":1', '"version":1.0').encode(), "bad_manifest"),
        ("version 2", edit(version=2), "bad_manifest"),
        ("other format", edit(format="something-else"), "bad_manifest"),
        ("extra member", edit(extra=None), "bad_manifest"),
        ("missing parts", doc_cjson(dropped), "bad_manifest"),
        ("parts not a list", edit(parts={}), "bad_manifest"),
        ("other sealed_at", edit(sealed_at="2026-11-23T08:30:00.250001Z"), "bad_manifest"),
        ("other key id", edit(receiver_key_id="0" * 16), "bad_manifest"),
        ("other packet id", edit(packet_id="0" * 32), "bad_manifest"),
        ("bad station code", edit(station_code=""), "bad_manifest"),
        ("other station", edit(station_id="someone-else"), "wrong_station"),
        ("dossier missing member", edit(dossier={"id": "x"}), "bad_manifest"),
        ("form is a list", edit_dossier(form=[]), "bad_manifest"),
        ("bad approved_at", edit_dossier(approved_at="yesterday"), "bad_manifest"),
        ("bad case type", edit_dossier(case_type="Renewal!"), "bad_manifest"),
        ("size as bool", edit_part(0, size=True, length=True), "bad_manifest"),
        ("negative offset", edit_part(0, offset=-1), "bad_manifest"),
        ("length differs from size", edit_part(0, length=p0["length"] - 1), "bad_manifest"),
        ("gap", edit_part(1, offset=p1["offset"] + 1), "bad_manifest"),
        ("meta not an object", edit_part(0, meta="q"), "bad_manifest"),
        ("upper-case media type", edit_part(0, media_type="IMAGE/JPEG"), "bad_manifest"),
        ("out of order", edit(parts=[p1, p0, *m["parts"][2:]]), "bad_manifest"),
        ("repeated", edit_part(1, kind=p0["kind"], slot=p0["slot"]), "bad_manifest"),
        ("one part short", edit(parts=m["parts"][:-1]), "bad_manifest"),
        ("wrong hash", edit_part(1, sha256="f" * 64), "hash_mismatch"),
    ]


def test_hostile_manifests_under_a_valid_signature_are_refused(
    seal: Sealer, receiver: crypto.HpkePrivateKey, station_key: bytes
) -> None:
    sealed = seal()
    opened = open_(sealed.data, receiver, station_key)
    parts = b"".join(opened.parts[(p["kind"], p["slot"])] for p in opened.manifest["parts"])
    pub = receiver.public_key()
    # The forger itself is right: the untouched manifest opens.
    assert (
        open_(
            forge(doc_cjson(opened.manifest), parts, sealed.header, station_key, pub),
            receiver,
            station_key,
        ).parts
        == opened.parts
    )
    for name, manifest, expected in manifest_cases(opened.manifest):
        data = forge(manifest, parts, sealed.header, station_key, pub)
        with pytest.raises(pkt.PacketError) as info:
            open_(data, receiver, station_key)
        assert info.value.code == expected, name
    good = doc_cjson(opened.manifest)
    inner_cases = [
        ("too short", b"\x00" * 10),
        ("empty manifest", struct.pack(">I", 0) + b"\x00" * 64 + struct.pack(">I", 0)),
        ("manifest overruns", struct.pack(">I", 10_000) + good),
        (
            "parts_len short",
            struct.pack(">I", len(good)) + good + b"\x00" * 64 + struct.pack(">I", 0) + parts,
        ),
    ]
    for name, inner in inner_cases:
        data = forge(good, parts, sealed.header, station_key, pub, inner=inner)
        with pytest.raises(pkt.PacketError) as info:
            open_(data, receiver, station_key)
        assert info.value.code == "malformed", name


def test_random_mutations_only_ever_raise_packet_errors() -> None:
    rng = random.Random(20261123)
    data = (VECTORS / "packet.bin").read_bytes()
    receiver, station_pub = vector_receiver(), vector_station_public()
    for _ in range(3000):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(mutated) + 1)
            action = rng.choice(("flip", "insert", "delete", "cut"))
            if action == "flip" and at < len(mutated):
                mutated[at] ^= rng.randint(1, 255)
            elif action == "insert":
                mutated[at:at] = os.urandom(rng.randint(1, 8))
            elif action == "delete":
                del mutated[at : at + rng.randint(1, 8)]
            else:
                del mutated[at:]
        if bytes(mutated) == data:
            continue
        with pytest.raises(pkt.PacketError):
            pkt.open_packet(bytes(mutated), receiver_key=receiver, station_public_key=station_pub)
