"""SBI device trust: signed captures accepted and recorded, bad ones refused by name and reason
(test SBI services on loopback, tests/sbi_server.py, signing with a test adopter CA)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.capture import gate
from station.devices import DeviceError, SilentPrompter, Slap
from station.devices.sbi import SbiClient, SbiScanner
from station.devices.sbi_bio import SbiIrisCamera
from station.devicetrust import DeviceTrustSettings
from station.errors import PermissionDeniedError, ValidationError
from station.models import AuditEntry
from station.provisioning import Bundle
from station.service import StationService
from sync.sbi_transport import HttpxSbiTransport
from tests.conftest import OP_PW, login
from tests.sbi_bio_server import SbiBioTestServer
from tests.sbi_server import SbiTestServer, device_pki, station_trust


@pytest.fixture(scope="module")
def sbi_server() -> Iterator[SbiTestServer]:
    with SbiTestServer(person_seed=41) as server:
        yield server


@pytest.fixture
def transport() -> Iterator[HttpxSbiTransport]:
    with HttpxSbiTransport() as t:
        yield t


def scanner_for(server: SbiTestServer, transport: HttpxSbiTransport, **trust: bool) -> SbiScanner:
    client = SbiClient(transport, ports=[server.port], trust=station_trust(**trust))
    (device,) = client.discover()
    return SbiScanner(client, device)


def test_a_signed_capture_is_accepted_and_its_device_recorded(
    sbi_server: SbiTestServer, transport: HttpxSbiTransport, admin: StationService
) -> None:
    sbi_server.state.sign_mode = "ok"
    scanner = scanner_for(sbi_server, transport)
    prints = scanner.capture(Slap.THUMBS, [], SilentPrompter())
    assert len(prints) == 2
    attestation = scanner.received[-1].attestation
    assert attestation is not None and attestation.verified
    assert attestation.issuer == "Test adopter device CA"
    # What the capture session stores with the part: the core's verdict, not the caller's.
    from station.capture.fingerprint import FingerprintSession

    session = FingerprintSession(scanner_for(sbi_server, transport), officer_id="op1")
    session.capture(Slap.THUMBS, SilentPrompter())
    result = session.results()[prints[0].finger]
    meta = result.meta()
    assert meta["device"] == {
        "make": "Test",
        "model": "Slap-4",
        "serial_no": "SIM0000000001",
        "provider": "Test provider",
        "provider_id": "test.provider",
        "signature": "verified",
        "certificate_sha256": attestation.certificate_sha256,
        "trust_anchor": "Test adopter device CA",
    }
    stored = admin.capturing.judge(
        "fingerprint", "right_thumb", result.media_type, result.encoded, meta
    )
    assert stored["device"]["signature"] == "verified"
    assert gate.for_manifest(stored)["device"] == meta["device"]  # sealed with the part
    # A caller cannot claim a device for bytes the core never checked: the claim stays a hint.
    forged = {**meta, "device_data_sha256": "0" * 64}
    stored = admin.capturing.judge(
        "fingerprint", "right_thumb", result.media_type, result.encoded, forged
    )
    assert "device" not in stored and stored["hint"]["device"]["signature"] == "verified"


@pytest.mark.parametrize(
    ("mode", "reason", "en"),
    [
        ("tampered", "bad_signature", "does not match the device certificate"),
        ("wrong_key", "bad_signature", "does not match the device certificate"),
        ("expired", "expired", "has expired"),
        ("untrusted", "untrusted", "not issued by an authority the station trusts"),
        ("unsigned", "unsigned", "not signed"),
    ],
)
def test_a_capture_that_does_not_verify_is_refused(
    sbi_server: SbiTestServer, transport: HttpxSbiTransport, mode: str, reason: str, en: str
) -> None:
    sbi_server.state.sign_mode = mode
    try:
        with pytest.raises(DeviceError) as err:
            scanner_for(sbi_server, transport).capture(Slap.THUMBS, [], SilentPrompter())
    finally:
        sbi_server.state.sign_mode = "ok"
    assert err.value.code == f"sbi_untrusted_{reason}"
    assert en in err.value.en and "Test Slap-4" in err.value.en
    assert "serial SIM0000000001" in err.value.en
    assert "Không nhận ảnh từ thiết bị Test Slap-4 (số sê-ri SIM0000000001)" in err.value.vi


def test_untrusted_devices_allowed_are_kept_and_marked(
    sbi_server: SbiTestServer, transport: HttpxSbiTransport
) -> None:
    sbi_server.state.sign_mode = "untrusted"
    try:
        scanner = scanner_for(sbi_server, transport, allow_untrusted=True)
        prints = scanner.capture(Slap.THUMBS, [], SilentPrompter())
    finally:
        sbi_server.state.sign_mode = "ok"
    assert len(prints) == 2 and not scanner.info.details["signatures_verified"]
    attestation = scanner.received[-1].attestation
    assert attestation is not None and not attestation.verified
    assert attestation.as_meta()["signature"] == "unverified"
    assert attestation.as_meta()["reason"] == "untrusted"


def test_iris_captures_are_verified_too(transport: HttpxSbiTransport) -> None:
    with SbiBioTestServer("Iris") as server:
        client = SbiClient(transport, ports=[server.port], trust=station_trust())
        (device,) = client.discover("Iris")
        assert len(SbiIrisCamera(client, device).capture(["left", "right"], SilentPrompter())) == 2
        server.state.sign_mode = "expired"
        with pytest.raises(DeviceError) as err:
            SbiIrisCamera(client, device).capture(["left"], SilentPrompter())
    assert err.value.code == "sbi_untrusted_expired" and "Test Iris-2" in err.value.en


def test_the_trust_store_and_policy_are_admin_settings_and_audited(
    staffed: StationService, tmp_path: Path
) -> None:
    trust: DeviceTrustSettings = staffed.device_trust
    assert trust.trust().anchors == () and not trust.allow_untrusted()  # strict by default
    from cryptography.hazmat.primitives.serialization import Encoding

    pki = device_pki()
    (added,) = trust.import_anchors(pki.root.public_bytes(Encoding.PEM))
    assert trust.trust().anchors == (pki.root,)
    with pytest.raises(ValidationError):
        trust.import_anchors(pki.device.public_bytes(Encoding.PEM))  # not a CA
    with pytest.raises(ValidationError):
        trust.set_allow_untrusted(True, "  ")  # a reason is required
    trust.set_allow_untrusted(True, "Máy quét thử của nhà cung cấp")
    assert trust.trust().allow_untrusted
    op = login(staffed.paths, staffed.clock, "op1", OP_PW)  # type: ignore[arg-type]
    with pytest.raises(PermissionDeniedError):
        op.device_trust.set_allow_untrusted(False, "x")
    op.close()
    trust.remove_anchor(added.sha256)
    with staffed.store.read() as s:
        entries = {
            e.action: json.loads(e.details_json)
            for e in s.query(AuditEntry).filter(AuditEntry.action.like("settings.device_trust.%"))
        }
    assert entries["settings.device_trust.allow_untrusted"] == {
        "from": False,
        "to": True,
        "reason": "Máy quét thử của nhà cung cấp",
    }
    assert entries["settings.device_trust.anchors_added"]["added"][0]["sha256"] == added.sha256
    assert entries["settings.device_trust.anchor_removed"]["sha256"] == added.sha256


def test_the_provisioning_bundle_brings_the_trust_anchors(
    keyset: dict[str, Path], tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from station.devicetrust import anchors_of

    bundle = Bundle.load(keyset["bundle"])
    pem = device_pki().root.public_bytes(Encoding.PEM).decode("ascii")
    path = tmp_path / "bundle.json"
    path.write_bytes(Bundle(**{**bundle.__dict__, "device_trust_anchors": [pem]}).to_json())
    loaded = Bundle.load(path)
    assert loaded.device_trust_anchors == [pem]
    settings = {"device_trust": {"anchors": loaded.device_trust_anchors}}
    assert anchors_of(settings) == [device_pki().root]
