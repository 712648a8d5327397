"""Runs bursts of dossier transitions forever; the crash test kills it with SIGKILL.

Two services (an operator's and a supervisor's) on the same store, as two windows would be.
Prints "ready" once the first write has committed.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

import cv2
import numpy as np

from station.lifecycle import State
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import simulated_captures, valid_form


def _jpeg(noise: bytes) -> bytes:
    """A real JPEG of random noise (a scanned page as far as the store is concerned)."""
    side = max(8, int(len(noise) ** 0.5))
    img = np.frombuffer(noise[: side * side], np.uint8).reshape(side, side)
    return bytes(cv2.imencode(".jpg", img)[1].tobytes())


def main(root: str, op_pw: str, sup_pw: str, seed: int) -> None:
    rng = random.Random(seed)
    paths = StationPaths(Path(root))
    op = StationService(paths)
    op.login("op1", op_pw)
    sup = StationService(paths)
    sup.login("sup1", sup_pw)
    first = True
    # One citizen per dossier: numbered after every dossier the earlier workers left. Children
    # under 6 (no biometrics: the parent signs), so that each short-lived worker reaches its
    # transitions at once; the gate's measurements of adult captures have their own tests.
    serial = sum(op.counts_by_state().values())
    born = date.today().replace(day=1) - timedelta(days=4 * 365)
    rep = [{"relation": "legal_representative", "full_name": "Hoàng Văn Bố"}]
    strokes = simulated_captures().strokes
    while True:
        serial += 1
        form = valid_form(
            occupation=f"Nông dân {rng.random()}",
            id_number=f"0193{born.year % 100:02d}{serial:06d}",
            date_of_birth=born.isoformat(),
            relatives=rep,
        )
        d = op.create_dossier("first_issue", form)
        page = rng.randbytes(rng.randint(1000, 60_000))
        op.put_part(d.id, "document", "other_1", "image/jpeg", _jpeg(page))
        op.record_citizen_review(d.id)
        op.save_signature(d.id, strokes)
        op.mark_captured(d.id)
        if first:
            print("ready", flush=True)
            first = False
        op.confirm(d.id)
        if rng.random() < 0.2:
            sup.send_back(d.id, "Ảnh chưa đạt")
            op.reopen(d.id)
            continue
        sup.approve(d.id)
        for target in (State.SEALED, State.UPLOADED, State.RECEIPTED, State.PURGED):
            if rng.random() < 0.15:
                break
            if target == State.SEALED:
                sup.system_seal(d.id)
            else:
                sup.system_transition(d.id, target)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
