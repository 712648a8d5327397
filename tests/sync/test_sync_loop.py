"""The background loop: backoff with jitter, wake on request, wake when the network comes up."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from sync.uploader import RunReport, SyncLoop, Throttle, backoff


def test_backoff_grows_with_full_jitter() -> None:
    rng = random.Random(1)
    caps = [min(600.0, 2.0 * 2**n) for n in range(12)]
    for n, cap in enumerate(caps):
        values = [backoff(n, rng=rng) for _ in range(200)]
        assert min(values) >= 0 and max(values) <= cap
        assert max(values) > cap * 0.8  # spread over the whole range, not a fixed delay


def test_throttle_holds_the_rate() -> None:
    slept: list[float] = []
    t = Throttle(10_000, sleep=slept.append)
    for _ in range(10):
        t.take(5_000)
    assert sum(slept) >= 4.0  # 50 KB at 10 KB/s, the first chunk free


class FakeClient:
    def __init__(self) -> None:
        self.up = threading.Event()

    def health(self, timeout_s: float = 3.0) -> bool:
        return self.up.is_set()

    def probe(self, timeout_s: float = 3.0) -> tuple[Any, list[Any]]:
        return (None if self.health() else "down"), []


class FakeUploader:
    def __init__(self) -> None:
        self.client = FakeClient()
        self.stop_event = threading.Event()
        self.runs: list[float] = []

    def run_once(self) -> RunReport:
        self.runs.append(time.monotonic())
        return RunReport(reachable=self.client.up.is_set())

    def pull_status(self, report: RunReport | None = None) -> int:
        return 0

    @property
    def service(self) -> Any:
        class NoPurge:
            def purge_due(self) -> int:
                return 0

        return NoPurge()


def test_network_up_ends_the_backoff() -> None:
    up = FakeUploader()
    loop = SyncLoop(
        up,  # type: ignore[arg-type]
        interval_s=3600,
        probe_s=0.05,
        delay_fn=lambda kind, n, interval: 3600.0,  # only the network coming up ends this wait
    )
    loop.start()
    try:
        deadline = time.monotonic() + 5
        while len(up.runs) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(up.runs) == 1  # unreachable: now waiting in backoff
        time.sleep(0.2)
        assert len(up.runs) == 1
        up.client.up.set()  # the link comes back
        deadline = time.monotonic() + 5
        while len(up.runs) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(up.runs) == 2 and up.runs[1] - up.runs[0] < 3
    finally:
        loop.stop()
        loop.join(timeout=5)


def test_wake_runs_now() -> None:
    up = FakeUploader()
    up.client.up.set()
    reports: list[Any] = []
    loop = SyncLoop(up, interval_s=3600, on_report=reports.append)  # type: ignore[arg-type]
    loop.start()
    try:
        deadline = time.monotonic() + 5
        while len(up.runs) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        loop.wake()
        while len(up.runs) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(up.runs) == 2 and len(reports) >= 1
    finally:
        loop.stop()
        loop.join(timeout=5)
    assert not loop.is_alive()


def test_upload_runs_of_one_station_never_overlap() -> None:
    """The background loop and an "upload now" from the window share the station: their runs
    queue behind each other instead of sending the same packets at once."""
    from sync.uploader import Uploader

    class Station:  # the runs only ask it for pending packets
        def pending_packets(self) -> list[Any]:
            return []

    inside = 0
    most = 0
    guard = threading.Lock()

    class SlowClient:
        def probe(self, timeout_s: float = 3.0) -> tuple[Any, list[Any]]:
            return (None if self.health() else "down"), []

        def health(self, timeout_s: float = 3.0) -> bool:
            nonlocal inside, most
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)
            with guard:
                inside -= 1
            return True

    station = Station()
    uploaders = [Uploader(station, SlowClient()) for _ in range(2)]  # type: ignore[arg-type]
    threads = [threading.Thread(target=u.run_once) for u in uploaders for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1
    # Another station's runs are not held up by this one's lock.
    other = Uploader(Station(), SlowClient())  # type: ignore[arg-type]
    assert other.run_once().reachable
