"""Chip authentication (DG14) and active authentication (DG15), ICAO Doc 9303 part 11 §6.1-6.2:
both prove that the chip holds a private key whose public half the SOD signs, so a clone that
carries copied data groups and SOD, but not the key, is detected.

Results are strings kept in the verdict: ``ok``, ``failed``, ``not_offered`` (the card has no
DG14 key / DG15), ``not_performed`` (offered but not run, e.g. the session was lost earlier).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from asn1crypto import core  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec as cec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from station.chip import ChipError, ec
from station.chip.sm import session as new_session
from station.chip.tlv import Tlv, encode, parse_single
from station.devices import DeviceError

if TYPE_CHECKING:
    from station.chip.reader import Session

OK, FAILED, NOT_OFFERED, NOT_PERFORMED = "ok", "failed", "not_offered", "not_performed"
PK_ECDH = "0.4.0.127.0.7.2.2.1.2"
CA_ECDH = "0.4.0.127.0.7.2.2.3.2"  # + .1 3DES, .2 AES-128, .3 AES-192, .4 AES-256
PACE_ECDH_GM = "0.4.0.127.0.7.2.2.4.2"  # same suffixes
AA_INFO = "2.23.136.1.1.5"
CIPHERS = {1: ("3DES", 128), 2: ("AES", 128), 3: ("AES", 192), 4: ("AES", 256)}
ECDSA_HASHES = {"1.2.840.10045.4.1": "sha1", "1.2.840.10045.4.3.1": "sha224",
                "1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384",
                "1.2.840.10045.4.3.4": "sha512"}  # fmt: skip


def oid_of(item: Tlv) -> str:
    if item.tag != 0x06:
        raise ChipError("Thiếu OID.", "An OID is missing.")
    return str(core.ObjectIdentifier.load(encode(0x06, item.value)).dotted)


def _int(item: Tlv) -> int:
    if item.tag != 0x02 or not 0 < len(item.value) <= 8:
        raise ChipError("Số nguyên sai dạng.", "Malformed integer.")
    return int.from_bytes(item.value, "big")


@dataclass
class SecurityInfos:
    """What DG14 or EF.CardAccess offer."""

    ca: list[tuple[str, int | None]] = field(default_factory=list)  # (oid, keyId)
    ca_keys: list[tuple[bytes, int | None]] = field(default_factory=list)  # (SPKI, keyId)
    aa_hash: str | None = None
    pace: list[tuple[str, int | None]] = field(default_factory=list)  # (oid, parameterId)


def parse_security_infos(data: bytes) -> SecurityInfos:
    """SecurityInfos of DG14 (``6E``-wrapped) or EF.CardAccess (a bare SET)."""
    root = parse_single(data)
    if root.tag == 0x6E:
        root = parse_single(root.value)
    if root.tag != 0x31:
        raise ChipError("SecurityInfos phải là một SET.", "SecurityInfos must be a SET.")
    out = SecurityInfos()
    for info in root.children():
        if info.tag != 0x30:
            continue
        parts = info.children()
        if len(parts) < 2:
            continue
        oid = oid_of(parts[0])
        extra = _int(parts[2]) if len(parts) > 2 and parts[2].tag == 0x02 else None
        if oid.startswith(CA_ECDH + "."):
            out.ca.append((oid, extra))
        elif oid == PK_ECDH and parts[1].tag == 0x30:
            out.ca_keys.append((encode(0x30, parts[1].value), extra))
        elif oid == AA_INFO and len(parts) > 2 and parts[2].tag == 0x06:
            out.aa_hash = ECDSA_HASHES.get(oid_of(parts[2]))
        elif oid.startswith(PACE_ECDH_GM + "."):
            out.pace.append((oid, extra))
    return out


def cipher_of(oid: str) -> tuple[str, int]:
    suffix = int(oid.rsplit(".", 1)[1])
    if suffix not in CIPHERS:
        raise ChipError(f"Thuật toán {oid} không hỗ trợ.", f"Algorithm {oid} unsupported.")
    return CIPHERS[suffix]


def chip_authentication(session: Session, infos: SecurityInfos) -> str:
    """CA with the DG14 key: ephemeral ECDH, new secure-messaging keys, then one read proves
    the chip derived the same keys. ``session.sm`` is replaced by the new one on success."""
    if not infos.ca_keys:
        return NOT_OFFERED
    try:
        return _chip_authentication(session, infos)
    except ChipError:
        return FAILED
    except DeviceError:  # the card pulled out or not answering: not a clone, say so
        raise
    except Exception:  # a malformed key or parameters in DG14: a failure, never an exception
        return FAILED


def _chip_authentication(session: Session, infos: SecurityInfos) -> str:
    spki, key_id = infos.ca_keys[0]
    oid = next((o for o, k in infos.ca if key_id is None or k in (None, key_id)), None)
    cipher, bits = cipher_of(oid) if oid else ("3DES", 128)
    curve, chip_key = ec.public_key(spki)
    d, eph = curve.keypair()
    shared = curve.mul(d, chip_key)
    if shared is None:
        return FAILED
    secret = shared[0].to_bytes(curve.size, "big")
    kid = encode(0x84, key_id.to_bytes(1, "big")) if key_id is not None else b""
    try:
        if (cipher == "3DES" and oid is None) or (oid and oid.endswith(".1")):
            _data, sw = session.command(0x22, 0x41, 0xA6, encode(0x91, curve.encode(eph)) + kid)
        else:
            assert oid is not None
            _data, sw = session.command(0x22, 0x41, 0xA4, encode(0x80, _oid_bytes(oid)) + kid)
            if sw == 0x9000:
                body = encode(0x7C, encode(0x80, curve.encode(eph)))
                _data, sw = session.command(0x86, 0x00, 0x00, body, le=256)
        if sw != 0x9000:
            return FAILED
        session.sm = new_session(cipher, secret, bits)
        # the proof: the chip answers under the new keys
        if not session.select_file(0x011E):
            return FAILED
        session.read_binary(0, 4)
    except ChipError:
        return FAILED
    return OK


def _oid_bytes(oid: str) -> bytes:
    return bytes(core.ObjectIdentifier(oid).contents)


def active_authentication(session: Session, dg15: bytes, hash_name: str | None) -> str:
    """INTERNAL AUTHENTICATE with 8 random bytes, checked with the DG15 key (ECDSA plain r‖s, or
    RSA with ISO/IEC 9796-2 scheme 1)."""
    try:
        spki = parse_single(dg15)
        if spki.tag != 0x6F:
            return FAILED
        key_der = spki.value
        challenge = os.urandom(8)
        signature, sw = session.command(0x88, 0x00, 0x00, challenge, le=256)
        if sw != 0x9000 or not signature:
            return FAILED
        return OK if _check_aa(key_der, challenge, signature, hash_name) else FAILED
    except ChipError:
        return FAILED
    except DeviceError:
        raise
    except Exception:  # a malformed DG15 key: a failure, never an exception
        return FAILED


def _check_aa(key_der: bytes, challenge: bytes, signature: bytes, hash_name: str | None) -> bool:
    try:
        key = serialization.load_der_public_key(key_der)
    except (ValueError, TypeError):
        key = None
    if key is None or isinstance(key, cec.EllipticCurvePublicKey):
        if key is None:
            curve, pt = ec.public_key(key_der)
            key = ec.crypto_public_key(curve, pt)
        assert isinstance(key, cec.EllipticCurvePublicKey)
        half = len(signature) // 2
        if half == 0 or len(signature) % 2:
            return False
        der = encode_dss_signature(int.from_bytes(signature[:half], "big"),
                                   int.from_bytes(signature[half:], "big"))  # fmt: skip
        for name in [hash_name] if hash_name else ["sha256", "sha1", "sha384", "sha512", "sha224"]:
            try:
                key.verify(der, challenge, cec.ECDSA(getattr(hashes, name.upper())()))
                return True
            except InvalidSignature:
                continue
        return False
    if isinstance(key, rsa.RSAPublicKey):
        return _iso9796_2(key, challenge, signature)
    return False


_TRAILERS = {0x33: "sha1", 0x34: "sha256", 0x36: "sha384", 0x35: "sha512", 0x38: "sha224"}


def _iso9796_2(key: rsa.RSAPublicKey, challenge: bytes, signature: bytes) -> bool:
    """ISO/IEC 9796-2 digital signature scheme 1 (message recovery), as RSA active
    authentication uses it."""
    nums = key.public_numbers()
    k = (nums.n.bit_length() + 7) // 8
    m = pow(int.from_bytes(signature, "big"), nums.e, nums.n).to_bytes(k, "big")
    if m[-1] == 0xBC:
        name, t = "sha1", 1
    elif m[-1] == 0xCC and m[-2] in _TRAILERS:
        name, t = _TRAILERS[m[-2]], 2
    else:
        return False
    hlen = hashlib.new(name).digest_size
    if m[0] & 0xC0 != 0x40 or len(m) < hlen + t + 1:
        return False
    m1 = m[1 : -(hlen + t)]
    digest = m[-(hlen + t) : -t]
    return hmac.compare_digest(hashlib.new(name, m1 + challenge).digest(), digest)


def security_infos_or_none(data: bytes | None) -> SecurityInfos | None:
    """DG14's SecurityInfos, or None when absent or malformed (never an exception)."""
    if data is None:
        return None
    try:
        return parse_security_infos(data)
    except Exception:  # a malformed DG14 makes chip authentication fail, not the read
        return None
