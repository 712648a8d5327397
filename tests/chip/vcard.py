"""A virtual Vietnamese chip ID card for tests: ICAO 9303 eMRTD with BAC and secure messaging,
reached by pcscd through vsmartcard's vpcd driver (TCP port 35963).

vpcd protocol: each message is a 2-byte big-endian length, then the bytes. From vpcd: 0x00 power
off, 0x01 power on, 0x02 reset, 0x04 get ATR (answered with the ATR), otherwise a command APDU
(answered with the response APDU). Closing the socket is a card removal.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import algos, cms, core, x509  # type: ignore[import-untyped]
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from station.chip import ChipError
from station.chip.lds import DG13_OID
from station.chip.mrz import AccessKey, build_td1
from station.chip.pa import LDS_SECURITY_OBJECT, DataGroupHash, LdsSecurityObject
from station.chip.pace import PaceInfo
from station.chip.sm import SecureMessaging, bac_keys, decrypt, derive_key, encrypt, pad, retail_mac
from station.chip.tlv import encode, parse_all

VPCD_PORT = 35963
ATR = bytes.fromhex("3B8880014241434B00000000E1")  # any valid T=1 ATR
#: T=1 ATR whose historical bytes (80 73 00 00 40) announce extended Lc/Le (card capabilities)
EXT_ATR = bytes.fromhex("3B8580018073000040B7")
#: EF.ATR/INFO announcing extended lengths (7F66: max command and response 4096 bytes)
EF_ATR_EXTENDED = bytes.fromhex("7F66080202100002021000")
AID = bytes.fromhex("A0000002471001")


@dataclass
class Person:
    id_number: str = "001089012345"
    full_name: str = "Nguyễn Văn An"
    mrz_surname: str = "NGUYEN"
    mrz_given: str = "VAN AN"
    dob: str = "890215"  # YYMMDD
    dob_text: str = "15/02/1989"
    sex: str = "M"
    sex_text: str = "Nam"
    expiry: str = "340215"
    issue_text: str = "10/05/2021"
    expiry_text: str = "15/02/2034"
    hometown: str = "Xã Nam Đồng, Thành phố Hải Dương, Tỉnh Hải Dương"  # before the 2025 merger
    residence: str = "Số 12 Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Thành phố Hà Nội"
    ethnic: str = "Kinh"
    religion: str = "Không"
    nationality: str = "Việt Nam"
    marks: str = "Nốt ruồi C:1cm trên trước đầu mày trái"
    father: str = "Nguyễn Văn Bình"
    mother: str = "Trần Thị Cúc"
    spouse: str = ""
    old_id: str = "142345678"  # the 9-digit CMND, in DG13 field 16

    @property
    def document_number(self) -> str:
        return self.id_number[3:]

    def access_key(self) -> AccessKey:
        return AccessKey.make(self.id_number, self.dob, self.expiry)


def face_jpeg(target: int = 20_000) -> bytes:
    """The scikit-image astronaut, cropped to the face and JPEG-encoded to about ``target``."""
    import cv2
    from skimage import data

    img = cv2.cvtColor(
        data.astronaut()[0:300, 100:340],  # type: ignore[no-untyped-call]
        cv2.COLOR_RGB2BGR,
    )
    img = cv2.resize(img, (300, 400))
    best = b""
    for q in range(95, 10, -5):
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
        assert ok
        best = buf.tobytes()
        if len(best) <= target:
            break
    return best


def _utf8(text: str) -> bytes:
    return encode(0x0C, text.encode("utf-8"))


def _int(n: int) -> bytes:
    return encode(0x02, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big"))


def build_dg13(p: Person) -> bytes:
    fields: list[bytes] = []
    simple = {1: p.id_number, 2: p.full_name, 3: p.dob_text, 4: p.sex_text, 5: p.nationality,
              6: p.ethnic, 7: p.religion, 8: p.hometown, 9: p.residence, 10: p.marks,
              11: p.issue_text, 12: p.expiry_text}  # fmt: skip
    for n, text in simple.items():
        fields.append(encode(0x30, _int(n) + _utf8(text)))
    parents = encode(0x30, _utf8(p.father)) + encode(0x30, _utf8(p.mother))
    fields.append(encode(0x30, _int(13) + parents))
    fields.append(encode(0x30, _int(14) + _utf8(p.spouse)))
    fields.append(encode(0x30, _int(15) + encode(0x04, b"\x01\x02\x03")))  # unknown: kept raw
    if p.old_id:
        fields.append(encode(0x30, _int(16) + _utf8(p.old_id)))
    oid = core.ObjectIdentifier(DG13_OID).dump()
    body = _int(1) + oid + encode(0x31, b"".join(fields))
    return encode(0x6D, encode(0x30, body))


def build_dg2(jpeg: bytes) -> bytes:
    # ISO/IEC 19794-5 facial record: general header, one facial info block, image info, image
    record_len = 14 + 20 + 12 + len(jpeg)
    header = b"FAC\x00" + b"010\x00" + record_len.to_bytes(4, "big") + b"\x00\x01"
    facial = (20 + 12 + len(jpeg)).to_bytes(4, "big") + bytes(16)
    image_info = b"\x01\x01" + (240).to_bytes(2, "big") + (320).to_bytes(2, "big") + bytes(6)
    bdb = encode(0x5F2E, header + facial + image_info + jpeg)
    bhdt = encode(
        0xA1, encode(0x80, b"\x01\x01") + encode(0x87, b"\x01\x01") + encode(0x88, b"\x00\x08")
    )
    template = encode(0x7F60, bhdt + bdb)
    return encode(0x75, encode(0x7F61, encode(0x02, b"\x01") + template))


@dataclass
class Pki:
    csca_key: ec.EllipticCurvePrivateKey
    csca: cx509.Certificate
    ds_key: rsa.RSAPrivateKey
    ds: cx509.Certificate

    def csca_pem(self) -> bytes:
        return self.csca.public_bytes(serialization.Encoding.PEM)


def make_pki() -> Pki:
    now = datetime.now(UTC)
    csca_key = ec.generate_private_key(ec.SECP256R1())
    csca_name = cx509.Name([cx509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                            cx509.NameAttribute(NameOID.COMMON_NAME, "TEST CSCA VN")])  # fmt: skip
    csca = (
        cx509.CertificateBuilder().subject_name(csca_name).issuer_name(csca_name)
        .public_key(csca_key.public_key()).serial_number(1)
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(cx509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(csca_key, hashes.SHA256())
    )  # fmt: skip
    ds_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ds_name = cx509.Name([cx509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                          cx509.NameAttribute(NameOID.COMMON_NAME, "TEST DS VN")])  # fmt: skip
    ds = (
        cx509.CertificateBuilder().subject_name(ds_name).issuer_name(csca_name)
        .public_key(ds_key.public_key()).serial_number(2)
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
        .sign(csca_key, hashes.SHA256())
    )  # fmt: skip
    return Pki(csca_key, csca, ds_key, ds)


def build_sod(groups: dict[int, bytes], pki: Pki) -> bytes:
    from cryptography.hazmat.primitives.asymmetric import padding

    lds = LdsSecurityObject({
        "version": 0,
        "hash_algorithm": {"algorithm": "sha256"},
        "data_group_hash_values": [
            DataGroupHash({"data_group_number": n,
                           "data_group_hash_value": hashlib.sha256(d).digest()})
            for n, d in sorted(groups.items())
        ],
    })  # fmt: skip
    econtent = lds.dump()
    attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": [LDS_SECURITY_OBJECT]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(econtent).digest()]}),
    ])  # fmt: skip
    signature = pki.ds_key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
    ds_cert = x509.Certificate.load(pki.ds.public_bytes(serialization.Encoding.DER))
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": ds_cert.issuer, "serial_number": ds_cert.serial_number})}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
        "signature": signature,
    })  # fmt: skip
    signed = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": LDS_SECURITY_OBJECT,
                               "content": core.ParsableOctetString(econtent)},
        "certificates": [ds_cert],
        "signer_infos": [signer],
    })  # fmt: skip
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed})
    return encode(0x77, info.dump())


#: pseudo file ids that carry the card's private keys from ``build_card`` to ``VirtualCard``
#: (never served: a clone is the same files without them)
AA_PRIVATE = 0x7FA1
CA_PRIVATE = 0x7FA2
CA_AES128 = "0.4.0.127.0.7.2.2.3.2.2"
CA_3DES = "0.4.0.127.0.7.2.2.3.2.1"
PACE_AES128 = "0.4.0.127.0.7.2.2.4.2.2"
PACE_3DES = "0.4.0.127.0.7.2.2.4.2.1"


def _seq(*items: bytes) -> bytes:
    return encode(0x30, b"".join(items))


def _oid(dotted: str) -> bytes:
    return bytes(core.ObjectIdentifier(dotted).dump())


def build_dg14(ca_key: ec.EllipticCurvePrivateKey, ca_oid: str, aa_hash_oid: str | None) -> bytes:
    """SecurityInfos: ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo (key id 1) and,
    with active authentication, ActiveAuthenticationInfo."""
    spki = ca_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    infos = [
        _seq(_oid(ca_oid), _int(1), _int(1)),
        _seq(_oid("0.4.0.127.0.7.2.2.1.2"), spki, _int(1)),
    ]
    if aa_hash_oid:
        infos.append(_seq(_oid("2.23.136.1.1.5"), _int(1), _oid(aa_hash_oid)))
    return encode(0x6E, encode(0x31, b"".join(infos)))


def card_access(pace_oid: str, param_id: int) -> bytes:
    """EF.CardAccess with one PACEInfo (version 2, standardized domain parameters)."""
    return encode(0x31, _seq(_oid(pace_oid), _int(2), _int(param_id)))


def _pkcs8(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def build_card(
    p: Person,
    pki: Pki,
    jpeg: bytes,
    tamper_dg: int | None = None,
    *,
    aa: bool = True,
    ca_oid: str | None = None,
    curve: ec.EllipticCurve | None = None,
) -> dict[int, bytes]:
    """file id -> bytes; ``tamper_dg`` alters that group after the SOD was signed. ``aa``: DG15
    holds an active-authentication key the card knows; ``ca_oid``: DG14 offers chip
    authentication with that algorithm (key on ``curve``, default P-256)."""
    mrz = build_td1(document_number=p.document_number, id_number=p.id_number,
                    date_of_birth=p.dob, sex=p.sex, date_of_expiry=p.expiry,
                    surname=p.mrz_surname, given_names=p.mrz_given)  # fmt: skip
    dg1 = encode(0x61, encode(0x5F1F, mrz.encode("ascii")))
    aa_key = ec.generate_private_key(curve or ec.SECP256R1())
    dg15 = encode(
        0x6F,
        aa_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    groups = {1: dg1, 2: build_dg2(jpeg), 13: build_dg13(p), 15: dg15}
    ca_key = None
    if ca_oid is not None:
        ca_key = ec.generate_private_key(curve or ec.SECP256R1())
        groups[14] = build_dg14(ca_key, ca_oid, "1.2.840.10045.4.3.2" if aa else None)
    sod = build_sod(groups, pki)
    if tamper_dg is not None:
        data = bytearray(groups[tamper_dg])
        data[-1] ^= 0x01
        groups[tamper_dg] = bytes(data)
    tags = bytes([0x61, 0x75, 0x6D] + ([0x6E] if 14 in groups else []) + [0x6F])
    com = encode(0x60, encode(0x5F01, b"0107") + encode(0x5F36, b"040000") + encode(0x5C, tags))
    fids = {1: 0x0101, 2: 0x0102, 13: 0x010D, 14: 0x010E, 15: 0x010F}
    files = {fids[n]: d for n, d in groups.items()}
    files[0x011E] = com
    files[0x011D] = sod
    if aa:
        files[AA_PRIVATE] = _pkcs8(aa_key)
    if ca_key is not None:
        files[CA_PRIVATE] = _pkcs8(ca_key)
    return files


class VirtualCard:
    """The card's logic: APDU in, response out."""

    def __init__(
        self,
        files: dict[int, bytes],
        key: AccessKey,
        *,
        atr: bytes = ATR,
        ef_atr: bytes | None = None,
        pace: tuple[str, int] | None = None,
        can: str | None = None,
        bac: bool = True,
        clone: bool = False,
    ) -> None:
        """``pace``: (PACE OID, parameter id) announced in EF.CardAccess; ``can``: the card
        access number PACE accepts besides the MRZ; ``bac``: BAC allowed; ``clone``: the same
        files without the private keys (the clone signs and agrees keys with keys of its own)."""
        files = dict(files)
        self.aa_key = self._key(files.pop(AA_PRIVATE, None), clone)
        self.ca_key = self._key(files.pop(CA_PRIVATE, None), clone)
        self.files = files
        self.mrz_information = key.mrz_information()
        self.pace = pace
        self.can = can
        self.bac = bac
        self.pace_attempts = 0
        self.pace_failures = 0
        self.internal_auths = 0
        self.next_sm: SecureMessaging | None = None
        self.atr = atr
        self.ef_atr = ef_atr
        self.max_le = 0  # the largest Le asked for (extended READ BINARY shows here)
        self.k_enc, self.k_mac = bac_keys(key.mrz_information())
        self.external_auth_attempts = 0
        self.apdus = 0
        self.read_binaries = 0
        self.reset()

    @staticmethod
    def _key(der: bytes | None, clone: bool) -> ec.EllipticCurvePrivateKey | None:
        if der is None:
            return None
        key = serialization.load_der_private_key(der, None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return ec.generate_private_key(key.curve) if clone else key

    def reset(self) -> None:
        self.app = False
        self.rnd_ic: bytes | None = None
        self.sm: SecureMessaging | None = None
        self.current: int | None = None
        self.pace_state: dict[str, Any] = {}

    def process(self, apdu: bytes) -> bytes:
        self.apdus += 1
        try:
            return self._process(apdu)
        except ChipError:
            self.sm = None  # any SM error ends the session, as a real card does
            return b"\x69\x88"

    def _process(self, apdu: bytes) -> bytes:
        cla, ins = apdu[0], apdu[1]
        if cla & 0x0C == 0x0C:
            if self.sm is None:
                return b"\x69\x82"
            header, data, le = self.sm.card_unwrap(apdu)
            out, sw = self._plain(header[1], header[2], header[3], data, le)
            resp = self.sm.card_wrap(out, sw)
            if self.next_sm is not None:  # chip authentication: new keys after this answer
                self.sm, self.next_sm = self.next_sm, None
            return resp
        self.sm = None
        answer = self._mf(ins, apdu)
        if answer is not None:
            return answer
        if ins == 0xA4 and apdu[2] == 0x04:
            self.app = apdu[5 : 5 + apdu[4]] == AID
            return b"\x90\x00" if self.app else b"\x6a\x82"
        if not self.app:
            return b"\x69\x85"
        if ins == 0x84 and not self.bac:
            return b"\x69\x85"
        if ins == 0x84:
            self.rnd_ic = os.urandom(8)
            return self.rnd_ic + b"\x90\x00"
        if ins == 0x82:
            return self._external_authenticate(apdu[5 : 5 + apdu[4]])
        return b"\x69\x82"  # security status not satisfied

    def _mf(self, ins: int, apdu: bytes) -> bytes | None:
        """Plain commands before the application: EF.ATR, EF.CardAccess, PACE."""
        if ins == 0xA4 and apdu[2] == 0x02 and not self.app:
            fid = apdu[5:7]
            self.current = None
            if fid == b"\x2f\x01" and self.ef_atr:
                self.current = 0x2F01
            elif fid == b"\x01\x1c" and self.pace:
                self.current = 0x011C
            return b"\x90\x00" if self.current else b"\x6a\x82"
        if ins == 0xB0 and not self.app and self.current == 0x2F01 and self.ef_atr:
            return self.ef_atr + b"\x90\x00"
        if ins == 0xB0 and not self.app and self.current == 0x011C and self.pace:
            return card_access(*self.pace) + b"\x90\x00"
        if ins == 0x22 and apdu[2:4] == b"\xc1\xa4" and self.pace:
            return self._pace_set(apdu[5 : 5 + apdu[4]])
        if ins == 0x86 and self.pace_state:
            return self._pace_step(apdu[5 : 5 + apdu[4]])
        return None

    def _external_authenticate(self, data: bytes) -> bytes:
        self.external_auth_attempts += 1
        rnd_ic, self.rnd_ic = self.rnd_ic, None
        if rnd_ic is None or len(data) != 40:
            return b"\x69\x85"
        e_ifd, m_ifd = data[:32], data[32:]
        if retail_mac(self.k_mac, pad(e_ifd)) != m_ifd:
            return b"\x63\x00"
        plain = decrypt(self.k_enc, e_ifd)
        if plain[8:16] != rnd_ic:
            return b"\x63\x00"
        rnd_ifd, k_ifd = plain[:8], plain[16:32]
        k_ic = os.urandom(16)
        e_ic = encrypt(self.k_enc, rnd_ic + rnd_ifd + k_ic)
        seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
        self.sm = SecureMessaging(
            derive_key(seed, 1), derive_key(seed, 2), rnd_ic[4:] + rnd_ifd[4:]
        )
        return e_ic + retail_mac(self.k_mac, pad(e_ic)) + b"\x90\x00"

    def _plain(self, ins: int, p1: int, p2: int, data: bytes, le: int | None) -> tuple[bytes, int]:
        if ins == 0xA4 and p1 == 0x04:  # after PACE the application is selected under SM
            self.app = data == AID
            return b"", 0x9000 if self.app else 0x6A82
        if ins == 0x88:
            return self._internal_authenticate(data)
        if ins == 0x22 and p1 == 0x41 and p2 == 0xA6:  # CA with 3DES: MSE:Set KAT
            items = {i.tag: i.value for i in parse_all(data)}
            return self._chip_authenticate(items.get(0x91, b""), CA_3DES)
        if ins == 0x22 and p1 == 0x41 and p2 == 0xA4:  # CA with AES: MSE:Set AT
            items = {i.tag: i.value for i in parse_all(data)}
            self.ca_oid = core.ObjectIdentifier.load(encode(0x06, items.get(0x80, b""))).dotted
            return b"", 0x9000
        if ins == 0x86 and self.sm is not None:  # CA: GENERAL AUTHENTICATE
            inner = parse_all(parse_all(data)[0].value)
            return self._chip_authenticate(inner[0].value if inner else b"", self.ca_oid)
        if ins == 0xA4 and p1 == 0x02:
            fid = int.from_bytes(data, "big")
            if fid not in self.files:
                return b"", 0x6A82
            self.current = fid
            return b"", 0x9000
        if ins == 0xB0:
            self.read_binaries += 1
            if self.current is None:
                return b"", 0x6986
            offset = (p1 << 8) | p2
            content = self.files[self.current]
            if offset > len(content):
                return b"", 0x6B00
            n = 256 if le == 0 or le is None else le
            self.max_le = max(self.max_le, n)
            return content[offset : offset + n], 0x9000
        return b"", 0x6D00

    # --- chip and active authentication, PACE (card side) -------------------------------------

    ca_oid = CA_AES128

    def _internal_authenticate(self, challenge: bytes) -> tuple[bytes, int]:
        self.internal_auths += 1
        if self.aa_key is None:
            return b"", 0x6D00
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s_ = decode_dss_signature(self.aa_key.sign(challenge, ec.ECDSA(hashes.SHA256())))
        size = (self.aa_key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s_.to_bytes(size, "big"), 0x9000

    def _chip_authenticate(self, point: bytes, oid: str) -> tuple[bytes, int]:
        from station.chip.auth import cipher_of
        from station.chip.sm import session

        if self.ca_key is None or not point:
            return b"", 0x6A80
        try:
            peer = ec.EllipticCurvePublicKey.from_encoded_point(self.ca_key.curve, point)
        except ValueError:
            return b"", 0x6A80
        secret = self.ca_key.exchange(ec.ECDH(), peer)
        cipher, bits = cipher_of(oid)
        self.next_sm = session(cipher, secret, bits)
        return (encode(0x7C, b"") if oid != CA_3DES else b""), 0x9000

    def _pace_info(self) -> PaceInfo:
        from station.chip import ec as sec
        from station.chip.auth import cipher_of

        assert self.pace is not None
        oid, param_id = self.pace
        cipher, bits = cipher_of(oid)
        return PaceInfo(oid, cipher, bits, sec.BY_PARAM_ID[param_id])

    def _pace_set(self, data: bytes) -> bytes:
        items = {i.tag: i.value for i in parse_all(data)}
        ref = items.get(0x83, b"\x00")[0]
        if (ref == 2 and self.can is None) or ref not in (1, 2):
            return b"\x6a\x88"
        self.pace_attempts += 1
        password = self.mrz_information if ref == 1 else (self.can or "").encode("ascii")
        self.pace_state = {"step": 1, "ref": ref, "password": password}
        return b"\x90\x00"

    def _pace_step(self, data: bytes) -> bytes:
        from station.chip.pace import encrypt_nonce, password_key, token
        from station.chip.sm import kdf, session

        info = self._pace_info()
        curve = info.curve
        st = self.pace_state
        inner = parse_all(parse_all(data)[0].value) if data else []
        value = inner[0].value if inner else b""
        step = st["step"]
        if step == 1:
            k_pi = kdf(password_key(st["password"], st["ref"]), 3, info.cipher, info.key_bits)
            s = os.urandom(16)
            st["s"] = int.from_bytes(s, "big")
            st["step"] = 2
            return encode(0x7C, encode(0x80, encrypt_nonce(info, k_pi, s))) + b"\x90\x00"
        if step == 2:
            pcd_map = curve.decode(value)
            sk, pk = curve.keypair()
            h = curve.mul(sk, pcd_map)
            st["g2"] = curve.add(curve.mul(st["s"], curve.g), h)
            st["step"] = 3
            return encode(0x7C, encode(0x82, curve.encode(pk))) + b"\x90\x00"
        if step == 3:
            st["pcd_eph"] = value
            pcd_eph = curve.decode(value)
            sk, pk = curve.keypair(st["g2"])
            shared = curve.mul(sk, pcd_eph)
            assert shared is not None  # a point at infinity is no shared secret
            st["picc_eph"] = curve.encode(pk)
            st["secret"] = shared[0].to_bytes(curve.size, "big")
            st["step"] = 4
            return encode(0x7C, encode(0x84, st["picc_eph"])) + b"\x90\x00"
        sm = session(info.cipher, st["secret"], info.key_bits)
        self.pace_state = {}
        if value != token(info, sm.ks_mac, st["picc_eph"]):
            self.pace_failures += 1
            return b"\x63\x00"
        reply = token(info, sm.ks_mac, st["pcd_eph"])
        self.sm = sm
        return encode(0x7C, encode(0x86, reply)) + b"\x90\x00"


class VpcdCard:
    """Connects a :class:`VirtualCard` to vpcd; ``remove()``/``insert()`` pull and put back the
    card; ``pull_after(n)`` pulls it out at the n-th READ BINARY from now, before answering."""

    def __init__(self, card: VirtualCard, port: int = VPCD_PORT) -> None:
        self.card = card
        self.port = port
        self.pull_after_reads: int | None = None
        self.freeze_after_apdus: int | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.errors: list[BaseException] = []

    def pull_after(self, reads: int) -> None:
        self.pull_after_reads = self.card.read_binaries + reads

    def freeze_after(self, apdus: int) -> None:
        """From the n-th APDU from now on, the card stays on the reader and never answers."""
        self.freeze_after_apdus = self.card.apdus + apdus

    def insert(self) -> None:
        self._wait_reader_empty()
        self.card.reset()
        self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.settimeout(None)
        self._thread = threading.Thread(target=self._serve, args=(self._sock,), daemon=True)
        self._thread.start()

    def _wait_reader_empty(self, timeout: float = 5.0) -> None:
        """pcscd notices a card leaving a moment after its socket closes: a card put on before
        that would be seen pulled out in the middle of its first read."""
        from station.devices.cardreader import CardReader

        name = f"Virtual PCD 00 {self.port - VPCD_PORT:02d}"
        CardReader(name).wait_for_removal(timeout)

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _recv(self, sock: socket.socket, n: int) -> bytes | None:
        buf = io.BytesIO()
        while buf.tell() < n:
            # vpcd writes the length and the APDU separately: acknowledge at once, or Nagle on its
            # side and delayed ACK on ours cost 40 ms per APDU
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = sock.recv(n - buf.tell())
            if not chunk:
                return None
            buf.write(chunk)
        return buf.getvalue()

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                head = self._recv(sock, 2)
                if head is None:
                    return
                msg = self._recv(sock, int.from_bytes(head, "big"))
                if msg is None:
                    return
                if len(msg) == 1 and msg[0] in (0x00, 0x01, 0x02):
                    self.card.reset()
                    continue
                if msg == b"\x04":
                    out = self.card.atr
                elif (
                    self.freeze_after_apdus is not None
                    and self.card.apdus + 1 >= self.freeze_after_apdus
                ):
                    continue  # a frozen chip: the command is swallowed, nothing comes back
                else:
                    out = self.card.process(msg)
                    if (
                        self.pull_after_reads is not None
                        and self.card.read_binaries >= self.pull_after_reads
                    ):
                        self.pull_after_reads = None
                        sock.close()  # pulled out before answering
                        return
                sock.sendall(len(out).to_bytes(2, "big") + out)
        except OSError:
            return
        except BaseException as e:  # pragma: no cover - surfaced by the tests
            self.errors.append(e)


@dataclass
class Card:
    person: Person
    pki: Pki
    jpeg: bytes
    files: dict[int, bytes] = field(default_factory=dict)


def make_foreign_pki() -> Pki:
    """Another authority's CSCA and DS (same names as the genuine ones: only keys differ)."""
    return make_pki()


def make_master_list_signer(pki: Pki) -> tuple[ec.EllipticCurvePrivateKey, cx509.Certificate]:
    """A master-list signer certificate issued by the test CSCA."""
    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                       cx509.NameAttribute(NameOID.COMMON_NAME, "TEST MLS VN")])  # fmt: skip
    cert = (
        cx509.CertificateBuilder().subject_name(name).issuer_name(pki.csca.subject)
        .public_key(key.public_key()).serial_number(3)
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
        .sign(pki.csca_key, hashes.SHA256())
    )  # fmt: skip
    return key, cert


def build_master_list(
    certs: list[cx509.Certificate],
    signer_key: ec.EllipticCurvePrivateKey,
    signer_cert: cx509.Certificate,
) -> bytes:
    """An ICAO CSCA master list (CMS SignedData over CscaMasterList), ECDSA-SHA256 signed."""
    from station.chip.csca import MASTER_LIST_OID, CscaMasterList

    der = [x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs]
    econtent = CscaMasterList({"version": 0, "cert_list": der}).dump()
    attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": [MASTER_LIST_OID]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(econtent).digest()]}),
    ])  # fmt: skip
    signature = signer_key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
    mls = x509.Certificate.load(signer_cert.public_bytes(serialization.Encoding.DER))
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": mls.issuer, "serial_number": mls.serial_number})}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        "signature": signature,
    })  # fmt: skip
    signed = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": MASTER_LIST_OID,
                               "content": core.ParsableOctetString(econtent)},
        "certificates": [mls],
        "signer_infos": [signer],
    })  # fmt: skip
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())
