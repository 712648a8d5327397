"""A small SBI service for tests that is an iris camera or a single-finger (rolled) scanner.

Built on :mod:`tests.sbi_server` (same JWTs, hashes, HTTP plumbing): ``kind="Iris"`` answers
discovery for ``type: "Iris"`` (a ``Double`` device, deviceSubId 1/2/3) with the simulated
person's eyes in ISO/IEC 19794-6:2011 records (PNG, JPEG 2000 or raw inside) or bare PNG;
``kind="Single"`` answers ``type: "Finger"`` as a single-finger device (deviceSubId 0) with
rolled impressions in ISO/IEC 19794-4 records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import struct
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

import numpy as np

from station.devices import SilentPrompter
from station.devices.iris import Eye, SimulatedIrisCamera
from station.devices.rolled import SimulatedRolledScanner
from station.devices.sbi import BIO_SUBTYPES, FINGER_BY_SUBTYPE
from station.devices.sbi_bio import IRIS_SUBTYPES
from tests.sbi_server import Handler, SbiHttpServer, b64url, encode_image, iso_record, sign_jwt

ISO_IRIS_CODES = {"raw": 2, "jpeg2000": 10, "png": 14}


def iso_iris_record(image: np.ndarray, eye: Eye, kind: str = "png", quality: int = 80) -> bytes:
    """An ISO/IEC 19794-6:2011 iris image record with one representation."""
    height, width = image.shape
    data = encode_image(image, kind)
    now = dt.datetime.now(dt.UTC)
    body = (
        struct.pack(">HBBBBBH", now.year, now.month, now.day, now.hour, now.minute, now.second, 0)
        + struct.pack(">BHH", 0, 0, 0)
        + struct.pack(">B", 1)
        + struct.pack(">BHH", quality, 0x0101, 0x0001)
        + struct.pack(
            ">HBBBBHHBHHHHHHHHH",
            1,  # representation number
            1 if eye == Eye.RIGHT else 2,
            7,  # cropped and masked
            ISO_IRIS_CODES[kind],
            0,
            width,
            height,
            8,
            0,
            0xFFFF,
            0xFFFF,
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + struct.pack(">I", len(data))
        + data
    )
    representation = struct.pack(">I", 4 + len(body)) + body
    header = b"IIR\x00" + b"020\x00" + struct.pack(">IHBB", 16 + len(representation), 1, 0, 2)
    return header + representation


@dataclass
class BioState:
    kind: str = "Iris"  # "Iris" or "Single"
    person_seed: int = 5
    image_format: str = "png"  # inside the ISO record; "plain_png" for a bare file
    serial: str = "SIMBIO0000001"
    next_error: tuple[str, str] | None = None
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    camera: SimulatedIrisCamera = field(init=False)
    roller: SimulatedRolledScanner = field(init=False)
    status: str = "Ready"
    sbi10_only: bool = False

    def __post_init__(self) -> None:
        self.camera = SimulatedIrisCamera(self.person_seed)
        self.roller = SimulatedRolledScanner(self.person_seed)

    def digital_id(self) -> dict[str, Any]:
        return {
            "serialNo": self.serial,
            "make": "Test",
            "model": "Iris-2" if self.kind == "Iris" else "Roll-1",
            "type": "Iris" if self.kind == "Iris" else "Finger",
            "deviceSubType": "Double" if self.kind == "Iris" else "Single",
            "deviceProvider": "Test provider",
            "deviceProviderId": "test.provider",
            "dateTime": dt.datetime.now(dt.UTC).isoformat(),
        }


class BioHandler(Handler):
    @property
    def state(self) -> Any:
        return self.server.state

    def _discovery(self) -> None:
        body = self._record()
        kind = body.get("type") if isinstance(body, dict) else None
        want = "Iris" if self.state.kind == "Iris" else "Finger"
        if kind not in (want, "Biometric Device"):
            self._send([])
            return
        port = self.server.server_address[1]
        self._send(
            [
                {
                    "deviceId": "1",
                    "serialNo": self.state.serial,
                    "deviceStatus": self.state.status,
                    "certification": "SBI 1.0",
                    "serviceVersion": "1.0",
                    "deviceSubId": ["1", "2", "3"] if self.state.kind == "Iris" else ["0"],
                    "callbackId": f"http://127.0.0.1:{port}/",
                    "digitalId": b64url(json.dumps(self.state.digital_id()).encode()),
                    "deviceCode": "test-device-code",
                    "specVersion": ["0.9.5"],
                    "purpose": "Registration",
                    "error": {"errorCode": "0", "errorInfo": "Success"},
                }
            ]
        )

    def _item(self, bio_type: str, sub_type: str, value: bytes, tx: str, prev: str) -> Any:
        payload = {
            "digitalId": sign_jwt(self.state.digital_id()),
            "bioType": bio_type,
            "bioSubType": sub_type,
            "purpose": "Registration",
            "env": "Developer",
            "bioValue": b64url(value),
            "transactionId": tx,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "qualityScore": "80",
        }
        digest = hashlib.sha256(value).hexdigest().upper()
        chained = hashlib.sha256((prev + digest).encode()).hexdigest().upper()
        item = {
            "specVersion": "0.9.5",
            "data": sign_jwt(payload),
            "hash": chained,
            "error": {"errorCode": "0", "errorInfo": "Success"},
        }
        return item, chained

    def do_RCAPTURE(self) -> None:
        body = self._record()
        if self.state.next_error is not None:
            code, info = self.state.next_error
            self.state.next_error = None
            self._error(code, info)
            return
        try:
            bio = body["bio"][0]
            tx = str(body["transactionId"])
            prev = str(bio.get("previousHash", ""))
            subtypes = [str(s) for s in bio.get("bioSubType", [])]
        except (KeyError, TypeError, IndexError):
            self._error("101", "Invalid JSON value")
            return
        items = []
        if self.state.kind == "Iris":
            by_name = {v.lower(): k for k, v in IRIS_SUBTYPES.items()}
            eyes = [by_name[s.lower()] for s in subtypes if s.lower() in by_name]
            for shot in self.state.camera.capture(eyes, SilentPrompter()):
                if self.state.image_format == "plain_png":
                    value = encode_image(shot.image, "png")
                else:
                    value = iso_iris_record(shot.image, shot.eye, self.state.image_format)
                item, prev = self._item("Iris", IRIS_SUBTYPES[shot.eye], value, tx, prev)
                items.append(item)
        else:
            if str(bio.get("deviceSubId")) != "0" or len(subtypes) != 1:
                self._error("109", "One finger per capture on this device")
                return
            finger = FINGER_BY_SUBTYPE[subtypes[0].lower()]
            roll = self.state.roller.capture_rolled(finger, SilentPrompter())
            if roll is not None:
                value = iso_record(roll.image, finger.iso_position, "wsq")
                item, prev = self._item("Finger", BIO_SUBTYPES[finger], value, tx, prev)
                items.append(item)
        if not items:
            self._error("101", "Unable to detect a biometric object")
            return
        self._send({"biometrics": items})


class SbiBioTestServer:
    """The service on a free port of 4501-4600, in a background thread."""

    def __init__(self, kind: str = "Iris", person_seed: int = 5, image_format: str = "png") -> None:
        self.state = BioState(kind=kind, person_seed=person_seed, image_format=image_format)
        ports = list(range(4501, 4601))
        random.Random().shuffle(ports)
        for port in ports:
            try:
                self.httpd = SbiHttpServer.__new__(SbiHttpServer)
                ThreadingHTTPServer.__init__(self.httpd, ("127.0.0.1", port), BioHandler)
                self.httpd.state = self.state  # type: ignore[assignment]
                self.httpd.open_connections = set()
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no free port in 4501-4600")
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SbiBioTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.httpd.close_connections()
        self._thread.join(timeout=5)

    def rcapture_requests(self) -> list[dict[str, Any]]:
        return [body for method, _, body in self.state.requests if method == "RCAPTURE"]
