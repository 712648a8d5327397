"""Device trust for MOSIP SBI devices: is this capture signed by a registered, certified device?

What the specification signs (*MOSIP Device Service Specification 0.9.5*, kept by *SBI 1.0*):

* every biometric of an ``RCAPTURE`` answer comes as ``data``, a JWS (RFC 7515, compact form)
  whose payload holds ``bioValue`` (the ISO record), ``transactionId``, ``timestamp``,
  ``digitalId``...; its header carries ``alg`` (RS256) and ``x5c``, the **device key**'s
  certificate first. The device key's certificate is issued by the device provider, whose
  certificate is issued by the adopter (the "MOSIP adopter" CA) after the model is certified;
* ``digitalId`` (make, model, serial number, provider) inside that payload is itself a JWS,
  signed by the FTM key (L1 devices) or the device key (L0), its certificate in its own ``x5c``;
* ``hash`` (outside the signature) chains the captures of a session:
  ``SHA-256(previousHash hex + SHA-256(bioValue) hex)``.

What the station checks, in :meth:`DeviceTrust.check_capture`: both JWS signatures against the
first certificate of their ``x5c``; each certificate chained, by signature, to a certificate of
the station's trust store (further ``x5c`` entries and provisioned intermediates may fill the
path; every issuer on it must be a CA); every certificate of the path valid at the station's
clock; the signed ``transactionId`` equal to the request's (an old signed capture cannot be
replayed); the signed ``digitalId`` naming the device that was asked; and the ``hash`` chain.

Policy: a capture that fails any check is refused with a :class:`DeviceError` naming the device
and the reason, unless the station allows untrusted devices (a development set-up only; an
admin setting, off by default, see ``docs/capture.md``). Then the capture is kept and its part's
meta says ``"signature": "unverified"`` with the reason.

The trust store: the provisioning bundle's ``devices.sbi_trust_anchors`` and certificates an
admin imports later (:mod:`station.devicetrust`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from station.devices import DeviceError

#: The longest certificate path followed (device key, provider, adopter, and one spare).
MAX_PATH = 5
#: ``alg`` values accepted: (hash, padding kind).
ALGORITHMS: dict[str, tuple[type[hashes.HashAlgorithm], str]] = {
    "RS256": (hashes.SHA256, "pkcs1"),
    "RS384": (hashes.SHA384, "pkcs1"),
    "RS512": (hashes.SHA512, "pkcs1"),
    "PS256": (hashes.SHA256, "pss"),
    "PS384": (hashes.SHA384, "pss"),
    "PS512": (hashes.SHA512, "pss"),
    "ES256": (hashes.SHA256, "ecdsa"),
    "ES384": (hashes.SHA384, "ecdsa"),
    "ES512": (hashes.SHA512, "ecdsa"),
}

#: Why a capture is not trusted: code -> (Vietnamese, English).
REASONS: dict[str, tuple[str, str]] = {
    "unsigned": ("dữ liệu không có chữ ký", "the data is not signed"),
    "malformed": ("chữ ký sai định dạng", "the signature is malformed"),
    "algorithm": (
        "thuật toán chữ ký không được chấp nhận",
        "the signature algorithm is not accepted",
    ),
    "no_certificate": (
        "thiếu chứng thư thiết bị (x5c)",
        "the device certificate (x5c) is missing",
    ),
    "bad_certificate": (
        "chứng thư thiết bị không đọc được",
        "the device certificate is unreadable",
    ),
    "bad_signature": (
        "chữ ký không khớp với chứng thư của thiết bị (dữ liệu bị sửa hoặc khóa khác)",
        "the signature does not match the device certificate (data altered or another key)",
    ),
    "untrusted": (
        "chứng thư thiết bị không do nơi cấp mà trạm tin cậy cấp",
        "the device certificate was not issued by an authority the station trusts",
    ),
    "expired": ("chứng thư thiết bị đã hết hạn", "the device certificate has expired"),
    "not_yet_valid": (
        "chứng thư thiết bị chưa có hiệu lực",
        "the device certificate is not yet valid",
    ),
    "transaction": (
        "mã giao dịch đã ký không khớp với yêu cầu (dữ liệu cũ phát lại?)",
        "the signed transaction id does not match the request (an old capture replayed?)",
    ),
    "wrong_device": (
        "mã định danh số đã ký nêu một thiết bị khác",
        "the signed digital id names another device",
    ),
    "hash": ("chuỗi băm của lần chụp không khớp", "the capture's hash chain does not match"),
}


def _b64url(text: str) -> bytes:
    s = "".join(text.split()).replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class TrustError(Exception):
    """One failed check: ``reason`` is a key of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class VerifiedJws:
    header: dict[str, Any]
    payload: dict[str, Any]
    chain: tuple[x509.Certificate, ...]  # leaf first, ending at the trust anchor

    @property
    def leaf_sha256(self) -> str:
        from cryptography.hazmat.primitives.serialization import Encoding

        return hashlib.sha256(self.chain[0].public_bytes(Encoding.DER)).hexdigest()


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _check_dates(cert: x509.Certificate, at: datetime) -> None:
    if at < cert.not_valid_before_utc:
        raise TrustError("not_yet_valid", _cn(cert.subject))
    if at > cert.not_valid_after_utc:
        raise TrustError("expired", f"{_cn(cert.subject)} {cert.not_valid_after_utc:%Y-%m-%d}")


def _verify_signature(cert: x509.Certificate, alg: str, signed: bytes, signature: bytes) -> None:
    hash_cls, kind = ALGORITHMS[alg]
    key = cert.public_key()
    try:
        if kind == "ecdsa":
            if not isinstance(key, ec.EllipticCurvePublicKey) or len(signature) % 2:
                raise TrustError("bad_signature")
            half = len(signature) // 2
            der = encode_dss_signature(
                int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
            )
            key.verify(der, signed, ec.ECDSA(hash_cls()))
        elif isinstance(key, rsa.RSAPublicKey):
            pad: padding.AsymmetricPadding = (
                padding.PKCS1v15()
                if kind == "pkcs1"
                else padding.PSS(
                    mgf=padding.MGF1(hash_cls()), salt_length=padding.PSS.DIGEST_LENGTH
                )
            )
            key.verify(signature, signed, pad, hash_cls())
        else:
            raise TrustError("algorithm", f"{alg} with {type(key).__name__}")
    except InvalidSignature as exc:
        raise TrustError("bad_signature") from exc


@dataclass(frozen=True)
class Attestation:
    """What the station established about one capture's device (kept in the part's meta)."""

    verified: bool
    reason: str  # "" when verified, else a key of REASONS
    make: str = ""
    model: str = ""
    serial_no: str = ""
    device_provider: str = ""
    device_provider_id: str = ""
    device_sub_type: str = ""
    certificate_sha256: str = ""  # the device key's certificate (leaf of ``data``)
    issuer: str = ""  # common name of the trust anchor the path ended at

    @classmethod
    def of(
        cls, ident: dict[str, Any], reason: str, certificate: str = "", issuer: str = ""
    ) -> Attestation:
        """From a ``digitalId`` payload; verified when there is no ``reason``."""
        return cls(
            verified=not reason,
            reason=reason,
            make=str(ident.get("make", "")),
            model=str(ident.get("model", "")),
            serial_no=str(ident.get("serialNo", "")),
            device_provider=str(ident.get("deviceProvider", "")),
            device_provider_id=str(ident.get("deviceProviderId", "")),
            device_sub_type=str(ident.get("deviceSubType", "")),
            certificate_sha256=certificate,
            issuer=issuer,
        )

    def as_meta(self) -> dict[str, Any]:
        """The part meta's ``device`` object (``docs/packet.md``)."""
        meta: dict[str, Any] = {
            "make": self.make,
            "model": self.model,
            "serial_no": self.serial_no,
            "provider": self.device_provider,
            "provider_id": self.device_provider_id,
            "signature": "verified" if self.verified else "unverified",
        }
        if self.verified:
            meta["certificate_sha256"] = self.certificate_sha256
            meta["trust_anchor"] = self.issuer
        else:
            meta["reason"] = self.reason
        return meta


def _unverified_payload(token: Any) -> dict[str, Any]:
    if isinstance(token, dict):
        return token
    if not isinstance(token, str) or not token:
        return {}
    parts = token.split(".")
    try:
        value = json.loads(_b64url(parts[1] if len(parts) == 3 else parts[0]))
    except (ValueError, IndexError, UnicodeDecodeError, binascii.Error):
        return {}
    return value if isinstance(value, dict) else {}


def refused(device_name: str, serial: str, reason: str, detail: str = "") -> DeviceError:
    """The bilingual refusal of a capture whose device cannot be trusted."""
    vi_reason, en_reason = REASONS.get(reason, (reason, reason))
    extra = f" ({detail[:120]})" if detail else ""
    return DeviceError(
        f"Không nhận ảnh từ thiết bị {device_name} (số sê-ri {serial or '?'}): "
        f"{vi_reason}{extra}. Thiết bị chưa được xác thực; báo cán bộ kỹ thuật.",
        f"Capture refused from the device {device_name} (serial {serial or '?'}): "
        f"{en_reason}{extra}. The device is not authenticated; call technical support.",
        code=f"sbi_untrusted_{reason}",
    )


@dataclass(frozen=True)
class DeviceTrust:
    """The station's trust store and policy for SBI devices.

    ``anchors``: certificates the station trusts (the adopter's CA, device provider CAs, or a
    pinned device certificate); ``intermediates``: CA certificates that may fill a path but are
    not trusted by themselves. ``allow_untrusted``: keep captures that fail the checks (marked
    unverified) instead of refusing them: a development set-up only. The default trusts nothing
    and refuses: a driver built without the station's trust store accepts no capture.
    """

    anchors: tuple[x509.Certificate, ...] = ()
    intermediates: tuple[x509.Certificate, ...] = ()
    allow_untrusted: bool = False
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), compare=False)

    # --- one JWS -------------------------------------------------------------------------------

    def verify_jws(self, token: Any) -> VerifiedJws:
        """The header and payload of ``token`` if its signature and certificate path hold."""
        if not isinstance(token, str) or token.count(".") != 2 or not token.split(".")[2]:
            raise TrustError("unsigned")
        if not token.isascii():
            raise TrustError("malformed")
        head_b64, body_b64, sig_b64 = token.split(".")
        try:
            header = json.loads(_b64url(head_b64))
            payload = json.loads(_b64url(body_b64))
            signature = _b64url(sig_b64)
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise TrustError("malformed") from exc
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise TrustError("malformed")
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise TrustError("algorithm", str(alg)[:20])
        x5c = header.get("x5c")
        if isinstance(x5c, str):
            x5c = [x5c]  # MDS 0.9.5 shows a single string
        if not isinstance(x5c, list) or not x5c or len(x5c) > MAX_PATH:
            raise TrustError("no_certificate")
        try:
            certs = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in x5c]
        except (ValueError, TypeError, binascii.Error) as exc:
            raise TrustError("bad_certificate") from exc
        signed = f"{head_b64}.{body_b64}".encode("ascii")
        try:
            _verify_signature(certs[0], str(alg), signed, signature)
            chain = self.path(certs[0], certs[1:])
        except (ValueError, TypeError) as exc:  # a certificate cryptography cannot use
            raise TrustError("bad_certificate", type(exc).__name__) from exc
        return VerifiedJws(header, payload, chain)

    def path(
        self, leaf: x509.Certificate, offered: Sequence[x509.Certificate] = ()
    ) -> tuple[x509.Certificate, ...]:
        """The path from ``leaf`` to a trust anchor, each certificate valid now; else
        TrustError (``untrusted``, ``expired``, ``not_yet_valid``)."""
        at = self.clock()
        path = [leaf]
        _check_dates(leaf, at)
        if leaf in self.anchors:
            return (leaf,)  # a pinned device certificate
        pool = [*offered, *self.intermediates]
        current = leaf
        for _ in range(MAX_PATH):
            anchor = next((a for a in self.anchors if _issued_by(current, a)), None)
            if anchor is not None:
                if not _is_ca(anchor):
                    raise TrustError("untrusted", f"{_cn(anchor.subject)} is not a CA")
                _check_dates(anchor, at)
                return (*path, anchor)
            issuer = next(
                (c for c in pool if c not in path and _is_ca(c) and _issued_by(current, c)), None
            )
            if issuer is None:
                break
            _check_dates(issuer, at)
            path.append(issuer)
            current = issuer
        raise TrustError("untrusted", _cn(current.issuer))

    # --- one capture ---------------------------------------------------------------------------

    def check_capture(
        self,
        data: Any,
        *,
        transaction_id: str,
        serials: Sequence[str],
        previous_hash: str | None = None,
        hash_value: str = "",
        bio_value: bytes | None = None,
    ) -> Attestation:
        """Check one biometric's ``data`` (see the module docstring); the :class:`Attestation`
        or :class:`TrustError`. ``serials`` are the ids the device was asked by; the hash
        chain is checked when ``previous_hash``, ``hash_value`` and ``bio_value`` are given."""
        jws = self.verify_jws(data)
        payload = jws.payload
        if str(payload.get("transactionId", "")) != transaction_id:
            raise TrustError("transaction")
        digital = self.verify_jws(payload.get("digitalId"))
        ident = digital.payload
        serial = str(ident.get("serialNo", ""))
        if not serial or serial not in {s for s in serials if s}:
            raise TrustError("wrong_device", serial[:40])
        if previous_hash is not None and bio_value is not None:
            check_hash(previous_hash, bio_value, hash_value)
        return Attestation.of(ident, "", jws.leaf_sha256, _cn(jws.chain[-1].subject))

    def attest(self, data: Any, *, device_name: str, **checks: Any) -> Attestation:
        """:meth:`check_capture` (``checks`` are its keyword arguments) under the policy: the
        attestation, an unverified one when the station allows untrusted devices, else the
        bilingual refusal (DeviceError) naming the device and the reason."""
        try:
            result = self.check_capture(data, **checks)
        except TrustError as failure:
            if not self.allow_untrusted:
                serial = next((s for s in checks.get("serials", ()) if s), "")
                raise refused(device_name, serial, failure.reason, failure.detail) from None
            ident = _unverified_payload(_unverified_payload(data).get("digitalId"))
            result = Attestation.of(ident, failure.reason)
        if isinstance(data, str):
            remember(data, result)
        return result


def check_hash(previous_hash: str, bio_value: bytes, hash_value: str) -> None:
    """``hash`` = SHA-256(previousHash + SHA-256(bioValue)), hex; devices differ in the case of
    the inner hex, so both are accepted, and the result is compared without case."""
    digest = hashlib.sha256(bio_value).hexdigest()
    wanted = hash_value.strip().lower()
    for inner in (digest.upper(), digest):
        if hashlib.sha256((previous_hash + inner).encode("ascii")).hexdigest() == wanted:
            return
    raise TrustError("hash")


# --- what the capture code records -------------------------------------------------------------

_MEMO_SIZE = 512
_memo: OrderedDict[str, Attestation] = OrderedDict()
_memo_lock = threading.Lock()


def remember(token: str, attestation: Attestation) -> None:
    """Keep the verdict on ``token`` for :func:`device_meta` (the last few hundred captures)."""
    key = hashlib.sha256(token.encode("utf-8")).hexdigest()
    with _memo_lock:
        _memo[key] = attestation
        _memo.move_to_end(key)
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)


def device_meta(token: str | None) -> dict[str, Any]:
    """The part meta of a capture's signed ``data``: its SHA-256 and, when this process checked
    it, the device's identity and the verdict (``device``)."""
    if token is None:
        return {}
    key = hashlib.sha256(token.encode("utf-8")).hexdigest()
    meta: dict[str, Any] = {"device_data_sha256": key}
    with _memo_lock:
        attestation = _memo.get(key)
    if attestation is not None:
        meta["device"] = attestation.as_meta()
    return meta


def confirm_device(meta: dict[str, Any]) -> dict[str, Any]:
    """A part's meta as the core stores it: ``device`` is the verdict this process reached on
    the capture named by ``device_data_sha256``, never the caller's claim (a claim without such
    a verdict stays under ``hint``, which never enters a packet)."""
    claimed = meta.pop("device", None)
    digest = meta.get("device_data_sha256")
    with _memo_lock:
        attestation = _memo.get(digest) if isinstance(digest, str) else None
    if attestation is not None:
        meta["device"] = attestation.as_meta()
    elif claimed is not None:
        hint = meta.get("hint")
        meta["hint"] = {**(hint if isinstance(hint, dict) else {}), "device": claimed}
    return meta
