"""The iris page of the wizard: both eyes on the iris camera.

From the age of 6, where the station has an iris camera (the core decides: the citizen's age and
the gate setting ``iris_camera``). One press of Space captures the selected eye; the station keeps
the best of up to three images and saves it at once; the core measures it (an eye found, size,
usable area, sharpness) and the page shows its verdict. An eye that cannot be captured gets an
exception with a reason.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from station.capture.completeness import EYE_EXCEPTIONS, ExceptionKind
from station.capture.iris import IrisSession
from station.devices import DeviceKind, Image
from station.devices.iris import EYE_LABELS, Eye
from station.dossier import PartKind
from station.form import Captures
from station.service import StationService
from ui.bio_page import BioPage, BioSpec
from ui.context import UiContext
from ui.qt import QCoreApplication, QWidget

translate = QCoreApplication.translate


class IrisSpec(BioSpec):
    part_kind = PartKind.IRIS.value
    device_kind = DeviceKind.IRIS
    exception_kinds = tuple(k for k in ExceptionKind if k in EYE_EXCEPTIONS)

    def items(self) -> list[tuple[str, tuple[str, str]]]:
        return [(e.value, EYE_LABELS[e]) for e in Eye]

    def required(self, service: StationService, captures: Captures | None) -> bool:
        return captures is not None and captures.iris and service.gate_settings().iris_camera

    def new_session(self, device: Any, skip: set[str], service: StationService) -> Any:
        settings = service.gate_settings()
        return IrisSession(
            device, settings.iris_min_quality, settings.max_attempts, skip=[Eye(s) for s in skip]
        )

    def capture(self, session: Any, slot: str, prompter: Any) -> None:
        eye = Eye(slot)
        if session.attempts(eye) >= session.max_attempts:
            session.recapture(eye)
        session.capture(prompter, [eye])

    def save(
        self, service: StationService, dossier_id: str, session: Any, slot: str
    ) -> Image | None:
        result = session.results().get(Eye(slot))
        if result is None:
            return None
        service.save_iris(dossier_id, slot, result.encoded, result.media_type, result.meta())
        return result.image  # type: ignore[no-any-return]

    def decode(self, data: bytes) -> Image | None:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
        return None if image is None else np.asarray(image, dtype=np.uint8)


class IrisPage(BioPage):
    """Wizard page: both irises."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, IrisSpec(), parent)

    def heading_text(self) -> str:
        return translate("IrisPage", "Mống mắt: mắt phải, rồi mắt trái")

    def not_needed_text(self) -> str:
        return translate(
            "IrisPage",
            "Hồ sơ này không cần chụp mống mắt: công dân dưới 6 tuổi, hoặc trạm không có máy "
            "chụp mống mắt.",
        )
