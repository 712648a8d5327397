"""Packet figures: seal and open time per dossier, packet size and overhead.

Run: ``.venv/bin/python bench/bench_packet.py [--rounds N]``. Prints figures; asserts nothing.
The dossier is realistic in size, with random bytes standing in for the captures: a face JPEG of
~50 KB, ten WSQ prints of 15-25 KB, a signature PNG of ~10 KB and two document pages of ~200 KB.
A second run seals a dossier padded to just under the 16 MiB packet limit.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from station import crypto, packet
from station.devices import Finger

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import machine

STATION_ID = "0b6a4f4e-2c1d-4e8a-9b7f-5d3c2a1e0f9b"


def realistic_parts(rng: random.Random) -> list[packet.PartInput]:
    parts = [
        packet.PartInput("face", "", "image/jpeg", os.urandom(50_000), {"quality": {"score": 0.9}})
    ]
    for finger in Finger:
        size = rng.randint(15_000, 25_000)
        parts.append(
            packet.PartInput(
                "fingerprint", finger.value, "image/x-wsq", os.urandom(size), {"nfiq2": 60}
            )
        )
    parts.append(packet.PartInput("signature", "", "image/png", os.urandom(10_000), {}))
    for page in (1, 2):
        parts.append(
            packet.PartInput(
                "document", f"birth_certificate_{page}", "image/jpeg", os.urandom(200_000), {}
            )
        )
    return parts


def seal_input(parts: list[packet.PartInput]) -> packet.SealInput:
    return packet.SealInput(
        dossier_id="5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f",
        number="TN-001-20261123-0007",
        case_type="first_issue",
        form={
            "full_name": "Nguyễn Thị Minh Khai",
            "date_of_birth": "1990-05-17",
            "id_number": "019190001234",
            "place_of_origin": "Xã Đồng Bẩm, Thành phố Thái Nguyên, Tỉnh Thái Nguyên",
            "permanent_address": "Số 12, Tổ 5, Phường Quang Trung, Thành phố Thái Nguyên",
        },
        capture={"exceptions": {}, "context": {"device": "bench"}},
        operator_id="op.nguyen",
        supervisor_id="sup.tran",
        created_at="2026-11-23T01:02:03.000000Z",
        approved_at="2026-11-23T03:10:00.500000Z",
        parts=parts,
    )


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median and max wall time in milliseconds."""
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def run(label: str, inp: packet.SealInput, rounds: int) -> None:
    signing = crypto.ed25519_generate()
    station_pub = crypto.ed25519_public(signing)
    receiver = crypto.HpkePrivateKey.generate()
    pub = receiver.public_key()
    key_id = packet.hpke_key_id(pub)

    def do_seal() -> packet.Sealed:
        return packet.seal(
            inp,
            station_id=STATION_ID,
            station_code="TN-001",
            signing_key=signing,
            receiver_key=pub,
            receiver_key_id=key_id,
            now=datetime.now(UTC),
        )

    sealed = do_seal()
    payload = sum(len(p.data) for p in inp.parts)
    seal_med, seal_max = timed(do_seal, rounds)
    open_med, open_max = timed(
        lambda: packet.open_packet(
            sealed.data, receiver_key=receiver, station_public_key=station_pub
        ),
        rounds,
    )
    header_med, _ = timed(lambda: packet.read_header(sealed.data), rounds)
    outer_med, _ = timed(lambda: packet.verify_outer(sealed.data, station_pub), rounds)
    overhead = sealed.size - payload
    print(f"\n{label}: {len(inp.parts)} parts, {payload:,} bytes of part data")
    print(f"  packet size           {sealed.size:,} bytes")
    print(f"  overhead              {overhead:,} bytes ({overhead / payload:.2%} of the parts)")
    print(f"  seal                  {seal_med:8.2f} ms median, {seal_max:8.2f} ms max")
    print(f"  open (full verify)    {open_med:8.2f} ms median, {open_max:8.2f} ms max")
    print(f"  read_header (no key)  {header_med:8.2f} ms median")
    print(f"  verify_outer          {outer_med:8.2f} ms median")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    print(f"Python {platform.python_version()}, rounds: {args.rounds}")
    rng = random.Random(7)
    run("Realistic dossier", seal_input(realistic_parts(rng)), args.rounds)

    # A dossier just under the limit: the same parts plus one large scan filling the rest.
    parts = realistic_parts(rng)
    base = sum(len(p.data) for p in parts)
    filler = packet.MAX_PACKET_BYTES - base - 8_000  # leaves room for manifest and envelope
    parts.append(packet.PartInput("document", "scan_large", "application/pdf", b"\0" * filler, {}))
    run("Near-limit dossier", seal_input(parts), max(3, args.rounds // 10))


if __name__ == "__main__":
    main()
