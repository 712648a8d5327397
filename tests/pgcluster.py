"""A throw-away PostgreSQL cluster on loopback, for the benches and the tests (as ``postgres`` when
run as root, since PostgreSQL refuses to run as root). Durable settings (``fsync`` on) unless
asked. The one implementation: ``tests/sync/conftest.py``, ``tests/sync/loadrig.py`` and
``bench/bench_receiver.py`` use it."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path


def pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for version in ("17", "16", "15", "14"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin/{name}")
        if candidate.exists():
            return str(candidate)
    return None


def available() -> bool:
    """PostgreSQL's binaries and psycopg are here (and ``runuser``, when running as root)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return bool(pg_bin("initdb") and pg_bin("pg_ctl")) and (
        os.geteuid() != 0 or shutil.which("runuser") is not None
    )


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextlib.contextmanager
def cluster(
    *, fsync: bool = True, max_connections: int = 200, stop_mode: str = "fast"
) -> Iterator[str]:
    """Start a cluster; yields ``user@host:port`` (trust authentication on loopback); raises
    ``RuntimeError``, ``OSError`` or ``CalledProcessError`` when it cannot start."""
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL is not installed (initdb, pg_ctl)")
    root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    opts = (
        f"-h 127.0.0.1 -p {port} -k {root} -c fsync={'on' if fsync else 'off'} "
        f"-c max_connections={max_connections}"
    )
    try:
        subprocess.run(
            _as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "receiver", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_postgres(
                [pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"]
            ),
            check=True,
            capture_output=True,
        )
        yield f"receiver@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-m", stop_mode, "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def new_database(server: str, prefix: str = "b") -> str:
    """A new empty database on ``server``: its SQLAlchemy URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"postgresql://{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgresql+psycopg://{server}/{name}"
