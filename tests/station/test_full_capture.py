"""One whole dossier captured through the simulated devices, from the service facade, to a
sealed packet that the receiver's key opens."""

from __future__ import annotations

import json
from pathlib import Path

from station import packet, provisioning
from station.capture import face
from station.capture.fingerprint import FingerprintSession
from station.devices import DeviceKind, SilentPrompter
from station.devices.defaults import registry
from station.lifecycle import State
from station.service import StationService
from tests.conftest import OP_PW, SUP_PW, FakeClock, login, valid_form


def test_full_capture_seal_and_open(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path]
) -> None:
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    devices = registry()
    prompter = SilentPrompter()
    d = op.create_dossier("first_issue", valid_form())

    # Face: live frames through the checks until auto-capture fires.
    camera = devices.open(DeviceKind.CAMERA)
    camera.realtime = False
    analyzer = face.FaceAnalyzer()
    auto = face.AutoCapture()
    shot = None
    for _ in range(120):
        frame = camera.read()
        shot = auto.feed(frame, analyzer.analyze(frame, track=True))
        if shot is not None:
            break
    camera.close()
    assert shot is not None, "auto-capture never fired on the good sequence"
    jpeg = face.portrait(shot.frame.image, shot.analysis)
    op.save_face(d.id, jpeg, face.portrait_metadata(shot.analysis))

    # Fingerprints: the 4-4-2 sequence on the simulated scanner, WSQ at 500 ppi.
    session = FingerprintSession(devices.open(DeviceKind.FINGERPRINT), officer_id="op1")
    assert session.run(prompter).complete
    results = session.finish()
    assert len(results) == 10
    for finger, result in results.items():
        op.save_fingerprint(d.id, finger.value, result.encoded, result.media_type, result.meta())

    # Signature and a supporting paper.
    op.record_citizen_review(d.id)  # the citizen reviews the record, then signs
    op.save_signature(d.id, devices.open(DeviceKind.SIGNATURE).capture(prompter))
    scan = devices.open(DeviceKind.DOCUMENT).acquire(prompter)
    op.add_document(d.id, "birth_certificate", scan.data)
    assert op.missing_captures(d.id) == []

    view = op.get_dossier(d.id)
    sizes = {(p.kind, p.slot): p.size for p in view.parts}
    print(
        f"\nbytes per dossier: face {sizes[('face', '')]}, ten prints "
        f"{sum(v for (k, _), v in sizes.items() if k == 'fingerprint')}, signature "
        f"{sizes[('signature', '')]}, document {sizes[('document', 'birth_certificate_1')]}"
    )
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.approve(d.id)
    packet_id = sup.seal(d.id)
    assert sup.get_dossier(d.id).state == State.SEALED

    # Only the receiver's private key opens it, and everything is inside.
    (pending,) = sup.pending_packets()
    data = sup.packet_bytes(packet_id)
    receiver = json.loads(keyset["receiver_keys"].read_text())
    opened = packet.open_packet(
        data,
        receiver_key=provisioning.crypto.HpkePrivateKey.decode(
            receiver["encryption"]["private_key"]
        ),
        station_public_key=provisioning.crypto.b64d(sup.registration()["public_key"]),
    )
    assert opened.manifest["dossier"]["form"]["full_name"] == valid_form()["full_name"]
    assert opened.parts[("face", "")] == jpeg
    assert (
        opened.parts[("fingerprint", "right_index")]
        == results[next(f for f in results if f.value == "right_index")].encoded
    )
    assert pending.size == len(data)
