"""Fingerprint progress read back from stored parts, and a session rebuilt from stored prints;
reading a document file with a size bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.capture import docfile, documents, fpprogress
from station.capture.fingerprint import FingerprintSession, decode_stored
from station.capture.fpprogress import FingerProgress, FingerStatus
from station.devices import Finger, SilentPrompter, Slap
from station.devices.simfinger import SimulatedScanner
from station.dossier import PartInfo
from station.errors import ValidationError


def part(finger: Finger, quality: int, attempts: int = 1) -> PartInfo:
    meta = {"quality": quality, "attempts": attempts}
    return PartInfo("fingerprint", finger.value, "image/png", 10, "x", meta)


def test_progress_classifies_each_finger() -> None:
    parts = [
        part(Finger.RIGHT_INDEX, 80),
        part(Finger.RIGHT_MIDDLE, 40, 2),
        PartInfo("face", "", "image/jpeg", 1, "y", {}),
    ]
    capture = {
        "exceptions": {
            "fingerprint/left_thumb": {"kind": "amputated", "reason": "cụt", "confirmed_by": None},
            "signature/": {"kind": "unable_to_sign", "reason": "x"},
        }
    }
    state = fpprogress.progress(parts, capture)
    assert state[Finger.RIGHT_INDEX].status == FingerStatus.GOOD
    assert state[Finger.RIGHT_MIDDLE] == FingerProgress(
        Finger.RIGHT_MIDDLE, FingerStatus.LOW, quality=40, attempts=2
    )
    assert state[Finger.LEFT_THUMB].status == FingerStatus.EXCEPTION
    assert state[Finger.LEFT_THUMB].exception == "amputated"
    assert state[Finger.RIGHT_RING].status == FingerStatus.PENDING
    # A per-finger threshold moves the line.
    strict = fpprogress.progress(parts, capture, {Finger.RIGHT_INDEX: 90})
    assert strict[Finger.RIGHT_INDEX].status == FingerStatus.LOW


def test_next_slap_follows_the_sequence_and_the_attempts() -> None:
    state = fpprogress.progress([], {})
    assert fpprogress.next_slap(state, {}) == Slap.RIGHT_FOUR
    good = [part(f, 80) for f in Slap.RIGHT_FOUR.fingers]
    state = fpprogress.progress(good, {})
    assert fpprogress.next_slap(state, {}) == Slap.LEFT_FOUR
    assert fpprogress.first_open_finger(state, Slap.LEFT_FOUR) == Finger.LEFT_INDEX
    low = [*good[:3], part(Finger.RIGHT_LITTLE, 30, 3)]
    state = fpprogress.progress(low, {})
    assert fpprogress.next_slap(state, {Slap.RIGHT_FOUR: 2}) == Slap.RIGHT_FOUR
    assert fpprogress.first_open_finger(state, Slap.RIGHT_FOUR) == Finger.RIGHT_LITTLE
    assert fpprogress.next_slap(state, {Slap.RIGHT_FOUR: 3}) == Slap.LEFT_FOUR
    assert fpprogress.stored_attempts(state, Slap.RIGHT_FOUR) == 3
    everything = [part(f, 80) for f in Finger]
    done = fpprogress.progress(everything, {})
    assert fpprogress.next_slap(done, {}) is None
    assert fpprogress.unresolved(done) == []
    assert fpprogress.unresolved(state)[0] == Finger.LEFT_INDEX


def test_restore_session_keeps_best_images_attempts_and_exceptions() -> None:
    scanner = SimulatedScanner(3)
    scanner.set_condition(Finger.LEFT_LITTLE, attempts=[("partial", 0.6)])
    first = FingerprintSession(scanner, encoding="png")
    prompter = SilentPrompter()
    first.capture(Slap.RIGHT_FOUR, prompter)
    first.capture(Slap.LEFT_FOUR, prompter)
    first.capture(Slap.LEFT_FOUR, prompter)
    first.record_exception(Finger.LEFT_THUMB, "bandaged", "băng bó")
    parts = [part(f, r.quality.score, r.attempts) for f, r in first.results().items()]
    capture = {
        "exceptions": {
            "fingerprint/left_thumb": {"kind": "bandaged", "reason": "băng bó"},
        }
    }
    state = fpprogress.progress(parts, capture)
    prints = {f: decode_stored(r.encoded) for f, r in first.results().items()}

    second = FingerprintSession(SimulatedScanner(3), encoding="png")
    qualities = fpprogress.restore_session(second, prints, state)
    assert set(qualities) == set(prints)
    assert qualities[Finger.RIGHT_INDEX] == first.results()[Finger.RIGHT_INDEX].quality.score
    assert second.attempts(Slap.RIGHT_FOUR) == 1
    assert second.attempts(Slap.LEFT_FOUR) == 2
    assert second.attempts(Slap.THUMBS) == 0
    assert Finger.LEFT_THUMB in second.exceptions()
    assert second.expected(Slap.THUMBS) == [Finger.RIGHT_THUMB]
    assert isinstance(second.scanner, SimulatedScanner)  # the real scanner is back
    assert second.next_slap() == Slap.LEFT_FOUR  # the partial little finger, one attempt left


def test_read_document_file_bounds_the_size(tmp_path: Path) -> None:
    small = tmp_path / "scan.png"
    small.write_bytes(b"abc")
    assert docfile.read_document_file(small) == b"abc"
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError, match="empty"):
        docfile.read_document_file(empty)
    big = tmp_path / "big.pdf"
    with big.open("wb") as fh:
        fh.truncate(documents.MAX_FILE_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(ValidationError) as info:
        docfile.read_document_file(big)
    assert "too large" in info.value.en
    with pytest.raises(ValidationError, match="cannot open"):
        docfile.read_document_file(tmp_path / "missing.pdf")
