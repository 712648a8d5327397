"""Quotas and reports for team leaders (dossiers per day, operator and commune against quotas)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from station.service import StationService


class Reporting:
    """Reached as ``service.reporting``."""

    def __init__(self, service: StationService) -> None:
        self._svc = service
