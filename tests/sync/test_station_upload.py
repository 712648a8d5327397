"""The station's uploader against the real receiver over HTTP on loopback: many dossiers
delivered exactly once and purged, a station killed mid-upload, a USB drive pulled mid-export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import func, select

from station import packet
from station.lifecycle import State
from station.service import StationService
from sync import api
from sync import usb as station_usb
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.keys import load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import PacketRow, ReceiverStore, UploadRow
from sync.receiver.usb import import_usb
from tests.conftest import ADMIN_PW, OP_PW, SUP_PW, FakeClock, capture_all, login, valid_form

ROOT = Path(__file__).resolve().parents[2]


def _receiver(tmp_path: Path, keyset: dict[str, Path]) -> Receiver:
    return Receiver(ReceiverStore(tmp_path / "receiver"), load_keys([keyset["receiver_keys"]]))


def _seal(op: StationService, sup: StationService, i: int, scan: bytes | None = None) -> str:
    d = op.create_dossier("first_issue", valid_form(occupation=f"Nghề số {i}"))
    capture_all(op, d.id)
    if scan is not None:
        op.add_document(d.id, "birth_certificate", scan)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.approve(d.id)
    return sup.seal(d.id)


def test_fifty_dossiers_delivered_once_and_purged(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    receiver = _receiver(tmp_path, keyset)
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    ids = [_seal(op, sup, i) for i in range(50)]
    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        report = api.sync_now(sup)
        assert sorted(report.receipted) == sorted(ids), report.errors
        again = api.sync_now(sup)  # nothing left: nothing sent, nothing stored twice
        assert again.receipted == [] and again.bytes_sent == 0
    assert sup.pending_packets() == []
    for pid in ids:
        info = sup.packet_info(pid)
        assert info.status == "purged"  # retention 0: bytes dropped once the receipt verified
        assert sup.get_dossier(info.dossier_id).state == State.PURGED
    keys = load_keys([keyset["receiver_keys"]])
    station_public = packet.crypto.b64d(staffed.registration()["public_key"])
    with receiver.store.read() as s:
        assert s.scalar(select(func.count()).select_from(PacketRow)) == 50
        rows = s.execute(select(PacketRow)).scalars().all()
        for row in rows:
            data = receiver.store.read_blob(row.blob_path)
            opened = packet.open_packet(
                data,
                receiver_key=keys.for_key_id(row.key_id),  # type: ignore[arg-type]
                station_public_key=station_public,
            )
            assert opened.header.packet_id == row.packet_id
    assert {r.packet_id for r in rows} == set(ids)
    receiver.store.close()


def _scan(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    noisy = rng.integers(0, 255, (900, 700, 3), dtype=np.uint8)  # incompressible: a big packet
    return cv2.imencode(".png", noisy)[1].tobytes()


def test_station_killed_mid_upload_resumes_at_the_acknowledged_offset(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    receiver = _receiver(tmp_path, keyset)
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    packet_id = _seal(op, sup, 1, _scan(1))
    reg_id = staffed.registration()["station_id"]
    size = sup.packet_info(packet_id).size
    chunk = 16 * 1024
    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        staffed.set_sync_settings(bandwidth_cap_bps=100_000)  # ~3 s for this packet
        sup.close()
        op.close()
        staffed.close()
        proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("upload_worker.py")),
                str(staffed.paths.root),
                "admin",
                ADMIN_PW,
                str(chunk),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 20
        offset = 0
        while time.monotonic() < deadline and offset < size // 3:
            time.sleep(0.1)
            with receiver.store.read() as s:
                row = s.get(UploadRow, (reg_id, packet_id))
                offset = row.offset if row is not None else 0
        assert 0 < offset < size, (offset, size)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with receiver.store.read() as s:
            acked = s.get(UploadRow, (reg_id, packet_id)).offset
        # The station starts again; the receiver tells it where to resume.
        svc = StationService(staffed.paths, clock)
        svc.login("admin", ADMIN_PW)
        svc.set_sync_settings(bandwidth_cap_bps=0)
        uploader = api.uploader_for(svc)
        uploader.chunk_size = chunk
        report = uploader.run_once()
        uploader.client.close()
        assert report.receipted == [packet_id], report.errors
        resent = report.bytes_sent - (size - acked)
        print(f"\nkilled at {acked}/{size} bytes acknowledged; re-sent after restart: {resent} B")
        assert 0 <= resent <= chunk
    with receiver.store.read() as s:
        assert s.scalar(select(func.count()).select_from(PacketRow)) == 1
    assert svc.packet_info(packet_id).status == "purged"
    svc.close()
    receiver.store.close()


def test_usb_drive_pulled_mid_export(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    receiver = _receiver(tmp_path, keyset)
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    ids = [_seal(op, sup, i) for i in range(3)]
    drive = tmp_path / "usb" / "export"
    station_usb.export(sup, drive)
    # The drive was pulled: one packet file is cut short on it.
    victim = drive / f"{ids[1]}.ipkt"
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    report = import_usb(receiver, drive, tmp_path / "usb" / "receipts")
    assert not report.complete
    bad = {i.packet_id for i in report.items if i.error}
    assert bad == {ids[1]}
    back = station_usb.import_receipts(sup, tmp_path / "usb" / "receipts")
    assert sorted(back.accepted) == sorted([ids[0], ids[2]])
    assert [p.packet_id for p in sup.pending_packets()] == [ids[1]]  # still to send
    # A fresh export carries only what is still undelivered, and now gets through.
    again = tmp_path / "usb2" / "export"
    assert station_usb.export(sup, again).packets == [ids[1]]
    assert import_usb(receiver, again, tmp_path / "usb2" / "receipts").complete
    assert station_usb.import_receipts(sup, tmp_path / "usb2" / "receipts").accepted == [ids[1]]
    assert sup.pending_packets() == []
    receiver.store.close()
