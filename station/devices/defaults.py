"""The drivers a station has without anything from the layers above: OpenCV cameras and the
simulated devices. The window adds the SBI fingerprint driver (its HTTP transport lives in
``sync``) through ``extra``."""

from __future__ import annotations

from typing import Any

from station.capture.camera import OpenCvCamera, SimulatedCamera, list_cameras
from station.capture.documents import SimulatedDocumentSource
from station.capture.signature import SimulatedSignaturePad
from station.devices import DeviceInfo, DeviceKind
from station.devices.registry import DeviceRegistry, Driver


def _opencv_open(info: DeviceInfo, options: dict[str, Any]) -> OpenCvCamera:
    cam = OpenCvCamera(
        int(info.device_id),
        int(options.get("width", 1280)),
        int(options.get("height", 720)),
        float(options.get("fps", 30.0)),
        name=info.name,
    )
    cam.open()
    return cam


def _sim_camera(options: dict[str, Any]) -> SimulatedCamera:
    return SimulatedCamera(
        str(options.get("scenario", "good")), seed=int(options.get("seed", 0)), realtime=True
    )


def _sim_camera_open(info: DeviceInfo, options: dict[str, Any]) -> SimulatedCamera:
    cam = _sim_camera(options)
    cam.open()
    return cam


def _sim_scanner(options: dict[str, Any]) -> Any:
    from station.devices.simfinger import SimulatedScanner

    return SimulatedScanner(int(options.get("seed", 1)))


def _sim_rolled(options: dict[str, Any]) -> Any:
    from station.devices.rolled import SimulatedRolledScanner

    return SimulatedRolledScanner(int(options.get("seed", 1)))


def _sim_iris(options: dict[str, Any]) -> Any:
    from station.devices.iris import SimulatedIrisCamera

    return SimulatedIrisCamera(int(options.get("seed", 1)))


def _pcsc_probe(options: dict[str, Any]) -> list[DeviceInfo]:
    from station.devices.cardreader import pcsc_readers

    return pcsc_readers()


def _pcsc_open(info: DeviceInfo, options: dict[str, Any]) -> Any:
    from station.devices.cardreader import CardReader

    return CardReader(info.name)


def default_drivers() -> list[Driver]:
    return [
        Driver(DeviceKind.CARD_READER, "pcsc", False, _pcsc_probe, _pcsc_open),
        Driver(
            DeviceKind.CAMERA,
            "opencv",
            False,
            lambda o: list_cameras(int(o.get("max_index", 4))),
            _opencv_open,
        ),
        Driver(
            DeviceKind.CAMERA, "simulated", True, lambda o: [_sim_camera(o).info], _sim_camera_open
        ),
        Driver(
            DeviceKind.FINGERPRINT,
            "simulated",
            True,
            lambda o: [_sim_scanner(o).info],
            lambda info, o: _sim_scanner(o),
        ),
        Driver(
            DeviceKind.ROLLED,
            "simulated",
            True,
            lambda o: [_sim_rolled(o).info],
            lambda info, o: _sim_rolled(o),
        ),
        Driver(
            DeviceKind.IRIS,
            "simulated",
            True,
            lambda o: [_sim_iris(o).info],
            lambda info, o: _sim_iris(o),
        ),
        Driver(
            DeviceKind.SIGNATURE,
            "simulated",
            True,
            lambda o: [SimulatedSignaturePad(int(o.get("seed", 0))).info],
            lambda info, o: SimulatedSignaturePad(int(o.get("seed", 0))),
        ),
        Driver(
            DeviceKind.DOCUMENT,
            "simulated",
            True,
            lambda o: [SimulatedDocumentSource(int(o.get("seed", 0))).info],
            lambda info, o: SimulatedDocumentSource(int(o.get("seed", 0))),
        ),
    ]


def registry(
    config: dict[str, Any] | None = None, extra: list[Driver] | None = None
) -> DeviceRegistry:
    return DeviceRegistry(default_drivers() + list(extra or []), config)
