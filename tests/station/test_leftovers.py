"""No personal data in clear on disk: a whole session ends in SIGKILL, then every file under the
data folder and the temporary folder is read for the citizen's name, ID number and face bytes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from station import scratch
from station.paths import StationPaths
from station.service import StationService
from tests.conftest import OP_PW, valid_form

ROOT = Path(__file__).resolve().parents[2]


def _needles(face: bytes) -> dict[str, bytes]:
    form = valid_form()
    name = str(form["full_name"])
    return {
        "name (UTF-8)": name.encode("utf-8"),
        "name (UTF-16)": name.encode("utf-16-le"),
        "ID number": str(form["id_number"]).encode(),
        "face bytes": face[len(face) // 2 : len(face) // 2 + 48],
    }


def _found(folders: list[Path], needles: dict[str, bytes]) -> list[str]:
    hits = []
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            hits += [f"{what} in {path}" for what, needle in needles.items() if needle in data]
    return hits


def test_sigkill_leaves_no_personal_data_in_clear(staffed: StationService, tmp_path: Path) -> None:
    paths: StationPaths = staffed.paths
    staffed.close()
    rng = np.random.default_rng(5)
    face = cv2.imencode(".jpg", rng.integers(0, 255, (320, 240, 3), dtype=np.uint8))[1].tobytes()
    face_file = tmp_path / "inputs" / "face.jpg"
    face_file.parent.mkdir()
    face_file.write_bytes(face)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (tmp / f"{scratch.LEGACY_TMP_PREFIX}old").mkdir()  # what an older version left there
    (tmp / f"{scratch.LEGACY_TMP_PREFIX}old" / "giay-hen.pdf").write_bytes(
        _needles(face)["name (UTF-8)"]
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.station.leftover_worker",
            str(paths.root),
            OP_PW,
            str(face_file),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    needles = _needles(face)
    # Killed: the store, its journal and the key slots hold nothing in clear; only the private
    # 0700 folder holds the slip, and the old temporary folder what an older version left.
    hits = _found([paths.root, tmp], needles)
    assert hits and all("/private/slips-" in h or scratch.LEGACY_TMP_PREFIX in h for h in hits), (
        hits
    )
    private = next((paths.root / "private").iterdir())
    assert private.stat().st_mode & 0o077 == 0
    assert (paths.root / "private").stat().st_mode & 0o077 == 0
    # The next start sweeps what the dead process left: nothing in clear anywhere.
    assert scratch.sweep(paths, tmp) == 1
    assert _found([paths.root, tmp], needles) == []
    svc = StationService(paths)
    svc.login("op1", OP_PW)  # the store is whole after the kill
    assert svc.list_dossiers()
    svc.close()
