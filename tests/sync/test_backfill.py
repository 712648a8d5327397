"""Back-fill of "one citizen, one card" for packets accepted before ``citizen_packets`` existed:
the migration lists them, ``backfill-citizens`` opens them with the receiver's keys, in runs that
can stop anywhere and go on; a key generation not loaded is reported, not fatal; afterwards a
duplicate of an old dossier is held. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from sync.receiver import cli
from sync.receiver.backfill import backfill_citizens, pending
from sync.receiver.core import Expect, Receiver
from sync.receiver.errors import PacketHeldError
from sync.receiver.keys import ReceiverKeys
from sync.receiver.migrations import upgrade
from sync.receiver.store import (
    CitizenBackfillRow,
    CitizenRow,
    PacketBlobRow,
    PacketRow,
    ReceiverStore,
)

from .conftest import TestStation, current_public, make_station, seal_packet

X, Y = "019301004567", "019301004568"
ROOT = Path(__file__).resolve().parents[2]


def _accept(receiver: Receiver, station: TestStation, id_number: str | None) -> str:
    form: dict[str, Any] = {"full_name": "Hoàng Thị Én", "date_of_birth": "2001-02-03"}
    if id_number is not None:
        form["id_number"] = id_number
    sealed = seal_packet(station, current_public(receiver.keys), size=2_000, form=form)
    expect = Expect(sealed.packet_id, sealed.sha256, authentic=True)
    receiver.accept(sealed.data, station_id=station.station_id, expect=expect, via="usb")
    return sealed.packet_id


def _old_receiver(data: Path, url: str | None, keys: ReceiverKeys) -> Receiver:
    """A receiver on the schema of ``r0003_citizen_packets`` (before the back-fill list)."""
    store = ReceiverStore(data, url, migrate=False)
    upgrade(store.engine, None, "r0003_citizen_packets")
    return Receiver(store, keys)


def _forget_citizens(receiver: Receiver, station_id: str, packet_ids: list[str]) -> None:
    """Make packets look accepted before ``citizen_packets`` existed: no row."""
    with receiver.store.write() as s:
        s.execute(
            delete(CitizenRow).where(
                CitizenRow.station_id == station_id, CitizenRow.packet_id.in_(packet_ids)
            )
        )


def _args(data: Path, url: str | None, keyset: dict[str, Path]) -> list[str]:
    db = ["--database-url", url] if url else []
    return ["--keys", str(keyset["receiver_keys"]), "--data", str(data), *db]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_backfill_makes_old_packets_count_for_one_citizen_one_card(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    keys: ReceiverKeys,
    receiver_keyset: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    data = tmp_path / "data"
    receiver = _old_receiver(data, url, keys)
    a, b, c = make_station("TN-001"), make_station("TN-002"), make_station("TN-003")
    for st in (a, b, c):
        receiver.register_station(st.registration())
    # Accepted before the rule: citizens X and Y, one without an ID number, one sealed to a key
    # generation this run will not load.
    old = [_accept(receiver, a, X), _accept(receiver, a, Y), _accept(receiver, a, None)]
    other_gen = _accept(receiver, a, "019301004569")
    _forget_citizens(receiver, a.station_id, [*old, other_gen])
    with receiver.store.write() as s:
        s.execute(
            update(PacketRow).where(PacketRow.packet_id == other_gen).values(key_id="0ld9e4e7a7105")
        )
    # After r0003, before the back-fill: a second dossier of X passes (the rule is incomplete).
    dup_x = _accept(receiver, b, X)
    receiver.store.close()

    assert cli.main(["migrate", *_args(data, url, receiver_keyset)[2:]]) == cli.EXIT_OK
    store = ReceiverStore(data, url, migrate=False)
    receiver = Receiver(store, keys)
    assert pending(store) == 4  # the packets without a row, not the one accepted after r0003
    cli._warn_backfill(receiver)  # what serve says at start
    err = capsys.readouterr().err
    assert "Cảnh báo: 4 gói" in err and "Warning: 4 packets" in err

    # A first run stops after 2 packets; the next goes on with the rest.
    first = backfill_citizens(receiver, batch=1, limit=2)
    assert (first.done, first.remaining) == (2, 2)
    capsys.readouterr()
    assert cli.main(["backfill-citizens", *_args(data, url, receiver_keyset)]) == (
        cli.EXIT_INCOMPLETE
    )
    out = capsys.readouterr().out
    assert f"{a.station_id} {other_gen}  key_not_loaded 0ld9e4e7a7105" in out
    assert "remaining: 1" in out
    # The generation "loaded" (here: the packet's key id put back): the last one is done.
    with store.write() as s:
        s.execute(
            update(PacketRow)
            .where(PacketRow.packet_id == other_gen)
            .values(key_id=keys.current_key_id)
        )
    assert cli.main(["backfill-citizens", *_args(data, url, receiver_keyset)]) == cli.EXIT_OK
    assert "remaining: 0" in capsys.readouterr().out
    assert pending(store) == 0
    assert cli.main(["backfill-citizens", *_args(data, url, receiver_keyset)]) == cli.EXIT_OK
    capsys.readouterr()
    cli._warn_backfill(receiver)
    assert capsys.readouterr().err == ""

    with store.read() as s:
        rows = {r.packet_id: r for r in s.scalars(select(CitizenRow))}
    assert rows[old[1]].live_id_number == Y and old[2] not in rows
    # X has two accepted dossiers: the one accepted after r0003 stays the live one, the old one
    # is recorded (not live) and reported as a conflict for the centre.
    assert rows[dup_x].live_id_number == X
    assert rows[old[0]].id_number == X and rows[old[0]].live_id_number is None
    assert first.conflicts == [(a.station_id, old[0], f"{b.station_id}/{dup_x}")]

    # From now on a new dossier of an old citizen is held, from any station.
    for citizen in (X, Y):
        with pytest.raises(PacketHeldError) as info:
            _accept(receiver, c, citizen)
        assert info.value.code == "duplicate_citizen"
    store.close()


def test_a_backfill_killed_mid_run_goes_on_where_it_stopped(
    tmp_path: Path, keys: ReceiverKeys, receiver_keyset: dict[str, Path]
) -> None:
    data = tmp_path / "data"
    receiver = _old_receiver(data, None, keys)
    st = make_station("TN-001")
    receiver.register_station(st.registration())
    ids = [_accept(receiver, st, f"0193010{i:05d}") for i in range(60)]
    _forget_citizens(receiver, st.station_id, ids)
    receiver.store.close()
    store = ReceiverStore(data)  # migrated: the 60 are listed
    assert pending(store) == 60
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sync.receiver.cli", "backfill-citizens", "--batch", "5"]
    proc = subprocess.Popen(
        [*cmd, *_args(data, None, receiver_keyset)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while pending(store) > 45 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    left = pending(store)
    assert proc.returncode == -signal.SIGKILL and 0 < left < 60  # killed mid-run
    with store.read() as s:
        rows = s.scalar(select(func.count()).select_from(CitizenRow))
        listed = s.scalar(select(func.count()).select_from(CitizenBackfillRow))
    # Each packet is one transaction: its row is written exactly when it leaves the list.
    assert rows == 60 - left and listed == left
    assert cli.main(["backfill-citizens", *_args(data, None, receiver_keyset)]) == cli.EXIT_OK
    with store.read() as s:
        numbers = sorted(s.scalars(select(CitizenRow.live_id_number)))
    assert numbers == sorted(f"0193010{i:05d}" for i in range(60))
    assert pending(store) == 0
    store.close()


def test_a_packet_whose_stored_bytes_do_not_open_is_listed_and_stays(
    tmp_path: Path,
    keys: ReceiverKeys,
    receiver_keyset: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "data"
    receiver = _old_receiver(data, None, keys)
    st = make_station("TN-001")
    receiver.register_station(st.registration())
    broken, fine = _accept(receiver, st, X), _accept(receiver, st, Y)
    _forget_citizens(receiver, st.station_id, [broken, fine])
    with receiver.store.write() as s:
        blob = s.get_one(PacketRow, (st.station_id, broken)).blob_path
        row = s.get_one(PacketBlobRow, blob)
        row.data = row.data[:-100] + bytes(100)  # damaged at rest
    receiver.store.close()
    assert cli.main(["backfill-citizens", *_args(data, None, receiver_keyset)]) == (
        cli.EXIT_INCOMPLETE
    )
    out = capsys.readouterr().out
    assert f"{st.station_id} {broken}  unopenable" in out and "remaining: 1" in out
    store = ReceiverStore(data)
    with store.read() as s:
        assert s.get(CitizenRow, (st.station_id, fine)) is not None
        assert s.get(CitizenRow, (st.station_id, broken)) is None
    assert pending(store) == 1
    store.close()
