"""The window's own small state on disk: which draft each operator has open.

After a crash or a power cut the next login of that operator reopens the draft where it stopped
(the dossier's content is in the encrypted store; this file holds only opaque dossier ids, no
personal data). Written by temp file, fsync and rename, so a cut leaves the old file or the new.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "ui-state.json"


class UiState:
    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            value = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path.name, exc)
            return {}
        if not isinstance(value, dict):
            return {}
        drafts = value.get("open_drafts", {})
        if not isinstance(drafts, dict):
            return {}
        out: dict[str, dict[str, str]] = {}
        for k, v in drafts.items():
            if isinstance(v, dict) and isinstance(v.get("dossier"), str):
                out[str(k)] = {"dossier": v["dossier"], "step": str(v.get("step") or "")}
        return out

    def open_draft(self, operator_id: str) -> tuple[str, str | None] | None:
        """(dossier id, wizard step) of the draft this operator had open, if any."""
        entry = self._read().get(operator_id)
        if entry is None:
            return None
        return entry["dossier"], entry["step"] or None

    def set_open_draft(
        self, operator_id: str, dossier_id: str | None, step: str | None = None
    ) -> None:
        drafts = self._read()
        if dossier_id is None:
            if operator_id not in drafts:
                return
            drafts.pop(operator_id)
        else:
            entry = {"dossier": dossier_id, "step": step or ""}
            if drafts.get(operator_id) == entry:
                return
            drafts[operator_id] = entry
        self._write({"open_drafts": drafts})

    def _write(self, value: dict[str, object]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        data = json.dumps(value, sort_keys=True).encode("utf-8")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
