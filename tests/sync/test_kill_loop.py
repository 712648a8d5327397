"""Hundreds of SIGKILLs over the station's uploads and the receiver, the receiver running for a
while without the key generation the station seals to: nothing lost, nothing duplicated,
nothing stuck, nothing left refused that the receiver can now accept.

Each side runs as a fork server (``kill_zygote.py``): a fresh process per life, SIGKILLed at a
random moment (0.2 to 1 s into its life, so mid-login, mid-chunk, mid-completion, mid-commit).
Station and receiver kills run at the same time, independently.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from station.models import AuditEntry
from station.provisioning import generate_receiver_keyset
from station.service import StationService
from sync.receiver.core import Receiver
from sync.receiver.keys import load_keys
from sync.receiver.store import PacketBlobRow, PacketRow, ReceiverStore, RefusalRow, UploadRow
from tests.conftest import OP_PW, SUP_PW, FakeClock, login

from .procs import ENV, ROOT, free_port
from .test_end_to_end import sealed_dossier

pytestmark = pytest.mark.slow

PACKETS = 10
KILLS_EACH = 101  # station and receiver: 202 SIGKILLs in all
HELD_PHASE_S = 35.0  # the receiver runs without the station's key generation this long
ZYGOTE = str(ROOT / "tests/sync/kill_zygote.py")


class Zygote:
    def __init__(self, args: list[str], first_line: str | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, ZYGOTE, *args],
            cwd=ROOT,
            env=ENV,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        if first_line is not None:
            self._send(first_line)
        self.wait_for(lambda line: line == "zygote ready", 60)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.strip())
                self.cond.notify_all()

    def _send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, match, timeout: float) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if match(line):
                        self.lines.remove(line)
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; lines: {self.lines[-20:]}")
                self.cond.wait(left)

    def spawn(self, command: str = "go") -> int:
        self._send(command)
        line = self.wait_for(lambda s: s.startswith("pid "), 30)
        return int(line.split()[1])

    def exit_code(self, pid: int) -> int:
        line = self.wait_for(lambda s: s.startswith(f"exit {pid} "), 60)
        return int(line.split()[2])

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.kill()
            self.proc.wait()


def _at_receiver(data: Path) -> tuple[list[str], int]:
    """(packets held, bytes held: whole packets plus the acknowledged part of uploads)."""
    store = ReceiverStore(data)
    try:
        with store.read() as s:
            held = s.execute(select(PacketRow.packet_id, PacketRow.size)).all()
            partial = s.scalar(select(func.coalesce(func.sum(UploadRow.offset), 0)))
        return sorted(p for p, _ in held), sum(size for _, size in held) + int(partial or 0)
    finally:
        store.close()


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def test_kill_loop_over_station_and_receiver(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    started = time.monotonic()
    station_keys = keyset["receiver_keys"]
    other_keys = generate_receiver_keyset(tmp_path / "gen2")["receiver_keys"]
    data = tmp_path / "receiver"
    r = Receiver(ReceiverStore(data), load_keys([station_keys]))
    r.register_station(staffed.registration())
    r.store.close()
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    ids = sorted(sealed_dossier(op, sup, f"Nghề {i}")[1] for i in range(PACKETS))
    total = sum(sup.packet_info(p).size for p in ids)
    op.close()
    sup.close()
    port = free_port()
    staffed.set_receiver_url(f"http://127.0.0.1:{port}")
    # 4 KiB chunks at 60 kB/s or more (about six seconds of uploading in all, whatever the
    # captures weigh: real ones make ~180 KB packets): a station process lives long enough for
    # a few chunks, so the uploads progress through the loop and every kill lands mid-login,
    # mid-chunk or mid-completion; the first packets reach their last byte while the key is
    # missing.
    staffed.set_sync_settings(bandwidth_cap_bps=max(60_000, total // 6))

    rng = random.Random(20261203)
    kills = {"station": 0, "receiver": 0}
    errors: list[BaseException] = []
    held_until = time.monotonic() + HELD_PHASE_S
    receiver_z = Zygote(
        ["receiver", str(data), str(port), str(other_keys), f"{station_keys},{other_keys}"]
    )
    station_z = Zygote(["station", str(staffed.paths.root), "sup1"], first_line=SUP_PW)

    def receiver_loop() -> None:
        try:
            while kills["receiver"] < KILLS_EACH:
                phase = "held" if time.monotonic() < held_until else "full"
                pid = receiver_z.spawn(f"go {phase}")
                receiver_z.wait_for(lambda s, pid=pid: s == f"ready {pid}", 30)
                time.sleep(rng.uniform(0.2, 1.0))
                _kill(pid)
                if receiver_z.exit_code(pid) == -9:
                    kills["receiver"] += 1
        except BaseException as exc:
            errors.append(exc)

    def station_loop() -> None:
        try:
            while kills["station"] < KILLS_EACH:
                pid = station_z.spawn()
                time.sleep(rng.uniform(0.2, 1.0))
                _kill(pid)
                if station_z.exit_code(pid) == -9:
                    kills["station"] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=receiver_loop), threading.Thread(target=station_loop)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=240)
        assert not errors, errors
        assert kills["station"] >= KILLS_EACH and kills["receiver"] >= KILLS_EACH, kills
        loop_s = time.monotonic() - started
        during, moved = _at_receiver(data)
        # The uploads really ran under the kills (not all left for the quiet run below).
        assert moved >= total // 2, (moved, total, during)
        # Then one receiver with every key generation, one station run, no kills.
        while time.monotonic() < held_until:
            time.sleep(0.1)
        staffed.set_sync_settings(bandwidth_cap_bps=0)
        final = receiver_z.spawn("go full")
        receiver_z.wait_for(lambda s: s == f"ready {final}", 30)
        pid = station_z.spawn()
        station_z.wait_for(lambda s: s == f"done {pid}", 90)
        assert station_z.exit_code(pid) == 0
        _kill(final)
    finally:
        station_z.close()
        receiver_z.close()

    # Nothing lost, nothing stuck, nothing left refused: every packet receipted.
    check = login(staffed.paths, clock, "sup1", SUP_PW)
    statuses = {p: check.packet_info(p).status for p in ids}
    assert set(statuses.values()) <= {"receipted", "purged"}, statuses
    assert check.pending_packets() == []
    with check.store.read() as s:
        held_audits = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "packet.held")
        )
    assert held_audits >= 1  # the receiver did hold packets while it lacked the key
    check.close()
    # Nothing duplicated: the receiver holds each packet once, one blob each, no upload left.
    store = ReceiverStore(data)
    with store.read() as s:
        held = sorted(s.execute(select(PacketRow.packet_id)).scalars())
        uploads = s.scalar(select(func.count()).select_from(UploadRow))
        refusals = s.scalar(select(func.count()).select_from(RefusalRow))
        blobs = s.scalar(select(func.count()).select_from(PacketBlobRow))
    store.close()
    assert held == ids and uploads == 0 and refusals == 0
    assert blobs == PACKETS
    print(
        f"\nkill loop: {kills['station']} station + {kills['receiver']} receiver SIGKILLs "
        f"({HELD_PHASE_S:.0f} s without the key generation) in {loop_s:.0f} s; {PACKETS} packets "
        f"({total} B), {moved} B at the receiver and {len(during)} packets delivered during the "
        f"kills, the rest after: 0 lost, "
        f"0 duplicated, 0 stuck, 0 refused; test "
        f"{time.monotonic() - started:.0f} s"
    )
