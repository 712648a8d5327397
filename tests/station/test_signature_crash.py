"""SIGKILL while signatures are being saved: a signature's image and strokes always match.

The image and the raw strokes of a signature are written in one transaction. A real subprocess
saves signature after signature on a draft; the test kills it at random instants and checks,
after each kill, that every stored signature image names the hash of the strokes stored beside
it, and counts their points and strokes.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from station.models import DossierPart
from station.service import StationService
from tests.conftest import ADMIN_PW, OP_PW, FakeClock
from tests.station.killing import run_and_kill

KILLS = 10
WORKER = Path(__file__).with_name("signature_worker.py")


def _check(paths: object, clock: FakeClock) -> int:
    svc = StationService(paths, clock)  # type: ignore[arg-type]
    svc.login("admin", ADMIN_PW)
    checked = 0
    try:
        assert svc.store.integrity_check() == ["ok"]
        with svc.store.read() as s:
            parts = {
                (p.dossier_id, p.slot): p
                for p in s.query(DossierPart).filter(DossierPart.kind == "signature")
            }
            for (dossier_id, slot), image in parts.items():
                if slot != "":
                    continue
                strokes = parts[(dossier_id, "strokes")]
                assert json.loads(image.meta_json)["strokes_sha256"] == strokes.sha256
                assert hashlib.sha256(bytes(strokes.data)).hexdigest() == strokes.sha256
                meta = json.loads(image.meta_json)
                points = json.loads(bytes(strokes.data))
                assert meta["points"] == sum(len(stroke) for stroke in points)
                assert meta["strokes"] == len(points)
                checked += 1
    finally:
        svc.close()
    return checked


def test_sigkill_while_saving_signatures(staffed: StationService, clock: FakeClock) -> None:
    paths = staffed.paths
    staffed.close()
    rng = random.Random(20261203)
    for i in range(KILLS):
        run_and_kill(WORKER, [str(paths.root), OP_PW, str(i)], rng.uniform(0.0, 0.5))
        assert _check(paths, clock) == i + 1  # one signed draft per worker, each consistent
