"""PACE (ICAO Doc 9303 part 11 §4.4), generic mapping over ECDH on the standardized domain
parameters (NIST and brainpool curves), with the MRZ or the CAN as password and 3DES or AES
secure messaging as EF.CardAccess announces.

Exactly one attempt per call: a refused password raises :class:`PaceError` at once, never a
retry that could make the chip count failures (PACE cards suspend or block a password after
repeated failures).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from station.chip import BacError, ChipError, ec
from station.chip.auth import PACE_ECDH_GM, cipher_of, parse_security_infos
from station.chip.sm import SecureMessaging, kdf, pad, retail_mac, session
from station.chip.tlv import encode, parse_single

Transmit = Callable[[bytes], bytes]
EF_CARD_ACCESS = 0x011C
MRZ, CAN = 1, 2  # password references


class PaceError(BacError):
    code = "pace_failed"


@dataclass(frozen=True)
class PaceInfo:
    oid: str
    cipher: str  # "3DES" or "AES"
    key_bits: int
    curve: ec.Curve


def read_card_access(transmit: Transmit) -> list[PaceInfo]:
    """The PACE ECDH generic-mapping options of EF.CardAccess (read plain, before the
    application is selected); empty when the card has none (a BAC-only card)."""
    resp = transmit(bytes.fromhex("00A4020C02") + EF_CARD_ACCESS.to_bytes(2, "big"))
    if resp[-2:] != b"\x90\x00":
        return []
    resp = transmit(bytes.fromhex("00B0000000"))
    if len(resp) < 2 or resp[-2:] not in (b"\x90\x00", b"\x62\x82"):
        return []
    try:
        infos = parse_security_infos(resp[:-2])
    except Exception:  # a malformed EF.CardAccess: no PACE, BAC is tried
        return []
    out: list[PaceInfo] = []
    for oid, param_id in infos.pace:
        curve = ec.BY_PARAM_ID.get(param_id or 0)
        if curve is None or not oid.startswith(PACE_ECDH_GM + "."):
            continue
        try:
            cipher, bits = cipher_of(oid)
        except ChipError:
            continue
        out.append(PaceInfo(oid, cipher, bits, curve))
    return out


def password_key(password: bytes, ref: int) -> bytes:
    """K = f(π): SHA-1 of the MRZ information, or the CAN's digits as they are."""
    return hashlib.sha1(password).digest() if ref == MRZ else password  # noqa: S324 - ICAO 9303


def _decrypt_nonce(info: PaceInfo, k_pi: bytes, z: bytes) -> bytes:
    if info.cipher == "3DES":
        algo: algorithms.AES | TripleDES = TripleDES(k_pi + k_pi[:8])
        iv = bytes(8)
    else:
        algo, iv = algorithms.AES(k_pi), bytes(16)
    if not z or len(z) % (8 if info.cipher == "3DES" else 16):
        raise ChipError("Số ngẫu nhiên PACE sai dạng.", "Malformed PACE nonce.")
    d = Cipher(algo, modes.CBC(iv)).decryptor()
    return d.update(z) + d.finalize()


def encrypt_nonce(info: PaceInfo, k_pi: bytes, s: bytes) -> bytes:
    if info.cipher == "3DES":
        algo: algorithms.AES | TripleDES = TripleDES(k_pi + k_pi[:8])
        iv = bytes(8)
    else:
        algo, iv = algorithms.AES(k_pi), bytes(16)
    e = Cipher(algo, modes.CBC(iv)).encryptor()
    return e.update(s) + e.finalize()


def token(info: PaceInfo, ks_mac: bytes, point: bytes) -> bytes:
    """Authentication token: MAC over the public key data object 7F49 {06 OID, 86 point}."""
    from asn1crypto import core  # type: ignore[import-untyped]

    data = encode(
        0x7F49, encode(0x06, core.ObjectIdentifier(info.oid).contents) + encode(0x86, point)
    )
    if info.cipher == "3DES":
        return retail_mac(ks_mac, pad(data))
    c = cmac.CMAC(algorithms.AES(ks_mac))
    c.update(data)
    return c.finalize()[:8]


def _ga(transmit: Transmit, tag: int, data: bytes, last: bool = False) -> bytes:
    body = encode(0x7C, encode(tag, data) if tag else b"")
    cla = 0x00 if last else 0x10
    resp = transmit(bytes([cla, 0x86, 0x00, 0x00, len(body)]) + body + b"\x00")
    sw = int.from_bytes(resp[-2:], "big") if len(resp) >= 2 else 0
    if sw != 0x9000:
        raise PaceError(
            "Chip từ chối khóa truy cập (PACE): số giấy tờ, ngày sinh, ngày hết hạn hoặc số CAN "
            f"không khớp với thẻ (SW {sw:04X}). Kiểm tra lại; trạm không tự thử lại.",
            "The chip refused the access key (PACE): the document number, dates or CAN do not "
            f"match the card (SW {sw:04X}). Check them; the station does not retry by itself.",
            field="mrz",
        )
    outer = parse_single(resp[:-2])
    if outer.tag != 0x7C:
        raise ChipError("Câu trả lời PACE sai dạng.", "Malformed PACE answer.")
    items = outer.children()
    return items[0].value if items else b""


def perform_pace(transmit: Transmit, info: PaceInfo, password: bytes, ref: int) -> SecureMessaging:
    """MSE:Set AT, then the four GENERAL AUTHENTICATE steps; the new secure messaging."""
    from asn1crypto import core

    oid = core.ObjectIdentifier(info.oid).contents
    mse = (
        encode(0x80, oid) + encode(0x83, bytes([ref])) + encode(0x84, bytes([info.curve.param_id]))
    )
    resp = transmit(bytes([0x00, 0x22, 0xC1, 0xA4, len(mse)]) + mse)
    if resp[-2:] != b"\x90\x00":
        raise ChipError(
            f"Chip không nhận tham số PACE (SW {resp[-2:].hex().upper()}).",
            f"The chip refused the PACE parameters (SW {resp[-2:].hex().upper()}).",
        )
    curve = info.curve
    k_pi = kdf(password_key(password, ref), 3, info.cipher, info.key_bits)
    s = int.from_bytes(_decrypt_nonce(info, k_pi, _ga(transmit, 0, b"")), "big")
    # generic mapping: G' = s·G + SK_map·PK_map_chip
    sk_map, pk_map = curve.keypair()
    chip_map = curve.decode(_ga(transmit, 0x81, curve.encode(pk_map)))
    h = curve.mul(sk_map, chip_map)
    g2 = curve.add(curve.mul(s, curve.g), h)
    if g2 is None:
        raise ChipError("Ánh xạ PACE sai.", "PACE mapping failed.")
    sk_eph, pk_eph = curve.keypair(g2)
    chip_eph_bytes = _ga(transmit, 0x83, curve.encode(pk_eph))
    chip_eph = curve.decode(chip_eph_bytes)
    if chip_eph == pk_eph:
        raise ChipError("Khóa tạm của chip trùng khóa của trạm.", "The chip echoed our key.")
    shared = curve.mul(sk_eph, chip_eph)
    if shared is None:
        raise ChipError("Khóa chung PACE sai.", "PACE shared secret failed.")
    secret = shared[0].to_bytes(curve.size, "big")
    sm = session(info.cipher, secret, info.key_bits)
    t_chip = _ga(transmit, 0x85, token(info, sm.ks_mac, chip_eph_bytes), last=True)
    if not hmac.compare_digest(t_chip, token(info, sm.ks_mac, curve.encode(pk_eph))):
        raise PaceError(
            "Mã xác thực PACE của chip sai.", "The chip's PACE authentication token is wrong."
        )
    return sm
