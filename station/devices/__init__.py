"""Devices: one Protocol per kind, real and simulated drivers behind it, and a registry.

Every driver of a kind honours the same contract, so the capture code and its tests do not know
whether a real device or a simulated one answers. A device that needs the person at the station
("place the four fingers of the left hand") asks through a :class:`Prompter`, which the window
implements and tests fake. Drivers raise :class:`DeviceError` with a message in both languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from station.errors import StationError

Image = npt.NDArray[np.uint8]


class DeviceError(StationError):
    code = "device_error"


class DeviceKind(StrEnum):
    CAMERA = "camera"
    FINGERPRINT = "fingerprint"
    SIGNATURE = "signature"
    DOCUMENT = "document"
    CARD_READER = "card_reader"  # PC/SC, for the old card's chip
    IRIS = "iris"  # station.devices.iris
    ROLLED = "rolled"  # single-finger rolled prints, station.devices.rolled


@dataclass(frozen=True)
class DeviceInfo:
    kind: DeviceKind
    driver: str  # "opencv", "sbi", "simulated", "file", ...
    device_id: str
    name: str
    simulated: bool
    details: dict[str, Any] = field(default_factory=dict)


class Prompter(Protocol):
    """How a device speaks to the officer and the citizen while it works."""

    def show(self, vi: str, en: str) -> None:
        """Show an instruction or a status ("Đặt bốn ngón tay trái lên máy quét")."""
        ...

    def cancelled(self) -> bool:
        """True once the officer has pressed cancel; long operations check it and stop."""
        ...


class SilentPrompter:
    """A prompter that shows nothing and never cancels (scripts, tests)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def show(self, vi: str, en: str) -> None:
        self.messages.append((vi, en))

    def cancelled(self) -> bool:
        return False


# --- camera -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    image: Image  # BGR, uint8, H x W x 3
    index: int
    timestamp: float  # seconds, monotonic


@runtime_checkable
class Camera(Protocol):
    info: DeviceInfo

    def open(self) -> None: ...

    def read(self) -> Frame:
        """The next frame; DeviceError when the camera stops answering."""
        ...

    def close(self) -> None: ...


# --- fingerprints -----------------------------------------------------------------------------


class Finger(StrEnum):
    """Finger positions, numbered as in ISO/IEC 19794-4 / ANSI-NIST (1 right thumb .. 10)."""

    RIGHT_THUMB = "right_thumb"
    RIGHT_INDEX = "right_index"
    RIGHT_MIDDLE = "right_middle"
    RIGHT_RING = "right_ring"
    RIGHT_LITTLE = "right_little"
    LEFT_THUMB = "left_thumb"
    LEFT_INDEX = "left_index"
    LEFT_MIDDLE = "left_middle"
    LEFT_RING = "left_ring"
    LEFT_LITTLE = "left_little"

    @property
    def iso_position(self) -> int:
        return list(Finger).index(self) + 1


class Slap(StrEnum):
    """The flat captures of the 4-4-2 sequence (Circular 60/2021/TT-BCA Art. 5)."""

    RIGHT_FOUR = "right_four"
    LEFT_FOUR = "left_four"
    THUMBS = "thumbs"

    @property
    def fingers(self) -> tuple[Finger, ...]:
        return SLAP_FINGERS[self]


SLAP_FINGERS: dict[Slap, tuple[Finger, ...]] = {
    Slap.RIGHT_FOUR: (
        Finger.RIGHT_INDEX,
        Finger.RIGHT_MIDDLE,
        Finger.RIGHT_RING,
        Finger.RIGHT_LITTLE,
    ),
    Slap.LEFT_FOUR: (Finger.LEFT_INDEX, Finger.LEFT_MIDDLE, Finger.LEFT_RING, Finger.LEFT_LITTLE),
    Slap.THUMBS: (Finger.LEFT_THUMB, Finger.RIGHT_THUMB),
}

FINGER_LABELS: dict[Finger, tuple[str, str]] = {
    Finger.RIGHT_THUMB: ("ngón cái phải", "right thumb"),
    Finger.RIGHT_INDEX: ("ngón trỏ phải", "right index finger"),
    Finger.RIGHT_MIDDLE: ("ngón giữa phải", "right middle finger"),
    Finger.RIGHT_RING: ("ngón áp út phải", "right ring finger"),
    Finger.RIGHT_LITTLE: ("ngón út phải", "right little finger"),
    Finger.LEFT_THUMB: ("ngón cái trái", "left thumb"),
    Finger.LEFT_INDEX: ("ngón trỏ trái", "left index finger"),
    Finger.LEFT_MIDDLE: ("ngón giữa trái", "left middle finger"),
    Finger.LEFT_RING: ("ngón áp út trái", "left ring finger"),
    Finger.LEFT_LITTLE: ("ngón út trái", "left little finger"),
}


@dataclass(frozen=True)
class FingerImage:
    finger: Finger
    image: Image  # grayscale uint8, ridges dark, 500 ppi
    ppi: int = 500
    device_quality: int | None = None  # what the device itself reported, 0-100, if anything


@runtime_checkable
class FingerprintScanner(Protocol):
    info: DeviceInfo

    def capture(
        self,
        slap: Slap,
        skip: Sequence[Finger],
        prompter: Prompter,
        timeout_s: float = 30.0,
    ) -> list[FingerImage]:
        """One flat capture, segmented into single fingers (those in ``skip`` are not expected).

        Returns the fingers the device found; a finger it did not find is simply absent.
        """
        ...


# --- signature and documents ------------------------------------------------------------------


@dataclass(frozen=True)
class StrokePoint:
    x: float  # 0..1 of the pad's width
    y: float  # 0..1 of the pad's height
    pressure: float  # 0..1; 1.0 where the input has no pressure (a mouse)
    t_ms: int  # since the first point


Stroke = Sequence[StrokePoint]


@runtime_checkable
class SignaturePad(Protocol):
    info: DeviceInfo

    def capture(self, prompter: Prompter, timeout_s: float = 120.0) -> list[list[StrokePoint]]:
        """The strokes of one signature."""
        ...


@dataclass(frozen=True)
class Acquired:
    data: bytes
    media_type: str  # image/png, image/jpeg, application/pdf ...
    name: str


@runtime_checkable
class DocumentSource(Protocol):
    info: DeviceInfo

    def acquire(self, prompter: Prompter) -> Acquired: ...
