"""Device drivers that need the network stack of this layer: the MOSIP SBI drivers (an HTTP
service on 127.0.0.1 ports 4501-4600, spoken to through httpx).

Each driver factory takes the station's device trust (``StationService.device_trust.trust()``):
without it, no capture is accepted (see ``station/devices/sbitrust.py``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from station.devices import DeviceError, DeviceInfo, DeviceKind
from station.devices.registry import Driver
from station.devices.sbi import SbiClient, SbiScanner
from station.devices.sbi_bio import SbiIrisCamera, SbiRolledScanner, is_single_finger
from station.devices.sbitrust import DeviceTrust
from sync.sbi_transport import HttpxSbiTransport

#: The trust a driver gets: fixed, or read from the station when a device is opened.
TrustSource = DeviceTrust | Callable[[], DeviceTrust] | None


def _trust(source: TrustSource) -> DeviceTrust:
    if source is None:
        return DeviceTrust()
    return source if isinstance(source, DeviceTrust) else source()


def _client(options: dict[str, Any], trust: TrustSource = None) -> SbiClient:
    first, last = options.get("sbi_ports", (4501, 4600))
    ports = range(int(first), int(last) + 1)
    return SbiClient(HttpxSbiTransport(), ports=ports, trust=_trust(trust))


def _probe(options: dict[str, Any]) -> list[DeviceInfo]:
    client = _client(options)
    return [SbiScanner(client, dev).info for dev in client.discover("Finger")]


def _open(trust: TrustSource, info: DeviceInfo, options: dict[str, Any]) -> SbiScanner:
    client = _client(options, trust)
    for dev in client.discover("Finger"):
        scanner = SbiScanner(client, dev)
        if scanner.info.device_id == info.device_id:
            return scanner
    raise DeviceError(
        f"Máy quét vân tay {info.name} không còn trả lời.",
        f"The fingerprint scanner {info.name} no longer answers.",
        field="fingerprint",
    )


def sbi_driver(trust: TrustSource = None) -> Driver:
    """MOSIP SBI slap scanners; captures judged by ``trust``."""
    return Driver(DeviceKind.FINGERPRINT, "sbi", False, _probe, partial(_open, trust))


def _gone(info: DeviceInfo) -> DeviceError:
    return DeviceError(
        f"Thiết bị {info.name} không còn trả lời.",
        f"The device {info.name} no longer answers.",
        field=info.kind.value,
    )


def _iris_probe(options: dict[str, Any]) -> list[DeviceInfo]:
    client = _client(options)
    return [SbiIrisCamera(client, dev).info for dev in client.discover("Iris")]


def _iris_open(trust: TrustSource, info: DeviceInfo, options: dict[str, Any]) -> SbiIrisCamera:
    client = _client(options, trust)
    for dev in client.discover("Iris"):
        camera = SbiIrisCamera(client, dev)
        if camera.info.device_id == info.device_id:
            return camera
    raise _gone(info)


def _rolled_probe(options: dict[str, Any]) -> list[DeviceInfo]:
    client = _client(options)
    return [
        SbiRolledScanner(client, dev).info
        for dev in client.discover("Finger")
        if is_single_finger(dev)
    ]


def _rolled_open(trust: TrustSource, info: DeviceInfo, options: dict[str, Any]) -> SbiRolledScanner:
    client = _client(options, trust)
    for dev in client.discover("Finger"):
        scanner = SbiRolledScanner(client, dev)
        if is_single_finger(dev) and scanner.info.device_id == info.device_id:
            return scanner
    raise _gone(info)


def sbi_iris_driver(trust: TrustSource = None) -> Driver:
    """MOSIP SBI iris cameras (``type: "Iris"``)."""
    return Driver(DeviceKind.IRIS, "sbi", False, _iris_probe, partial(_iris_open, trust))


def sbi_rolled_driver(trust: TrustSource = None) -> Driver:
    """MOSIP SBI single-finger devices, for the rolled prints."""
    return Driver(DeviceKind.ROLLED, "sbi", False, _rolled_probe, partial(_rolled_open, trust))
