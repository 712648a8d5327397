"""Passive authentication (ICAO Doc 9303 part 11 §5.1, part 10 §4.6.2): EF.SOD is a CMS
SignedData over an LDSSecurityObject listing the hash of every data group.

Checked: each data group read against its hash; the messageDigest signed attribute against the
LDSSecurityObject; the signature against the document signer (DS) certificate inside the SOD;
and, when the station holds CSCA certificates, the DS certificate against one of them.
Never raises: every malformed SOD or certificate is a failed verdict.
Not checked: revocation (CRLs/master lists), certificate policies/extensions.
"""

from __future__ import annotations

import hashlib
import hmac
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import cms, core, x509  # type: ignore[import-untyped]
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.utils import CryptographyDeprecationWarning

from station.chip import ChipError
from station.chip.tlv import parse_single

LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
_HASHES = {"sha1": "sha1", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384",
           "sha512": "sha512"}  # fmt: skip


class DataGroupHash(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashes(core.SequenceOf):  # type: ignore[misc]
    _child_spec = DataGroupHash


class LdsSecurityObject(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("version", core.Integer),
        ("hash_algorithm", cms.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashes),
        ("lds_version_info", core.Any, {"optional": True}),
    ]


#: Verdict statuses, as stored with the dossier and in the packet's manifest.
OK = "ok"
CHAIN_NOT_CHECKED = "chain_not_checked"
FAILED = "failed"


@dataclass
class PassiveAuthResult:
    hashes_ok: bool = False
    bad_groups: list[int] = field(default_factory=list)
    unlisted_groups: list[int] = field(default_factory=list)
    #: data group number -> (hash algorithm, hex digest computed over what was read, matches)
    group_hashes: dict[int, tuple[str, str, bool]] = field(default_factory=dict)
    signature_ok: bool = False
    chain_checked: bool = False
    chain_ok: bool = False
    signer: str = ""
    #: the CSCA that issued the DS certificate: subject and SHA-256 fingerprint (hex)
    csca_subject: str = ""
    csca_sha256: str = ""
    #: the SOD (or a certificate inside it) could not be parsed; ``problems`` says where
    malformed: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != FAILED

    @property
    def status(self) -> str:
        """``ok`` (hashes, signature and chain to a known CSCA), ``chain_not_checked`` (no CSCA
        configured: signature only) or ``failed``."""
        if self.malformed or not self.hashes_ok or not self.signature_ok:
            return FAILED
        if not self.chain_checked:
            return CHAIN_NOT_CHECKED
        return OK if self.chain_ok else FAILED

    def to_doc(self) -> dict[str, Any]:
        """The verdict as JSON (stored with the dossier, sealed into the manifest)."""
        return {
            "status": self.status,
            "groups": {
                f"DG{n}": {"hash_algorithm": a, "digest": d, "ok": good}
                for n, (a, d, good) in sorted(self.group_hashes.items())
            },
            "bad_groups": [f"DG{n}" for n in self.bad_groups],
            "unlisted_groups": [f"DG{n}" for n in self.unlisted_groups],
            "sod_signature": "ok" if self.signature_ok else "failed",
            "document_signer": self.signer,
            "chain": ("not_checked" if not self.chain_checked
                      else "ok" if self.chain_ok else "failed"),
            "csca": {"subject": self.csca_subject, "sha256": self.csca_sha256}
            if self.csca_sha256 else None,
            "problems": [{"vi": vi, "en": en} for vi, en in self.problems],
        }  # fmt: skip

    def summary(self) -> tuple[str, str]:
        if self.malformed:
            vi, en = (
                self.problems[0]
                if self.problems
                else ("EF.SOD sai cấu trúc.", "EF.SOD is malformed.")
            )
            return (f"Xác thực thụ động THẤT BẠI: {vi}", f"Passive authentication FAILED: {en}")
        if self.bad_groups:
            groups = ", ".join(f"DG{n}" for n in self.bad_groups)
            return (
                f"Xác thực thụ động THẤT BẠI: {groups} không khớp mã băm trong EF.SOD (dữ liệu "
                "đã bị sửa).",
                f"Passive authentication FAILED: {groups} do not match their hash in EF.SOD "
                "(the data was altered).",
            )
        if self.unlisted_groups:
            groups = ", ".join(f"DG{n}" for n in self.unlisted_groups)
            return (
                f"Xác thực thụ động THẤT BẠI: EF.SOD không có mã băm của {groups}.",
                f"Passive authentication FAILED: EF.SOD holds no hash for {groups}.",
            )
        if not self.signature_ok:
            return ("Xác thực thụ động THẤT BẠI: chữ ký EF.SOD sai.",
                    "Passive authentication FAILED: the EF.SOD signature is wrong.")  # fmt: skip
        if not self.chain_checked:
            return (
                "Chữ ký hợp lệ, CHƯA kiểm tra chuỗi chứng thư (trạm chưa có chứng thư CSCA).",
                "Signature OK, chain NOT checked (the station has no CSCA certificate).",
            )
        if not self.chain_ok:
            return (
                "Xác thực thụ động THẤT BẠI: chứng thư DS không do CSCA nào của trạm cấp.",
                "Passive authentication FAILED: the DS certificate is not issued by any CSCA "
                "of the station.",
            )
        return ("Xác thực thụ động thành công (chuỗi đến CSCA đã kiểm tra).",
                "Passive authentication OK (chain to the CSCA checked).")  # fmt: skip


def _fail(vi: str, en: str) -> ChipError:
    return ChipError(f"EF.SOD: {vi}", f"EF.SOD: {en}", field="sod")


def parse_sod(sod: bytes) -> tuple[Any, Any, LdsSecurityObject]:
    """(SignedData, SignerInfo, LDSSecurityObject) of an EF.SOD, or a clear ChipError."""
    outer = parse_single(sod)
    if outer.tag != 0x77:
        raise _fail("thẻ ngoài không phải 77.", "outer tag is not 77.")
    try:
        info = cms.ContentInfo.load(outer.value, strict=True)
        if info["content_type"].native != "signed_data":
            raise _fail("không phải SignedData.", "not a SignedData.")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != LDS_SECURITY_OBJECT:
            raise _fail(
                "nội dung không phải LDSSecurityObject.", "content is not an LDSSecurityObject."
            )
        lds = LdsSecurityObject.load(encap["content"].contents, strict=True)
        lds.native  # noqa: B018 - parses everything now, so errors surface here
        signers = signed["signer_infos"]
        if len(signers) != 1:
            raise _fail("cần đúng một SignerInfo.", "exactly one SignerInfo is expected.")
        return signed, signers[0], lds
    except ChipError:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as e:
        raise _fail(f"sai cấu trúc ASN.1 ({e}).", f"malformed ASN.1 ({e}).") from None


def _hash(name: str, data: bytes) -> bytes:
    algo = _HASHES.get(name)
    if algo is None:
        raise _fail(f"thuật toán băm {name} không hỗ trợ.", f"hash algorithm {name} unsupported.")
    return hashlib.new(algo, data).digest()


def check_signature(cert: cx509.Certificate, signer: Any, signed_bytes: bytes) -> None:
    """Check a CMS SignerInfo's signature over ``signed_bytes``; InvalidSignature if wrong."""
    key = cert.public_key()
    digest_name = signer["digest_algorithm"]["algorithm"].native
    hash_algo: hashes.HashAlgorithm = getattr(hashes, digest_name.upper())()
    sig_algo = signer["signature_algorithm"]
    signature = signer["signature"].native
    if isinstance(key, rsa.RSAPublicKey):
        if sig_algo.signature_algo == "rsassa_pss":
            params = sig_algo["parameters"]
            pss_hash = getattr(hashes, params["hash_algorithm"]["algorithm"].native.upper())()
            pad: padding.AsymmetricPadding = padding.PSS(
                padding.MGF1(pss_hash), params["salt_length"].native
            )
            hash_algo = pss_hash
        else:
            pad = padding.PKCS1v15()
        key.verify(signature, signed_bytes, pad, hash_algo)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, signed_bytes, ec.ECDSA(hash_algo))
    else:
        raise _fail("loại khóa của chứng thư DS không hỗ trợ.", "unsupported DS key type.")


def load_certificates(data: bytes) -> list[cx509.Certificate]:
    """Certificates of a PEM (one or more) or DER file; a clear ChipError when unreadable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            if b"-----BEGIN" in data:
                return list(cx509.load_pem_x509_certificates(data))
            return [cx509.load_der_x509_certificate(data)]
    except Exception as e:
        raise ChipError(
            f"Không đọc được chứng thư ({type(e).__name__}: {e}).",
            f"Cannot read the certificate ({type(e).__name__}: {e}).",
            field="csca",
        ) from None


def load_cscas(paths: list[Path]) -> list[cx509.Certificate]:
    certs: list[cx509.Certificate] = []
    for path in paths:
        certs.extend(load_certificates(path.read_bytes()))
    return certs


def fingerprint(cert: cx509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def verify(
    sod: bytes,
    groups: dict[int, bytes],
    cscas: Sequence[cx509.Certificate] | None = None,
) -> PassiveAuthResult:
    """Passive authentication of the data groups read (number -> file bytes) against EF.SOD,
    and of the SOD's document signer against ``cscas`` (none: "chain not checked").

    Never raises: a malformed SOD or certificate is a failed verdict naming the file and the
    fault (asn1crypto parses lazily and ``cryptography`` raises its own types, so everything is
    caught here).
    """
    result = PassiveAuthResult()
    try:
        _verify(result, sod, groups, list(cscas or []))
    except ChipError as e:
        result.malformed = True
        named = e.en.startswith("EF.SOD")
        result.problems.insert(
            0, (e.vi if named else f"EF.SOD: {e.vi}", e.en if named else f"EF.SOD: {e.en}")
        )
    except UnsupportedAlgorithm as e:
        result.malformed = True
        result.problems.insert(
            0, (f"EF.SOD: thuật toán không hỗ trợ ({e}).", f"EF.SOD: unsupported algorithm ({e}).")
        )
    except Exception as e:
        result.malformed = True
        result.problems.insert(
            0,
            (
                f"EF.SOD: sai cấu trúc ({type(e).__name__}: {e}).",
                f"EF.SOD: malformed ({type(e).__name__}: {e}).",
            ),
        )
    return result


def _verify(
    result: PassiveAuthResult,
    sod: bytes,
    groups: dict[int, bytes],
    cscas: list[cx509.Certificate],
) -> None:
    signed, signer, lds = parse_sod(sod)
    algo = lds["hash_algorithm"]["algorithm"].native
    listed = {int(h["data_group_number"].native): h["data_group_hash_value"].native
              for h in lds["data_group_hash_values"]}  # fmt: skip
    for number, data in sorted(groups.items()):
        expected = listed.get(number)
        computed = _hash(algo, data)
        if expected is None:
            result.unlisted_groups.append(number)
            result.group_hashes[number] = (algo, computed.hex(), False)
        else:
            good = hmac.compare_digest(computed, expected)
            result.group_hashes[number] = (algo, computed.hex(), good)
            if not good:
                result.bad_groups.append(number)
    result.hashes_ok = not result.bad_groups and not result.unlisted_groups
    certs = signed["certificates"]
    if not certs or len(certs) < 1:
        raise _fail("không có chứng thư DS trong EF.SOD.", "no DS certificate inside EF.SOD.")
    ds_asn1: x509.Certificate = certs[0].chosen
    try:
        with warnings.catch_warnings():
            # some issued DS certificates carry a negative serial number: accepted, as readers do
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            ds = cx509.load_der_x509_certificate(ds_asn1.dump())
            result.signer = ds.subject.rfc4514_string()
    except Exception as e:
        raise _fail(
            f"chứng thư DS sai cấu trúc ({type(e).__name__}: {e}).",
            f"the DS certificate is malformed ({type(e).__name__}: {e}).",
        ) from None
    econtent = signed["encap_content_info"]["content"].contents
    attrs = signer["signed_attrs"]
    try:
        if attrs:
            digest = next(
                (a["values"][0].native for a in attrs if a["type"].native == "message_digest"),
                None,
            )
            name = signer["digest_algorithm"]["algorithm"].native
            if digest is None or not hmac.compare_digest(digest, _hash(name, econtent)):
                raise InvalidSignature
            signed_bytes = b"\x31" + attrs.dump()[1:]
        else:
            signed_bytes = econtent
        check_signature(ds, signer, signed_bytes)
        result.signature_ok = True
    except InvalidSignature:
        result.problems.append(("Chữ ký EF.SOD sai.", "The EF.SOD signature is wrong."))
    if cscas:
        result.chain_checked = True
        for csca in cscas:
            try:
                ds.verify_directly_issued_by(csca)
            except Exception:  # noqa: S112 - not this CSCA (wrong name, key or type)
                continue
            # validity dates are not checked: a DS certificate outlives its signing period
            result.chain_ok = True
            result.csca_subject = csca.subject.rfc4514_string()
            result.csca_sha256 = fingerprint(csca)
            break
