"""The station's CSCA trust store: the country signing CA certificates against which passive
authentication checks the document signer of a chip (ICAO Doc 9303 part 12).

An administrator imports PEM/DER certificates or ICAO master lists (``.ml``: a CMS SignedData
whose content, OID 2.23.136.1.1.2, is ``CscaMasterList ::= SEQUENCE {version, SET OF
Certificate}``). A master list's signature is always checked against the master-list signer
certificate it carries, so a list altered after signing is refused; the signer itself counts as
*known* when it was issued by a CSCA the station already trusts, and the import report says
which case it was. Nothing is bundled: the store starts empty.
"""

from __future__ import annotations

import hashlib
import hmac
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import cms, core  # type: ignore[import-untyped]
from asn1crypto import x509 as ax509
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature
from cryptography.utils import CryptographyDeprecationWarning
from sqlalchemy import select
from sqlalchemy.orm import Session

from station import audit
from station.chip import ChipError
from station.chip.pa import check_signature, fingerprint, load_certificates
from station.errors import NotFoundError, ValidationError
from station.models import CscaCertificate

MASTER_LIST_OID = "2.23.136.1.1.2"
MASTER_LIST_OID_DER = bytes.fromhex("06066781080101 02".replace(" ", ""))
SUFFIXES = (".ml", ".pem", ".crt", ".cer", ".der")
MAX_FILE = 16 * 1024 * 1024


class CertList(core.SetOf):  # type: ignore[misc]
    _child_spec = ax509.Certificate


class CscaMasterList(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("version", core.Integer),
        ("cert_list", CertList),
    ]


@dataclass(frozen=True)
class CscaInfo:
    sha256: str
    subject: str
    not_before: str
    not_after: str
    source: str
    added_by: str = ""
    added_at: str = ""

    @classmethod
    def of(cls, row: CscaCertificate) -> CscaInfo:
        return cls(row.sha256, row.subject, row.not_before, row.not_after, row.source,
                   row.added_by, row.added_at)  # fmt: skip


@dataclass
class ImportReport:
    added: list[CscaInfo]
    already: int  # certificates the store held already
    skipped: list[tuple[str, str]]  # (vi, en) why a certificate or file was not taken
    notes: list[tuple[str, str]]  # (vi, en) about master-list signers


def _refuse(vi: str, en: str) -> ValidationError:
    return ValidationError(vi, en, field="csca")


def _is_ca(cert: cx509.Certificate) -> bool:
    try:
        bc = cert.extensions.get_extension_for_class(cx509.BasicConstraints).value
    except cx509.ExtensionNotFound:
        return False
    return bool(bc.ca)


def read_master_list(
    data: bytes, name: str, known: list[cx509.Certificate]
) -> tuple[list[cx509.Certificate], tuple[str, str]]:
    """The certificates of an ICAO master list whose signature holds, and a note on its signer.

    A list whose signature does not verify against its signer certificate, or that is not a
    master list at all, is refused with a :class:`ValidationError`.
    """
    try:
        info = cms.ContentInfo.load(data, strict=True)
        signed = info["content"]
        if info["content_type"].native != "signed_data":
            raise _refuse(f"{name}: không phải CMS SignedData.", f"{name}: not a CMS SignedData.")
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != MASTER_LIST_OID:
            raise _refuse(
                f"{name}: không phải danh sách CSCA (master list).",
                f"{name}: not an ICAO CSCA master list.",
            )
        econtent = encap["content"].contents
        mlist = CscaMasterList.load(econtent, strict=True)
        entries = [c.dump() for c in mlist["cert_list"]]
        signers = signed["signer_infos"]
        if len(signers) != 1:
            raise _refuse(f"{name}: cần đúng một chữ ký.", f"{name}: exactly one signer expected.")
        signer = signers[0]
        sid = signer["sid"]
        candidates = [c.chosen for c in signed["certificates"] or []]
        if sid.name == "issuer_and_serial_number":
            want = sid.chosen
            candidates = [
                c for c in candidates
                if c.serial_number == want["serial_number"].native and c.issuer == want["issuer"]
            ]  # fmt: skip
        if not candidates:
            raise _refuse(
                f"{name}: không có chứng thư của bên ký danh sách.",
                f"{name}: the master-list signer's certificate is missing.",
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            signer_cert = cx509.load_der_x509_certificate(candidates[0].dump())
            certs = [cx509.load_der_x509_certificate(d) for d in entries]
        _check_cms(signer_cert, signer, econtent)
    except ValidationError:
        raise
    except InvalidSignature:
        raise _refuse(
            f"{name}: chữ ký của danh sách CSCA SAI (danh sách đã bị sửa?); không nhập gì.",
            f"{name}: the master list's signature is WRONG (altered list?); nothing imported.",
        ) from None
    except ChipError as e:
        raise _refuse(f"{name}: {e.vi}", f"{name}: {e.en}") from None
    except Exception as e:  # any malformed list is a clear refusal
        raise _refuse(
            f"{name}: danh sách CSCA sai cấu trúc ({type(e).__name__}: {e}).",
            f"{name}: malformed master list ({type(e).__name__}: {e}).",
        ) from None
    issuer = next((k for k in known if _issued_by(signer_cert, k)), None)
    who = signer_cert.subject.rfc4514_string()
    if issuer is not None:
        note = (
            f"{name}: chữ ký đúng; bên ký «{who}» do CSCA đã tin cậy «"
            f"{issuer.subject.rfc4514_string()}» cấp.",
            f"{name}: signature OK; the signer '{who}' is issued by the trusted CSCA '"
            f"{issuer.subject.rfc4514_string()}'.",
        )
    else:
        note = (
            f"{name}: chữ ký khớp chứng thư bên ký «{who}» đi kèm, nhưng bên ký CHƯA được biết "
            "(không do CSCA nào của trạm cấp): kiểm tra nguồn của tệp.",
            f"{name}: the signature matches the enclosed signer certificate '{who}', but the "
            "signer is NOT known (issued by no CSCA of the station): check where the file "
            "came from.",
        )
    return certs, note


def _check_cms(cert: cx509.Certificate, signer: object, econtent: bytes) -> None:
    """The SignerInfo's messageDigest and signature; InvalidSignature when either is wrong."""
    attrs = signer["signed_attrs"]  # type: ignore[index]
    if attrs:
        digest = next(
            (a["values"][0].native for a in attrs if a["type"].native == "message_digest"), None
        )
        algo = signer["digest_algorithm"]["algorithm"].native  # type: ignore[index]
        if digest is None or not hmac.compare_digest(digest, hashlib.new(algo, econtent).digest()):
            raise InvalidSignature
        signed_bytes = b"\x31" + attrs.dump()[1:]
    else:
        signed_bytes = econtent
    check_signature(cert, signer, signed_bytes)


def _looks_like_master_list(file: Path, data: bytes) -> bool:
    return file.suffix.lower() == ".ml" or (
        data[:1] == b"\x30" and MASTER_LIST_OID_DER in data[:96]
    )


def _issued_by(cert: cx509.Certificate, issuer: cx509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not path.is_file():
        raise _refuse(f"Không có tệp «{path}».", f"No file '{path}'.")
    return [path]


def certificates(s: Session) -> list[cx509.Certificate]:
    """Every trusted CSCA certificate, for the chip reads."""
    rows = s.execute(select(CscaCertificate.der).order_by(CscaCertificate.sha256)).scalars()
    out: list[cx509.Certificate] = []
    for der in rows:
        out.extend(load_certificates(bytes(der)))
    return out


def list_all(s: Session) -> list[CscaInfo]:
    rows = s.execute(select(CscaCertificate).order_by(CscaCertificate.subject)).scalars()
    return [CscaInfo.of(r) for r in rows]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def import_path(s: Session, path: Path, actor: str, now: datetime) -> ImportReport:
    """Import a certificate file, a master list, or every such file of a folder (one
    transaction: a refused master list refuses the whole import)."""
    report = ImportReport([], 0, [], [])
    known = certificates(s)
    for file in _files(path):
        data = file.read_bytes()[: MAX_FILE + 1]
        if len(data) > MAX_FILE:
            raise _refuse(f"{file.name}: tệp quá lớn.", f"{file.name}: file too large.")
        source = file.name
        if file.suffix.lower() == ".ml" or (
            data[:1] == b"\x30" and b"\x06\x06\x67\x81\x08\x01\x01\x02" in data[:64]
        ):
            certs, note = read_master_list(data, file.name, known)
            report.notes.append(note)
            source = f"{file.name} (master list)"
        else:
            try:
                certs = load_certificates(data)
            except ChipError as e:
                raise _refuse(f"{file.name}: {e.vi}", f"{file.name}: {e.en}") from None
        for cert in certs:
            fp = fingerprint(cert)
            if not _is_ca(cert):
                report.skipped.append((
                    f"{file.name}: «{cert.subject.rfc4514_string()}» không phải chứng thư CA.",
                    f"{file.name}: '{cert.subject.rfc4514_string()}' is not a CA certificate.",
                ))  # fmt: skip
                continue
            if s.get(CscaCertificate, fp) is not None:
                report.already += 1
                continue
            from cryptography.hazmat.primitives.serialization import Encoding

            row = CscaCertificate(
                sha256=fp,
                subject=cert.subject.rfc4514_string(),
                not_before=_iso(cert.not_valid_before_utc),
                not_after=_iso(cert.not_valid_after_utc),
                der=cert.public_bytes(Encoding.DER),
                source=source,
                added_by=actor,
                added_at=_iso(now),
            )
            s.add(row)
            s.flush()
            known.append(cert)
            report.added.append(CscaInfo.of(row))
            audit.append(s, now, actor, "csca.imported", fp,
                         {"subject": row.subject, "source": source})  # fmt: skip
    return report


def remove(s: Session, sha256: str, actor: str, now: datetime) -> CscaInfo:
    """Remove one certificate by its fingerprint (or a unique prefix of at least 8 digits)."""
    key = sha256.strip().lower().replace(":", "")
    rows = [] if len(key) < 8 else list(
        s.execute(select(CscaCertificate).where(CscaCertificate.sha256.startswith(key))).scalars()
    )  # fmt: skip
    if len(rows) != 1:
        raise NotFoundError(
            f"Không có (đúng một) chứng thư CSCA «{sha256}».",
            f"No (single) CSCA certificate '{sha256}'.",
            field="csca",
        )
    info = CscaInfo.of(rows[0])
    s.delete(rows[0])
    audit.append(s, now, actor, "csca.removed", info.sha256, {"subject": info.subject})
    return info
