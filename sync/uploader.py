"""The uploader: sends the outbox to the receiver, resumably, on slow and lossy links.

* Packets go oldest first. Each resumes from the offset the receiver acknowledges (it asks on
  every start, so a station killed mid-upload, or a receiver restarted, costs at most the chunk
  that was in flight).
* Chunks are checksummed (the receiver refuses a damaged chunk and it is sent again), sent on one
  kept-alive connection, and paced by an optional bandwidth cap (a token bucket).
* A packet counts as delivered only when the receiver's signed receipt verifies against the
  pinned key ("already have it" is a receipt too). A packet the receiver refuses for good
  (tampered, too large, replayed...) becomes "refused", is shown, and never blocks the others.
* Failures back off exponentially with full jitter. The loop wakes on a timer, on request and
  on network-up (while the receiver is out of reach, a health probe every ``probe_s``
  seconds ends the wait as soon as it answers); it never holds a database lock longer than one
  short progress write.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from station.service import PacketInfo, StationService
from sync.client import ReceiverClient, ReceiverError
from sync.protocol import DEFAULT_CHUNK

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    reachable: bool = False
    receipted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    errors: list[str] = field(default_factory=list)


class Throttle:
    """A token bucket: at most ``rate`` bytes per second on average, bursts of one chunk."""

    def __init__(self, rate_bps: float | None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate_bps
        self.sleep = sleep
        self._allowance = 0.0
        self._last = time.monotonic()

    def take(self, n: int) -> None:
        if not self.rate:
            return
        now = time.monotonic()
        self._allowance = min(self._allowance + (now - self._last) * self.rate, float(n))
        self._last = now
        if self._allowance < n:
            self.sleep((n - self._allowance) / self.rate)
            self._last = time.monotonic()
            self._allowance = 0.0
        else:
            self._allowance -= n


def backoff(
    attempt: int, base_s: float = 2.0, cap_s: float = 600.0, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    r = rng or random.Random()  # noqa: S311 - jitter, not a secret
    return r.uniform(0, min(cap_s, base_s * 2 ** min(attempt, 20)))


_RUN_LOCKS: weakref.WeakKeyDictionary[StationService, threading.Lock] = weakref.WeakKeyDictionary()
_RUN_LOCKS_GUARD = threading.Lock()


def run_lock(service: StationService) -> threading.Lock:
    """The lock that keeps upload runs of one station from overlapping."""
    with _RUN_LOCKS_GUARD:
        lock = _RUN_LOCKS.get(service)
        if lock is None:
            lock = _RUN_LOCKS[service] = threading.Lock()
        return lock


class Uploader:
    def __init__(
        self,
        service: StationService,
        client: ReceiverClient,
        chunk_size: int = DEFAULT_CHUNK,
        bandwidth_bps: float | None = None,
    ) -> None:
        self.service = service
        self.client = client
        self.chunk_size = chunk_size
        self.throttle = Throttle(bandwidth_bps)
        self.stop_event = threading.Event()

    def run_once(self) -> RunReport:
        """Try every pending packet once, oldest first; stop at the first link failure.

        One run at a time per station: the background loop and an "upload now" from the window
        queue behind each other instead of sending the same packet twice at once.
        """
        with run_lock(self.service):
            return self._run_once()

    def _run_once(self) -> RunReport:
        report = RunReport()
        if not self.client.health():
            return report
        report.reachable = True
        for info in self.service.pending_packets():
            if self.stop_event.is_set():
                break
            try:
                self._send(info, report)
            except ReceiverError as err:
                if err.permanent:
                    self.service.refuse_packet(info.packet_id, err.code, err.en)
                    report.refused.append(info.packet_id)
                    continue
                self.service.note_upload(
                    info.packet_id, offset=info.acked_offset, error=f"{err.code}: {err.en}"
                )
                report.failed.append(info.packet_id)
                report.errors.append(str(err))
                if err.code in ("unknown_station", "bad_request_signature"):
                    break  # a station-level problem: the next packets would fail the same way
            except httpx.HTTPError as err:
                self.service.note_upload(
                    info.packet_id, offset=info.acked_offset, error=f"network: {err}"
                )
                report.failed.append(info.packet_id)
                report.errors.append(f"{type(err).__name__}: {err}")
                break  # the link is down: back off instead of trying the rest
        return report

    def _send(self, info: PacketInfo, report: RunReport) -> None:
        data = self.service.packet_bytes(info.packet_id)
        created = self.client.create(info.packet_id, len(data), info.sha256)
        receipt = created.receipt
        offset = created.offset
        if receipt is None and offset >= len(data):
            receipt = self.client.receipt(info.packet_id)
        while receipt is None and offset < len(data):
            if self.stop_event.is_set():
                return
            chunk = data[offset : offset + self.chunk_size]
            self.throttle.take(len(chunk))
            try:
                new_offset, receipt = self.client.patch(info.packet_id, offset, chunk)
            except ReceiverError as err:
                if err.code in ("offset_mismatch", "checksum_mismatch"):
                    offset = self.client.offset(info.packet_id)  # resync, resend from there
                    continue
                raise
            report.bytes_sent += len(chunk)
            offset = new_offset
            self.service.note_upload(info.packet_id, offset=offset)
        if receipt is None:
            return
        if self.service.accept_receipt(info.packet_id, receipt):
            report.receipted.append(info.packet_id)
        else:
            report.failed.append(info.packet_id)
            report.errors.append(f"{info.packet_id}: receipt did not verify")

    def pull_status(self) -> int:
        """Ask the receiver about delivered packets; apply rejections and printed cards."""
        ids = self.service.delivered_packet_ids()
        if not ids:
            return 0
        statuses = self.client.status(ids)
        changed = 0
        for packet_id, st in statuses.items():
            if isinstance(st, dict) and st.get("status") in ("rejected", "card_printed"):
                self.service.apply_remote_status(
                    packet_id, str(st["status"]), st.get("reason"), list(st.get("parts") or [])
                )
                changed += 1
        return changed


class SyncLoop(threading.Thread):
    """Runs the uploader in the background: on a timer, on ``wake()``, backing off on failure."""

    def __init__(
        self,
        uploader: Uploader,
        interval_s: float = 300.0,
        on_report: Callable[[RunReport], None] | None = None,
        probe_s: float = 15.0,
        backoff_fn: Callable[[int], float] = backoff,
    ) -> None:
        super().__init__(name="sync", daemon=True)
        self.backoff_fn = backoff_fn
        self.uploader = uploader
        self.interval_s = interval_s
        self.probe_s = probe_s
        self.on_report = on_report
        self._wake = threading.Event()
        self.failures = 0

    def wake(self) -> None:
        """Run now (the officer pressed "send", or the network came up)."""
        self.failures = 0
        self._wake.set()

    def stop(self) -> None:
        self.uploader.stop_event.set()
        self._wake.set()

    def run(self) -> None:
        while not self.uploader.stop_event.is_set():
            try:
                report = self.uploader.run_once()
                if report.reachable:
                    self.uploader.pull_status()
            except Exception as exc:  # the loop must survive anything and try again later
                log.exception("sync run failed")
                report = RunReport(errors=[f"{type(exc).__name__}: {exc}"])
            if self.on_report is not None:
                self.on_report(report)
            ok = report.reachable and not report.failed
            self.failures = 0 if ok else self.failures + 1
            delay = self.interval_s if ok else self.backoff_fn(self.failures)
            self._sleep(delay, watch_network=not report.reachable)
            self._wake.clear()

    def _sleep(self, delay: float, watch_network: bool) -> None:
        """Wait ``delay`` seconds, or less: on ``wake()``, or, while the receiver was out of
        reach, as soon as it answers again (the network came up)."""
        deadline = time.monotonic() + delay
        while not self.uploader.stop_event.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._wake.wait(min(left, self.probe_s) if watch_network else left):
                return
            if watch_network and self.uploader.client.health():
                log.info("receiver reachable again: sync now")
                self.failures = 0
                return
