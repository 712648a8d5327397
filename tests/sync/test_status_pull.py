"""Statuses by cursor: bounded requests whatever the number of delivered packets, every change
applied once, the cursor stored with the statuses (it survives a SIGKILL); and a loop that a
receiver refusing every status request cannot make spin."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from station import delivery
from station.clock import iso
from station.models import AuditEntry, Dossier, Packet
from station.service import StationService
from sync import api, diagnose
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.keys import load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import PacketRow, ReceiverStore, StatusLogRow
from sync.uploader import RunReport, SyncLoop, Uploader, class_delay
from tests.conftest import ADMIN_PW, FakeClock

ROOT = Path(__file__).resolve().parents[2]
N = 5000


def _delivered(staffed: StationService, receiver: Receiver, n: int) -> list[str]:
    """``n`` delivered (purged) packets on the station, held by the receiver, each marked
    card printed there (rows written in bulk: sealing 5,000 dossiers is not the point)."""
    station_id = staffed.registration()["station_id"]
    now = iso(staffed.clock.now())
    ids = [uuid.uuid4().hex for _ in range(n)]
    with staffed.store.write() as s:
        s.execute(
            insert(Dossier),
            [
                {
                    "id": pid,
                    "number": f"TN-{i:06d}",
                    "case_type": "first_issue",
                    "state": "purged",
                    "operator_id": "op1",
                    "created_at": now,
                    "updated_at": now,
                    "state_changed_at": now,
                    "summary_json": f'{{"packet_id": "{pid}"}}',
                }
                for i, pid in enumerate(ids)
            ],
        )
        s.execute(
            insert(Packet),
            [
                {
                    "packet_id": pid,
                    "dossier_id": pid,
                    "sha256": "0" * 64,
                    "size": 1000,
                    "created_at": now,
                    "status": "purged",
                    "receipted_at": now,
                }
                for pid in ids
            ],
        )
    with receiver.store.write() as s:
        s.execute(
            insert(PacketRow),
            [
                {
                    "station_id": station_id,
                    "packet_id": pid,
                    "dossier_id": pid,
                    "live_dossier_id": pid,
                    "number": f"TN-{i:06d}",
                    "sha256": f"{i:064x}",
                    "size": 1000,
                    "blob_path": "-",
                    "key_id": "-",
                    "sealed_at": now,
                    "received_at": now,
                    "via": "http",
                    "status": "accepted",
                    "status_at": now,
                }
                for i, pid in enumerate(ids)
            ],
        )
        s.execute(
            insert(StatusLogRow),
            [
                {
                    "station_id": station_id,
                    "packet_id": pid,
                    "status": "card_printed",
                    "reason": None,
                    "parts": None,
                    "at": now,
                }
                for pid in ids
            ],
        )
    return ids


def _printed_counts(svc: StationService) -> dict[str, int]:
    with svc.store.read() as s:
        rows = s.execute(
            select(AuditEntry.subject, func.count())
            .where(AuditEntry.action == "dossier.card_printed")
            .group_by(AuditEntry.subject)
        ).all()
    return {subject: count for subject, count in rows}


def test_five_thousand_statuses_in_bounded_pages_applied_once_across_a_kill(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    receiver = Receiver(ReceiverStore(tmp_path / "receiver"), load_keys([keyset["receiver_keys"]]))
    receiver.register_station(staffed.registration())
    ids = _delivered(staffed, receiver, N)
    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        # A first process is killed right after committing its 4th page.
        proc = subprocess.run(
            [
                sys.executable,
                str(ROOT / "tests/sync/status_worker.py"),
                str(staffed.paths.root),
                "admin",
                ADMIN_PW,
                "4",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert delivery.status_cursor(staffed) == 4 * 500
        assert len(_printed_counts(staffed)) == 4 * 500

        # The next run resumes at the stored cursor; every request stays small.
        uploader = api.uploader_for(staffed)
        sizes: list[tuple[int, int]] = []

        def measure(response: httpx.Response) -> None:
            response.read()
            sizes.append((len(response.request.content), len(response.content)))

        uploader.client.http.event_hooks["response"].append(measure)
        report = RunReport(reachable=True)
        uploader.pull_status(report)
        assert report.status_error is None
        assert report.status_changes == N - 2000
        assert report.status_requests == len(sizes) == 6
        assert max(up for up, _ in sizes) < 100  # {"after": n, "limit": 500}: not a list of ids
        assert max(down for _, down in sizes) < 500 * 200
        counts = _printed_counts(staffed)
        assert sorted(counts) == sorted(ids) and set(counts.values()) == {1}
        # Nothing new: one request, nothing applied.
        again = RunReport(reachable=True)
        uploader.pull_status(again)
        assert (again.status_requests, again.status_changes) == (1, 0)
        uploader.client.close()
    print(
        f"\nstatus pull: {N} packets, first run killed after 4 pages, resumed in 6 requests; "
        f"largest request body {max(up for up, _ in sizes)} B, largest answer "
        f"{max(down for _, down in sizes)} B"
    )


def test_a_receiver_answering_400_to_every_status_request_cannot_make_the_loop_spin(
    staffed: StationService, tmp_path: Path
) -> None:
    """The old loop took a refused status request for "unreachable", the health probe reset
    the back-off, and it ran again at once (42 runs in 90 s). Now a refused request is a
    station bug: logged, in the report, and backed off by its own class."""
    status_requests: list[float] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/health"):
            return httpx.Response(200, json={"ok": True, "time": iso(staffed.clock.now())})
        if request.url.path.endswith("/status"):
            status_requests.append(time.monotonic())
            return httpx.Response(
                400, json={"error": "malformed", "vi": "Yêu cầu sai.", "en": "Malformed."}
            )
        return httpx.Response(404, json={"error": "not_found", "vi": "-", "en": "-"})

    from sync.client import ReceiverClient

    client = ReceiverClient(
        "http://127.0.0.1:9",
        "station",
        staffed.signing_key(),
        transport=httpx.MockTransport(receiver),
    )
    reports: list[RunReport] = []
    kinds: list[str] = []
    period = 1.0

    def delay(kind: str, failures: int, interval: float) -> float:
        kinds.append(kind)
        # The real delay for this class, scaled down so that the test sees several periods.
        assert class_delay(kind, failures, interval) >= interval
        return period

    loop = SyncLoop(
        Uploader(staffed, client),
        interval_s=300,
        on_report=reports.append,
        probe_s=0.05,
        delay_fn=delay,
    )
    loop.start()
    started = time.monotonic()
    while len(status_requests) < 3 and time.monotonic() - started < 15:
        time.sleep(0.05)
    time.sleep(period / 2)  # nothing more may come before the next period
    loop.stop()
    loop.join(timeout=5)
    client.close()
    assert kinds and set(kinds) == {diagnose.REQUEST_REFUSED}
    # One status request per back-off period (the health probe does not cut it short).
    assert len(status_requests) == 3, status_requests
    gaps = [b - a for a, b in itertools.pairwise(status_requests)]
    assert min(gaps) >= period * 0.9, gaps
    assert reports[0].status_error is not None and reports[0].exit_code == 5
    assert "malformed" in str(reports[0].summary_lines())


def test_class_delays_have_floors() -> None:
    for n in range(1, 12):
        assert class_delay(diagnose.REQUEST_REFUSED, n, 300) >= 300
        assert class_delay(diagnose.TLS, n, 300) >= 30
        assert class_delay(diagnose.SERVER, n, 300) >= 2.5
        assert class_delay(diagnose.HELD, n, 300) == 300


def test_a_receiver_of_an_earlier_version_is_asked_by_id_list(
    staffed: StationService, tmp_path: Path
) -> None:
    """No /v2/status (404): the station falls back to POST /v1/status, 1000 ids at a time."""
    asked: list[int] = []

    def old_receiver(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/status":
            return httpx.Response(404, json={"error": "not_found", "vi": "-", "en": "-"})
        assert request.url.path == "/v1/status"
        ids = json.loads(request.content)["packet_ids"]
        asked.append(len(ids))
        return httpx.Response(200, json={"statuses": {i: {"status": "accepted"} for i in ids}})

    from sync.client import ReceiverClient

    # The station's delivered packets (the receiver's rows are written too, and not used).
    receiver = Receiver(ReceiverStore(tmp_path / "unused"), None)  # type: ignore[arg-type]
    receiver.register_station(staffed.registration())
    ids = _delivered(staffed, receiver, 1500)
    receiver.store.close()
    client = ReceiverClient(
        "http://127.0.0.1:9",
        "station",
        staffed.signing_key(),
        transport=httpx.MockTransport(old_receiver),
    )
    report = RunReport(reachable=True)
    Uploader(staffed, client).pull_status(report)
    client.close()
    assert report.status_error is None and asked == [1000, 500] and len(ids) == 1500
