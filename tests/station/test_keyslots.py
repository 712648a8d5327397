"""Key slots: lockout, password change, reset, disable, slot binding, recovery."""

from __future__ import annotations

import json

import pytest

from station.errors import AuthenticationError, LockedOutError, PermissionDeniedError
from station.keyslots import lockout_delay
from station.models import AuditEntry
from station.paths import StationPaths
from station.provisioning import load_recovery_key
from station.service import StationService
from tests.conftest import ADMIN_PW, OP_PW, SUP_PW, FakeClock, login


def test_lockout_delay_grows() -> None:
    assert [lockout_delay(n) for n in range(1, 10)] == [0, 0, 0, 0, 30, 60, 120, 240, 480]
    assert lockout_delay(30) == 3600


def test_lockout_after_five_failures(station_paths: StationPaths, clock: FakeClock) -> None:
    svc = StationService(station_paths, clock)
    for _ in range(4):
        with pytest.raises(AuthenticationError) as err:
            svc.login("admin", "wrong-password-x")
        assert not isinstance(err.value, LockedOutError)
    with pytest.raises(LockedOutError) as locked:
        svc.login("admin", "wrong-password-x")
    assert locked.value.remaining_seconds == 30
    # The right password is refused while locked, and says how long to wait.
    clock.advance(10)
    with pytest.raises(LockedOutError) as still:
        svc.login("admin", ADMIN_PW)
    assert still.value.remaining_seconds == 20
    assert "20 giây" in still.value.vi and "20 s" in still.value.en
    clock.advance(21)
    # One more failure after the lock ends doubles the delay.
    with pytest.raises(LockedOutError) as longer:
        svc.login("admin", "wrong-password-x")
    assert longer.value.remaining_seconds == 60
    clock.advance(61)
    svc.login("admin", ADMIN_PW)
    # The failures were queued outside the store and are now in the audit log.
    with svc.store.read() as s:
        actions = [e.action for e in s.query(AuditEntry).order_by(AuditEntry.seq)]
    assert actions.count("login.failed") == 6
    assert actions.count("login.refused.locked") == 1
    assert actions[-1] == "login"
    assert svc.verify_audit().ok
    assert svc.slots.pending_events() == []
    # Success cleared the counter.
    assert svc.slots.lockout_remaining("admin", clock.now()) == 0
    svc.close()


def test_unknown_operator_gets_the_same_message(station_paths: StationPaths) -> None:
    svc = StationService(station_paths)
    with pytest.raises(AuthenticationError) as unknown:
        svc.login("nobody", "whatever-password")
    with pytest.raises(AuthenticationError) as wrong:
        svc.login("admin", "whatever-password")
    assert unknown.value.vi == wrong.value.vi and unknown.value.en == wrong.value.en


def test_password_change_rewraps_the_slot(staffed: StationService, clock: FakeClock) -> None:
    before = json.loads(staffed.paths.keyslots.read_text())
    op = login(staffed.paths, clock, "op1", OP_PW)
    op.change_password(OP_PW, "a-brand-new-password")
    after = json.loads(staffed.paths.keyslots.read_text())
    slot_before = next(s for s in before["operators"] if s["operator_id"] == "op1")
    slot_after = next(s for s in after["operators"] if s["operator_id"] == "op1")
    assert slot_before["kdf"]["salt"] != slot_after["kdf"]["salt"]
    assert slot_before["wrap"]["ciphertext"] != slot_after["wrap"]["ciphertext"]
    op.close()
    with pytest.raises(AuthenticationError):
        login(staffed.paths, clock, "op1", OP_PW)
    login(staffed.paths, clock, "op1", "a-brand-new-password").close()


def test_reset_needs_admin_unlock_and_kills_old_password(
    staffed: StationService, clock: FakeClock
) -> None:
    with pytest.raises(AuthenticationError):
        staffed.reset_operator("not-the-admin-password", "op1", "reset-password-123")
    login(staffed.paths, clock, "op1", OP_PW).close()  # unchanged after the refused reset
    staffed.reset_operator(ADMIN_PW, "op1", "reset-password-123")
    with pytest.raises(AuthenticationError):
        login(staffed.paths, clock, "op1", OP_PW)
    op = login(staffed.paths, clock, "op1", "reset-password-123")
    assert op.session is not None and op.session.must_change_password
    with pytest.raises(PermissionDeniedError):
        op.create_dossier("first_issue", {"full_name": "X"})
    op.change_password("reset-password-123", "operator-chosen-pw")
    op.create_dossier("first_issue", {"full_name": "X"})
    op.close()


def test_disable_destroys_only_that_slot(staffed: StationService, clock: FakeClock) -> None:
    staffed.disable_operator("op1")
    assert not staffed.slots.has_operator("op1")
    with pytest.raises(AuthenticationError):
        login(staffed.paths, clock, "op1", OP_PW)
    login(staffed.paths, clock, "sup1", SUP_PW).close()
    login(staffed.paths, clock, "admin", ADMIN_PW).close()
    ops = {o.id: o for o in staffed.list_operators()}
    assert ops["op1"].disabled and not ops["op1"].has_slot
    # Only an admin may manage operators.
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    with pytest.raises(PermissionDeniedError):
        sup.disable_operator("sup2")
    sup.close()


def test_slot_copied_under_another_name_does_not_open(
    staffed: StationService, clock: FakeClock
) -> None:
    doc = json.loads(staffed.paths.keyslots.read_text())
    slots = {s["operator_id"]: s for s in doc["operators"]}
    # An attacker who knows op1's password relabels op1's slot as sup1's to act as sup1.
    forged = dict(slots["op1"], operator_id="sup1")
    doc["operators"] = [forged if s["operator_id"] == "sup1" else s for s in doc["operators"]]
    staffed.paths.keyslots.write_text(json.dumps(doc))
    with pytest.raises(AuthenticationError):
        login(staffed.paths, clock, "sup1", OP_PW)


def test_recovery_key_opens_the_store(admin: StationService, keyset: dict) -> None:
    key = admin.slots.recover(load_recovery_key(keyset["recovery_key"]))
    assert key == admin.store.key


def test_admin_cannot_disable_themselves(admin: StationService) -> None:
    from station.errors import ValidationError

    with pytest.raises(ValidationError, match="own account"):
        admin.disable_operator("admin")


def test_unknown_ids_do_not_grow_the_slot_file(station_paths: StationPaths) -> None:
    from station.keyslots import MAX_UNKNOWN_LOCKOUTS

    svc = StationService(station_paths)
    for i in range(MAX_UNKNOWN_LOCKOUTS + 20):
        with pytest.raises(AuthenticationError):
            svc.login(f"guess{i}", "whatever-password")
    lockouts = json.loads(station_paths.keyslots.read_text())["lockouts"]
    assert len(lockouts) == MAX_UNKNOWN_LOCKOUTS
    doc = svc.slots.read()  # unknown ids are kept under a keyed hash, never in clear
    last = f"guess{MAX_UNKNOWN_LOCKOUTS + 19}"
    assert doc.lockout_key("guess0") not in lockouts and doc.lockout_key(last) in lockouts
