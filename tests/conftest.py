"""Shared fixtures: a fake clock and freshly provisioned stations with a cheap KDF."""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from station.capture import simulated
from station.capture.simulated import SimulatedCaptures
from station.paths import StationPaths
from station.provisioning import Bundle, InitRequest, generate_receiver_keyset, init_station
from station.service import StationService
from tests.parallel import pytest_xdist_make_scheduler  # noqa: F401 - the xdist groups

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


#: Serial of the ID numbers ``valid_form`` gives (one citizen, one open dossier per station:
#: each call is another citizen unless an ``id_number`` is given).
_citizens = itertools.count(4567)


def valid_form(**overrides: Any) -> dict[str, Any]:
    """A complete first-issue form for an adult, born and registered in Thái Nguyên (019).

    Each call without an ``id_number`` gives another citizen's number (019301004567 first).
    """
    form: dict[str, Any] = {
        "full_name": "Hoàng Thị Én",
        # 019 Thái Nguyên, 3 = 2000s female, 01 = 2001, then a serial
        "id_number": f"019301{next(_citizens) % 1_000_000:06d}",
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
    """A grey JPEG with no face and a blank PNG: parts the gate refuses."""
    import cv2
    import numpy as np

    face = cv2.imencode(".jpg", np.full((60, 40, 3), 180, np.uint8))[1].tobytes()
    finger = cv2.imencode(".png", np.full((50, 40), 128, np.uint8))[1].tobytes()
    return face, finger


#: Sources whose change makes ``simulated_captures`` capture again.
_CAPTURE_SOURCES = (
    "station/capture/camera.py",
    "station/capture/simulated.py",
    "station/capture/face.py",
    "station/capture/fingerprint.py",
    "station/capture/fpsynth.py",
    "station/capture/signature.py",
    "station/devices/simfinger.py",
)


@functools.cache
def simulated_captures() -> SimulatedCaptures:
    """A whole dossier's gate-passing captures from the simulated devices
    (``station.capture.simulated``).

    Capturing takes about 15 s (the scanner synthesises each print), so the result is kept in
    the temporary directory, keyed by the capture code, for the other test processes (the
    crash test's workers).
    """
    import base64
    import hashlib
    import json
    import tempfile

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in _CAPTURE_SOURCES:
        digest.update((root / name).read_bytes())
    folder = Path(os.environ.get("INTAKE_TEST_CACHE") or tempfile.gettempdir())
    cache = folder / f"intake-test-captures-{digest.hexdigest()[:16]}.json"
    try:
        doc = json.loads(cache.read_text())
        return SimulatedCaptures(
            base64.b64decode(doc["face"]),
            doc["face_meta"],
            {f: (base64.b64decode(d), m, meta) for f, (d, m, meta) in doc["prints"].items()},
            [[_point(p) for p in stroke] for stroke in doc["strokes"]],
        )
    except (OSError, ValueError, KeyError, TypeError):
        pass
    made = simulated.capture()
    doc = {
        "face": base64.b64encode(made.face).decode(),
        "face_meta": made.face_meta,
        "prints": {
            f: (base64.b64encode(d).decode(), m, meta) for f, (d, m, meta) in made.prints.items()
        },
        "strokes": [[[p.x, p.y, p.pressure, p.t_ms] for p in stroke] for stroke in made.strokes],
    }
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc))
    os.replace(tmp, cache)
    return made


def _point(values: list[float]) -> Any:
    from station.devices import StrokePoint

    x, y, pressure, t_ms = values
    return StrokePoint(float(x), float(y), float(pressure), int(t_ms))


def busy_background_portrait() -> bytes:
    """The simulated portrait with a striped wall beside and above the head: every check passes
    but the background (as a home visit's portrait might be)."""
    import cv2
    import numpy as np

    img = cv2.imdecode(np.frombuffer(simulated_captures().face, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None, "the simulated portrait decodes"
    h, w = img.shape[:2]
    busy = img.copy()
    for x in range(0, w, 12):
        cv2.line(busy, (x, 0), (x, int(h * 0.3)), (40, 40, 40), 3)
    head = (slice(int(h * 0.08), int(h * 0.6)), slice(int(w * 0.2), int(w * 0.8)))
    busy[head] = img[head]
    return bytes(cv2.imencode(".jpg", busy)[1].tobytes())


def capture_all(svc: StationService, dossier_id: str) -> None:
    """Captures that pass the gate (a portrait, ten prints, a signature), from the simulated
    devices (made once per process, see ``simulated_captures``), so a draft may be captured."""
    parts = simulated_captures()
    svc.save_face(dossier_id, parts.face, parts.face_meta)
    for finger, (data, media_type, meta) in parts.prints.items():
        svc.save_fingerprint(dossier_id, finger, data, media_type, meta)
    svc.record_citizen_review(dossier_id)  # the citizen reviews the record, then signs
    svc.save_signature(dossier_id, parts.strokes)


def login(paths: StationPaths, clock: FakeClock, op_id: str, pw: str) -> StationService:
    svc = StationService(paths, clock)
    svc.login(op_id, pw)
    return svc
