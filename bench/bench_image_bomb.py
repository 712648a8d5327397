"""Hostile images: how fast each decoder refuses a decompression bomb, and what it costs.

Run: ``.venv/bin/python bench/bench_image_bomb.py [--side 30000]``. A PNG of ``side`` x ``side``
grey pixels (a few MB on disk) goes to every decoder of outside images; each refusal comes from
the shared header check (``station.imagecheck``). Prints the time per refusal and the peak
Python-allocated memory during it; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import struct
import sys
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

from bench_store import machine

from station import imagecheck, qr
from station.capture import documents, face
from station.devices.sbi import decode_finger_image
from station.errors import ValidationError


def bomb_png(side: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    comp = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    raw = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def measure(name: str, call: Callable[[], object], runs: int = 200) -> None:
    times = []
    tracemalloc.start()
    for _ in range(runs):
        t0 = time.perf_counter()
        with contextlib.suppress(ValidationError, imagecheck.HeaderError):
            call()
        times.append((time.perf_counter() - t0) * 1000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  {name:<28} refused in median {statistics.median(times):.3f} ms, "
        f"max {max(times):.3f} ms; peak Python allocation {peak / 1024:.0f} KiB"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=30000)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    data = bomb_png(args.side)
    print(f"bomb: PNG {args.side} x {args.side} pixels, {len(data) / 1e6:.1f} MB on disk")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    measure("header check", lambda: imagecheck.checked_header(data))
    measure("document (documents.decode)", lambda: documents.decode(data))
    measure("QR image (qr.decode_image)", lambda: qr.decode_image(data))
    measure("portrait (face.load_image)", lambda: face.load_image(data))
    measure("fingerprint file", lambda: decode_finger_image(data))
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak resident memory grew by {(rss1 - rss0) / 1024:.1f} MB over all refusals")


if __name__ == "__main__":
    main()
