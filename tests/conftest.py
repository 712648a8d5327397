"""Shared fixtures: a fake clock and freshly provisioned stations with a cheap KDF."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from station.paths import StationPaths
from station.provisioning import Bundle, InitRequest, generate_receiver_keyset, init_station
from station.service import StationService

# Hypothesis: derandomised by default, so a red CI run replays exactly; `make fuzz-long` selects
# the random, longer profile (HYPOTHESIS_PROFILE=long).
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("long", max_examples=2000, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: Argon2id cost for tests: 1 MiB, one pass, one lane (the real default is 64 MiB, 3, 4).
FAST_KDF = (1024, 1, 1)
ADMIN_PW = "chim-lac-bay-cao-1"
OP_PW = "operator-password-1"
SUP_PW = "supervisor-password-1"


@dataclass
class FakeClock:
    t: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    mono: float = 1000.0

    def now(self) -> datetime:
        return self.t

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture(scope="session")
def keyset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_receiver_keyset(tmp_path_factory.mktemp("keys"))


def provision(root: Path, keyset: dict[str, Path], demo: bool = False) -> StationPaths:
    paths = StationPaths(root)
    init_station(
        paths,
        InitRequest(
            bundle=Bundle.load(keyset["bundle"]),
            admin_id="admin",
            admin_name="Nguyễn Thị Ánh",
            admin_password=ADMIN_PW,
            station_code="TN-001",
            station_name="Trạm Thái Nguyên 1",
            demo=demo,
            kdf_cost=FAST_KDF,
        ),
    )
    return paths


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def station_paths(tmp_path: Path, keyset: dict[str, Path]) -> StationPaths:
    return provision(tmp_path / "station", keyset)


@pytest.fixture
def admin(station_paths: StationPaths, clock: FakeClock) -> Iterator[StationService]:
    svc = StationService(station_paths, clock)
    svc.login("admin", ADMIN_PW)
    yield svc
    svc.close()


def add_staff(svc: StationService) -> None:
    """Add op1 (operator) and sup1, sup2 (supervisors), each with their first password changed."""
    svc.add_operator("op1", "Trần Văn Bình", "operator", OP_PW + "-initial")
    svc.add_operator("sup1", "Lê Thị Cúc", "supervisor", SUP_PW + "-initial")
    svc.add_operator("sup2", "Phạm Văn Dũng", "supervisor", SUP_PW + "-initial")
    for op_id, pw in (("op1", OP_PW), ("sup1", SUP_PW), ("sup2", SUP_PW)):
        other = StationService(svc.paths, svc.clock)
        other.login(op_id, pw + "-initial")
        other.change_password(pw + "-initial", pw)
        other.close()


@pytest.fixture
def staffed(admin: StationService) -> StationService:
    add_staff(admin)
    return admin


def valid_form(**overrides: Any) -> dict[str, Any]:
    """A complete first-issue form for an adult, born and registered in Thái Nguyên (019)."""
    form: dict[str, Any] = {
        "full_name": "Hoàng Thị Én",
        "id_number": "019301004567",  # 019 Thái Nguyên, 3 = 2000s female, 01 = 2001
        "date_of_birth": "2001-02-03",
        "sex": "female",
        "birth_registration": {"era": "legacy", "unit": "05431", "street": ""},
        "hometown": {"era": "2025", "unit": "05533", "street": ""},
        "ethnic_group": {"list": "QD1019-2008", "code": "01"},
        "religion": "00",
        "nationality": "VN",
        "permanent_residence": {"era": "2025", "unit": "05533", "street": "Tổ 5"},
    }
    form.update(overrides)
    return form


def _tiny_images() -> tuple[bytes, bytes]:
    import cv2
    import numpy as np

    face = cv2.imencode(".jpg", np.full((60, 40, 3), 180, np.uint8))[1].tobytes()
    finger = cv2.imencode(".png", np.full((50, 40), 128, np.uint8))[1].tobytes()
    return face, finger


def capture_all(svc: StationService, dossier_id: str) -> None:
    """Minimal stand-in captures (a face, ten prints, a signature) so a draft may be captured.

    The capture modules have their own tests; lifecycle tests need only the parts to exist.
    """
    from station.capture.signature import SimulatedSignaturePad
    from station.devices import Finger, SilentPrompter

    face, finger = _tiny_images()
    svc.save_face(dossier_id, face, {"checks": "test"})
    for f in Finger:
        svc.save_fingerprint(dossier_id, f.value, finger, "image/png", {"quality": 80})
    svc.save_signature(dossier_id, SimulatedSignaturePad(1).capture(SilentPrompter()))


def login(paths: StationPaths, clock: FakeClock, op_id: str, pw: str) -> StationService:
    svc = StationService(paths, clock)
    svc.login(op_id, pw)
    return svc
