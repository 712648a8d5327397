"""One run of the uploader over protocol version 2 (``docs/sync.md``, "Protocol version 2").

The run's pending packets go, oldest first, in one stream (``sync.streaming``); a lost
connection is ridden out within the run's budget (back-off, then a new stream that resumes each
packet at the offset the receiver acknowledged). The answers are the same as version 1's and
are taken the same way: a receipt that verifies delivers, ``held`` keeps the packet queued,
``refused`` ends it for good, a receiver's fault is retried. A receiver that does not offer
version 2 (``404``) gets the run in version 1.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from station import delivery
from sync import diagnose
from sync.client import ReceiverError
from sync.streaming import Outgoing, StoppedError, StreamSession, StreamStats

if TYPE_CHECKING:
    from station.service import PacketInfo
    from sync.uploader import RunReport, Uploader

log = logging.getLogger(__name__)

#: A packet whose stream the receiver fails this many times in one run (a server fault, not a
#: lost connection) is reported as failed for this run.
MAX_PACKET_FAULTS = 3


class StreamRun:
    """The stream transport for one run; ``run`` returns False when the receiver has no v2."""

    def __init__(self, uploader: Uploader, report: RunReport, deadline: float) -> None:
        self.up = uploader
        self.service = uploader.service
        self.report = report
        self.deadline = deadline
        self.todo: dict[str, Outgoing] = {}
        self.finished: set[str] = set()
        self.faults: dict[str, int] = {}
        self._faulted: list[tuple[str, ReceiverError]] = []
        self._clock_checked = False

    # --- the receiver's answers (StreamEvents) ---------------------------------------------

    def on_offset(self, packet_id: str, offset: int) -> None:
        self.service.note_upload(packet_id, offset=offset)

    def on_receipt(self, packet_id: str, receipt: dict[str, Any]) -> None:
        self.finished.add(packet_id)
        if self.service.accept_receipt(packet_id, receipt):
            self.report.receipted.append(packet_id)
        else:
            self.report.failed.append(packet_id)
            self.report.reasons[packet_id] = "receipt did not verify / biên nhận không hợp lệ"
            self.report.errors.append(f"{packet_id}: receipt did not verify")

    def on_error(self, packet_id: str, err: ReceiverError) -> None:
        reason = f"{err.code}: {err.vi} / {err.en}"
        p = self.todo[packet_id]
        if err.held:
            self.finished.add(packet_id)
            delivery.hold_packet(self.service, packet_id, err.code, err.vi, err.en, p.acked)
            self.report.held.append(packet_id)
            self.report.reasons[packet_id] = reason
        elif err.permanent:
            self.finished.add(packet_id)
            self.service.refuse_packet(packet_id, err.code, f"{err.vi} / {err.en}")
            self.report.refused.append(packet_id)
            self.report.reasons[packet_id] = reason
        else:  # a receiver's fault about this packet: the next stream tries it again
            self._faulted.append((packet_id, err))

    # --- the run ---------------------------------------------------------------------------

    def run(self, pending: list[PacketInfo]) -> bool:
        for info in pending:
            # At least the last byte goes, so that the receiver answers (a lost receipt).
            start = max(0, min(info.acked_offset, info.size - 1))
            self.todo[info.packet_id] = Outgoing(
                info.packet_id,
                functools.partial(self.service.packet_bytes, info.packet_id),
                info.sha256,
                start,
                length=info.size,
                judge_again=delivery.is_resent(info.last_error),
            )
        attempt = 0
        while self.todo:
            if self.up.stop_event.is_set():
                return True
            stats = StreamStats()
            error: Exception | None = None
            self._faulted = []
            try:
                self._session(stats).run()
            except StoppedError:
                self._account(stats)
                return True
            except (ReceiverError, httpx.HTTPError) as exc:
                error = exc
            self._account(stats)
            for pid in self.finished:
                self.todo.pop(pid, None)
            if stats.acked > 0 or self.finished:
                attempt = 0  # it moved: a new cut backs off from the start again
            self.finished.clear()
            if isinstance(error, ReceiverError) and error.status == 404:
                # A receiver of an earlier version: this uploader keeps to version 1.
                log.info("the receiver does not offer protocol version 2: version 1")
                self.up.stream = False
                return False
            if error is None and not self._faults_allow():
                return True
            if error is None and not self.todo:
                return True
            if not self._ride_out(error, stats, attempt):
                return True
            attempt += 1
        return True

    def _session(self, stats: StreamStats) -> StreamSession:
        client = self.up.client
        packets = list(self.todo.values())
        for p in packets:
            # Resend from what the receiver acknowledged; at least the last byte.
            p.next = max(0, min(p.acked, p.length - 1))
            p.done = False
        self.report.protocol_version = 2
        return StreamSession(
            client.base_url,
            client.station_id,
            client.signing_key,
            client.ssl_context,
            packets,
            self,
            frame_size=self.up.frame_size,
            window=self.up.window,
            max_window=self.up.max_window,
            pace=self.up.throttle.reserve,
            stop=self.up.stop_event.is_set,
            stats=stats,
        )

    def _account(self, stats: StreamStats) -> None:
        self.report.bytes_attempted += stats.written
        self.report.bytes_sent += stats.acked
        self.report.max_window = max(self.report.max_window, stats.max_window)
        if stats.connected:
            self.report.reachable = True
        if stats.server_time is not None and not self._clock_checked:
            self._clock_checked = True
            warning = diagnose.clock_cause(stats.server_time, datetime.now(UTC))
            if warning is not None:
                self.report.warnings.append(warning)

    def _faults_allow(self) -> bool:
        """Count the receiver's faults per packet; False when one packet had too many."""
        for pid, err in self._faulted:
            self.faults[pid] = self.faults.get(pid, 0) + 1
            if self.faults[pid] >= MAX_PACKET_FAULTS:
                self._fail(pid, err, diagnose.SERVER)
                return False
        return True

    def _ride_out(self, error: Exception | None, stats: StreamStats, attempt: int) -> bool:
        """Wait before the next stream; False when the run ends here (its failure recorded)."""
        if error is None:  # packets the receiver failed on: try them again after a pause
            return self.up._wait(attempt, self.deadline)
        if isinstance(error, ReceiverError):
            # ``superseded``: a newer stream of this station ended this one (docs/sync.md).
            transient = error.status >= 500 or error.status in (408, 429)
            transient = transient or error.code == "superseded"
            if transient and self.up._wait(attempt, self.deadline):
                self.report.retries += 1
                return True
            if not transient:
                log.error("the receiver refused a stream of this station: %s", error)
            kind = diagnose.SERVER if transient else diagnose.REQUEST_REFUSED
            self._fail(self._current(), error, kind)
            return False
        cause = diagnose.cause_of(error, self.up.url)
        if not self.report.reachable:
            self.report.cause = cause  # unreachable at the start: said at once
            return False
        if cause.kind == diagnose.UNREACHABLE and self.up._wait(attempt, self.deadline):
            log.info("lost the stream (%s); resuming within the run", cause.code)
            self.report.retries += 1
            return True
        pid = self._current()
        self.service.note_upload(pid, offset=self.todo[pid].acked, error=str(cause))
        self.report.failed.append(pid)
        self.report.reasons[pid] = str(cause)
        self.report.errors.append(f"{type(error).__name__}: {error}")
        self.report.cause = cause
        return False

    def _current(self) -> str:
        return next(iter(self.todo))

    def _fail(self, pid: str, err: ReceiverError, kind: str) -> None:
        reason = f"{err.code}: {err.vi} / {err.en}"
        self.service.note_upload(pid, offset=self.todo[pid].acked, error=reason)
        self.report.failed.append(pid)
        self.report.reasons[pid] = reason
        self.report.errors.append(str(err))
        self.report.cause = diagnose.Cause(err.code, err.vi, err.en, kind)
