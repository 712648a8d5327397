"""Pulls statuses by cursor and is SIGKILLed right after the commit of page ``kill_after``
(the cursor-survives-a-kill test)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from station import delivery
from station.paths import StationPaths
from station.service import StationService
from sync import api, uploader


def main(root: str, operator: str, password: str, kill_after: int) -> None:
    svc = StationService(StationPaths(Path(root)))
    svc.login(operator, password)
    pages = 0
    apply = delivery.apply_status_page

    def apply_then_die(service: StationService, changes: Any, cursor: int) -> int:
        nonlocal pages
        n = apply(service, changes, cursor)
        pages += 1
        if pages == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return n

    uploader.delivery.apply_status_page = apply_then_die  # type: ignore[attr-defined]
    up = api.uploader_for(svc)
    up.pull_status()
    print("not killed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
