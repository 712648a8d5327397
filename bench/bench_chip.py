"""Time to read a chip ID card with a ~20 KB face over the virtual PC/SC reader (pcscd + vpcd),
for each profile of the test card (BAC + active authentication; extended-length reads; PACE AES
on brainpoolP256r1 with chip and active authentication), with no added latency and with 20 ms
added per APDU (a slow contactless link); and the time of one chip-vs-live face comparison.

Run as root (starts pcscd if none runs) with pcscd, vsmartcard-vpcd and pyscard installed:
    .venv/bin/python bench/bench_chip.py [rounds]
Prints APDUs per read and seconds per read (median, min, max).
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station.chip.reader import read_chip
from station.devices.cardreader import CardReader
from tests.chip.vcard import (
    CA_AES128,
    EXT_ATR,
    PACE_AES128,
    VPCD_PORT,
    Person,
    Pki,
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


class SlowCard(VirtualCard):
    """The virtual card answering each APDU ``delay`` seconds late."""

    delay = 0.0

    def process(self, apdu: bytes) -> bytes:
        if self.delay:
            time.sleep(self.delay)
        return super().process(apdu)


Profiles = dict[str, tuple[dict[int, bytes], dict[str, Any]]]


def _profiles(person: Person, pki: Pki, jpeg: bytes) -> Profiles:
    plain = build_card(person, pki, jpeg)
    pace_ca = build_card(person, pki, jpeg, ca_oid=CA_AES128)
    return {
        "BAC + AA": (plain, {}),
        "BAC + AA, extended length": (plain, {"atr": EXT_ATR}),
        "PACE AES brainpoolP256r1 + CA + AA": (pace_ca, {"pace": (PACE_AES128, 13), "bac": False}),
    }


def _face_pair(jpeg: bytes, rounds: int) -> None:
    import cv2
    from skimage import data

    from station.chip import face

    rgb = data.astronaut()  # type: ignore[no-untyped-call]
    live = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes()
    t = time.perf_counter()
    face.compare(jpeg, bytes(live))  # loads the models
    first = time.perf_counter() - t
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        result = face.compare(jpeg, bytes(live))
        times.append(time.perf_counter() - t)
    print(
        f"face comparison (chip 300x400 vs live 512x512): first {first:.2f} s with model loading, "
        f"then median {statistics.median(times):.3f} s per pair; distance "
        f"{result.distance:.3f} ({result.status}, threshold {result.threshold})"
    )


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    person, pki, jpeg = Person(), make_pki(), face_jpeg()
    profiles = _profiles(person, pki, jpeg)
    plain = profiles["BAC + AA"][0]
    print(f"face JPEG {len(jpeg)} bytes, DG2 {len(plain[0x0102])} bytes")
    for name, (files, kw) in profiles.items():
        card = VirtualCard(files, person.access_key(), **kw)
        t = time.perf_counter()
        direct = read_chip(card.process, person.access_key(), atr=card.atr)
        print(f"in-process, {name}: {direct.apdus} APDUs, {time.perf_counter() - t:.4f} s")
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
        for delay in (0.0, 0.020):
            for name, (files, kw) in profiles.items():
                n = rounds if delay == 0 else max(1, rounds // 5)
                times: list[float] = []
                apdus = 0
                for _ in range(n):
                    reader.wait_for_removal(5)
                    card = SlowCard(files, person.access_key(), **kw)
                    card.delay = delay
                    slot = VpcdCard(card)
                    slot.insert()
                    reader.wait_for_card(5)
                    atr = reader.connect()
                    t = time.perf_counter()
                    data = read_chip(reader.transmit, person.access_key(), [pki.csca], atr=atr)
                    times.append(time.perf_counter() - t)
                    apdus = data.apdus
                    assert data.status == "ok", data.summary()
                    reader.disconnect()
                    slot.remove()
                print(
                    f"PC/SC, {name}, +{delay * 1000:.0f} ms per APDU, {n} reads: {apdus} APDUs; "
                    f"median {statistics.median(times):.3f} s, min {min(times):.3f} s, "
                    f"max {max(times):.3f} s"
                )
        _face_pair(jpeg, rounds)
    finally:
        reader.close()
        if proc is not None:
            proc.terminate()
            proc.wait(5)


if __name__ == "__main__":
    main()
