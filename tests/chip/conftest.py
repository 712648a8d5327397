"""The virtual card behind the real PC/SC stack: pcscd + vsmartcard's vpcd + tests/chip/vcard.py.

pcscd loads vpcd from /etc/reader.conf.d/vpcd (Debian's vsmartcard-vpcd); vpcd then listens on
TCP 35963 for a card. The suite uses a pcscd already running, or starts ``pcscd --foreground``
itself when root, and stops what it started. Otherwise the PC/SC tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chip.vcard import VPCD_PORT, Person, Pki, face_jpeg, make_pki

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
READER = "Virtual PCD 00 00"
#: vpcd's second slot, a second reader to pcscd: its card connects on TCP 35964.
READER2 = "Virtual PCD 00 01"
VPCD_PORT2 = VPCD_PORT + 1


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _pcscd_running() -> bool:
    return (
        Path("/run/pcscd/pcscd.comm").exists()
        and subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, check=False).returncode
        == 0
    )


@pytest.fixture(scope="session")
def pcscd() -> Iterator[None]:
    try:
        import smartcard  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        pytest.skip(
            "pyscard is not installed in the venv (pip install pyscard; needs swig and "
            "libpcsclite-dev to build)"
        )
    if shutil.which("pcscd") is None:
        pytest.skip("pcscd is not installed (apt-get install pcscd)")
    if not VPCD_DRIVER.exists() or not VPCD_CONF.exists():
        pytest.skip(f"vsmartcard-vpcd is not installed ({VPCD_DRIVER}, {VPCD_CONF} missing)")
    proc: subprocess.Popen[bytes] | None = None
    if not _pcscd_running():
        if os.geteuid() != 0:
            pytest.skip("pcscd is not running and the tests are not root, so cannot start it")
        proc = subprocess.Popen(
            ["pcscd", "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    deadline = time.monotonic() + 10
    while not _port_open(VPCD_PORT):
        if time.monotonic() > deadline:
            if proc is not None:
                proc.terminate()
                proc.wait(5)
            pytest.skip(f"pcscd runs but vpcd does not listen on port {VPCD_PORT}")
        time.sleep(0.1)
    time.sleep(0.3)  # the probe connection looked like a card; let pcscd see it leave
    yield
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="session")
def jpeg() -> bytes:
    return face_jpeg()


@pytest.fixture
def person() -> Person:
    return Person()


@pytest.fixture
def csca_file(tmp_path: Path, pki: Pki) -> Path:
    path = tmp_path / "csca.pem"
    path.write_bytes(pki.csca_pem())
    return path
