"""Device drivers that need the network stack of this layer: the MOSIP SBI fingerprint driver
(an HTTP service on 127.0.0.1 ports 4501-4600, spoken to through httpx)."""

from __future__ import annotations

from typing import Any

from station.devices import DeviceError, DeviceInfo, DeviceKind
from station.devices.registry import Driver
from station.devices.sbi import SbiClient, SbiScanner
from sync.sbi_transport import HttpxSbiTransport


def _client(options: dict[str, Any]) -> SbiClient:
    first, last = options.get("sbi_ports", (4501, 4600))
    return SbiClient(HttpxSbiTransport(), ports=range(int(first), int(last) + 1))


def _probe(options: dict[str, Any]) -> list[DeviceInfo]:
    client = _client(options)
    return [SbiScanner(client, dev).info for dev in client.discover("Finger")]


def _open(info: DeviceInfo, options: dict[str, Any]) -> SbiScanner:
    client = _client(options)
    for dev in client.discover("Finger"):
        scanner = SbiScanner(client, dev)
        if scanner.info.device_id == info.device_id:
            return scanner
    raise DeviceError(
        f"Máy quét vân tay {info.name} không còn trả lời.",
        f"The fingerprint scanner {info.name} no longer answers.",
        field="fingerprint",
    )


def sbi_driver() -> Driver:
    return Driver(DeviceKind.FINGERPRINT, "sbi", False, _probe, _open)
