"""Back-fill of "one citizen, one card" (``intake-station-receiver backfill-citizens``): packets
per second on SQLite.

Run: ``PYTHONPATH=. .venv/bin/python bench/bench_backfill.py [--packets N] [--size BYTES]``.
Prints figures; asserts nothing. Packets (about ``--size`` bytes of random part data, each for
its own dossier and citizen) are accepted by the receiver, their citizen rows are removed (the
state of packets accepted before ``citizen_packets`` existed), the store is migrated to head
(which lists them), then the back-fill runs in this process and its time is printed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete

from station.provisioning import generate_receiver_keyset
from sync.receiver.backfill import backfill_citizens, pending
from sync.receiver.core import Expect, Receiver
from sync.receiver.keys import load_keys
from sync.receiver.migrations import upgrade
from sync.receiver.store import CitizenRow, ReceiverStore
from tests.sync.conftest import current_public, make_station, seal_packet


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=200)
    ap.add_argument("--size", type=int, default=200_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        keyset = generate_receiver_keyset(Path(tmp) / "keys")
        keys = load_keys([keyset["receiver_keys"]])
        data = Path(tmp) / "data"
        store = ReceiverStore(data, migrate=False)
        upgrade(store.engine, None, "r0003_citizen_packets")
        receiver = Receiver(store, keys)
        station = make_station()
        receiver.register_station(station.registration())
        public = current_public(keys)
        for i in range(args.packets):
            form = {"full_name": "Bench", "date_of_birth": "2001-02-03", "id_number": f"{i:012d}"}
            sealed = seal_packet(station, public, size=args.size, form=form)
            expect = Expect(sealed.packet_id, sealed.sha256, authentic=True)
            receiver.accept(sealed.data, station_id=station.station_id, expect=expect, via="usb")
        with store.write() as s:
            s.execute(delete(CitizenRow))
        store.close()
        store = ReceiverStore(data)  # migrated to head: the packets are listed
        receiver = Receiver(store, keys)
        listed = pending(store)
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        report = backfill_citizens(receiver)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        store.close()
    load = os.getloadavg()
    print(f"packets listed {listed}, done {report.done}, with citizen {report.with_citizen}")
    print(f"packet size ~{args.size:,} B; SQLite; load average {load[0]:.2f} {load[1]:.2f}")
    print(
        f"wall {wall:.2f} s ({report.done / wall:.0f} packets/s, {wall / report.done * 1000:.1f} "
        f"ms/packet); CPU {cpu:.2f} s ({cpu / report.done * 1000:.1f} ms/packet)"
    )


if __name__ == "__main__":
    main()
