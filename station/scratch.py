"""A private folder for the few files that must exist in clear for a moment (the appointment
slip a PDF viewer opens), and the sweep that removes what a crash left behind.

Nothing with personal data is written to the system's temporary folder. A running program gets
``<data dir>/private/<kind>-<pid>-<random>``, mode 0700 inside a 0700 parent, and removes it at
exit; a folder whose process is gone (a crash, a power cut, a SIGKILL) is removed at the next
start by :func:`sweep`, which also removes the ``$TMPDIR/intake-slips-*`` folders that earlier
versions of the station wrote there. Files are overwritten with zeros before they are unlinked
(a best effort: journalling file systems and SSDs may keep old blocks; the store itself is what
is encrypted).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from station.paths import StationPaths

LEGACY_TMP_PREFIX = "intake-slips-"


def private_root(paths: StationPaths) -> Path:
    root = paths.root / "private"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    return root


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _shred(folder: Path) -> None:
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                size = path.stat().st_size
                with open(path, "r+b") as fh:
                    fh.write(b"\0" * size)
                    fh.flush()
                    os.fsync(fh.fileno())
    shutil.rmtree(folder, ignore_errors=True)


def sweep(paths: StationPaths, tmp_dir: Path | None = None) -> int:
    """Remove the private folders of processes that are gone, and legacy temporary slip folders;
    returns how many folders were removed."""
    removed = 0
    root = paths.root / "private"
    if root.is_dir():
        for folder in root.iterdir():
            parts = folder.name.split("-")
            pid = int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None
            if pid is None or not _alive(pid):
                _shred(folder) if folder.is_dir() else folder.unlink(missing_ok=True)
                removed += 1
    tmp = tmp_dir or Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for folder in tmp.glob(LEGACY_TMP_PREFIX + "*"):
            with contextlib.suppress(OSError):
                if folder.is_dir() and folder.stat().st_uid == os.getuid():
                    _shred(folder)
                    removed += 1
    return removed


def private_dir(paths: StationPaths, kind: str = "slips") -> Path:
    """A fresh 0700 folder of this process under the data folder (after a :func:`sweep`)."""
    sweep(paths)
    folder = private_root(paths) / f"{kind}-{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir(mode=0o700)
    return folder


def remove(folder: Path) -> None:
    """Remove a private folder now (at exit, at logout)."""
    _shred(folder)
