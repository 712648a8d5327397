"""The station's window in protocol version 2 (``docs/sync.md``, "Protocol version 2", "The
window"): how many payload bytes it keeps sent and not yet acknowledged.

Off by default (``Uploader(max_window=...)``, ``StreamSession(max_window=...)``): on the shaped
256 kbit/s, 5 % loss link it did not beat the fixed 64 KiB window (``docs/sync.md``,
"Performance"). When allowed to grow, it follows the link: ``WINDOW_SECONDS`` of the
acknowledgement rate measured over the last ``RATE_SPAN_S``, at least ``low`` (64 KiB) and at
most ``high`` (256 KiB). That is twice the bandwidth-delay product for a delay of 3 s: a 2G
round trip with the serialisation of a frame (about 1.1 s at 256 kbit/s and 600 ms round trips)
plus one TCP retransmission timeout, during which the receiver can acknowledge nothing (a lost
TCP segment holds up every byte behind it). With the measured minimum round trip instead, twice
the product stays under 64 KiB on every 2G link served, so the window would never grow where it
was found short (256 kbit/s, 5 % loss).

Only bytes sent *in this stream* and then acknowledged count (an offset line that says the
receiver holds more than was sent is a resume, not a rate). Slow links keep 64 KiB (6 s of
64 kbit/s is 48 KB), so what a cut costs them does not change; a 256 kbit/s link gets about
190 KiB, a faster one 256 KiB, which a cut costs at most (a few seconds of that link).
"""

from __future__ import annotations

from collections import deque

from sync import frames

#: Seconds of the measured acknowledgement rate the window holds.
WINDOW_SECONDS = 6.0
#: Acknowledgements of the last this many seconds make the rate (plus the one just before).
RATE_SPAN_S = 4.0
#: The rate is measured only over at least this long.
MIN_SPAN_S = 1.0


class AdaptiveWindow:
    """The window; ``acked`` is called with each acknowledgement of bytes this stream sent."""

    def __init__(
        self,
        low: int = frames.DEFAULT_WINDOW,
        high: int = frames.MAX_WINDOW,
        *,
        seconds: float = WINDOW_SECONDS,
        span: float = RATE_SPAN_S,
    ) -> None:
        self.low = low
        self.high = max(low, high)
        self.seconds = seconds
        self.span = span
        self.value = low
        #: The largest value the window took.
        self.largest = low
        self._total = 0
        self._acks: deque[tuple[float, int]] = deque()

    @property
    def fixed(self) -> bool:
        return self.high == self.low

    def acked(self, nbytes: int, now: float) -> int:
        """``nbytes`` sent in this stream were acknowledged at ``now`` (monotonic seconds);
        returns the window."""
        if nbytes <= 0 or self.fixed:
            return self.value
        self._total += nbytes
        self._acks.append((now, self._total))
        if len(self._acks) == 1:
            # The first acknowledgement starts the clock: its bytes took an unknown time
            # (connection, TLS, the receiver's announce) and do not count.
            return self.value
        # Keep one acknowledgement older than the span as the baseline.
        while len(self._acks) > 2 and self._acks[1][0] <= now - self.span:
            self._acks.popleft()
        t0, a0 = self._acks[0]
        if now - t0 >= MIN_SPAN_S:
            rate = (self._total - a0) / (now - t0)
            self.value = min(self.high, max(self.low, int(rate * self.seconds)))
            self.largest = max(self.largest, self.value)
        return self.value
