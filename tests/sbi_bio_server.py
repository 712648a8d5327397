"""A small SBI service for tests that is an iris camera or a single-finger (rolled) scanner.

Built on :mod:`tests.sbi_server` (same signed JWTs, hashes, HTTP plumbing; only the identity and
what a capture returns differ): ``kind="Iris"`` answers
discovery for ``type: "Iris"`` (a ``Double`` device, deviceSubId 1/2/3) with the simulated
person's eyes in ISO/IEC 19794-6:2011 records (PNG, JPEG 2000 or raw inside) or bare PNG;
``kind="Single"`` answers ``type: "Finger"`` as a single-finger device (deviceSubId 0) with
rolled impressions in ISO/IEC 19794-4 records.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from station.devices import SilentPrompter
from station.devices.iris import Eye, SimulatedIrisCamera
from station.devices.rolled import SimulatedRolledScanner
from station.devices.sbi import BIO_SUBTYPES, FINGER_BY_SUBTYPE
from station.devices.sbi_bio import IRIS_SUBTYPES
from tests.sbi_server import (
    Captured,
    CaptureError,
    SbiTestServer,
    ServerState,
    encode_image,
    iso_record,
)

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
class BioState(ServerState):
    kind: str = "Iris"  # "Iris" or "Single"
    image_format: str = "png"  # inside the ISO record; "plain_png" for a bare file
    serial: str = "SIMBIO0000001"
    camera: SimulatedIrisCamera = field(init=False)
    roller: SimulatedRolledScanner = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.camera = SimulatedIrisCamera(self.person_seed)
        self.roller = SimulatedRolledScanner(self.person_seed)

    @property  # type: ignore[override]
    def identity(self) -> tuple[str, str, str, tuple[str, ...]]:
        if self.kind == "Iris":
            return ("Iris", "Double", "Iris-2", ("1", "2", "3"))
        return ("Finger", "Single", "Roll-1", ("0",))

    def capture(self, bio: dict[str, Any]) -> list[Captured]:
        subtypes = [str(s) for s in bio.get("bioSubType", [])]
        if self.kind == "Iris":
            by_name = {v.lower(): k for k, v in IRIS_SUBTYPES.items()}
            eyes = [by_name[s.lower()] for s in subtypes if s.lower() in by_name]
            out = []
            for shot in self.camera.capture(eyes, SilentPrompter()):
                if self.image_format == "plain_png":
                    value = encode_image(shot.image, "png")
                else:
                    value = iso_iris_record(shot.image, shot.eye, self.image_format)
                out.append(("Iris", IRIS_SUBTYPES[shot.eye], value, 80))
            return out
        if str(bio.get("deviceSubId")) != "0" or len(subtypes) != 1:
            raise CaptureError("109", "One finger per capture on this device")
        finger = FINGER_BY_SUBTYPE[subtypes[0].lower()]
        roll = self.roller.capture_rolled(finger, SilentPrompter())
        if roll is None:
            return []
        value = iso_record(roll.image, finger.iso_position, "wsq")
        return [("Finger", BIO_SUBTYPES[finger], value, 80)]


class SbiBioTestServer(SbiTestServer):
    """The service on a free port of 4501-4600, in a background thread."""

    def __init__(self, kind: str = "Iris", person_seed: int = 5, image_format: str = "png") -> None:
        state = BioState(kind=kind, person_seed=person_seed, image_format=image_format)
        super().__init__(state=state)
