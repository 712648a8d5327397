"""A whole dossier's captures from the simulated devices (tests, benches, demonstrations).

The portrait is auto-captured from the simulated camera (one face, the card geometry), the ten
prints come from the simulated scanner's 4-4-2 run (distinct fingers, WSQ, good quality), the ten
rolled prints and both irises from the simulated rolled-print scanner and iris camera (the same
person), and the signature from the simulated pad: parts that pass the station's gate. Capturing
takes about 25 s on two cores (the scanners synthesise each print).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from station.capture import face
from station.capture.fingerprint import FingerprintSession
from station.capture.iris import IrisSession
from station.capture.rolled import RolledSession
from station.capture.signature import SimulatedSignaturePad
from station.devices import DeviceError, DeviceKind, SilentPrompter, StrokePoint
from station.devices.defaults import registry


@dataclass(frozen=True)
class SimulatedCaptures:
    face: bytes = field(repr=False)
    face_meta: dict[str, Any]
    prints: dict[str, tuple[bytes, str, dict[str, Any]]] = field(repr=False)
    strokes: list[list[StrokePoint]] = field(repr=False)
    #: The ten rolled prints (finger -> bytes, media type, meta) and both irises (eye -> ...).
    rolled: dict[str, tuple[bytes, str, dict[str, Any]]] = field(repr=False, default_factory=dict)
    irises: dict[str, tuple[bytes, str, dict[str, Any]]] = field(repr=False, default_factory=dict)


def capture(person_seed: int = 1, max_frames: int = 200) -> SimulatedCaptures:
    devices = registry(
        {
            "camera": {"driver": "simulated"},
            "fingerprint": {"driver": "simulated", "seed": person_seed},
            "rolled": {"driver": "simulated", "seed": person_seed},
            "iris": {"driver": "simulated", "seed": person_seed},
        }
    )
    camera = devices.open(DeviceKind.CAMERA)
    if hasattr(camera, "realtime"):
        camera.realtime = False  # frames as fast as they are analysed
    analyzer, auto = face.FaceAnalyzer(), face.AutoCapture()
    shot = None
    try:
        for _ in range(max_frames):
            frame = camera.read()
            shot = auto.feed(frame, analyzer.analyze(frame, track=True))
            if shot is not None:
                break
    finally:
        camera.close()
    if shot is None:
        raise DeviceError(
            "Máy ảnh mô phỏng không cho ảnh chân dung đạt.",
            "The simulated camera gave no portrait that passes.",
            field="camera",
        )
    jpeg = face.portrait(shot.frame.image, shot.analysis)
    session = FingerprintSession(devices.open(DeviceKind.FINGERPRINT), officer_id="simulated")
    session.run(SilentPrompter())
    prints = {
        f.value: (r.encoded, r.media_type, dict(r.meta())) for f, r in session.finish().items()
    }
    rolls = RolledSession(devices.open(DeviceKind.ROLLED)).run(SilentPrompter())
    rolled = {f.value: (r.encoded, r.media_type, dict(r.meta())) for f, r in rolls.items()}
    eyes = IrisSession(devices.open(DeviceKind.IRIS)).run(SilentPrompter())
    irises = {e.value: (r.encoded, r.media_type, dict(r.meta())) for e, r in eyes.items()}
    strokes = SimulatedSignaturePad(person_seed).capture(SilentPrompter())
    return SimulatedCaptures(
        jpeg, face.portrait_metadata(shot.analysis), prints, strokes, rolled, irises
    )
