"""The rolled-print page of the wizard: the ten fingers rolled, right thumb to left little finger.

After the flat 4-4-2 slaps (Circular 60/2021/TT-BCA Art. 5). One press of Space rolls the selected
finger once on the single-finger scanner; the station keeps the best of up to three rolls and
saves it at once. The core compares each rolled print with the flat print of its finger; a
mismatch is shown as an alarm (roll again, or a supervisor overrides). A finger with a flat-print
exception is not rolled; one that cannot be rolled gets its own exception.
"""

from __future__ import annotations

from typing import Any

from station.capture import fingerprint
from station.capture.completeness import FINGER_EXCEPTIONS, ExceptionKind
from station.capture.rolled import RolledSession
from station.devices import FINGER_LABELS, DeviceKind, Finger, Image
from station.devices.rolled import ROLL_ORDER
from station.dossier import PartKind
from station.errors import ValidationError
from station.form import Captures
from station.service import StationService
from ui.bio_page import BioPage, BioSpec
from ui.context import UiContext
from ui.qt import QCoreApplication, QWidget

translate = QCoreApplication.translate


class RolledSpec(BioSpec):
    part_kind = PartKind.ROLLED_PRINT.value
    device_kind = DeviceKind.ROLLED
    exception_kinds = tuple(k for k in ExceptionKind if k in FINGER_EXCEPTIONS)

    def items(self) -> list[tuple[str, tuple[str, str]]]:
        return [(f.value, FINGER_LABELS[f]) for f in ROLL_ORDER]

    def required(self, service: StationService, captures: Captures | None) -> bool:
        return captures is not None and captures.fingerprints

    def new_session(self, device: Any, skip: set[str], service: StationService) -> Any:
        settings = service.gate_settings()
        return RolledSession(
            device,
            settings.rolled_min_quality,
            settings.max_attempts,
            skip=[Finger(s) for s in skip],
        )

    def capture(self, session: Any, slot: str, prompter: Any) -> None:
        finger = Finger(slot)
        if session.attempts(finger) >= session.max_attempts:
            session.recapture(finger)
        session.capture(finger, prompter)

    def save(
        self, service: StationService, dossier_id: str, session: Any, slot: str
    ) -> Image | None:
        result = session.results().get(Finger(slot))
        if result is None:
            return None
        service.save_rolled_print(
            dossier_id, slot, result.encoded, result.media_type, result.meta()
        )
        return result.image  # type: ignore[no-any-return]

    def decode(self, data: bytes) -> Image | None:
        try:
            return fingerprint.decode_stored(data)
        except ValidationError:
            return None

    def skipped(self, info: dict[str, Any], slot: str) -> bool:
        exceptions = info.get("exceptions", {})
        return f"rolled_print/{slot}" in exceptions or f"fingerprint/{slot}" in exceptions


class RolledPage(BioPage):
    """Wizard page: the ten rolled prints."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, RolledSpec(), parent)

    def heading_text(self) -> str:
        return translate("RolledPage", "Vân tay lăn: mười ngón, từ ngón cái phải đến ngón út trái")

    def not_needed_text(self) -> str:
        return translate(
            "RolledPage",
            "Hồ sơ này không cần lăn vân tay: công dân chưa đến tuổi thu nhận vân tay.",
        )
