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

from station import delivery
from station.service import PacketInfo, StationService
from sync import diagnose, frames
from sync.client import ReceiverClient, ReceiverError
from sync.protocol import DEFAULT_CHUNK, STATUS_PAGE
from sync.stream_run import StreamRun

log = logging.getLogger(__name__)


#: Default budget of one run for riding out lost connections (seconds): within it, a lost
#: connection is retried with back-off and the upload resumes at the receiver's offset.
DEFAULT_RUN_BUDGET_S = 600.0
#: Longest wait between two tries within a run (a cut link is noticed soon after it returns).
IN_RUN_BACKOFF_CAP_S = 4.0
#: Ids per ``POST /v1/status`` when the receiver is of an earlier version.
V1_STATUS_BATCH = 1000
#: Most status pages one run asks for (500 changes each).
MAX_STATUS_PAGES = 100

#: Exit codes of a sync run (``docs/sync.md``, "Exit codes").
EXIT_OK, EXIT_UNREACHABLE, EXIT_FAILED, EXIT_HELD, EXIT_REFUSED = 0, 4, 5, 7, 8


@dataclass
class RunReport:
    """What one run did, whatever the network did: the summary every run ends with."""

    reachable: bool = False
    receipted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    errors: list[str] = field(default_factory=list)
    #: packet id -> the reason it was held, refused or failed (Vietnamese / English).
    reasons: dict[str, str] = field(default_factory=dict)
    #: Why the receiver could not be reached, or why the run stopped early.
    cause: diagnose.Cause | None = None
    warnings: list[diagnose.Cause] = field(default_factory=list)
    status_changes: int = 0
    status_requests: int = 0
    #: The status pull failed: (failure class, message).
    status_error: diagnose.Cause | None = None
    #: Lost connections ridden out within the run.
    retries: int = 0
    #: Payload bytes handed to the connection, acknowledged or not (``bytes_sent`` counts the
    #: acknowledged ones): what a cut cost is the difference.
    bytes_attempted: int = 0
    #: The largest version-2 window used (payload bytes; it follows the link, 64-256 KiB).
    max_window: int = 0
    #: The transport used: 2 (``POST /v2/stream``) or 1 (``PATCH`` chunks).
    protocol_version: int = 0

    def failure_kind(self) -> str | None:
        """The failure class that sets the loop's next wait; None when all went well."""
        if not self.reachable:
            return self.cause.kind if self.cause is not None else diagnose.UNREACHABLE
        if self.failed:
            return self.cause.kind if self.cause is not None else diagnose.SERVER
        if self.status_error is not None:
            return self.status_error.kind
        if self.held:
            return diagnose.HELD
        return None

    @property
    def exit_code(self) -> int:
        if not self.reachable:
            return EXIT_UNREACHABLE
        if self.failed or self.status_error is not None:
            return EXIT_FAILED
        if self.refused:
            return EXIT_REFUSED
        if self.held:
            return EXIT_HELD
        return EXIT_OK

    def summary_lines(self) -> list[str]:
        """The run's summary, Vietnamese / English, one fact a line."""
        lines: list[str] = []
        if not self.reachable:
            cause = self.cause or diagnose.Cause("unreachable", "Không kết nối được", "Unreachable")
            lines.append(f"Không kết nối được máy chủ nhận / Receiver unreachable: {cause}")
        lines.append(
            f"Đã gửi / sent {self.bytes_sent} B; biên nhận / receipted {len(self.receipted)}, "
            f"tạm giữ / held {len(self.held)}, bị từ chối / refused {len(self.refused)}, "
            f"lỗi / failed {len(self.failed)}"
        )
        for packet_id in [*self.held, *self.refused, *self.failed]:
            lines.append(f"  {packet_id}: {self.reasons.get(packet_id, '')}")
        if self.reachable and self.cause is not None and self.failed:
            lines.append(f"  {self.cause}")
        if self.status_error is not None:
            err = self.status_error
            if err.kind == diagnose.REQUEST_REFUSED:
                lines.append(
                    f"Máy chủ nhận từ chối yêu cầu trạng thái ({err.code}): lỗi của trạm, đã ghi "
                    f"nhật ký / The receiver refused the status request ({err.code}): a station "
                    f"bug, logged. {err}"
                )
            else:
                lines.append(f"Trạng thái / status ({err.code}): {err}")
        elif self.reachable:
            lines.append(
                f"Trạng thái mới / status changes: {self.status_changes} "
                f"({self.status_requests} yêu cầu / requests)"
            )
        lines.extend(f"Cảnh báo / warning: {w}" for w in self.warnings)
        return lines


class Throttle:
    """A token bucket: at most ``rate`` bytes per second on average, bursts of one chunk."""

    def __init__(self, rate_bps: float | None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate_bps
        self.sleep = sleep
        self._allowance = 0.0
        self._last = time.monotonic()

    def take(self, n: int) -> None:
        delay = self.reserve(n)
        if delay > 0:
            self.sleep(delay)

    def reserve(self, n: int) -> float:
        """Account for ``n`` bytes; the seconds to wait before sending them."""
        if not self.rate:
            return 0.0
        now = time.monotonic()
        self._allowance = min(self._allowance + (now - self._last) * self.rate, float(n))
        self._last = now
        if self._allowance < n:
            delay = (n - self._allowance) / self.rate
            self._last = now + delay
            self._allowance = 0.0
            return delay
        self._allowance -= n
        return 0.0


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
        budget_s: float = DEFAULT_RUN_BUDGET_S,
        *,
        stream: bool = True,
        frame_size: int = frames.DEFAULT_FRAME,
        window: int = frames.DEFAULT_WINDOW,
        max_window: int = frames.DEFAULT_WINDOW,
    ) -> None:
        self.service = service
        self.client = client
        self.chunk_size = chunk_size
        #: Send with protocol version 2 (one stream of signed frames); falls back to version 1
        #: by itself when the receiver does not offer it.
        self.stream = stream
        self.frame_size = frame_size
        self.window = window
        self.max_window = max_window
        self.throttle = Throttle(bandwidth_bps)
        self.stop_event = threading.Event()
        self.budget_s = budget_s
        #: The receiver's last acknowledged offset of the packet being sent.
        self._acked = 0

    @property
    def url(self) -> str:
        return str(self.client.http.base_url)

    def run_once(self, budget_s: float | None = None) -> RunReport:
        """Try every pending packet once, oldest first; ride out lost connections within the
        run's budget, resuming at the receiver's offset; end in a report, never an exception.

        One run at a time per station: the background loop and an "upload now" from the window
        queue behind each other instead of sending the same packet twice at once.
        """
        with run_lock(self.service):
            report = RunReport()
            deadline = time.monotonic() + (self.budget_s if budget_s is None else budget_s)
            try:
                self._run_once(report, deadline)
            except Exception as exc:  # a summary, never a traceback
                log.exception("sync run failed")
                report.errors.append(f"{type(exc).__name__}: {exc}")
                report.cause = diagnose.Cause(
                    "internal_error",
                    f"Lỗi bất ngờ khi đồng bộ: {type(exc).__name__}.",
                    f"Unexpected error during sync: {type(exc).__name__}: {exc}.",
                    diagnose.SERVER,
                )
                if report.reachable and not report.failed:
                    report.failed.append("-")
            return report

    def _run_once(self, report: RunReport, deadline: float) -> None:
        if self.stream and getattr(self.client, "can_stream", False):
            pending = self.service.pending_packets()
            if pending and StreamRun(self, report, deadline).run(pending):
                return
            # Nothing to send, or a receiver without version 2: version 1 (its probe, then
            # PATCH chunks).
        # Unreachable at the start: said at once (a lost connection *during* the run is what
        # the budget rides out).
        cause, report.warnings = self.client.probe()
        if cause is not None:
            report.cause = cause
            return
        report.reachable = True
        report.protocol_version = 1
        for info in self.service.pending_packets():
            if self.stop_event.is_set():
                break
            if not self._send_with_retries(info, report, deadline):
                break  # the link or the station is in trouble: the rest would fail the same way

    def _wait(self, attempt: int, deadline: float) -> bool:
        """Sleep before the next try within the run; False when the budget does not allow it."""
        delay = backoff(attempt, base_s=1.0, cap_s=IN_RUN_BACKOFF_CAP_S)
        delay = max(delay, 0.5)
        if time.monotonic() + delay > deadline or self.stop_event.is_set():
            return False
        return not self.stop_event.wait(delay)

    def _send_with_retries(self, info: PacketInfo, report: RunReport, deadline: float) -> bool:
        """Send one packet; False when the run should stop (link gone past the budget, TLS or
        station-level problem)."""
        attempt = 0
        self._acked = info.acked_offset
        while True:
            try:
                self._send(info, report)
                return True
            except ReceiverError as err:
                reason = f"{err.code}: {err.vi} / {err.en}"
                if err.held:
                    delivery.hold_packet(
                        self.service, info.packet_id, err.code, err.vi, err.en, self._acked
                    )
                    report.held.append(info.packet_id)
                    report.reasons[info.packet_id] = reason
                    return True
                if err.permanent:
                    self.service.refuse_packet(info.packet_id, err.code, f"{err.vi} / {err.en}")
                    report.refused.append(info.packet_id)
                    report.reasons[info.packet_id] = reason
                    return True
                transient = err.status >= 500 or err.status in (408, 429) or err.code == "not_found"
                if transient and self._wait(attempt, deadline):
                    attempt += 1
                    report.retries += 1
                    continue
                self.service.note_upload(info.packet_id, offset=self._acked, error=reason)
                report.failed.append(info.packet_id)
                report.reasons[info.packet_id] = reason
                report.errors.append(str(err))
                kind = diagnose.SERVER if transient else diagnose.REQUEST_REFUSED
                report.cause = diagnose.Cause(err.code, err.vi, err.en, kind)
                if not transient:
                    log.error("the receiver refused a request of this station: %s", err)
                # A station-level problem, or a receiver in trouble: the next would fail too.
                return err.code not in ("unknown_station", "bad_request_signature") and (
                    not transient
                )
            except httpx.HTTPError as exc:
                cause = diagnose.cause_of(exc, self.url)
                if cause.kind == diagnose.UNREACHABLE and self._wait(attempt, deadline):
                    # Ride out the cut: the next try announces again and resumes at the
                    # receiver's offset (at most the chunk in flight is lost).
                    log.info("lost connection (%s); retrying within the run", cause.code)
                    attempt += 1
                    report.retries += 1
                    continue
                self.service.note_upload(info.packet_id, offset=self._acked, error=str(cause))
                report.failed.append(info.packet_id)
                report.reasons[info.packet_id] = str(cause)
                report.errors.append(f"{type(exc).__name__}: {exc}")
                report.cause = cause
                return False

    def _send(self, info: PacketInfo, report: RunReport) -> None:
        data = self.service.packet_bytes(info.packet_id)
        created = self.client.create(
            info.packet_id,
            len(data),
            info.sha256,
            judge_again=delivery.is_resent(info.last_error),
        )
        receipt = created.receipt
        offset = created.offset
        self._acked = offset
        if receipt is None:
            # The queue shows what the receiver holds, not what was sent.
            self.service.note_upload(info.packet_id, offset=offset)
        if receipt is None and offset >= len(data):
            receipt = self.client.receipt(info.packet_id)
        while receipt is None and offset < len(data):
            if self.stop_event.is_set():
                return
            chunk = data[offset : offset + self.chunk_size]
            self.throttle.take(len(chunk))
            report.bytes_attempted += len(chunk)
            try:
                new_offset, receipt = self.client.patch(info.packet_id, offset, chunk)
            except ReceiverError as err:
                if err.code in ("offset_mismatch", "checksum_mismatch"):
                    offset = self.client.offset(info.packet_id)  # resync, resend from there
                    self._acked = offset
                    continue
                raise
            report.bytes_sent += len(chunk)
            offset = self._acked = new_offset
            self.service.note_upload(info.packet_id, offset=offset)
        if receipt is None:
            return
        if self.service.accept_receipt(info.packet_id, receipt):
            report.receipted.append(info.packet_id)
        else:
            report.failed.append(info.packet_id)
            report.reasons[info.packet_id] = "receipt did not verify / biên nhận không hợp lệ"
            report.errors.append(f"{info.packet_id}: receipt did not verify")

    def pull_status(self, report: RunReport | None = None) -> int:
        """Apply the receiver's status changes after this station's cursor, page by page; the
        cursor is stored with each page's statuses. Never raises: a failure goes in the report
        (a request the receiver refuses is a station bug: logged, and backed off)."""
        report = report if report is not None else RunReport(reachable=True)
        try:
            self._pull_status(report)
        except ReceiverError as err:
            if 400 <= err.status < 500:
                log.error("the receiver refused the status request (station bug?): %s", err)
                kind = diagnose.REQUEST_REFUSED
            else:
                kind = diagnose.SERVER
            report.status_error = diagnose.Cause(err.code, err.vi, err.en, kind)
        except httpx.HTTPError as exc:
            report.status_error = diagnose.cause_of(exc, self.url)
        return report.status_changes

    def _pull_status(self, report: RunReport) -> None:
        cursor = delivery.status_cursor(self.service)
        for _ in range(MAX_STATUS_PAGES):
            try:
                page = self.client.status_since(cursor, STATUS_PAGE)
            except ReceiverError as err:
                if err.status == 404 and not report.status_requests:
                    self._pull_status_v1(report)  # a receiver of an earlier version
                    return
                raise
            report.status_requests += 1
            report.status_changes += delivery.apply_status_page(
                self.service, page["changes"], page["cursor"]
            )
            cursor = max(cursor, page["cursor"])
            if not page["more"]:
                return

    def _pull_status_v1(self, report: RunReport) -> None:
        ids = self.service.delivered_packet_ids()
        for start in range(0, len(ids), V1_STATUS_BATCH):
            statuses = self.client.status(ids[start : start + V1_STATUS_BATCH])
            report.status_requests += 1
            for packet_id, st in statuses.items():
                if isinstance(st, dict) and st.get("status") in delivery.NEWS:
                    self.service.apply_remote_status(
                        packet_id, str(st["status"]), st.get("reason"), list(st.get("parts") or [])
                    )
                    report.status_changes += 1


def class_delay(
    kind: str, failures: int, interval_s: float, rng: random.Random | None = None
) -> float:
    """The loop's wait after a run that failed with ``kind``, the ``failures``-th in a row.

    Unreachable: exponential with full jitter (and the loop probes the receiver meanwhile). The
    others have a floor, so that no answer of the receiver can make the loop spin: TLS and
    refused requests (a station bug) wait at least a minute, doubling to an hour, and refused
    requests never less than the loop's interval; server errors at least 5 s, doubling to ten
    minutes; held packets the loop's interval.
    """
    r = rng or random.Random()  # noqa: S311 - jitter, not a secret
    if kind == diagnose.UNREACHABLE:
        return backoff(failures, rng=r)
    if kind == diagnose.HELD:
        return interval_s
    base, cap = {
        diagnose.TLS: (60.0, 3600.0),
        diagnose.REQUEST_REFUSED: (60.0, 3600.0),
    }.get(kind, (5.0, 600.0))
    top: float = min(cap, base * float(2 ** min(max(failures - 1, 0), 20)))
    delay = top / 2 + r.uniform(0, top / 2)
    return max(delay, interval_s) if kind == diagnose.REQUEST_REFUSED else delay


class SyncLoop(threading.Thread):
    """Runs the uploader in the background: on a timer, on ``wake()``, backing off on failure
    with a wait chosen by the failure's class (``class_delay``); purges what retention allows
    at every tick."""

    def __init__(
        self,
        uploader: Uploader,
        interval_s: float = 300.0,
        on_report: Callable[[RunReport], None] | None = None,
        probe_s: float = 15.0,
        delay_fn: Callable[[str, int, float], float] = class_delay,
    ) -> None:
        super().__init__(name="sync", daemon=True)
        self.delay_fn = delay_fn
        self.uploader = uploader
        self.interval_s = interval_s
        self.probe_s = probe_s
        self.on_report = on_report
        self._wake = threading.Event()
        self.failures = 0
        self.last_kind: str | None = None

    def wake(self) -> None:
        """Run now (the officer pressed "send", or the network came up)."""
        self.failures = 0
        self._wake.set()

    def stop(self) -> None:
        self.uploader.stop_event.set()
        self._wake.set()

    def tick(self) -> RunReport:
        """One run: purge what is due, upload, pull statuses. Never raises."""
        try:
            self.uploader.service.purge_due()
        except Exception:  # a purge failing must not stop uploads
            log.exception("purge failed")
        report = self.uploader.run_once()
        if report.reachable and not report.failed:
            self.uploader.pull_status(report)
        return report

    def run(self) -> None:
        while not self.uploader.stop_event.is_set():
            try:
                report = self.tick()
            except Exception as exc:  # the loop must survive anything and try again later
                log.exception("sync run failed")
                report = RunReport(errors=[f"{type(exc).__name__}: {exc}"])
            if self.on_report is not None:
                self.on_report(report)
            kind = report.failure_kind()
            if kind is None:
                self.failures = 0
                delay = self.interval_s
            else:
                self.failures = self.failures + 1 if kind == self.last_kind else 1
                delay = self.delay_fn(kind, self.failures, self.interval_s)
            self.last_kind = kind
            self._sleep(delay, watch_network=kind == diagnose.UNREACHABLE)
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
