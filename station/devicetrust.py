"""The station's trust store for biometric devices (MOSIP SBI) and its policy, as settings.

Kept in the station's settings under ``device_trust``::

    {"anchors": ["-----BEGIN CERTIFICATE-----...", ...], "allow_untrusted": false}

``anchors`` are the certificates a device's signing certificate must chain to (the adopter's
device CA, or a device provider's CA); the provisioning bundle brings the first ones
(``devices.sbi_trust_anchors``), an admin may import more or remove one. ``allow_untrusted``
keeps captures whose signatures do not verify (marked unverified in the part meta) instead of
refusing them: for a development set-up with a vendor's test SBI only; off by default. Every
change is admin-only and audited. The checks themselves: :mod:`station.devices.sbitrust`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from station import audit
from station.devices.sbitrust import DeviceTrust
from station.errors import ValidationError
from station.lifecycle import Role
from station.models import Station

if TYPE_CHECKING:
    from station.service import StationService

SETTINGS_KEY = "device_trust"
MAX_ANCHORS = 64


@dataclass(frozen=True)
class AnchorInfo:
    sha256: str
    subject: str
    not_after: str


def _info(cert: x509.Certificate) -> AnchorInfo:
    return AnchorInfo(
        hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest(),
        cert.subject.rfc4514_string(),
        cert.not_valid_after_utc.strftime("%Y-%m-%d"),
    )


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(Encoding.PEM).decode("ascii")


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM bundle or of one DER certificate; ValidationError if none."""
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise ValidationError(
            "Tệp không chứa chứng thư X.509 đọc được (cần PEM hoặc DER).",
            "The file holds no readable X.509 certificate (PEM or DER expected).",
            field="device_trust",
        ) from exc
    return certs


def anchors_of(settings: dict[str, Any]) -> list[x509.Certificate]:
    """The trust anchors in ``settings`` (unreadable entries are skipped)."""
    value = settings.get(SETTINGS_KEY)
    pems = value.get("anchors", []) if isinstance(value, dict) else []
    out = []
    for pem in pems if isinstance(pems, list) else []:
        try:
            out.append(x509.load_pem_x509_certificate(str(pem).encode("ascii")))
        except ValueError:
            continue
    return out


def allows_untrusted(settings: dict[str, Any]) -> bool:
    value = settings.get(SETTINGS_KEY)
    return isinstance(value, dict) and value.get("allow_untrusted") is True


def initial_settings(anchor_pems: list[str]) -> dict[str, Any]:
    """The ``device_trust`` settings of a new station (provisioning): strict."""
    return {"anchors": list(anchor_pems), "allow_untrusted": False}


class DeviceTrustSettings:
    """``StationService.device_trust``: the trust the SBI drivers get, and its admin changes."""

    def __init__(self, svc: StationService) -> None:
        self._svc = svc

    def trust(self) -> DeviceTrust:
        """The trust store and policy now (read at each device opening), on the station clock."""
        settings = self._svc._settings()
        return DeviceTrust(
            anchors=tuple(anchors_of(settings)),
            allow_untrusted=allows_untrusted(settings),
            clock=self._svc.clock.now,
        )

    def anchors(self) -> list[AnchorInfo]:
        self._svc._require()
        return [_info(c) for c in anchors_of(self._svc._settings())]

    def allow_untrusted(self) -> bool:
        return allows_untrusted(self._svc._settings())

    def _write(self, action: str, details: dict[str, Any], change: Any) -> None:
        admin = self._svc._require(Role.ADMIN)
        now = self._svc.clock.now()
        with self._svc.store.write() as s:
            st = s.execute(select(Station)).scalar_one()
            settings = json.loads(st.settings_json)
            current = settings.get(SETTINGS_KEY)
            value = dict(current) if isinstance(current, dict) else initial_settings([])
            change(value)
            settings[SETTINGS_KEY] = value
            st.settings_json = json.dumps(settings)
            audit.append(s, now, admin.operator_id, f"settings.device_trust.{action}", "", details)

    def import_anchors(self, data: bytes) -> list[AnchorInfo]:
        """Add the CA certificates of a PEM/DER file to the trust store (admin, audited);
        the ones added. A certificate that is not a CA is refused."""
        certs = parse_certificates(data)
        for cert in certs:
            try:
                ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
            except x509.ExtensionNotFound:
                ca = False
            if not ca:
                raise ValidationError(
                    f"«{cert.subject.rfc4514_string()}» không phải chứng thư CA.",
                    f"'{cert.subject.rfc4514_string()}' is not a CA certificate.",
                    field="device_trust",
                )
        have = {_info(a).sha256 for a in anchors_of(self._svc._settings())}
        fresh = {_info(c).sha256: c for c in certs if _info(c).sha256 not in have}
        added = list(fresh.values())
        if len(have) + len(added) > MAX_ANCHORS:
            raise ValidationError(
                f"Quá nhiều chứng thư tin cậy (tối đa {MAX_ANCHORS}).",
                f"Too many trusted certificates (at most {MAX_ANCHORS}).",
                field="device_trust",
            )

        def add(value: dict[str, Any]) -> None:
            value["anchors"] = [*value.get("anchors", []), *(_pem(c) for c in added)]

        infos = [_info(c) for c in added]
        details = {"added": [{"sha256": i.sha256, "subject": i.subject} for i in infos]}
        self._write("anchors_added", details, add)
        return infos

    def remove_anchor(self, sha256: str) -> None:
        """Remove one trust anchor by its SHA-256 (admin, audited)."""
        known = {_info(c).sha256: c for c in anchors_of(self._svc._settings())}
        if sha256 not in known:
            raise ValidationError(
                "Không có chứng thư tin cậy này.", "No such trusted certificate.", field="sha256"
            )

        def remove(value: dict[str, Any]) -> None:
            value["anchors"] = [_pem(c) for k, c in known.items() if k != sha256]

        subject = known[sha256].subject.rfc4514_string()
        self._write("anchor_removed", {"sha256": sha256, "subject": subject}, remove)

    def set_allow_untrusted(self, allowed: bool, reason: str) -> None:
        """Keep (``True``) or refuse (``False``, the default) captures from SBI devices whose
        signatures do not verify. Admin only; audited with the reason, which is required."""
        reason = " ".join(str(reason).split())
        if not reason:
            raise ValidationError(
                "Cần ghi lý do thay đổi.", "A reason for the change is required.", field="reason"
            )
        before = self.allow_untrusted()

        def flip(value: dict[str, Any]) -> None:
            value["allow_untrusted"] = bool(allowed)

        details = {"from": before, "to": bool(allowed), "reason": reason[:500]}
        self._write("allow_untrusted", details, flip)
