"""BAC and secure messaging (ICAO Doc 9303 part 11 §4.3, §9.8; 3DES, ISO 9797-1 MAC alg. 3).

Both sides are here: the terminal side the reader uses and, for the virtual card, the helpers a
card needs (``derive_key``, ``retail_mac``, ``SecureMessaging`` works for either side: the
``card`` flag only decides which messages it wraps and which it unwraps).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from station.chip import BacError, ChipError
from station.chip.tlv import encode, parse_all

ZERO_IV = bytes(8)


def _parity(key: bytes) -> bytes:
    out = bytearray()
    for b in key:
        b &= 0xFE
        out.append(b | (bin(b).count("1") % 2 == 0))
    return bytes(out)


def derive_key(seed: bytes, counter: int) -> bytes:
    """A 16-byte 3DES key (Ka||Kb, parity adjusted) from a key seed; 1 = ENC, 2 = MAC."""
    h = hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()  # noqa: S324 - ICAO 9303
    return _parity(h[:16])


def bac_keys(mrz_information: bytes) -> tuple[bytes, bytes]:
    """(Kenc, Kmac) from the MRZ information (document number, birth, expiry + check digits)."""
    seed = hashlib.sha1(mrz_information).digest()[:16]  # noqa: S324 - ICAO 9303
    return derive_key(seed, 1), derive_key(seed, 2)


def pad(data: bytes, block: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2."""
    data += b"\x80"
    return data + bytes(-len(data) % block)


def unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise ChipError("Dữ liệu giải mã sai phần đệm.", "Decrypted data has bad padding.")
    return stripped[:-1]


def _3des(key: bytes) -> TripleDES:
    return TripleDES(key + key[:8] if len(key) == 16 else key)


def encrypt(key: bytes, data: bytes) -> bytes:
    enc = Cipher(_3des(key), modes.CBC(ZERO_IV)).encryptor()
    return enc.update(data) + enc.finalize()


def decrypt(key: bytes, data: bytes) -> bytes:
    if len(data) % 8:
        raise ChipError("Dữ liệu mã hóa sai độ dài.", "Encrypted data has a bad length.")
    dec = Cipher(_3des(key), modes.CBC(ZERO_IV)).decryptor()
    return dec.update(data) + dec.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (DES-CBC with Ka, then 3DES on the last block); ``data``
    must already be padded."""
    single = Cipher(TripleDES(key[:8] * 3), modes.CBC(ZERO_IV)).encryptor()
    chained = single.update(data) + single.finalize()
    return _alg3_final(key, chained[-8:])


def _alg3_final(key: bytes, block: bytes) -> bytes:
    ka, kb = key[:8], key[8:16]
    d = Cipher(TripleDES(kb * 3), modes.ECB()).decryptor()  # noqa: S305
    mid = d.update(block) + d.finalize()
    e = Cipher(TripleDES(ka * 3), modes.ECB()).encryptor()  # noqa: S305
    return e.update(mid) + e.finalize()


class SecureMessaging:
    """Session keys and the send sequence counter; wraps and unwraps APDUs. This class is the
    3DES flavour (BAC, and PACE/CA negotiated with 3DES); :class:`AesSecureMessaging` the AES
    one (part 11 §9.8.6.2: IV = E(KSenc, SSC), CMAC truncated to 8 bytes, 16-byte SSC)."""

    block = 8
    name = "3DES"

    def __init__(self, ks_enc: bytes, ks_mac: bytes, ssc: bytes) -> None:
        self.ks_enc = ks_enc
        self.ks_mac = ks_mac
        self.ssc = int.from_bytes(ssc, "big")
        self._ssc_bytes = b""

    def _next(self) -> bytes:
        self.ssc = (self.ssc + 1) % (1 << (8 * self.block))
        self._ssc_bytes = self.ssc.to_bytes(self.block, "big")
        return self._ssc_bytes

    def mac(self, data: bytes) -> bytes:
        return retail_mac(self.ks_mac, pad(data))

    def encrypt(self, data: bytes) -> bytes:
        return encrypt(self.ks_enc, data)

    def decrypt(self, data: bytes) -> bytes:
        return decrypt(self.ks_enc, data)

    # --- terminal side ----------------------------------------------------------------------

    def wrap(
        self,
        cla: int,
        ins: int,
        p1: int,
        p2: int,
        data: bytes,
        le: int | None,
        extended: bool = False,
    ) -> bytes:
        """The protected command APDU for a plain command: short lengths, or extended ones
        (Lc on 3 bytes, Le on 2, DO'97' on 2 bytes) when ``extended`` or the sizes need it."""
        header = bytes([cla | 0x0C, ins, p1, p2])
        ssc = self._next()  # first: the AES IV is the encrypted SSC of this command
        body = b""
        if data:
            body += encode(0x87, b"\x01" + self.encrypt(pad(data, self.block)))
        long_le = le is not None and le > 256
        if le is not None:
            body += encode(
                0x97, (le & 0xFFFF).to_bytes(2, "big") if long_le else bytes([le & 0xFF])
            )
        cc = self.mac(ssc + pad(header, self.block) + body)
        body += encode(0x8E, cc)
        if extended or long_le or len(body) > 255:
            return header + b"\x00" + len(body).to_bytes(2, "big") + body + b"\x00\x00"
        return header + bytes([len(body)]) + body + b"\x00"

    def unwrap(self, response: bytes) -> tuple[bytes, int]:
        """(plain data, status word) of a protected response; the MAC is checked first."""
        ssc = self._next()
        if len(response) < 2:
            raise ChipError("Chip trả lời quá ngắn.", "The chip's answer is too short.")
        body, sw = response[:-2], int.from_bytes(response[-2:], "big")
        if not body:
            # an error answered without secure messaging (e.g. 6A82 file not found)
            return b"", sw
        items = parse_all(body)
        do87 = next((i for i in items if i.tag == 0x87), None)
        do99 = next((i for i in items if i.tag == 0x99), None)
        do8e = next((i for i in items if i.tag == 0x8E), None)
        if do8e is None or do99 is None:
            raise ChipError(
                "Câu trả lời của chip thiếu mã xác thực (DO'8E'/'99').",
                "The chip's answer lacks its authentication (DO'8E'/'99').",
            )
        signed = b"".join(encode(i.tag, i.value) for i in (do87, do99) if i is not None)
        if not hmac.compare_digest(self.mac(ssc + signed), do8e.value):
            raise ChipError(
                "Mã xác thực câu trả lời của chip sai (dữ liệu bị thay đổi trên đường truyền).",
                "The chip's answer has a wrong MAC (the data was altered in transit).",
            )
        data = b""
        if do87 is not None:
            if not do87.value or do87.value[0] != 1:
                raise ChipError("DO'87' sai dạng.", "Malformed DO'87'.")
            data = unpad(self.decrypt(do87.value[1:]))
        return data, int.from_bytes(do99.value, "big")

    # --- card side (the virtual card) ----------------------------------------------------------

    def card_unwrap(self, apdu: bytes) -> tuple[bytes, bytes, int | None]:
        """(header, plain data, Le) of a protected command; ChipError on a bad MAC."""
        ssc = self._next()
        header = apdu[:4]
        if apdu[4] == 0 and len(apdu) > 7:  # extended Lc
            lc = int.from_bytes(apdu[5:7], "big")
            body = apdu[7 : 7 + lc]
        else:
            lc = apdu[4]
            body = apdu[5 : 5 + lc]
        items = parse_all(body)
        signed = b"".join(encode(i.tag, i.value) for i in items if i.tag in (0x87, 0x97))
        do8e = next((i for i in items if i.tag == 0x8E), None)
        if do8e is None or not hmac.compare_digest(
            self.mac(ssc + pad(header, self.block) + signed), do8e.value
        ):
            raise ChipError("MAC lệnh sai.", "Bad command MAC.")
        data = b""
        le: int | None = None
        for item in items:
            if item.tag == 0x87:
                data = unpad(self.decrypt(item.value[1:]))
            elif item.tag == 0x97:
                le = int.from_bytes(item.value, "big") if item.value else 0
                if le == 0:
                    le = 65536 if len(item.value) == 2 else 256
        return header, data, le

    def card_wrap(self, data: bytes, sw: int) -> bytes:
        ssc = self._next()
        body = b""
        if data:
            body += encode(0x87, b"\x01" + self.encrypt(pad(data, self.block)))
        body += encode(0x99, sw.to_bytes(2, "big"))
        return body + encode(0x8E, self.mac(ssc + body)) + sw.to_bytes(2, "big")


class AesSecureMessaging(SecureMessaging):
    block = 16
    name = "AES"

    def mac(self, data: bytes) -> bytes:
        c = cmac.CMAC(algorithms.AES(self.ks_mac))
        c.update(pad(data, 16))
        return c.finalize()[:8]

    def _iv(self) -> bytes:
        e = Cipher(algorithms.AES(self.ks_enc), modes.ECB()).encryptor()  # noqa: S305 - the IV
        return e.update(self._ssc_bytes) + e.finalize()

    def encrypt(self, data: bytes) -> bytes:
        e = Cipher(algorithms.AES(self.ks_enc), modes.CBC(self._iv())).encryptor()
        return e.update(data) + e.finalize()

    def decrypt(self, data: bytes) -> bytes:
        if not data or len(data) % 16:
            raise ChipError("Dữ liệu mã hóa sai độ dài.", "Encrypted data has a bad length.")
        d = Cipher(algorithms.AES(self.ks_enc), modes.CBC(self._iv())).decryptor()
        return d.update(data) + d.finalize()


def kdf(secret: bytes, counter: int, cipher: str, key_bits: int = 128) -> bytes:
    """Part 11 §9.7.1: 3DES and AES-128 keys from SHA-1, AES-192/256 from SHA-256."""
    data = secret + counter.to_bytes(4, "big")
    if cipher == "3DES":
        return _parity(hashlib.sha1(data).digest()[:16])  # noqa: S324 - ICAO 9303
    if key_bits == 128:
        return hashlib.sha1(data).digest()[:16]  # noqa: S324 - ICAO 9303
    return hashlib.sha256(data).digest()[: key_bits // 8]


def session(cipher: str, secret: bytes, key_bits: int = 128) -> SecureMessaging:
    """Secure messaging after PACE or chip authentication: fresh keys from the shared secret,
    SSC zero."""
    k_enc, k_mac = kdf(secret, 1, cipher, key_bits), kdf(secret, 2, cipher, key_bits)
    if cipher == "3DES":
        return SecureMessaging(k_enc, k_mac, bytes(8))
    return AesSecureMessaging(k_enc, k_mac, bytes(16))


Transmit = Callable[[bytes], bytes]


def _sw(resp: bytes) -> int:
    return int.from_bytes(resp[-2:], "big") if len(resp) >= 2 else 0


def perform_bac(transmit: Transmit, mrz_information: bytes) -> SecureMessaging:
    """GET CHALLENGE, one EXTERNAL AUTHENTICATE, session keys. Never retries: a refused key
    raises :class:`BacError` at once, so a wrong MRZ cannot lock the card by repeated tries."""
    k_enc, k_mac = bac_keys(mrz_information)
    resp = transmit(bytes.fromhex("0084000008"))
    if _sw(resp) != 0x9000 or len(resp) != 10:
        raise ChipError(
            f"Chip không trả lời GET CHALLENGE (SW {_sw(resp):04X}).",
            f"The chip did not answer GET CHALLENGE (SW {_sw(resp):04X}).",
        )
    rnd_ic = resp[:8]
    rnd_ifd = os.urandom(8)
    k_ifd = os.urandom(16)
    e_ifd = encrypt(k_enc, rnd_ifd + rnd_ic + k_ifd)
    m_ifd = retail_mac(k_mac, pad(e_ifd))
    resp = transmit(bytes.fromhex("0082000028") + e_ifd + m_ifd + b"\x28")
    sw = _sw(resp)
    if sw != 0x9000 or len(resp) != 42:
        raise BacError(
            "Chip từ chối khóa truy cập (BAC): số giấy tờ, ngày sinh hoặc ngày hết hạn không "
            f"khớp với thẻ (SW {sw:04X}). Kiểm tra lại rồi thử lần nữa; trạm không tự thử lại.",
            "The chip refused the access key (BAC): the document number, date of birth or "
            f"date of expiry does not match the card (SW {sw:04X}). Check them and try again; "
            "the station does not retry by itself.",
            field="mrz",
        )
    e_ic, m_ic = resp[:32], resp[32:40]
    if not hmac.compare_digest(retail_mac(k_mac, pad(e_ic)), m_ic):
        raise BacError("MAC của chip sai khi xác thực BAC.", "The chip's BAC MAC is wrong.")
    plain = decrypt(k_enc, e_ic)
    if plain[8:16] != rnd_ifd or plain[:8] != rnd_ic:
        raise BacError(
            "Chip trả lại số ngẫu nhiên sai khi xác thực BAC.",
            "The chip returned a wrong nonce during BAC.",
        )
    seed = bytes(a ^ b for a, b in zip(k_ifd, plain[16:32], strict=True))
    return SecureMessaging(derive_key(seed, 1), derive_key(seed, 2), rnd_ic[4:] + rnd_ifd[4:])
