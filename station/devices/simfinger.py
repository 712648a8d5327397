"""A simulated slap scanner: synthetic prints of one simulated person, with scripted problems.

Each person (``person_seed``) has ten finger identities (:func:`fpsynth.person_finger_seed`); the
scanner returns one segmented image per finger it "sees", as SBI slap devices do. Sizes follow
the finger: thumbs are larger, little fingers smaller, so that the station's quality (which
compares the contact area with the finger's expected area) behaves as with real prints.

Scenario control, for tests and demonstrations:

* :meth:`SimulatedScanner.set_condition` sets a finger's condition (``clear``, ``dry``,
  ``smudged``, ``partial``, ``missing`` (the device does not find it), ``wrong_finger`` (another
  identity), ``no_finger`` (empty platen)), optionally one per attempt
  (``set_condition(f, "dry", attempts=[("dry", 0.9), ("dry", 0.5)])``: the last one repeats);
* :meth:`SimulatedScanner.present_instead` makes the officer capture finger ``actual`` in the
  slot of ``slot`` (the same finger captured twice, or two fingers swapped);
* every capture of a finger is a new impression (placement, distortion, pressure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from station.capture import fpsynth
from station.devices import (
    SLAP_FINGERS,
    DeviceError,
    DeviceInfo,
    DeviceKind,
    Finger,
    FingerImage,
    Prompter,
    Slap,
)
from station.devices.sbi import slap_prompt

CONDITIONS = (
    "clear",
    "dry",
    "smudged",
    "partial",
    "missing",
    "wrong_finger",
    "no_finger",
)

#: Image size (width, height) per finger at 500 ppi: the synthetic contact area scales with it
#: (about 300 mm² for 400 × 500).
FINGER_SIZES: dict[Finger, tuple[int, int]] = {
    Finger.RIGHT_THUMB: (460, 560),
    Finger.LEFT_THUMB: (460, 560),
    Finger.RIGHT_INDEX: (400, 500),
    Finger.LEFT_INDEX: (400, 500),
    Finger.RIGHT_MIDDLE: (400, 500),
    Finger.LEFT_MIDDLE: (400, 500),
    Finger.RIGHT_RING: (380, 480),
    Finger.LEFT_RING: (380, 480),
    Finger.RIGHT_LITTLE: (340, 430),
    Finger.LEFT_LITTLE: (340, 430),
}


@dataclass(frozen=True)
class Attempt:
    condition: str
    level: float = 0.5


def finger_seed(person_seed: int, finger: Finger) -> int:
    return fpsynth.person_finger_seed(person_seed, finger.iso_position - 1)


class FingerScript:
    """What a simulated finger device will produce, finger by finger: a condition per attempt
    (the last repeats) and another finger presented instead (the slap and rolled scanners)."""

    def __init__(self) -> None:
        self._scripts: dict[Finger, list[Attempt]] = {}
        self._instead: dict[Finger, Finger] = {}
        self.captures: dict[Finger, int] = {}  # impressions taken per slot

    def set_condition(
        self,
        finger: Finger,
        condition: str = "clear",
        level: float = 0.5,
        *,
        attempts: Sequence[tuple[str, float] | str] | None = None,
    ) -> None:
        """The condition of ``finger`` from now on, or one per attempt (the last repeats)."""
        script = []
        for item in attempts if attempts is not None else [(condition, level)]:
            cond, lvl = (item, 0.5) if isinstance(item, str) else item
            if cond not in CONDITIONS:
                raise ValueError(f"unknown condition {cond!r}; one of {CONDITIONS}")
            script.append(Attempt(cond, float(lvl)))
        if not script:
            raise ValueError("attempts must not be empty")
        self._scripts[Finger(finger)] = script

    def present_instead(self, slot: Finger, actual: Finger) -> None:
        """Capture ``actual`` when ``slot`` is expected (``slot == actual`` undoes it)."""
        if slot == actual:
            self._instead.pop(slot, None)
        else:
            self._instead[slot] = actual

    def attempt_for(self, finger: Finger) -> Attempt:
        """The condition the next capture of ``finger`` will have."""
        script = self._scripts.get(finger, [Attempt("clear")])
        n = self.captures.get(finger, 0)
        return script[min(n, len(script) - 1)]


class SimulatedScanner(FingerScript):
    """:class:`~station.devices.FingerprintScanner` producing synthetic prints."""

    def __init__(self, person_seed: int = 1, *, device_id: str = "simfinger-0") -> None:
        super().__init__()
        self.person_seed = person_seed
        self.info = DeviceInfo(
            kind=DeviceKind.FINGERPRINT,
            driver="simulated",
            device_id=device_id,
            name="Máy quét vân tay mô phỏng / Simulated slap scanner",
            simulated=True,
            details={"person_seed": person_seed},
        )
        self.calls: list[tuple[Slap, tuple[Finger, ...]]] = []

    # -- scenario ------------------------------------------------------------------------------

    def reset(self) -> None:
        self._scripts.clear()
        self._instead.clear()
        self.captures.clear()
        self.calls.clear()

    # -- FingerprintScanner --------------------------------------------------------------------

    def capture(
        self,
        slap: Slap,
        skip: Sequence[Finger],
        prompter: Prompter,
        timeout_s: float = 30.0,
    ) -> list[FingerImage]:
        if prompter.cancelled():
            raise DeviceError("Đã hủy.", "Cancelled.", code="cancelled")
        expected = [f for f in SLAP_FINGERS[slap] if f not in skip]
        self.calls.append((slap, tuple(expected)))
        if not expected:
            return []
        prompter.show(*slap_prompt(slap, skip))
        images: list[FingerImage] = []
        for slot in expected:
            attempt = self.attempt_for(slot)
            index = self.captures.get(slot, 0)
            self.captures[slot] = index + 1
            if attempt.condition == "missing":
                continue
            actual = self._instead.get(slot, slot)
            seed = finger_seed(self.person_seed, actual)
            image = fpsynth.impression(
                seed,
                # A new placement per slot and attempt (never index 0, the reference one).
                impression_index=1 + 100 * slot.iso_position + index,
                condition=attempt.condition,
                level=attempt.level,
                size=FINGER_SIZES[actual],
            )
            images.append(FingerImage(slot, image, 500, None))
        return images
