"""A fork server for the kill loop: imports once, then forks a fresh process per ``go`` line,
which the test SIGKILLs. Forking skips the two seconds of imports a new interpreter costs, so
that hundreds of kills fit in a short test; each child is a real process doing real work.

    python tests/sync/kill_zygote.py station ROOT OPERATOR   (password on the first stdin line)
    python tests/sync/kill_zygote.py receiver DATA PORT HELD_KEYS FULL_KEYS

stdin: ``go`` (station) or ``go held`` / ``go full`` (receiver: which key set), one per child.
stdout: ``pid N`` when a child starts, ``exit N CODE`` when it ends (CODE -9: SIGKILLed), and
the children's own lines (``done`` when a station child finds nothing left to send).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def station_child(root: str, operator: str, password: str) -> None:
    from station.paths import StationPaths
    from station.service import StationService
    from sync import api

    svc = StationService(StationPaths(Path(root)))
    svc.login(operator, password)
    up = api.uploader_for(svc)
    up.chunk_size = 4 * 1024  # many requests per packet: kills land mid-upload
    while True:
        report = up.run_once(budget_s=1.0)
        if report.reachable and not report.failed and not svc.pending_packets():
            print(f"done {os.getpid()}", flush=True)
            os._exit(0)
        time.sleep(0.1)


def receiver_child(data: str, port: int, key_files: list[str]) -> None:
    from sync.receiver.app import create_app
    from sync.receiver.core import Receiver
    from sync.receiver.keys import load_keys
    from sync.receiver.server import BackgroundServer
    from sync.receiver.store import ReceiverStore

    receiver = Receiver(ReceiverStore(Path(data)), load_keys([Path(k) for k in key_files]))
    server = BackgroundServer(create_app(receiver), port=port, graceful_shutdown=0)
    server.start(timeout=30)
    print(f"ready {os.getpid()}", flush=True)
    while True:
        time.sleep(3600)


def main() -> None:
    kind = sys.argv[1]
    if kind == "station":
        import sync.api
        import sync.uploader
        from station import service

        service._load_heavy()  # what the first login imports (numpy, OpenCV...): before forking

        password = sys.stdin.readline().rstrip("\n")
    else:
        import uvicorn  # noqa: F401

        import sync.receiver.app
        import sync.receiver.server  # noqa: F401
    print("zygote ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] != "go":
            continue
        pid = os.fork()
        if pid == 0:
            try:
                if kind == "station":
                    station_child(sys.argv[2], sys.argv[3], password)
                else:
                    keys = sys.argv[4] if words[1:] == ["held"] else sys.argv[5]
                    receiver_child(sys.argv[2], int(sys.argv[3]), keys.split(","))
            except BaseException as exc:
                print(f"child error {type(exc).__name__}: {exc}", flush=True)
            os._exit(1)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(f"exit {pid} {code}", flush=True)


if __name__ == "__main__":
    main()
