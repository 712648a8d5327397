"""Iris cameras: the protocol, the eyes, and the simulated camera.

The identity law of 2023 collects both irises from the age of 6 where the station has an iris
camera (``docs/domain.md``). An iris camera takes a near-infrared grayscale image of one or both
eyes; registration devices (ISO/IEC 19794-6:2011, MOSIP's iris specification) send 640x480
images, 8 bits, with an iris of at least 150-200 px across. The station judges every image itself
(:mod:`station.capture.irisquality`); the device's own score is kept as a hint.

Drivers: :class:`SimulatedIrisCamera` (synthetic eyes of one simulated person,
:mod:`station.capture.irissynth`) and the MOSIP SBI driver (:mod:`station.devices.sbi_bio`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from station.devices import DeviceError, DeviceInfo, DeviceKind, Prompter

Image = npt.NDArray[np.uint8]


class Eye(StrEnum):
    RIGHT = "right"
    LEFT = "left"


EYE_LABELS: dict[Eye, tuple[str, str]] = {
    Eye.RIGHT: ("mắt phải", "right eye"),
    Eye.LEFT: ("mắt trái", "left eye"),
}


def eye_prompt(eyes: Sequence[Eye]) -> tuple[str, str]:
    """The instruction for one iris capture."""
    if len(eyes) == 2:
        return (
            "Mời công dân nhìn thẳng vào máy chụp mống mắt, mở to hai mắt.",
            "Ask the citizen to look straight into the iris camera with both eyes wide open.",
        )
    vi, en = EYE_LABELS[eyes[0]]
    return (
        f"Mời công dân nhìn thẳng vào máy chụp mống mắt ({vi}), mở to mắt.",
        f"Ask the citizen to look straight into the iris camera ({en}), eye wide open.",
    )


@dataclass(frozen=True)
class IrisImage:
    eye: Eye
    image: Image  # grayscale uint8 (near infrared), H x W
    device_quality: int | None = None  # the device's own score 0-100, if it sent one
    #: The device's signed payload as received (SBI ``data`` JWT, checked by the driver), if any.
    device_data: str | None = None


@runtime_checkable
class IrisCamera(Protocol):
    info: DeviceInfo

    def capture(
        self, eyes: Sequence[Eye], prompter: Prompter, timeout_s: float = 30.0
    ) -> list[IrisImage]:
        """One capture of ``eyes``; an eye the device did not find is simply absent."""
        ...


#: Conditions of the simulated camera (per eye, optionally per attempt).
IRIS_CONDITIONS = ("clear", "blurred", "closed", "small", "dark", "cut_off", "missing")


class SimulatedIrisCamera:
    """:class:`IrisCamera` producing synthetic eyes of one simulated person.

    ``set_condition(eye, "blurred")`` (or ``attempts=["blurred", "clear"]``, the last repeats)
    scripts a problem: ``blurred`` (out of focus), ``closed`` (eyelids cover most of the iris),
    ``small`` (the citizen stands too far), ``dark`` (under-exposed), ``cut_off`` (the iris runs
    off the image), ``missing`` (the device finds no eye).
    """

    def __init__(self, person_seed: int = 1, *, device_id: str = "simiris-0") -> None:
        self.person_seed = person_seed
        self.info = DeviceInfo(
            kind=DeviceKind.IRIS,
            driver="simulated",
            device_id=device_id,
            name="Máy chụp mống mắt mô phỏng / Simulated iris camera",
            simulated=True,
            details={"person_seed": person_seed},
        )
        self._scripts: dict[Eye, list[str]] = {}
        self.captures: dict[Eye, int] = {}

    def set_condition(
        self, eye: Eye, condition: str = "clear", *, attempts: Sequence[str] | None = None
    ) -> None:
        script = list(attempts) if attempts is not None else [condition]
        for cond in script:
            if cond not in IRIS_CONDITIONS:
                raise ValueError(f"unknown condition {cond!r}; one of {IRIS_CONDITIONS}")
        if not script:
            raise ValueError("attempts must not be empty")
        self._scripts[Eye(eye)] = script

    def condition_for(self, eye: Eye) -> str:
        script = self._scripts.get(eye, ["clear"])
        return script[min(self.captures.get(eye, 0), len(script) - 1)]

    def capture(
        self, eyes: Sequence[Eye], prompter: Prompter, timeout_s: float = 30.0
    ) -> list[IrisImage]:
        from station.capture import irissynth

        if prompter.cancelled():
            raise DeviceError("Đã hủy.", "Cancelled.", code="cancelled")
        wanted = [Eye(e) for e in eyes]
        if not wanted:
            return []
        prompter.show(*eye_prompt(wanted))
        out = []
        for eye in wanted:
            condition = self.condition_for(eye)
            index = self.captures.get(eye, 0)
            self.captures[eye] = index + 1
            if condition == "missing":
                continue
            image = irissynth.eye_image(
                self.person_seed, eye.value, capture_index=index, condition=condition
            )
            out.append(IrisImage(eye, image, None))
        return out
