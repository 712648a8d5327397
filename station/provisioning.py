"""Provisioning: the receiver's key set, the bundle a station is made from, and ``init``.

A provisioning bundle is public JSON: the receiver's pinned public keys (HPKE encryption key,
Ed25519 receipt-signing key) and the recovery public key of the district office. The matching
private keys stay with the receiver and the office; ``generate_receiver_keyset`` makes a set for
development and tests.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from station import audit, crypto, validate
from station.clock import Clock, SystemClock, iso
from station.db import Store
from station.errors import StoreError, ValidationError
from station.fsutil import atomic_write, fsync_dir
from station.keyslots import KeySlots, SlotFile
from station.lifecycle import SYSTEM, Role
from station.models import Operator, ReceiverKey, Station
from station.paths import StationPaths

BUNDLE_FORMAT = "intake-station/provisioning-bundle"
RECEIVER_KEYS_FORMAT = "intake-station/receiver-keys"
RECOVERY_KEY_FORMAT = "intake-station/recovery-key"
ED25519 = "Ed25519"

#: Default Argon2id cost of key slots: 64 MiB, 3 passes, 4 lanes (about 0.1 s here).
DEFAULT_KDF_COST = (65536, 3, 4)


def key_id(public_key_b64: str) -> str:
    return hashlib.sha256(crypto.b64d(public_key_b64)).hexdigest()[:16]


@dataclass(frozen=True)
class PinnedKey:
    purpose: str  # "encryption" | "signing"
    algorithm: str
    public_key: str

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)


@dataclass(frozen=True)
class Bundle:
    receiver_keys: list[PinnedKey]
    recovery_public_key: str
    receiver_url: str | None = None
    #: The receiver's TLS certificate (PEM), pinned by the station: it trusts no other.
    receiver_tls_cert: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: CA certificates (PEM) that SBI devices' signing certificates must chain to.
    device_trust_anchors: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        doc = {
            "format": BUNDLE_FORMAT,
            "version": 1,
            "receiver": {
                "url": self.receiver_url,
                "tls_cert": self.receiver_tls_cert,
                "keys": [
                    {
                        "key_id": k.key_id,
                        "purpose": k.purpose,
                        "algorithm": k.algorithm,
                        "public_key": k.public_key,
                    }
                    for k in self.receiver_keys
                ],
            },
            "recovery": {"algorithm": crypto.HPKE_SUITE_ID, "public_key": self.recovery_public_key},
        }
        if self.device_trust_anchors:
            doc["devices"] = {"sbi_trust_anchors": self.device_trust_anchors}
        return json.dumps(doc, indent=2).encode("utf-8")

    @classmethod
    def load(cls, path: Path) -> Bundle:
        try:
            doc = json.loads(path.read_bytes())
            if doc.get("format") != BUNDLE_FORMAT or doc.get("version") != 1:
                raise ValueError("unknown format")
            keys = []
            for k in doc["receiver"]["keys"]:
                pinned = PinnedKey(k["purpose"], k["algorithm"], k["public_key"])
                _check_key(pinned)
                if k.get("key_id") not in (None, pinned.key_id):
                    raise ValueError("key id does not match its key")
                keys.append(pinned)
            purposes = {k.purpose for k in keys}
            if not {"encryption", "signing"} <= purposes:
                raise ValueError("an encryption key and a signing key are both required")
            recovery = doc["recovery"]["public_key"]
            crypto.HpkePublicKey.decode(recovery)
            cert = doc["receiver"].get("tls_cert")
            if cert is not None:
                x509.load_pem_x509_certificate(cert.encode("ascii"))
            anchors = (doc.get("devices") or {}).get("sbi_trust_anchors") or []
            for pem in anchors:
                x509.load_pem_x509_certificate(pem.encode("ascii"))
            return cls(
                keys, recovery, doc["receiver"].get("url"), cert, device_trust_anchors=anchors
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValidationError(
                f"Gói khởi tạo {path}: không đọc được hoặc sai định dạng ({exc}).",
                f"Provisioning bundle {path}: unreadable or malformed ({exc}).",
                field="bundle",
            ) from exc


def _check_key(key: PinnedKey) -> None:
    if key.purpose == "encryption" and key.algorithm == crypto.HPKE_SUITE_ID:
        crypto.HpkePublicKey.decode(key.public_key)
    elif key.purpose == "signing" and key.algorithm == ED25519:
        crypto.ed25519_decode_public(key.public_key)
    else:
        raise ValueError(f"unsupported key {key.purpose}/{key.algorithm}")


def make_tls_certificate(hosts: list[str], days: int = 3650) -> tuple[bytes, bytes]:
    """A self-signed ECDSA P-256 certificate for ``hosts`` (names or IP addresses): (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    alt: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt.append(x509.DNSName(host))
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def generate_receiver_keyset(
    out_dir: Path,
    receiver_url: str | None = None,
    tls_hosts: list[str] | None = None,
) -> dict[str, Path]:
    """Write a development key set: receiver private keys and TLS certificate, recovery private
    key, and the bundle that pins their public halves."""
    out_dir.mkdir(parents=True, exist_ok=True)
    hosts = list(tls_hosts or ["localhost", "127.0.0.1"])
    url_host = urlsplit(receiver_url).hostname if receiver_url else None
    if url_host and url_host not in hosts:
        hosts.insert(0, url_host)  # the address stations use must be in the certificate
    cert_pem, tls_key_pem = make_tls_certificate(hosts)
    enc = crypto.HpkePrivateKey.generate()
    sign = crypto.ed25519_generate()
    recovery = crypto.HpkePrivateKey.generate()
    bundle = Bundle(
        receiver_keys=[
            PinnedKey("encryption", crypto.HPKE_SUITE_ID, enc.public_key().encode()),
            PinnedKey("signing", ED25519, crypto.b64e(crypto.ed25519_public(sign))),
        ],
        recovery_public_key=recovery.public_key().encode(),
        receiver_url=receiver_url,
        receiver_tls_cert=cert_pem.decode("ascii"),
    )
    files = {
        "tls_cert": out_dir / "receiver-tls.pem",
        "tls_key": out_dir / "receiver-tls.key",
        "receiver_keys": out_dir / "receiver-keys.json",
        "recovery_key": out_dir / "recovery-key.json",
        "bundle": out_dir / "provisioning-bundle.json",
    }
    receiver_doc = {
        "format": RECEIVER_KEYS_FORMAT,
        "version": 1,
        "encryption": {"algorithm": crypto.HPKE_SUITE_ID, "private_key": enc.encode()},
        "signing": {"algorithm": ED25519, "private_key": crypto.b64e(sign)},
    }
    recovery_doc = {
        "format": RECOVERY_KEY_FORMAT,
        "version": 1,
        "algorithm": crypto.HPKE_SUITE_ID,
        "private_key": recovery.encode(),
    }
    atomic_write(files["tls_cert"], cert_pem, 0o644)
    atomic_write(files["tls_key"], tls_key_pem, 0o600)
    atomic_write(files["receiver_keys"], json.dumps(receiver_doc, indent=2).encode(), 0o600)
    atomic_write(files["recovery_key"], json.dumps(recovery_doc, indent=2).encode(), 0o600)
    atomic_write(files["bundle"], bundle.to_json(), 0o644)
    return files


def load_recovery_key(path: Path) -> crypto.HpkePrivateKey:
    try:
        doc = json.loads(path.read_bytes())
        if doc.get("format") != RECOVERY_KEY_FORMAT:
            raise ValueError("not a recovery key file")
        return crypto.HpkePrivateKey.decode(doc["private_key"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(
            f"Tệp khóa khôi phục {path}: không đọc được hoặc sai định dạng.",
            f"Recovery key file {path}: unreadable or malformed.",
            field="recovery_key",
        ) from exc


@dataclass(frozen=True)
class InitRequest:
    bundle: Bundle
    admin_id: str
    admin_name: str
    admin_password: str
    station_code: str
    station_name: str
    demo: bool = False
    kdf_cost: tuple[int, int, int] = DEFAULT_KDF_COST
    settings: dict[str, Any] = field(default_factory=dict)


def init_station(paths: StationPaths, req: InitRequest, clock: Clock | None = None) -> str:
    """Create a station in ``paths.root``; returns the new station id.

    Everything is built in a temporary folder beside the store folder and renamed into place in
    one step, so a crash leaves either no station or a whole one.
    """
    clock = clock or SystemClock()
    admin_id = validate.operator_id(req.admin_id)
    admin_name = validate.person_name(req.admin_name)
    code = validate.station_code(req.station_code)
    admin_password = validate.password(req.admin_password, operator_id=admin_id, station_code=code)
    name = validate.short_text(req.station_name, "station_name", "Tên trạm", "Station name", 200)
    memory_kib, iterations, lanes = req.kdf_cost
    if memory_kib < 8 * lanes or iterations < 1 or lanes < 1:
        raise ValidationError(
            "Tham số Argon2id không hợp lệ.", "Invalid Argon2id parameters.", field="kdf"
        )

    if paths.store_dir.exists():
        raise StoreError(
            f"Đã có trạm tại {paths.store_dir}; không khởi tạo đè lên.",
            f"A station already exists at {paths.store_dir}; refusing to overwrite it.",
        )
    paths.root.mkdir(parents=True, exist_ok=True)
    for leftover in paths.root.glob(".provisioning-*"):
        shutil.rmtree(leftover)  # an earlier init that died before its rename
    tmp = paths.root / f".provisioning-{uuid.uuid4().hex}"
    tmp.mkdir(mode=0o700)
    tmp_paths = StationPaths(paths.root, store_dir_name=tmp.name)

    station_id = str(uuid.uuid4())
    db_key = crypto.random_key()
    now = clock.now()
    tmp_paths.database.touch(mode=0o600)
    store = Store(tmp_paths.database, db_key)
    try:
        store.migrate()
        signing_key = crypto.ed25519_generate()
        with store.write() as s:
            s.add(
                Station(
                    id=station_id,
                    code=code,
                    name=name,
                    created_at=iso(now),
                    demo=req.demo,
                    signing_key=signing_key,
                    recovery_public_key=req.bundle.recovery_public_key,
                    settings_json=json.dumps(
                        {
                            "receiver_url": req.bundle.receiver_url,
                            "receiver_tls_cert": req.bundle.receiver_tls_cert,
                            "device_trust": {
                                "anchors": req.bundle.device_trust_anchors,
                                "allow_untrusted": False,
                            },
                            **req.settings,
                        }
                    ),
                )
            )
            for key in req.bundle.receiver_keys:
                s.add(
                    ReceiverKey(
                        key_id=key.key_id,
                        purpose=key.purpose,
                        algorithm=key.algorithm,
                        public_key=key.public_key,
                        added_at=iso(now),
                        active=True,
                    )
                )
            s.add(
                Operator(
                    id=admin_id,
                    full_name=admin_name,
                    role=Role.ADMIN.value,
                    disabled=False,
                    must_change_password=False,
                    created_at=iso(now),
                    updated_at=iso(now),
                    created_by=None,
                )
            )
            audit.append(
                s,
                now,
                SYSTEM,
                "station.provisioned",
                station_id,
                {
                    "code": code,
                    "demo": req.demo,
                    "station_public_key": crypto.b64e(crypto.ed25519_public(signing_key)),
                    "receiver_keys": [k.key_id for k in req.bundle.receiver_keys],
                    "recovery_key": key_id(req.bundle.recovery_public_key),
                },
            )
            audit.append(s, now, SYSTEM, "operator.created", admin_id, {"role": "admin"})
    finally:
        store.close()

    slots = SlotFile(station_id=station_id, kdf_cost=req.kdf_cost)
    slots.operators[admin_id] = KeySlots.make_operator_slot(
        station_id, admin_id, admin_password, db_key, crypto.KdfParams.fresh(*req.kdf_cost), now
    )
    slots.recovery = KeySlots.make_recovery_slot(
        station_id, db_key, crypto.HpkePublicKey.decode(req.bundle.recovery_public_key)
    )
    atomic_write(tmp_paths.keyslots, slots.to_json())
    public = {"station_id": station_id, "code": code, "name": name, "demo": req.demo}
    atomic_write(tmp_paths.public_info, json.dumps(public, ensure_ascii=False).encode(), 0o644)
    fsync_dir(tmp)
    os.rename(tmp, paths.store_dir)
    fsync_dir(paths.root)
    return station_id
