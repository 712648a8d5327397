"""No packet stranded: held answers retried until accepted, final refusals resent by an admin,
the queue's figures from the receiver, retention purged on schedule and after a kill."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from station import delivery
from station.errors import PermissionDeniedError
from station.lifecycle import State
from station.models import AuditEntry
from station.provisioning import generate_receiver_keyset
from station.service import StationService
from sync import api
from sync.client import ReceiverClient
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.keys import ReceiverKeys, load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import ReceiverStore
from sync.uploader import EXIT_HELD, EXIT_OK, EXIT_REFUSED, RunReport, SyncLoop, Uploader
from tests.conftest import ADMIN_PW, OP_PW, SUP_PW, FakeClock, login

from .test_end_to_end import sealed_dossier


def _without_station_key(keys: ReceiverKeys, other: ReceiverKeys) -> ReceiverKeys:
    """The receiver as it runs before an administrator loads the generation the station seals
    to: same receipt key, but only another generation's decryption key."""
    return ReceiverKeys(keys.signing_key, dict(other.decryption), other.current_key_id)


def _actions(svc: StationService, subject: str) -> list[str]:
    with svc.store.read() as s:
        return list(
            s.execute(select(AuditEntry.action).where(AuditEntry.subject == subject)).scalars()
        )


def test_held_packet_is_retried_and_accepted_once_the_key_is_loaded(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    keys = load_keys([keyset["receiver_keys"]])
    other = load_keys([generate_receiver_keyset(tmp_path / "gen2")["receiver_keys"]])
    store = ReceiverStore(tmp_path / "receiver")
    receiver = Receiver(store, _without_station_key(keys, other))
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    dossier_id, packet_id = sealed_dossier(op, sup, "Nông dân")
    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        report = api.sync_now(sup)
        assert report.held == [packet_id] and report.refused == [], report.summary_lines()
        assert report.exit_code == EXIT_HELD
        assert "key_not_loaded" in report.reasons[packet_id]
        # Still in the queue, with the reason, never refused.
        info = sup.packet_info(packet_id)
        assert info.status in ("queued", "uploading") and delivery.is_held(info.last_error)
        assert [p.packet_id for p in sup.pending_packets()] == [packet_id]
        again = api.sync_now(sup)  # held again: resent only the last chunk
        assert again.held == [packet_id] and again.bytes_sent < info.size
    # The administrator loads the generation: the next run delivers.
    receiver.keys = keys
    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        report = api.sync_now(sup)
        assert report.receipted == [packet_id], report.summary_lines()
        assert report.exit_code == EXIT_OK
    info = sup.packet_info(packet_id)
    assert info.attempts == 0 and info.last_error is None  # a receipt clears the errors
    assert sup.get_dossier(dossier_id).state in (State.RECEIPTED, State.PURGED)
    assert "packet.held" in _actions(sup, packet_id)
    store.close()
    op.close()
    sup.close()


def test_admin_resends_a_final_refusal(
    staffed: StationService,
    clock: FakeClock,
    keyset: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A receiver whose manifest rules lag behind the station's refuses a packet for good (and
    remembers it); once the receiver is updated, an admin's resend delivers it."""
    from station import packet as packet_mod
    from sync.receiver import core as receiver_core

    receiver = Receiver(ReceiverStore(tmp_path / "receiver"), load_keys([keyset["receiver_keys"]]))
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    dossier_id, packet_id = sealed_dossier(op, sup, "Nông dân")

    def outdated(*args: object, **kwargs: object) -> packet_mod.Opened:
        raise packet_mod.PacketError("Manifest sai.", "Bad manifest.", code="bad_manifest")

    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        monkeypatch.setattr(receiver_core.packet, "open_packet", outdated)
        report = api.sync_now(sup)
        assert report.refused == [packet_id] and report.exit_code == EXIT_REFUSED
        assert "bad_manifest" in report.reasons[packet_id]
        monkeypatch.undo()  # the receiver is updated
        # Refused: kept, shown with its reason, never sent again by itself.
        report = api.sync_now(sup)
        assert report.bytes_sent == 0 and report.receipted == []
        info = sup.packet_info(packet_id)
        assert info.status == "refused" and "bad_manifest" in (info.last_error or "")
        assert sup.get_dossier(dossier_id).state == State.SEALED
        # A supervisor may not resend; an admin may, audited.
        with pytest.raises(PermissionDeniedError):
            sup.resend_packet(packet_id)
        staffed.resend_packet(packet_id)
        assert "packet.resend" in _actions(staffed, packet_id)
        report = api.sync_now(sup)
        assert report.receipted == [packet_id], report.summary_lines()
    op.close()
    sup.close()


def test_queue_progress_comes_from_the_receivers_offset(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    receiver = Receiver(ReceiverStore(tmp_path / "receiver"), load_keys([keyset["receiver_keys"]]))
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    _, packet_id = sealed_dossier(op, sup, "Nông dân")
    data = sup.packet_bytes(packet_id)
    station_id = staffed.registration()["station_id"]
    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        # Another run (say, before a crash) got the first chunk across.
        first = ReceiverClient(server.url, station_id, sup.signing_key())
        first.create(packet_id, len(data), sup.packet_info(packet_id).sha256)
        first.patch(packet_id, 0, data[:4096])
        first.close()
        assert sup.packet_info(packet_id).acked_offset == 0

        # This run's PATCHes fail with a server error: the queue still shows what the
        # receiver holds.
        def failing(request: httpx.Request) -> httpx.Response:
            if request.method == "PATCH":
                return httpx.Response(500, json={"error": "internal_error", "vi": "x", "en": "x"})
            with httpx.Client() as real:
                return real.send(
                    httpx.Request(
                        request.method, request.url, headers=request.headers, content=request.read()
                    )
                )

        client = ReceiverClient(
            server.url, station_id, sup.signing_key(), transport=httpx.MockTransport(failing)
        )
        report = Uploader(sup, client).run_once(budget_s=0)
        client.close()
        assert report.failed == [packet_id]
        info = sup.packet_info(packet_id)
        assert info.acked_offset == 4096 and info.attempts == 1
        # Delivered at last: the error count is cleared.
        report = api.sync_now(sup)
        assert report.receipted == [packet_id]
        info = sup.packet_info(packet_id)
        assert (info.attempts, info.last_error, info.acked_offset) == (0, None, info.size)
    op.close()
    sup.close()


def _receipted(
    staffed: StationService,
    clock: FakeClock,
    keyset: dict[str, Path],
    tmp_path: Path,
    before_sync: Callable[[], None] = lambda: None,
) -> tuple[StationService, StationService, str, str]:
    receiver = Receiver(ReceiverStore(tmp_path / "receiver"), load_keys([keyset["receiver_keys"]]))
    receiver.register_station(staffed.registration())
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    dossier_id, packet_id = sealed_dossier(op, sup, "Nông dân")
    with BackgroundServer(create_app(receiver)) as server:
        staffed.set_receiver_url(server.url)
        before_sync()
        try:
            assert api.sync_now(sup).receipted == [packet_id]
        finally:
            receiver.store.close()
    return op, sup, dossier_id, packet_id


def test_retention_is_purged_at_login_and_at_each_loop_tick(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    staffed.set_sync_settings(retention_days=2)
    op, sup, dossier_id, packet_id = _receipted(staffed, clock, keyset, tmp_path)
    assert sup.packet_info(packet_id).status == "receipted"
    op.close()
    sup.close()
    clock.advance(3 * 86400)
    # No new receipt arrives; a login purges what is due.
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    assert sup.packet_info(packet_id).status == "purged"
    assert sup.get_dossier(dossier_id).state == State.PURGED
    op = login(staffed.paths, clock, "op1", OP_PW)

    # And the loop's tick, without any login.
    _, second = sealed_dossier(op, sup, "Giáo viên")
    with sup.store.write() as s:
        from station.models import Packet

        p = s.get(Packet, second)
        assert p is not None
        p.status, p.receipted_at = "receipted", "2000-01-01T00:00:00.000000Z"

    class Offline:
        def probe(self, timeout_s: float = 10.0) -> tuple[object, list[object]]:
            return "down", []

    loop = SyncLoop(Uploader(sup, Offline()))  # type: ignore[arg-type]
    report = loop.tick()
    assert isinstance(report, RunReport) and not report.reachable
    assert sup.packet_info(second).status == "purged"
    op.close()
    sup.close()


def test_a_kill_between_receipt_and_purge_is_healed_by_the_next_run(
    staffed: StationService,
    clock: FakeClock,
    keyset: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staffed.set_sync_settings(retention_days=0)

    calls: list[int] = []

    def killed(self: StationService) -> int:
        calls.append(1)
        if len(calls) == 1:  # the run's purge before uploading: nothing due yet
            return 0
        raise SystemExit("killed after the receipt's commit, before its purge")

    with pytest.raises(SystemExit):
        _receipted(
            staffed,
            clock,
            keyset,
            tmp_path,
            lambda: monkeypatch.setattr(StationService, "purge_due", killed),
        )
    monkeypatch.undo()
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    purged = [p for p in sup.outbox()]
    assert purged == []  # nothing left to send
    with sup.store.read() as s:
        from station.models import Packet

        rows = list(s.execute(select(Packet.status)).scalars())
    assert rows == ["purged"]
    sup.close()


def test_only_admins_export_refused_packets(staffed: StationService, clock: FakeClock, tmp_path):
    from sync import usb as station_usb

    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    _, packet_id = sealed_dossier(op, sup, "Nông dân")
    staffed.refuse_packet(packet_id, "bad_manifest", "x / x")
    assert station_usb.export(sup, tmp_path / "a").packets == []
    with pytest.raises(PermissionDeniedError):
        station_usb.export(sup, tmp_path / "b", include_refused=True)
    admin = login(staffed.paths, clock, "admin", ADMIN_PW)
    assert station_usb.export(admin, tmp_path / "c", include_refused=True).packets == [packet_id]
    op.close()
    sup.close()
    admin.close()


def test_refused_exit_code() -> None:
    report = RunReport(reachable=True, refused=["x"])
    assert report.exit_code == EXIT_REFUSED
