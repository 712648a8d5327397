"""Rolled prints and irises: the station's own measures, the simulated and SBI drivers, the age
rules, exceptions, and the gate that blocks what fails (with a supervisor's accountable override).
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from station.capture import biogate, irisquality, irissynth
from station.capture.gate import GateSettings
from station.capture.iris import IrisSession
from station.capture.rolled import RolledSession
from station.devices import DeviceError, Finger, SilentPrompter
from station.devices.iris import Eye, SimulatedIrisCamera
from station.devices.rolled import SimulatedRolledScanner
from station.devices.sbi import SbiClient
from station.devices.sbi_bio import SbiIrisCamera, SbiRolledScanner, decode_iris_record
from station.errors import PermissionDeniedError, ValidationError
from station.lifecycle import State
from station.models import AuditEntry
from station.service import StationService
from sync.sbi_transport import HttpxSbiTransport
from tests.conftest import (
    ADMIN_PW,
    OP_PW,
    SUP_PW,
    FakeClock,
    capture_all,
    login,
    simulated_captures,
    valid_form,
)
from tests.sbi_bio_server import SbiBioTestServer, iso_iris_record
from tests.sbi_server import station_trust


@pytest.fixture
def op(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


@pytest.fixture
def sup(staffed: StationService, clock: FakeClock) -> StationService:
    return login(staffed.paths, clock, "sup1", SUP_PW)


def _png(image: np.ndarray) -> bytes:
    return bytes(cv2.imencode(".png", image)[1].tobytes())


# --- the station's iris measures -------------------------------------------------------------

#: condition -> the gate check it must fail (None: every check passes).
IRIS_CASES = {
    "clear": None,
    "dark": None,
    "blurred": "sharpness",
    "closed": "usable_area",
    "small": "iris_diameter",
    "cut_off": "in_frame",
}


@pytest.mark.parametrize("condition", list(IRIS_CASES))
def test_iris_checks_follow_what_is_wrong(condition: str) -> None:
    settings = GateSettings()
    for seed in (1, 2):
        image = irissynth.eye_image(seed, "left", capture_index=seed, condition=condition)
        verdict = biogate.judge_iris("image/png", _png(image), settings)
        assert verdict["decodes"] and verdict["found"]
        failed = [n for n, c in verdict["checks"].items() if not c["passed"]]
        expected = IRIS_CASES[condition]
        if expected is None:
            assert verdict["ok"], (condition, seed, failed)
        else:
            assert expected in failed, (condition, seed, failed, verdict["measures"])


def test_no_eye_and_garbage_are_not_irises() -> None:
    assert not irisquality.assess(np.full((480, 640), 150, np.uint8)).found
    noise = np.random.default_rng(3).integers(0, 256, (480, 640), dtype=np.uint8)
    report = irisquality.assess(noise)
    assert not report.found or report.score < GateSettings().iris_min_quality
    settings = GateSettings()
    assert not biogate.judge_iris("image/png", b"\x89PNG\r\n\x1a\nbroken", settings)["decodes"]
    with pytest.raises(ValidationError):
        irisquality.assess(np.zeros((10, 10), np.uint8))


# --- sessions on the simulated devices --------------------------------------------------------


def test_rolled_session_keeps_the_best_and_skips_exceptions() -> None:
    scanner = SimulatedRolledScanner(3)
    scanner.set_condition(Finger.LEFT_LITTLE, attempts=[("partial", 0.9)])
    session = RolledSession(scanner, skip=[Finger.RIGHT_RING])
    out = session.capture_finger(Finger.LEFT_LITTLE, SilentPrompter())
    assert out.attempts_left == 0 and not out.good  # three rolls, all partial
    with pytest.raises(ValidationError):
        session.capture(Finger.RIGHT_RING, SilentPrompter())
    result = session.results()[Finger.LEFT_LITTLE]
    assert result.below_threshold and result.meta()["impression"] == "rolled"
    assert result.meta()["attempts"] == 3


def test_iris_session_a_missing_eye_and_a_retake() -> None:
    camera = SimulatedIrisCamera(4)
    camera.set_condition(Eye.LEFT, attempts=["blurred", "clear"])
    camera.set_condition(Eye.RIGHT, "missing")
    prompter = SilentPrompter()
    results = IrisSession(camera).run(prompter)
    assert set(results) == {Eye.LEFT} and not results[Eye.LEFT].below_threshold
    assert results[Eye.LEFT].attempts == 2
    assert camera.captures[Eye.RIGHT] == 3  # tried three times, never found
    assert any("mắt phải" in vi and "right eye" in en for vi, en in prompter.messages)


# --- the SBI drivers ------------------------------------------------------------------------


@pytest.mark.parametrize("image_format", ["png", "jpeg2000", "raw", "plain_png"])
def test_sbi_iris_camera(image_format: str) -> None:
    with SbiBioTestServer("Iris", image_format=image_format) as server:
        client = SbiClient(HttpxSbiTransport(), ports=[server.port], trust=station_trust())
        (device,) = client.discover("Iris")
        assert device.device_sub_type == "Double"
        camera = SbiIrisCamera(client, device)
        shots = camera.capture([Eye.RIGHT, Eye.LEFT], SilentPrompter())
        assert {s.eye for s in shots} == {Eye.RIGHT, Eye.LEFT}
        assert all(s.image.shape == (480, 640) and s.device_data for s in shots)
        assert irisquality.assess(shots[0].image).found
        # One eye only: the double device is asked for both with the other as an exception.
        (one,) = camera.capture([Eye.LEFT], SilentPrompter())
        request = server.rcapture_requests()[-1]["bio"][0]
        assert one.eye == Eye.LEFT and request["deviceSubId"] == "3"
        assert request["exception"] == ["Right"] and request["type"] == "Iris"
        server.state.next_error = ("101", "no eye")
        with pytest.raises(DeviceError) as caught:
            camera.capture([Eye.LEFT], SilentPrompter())
        assert caught.value.code == "sbi_101"


def test_iso_iris_record_refuses_damage() -> None:
    image = irissynth.eye_image(1, "right")
    record = iso_iris_record(image, Eye.RIGHT, "png")
    decoded, eye = decode_iris_record(record)
    assert eye == Eye.RIGHT and np.array_equal(decoded, image)
    for bad in (record[:60], record[:8] + b"\xff" * 8 + record[16:], b"IIR\x00019\x00", b"junk"):
        with pytest.raises(ValidationError):
            decode_iris_record(bad)


def test_sbi_rolled_scanner() -> None:
    with SbiBioTestServer("Single") as server:
        client = SbiClient(HttpxSbiTransport(), ports=[server.port], trust=station_trust())
        (device,) = client.discover("Finger")
        scanner = SbiRolledScanner(client, device)
        roll = scanner.capture_rolled(Finger.RIGHT_INDEX, SilentPrompter())
        assert roll is not None and roll.finger == Finger.RIGHT_INDEX and scanner.last_signed
        body = server.rcapture_requests()[-1]
        assert body["bio"][0]["deviceSubId"] == "0" and body["bio"][0]["count"] == 1
        assert body["customOpts"] == {"impression": "rolled"}
        session = RolledSession(scanner)
        assert session.capture(Finger.LEFT_THUMB, SilentPrompter()).good


# --- the age rules and exceptions -------------------------------------------------------------


def _kinds(svc: StationService, dossier_id: str) -> set[str]:
    return {str(m.kind) for m in svc.missing_captures(dossier_id)}


def test_age_rules_decide_rolled_prints_and_irises(
    op: StationService, staffed: StationService
) -> None:
    child = op.create_dossier("first_issue", valid_form(date_of_birth="2021-06-01"))  # 5
    assert not _kinds(op, child.id) & {"rolled_print", "iris"}
    pupil = op.create_dossier("first_issue", valid_form(date_of_birth="2016-01-01"))  # 10
    assert {"rolled_print", "iris"} <= _kinds(op, pupil.id)
    # A station without an iris camera (an admin says so, audited): no irises asked.
    with pytest.raises(PermissionDeniedError):
        op.set_gate_settings({"iris_camera": False})
    admin = login(staffed.paths, op.clock, "admin", ADMIN_PW)  # type: ignore[arg-type]
    admin.set_gate_settings({"iris_camera": False})
    assert "iris" not in _kinds(op, pupil.id) and "rolled_print" in _kinds(op, pupil.id)
    with admin.store.read() as s:
        entry = s.query(AuditEntry).filter(AuditEntry.action == "settings.gate").one()
    assert json.loads(entry.details_json)["iris_camera"] == {"from": True, "to": False}


def test_exceptions_for_an_eye_and_a_finger(op: StationService, sup: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    parts = simulated_captures()
    capture_all(op, d.id)
    op.remove_part(d.id, "iris", "left")
    op.remove_part(d.id, "rolled_print", "left_ring")
    assert {(m.kind, m.slot) for m in op.missing_captures(d.id)} == {
        ("iris", "left"),
        ("rolled_print", "left_ring"),
    }
    with pytest.raises(ValidationError):
        op.record_capture_exception(d.id, "iris", "left", "amputated", "không hợp lệ")
    with pytest.raises(ValidationError):
        op.record_capture_exception(d.id, "iris", "middle", "missing", "không có")
    op.record_capture_exception(d.id, "iris", "left", "missing", "Mắt giả")
    # A finger that cannot be placed flat is not rolled either.
    op.record_capture_exception(d.id, "fingerprint", "left_ring", "bandaged", "Đang bó bột")
    assert op.missing_captures(d.id) == []
    gaps = op.missing_captures(d.id, for_approval=True)
    assert {g.slot for g in gaps} == {"iris/left", "fingerprint/left_ring"}
    sup.confirm_capture_exception(d.id, "iris", "left")
    sup.confirm_capture_exception(d.id, "fingerprint", "left_ring")
    # Saving the eye again replaces its exception.
    data, media_type, meta = parts.irises["left"]
    op.save_iris(d.id, "left", data, media_type, meta)
    assert "iris/left" not in op.capture_info(d.id).get("exceptions", {})


# --- the gate -------------------------------------------------------------------------------


def _refusal(svc: StationService, dossier_id: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        svc.mark_captured(dossier_id)
    assert svc.get_dossier(dossier_id).state == State.DRAFT
    return caught.value


def test_a_rolled_print_of_the_wrong_finger_blocks_until_a_supervisor_overrides(
    op: StationService, sup: StationService, keyset: dict
) -> None:
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    rolled = simulated_captures().rolled
    data, media_type, meta = rolled["right_middle"]
    op.save_rolled_print(d.id, "right_index", data, media_type, meta)  # the wrong finger rolled
    err = _refusal(op, d.id)
    assert "vân tay lăn ngón trỏ phải" in err.vi and "rolled print of the right index" in err.en
    assert "right middle finger" in err.en and "trông giống ngón giữa phải" in err.vi
    review = sup.gate_review(d.id)
    (item,) = [b for b in review.biometrics if b["kind"] == "alarm"]
    assert item["key"] == "rolled:right_index" and not item["overridden"]
    with pytest.raises(PermissionDeniedError):
        op.override_alarm(d.id, "rolled:right_index", "Tôi thấy đúng")
    sup.override_alarm(d.id, "rolled:right_index", "Đã đối chiếu trực tiếp với công dân")
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.approve(d.id)
    packet_id = sup.seal(d.id)
    with sup.store.read() as s:
        actions = [e.action for e in s.query(AuditEntry).filter(AuditEntry.subject == d.id)]
    assert "dossier.alarm_raised" in actions and "dossier.alarm_overridden" in actions
    opened = _open(sup, packet_id, keyset)
    capture = opened.manifest["dossier"]["capture"]
    assert capture["overrides"]["rolled:right_index"]["by"] == "sup1"
    assert capture["alarms"]["rolled:right_index"]["looks_like"] == "right_middle"


def _open(svc: StationService, packet_id: str, keyset: dict) -> object:
    from station import packet, provisioning

    receiver = json.loads(keyset["receiver_keys"].read_text())
    return packet.open_packet(
        svc.packet_bytes(packet_id),
        receiver_key=provisioning.crypto.HpkePrivateKey.decode(
            receiver["encryption"]["private_key"]
        ),
        station_public_key=provisioning.crypto.b64d(svc.registration()["public_key"]),
    )


def test_rolling_the_right_finger_again_clears_the_alarm(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    rolled = simulated_captures().rolled
    op.save_rolled_print(d.id, "left_thumb", *rolled["right_thumb"])
    assert "rolled:left_thumb" in op.capture_info(d.id)["alarms"]
    op.save_rolled_print(d.id, "left_thumb", *rolled["left_thumb"])
    assert "rolled:left_thumb" not in op.capture_info(d.id)["alarms"]
    assert op.mark_captured(d.id).state == State.CAPTURED


def test_an_undecodable_iris_and_a_blurred_one_block(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    op.save_iris(d.id, "right", b"\x89PNG\r\n\x1a\n-not-really", "image/png", {"quality": 99})
    err = _refusal(op, d.id)
    assert "ảnh mống mắt mắt phải không đọc được" in err.vi and "cannot be decoded" in err.en
    op.save_iris(d.id, "right", *simulated_captures().irises["right"])
    blurred = _png(irissynth.eye_image(9, "left", condition="blurred"))
    # What the caller claims is a hint; the core measures the stored image.
    op.save_iris(d.id, "left", blurred, "image/png", {"quality": 99, "measures": {}})
    err = _refusal(op, d.id)
    assert "mờ" in err.vi and "blurred" in err.en and "attempt 2 of 3" in err.en
    stored = next(p for p in op.get_dossier(d.id).parts if p.kind == "iris" and p.slot == "left")
    assert stored.meta["hint"]["quality"] == 99 and stored.meta["quality"] < 60
    assert stored.meta["below_threshold"] and not stored.meta["ok"]
    # After the allowed attempts the image is kept as best effort, and listed for the supervisor.
    op.save_iris(d.id, "left", blurred, "image/png", {})
    review = op.gate_review(d.id)
    (item,) = [b for b in review.biometrics if b["kind"] == "best_effort"]
    assert item["slot"] == "left" and "sharpness" in item["failed"]
    assert op.mark_captured(d.id).state == State.CAPTURED


def test_a_rolled_print_below_its_threshold_blocks(op: StationService) -> None:
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    scanner = SimulatedRolledScanner(1)
    scanner.set_condition(Finger.LEFT_INDEX, "partial", 0.95)
    poor = RolledSession(scanner).capture(Finger.LEFT_INDEX, SilentPrompter())
    assert poor.quality is not None and poor.quality < GateSettings().rolled_min_quality
    result = RolledSession(scanner, max_attempts=1)
    result.capture(Finger.LEFT_INDEX, SilentPrompter())
    roll = result.results()[Finger.LEFT_INDEX]
    op.save_rolled_print(d.id, "left_index", roll.encoded, roll.media_type, roll.meta())
    err = _refusal(op, d.id)
    assert "vân tay lăn ngón trỏ trái: chất lượng" in err.vi and "lần 2/3" in err.vi
    assert "rolled print of the left index finger: quality" in err.en
