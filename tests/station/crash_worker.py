"""Runs bursts of dossier transitions forever; the crash test kills it with SIGKILL.

Two services (an operator's and a supervisor's) on the same store, as two windows would be.
Prints "ready" once the first write has committed.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from station.lifecycle import State
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import capture_all, valid_form


def main(root: str, op_pw: str, sup_pw: str, seed: int) -> None:
    rng = random.Random(seed)
    paths = StationPaths(Path(root))
    op = StationService(paths)
    op.login("op1", op_pw)
    sup = StationService(paths)
    sup.login("sup1", sup_pw)
    first = True
    while True:
        d = op.create_dossier("first_issue", valid_form(occupation=f"Nông dân {rng.random()}"))
        op.put_part(d.id, "face", "", "image/jpeg", rng.randbytes(rng.randint(1000, 60_000)))
        capture_all(op, d.id)
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
