"""What checking the device's signatures costs per SBI capture (station/devices/sbitrust.py):
one biometric's ``data`` JWS and its ``digitalId`` JWS, RS256 with 2048-bit keys, each chained
device key -> provider CA -> adopter CA, plus the hash chain; and a 4-4-2 slap set (10 prints)
captured from the test SBI service on loopback, verified, and kept unverified by a station with
an empty trust store that allows untrusted devices.

    .venv/bin/python bench/bench_sbi_trust.py [rounds]
Prints milliseconds (median, min, max).
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station.devices import SLAP_FINGERS, SilentPrompter, Slap
from station.devices.sbi import SbiClient, SbiScanner
from sync.sbi_transport import HttpxSbiTransport
from tests.sbi_server import SbiTestServer, b64url, sign_jwt, station_trust


def _ms(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return f"median {statistics.median(ms):.2f} ms (min {min(ms):.2f}, max {max(ms):.2f})"


def one_capture(rounds: int) -> None:
    value = bytes(range(256)) * 60  # about a WSQ print's size
    ident = sign_jwt({"serialNo": "S1", "make": "Test", "model": "Slap-4"})
    token = sign_jwt({"digitalId": ident, "bioValue": b64url(value), "transactionId": "tx"})
    previous = hashlib.sha256(b"").hexdigest().upper()
    digest = hashlib.sha256(value).hexdigest().upper()
    chained = hashlib.sha256((previous + digest).encode()).hexdigest().upper()
    trust = station_trust()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        trust.check_capture(
            token,
            transaction_id="tx",
            serials=["S1"],
            previous_hash=previous,
            hash_value=chained,
            bio_value=value,
        )
        samples.append(time.perf_counter() - start)
    print(f"one biometric (2 JWS, 2 paths of 3, hash chain): {_ms(samples)}")


def slap_set(rounds: int) -> None:
    with SbiTestServer(person_seed=7, image_format="png") as server, HttpxSbiTransport() as t:
        for label, allow in (("verified", False), ("refused-but-allowed (no anchor)", True)):
            samples = []
            for _ in range(rounds):
                trust = station_trust(allow_untrusted=allow)
                if allow:  # an empty trust store: each path fails, the capture is kept
                    trust = type(trust)(allow_untrusted=True)
                client = SbiClient(t, ports=[server.port], trust=trust)
                (device,) = client.discover()
                scanner = SbiScanner(client, device)
                start = time.perf_counter()
                for slap in (Slap.RIGHT_FOUR, Slap.LEFT_FOUR, Slap.THUMBS):
                    scanner.capture(slap, [], SilentPrompter())
                samples.append(time.perf_counter() - start)
            fingers = sum(len(SLAP_FINGERS[s]) for s in Slap)
            print(f"4-4-2 over loopback, {fingers} prints, signatures {label}: {_ms(samples)}")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    one_capture(n * 10)
    slap_set(max(3, n // 4))
