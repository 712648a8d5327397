"""Rolled fingerprint scanners: the protocol and the simulated scanner.

Circular 60/2021/TT-BCA Art. 5 takes, after the flat 4-4-2 slaps, the ten fingers **rolled**
(nail to nail), from the right thumb to the left little finger. A rolled print is taken one
finger at a time, on a single-finger area of the scanner (or a single-finger scanner), and the
device's software assembles the roll. Drivers: :class:`SimulatedRolledScanner` and the MOSIP SBI
driver (:mod:`station.devices.sbi_bio`: a ``Single`` finger device, one finger per capture).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from station.capture import fpsynth
from station.devices import (
    FINGER_LABELS,
    DeviceError,
    DeviceInfo,
    DeviceKind,
    Finger,
    FingerImage,
    Prompter,
)
from station.devices.simfinger import FingerScript

#: The order of the rolled prints (Circular 60/2021 Art. 5): right thumb to left little finger.
ROLL_ORDER: tuple[Finger, ...] = tuple(Finger)


def roll_prompt(finger: Finger) -> tuple[str, str]:
    vi, en = FINGER_LABELS[finger]
    return (
        f"Lăn {vi} trên máy quét, từ mép móng bên này sang mép móng bên kia.",
        f"Roll the {en} on the scanner, from one edge of the nail to the other.",
    )


@runtime_checkable
class RolledScanner(Protocol):
    info: DeviceInfo

    def capture_rolled(
        self, finger: Finger, prompter: Prompter, timeout_s: float = 30.0
    ) -> FingerImage | None:
        """One rolled impression of ``finger``; None when the device found no finger."""
        ...


class SimulatedRolledScanner(FingerScript):
    """:class:`RolledScanner` with synthetic prints of the same simulated person as the slap
    scanner of that seed (:class:`~station.devices.simfinger.SimulatedScanner`), so a rolled
    print matches the flat print of its finger.

    Scenario control (:class:`~station.devices.simfinger.FingerScript`): :meth:`set_condition`
    (the slap scanner's conditions: ``clear``, ``dry``, ``smudged``, ``partial``, ``missing``,
    ``wrong_finger``, ``no_finger``; per attempt with ``attempts=[...]``) and
    :meth:`present_instead` (the officer rolls another finger). The simulated roll is a new
    placement of the finger at the flat print's size: the generator has no model of the wider
    rolled contact.
    """

    def __init__(self, person_seed: int = 1, *, device_id: str = "simroll-0") -> None:
        super().__init__()
        self.person_seed = person_seed
        self.info = DeviceInfo(
            kind=DeviceKind.ROLLED,
            driver="simulated",
            device_id=device_id,
            name="Máy quét vân tay lăn mô phỏng / Simulated rolled-print scanner",
            simulated=True,
            details={"person_seed": person_seed},
        )

    def capture_rolled(
        self, finger: Finger, prompter: Prompter, timeout_s: float = 30.0
    ) -> FingerImage | None:
        from station.devices.simfinger import FINGER_SIZES, finger_seed

        if prompter.cancelled():
            raise DeviceError("Đã hủy.", "Cancelled.", code="cancelled")
        finger = Finger(finger)
        prompter.show(*roll_prompt(finger))
        attempt = self.attempt_for(finger)
        index = self.captures.get(finger, 0)
        self.captures[finger] = index + 1
        condition, level = attempt.condition, attempt.level
        if condition == "missing":
            return None
        actual = self._instead.get(finger, finger)
        image = fpsynth.impression(
            finger_seed(self.person_seed, actual),
            # Placements apart from the slap scanner's (1 + 100·position + attempt).
            impression_index=51 + 100 * finger.iso_position + index,
            condition=condition,
            level=level,
            size=FINGER_SIZES[actual],
        )
        return FingerImage(finger, image, 500, None)
