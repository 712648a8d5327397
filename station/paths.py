"""Where a station keeps its files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "intake-station"
ENV_DATA_DIR = "INTAKE_STATION_HOME"


def default_data_dir() -> Path:
    """The platform's per-user data folder, or ``$INTAKE_STATION_HOME`` when set."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class StationPaths:
    """The files of one station inside its data folder."""

    root: Path
    store_dir_name: str = "store"

    @property
    def store_dir(self) -> Path:
        """The encrypted store and its key slots; created whole, by one rename, at ``init``."""
        return self.root / self.store_dir_name

    @property
    def database(self) -> Path:
        return self.store_dir / "station.db"

    @property
    def keyslots(self) -> Path:
        return self.store_dir / "keyslots.json"

    @property
    def public_info(self) -> Path:
        """Non-secret facts shown before login: station id, code, name, demo flag."""
        return self.store_dir / "station.json"

    @property
    def backups(self) -> Path:
        """Copies of the store taken before a migration moved its schema (``pre-<rev>-<ts>.db``)."""
        return self.store_dir / "backups"

    @property
    def replaced(self) -> Path:
        """Stores set aside by a restore, kept until the administrator removes them."""
        return self.root / "replaced"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def is_provisioned(self) -> bool:
        return self.keyslots.exists() and self.database.exists()
