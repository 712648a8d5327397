"""SIGKILL at random moments in a burst of transitions leaves a consistent store.

A real subprocess writes through the service; the test kills it at a random instant, many
times over the same store, and after each kill checks: the store opens, ``PRAGMA
integrity_check`` is ``ok``, the audit chain is intact, every dossier is in a legal state, and
that state is the one its last audit entry moved it to (the transition and its audit record
committed together or not at all).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from station.lifecycle import State
from station.models import AuditEntry, Dossier
from station.service import StationService
from tests.conftest import ADMIN_PW, OP_PW, SUP_PW, FakeClock
from tests.station.killing import run_and_kill

KILLS = 30
WORKER = Path(__file__).with_name("crash_worker.py")


def _check_store(paths, clock: FakeClock) -> tuple[int, int]:
    svc = StationService(paths, clock)
    svc.login("admin", ADMIN_PW)
    try:
        assert svc.store.integrity_check() == ["ok"]
        result = svc.verify_audit()
        assert result.ok, result
        with svc.store.read() as s:
            last_to: dict[str, str] = {}
            for e in s.query(AuditEntry).order_by(AuditEntry.seq):
                if e.action == "dossier.created":
                    last_to[e.subject] = "draft"
                elif e.action == "dossier.transition":
                    last_to[e.subject] = json.loads(e.details_json)["to"]
            dossiers = s.query(Dossier).all()
            for d in dossiers:
                State(d.state)  # a legal state name
                assert last_to[d.id] == d.state, (d.number, d.state, last_to.get(d.id))
            assert set(last_to) == {d.id for d in dossiers}
        return len(dossiers), result.entries
    finally:
        svc.close()


@pytest.mark.slow
def test_sigkill_during_transitions(staffed: StationService, clock: FakeClock) -> None:
    paths = staffed.paths
    staffed.close()
    rng = random.Random(20261123)
    dossiers = entries = 0
    for i in range(KILLS):
        run_and_kill(WORKER, [str(paths.root), OP_PW, SUP_PW, str(i)], rng.uniform(0.0, 0.4))
        new_dossiers, new_entries = _check_store(paths, clock)
        assert new_dossiers > dossiers and new_entries > entries
        dossiers, entries = new_dossiers, new_entries
    assert dossiers >= KILLS
