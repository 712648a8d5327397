"""The role matrix of station-wide commands, enforced by the core for every caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.errors import PermissionDeniedError
from station.permissions import MATRIX
from station.service import StationService
from sync import usb
from tests.conftest import OP_PW, SUP_PW, FakeClock, login


def test_operator_may_not_export_import_or_register(
    staffed: StationService, clock: FakeClock, tmp_path: Path
) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    with pytest.raises(PermissionDeniedError) as err:
        usb.export(op, tmp_path / "usb")
    assert err.value.field == "role" and "supervisor" in err.value.en
    assert not (tmp_path / "usb").exists()
    (tmp_path / "receipts").mkdir()
    with pytest.raises(PermissionDeniedError):
        usb.import_receipts(op, tmp_path / "receipts")
    with pytest.raises(PermissionDeniedError):
        op.authorize("registration.export")
    op.authorize("sync.now")  # decided: the same packets the background loop sends anyway
    op.close()
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    assert usb.export(sup, tmp_path / "usb").packets == []
    with pytest.raises(PermissionDeniedError):
        sup.authorize("registration.export")
    sup.close()
    staffed.authorize("registration.export")
    assert set(MATRIX) >= {"sync.now", "usb.export", "usb.import_receipts", "registration.export"}
