"""Lockout that survives clock changes, unknown ids never in clear, and the ways back."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from station.errors import AuthenticationError, LockedOutError
from station.keyslots import LOCKOUT_MAX_SECONDS
from station.paths import StationPaths
from station.provisioning import load_recovery_key
from station.service import StationService
from tests.conftest import ADMIN_PW, FakeClock


def _lock_admin(svc: StationService, times: int = 5) -> LockedOutError:
    err: LockedOutError | None = None
    for _ in range(times):
        with pytest.raises(AuthenticationError) as caught:
            svc.login("admin", "wrong-guess-xyz")
        if isinstance(caught.value, LockedOutError):
            err = caught.value
    assert err is not None
    return err


def test_clock_set_back_does_not_lock_for_years(
    station_paths: StationPaths, clock: FakeClock
) -> None:
    svc = StationService(station_paths, clock)
    assert _lock_admin(svc).remaining_seconds == 30
    clock.t -= timedelta(days=2555)  # a dead RTC battery: the clock jumps back seven years
    with pytest.raises(LockedOutError) as still:
        svc.login("admin", ADMIN_PW)
    assert still.value.remaining_seconds <= 30
    clock.mono += 31  # real time passes; the wall clock stays wrong
    svc.login("admin", ADMIN_PW)
    svc.close()


def test_after_a_reboot_the_remaining_delay_is_capped(
    station_paths: StationPaths, clock: FakeClock
) -> None:
    svc = StationService(station_paths, clock)
    for _ in range(12):  # 30 s doubled 7 times: capped at the hour
        with pytest.raises(AuthenticationError):
            svc.login("admin", "wrong-guess-xyz")
        clock.advance(LOCKOUT_MAX_SECONDS)
    clock.mono -= LOCKOUT_MAX_SECONDS
    doc = json.loads(station_paths.keyslots.read_text())
    entry = doc["lockouts"]["admin"]
    assert entry["delay"] == LOCKOUT_MAX_SECONDS
    entry["boot"] = "another-boot"  # the monotonic reading belongs to an earlier boot
    entry["locked_at"] = "2030-01-01T00:00:00.000000Z"  # set while the clock ran years ahead
    station_paths.keyslots.write_text(json.dumps(doc))
    with pytest.raises(LockedOutError) as locked:
        svc.login("admin", ADMIN_PW)
    assert 0 < locked.value.remaining_seconds <= LOCKOUT_MAX_SECONDS
    # An older version's wall-clock entry far in the future is capped as well.
    doc = json.loads(station_paths.keyslots.read_text())
    doc["lockouts"]["admin"] = {"failures": 5, "locked_until": "2033-01-01T00:00:00.000000Z"}
    station_paths.keyslots.write_text(json.dumps(doc))
    assert svc.slots.lockout_remaining("admin", clock.now()) == LOCKOUT_MAX_SECONDS


def test_unknown_ids_are_never_kept_in_clear(station_paths: StationPaths, clock: FakeClock) -> None:
    svc = StationService(station_paths, clock)
    typed = "Tr0ub4dor&3-secret"  # a password typed into the operator-id field
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            svc.login(typed, ADMIN_PW)
    raw = station_paths.keyslots.read_bytes()
    assert typed.encode() not in raw
    assert any(k.startswith("unknown:") for k in json.loads(raw)["lockouts"])
    svc.login("admin", ADMIN_PW)  # the pending events move into the audit log
    assert typed.encode() not in station_paths.keyslots.read_bytes()
    svc.close()
    # The counter still works for that unknown id (same keyed hash each time).
    svc2 = StationService(station_paths, clock)
    for _ in range(2):
        with pytest.raises(AuthenticationError) as err:
            svc2.login(typed, "x-wrong-pass")
    assert isinstance(err.value, LockedOutError)


def test_admin_and_recovery_key_lift_a_lockout(
    staffed: StationService, clock: FakeClock, keyset: dict
) -> None:
    op = StationService(staffed.paths, clock)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            op.login("op1", "wrong-guess-xyz")
    assert staffed.unlock_operator("op1") is True
    assert staffed.slots.lockout_remaining("op1", clock.now()) == 0
    # A locked-out admin: the recovery key is the way back, and the act reaches the audit log.
    other = StationService(staffed.paths, clock)
    _lock_admin(other)
    assert other.slots.clear_lockout_with_recovery(
        "admin", load_recovery_key(keyset["recovery_key"]), clock.now()
    )
    other.login("admin", ADMIN_PW)
    with other.store.read() as s:
        from station.models import AuditEntry

        actions = [e.action for e in s.query(AuditEntry)]
    assert "operator.lockout_cleared" in actions and "lockout.cleared.recovery" in actions
    other.close()
