"""The station's uploader over a shaped link: 64 kbit/s, 5% loss and 300 ms delay each way.

Three network namespaces (``tests/netlink.py``): the station's uploader runs in one, the
receiver (``intake-station-receiver serve``, TLS, its certificate pinned by the station) in
another, and a router between them shapes both directions: ``tbf`` for the rate, an
``nftables`` rule for the loss, a userspace TUN delay line for the delay. The station data
folder is prepared here (provisioned, dossiers captured and sealed); the uploader process
(``python -m tests.netlink upload``) runs ``sync.api.sync_now`` until every packet has a
receipt, one second apart after a failed run (the background loop would back off with jitter),
and prints what it sent as JSON. Both ends use TCP cubic, a Debian station's default. The
uploader sends with protocol version 2 (one stream of signed frames, ``docs/sync.md``): what a
cut may cost is the window of frames sent and not yet acknowledged.

Needs root, iproute2, nftables, ethtool, procps and /dev/net/tun; skipped otherwise, with the
reason.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from station.provisioning import generate_receiver_keyset
from sync.frames import DEFAULT_WINDOW
from sync.protocol import DEFAULT_CHUNK
from sync.receiver.core import Receiver
from sync.receiver.keys import load_keys
from sync.receiver.store import PacketRow, ReceiverStore, UploadRow
from tests import netlink

pytestmark = pytest.mark.slow

SHAPE = netlink.Shape(rate_kbit=64, loss_pct=5.0, delay_ms=300)
LINK_BYTES_S = 64_000 / 8
CHUNK = DEFAULT_CHUNK
#: The uploader gives up after this long; the test waits a little longer for it.
UPLOAD_DEADLINE_S = 120.0


def _window(summary: dict[str, Any]) -> int:
    """The largest window the uploader used (it follows the link; 64 KiB on slow links)."""
    return max(DEFAULT_WINDOW, int(summary.get("max_window", 0)))


@pytest.fixture(scope="module")
def shaped_keyset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    reason = netlink.unavailable_reason(delay=SHAPE.delay_ms > 0)
    if reason:
        pytest.skip(f"shaped link unavailable: {reason}")
    return generate_receiver_keyset(
        tmp_path_factory.mktemp("shaped-keys"), tls_hosts=[netlink.RECEIVER_ADDR]
    )


@dataclass
class Run:
    """Both ends of a shaped link, prepared and running (the uploader not yet started)."""

    net: netlink.ShapedNet
    keyset: dict[str, Path]
    station: Path
    receiver_data: Path
    station_id: str
    packets: dict[str, tuple[int, str]]

    @property
    def payload(self) -> int:
        return sum(size for size, _ in self.packets.values())

    def start_uploader(self) -> subprocess.Popen[str]:
        return netlink.start_uploader(self.net, self.station, CHUNK, UPLOAD_DEADLINE_S)

    def finish(
        self, proc: subprocess.Popen[str]
    ) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
        try:
            out, err = proc.communicate(timeout=UPLOAD_DEADLINE_S + 30)
        except subprocess.TimeoutExpired:
            netlink.stop_process(proc)
            pytest.fail("the uploader did not stop by its deadline")
        summary, runs = netlink.read_summary(out)
        return summary, runs, err


@pytest.fixture
def shaped_run(tmp_path: Path, shaped_keyset: dict[str, Path]) -> Iterator[Any]:
    """A factory: ``shaped_run(sizes)`` prepares a station and a receiver on a shaped link."""
    nets: list[netlink.ShapedNet] = []

    def make(sizes: list[int]) -> Run:
        station = tmp_path / f"station-{len(nets)}"
        packets = netlink.prepare_station(station, shaped_keyset, sizes)
        registration = netlink.station_registration(station)
        net = netlink.ShapedNet(SHAPE)
        nets.append(net)  # torn down below, even if it is only half built
        net.up()
        data = tmp_path / f"receiver-{len(nets)}"
        data.mkdir()
        netlink.start_receiver(net, shaped_keyset, data, registration)
        return Run(net, shaped_keyset, station, data, registration["station_id"], packets)

    try:
        yield make
    finally:
        for net in nets:
            net.down()


def assert_verified_receipts(run: Run, summary: dict[str, Any]) -> None:
    """The station took a verified receipt for every packet, and the receiver holds each once,
    with a receipt signed by the key the station pinned."""
    # The station marks a packet receipted only after the receipt verified against its pinned
    # receiver key (purged: receipted, then its bytes dropped by retention).
    assert summary["pending"] == 0, summary
    assert set(summary["statuses"]) == set(run.packets)
    assert set(summary["statuses"].values()) <= {"receipted", "purged"}, summary["statuses"]
    keys = load_keys([run.keyset["receiver_keys"]])
    receiver = Receiver(ReceiverStore(run.receiver_data), keys)
    try:
        for packet_id, (_size, sha256) in run.packets.items():
            receipt = receiver.receipt(run.station_id, packet_id)
            assert receipt.doc["status"] == "accepted"
            assert receipt.verify(keys.signing_public, packet_id, sha256, run.station_id)
    finally:
        receiver.store.close()


def test_upload_completes_over_shaped_link(shaped_run: Any) -> None:
    started = time.monotonic()
    run: Run = shaped_run([70_000, 80_000, 90_000])
    assert all(60_000 <= size <= 120_000 for size, _ in run.packets.values()), run.packets
    summary, runs, err = run.finish(run.start_uploader())
    stats = run.net.stats()
    assert summary["pending"] == 0, (summary, err[-2000:])
    assert summary["protocols"] == [2], runs
    assert_verified_receipts(run, summary)
    # Bytes are sent again only after a stream was lost (a retry), at most the window each
    # time; with no retry, each byte went once.
    resent = summary["bytes_attempted"] - run.payload
    assert 0 <= resent <= _window(summary) * summary["retries"], (summary, runs)
    goodput = run.payload / (summary["to_last_receipt_s"] * LINK_BYTES_S)
    print(
        f"\n{SHAPE.describe()}: {run.payload} B in {summary['elapsed_s']:.1f} s "
        f"({len(runs)} run(s), errors {summary['errors']}), goodput {goodput:.2f} of the link; "
        f"re-sent {resent} B; "
        f"router lost {stats.up_lost} up / {stats.down_lost} down packets; "
        f"test {time.monotonic() - started:.1f} s"
    )
    # The emulation really shaped the link: it took at least the payload's time at 64 kbit/s.
    assert goodput < 1.0


def _committed(run: Run) -> int:
    """The most bytes the receiver holds of an upload in progress (its committed offsets)."""
    store = ReceiverStore(run.receiver_data, migrate=False)
    try:
        with store.read() as s:
            return int(s.scalar(select(func.max(UploadRow.offset))) or 0)
    finally:
        store.close()


def _wait_for_committed(run: Run, proc: subprocess.Popen[str], at_least: int) -> None:
    """Wait until the receiver holds ``at_least`` bytes of some upload (its committed offset)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _committed(run) >= at_least:
            return
        if proc.poll() is not None:
            pytest.fail("the upload ended before the cut")
        time.sleep(0.05)
    pytest.fail(f"no upload reached {at_least} bytes within 60 s")


def _cut(run: Run, seconds: float) -> float:
    """Cut the link for ``seconds``; returns the monotonic time it came back."""
    run.net.set_link(False)
    try:
        time.sleep(seconds)
    finally:
        run.net.set_link(True)
    return time.monotonic()


def _until_committed_grows(run: Run, proc: subprocess.Popen[str], than: int) -> float:
    """Seconds until the receiver holds more than ``than`` bytes (or the upload ended)."""
    t0 = time.monotonic()
    while _committed(run) <= than and proc.poll() is None and time.monotonic() - t0 < 90:
        time.sleep(0.05)
    return time.monotonic() - t0


#: A short cut, then one longer than the station's progress timeout (25 s).
CUTS_S = (8.0, 30.0)


def test_an_upload_through_two_cuts_completes_each_byte_stored_once(shaped_run: Any) -> None:
    """A short cut (TCP may ride it out) and one longer than the station's 25 s progress
    timeout (the stream is dropped and a new one resumes): each cut costs at most the window
    (64 KiB, one version-1 chunk) of bytes sent again, the run goes on, the packet is stored
    once and its receipt verifies."""
    started = time.monotonic()
    run: Run = shaped_run([120_000])
    proc = run.start_uploader()
    _wait_for_committed(run, proc, 2 * 16 * 1024)
    back = []
    for seconds in CUTS_S:
        before = _committed(run)
        _cut(run, seconds)
        back.append(_until_committed_grows(run, proc, before))
        assert proc.poll() is None or seconds == CUTS_S[-1], "the upload ended during the cuts"
    summary, runs, err = run.finish(proc)
    assert summary["pending"] == 0, (summary, err[-2000:])
    assert summary["protocols"] == [2], runs
    assert_verified_receipts(run, summary)
    with run_receiver(run) as receiver, receiver.store.read() as s:
        assert s.scalar(select(func.count()).select_from(PacketRow)) == 1
        assert s.scalar(select(func.count()).select_from(UploadRow)) == 0
    resent = summary["bytes_attempted"] - run.payload
    print(
        f"\ncuts of {CUTS_S[0]:g} s and {CUTS_S[1]:g} s on {SHAPE.describe()}: {run.payload} B in "
        f"{summary['elapsed_s']:.1f} s, {len(runs)} run(s), {summary['retries']} stream(s) "
        f"lost, re-sent {resent} B; first byte stored {back[0]:.1f} s and {back[1]:.1f} s "
        f"after the link came back; test {time.monotonic() - started:.1f} s"
    )
    assert 0 <= resent <= 2 * _window(summary), summary
    assert len(runs) == 1, runs  # one run rode both cuts out


@contextlib.contextmanager
def run_receiver(run: Run) -> Iterator[Receiver]:
    receiver = Receiver(ReceiverStore(run.receiver_data), load_keys([run.keyset["receiver_keys"]]))
    try:
        yield receiver
    finally:
        receiver.store.close()


def test_one_run_rides_out_a_socket_reset_and_a_20s_cut(shaped_run: Any) -> None:
    """The station's connection is reset, then the link stays cut for 20 s: the same run (no
    new login, no new process) resumes at the receiver's offset and finishes."""
    started = time.monotonic()
    run: Run = shaped_run([95_000])
    proc = netlink.start_uploader(run.net, run.station, CHUNK, UPLOAD_DEADLINE_S, pause_s=60)
    _wait_for_committed(run, proc, CHUNK)
    run.net.set_resets(True)  # the socket in use is reset...
    run.net.set_link(False)  # ...and the link stays down for 20 s
    try:
        time.sleep(20.0)
        before = _committed(run)
    finally:
        run.net.set_resets(False)
        run.net.set_link(True)
    returned = time.monotonic()
    while _committed(run) <= before and proc.poll() is None:  # the first chunk after the cut
        time.sleep(0.05)
    resumed_after = time.monotonic() - returned
    summary, runs, err = run.finish(proc)
    assert summary["pending"] == 0, (summary, err[-2000:])
    assert len(runs) == 1, runs  # one run rode it out
    assert runs[0]["failed"] == [] and runs[0]["receipted"], runs
    assert_verified_receipts(run, summary)
    resent = summary["bytes_attempted"] - run.payload
    assert 0 <= resent <= _window(summary) * max(1, summary["retries"]), summary
    print(
        f"\nreset + 20 s cut on {SHAPE.describe()}: {run.payload} B in one run of "
        f"{summary['elapsed_s']:.1f} s, {summary['retries']} stream(s) lost, re-sent "
        f"{resent} B; first chunk committed {resumed_after:.1f} s after the link returned; "
        f"test {time.monotonic() - started:.1f} s"
    )
