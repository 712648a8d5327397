"""What every screen gets: the station service, the language, the worker and the devices.

A screen reaches the station only through ``ctx.service`` (the :class:`StationService` facade)
and, for uploads, through ``sync.api``; no widget module imports the store, the models or
SQLAlchemy (a test enforces it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from station.errors import StationError
from ui.qt import QCoreApplication
from ui.workers import Worker

if TYPE_CHECKING:  # only named here: the window's first screen does not wait for them
    from station.devices.registry import DeviceRegistry
    from station.service import StationService


def label(pair: tuple[str, str], lang: str) -> str:
    """The Vietnamese or English half of a (vi, en) label pair from the station core."""
    return pair[1] if lang == "en" else pair[0]


def day_text(d: date, lang: str) -> str:
    """A calendar day as people read it: dd/mm/yyyy in Vietnamese, ISO in English."""
    return d.isoformat() if lang == "en" else d.strftime("%d/%m/%Y")


@dataclass
class UiContext:
    service: StationService
    lang: str
    worker: Worker
    devices: DeviceRegistry | None = None
    # Free-form options for tests and the demo (for instance simulated-device scenarios).
    options: dict[str, Any] = field(default_factory=dict)

    def label(self, pair: tuple[str, str]) -> str:
        return label(pair, self.lang)

    def error_text(self, exc: BaseException) -> str:
        """The text to show for an error from a service call or a worker."""
        if isinstance(exc, StationError):
            return exc.message(self.lang)
        return QCoreApplication.translate(
            "UiContext", "Lỗi không mong đợi; đã ghi vào nhật ký. Dữ liệu đã nhập vẫn được giữ."
        )
