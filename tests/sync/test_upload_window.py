"""The station's version-2 window, when allowed to grow, follows the acknowledgement rate: 6 s
of it, 64-256 KiB."""

from __future__ import annotations

from typing import Any

from sync import frames
from sync.receiver.server import BackgroundServer
from sync.streaming import Outgoing, StreamSession
from sync.upload_window import AdaptiveWindow

from .conftest import TestStation, seal_packet

KIB = 1024
FRAME = 16 * KIB


def _link(window: AdaptiveWindow, bytes_per_s: float, seconds: float, t0: float = 0.0) -> float:
    """Acknowledge a frame each time the link has carried one; returns the time reached."""
    t = t0
    while t < t0 + seconds:
        t += FRAME / bytes_per_s
        window.acked(FRAME, t)
    return t


def test_slow_links_keep_64_kib_and_fast_ones_grow_to_the_bound() -> None:
    for bits_per_s, expected in (
        (16_000, 64 * KIB),
        (64_000, 64 * KIB),  # 6 s of it is 48 KB
        (256_000, 192_000),  # 6 s of 32 KB/s
        (2_000_000, 256 * KIB),
    ):
        w = AdaptiveWindow()
        _link(w, bits_per_s / 8, 30)
        assert abs(w.value - expected) <= expected * 0.02, (bits_per_s, w.value)


def test_the_window_shrinks_when_the_rate_falls_and_a_fixed_one_never_moves() -> None:
    w = AdaptiveWindow()
    t = _link(w, 1_000_000 / 8, 10)
    assert w.value == frames.MAX_WINDOW
    _link(w, 32_000 / 8, 20, t)  # the link degrades to 32 kbit/s
    assert w.value == frames.DEFAULT_WINDOW and w.largest == frames.MAX_WINDOW
    fixed = AdaptiveWindow(64 * KIB, 64 * KIB)
    _link(fixed, 1_000_000 / 8, 10)
    assert fixed.value == fixed.largest == 64 * KIB


def test_a_burst_at_the_start_or_after_a_stall_is_not_taken_for_a_fast_link() -> None:
    w = AdaptiveWindow()
    w.acked(200 * KIB, 5.0)  # the first acknowledgement (connection, TLS...): not a rate
    assert w.value == frames.DEFAULT_WINDOW
    t = _link(w, 64_000 / 8, 8, 5.0)
    # A 3 s stall (a retransmission timeout), then what the link carried meanwhile (behind the
    # lost segment) arrives at once: the rate is taken from the acknowledgement before the stall.
    w.acked(FRAME, t + 3.0)
    w.acked(FRAME, t + 3.01)
    assert w.value == frames.DEFAULT_WINDOW  # still a 64 kbit/s link


def test_on_loopback_the_window_grows_and_the_receiver_takes_it(
    server: BackgroundServer, receiver_public: Any, station_a: TestStation
) -> None:
    sealed = seal_packet(station_a, receiver_public, size=400_000)
    receipts: dict[str, Any] = {}

    class Events:
        def on_offset(self, packet_id: str, offset: int) -> None:
            pass

        def on_receipt(self, packet_id: str, receipt: dict[str, Any]) -> None:
            receipts[packet_id] = receipt

        def on_error(self, packet_id: str, err: Exception) -> None:
            raise AssertionError(err)

    out = Outgoing(sealed.packet_id, sealed.data, sealed.sha256, 0)
    rate = 1_000_000 / 8  # a 1 Mbit/s link, by the station's own pacing (its bandwidth cap)
    session = StreamSession(
        server.url,
        station_a.station_id,
        station_a.signing_key,
        None,
        [out],
        Events(),
        max_window=frames.MAX_WINDOW,
        pace=lambda n: n / rate,
    )
    stats = session.run()
    assert receipts[sealed.packet_id]["receipt"]["status"] == "accepted"
    assert stats.max_window == frames.MAX_WINDOW, stats
