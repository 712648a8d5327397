"""``init`` builds a whole station or none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station.errors import StoreError, ValidationError
from station.paths import StationPaths
from station.provisioning import Bundle, InitRequest, init_station
from tests.conftest import FAST_KDF, provision


def _req(keyset: dict[str, Path], **kw: object) -> InitRequest:
    base: dict[str, object] = {
        "bundle": Bundle.load(keyset["bundle"]),
        "admin_id": "admin",
        "admin_name": "Nguyễn Thị Ánh",
        "admin_password": "chim-lac-bay-cao-1",
        "station_code": "TN-001",
        "station_name": "Trạm 1",
        "kdf_cost": FAST_KDF,
    }
    base.update(kw)
    return InitRequest(**base)  # type: ignore[arg-type]


def test_layout_and_permissions(tmp_path: Path, keyset: dict[str, Path]) -> None:
    paths = provision(tmp_path / "st", keyset)
    assert sorted(p.name for p in paths.root.iterdir()) == ["store"]
    assert paths.store_dir.stat().st_mode & 0o077 == 0
    assert paths.keyslots.stat().st_mode & 0o077 == 0
    slots = json.loads(paths.keyslots.read_text())
    assert slots["kdf_cost"] == {"memory_kib": 1024, "iterations": 1, "lanes": 1}
    assert [s["operator_id"] for s in slots["operators"]] == ["admin"]
    assert slots["recovery"]["suite"].startswith("MLKEM768-X25519")


def test_leftover_of_a_dead_init_is_cleared(tmp_path: Path, keyset: dict[str, Path]) -> None:
    root = tmp_path / "st"
    (root / ".provisioning-dead").mkdir(parents=True)
    (root / ".provisioning-dead" / "station.db").write_bytes(b"half")
    init_station(StationPaths(root), _req(keyset))
    assert sorted(p.name for p in root.iterdir()) == ["store"]


def test_refuses_to_overwrite(tmp_path: Path, keyset: dict[str, Path]) -> None:
    paths = provision(tmp_path / "st", keyset)
    before = paths.keyslots.read_bytes()
    with pytest.raises(StoreError, match="already exists"):
        init_station(paths, _req(keyset))
    assert paths.keyslots.read_bytes() == before


@pytest.mark.parametrize(
    "field,value",
    [
        ("admin_id", "A"),
        ("admin_name", ""),
        ("admin_password", "short"),
        ("station_code", "tn 1"),
        ("station_name", ""),
        ("kdf_cost", (4, 1, 1)),
    ],
)
def test_bad_init_input_leaves_nothing(
    tmp_path: Path, keyset: dict[str, Path], field: str, value: object
) -> None:
    root = tmp_path / "st"
    with pytest.raises(ValidationError):
        init_station(StationPaths(root), _req(keyset, **{field: value}))
    assert not root.exists() or list(root.iterdir()) == []
