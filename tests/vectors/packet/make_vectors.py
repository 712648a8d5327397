"""Regenerate the packet test vectors in this folder (format version 1, docs/packet.md).

Run from the repository root::

    .venv/bin/python tests/vectors/packet/make_vectors.py

The keys, the dossier and its parts are fixed (derived from constant labels below), but HPKE
encryption is randomized and every packet gets a fresh packet id: EACH RUN PRODUCES NEW PACKET
BYTES. The committed files are one such run; the tests check that they still open (or fail with
their recorded code), not that a new run reproduces them. The script also rewrites the worked
example in docs/packet.md (between the ``vector:begin`` / ``vector:end`` markers) so that the
document always describes the committed packet.

The valid packet is produced by ``station.packet.seal``. The tampered variants that need a valid
station signature over altered contents are built by a small writer below that follows
docs/packet.md and shares no code with ``station.packet``'s encoder.

THE KEYS HERE ARE PUBLIC TEST KEYS. Never provision them on a station or a receiver.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from station import crypto  # noqa: E402
from station import packet as pkt  # noqa: E402
from station.clock import iso  # noqa: E402

HERE = Path(__file__).resolve().parent
DOC = ROOT / "docs" / "packet.md"

# --- fixed inputs ---------------------------------------------------------------------------


def derive(label: str, n: int) -> bytes:
    return hashlib.shake_256(f"intake-station/packet test vectors/{label}".encode()).digest(n)


STATION_ID = "0b6a4f4e-2c1d-4e8a-9b7f-5d3c2a1e0f9b"
STATION_CODE = "TN-001"
STATION_KEY = derive("station ed25519", 32)
OTHER_STATION_KEY = derive("other station ed25519", 32)
RECEIVER = crypto.HpkePrivateKey(
    derive("receiver mlkem768 seed", 64), derive("receiver x25519", 32)
)
OTHER_RECEIVER = crypto.HpkePrivateKey(
    derive("other receiver mlkem768 seed", 64), derive("other receiver x25519", 32)
)
SEALED_AT = datetime(2026, 11, 23, 3, 15, 42, 123456, tzinfo=UTC)

FORM: dict[str, Any] = {
    "full_name": "Nguyễn Thị Minh Khai",
    "date_of_birth": "1990-05-17",
    "sex": "female",
    "id_number": "019190001234",
    "place_of_origin": "Xã Đồng Bẩm, Thành phố Thái Nguyên, Tỉnh Thái Nguyên",
    "ethnicity": "Kinh",
    "height_cm": 158,
}
CAPTURE: dict[str, Any] = {
    "exceptions": {
        "fingerprint/left_little": {"kind": "amputated", "reason": "Cụt ngón từ nhỏ"},
    },
    "context": {"device": "demo-scanner", "lighting": "ok"},
}

#: (kind, slot, media type, file name, meta, bytes): small stand-ins for real captures.
PARTS: list[tuple[str, str, str, str, dict[str, Any], bytes]] = [
    (
        "face",
        "",
        "image/jpeg",
        "face.jpg",
        {"quality": {"score": 0.91, "icao": True}, "width": 480, "height": 640},
        b"\xff\xd8\xff\xe0" + derive("part face", 1500) + b"\xff\xd9",
    ),
    (
        "fingerprint",
        "right_index",
        "image/x-wsq",
        "fingerprint-right_index.wsq",
        {"nfiq2": 72, "ppi": 500},
        b"\xff\xa0" + derive("part right index", 900) + b"\xff\xa1",
    ),
    (
        "signature",
        "",
        "image/png",
        "signature.png",
        {"strokes": 3},
        b"\x89PNG\r\n\x1a\n" + derive("part signature", 400),
    ),
]


def seal_input() -> pkt.SealInput:
    return pkt.SealInput(
        dossier_id="5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f",
        number="TN-001-20261123-0007",
        case_type="first_issue",
        form=FORM,
        capture=CAPTURE,
        operator_id="op.nguyen",
        supervisor_id="sup.tran",
        created_at="2026-11-23T01:02:03.000000Z",
        approved_at="2026-11-23T03:10:00.500000Z",
        parts=[pkt.PartInput(k, s, m, data, meta) for k, s, m, _f, meta, data in PARTS],
    )


# --- an independent writer, from docs/packet.md --------------------------------------------

MAGIC = b"\x89IPKT\r\n\x1a"
OUTER_PREFIX = b"intake-station/packet/v1/outer\x00"
MANIFEST_PREFIX = b"intake-station/packet/v1/manifest\x00"
INFO_PREFIX = b"intake-station/packet/v1/hpke\x00"


def cjson(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sign(key: bytes, prefix: bytes, message: bytes) -> bytes:
    return ed25519.Ed25519PrivateKey.from_private_bytes(key).sign(prefix + message)


def inner(manifest: bytes, manifest_sig: bytes, parts: bytes) -> bytes:
    return (
        struct.pack(">I", len(manifest))
        + manifest
        + manifest_sig
        + struct.pack(">I", len(parts))
        + parts
    )


def info(header: dict[str, Any]) -> bytes:
    core = {k: v for k, v in header.items() if k != "ciphertext_sha256"}
    return INFO_PREFIX + MAGIC + b"\x01" + cjson(core)


def outer(header: dict[str, Any], ciphertext: bytes, key: bytes) -> bytes:
    h = cjson(header)
    body = MAGIC + b"\x01" + struct.pack(">I", len(h)) + h + struct.pack(">I", len(ciphertext))
    body += ciphertext
    return body + sign(key, OUTER_PREFIX, body)


def build(
    base_header: dict[str, Any],
    payload: bytes,
    *,
    encrypt_to: crypto.HpkePrivateKey = RECEIVER,
    info_header: dict[str, Any] | None = None,
    header_changes: dict[str, Any] | None = None,
) -> bytes:
    """A packet signed by the fixed station key around ``payload`` (an inner payload)."""
    header = dict(base_header, **(header_changes or {}))
    header["ciphertext_size"] = 1120 + len(payload) + 16
    bound = dict(info_header if info_header is not None else header)
    bound["ciphertext_size"] = header["ciphertext_size"]
    ciphertext = crypto.hpke_seal(payload, encrypt_to.public_key(), info(bound))
    header["ciphertext_sha256"] = hashlib.sha256(ciphertext).hexdigest()
    return outer(header, ciphertext, STATION_KEY)


def layout(data: bytes) -> dict[str, int]:
    (h_len,) = struct.unpack_from(">I", data, 9)
    (c_len,) = struct.unpack_from(">I", data, 13 + h_len)
    return {
        "header_len": h_len,
        "header_offset": 13,
        "ciphertext_len": c_len,
        "ciphertext_offset": 17 + h_len,
        "signature_offset": 17 + h_len + c_len,
        "total": len(data),
    }


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)


# --- generation -----------------------------------------------------------------------------


def key_doc(key: crypto.HpkePrivateKey) -> dict[str, str]:
    pub = key.public_key()
    return {
        "mlkem768_seed_hex": key.mlkem_seed.hex(),
        "x25519_private_hex": key.x25519_private.hex(),
        "private_key_b64": key.encode(),
        "public_key_hex": (pub.mlkem_public + pub.x25519_public).hex(),
        "public_key_b64": pub.encode(),
        "key_id": pkt.hpke_key_id(pub),
    }


def main() -> None:
    tampered = HERE / "tampered"
    tampered.mkdir(exist_ok=True)
    for old in tampered.glob("*.bin"):
        old.unlink()
    parts_dir = HERE / "parts"
    parts_dir.mkdir(exist_ok=True)

    station_pub = crypto.ed25519_public(STATION_KEY)
    keys = {
        "warning": "PUBLIC TEST KEYS: never provision them.",
        "station": {
            "station_id": STATION_ID,
            "station_code": STATION_CODE,
            "ed25519_private_hex": STATION_KEY.hex(),
            "ed25519_public_hex": station_pub.hex(),
        },
        "other_station": {
            "ed25519_private_hex": OTHER_STATION_KEY.hex(),
            "ed25519_public_hex": crypto.ed25519_public(OTHER_STATION_KEY).hex(),
        },
        "receiver": key_doc(RECEIVER),
        "other_receiver": key_doc(OTHER_RECEIVER),
    }
    (HERE / "keys.json").write_text(json.dumps(keys, indent=2) + "\n", encoding="utf-8")

    inp = seal_input()
    dossier = {
        "dossier_id": inp.dossier_id,
        "number": inp.number,
        "case_type": inp.case_type,
        "form": inp.form,
        "capture": inp.capture,
        "operator_id": inp.operator_id,
        "supervisor_id": inp.supervisor_id,
        "created_at": inp.created_at,
        "approved_at": inp.approved_at,
        "sealed_at": iso(SEALED_AT),
        "parts": [
            {
                "kind": k,
                "slot": s,
                "media_type": m,
                "file": f"parts/{f}",
                "meta": meta,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            for k, s, m, f, meta, data in PARTS
        ],
    }
    (HERE / "dossier.json").write_text(
        json.dumps(dossier, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    for _k, _s, _m, name, _meta, data in PARTS:
        (parts_dir / name).write_bytes(data)

    receiver_pub = RECEIVER.public_key()
    sealed = pkt.seal(
        inp,
        station_id=STATION_ID,
        station_code=STATION_CODE,
        signing_key=STATION_KEY,
        receiver_key=receiver_pub,
        receiver_key_id=pkt.hpke_key_id(receiver_pub),
        now=SEALED_AT,
    )
    good = sealed.data
    (HERE / "packet.bin").write_bytes(good)
    opened = pkt.open_packet(good, receiver_key=RECEIVER, station_public_key=station_pub)
    manifest_bytes = cjson(opened.manifest)
    (HERE / "manifest.json").write_bytes(manifest_bytes)

    lay = layout(good)
    header = dict(sealed.header)
    h_off, h_len = lay["header_offset"], lay["header_len"]
    header_text = good[h_off : h_off + h_len]
    # Offsets of one digit inside the packet id's value in the header.
    pid_at = h_off + header_text.index(b'"packet_id":"') + len(b'"packet_id":"')
    digit_at = next(pid_at + i for i, c in enumerate(sealed.packet_id) if c.isdigit())
    ct_mid = lay["ciphertext_offset"] + lay["ciphertext_len"] // 2
    parts_blob = b"".join(opened.parts[(p["kind"], p["slot"])] for p in opened.manifest["parts"])
    manifest_sig = sign(STATION_KEY, MANIFEST_PREFIX, manifest_bytes)

    def resigned_manifest(changes: dict[str, Any]) -> bytes:
        m = dict(opened.manifest, **changes)
        mb = cjson(m)
        return inner(mb, sign(STATION_KEY, MANIFEST_PREFIX, mb), parts_blob)

    rehashed = bytearray(flip(good, ct_mid))
    new_hash = hashlib.sha256(
        rehashed[lay["ciphertext_offset"] : lay["ciphertext_offset"] + lay["ciphertext_len"]]
    ).hexdigest()
    hash_at = h_off + header_text.index(sealed.header["ciphertext_sha256"].encode())
    rehashed[hash_at : hash_at + 64] = new_hash.encode()
    bad_part = bytearray(parts_blob)
    bad_part[0] ^= 0x01
    other_header = dict(header, packet_id="f" * 32)

    variants: list[tuple[str, bytes, str, str]] = [
        ("packet.bin", good, "ok", "the valid packet"),
        ("truncated-last-byte", good[:-1], "truncated", "last byte of the signature removed"),
        ("truncated-in-header", good[:40], "truncated", "cut inside the header"),
        ("truncated-empty", b"", "truncated", "zero bytes"),
        ("trailing-byte", good + b"\x00", "malformed", "one byte appended"),
        ("magic-flipped", flip(good, 0), "malformed", "first magic byte flipped"),
        ("version-2", good[:8] + b"\x02" + good[9:], "unsupported_version", "version byte 2"),
        (
            "header-length-too-big",
            good[:9] + struct.pack(">I", 4097) + good[13:],
            "malformed",
            "header_len 4097 > 4096",
        ),
        (
            "header-syntax-flipped",
            flip(good, h_off),
            "malformed",
            "first header byte '{' flipped to 'z': not JSON",
        ),
        (
            "header-value-flipped",
            flip(good, digit_at),
            "bad_signature",
            "one digit of packet_id in the header changed: still canonical JSON",
        ),
        (
            "ciphertext-flipped",
            flip(good, ct_mid),
            "hash_mismatch",
            "one ciphertext byte flipped; header hash no longer matches",
        ),
        (
            "ciphertext-flipped-rehashed",
            bytes(rehashed),
            "bad_signature",
            "one ciphertext byte flipped and the header hash updated, not re-signed",
        ),
        (
            "signature-flipped",
            flip(good, lay["signature_offset"] + 10),
            "bad_signature",
            "one byte of the outer signature flipped",
        ),
        (
            "signed-by-other-station",
            good[: lay["signature_offset"]]
            + sign(OTHER_STATION_KEY, OUTER_PREFIX, good[: lay["signature_offset"]]),
            "bad_signature",
            "outer signature made with another station's key",
        ),
        (
            "other-receiver",
            build(
                header,
                inner(manifest_bytes, manifest_sig, parts_blob),
                encrypt_to=OTHER_RECEIVER,
                header_changes={"key_id": pkt.hpke_key_id(OTHER_RECEIVER.public_key())},
            ),
            "decrypt_failed",
            "station-signed, sealed to another receiver key (header names that key)",
        ),
        (
            "other-receiver-relabelled",
            build(
                header,
                inner(manifest_bytes, manifest_sig, parts_blob),
                encrypt_to=OTHER_RECEIVER,
            ),
            "decrypt_failed",
            "station-signed, sealed to another key but the header names the fixed receiver",
        ),
        (
            "header-swapped-resigned",
            build(
                header,
                inner(manifest_bytes, manifest_sig, parts_blob),
                info_header=other_header,
            ),
            "decrypt_failed",
            "station-signed, HPKE info bound to another header than the one sent",
        ),
        (
            "inner-parts-length-wrong",
            build(
                header,
                inner(manifest_bytes, manifest_sig, parts_blob)[:-1],
            ),
            "malformed",
            "station-signed, inner parts_len one more than the bytes present",
        ),
        (
            "manifest-signature-other-key",
            build(
                header,
                inner(
                    manifest_bytes,
                    sign(OTHER_STATION_KEY, MANIFEST_PREFIX, manifest_bytes),
                    parts_blob,
                ),
            ),
            "bad_signature",
            "station-signed outside, manifest signed by another key",
        ),
        (
            "part-byte-flipped",
            build(header, inner(manifest_bytes, manifest_sig, bytes(bad_part))),
            "hash_mismatch",
            "station-signed, first byte of the first part flipped inside the ciphertext",
        ),
        (
            "manifest-other-station",
            build(header, resigned_manifest({"station_id": "another-station"})),
            "wrong_station",
            "station-signed, manifest names another station than the header",
        ),
        (
            "manifest-other-packet-id",
            build(header, resigned_manifest({"packet_id": "e" * 32})),
            "bad_manifest",
            "station-signed, manifest packet_id differs from the header's",
        ),
        (
            "manifest-not-json",
            build(
                header,
                inner(
                    b"{not json",
                    sign(STATION_KEY, MANIFEST_PREFIX, b"{not json"),
                    parts_blob,
                ),
            ),
            "bad_manifest",
            "station-signed, manifest bytes are not JSON",
        ),
    ]
    index: dict[str, Any] = {
        "format": "intake-station/packet-test-vectors",
        "packet_version": 1,
        "station_key": "keys.json#station",
        "receiver_key": "keys.json#receiver",
        "packet": "packet.bin",
        "packet_sha256": sealed.sha256,
        "manifest": "manifest.json",
        "layout": lay,
        "vectors": [],
    }
    for name, data, expect, description in variants:
        file = name if name == "packet.bin" else f"tampered/{name}.bin"
        if file != "packet.bin":
            (HERE / file).write_bytes(data)
        index["vectors"].append({"file": file, "expect": expect, "description": description})
        got = check(data, station_pub)
        if got != expect:
            raise SystemExit(f"{name}: expected {expect}, got {got}")
    (HERE / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    update_doc(good, sealed.header, lay, header_text, manifest_bytes, opened.manifest)
    print(f"wrote {len(variants)} vectors to {HERE.relative_to(ROOT)}; packet {sealed.sha256}")


def check(data: bytes, station_pub: bytes) -> str:
    try:
        pkt.open_packet(data, receiver_key=RECEIVER, station_public_key=station_pub)
    except pkt.PacketError as exc:
        return exc.code
    return "ok"


def update_doc(
    good: bytes,
    header: dict[str, Any],
    lay: dict[str, int],
    header_text: bytes,
    manifest_bytes: bytes,
    manifest: dict[str, Any],
) -> None:
    if not DOC.exists():
        return
    text = DOC.read_text(encoding="utf-8")
    begin, end = "<!-- vector:begin -->", "<!-- vector:end -->"
    if begin not in text or end not in text:
        return
    info_bytes = info(header)
    sig_off = lay["signature_offset"]
    first_part = manifest["parts"][0]
    lines = [
        begin,
        "",
        "Committed packet `tests/vectors/packet/packet.bin` "
        f"({lay['total']} bytes, SHA-256 `{hashlib.sha256(good).hexdigest()}`):",
        "",
        "| offset | length | field | bytes |",
        "|---:|---:|---|---|",
        f"| 0 | 8 | magic | `{good[:8].hex(' ')}` |",
        f"| 8 | 1 | version | `{good[8:9].hex()}` |",
        f"| 9 | 4 | header_len = {lay['header_len']} | `{good[9:13].hex(' ')}` |",
        f"| 13 | {lay['header_len']} | header | canonical JSON, below |",
        f"| {13 + lay['header_len']} | 4 | ciphertext_len = {lay['ciphertext_len']} | "
        f"`{good[13 + lay['header_len'] : 17 + lay['header_len']].hex(' ')}` |",
        f"| {lay['ciphertext_offset']} | {lay['ciphertext_len']} | ciphertext "
        f"(enc 1120 + AEAD {lay['ciphertext_len'] - 1120}) | starts `"
        f"{good[lay['ciphertext_offset'] : lay['ciphertext_offset'] + 8].hex(' ')}` |",
        f"| {sig_off} | 64 | outer signature | starts `{good[sig_off : sig_off + 8].hex(' ')}` |",
        "",
        "Header (the exact bytes):",
        "",
        "```json",
        header_text.decode("utf-8"),
        "```",
        "",
        f"HPKE `info` ({len(info_bytes)} bytes) = `intake-station/packet/v1/hpke` 00 "
        "|| magic || 01 || canonical header without `ciphertext_sha256`:",
        "",
        "```",
        info_bytes.hex(),
        "```",
        "",
        "where the JSON part reads:",
        "",
        "```json",
        info_bytes[len(INFO_PREFIX) + len(MAGIC) + 1 :].decode("utf-8"),
        "```",
        "",
        f"Inner payload after decryption: manifest_len = {len(manifest_bytes)}, then the "
        f"manifest, the 64-byte manifest signature, parts_len = "
        f"{sum(p['length'] for p in manifest['parts'])} and the parts. The manifest bytes are "
        "`tests/vectors/packet/manifest.json`; its first part entry is:",
        "",
        "```json",
        cjson(first_part).decode("utf-8"),
        "```",
        "",
        end,
    ]
    head, rest = text.split(begin, 1)
    _old, tail = rest.split(end, 1)
    DOC.write_text(head + "\n".join(lines) + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
