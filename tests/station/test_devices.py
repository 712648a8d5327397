"""The device registry: real first, simulated as fallback, a broken driver never fatal."""

from __future__ import annotations

from typing import Any

import pytest

from station.devices import DeviceError, DeviceInfo, DeviceKind, SilentPrompter
from station.devices.defaults import registry
from station.devices.registry import Driver


def _boom(options: dict[str, Any]) -> list[DeviceInfo]:
    raise RuntimeError("driver library missing")


def test_broken_driver_is_recorded_and_skipped() -> None:
    broken = Driver(DeviceKind.CAMERA, "vendorx", False, _boom, lambda i, o: None)
    reg = registry(extra=[broken])
    probe = reg.probe(DeviceKind.CAMERA)
    assert probe.problems == {"vendorx": "RuntimeError: driver library missing"}
    assert any(d.driver == "simulated" for d in probe.devices)
    cam = reg.open(DeviceKind.CAMERA)  # no camera on this machine: the simulated one
    assert cam.info.simulated
    frame = cam.read()
    assert frame.image.shape == (480, 640, 3)
    cam.close()


def test_real_devices_come_first() -> None:
    real = DeviceInfo(DeviceKind.SIGNATURE, "pad", "p1", "Pen pad", False)
    opened: list[str] = []
    pad = Driver(
        DeviceKind.SIGNATURE, "pad", False, lambda o: [real], lambda i, o: opened.append(i.name)
    )
    registry(extra=[pad]).open(DeviceKind.SIGNATURE)
    assert opened == ["Pen pad"]


def test_configured_driver_and_clear_failure() -> None:
    reg = registry({"camera": {"driver": "opencv"}})
    with pytest.raises(DeviceError) as err:
        reg.open(DeviceKind.CAMERA)
    assert "No usable camera device (driver: opencv)" in err.value.en
    assert "Không có thiết bị" in err.value.vi


def test_every_kind_has_a_simulated_device() -> None:
    """Every kind but the card reader, which is simulated below PC/SC: a virtual card in pcscd
    (tests/chip), so the real driver always runs."""
    reg = registry()
    for kind in DeviceKind:
        if kind == DeviceKind.CARD_READER:
            continue
        dev = reg.open(kind)
        assert dev.info.simulated and dev.info.kind == kind
    scanner = reg.open(DeviceKind.FINGERPRINT)
    from station.devices import Slap

    prints = scanner.capture(Slap.THUMBS, [], SilentPrompter())
    assert {p.finger.value for p in prints} == {"left_thumb", "right_thumb"}
