"""Processes for the fault tests: a receiver served by ``intake-station-receiver serve`` and the
station's ``intake-station`` command, each in its own process so that it can be SIGKILLed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ReceiverProcess:
    """``serve`` on loopback (plain HTTP), started, killed and started again on one port."""

    def __init__(
        self,
        data_dir: Path,
        keys: list[Path],
        port: int | None = None,
        database_url: str | None = None,
        extra: list[str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.keys = keys
        self.database_url = database_url
        self.extra = extra or []
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"receiver-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, keys: list[Path] | None = None, wait: bool = True) -> None:
        if keys is not None:
            self.keys = keys
        args = [
            sys.executable,
            "-c",
            "import sys; from sync.receiver.cli import main; sys.exit(main(sys.argv[1:]))",
            "serve",
            "--data",
            str(self.data_dir),
            "--port",
            str(self.port),
        ]
        for k in self.keys:
            args += ["--keys", str(k)]
        if self.database_url is not None:
            args += ["--database-url", self.database_url]
        args += self.extra
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=ENV, stdout=log, stderr=log)
        if wait:
            self.wait_healthy()

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/v1/health", trust_env=False, timeout=2).is_success:
                    return
            except httpx.TransportError:
                pass
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "receiver did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        self.kill()


def station_command(root: Path, operator: str, password: str, *args: str) -> subprocess.Popen[str]:
    """``intake-station --data-dir ROOT --password-stdin ... --as OPERATOR``, password fed."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from station.cli import main; sys.exit(main(sys.argv[1:]))",
            "--data-dir",
            str(root),
            "--password-stdin",
            *args,
            "--as",
            operator,
        ],
        cwd=ROOT,
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(password + "\n")
    proc.stdin.close()
    proc.stdin = None  # communicate() then only reads
    return proc
