"""What the capture sessions of prints and irises share, independent of the UI.

The flat prints (:mod:`station.capture.fingerprint`), the rolled prints
(:mod:`station.capture.rolled`) and the irises (:mod:`station.capture.iris`) each keep, per slot
(a finger, an eye), the best capture by the station's own quality, count the attempts, and hand
the service a result: the kept image, its quality report, its encoded bytes and what the service
stores next to them (:meth:`CaptureResult.meta`). The sessions differ in how they capture; what
they keep and hand over is this module's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from station.devices import sbitrust

Image = npt.NDArray[np.uint8]


class Scored(Protocol):
    """A quality report: the station's score, 0-100."""

    @property
    def score(self) -> int: ...


Q = TypeVar("Q", bound=Scored)
S = TypeVar("S")


@dataclass(frozen=True, kw_only=True)
class CaptureResult(Generic[Q]):
    """The kept capture of one slot, as handed to the service."""

    image: Image = field(repr=False)
    quality: Q
    attempts: int
    encoded: bytes = field(repr=False)
    media_type: str
    device_quality: int | None
    below_threshold: bool  # kept after the last attempt although under the threshold
    #: The device's signed payload for this image as received (SBI ``data`` JWT, its signature
    #: checked by the driver: ``station/devices/sbitrust.py``), when the device provides one.
    device_data: str | None = field(default=None, repr=False)

    def meta(self) -> dict[str, object]:
        """What the service stores next to the image (the core replaces the verdicts)."""
        meta: dict[str, object] = {"quality": self.quality.score}
        meta.update(self.quality_meta())
        meta["device_quality"] = self.device_quality
        meta["attempts"] = self.attempts
        meta["below_threshold"] = self.below_threshold
        meta.update(self.capture_meta())
        meta.update(sbitrust.device_meta(self.device_data))  # its hash, the device, the verdict
        return meta

    def quality_meta(self) -> dict[str, object]:
        """The quality report's details kept in the meta (beside the score)."""
        return {}

    def capture_meta(self) -> dict[str, object]:
        """Facts of the capture kept in the meta (resolution, impression)."""
        return {}


@dataclass
class Kept(Generic[Q]):
    """The best capture of a slot so far."""

    image: Image
    quality: Q
    device_quality: int | None
    device_data: str | None


class SlotAttempts(Generic[S, Q]):
    """The kept capture and the count of attempts per slot, with the slots to skip."""

    def __init__(
        self,
        slot: Callable[[Any], S],
        threshold: int,
        max_attempts: int,
        skip: Iterable[Any] = (),
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._slot = slot
        self.threshold = int(threshold)
        self.max_attempts = max_attempts
        self.skip = {slot(s) for s in skip}  # slots with an exception
        self._kept: dict[S, Kept[Q]] = {}
        self._attempts: dict[S, int] = {}

    def attempts(self, slot: S) -> int:
        return self._attempts.get(slot, 0)

    def _count(self, slot: S) -> None:
        self._attempts[slot] = self.attempts(slot) + 1

    def _better(self, slot: S, score: int) -> bool:
        """Whether a capture scoring ``score`` replaces the slot's kept one (a tie keeps the
        newer)."""
        kept = self._kept.get(slot)
        return kept is None or score >= kept.quality.score

    def recapture(self, slot: S) -> None:
        """Start ``slot`` over (its image dropped, its attempts reset)."""
        self._kept.pop(self._slot(slot), None)
        self._attempts.pop(self._slot(slot), None)
