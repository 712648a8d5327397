"""The SBI client against a test SBI service on loopback (tests/sbi_server.py), over httpx."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from station.capture.fingerprint import FingerprintSession
from station.devices import DeviceError, Finger, FingerprintScanner, SilentPrompter, Slap
from station.devices.sbi import (
    DEFAULT_PORTS,
    SbiClient,
    SbiDevice,
    SbiScanner,
    b64url_decode,
    jwt_payload,
    sbi_error,
)
from sync.sbi_transport import HttpxSbiTransport
from tests.sbi_server import SbiTestServer, b64url, iso_record, sign_jwt, station_trust


@pytest.fixture
def sbi_server() -> Iterator[SbiTestServer]:
    with SbiTestServer(person_seed=31) as server:
        yield server


@pytest.fixture
def transport() -> Iterator[HttpxSbiTransport]:
    with HttpxSbiTransport() as t:
        yield t


def client_for(server: SbiTestServer, transport: HttpxSbiTransport) -> SbiClient:
    return SbiClient(transport, ports=[server.port], trust=station_trust())


def free_ports(n: int) -> list[int]:
    """Ports that nothing listens on (bound then released)."""
    ports = []
    for _ in range(n):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    return ports


def test_discovery_scans_the_sbi_ports(sbi_server, transport):
    start = time.monotonic()
    devices = SbiClient(transport).discover()
    elapsed = time.monotonic() - start
    ours = [d for d in devices if d.port == sbi_server.port]
    assert len(ours) == 1
    device = ours[0]
    assert device.status == "Ready" and device.purpose == "Registration"
    assert device.sub_ids == (1, 2, 3)
    assert device.serial == "SIM0000000001" and device.make_model == "Test Slap-4"
    assert device.methods == ("MOSIPDISC", "MOSIPDINFO")
    assert sbi_server.port in DEFAULT_PORTS
    assert elapsed < 5.0
    method, path, body = sbi_server.state.requests[0]
    assert (method, path, body) == ("MOSIPDISC", "/device", {"type": "Finger"})


def test_sbi_10_methods_when_the_mds_ones_are_refused(sbi_server, transport):
    sbi_server.state.sbi10_only = True
    client = client_for(sbi_server, transport)
    (device,) = client.discover()
    assert device.methods == ("SBIDISC", "SBIINFO")
    assert client.device_info(device).status == "Ready"
    assert [r[0] for r in sbi_server.state.requests] == ["MOSIPDISC", "SBIDISC", "SBIINFO"]


def test_device_info(sbi_server, transport):
    client = client_for(sbi_server, transport)
    (device,) = client.discover()
    info = client.device_info(device)
    assert info.status == "Ready" and info.signed
    assert info.env == "Developer" and info.purpose == "Registration"
    assert info.digital_id["serialNo"] == "SIM0000000001"
    assert sbi_server.state.requests[-1][:2] == ("MOSIPDINFO", "/info")


def test_full_442_capture_through_sbi(sbi_server, transport):
    client = client_for(sbi_server, transport)
    (device,) = client.discover()
    scanner = SbiScanner(client, device)
    assert isinstance(scanner, FingerprintScanner)
    assert scanner.info.driver == "sbi" and scanner.info.details["signatures_verified"]
    session = FingerprintSession(scanner, officer_id="op1")
    session.record_exception(Finger.LEFT_LITTLE, "amputated", "Cụt ngón út trái")
    session.confirm_exception(Finger.LEFT_LITTLE, "sup1")
    prompter = SilentPrompter()
    state = session.run(prompter)
    assert state.complete, state.messages()
    results = session.finish()
    assert set(results) == set(Finger) - {Finger.LEFT_LITTLE}
    assert all(r.quality.score >= 55 and r.device_quality == 85 for r in results.values())
    requests = sbi_server.rcapture_requests()
    assert [r["bio"][0]["deviceSubId"] for r in requests] == ["2", "1", "3"]
    left = requests[1]
    assert left["purpose"] == "Registration" and left["specVersion"] == "0.9.5"
    assert left["bio"][0]["count"] == 3
    assert left["bio"][0]["exception"] == ["Left LittleFinger"]
    assert left["bio"][0]["bioSubType"] == [
        "Left IndexFinger",
        "Left MiddleFinger",
        "Left RingFinger",
    ]
    # Captures are chained: each request carries the hash of the previous answer.
    assert requests[0]["bio"][0]["previousHash"] == (
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
    )
    assert requests[1]["bio"][0]["previousHash"] == scanner.received[3].hash
    # The device's signed payload is kept as received (three-part JWS).
    assert len(scanner.received) == 9
    assert all(b.data.count(".") == 2 for b in scanner.received)
    assert "bioValue" not in scanner.received[0].payload
    thumb = results[Finger.RIGHT_THUMB]
    assert thumb.device_data is not None and thumb.device_data.count(".") == 2
    assert len(thumb.meta()["device_data_sha256"]) == 64
    assert ("Đặt hai ngón cái lên máy quét.", "Place both thumbs on the scanner.") in (
        prompter.messages
    )


@pytest.mark.parametrize("image_format", ["png", "jpeg2000", "raw", "plain_png"])
def test_image_formats_from_the_device(transport, image_format):
    with SbiTestServer(person_seed=32, image_format=image_format) as server:
        client = client_for(server, transport)
        (device,) = client.discover()
        images = SbiScanner(client, device).capture(Slap.THUMBS, [], SilentPrompter())
    assert [i.finger for i in images] == [Finger.LEFT_THUMB, Finger.RIGHT_THUMB]
    assert all(i.image.shape == (560, 460) and i.ppi == 500 for i in images)


def test_sbi_error_becomes_a_clear_device_error(sbi_server, transport):
    client = client_for(sbi_server, transport)
    (device,) = client.discover()
    scanner = SbiScanner(client, device)
    sbi_server.state.next_error = ("101", "No finger placed")
    with pytest.raises(DeviceError) as err:
        scanner.capture(Slap.RIGHT_FOUR, [], SilentPrompter())
    assert err.value.code == "sbi_101"
    assert "không nhận thấy ngón tay" in err.value.vi and "«No finger placed»" in err.value.vi
    assert "did not detect a finger" in err.value.en
    # A session does not count the failed attempt.
    session = FingerprintSession(scanner)
    sbi_server.state.next_error = ("103", "")
    with pytest.raises(DeviceError) as err:
        session.capture(Slap.RIGHT_FOUR, SilentPrompter())
    assert err.value.code == "sbi_103" and "tamper" in err.value.en
    assert session.attempts(Slap.RIGHT_FOUR) == 0
    sbi_server.state.scanner.set_condition(Finger.LEFT_INDEX, "missing")
    for finger in (Finger.LEFT_MIDDLE, Finger.LEFT_RING, Finger.LEFT_LITTLE):
        sbi_server.state.scanner.set_condition(finger, "missing")
    with pytest.raises(DeviceError) as err:
        scanner.capture(Slap.LEFT_FOUR, [], SilentPrompter())
    assert err.value.code == "sbi_101"


def test_error_codes_have_messages_in_both_languages():
    for code in ("100", "102", "104", "105", "106", "107", "108", "109", "202", "503", "999"):
        err = sbi_error(code, "info")
        assert err.vi and err.en and err.vi != err.en
        assert err.code == f"sbi_{code}"
    assert "Scanner-specific" in sbi_error("503").en


def test_no_service_means_empty_discovery_fast(transport):
    client = SbiClient(transport, ports=free_ports(20))
    start = time.monotonic()
    assert client.discover() == []
    assert time.monotonic() - start < 2.0


def test_silent_port_costs_only_the_discovery_timeout(transport):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)  # accepts connections, never answers
        client = SbiClient(transport, ports=[listener.getsockname()[1]], discovery_timeout=0.2)
        start = time.monotonic()
        assert client.discover() == []
        assert time.monotonic() - start < 1.5


def test_lost_service_during_capture(transport):
    server = SbiTestServer(person_seed=33).start()
    client = client_for(server, transport)
    (device,) = client.discover()
    server.stop()
    with pytest.raises(DeviceError) as err:
        SbiScanner(client, device).capture(Slap.THUMBS, [], SilentPrompter())
    assert err.value.code in ("sbi_unreachable", "sbi_timeout")
    assert "SBI" in err.value.en or "in time" in err.value.en


def test_transport_refuses_oversized_answers(sbi_server):
    with HttpxSbiTransport(max_bytes=10_000) as small:
        client = client_for(sbi_server, small)
        (device,) = client.discover()
        with pytest.raises(DeviceError) as err:
            SbiScanner(client, device).capture(Slap.THUMBS, [], SilentPrompter())
        assert err.value.code == "sbi_unreachable"


# --- parsing, with a fake transport -----------------------------------------------------------


class FakeTransport:
    def __init__(self, answer: object, status: int = 200) -> None:
        self.answer = answer
        self.status = status
        self.sent: list[tuple[str, str, object]] = []

    def request(self, method: str, url: str, body: bytes | None, timeout: float):
        self.sent.append((method, url, json.loads(body) if body else None))
        raw = self.answer if isinstance(self.answer, bytes) else json.dumps(self.answer).encode()
        return self.status, raw


DEVICE = SbiDevice(
    port=4501,
    device_id="1",
    status="Ready",
    certification="SBI 1.0",
    purpose="Registration",
    sub_ids=(1, 2, 3),
    spec_versions=("0.9.5",),
    callback="http://127.0.0.1:4501/",
    digital_id={},
    methods=("MOSIPDISC", "MOSIPDINFO"),
)


def capture_with(answer: object, status: int = 200) -> list:
    # Parsing only: the trust checks are tested through the test service (test_sbi_trust.py).
    client = SbiClient(FakeTransport(answer, status), trust=station_trust(allow_untrusted=True))
    return client.rcapture(
        DEVICE,
        fingers=[Finger.RIGHT_THUMB],
        exceptions=[],
        device_sub_id=3,
        timeout_s=1,
        transaction_id="tx-1",
    )


def item(payload: dict, **extra) -> dict:
    return {"specVersion": "0.9.5", "data": sign_jwt(payload), "hash": "AB", **extra}


def good_payload(**changes) -> dict:
    from station.capture import fpsynth

    img = fpsynth.impression(3, size=(200, 240))
    payload = {
        "bioType": "Finger",
        "bioSubType": "Right Thumb",
        "bioValue": b64url(iso_record(img, 1, "png")),
        "transactionId": "tx-1",
        "qualityScore": "77.5",
        "timestamp": "2026-11-23T10:00:00Z",
    }
    payload.update(changes)
    return payload


def test_capture_answer_parsing():
    (bio,) = capture_with({"biometrics": [item(good_payload())]})
    assert bio.finger is Finger.RIGHT_THUMB and bio.quality_score == 77.5
    assert bio.image.shape == (240, 200)
    # A plain (not signed) data object is accepted as well.
    (bio,) = capture_with({"biometrics": [{"data": good_payload(), "hash": ""}]})
    assert bio.finger is Finger.RIGHT_THUMB


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (b"<html>not json</html>", "sbi_bad_answer"),
        ({"nothing": []}, "sbi_bad_answer"),
        ({"biometrics": ["x"]}, "sbi_bad_answer"),
        ({"biometrics": [{"data": "a.%%%.c"}]}, "sbi_bad_answer"),
        ({"biometrics": [{"data": ""}]}, "sbi_bad_answer"),
        ({"biometrics": [item(good_payload(transactionId="other"))]}, "sbi_bad_answer"),
        ({"biometrics": [item(good_payload(bioValue=""))]}, "sbi_bad_answer"),
        ({"biometrics": [item(good_payload(bioValue="!!!not base64!!!"))]}, "sbi_bad_answer"),
        ({"biometrics": [item(good_payload(bioValue=b64url(b"FIR\x00junk")))]}, "sbi_bad_image"),
        (
            {"biometrics": [item(good_payload(bioValue=b64url(b"\x89PNG\r\n\x1a\n")))]},
            "sbi_bad_image",
        ),
        ({"error": {"errorCode": "106", "errorInfo": "gone"}}, "sbi_106"),
        (
            {"biometrics": [{"data": "", "error": {"errorCode": "502", "errorInfo": "x"}}]},
            "sbi_502",
        ),
    ],
    ids=[
        "html",
        "no-list",
        "bad-item",
        "bad-jwt",
        "no-data",
        "other-transaction",
        "no-biovalue",
        "bad-base64",
        "bad-iso",
        "bad-png",
        "top-level-error",
        "custom-error",
    ],
)
def test_bad_capture_answers_are_refused(answer, code):
    with pytest.raises(DeviceError) as err:
        capture_with(answer)
    assert err.value.code == code
    assert err.value.vi and err.value.en


def test_http_error_status_is_refused():
    with pytest.raises(DeviceError) as err:
        capture_with({"biometrics": []}, status=500)
    assert err.value.code == "sbi_bad_answer" and "500" in err.value.en


def test_jwt_helpers():
    token = sign_jwt({"a": 1})
    assert jwt_payload(token) == {"a": 1}
    assert jwt_payload(b64url(b'{"b": 2}')) == {"b": 2}
    assert b64url_decode("aGk") == b"hi" and b64url_decode("aGk=") == b"hi"
    for bad in ("a.b", "x.!!.y", b64url(b"[1, 2]")):
        with pytest.raises(ValueError):
            jwt_payload(bad)


def test_discovery_ignores_non_sbi_answers():
    for answer in (
        [{"error": {"errorCode": "503"}}],
        [{"deviceId": "1", "digitalId": b64url(json.dumps({"type": "Face"}).encode())}],
        {"not": "a list"},
        b"garbage",
    ):
        assert SbiClient(FakeTransport(answer), ports=[4501]).discover() == []


def test_registry_prefers_the_sbi_scanner_over_the_simulated_one(sbi_server):
    from station.devices import DeviceKind, SilentPrompter, Slap
    from station.devices.defaults import registry
    from sync.devices import sbi_driver

    reg = registry(
        {"fingerprint": {"sbi_ports": (sbi_server.port, sbi_server.port)}},
        extra=[sbi_driver(station_trust())],
    )
    found = reg.probe(DeviceKind.FINGERPRINT).devices
    assert [d.driver for d in found] == ["simulated", "sbi"]
    scanner = reg.open(DeviceKind.FINGERPRINT)
    assert scanner.info.driver == "sbi" and not scanner.info.simulated
    prints = scanner.capture(Slap.THUMBS, [], SilentPrompter())
    assert {p.finger.value for p in prints} == {"left_thumb", "right_thumb"}
