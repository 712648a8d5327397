"""Time to read a chip ID card with a ~20 KB face over the virtual PC/SC reader (pcscd + vpcd).

Run as root (starts pcscd if none runs) with pcscd, vsmartcard-vpcd and pyscard installed:
    .venv/bin/python bench/bench_chip.py [rounds]
Prints APDUs per read, seconds per read (median, min, max) and the direct in-process figure
without PC/SC for comparison.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station.chip.reader import read_chip
from station.devices.cardreader import CardReader
from tests.chip.vcard import (
    VPCD_PORT,
    Person,
    VirtualCard,
    VpcdCard,
    build_card,
    face_jpeg,
    make_pki,
)


def _port_open() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", VPCD_PORT), timeout=0.2):
            return True
    except OSError:
        return False


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    person, pki, jpeg = Person(), make_pki(), face_jpeg()
    files = build_card(person, pki, jpeg)
    print(f"face JPEG {len(jpeg)} bytes, DG2 {len(files[0x0102])} bytes")

    card = VirtualCard(files, person.access_key())
    t = time.perf_counter()
    direct = read_chip(card.process, person.access_key())
    print(f"in-process (no PC/SC): {direct.apdus} APDUs, {time.perf_counter() - t:.4f} s")

    proc = None
    if not _port_open():
        if shutil.which("pcscd") is None or os.geteuid() != 0:
            print("pcscd not running and cannot start it (needs root and pcscd): PC/SC skipped")
            return
        proc = subprocess.Popen(["pcscd", "--foreground"], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _port_open() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
    reader = CardReader("Virtual PCD 00 00")
    try:
        times: list[float] = []
        apdus = 0
        for _ in range(rounds):
            reader.wait_for_removal(5)
            slot = VpcdCard(VirtualCard(files, person.access_key()))
            slot.insert()
            reader.wait_for_card(5)
            reader.connect()
            t = time.perf_counter()
            data = read_chip(reader.transmit, person.access_key())
            times.append(time.perf_counter() - t)
            apdus = data.apdus
            assert data.passive.ok
            slot.remove()
        print(
            f"PC/SC virtual reader, {rounds} reads: {apdus} APDUs per read; "
            f"median {statistics.median(times):.3f} s, min {min(times):.3f} s, "
            f"max {max(times):.3f} s; {statistics.median(times) / apdus * 1000:.2f} ms per APDU"
        )
    finally:
        reader.close()
        if proc is not None:
            proc.terminate()
            proc.wait(5)


if __name__ == "__main__":
    main()
