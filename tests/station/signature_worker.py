"""Saves signatures over and over on one draft; the signature crash test kills it with SIGKILL.

Prints "ready" once the first signature has committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from station.capture import signature
from station.capture.signature import SimulatedSignaturePad
from station.devices import SilentPrompter
from station.errors import ValidationError
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import valid_form


def main(root: str, op_pw: str, seed: int) -> None:
    op = StationService(StationPaths(Path(root)))
    op.login("op1", op_pw)
    serial = sum(op.counts_by_state().values()) + 1
    d = op.create_dossier("first_issue", valid_form(id_number=f"019301{serial:06d}"))
    op.record_citizen_review(d.id)
    prompter = SilentPrompter()
    first = True
    n = 0
    while True:
        n += 1
        strokes = SimulatedSignaturePad(seed * 100_000 + n).capture(prompter)
        try:
            signature.check(strokes)
        except ValidationError:
            continue  # the simulated pad strays off the pad for a few seeds
        op.save_signature(d.id, strokes)
        if first:
            print("ready", flush=True)
            first = False


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
