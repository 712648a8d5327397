"""Uploads a station's outbox, slowly, until killed (the station-kill test)."""

from __future__ import annotations

import sys
from pathlib import Path

from station.paths import StationPaths
from station.service import StationService
from sync import api


def main(root: str, operator: str, password: str) -> None:
    svc = StationService(StationPaths(Path(root)))
    svc.login(operator, password)
    uploader = api.uploader_for(svc)
    uploader.chunk_size = int(sys.argv[4])
    print("ready", flush=True)
    uploader.run_once()
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
