"""Field deployment: backup and restore, the sync-age station lock, diagnostic reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from station.service import StationService


class Deployment:
    """Reached as ``service.deployment``."""

    def __init__(self, service: StationService) -> None:
        self._svc = service
