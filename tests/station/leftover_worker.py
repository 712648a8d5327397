"""A whole session on a station, then waits to be killed (the leftover-files test).

Logs in as op1, opens a dossier for the citizen, captures a face, ten prints and a signature,
has it confirmed, writes the appointment slip where the window writes it (the private folder of
``station/scratch.py``), prints "ready" and sleeps until SIGKILL.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from station import scratch
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import capture_all, valid_form


def main(root: str, op_pw: str, face_path: str) -> None:
    paths = StationPaths(Path(root))
    op = StationService(paths)
    op.login("op1", op_pw)
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    op.save_face(d.id, Path(face_path).read_bytes(), {"checks": "test"})
    op.mark_captured(d.id)
    op.confirm(d.id)
    slip = op.appointment_slip(d.id)
    folder = scratch.private_dir(paths, "slips")
    text = f"{slip.dossier_number}\n{slip.full_name}\n"
    (folder / f"giay-hen-{slip.dossier_number}.txt").write_text(text, encoding="utf-8")
    print("ready", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
