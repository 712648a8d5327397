"""Fingerprints: synthetic prints, station quality, duplicate matcher, the 4-4-2 session, storage,
and the decoding paths refusing bad input with a message."""

from __future__ import annotations

import io
import random
import statistics
import struct
import zlib

import numpy as np
import pytest

from station.capture import fingerprint, fpmatch, fpquality, fpsynth
from station.capture.fingerprint import FingerprintSession
from station.devices import SLAP_FINGERS, Finger, FingerprintScanner, SilentPrompter, Slap
from station.devices.sbi import decode_finger_image
from station.devices.simfinger import FINGER_SIZES, SimulatedScanner, finger_seed
from station.errors import PermissionDeniedError, ValidationError
from tests.sbi_server import iso_record

PERSON = 11  # the session tests share one simulated person (synthetic masters are cached)


# --- synthetic prints -------------------------------------------------------------------------


def test_generation_is_deterministic_and_shaped():
    a = fpsynth.impression(5, impression_index=2, condition="dry", size=(320, 400))
    b = fpsynth.impression(5, impression_index=2, condition="dry", size=(320, 400))
    assert a.shape == (400, 320) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    c = fpsynth.impression(5, impression_index=3, size=(320, 400))
    assert not np.array_equal(a, c)
    # Ridges dark on a light background, with real contrast inside the finger.
    clear = fpsynth.impression(5, size=(320, 400))
    assert clear[:8, :8].mean() > 180
    assert np.percentile(clear, 5) < 90
    blank = fpsynth.impression(5, condition="no_finger")
    assert blank.std() < 8


def test_person_fingers_have_distinct_identities():
    seeds = {finger_seed(3, f) for f in Finger}
    assert len(seeds) == 10
    assert fpsynth.other_identity_seed(42) != 42


# --- quality ----------------------------------------------------------------------------------

QUALITY_SEEDS = 20


@pytest.fixture(scope="module")
def quality_scores() -> dict[str, list[int]]:
    scores: dict[str, list[int]] = {}
    for s in range(QUALITY_SEEDS):
        seed = 500 + s
        for cond in ("clear", "dry", "smudged", "partial", "no_finger"):
            img = fpsynth.impression(seed, impression_index=1, condition=cond, level=0.5)
            scores.setdefault(cond, []).append(fpquality.assess(img).score)
        scores.setdefault("noise", []).append(fpquality.assess(fpsynth.garbage(seed)).score)
    return scores


def test_quality_ranks_conditions(quality_scores):
    med = {k: statistics.median(v) for k, v in quality_scores.items()}
    # Medians, with margins.
    assert med["clear"] >= 75
    assert med["clear"] >= med["smudged"] + 5
    assert med["clear"] >= med["dry"] + 10
    assert min(med["dry"], med["smudged"]) >= med["partial"] + 10
    assert med["partial"] >= max(med["noise"], med["no_finger"]) + 20
    assert max(quality_scores["no_finger"]) <= 5
    assert max(quality_scores["noise"]) <= 15
    # Pairwise per seed, for nearly every seed.
    s = quality_scores
    held = sum(
        s["clear"][i] > max(s["dry"][i], s["smudged"][i])
        and min(s["dry"][i], s["smudged"][i]) > s["partial"][i]
        and s["partial"][i] > max(s["noise"][i], s["no_finger"][i])
        for i in range(QUALITY_SEEDS)
    )
    assert held >= QUALITY_SEEDS - 1


def test_quality_report_explains_problems():
    partial = fpquality.assess(fpsynth.impression(7, condition="partial", level=0.8))
    assert partial.components["area"] < 0.6
    problem = partial.problem()
    assert problem is not None and "quá nhỏ" in problem[0] and "too small" in problem[1]
    empty = fpquality.assess(fpsynth.impression(7, condition="no_finger"))
    assert empty.score == 0 and empty.problem() == (
        "Không thấy vân tay trên máy quét.",
        "No fingerprint on the scanner.",
    )
    assert fpquality.assess(fpsynth.impression(7)).problem() is None


def test_quality_handles_other_resolutions():
    img = fpsynth.impression(8)
    at_1000 = np.kron(img, np.ones((2, 2), np.uint8))
    a = fpquality.assess(img).score
    b = fpquality.assess(at_1000, ppi=1000).score
    assert abs(a - b) <= 5


# --- matcher ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def person_templates() -> dict[tuple[int, Finger], fpmatch.Template]:
    out = {}
    for person in (21, 22, 23):
        for finger in Finger:
            img = fpsynth.impression(
                finger_seed(person, finger), impression_index=1, size=FINGER_SIZES[finger]
            )
            out[(person, finger)] = fpmatch.extract(img)
    return out


def test_ten_different_fingers_pass(person_templates):
    worst = 0.0
    for person in (21, 22, 23):
        for a in Finger:
            for b in Finger:
                if a.iso_position < b.iso_position:
                    sim = fpmatch.similarity(
                        person_templates[(person, a)], person_templates[(person, b)]
                    )
                    worst = max(worst, sim)
                    assert not sim >= fpmatch.THRESHOLD, (person, a, b, sim)
    assert worst < fpmatch.THRESHOLD


def test_same_finger_twice_is_caught(person_templates):
    for person in (21, 22, 23):
        for finger in (Finger.RIGHT_INDEX, Finger.LEFT_THUMB, Finger.LEFT_LITTLE):
            again = fpsynth.impression(
                finger_seed(person, finger), impression_index=7, size=FINGER_SIZES[finger]
            )
            sim = fpmatch.similarity(person_templates[(person, finger)], again)
            assert fpmatch.same_finger(person_templates[(person, finger)], again), sim
            assert sim >= 2 * fpmatch.THRESHOLD


def test_matcher_on_degraded_and_empty_prints():
    seed = finger_seed(24, Finger.RIGHT_MIDDLE)
    ref = fpmatch.extract(fpsynth.impression(seed, impression_index=1))
    dry = fpsynth.impression(seed, impression_index=2, condition="dry", level=0.3)
    assert fpmatch.same_finger(ref, dry)
    blank = fpmatch.extract(fpsynth.impression(seed, condition="no_finger"))
    assert blank.count == 0
    assert fpmatch.similarity(ref, blank) == 0.0
    noise = fpmatch.extract(fpsynth.garbage(3))
    assert fpmatch.similarity(ref, noise) < fpmatch.THRESHOLD


# --- the session ------------------------------------------------------------------------------


def make_session(**kwargs) -> tuple[FingerprintSession, SimulatedScanner]:
    scanner = SimulatedScanner(PERSON)
    return FingerprintSession(scanner, **kwargs), scanner


def test_simulated_scanner_is_a_fingerprint_scanner():
    scanner = SimulatedScanner(PERSON)
    assert isinstance(scanner, FingerprintScanner)
    prompter = SilentPrompter()
    images = scanner.capture(Slap.LEFT_FOUR, [Finger.LEFT_RING], prompter)
    assert [i.finger for i in images] == [Finger.LEFT_INDEX, Finger.LEFT_MIDDLE, Finger.LEFT_LITTLE]
    vi, en = prompter.messages[0]
    assert vi.startswith("Đặt bốn ngón tay trái") and "ngón áp út trái" in vi
    assert en.startswith("Place the four left fingers") and "left ring finger" in en
    with pytest.raises(ValueError):
        scanner.set_condition(Finger.LEFT_INDEX, "soggy")


def test_full_capture_with_simulated_scanner():
    session, scanner = make_session(officer_id="op1")
    prompter = SilentPrompter()
    state = session.run(prompter)
    assert state.complete, state.messages()
    results = session.finish()
    assert set(results) == set(Finger)
    assert [call[0] for call in scanner.calls] == [Slap.RIGHT_FOUR, Slap.LEFT_FOUR, Slap.THUMBS]
    for finger, result in results.items():
        assert result.attempts == 1
        assert result.quality.score >= fingerprint.DEFAULT_THRESHOLD
        assert result.media_type == fingerprint.WSQ_MEDIA_TYPE
        assert result.encoded.startswith(b"\xff\xa0")
        assert result.meta()["quality"] == result.quality.score
        assert result.image.shape == FINGER_SIZES[finger][::-1]
    assert (
        "Đặt hai ngón cái lên máy quét.",
        "Place both thumbs on the scanner.",
    ) in prompter.messages
    assert session.duplicates() == []


def test_poor_finger_retried_three_times_best_kept():
    session, scanner = make_session()
    scanner.set_condition(
        Finger.LEFT_RING, attempts=[("partial", 0.75), ("dry", 0.95), ("partial", 0.6)]
    )
    outcomes = []
    outcome = session.capture(Slap.LEFT_FOUR, SilentPrompter())
    outcomes.append(outcome)
    while not outcome.done:
        outcome = session.capture(Slap.LEFT_FOUR, SilentPrompter())
        outcomes.append(outcome)
    assert len(outcomes) == 3 and outcomes[-1].attempts_left == 0
    seen = [o.qualities[Finger.LEFT_RING] for o in outcomes]
    assert all(q < fingerprint.DEFAULT_THRESHOLD for q in seen)
    kept = session.results()[Finger.LEFT_RING]
    assert kept.quality.score == max(seen)
    assert kept.attempts == 3 and kept.below_threshold
    # The other fingers were good at the first attempt and stay so.
    assert all(session.results()[f].quality.score >= 55 for f in SLAP_FINGERS[Slap.LEFT_FOUR][:2])
    with pytest.raises(ValidationError) as err:
        session.capture(Slap.LEFT_FOUR, SilentPrompter())
    assert "3 lần" in err.value.vi and "3 attempts" in err.value.en
    # Kept after the last attempt: flagged, not blocking.
    session.capture_slap(Slap.RIGHT_FOUR, SilentPrompter())
    session.capture_slap(Slap.THUMBS, SilentPrompter())
    state = session.completeness()
    assert state.accepted_low == (Finger.LEFT_RING,) and state.complete


def test_retry_stops_once_good():
    session, scanner = make_session()
    scanner.set_condition(Finger.RIGHT_LITTLE, attempts=[("partial", 0.8), "clear"])
    prompter = SilentPrompter()
    outcome = session.capture_slap(Slap.RIGHT_FOUR, prompter)
    assert outcome.attempt == 2 and not outcome.retake
    assert any("Còn 2 lần chụp" in vi for vi, _ in prompter.messages)
    assert any("2 attempt(s) left" in en for _, en in prompter.messages)


def test_missing_finger_then_exception_confirmed_by_supervisor():
    session, scanner = make_session(officer_id="op1")
    scanner.set_condition(Finger.LEFT_LITTLE, "missing")
    state = session.run(SilentPrompter())
    assert state.missing == (Finger.LEFT_LITTLE,) and not state.complete
    assert session.attempts(Slap.LEFT_FOUR) == 3
    with pytest.raises(ValidationError) as err:
        session.finish()
    assert "ngón út trái" in err.value.vi and "left little finger" in err.value.en
    with pytest.raises(ValidationError):
        session.record_exception(Finger.LEFT_LITTLE, "unable_to_sign", "x")
    with pytest.raises(ValidationError):
        session.record_exception(Finger.LEFT_LITTLE, "amputated", "   ")
    session.record_exception(Finger.LEFT_LITTLE, "amputated", "Cụt đốt ngón từ nhỏ")
    state = session.completeness()
    assert state.unconfirmed == (Finger.LEFT_LITTLE,) and not state.complete
    with pytest.raises(PermissionDeniedError):
        session.confirm_exception(Finger.LEFT_LITTLE, "op1")
    with pytest.raises(ValidationError):
        session.confirm_exception(Finger.RIGHT_INDEX, "sup1")
    confirmed = session.confirm_exception(Finger.LEFT_LITTLE, "sup1")
    assert confirmed.confirmed_by == "sup1" and confirmed.recorded_by == "op1"
    assert session.completeness().complete
    assert Finger.LEFT_LITTLE not in session.finish()


def test_exception_recorded_first_is_skipped_at_capture():
    session, scanner = make_session(officer_id="op1")
    session.record_exception(Finger.RIGHT_THUMB, "bandaged", "Băng bó sau tai nạn")
    session.capture_slap(Slap.THUMBS, SilentPrompter())
    assert scanner.calls == [(Slap.THUMBS, (Finger.LEFT_THUMB,))]
    assert Finger.RIGHT_THUMB not in session.results()


def test_same_finger_twice_blocks_until_recaptured_or_overridden():
    session, scanner = make_session(officer_id="op1")
    scanner.present_instead(Finger.LEFT_INDEX, Finger.RIGHT_INDEX)
    state = session.run(SilentPrompter())
    assert not state.complete
    assert [(d.first, d.second) for d in state.duplicates] == [
        (Finger.RIGHT_INDEX, Finger.LEFT_INDEX)
    ]
    vi, en = state.duplicates[0].message()
    assert "cùng một ngón tay" in vi and "same finger" in en
    with pytest.raises(ValidationError):
        session.finish()
    with pytest.raises(PermissionDeniedError):
        session.override_duplicate(Finger.RIGHT_INDEX, Finger.LEFT_INDEX, "op1", "checked")
    # Recapture the left hand, this time with the right finger.
    scanner.present_instead(Finger.LEFT_INDEX, Finger.LEFT_INDEX)
    session.recapture(Slap.LEFT_FOUR)
    assert Finger.LEFT_INDEX in session.completeness().missing
    session.capture_slap(Slap.LEFT_FOUR, SilentPrompter())
    assert session.duplicates() == [] and session.completeness().complete


def test_duplicate_override_by_supervisor_holds_for_those_images():
    session, scanner = make_session(officer_id="op1")
    scanner.present_instead(Finger.LEFT_THUMB, Finger.RIGHT_THUMB)
    session.run(SilentPrompter())
    assert len(session.duplicates()) == 1
    session.override_duplicate(Finger.LEFT_THUMB, Finger.RIGHT_THUMB, "sup1", "Đã đối chiếu")
    assert session.duplicates() == [] and session.completeness().complete
    assert session.duplicates(include_overridden=True)[0].overridden_by == "sup1"


def test_wsq_round_trip_and_png_fallback():
    session, _ = make_session()
    session.capture_slap(Slap.THUMBS, SilentPrompter())
    result = session.results()[Finger.RIGHT_THUMB]
    decoded = fingerprint.decode_stored(result.encoded)
    assert decoded.shape == result.image.shape
    diff = np.abs(decoded.astype(int) - result.image.astype(int))
    assert diff.mean() < 8  # lossy, but close
    assert abs(fpquality.assess(decoded).score - fpquality.assess(result.image).score) <= 5
    assert decode_finger_image(result.encoded).ppi == 500
    png_session = FingerprintSession(SimulatedScanner(PERSON), encoding="png")
    png_session.capture_slap(Slap.THUMBS, SilentPrompter())
    png = png_session.results()[Finger.LEFT_THUMB]
    assert png.media_type == "image/png"
    assert np.array_equal(fingerprint.decode_stored(png.encoded), png.image)


def test_iso_records_decode():
    img = fpsynth.impression(9, size=(200, 240))
    for kind in ("wsq", "png", "jpeg2000", "raw"):
        decoded = decode_finger_image(iso_record(img, 7, kind))
        assert decoded.image.shape == img.shape and decoded.container == "iso19794-4"
        assert decoded.position == 7 and decoded.ppi == 500 and decoded.compression == kind
        if kind != "wsq":
            assert np.array_equal(decoded.image, img)


# --- bad input is refused with a message, never a crash ---------------------------------------


def _png_with_size(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10))


def _bad_inputs() -> list[tuple[str, bytes]]:
    img = fpsynth.impression(9, size=(200, 240))
    good_wsq = fingerprint.encode_wsq(img)
    good_png = fingerprint.encode_png(img)
    good_iso = iso_record(img, 2, "png")
    rng = random.Random(4)
    corrupt_wsq = bytearray(good_wsq)
    for _ in range(40):
        corrupt_wsq[rng.randrange(60, len(corrupt_wsq))] = rng.randrange(256)
    from PIL import Image

    jpeg = io.BytesIO()
    Image.fromarray(img).save(jpeg, format="JPEG")
    return [
        ("empty", b""),
        ("random", bytes(rng.randrange(256) for _ in range(5000))),
        ("text", b"hello, this is not an image"),
        ("truncated png", good_png[: len(good_png) // 2]),
        ("huge png", _png_with_size(100_000, 100_000)),
        ("tiny png", _png_with_size(4, 4)),
        ("truncated jpeg", jpeg.getvalue()[:300]),
        ("truncated wsq", good_wsq[:200]),
        ("wsq header only", good_wsq[:40]),
        ("corrupt wsq", bytes(corrupt_wsq)),
        ("wsq marker then junk", b"\xff\xa0" + bytes(rng.randrange(256) for _ in range(300))),
        ("iso truncated header", good_iso[:20]),
        ("iso truncated image", good_iso[:-100]),
        ("iso version 010", good_iso[:4] + b"010\x00" + good_iso[8:]),
        ("iso bad length", good_iso[:8] + struct.pack(">I", 10**9) + good_iso[12:]),
        ("iso zero representations", good_iso[:12] + b"\x00\x00" + good_iso[14:]),
        ("iso absurd size", _patch_iso_size(good_iso, 60_000, 60_000)),
        ("iso size mismatch", _patch_iso_size(good_iso, 100, 100)),
        ("iso 16-bit", _patch_iso_field(good_iso, 13, 16)),
        ("iso bit-packed", _patch_iso_field(good_iso, 14, 1)),
        ("iso unknown compression", _patch_iso_field(good_iso, 14, 9)),
        ("iso raw wrong length", _patch_iso_field(good_iso, 14, 0)),
    ]


def _tail_offset(record: bytes) -> int:
    """Offset of the representation header's fixed tail (after one quality block)."""
    return 16 + 4 + 9 + 1 + 2 + 2 + 1 + 5


def _patch_iso_field(record: bytes, index: int, value: int) -> bytes:
    off = _tail_offset(record) + {13: 11, 14: 12}[index]
    return record[:off] + bytes([value]) + record[off + 1 :]


def _patch_iso_size(record: bytes, width: int, height: int) -> bytes:
    off = _tail_offset(record) + 14
    return record[:off] + struct.pack(">HH", width, height) + record[off + 4 :]


@pytest.mark.parametrize(
    ("name", "data"), _bad_inputs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_decoder_refuses_bad_images(name, data):
    with pytest.raises(ValidationError) as err:
        decode_finger_image(data)
    assert err.value.vi and err.value.en and err.value.field == "image"
    with pytest.raises(ValidationError):
        fingerprint.decode_stored(data)


@pytest.mark.parametrize(
    "image",
    [
        None,
        "image",
        np.zeros((0, 0), np.uint8),
        np.zeros(500, np.uint8),
        np.zeros((10, 10), np.uint8),
        np.zeros((4001, 100), np.uint8),
        np.zeros((300, 300), np.float64),
        np.zeros((300, 300, 2), np.uint8),
    ],
    ids=["none", "str", "empty", "1d", "tiny", "huge", "float", "2-channel"],
)
def test_quality_and_matcher_refuse_non_images(image):
    with pytest.raises(ValidationError) as err:
        fpquality.assess(image)
    assert "Ảnh vân tay" in err.value.vi and "Fingerprint image" in err.value.en
    with pytest.raises(ValidationError):
        fpmatch.extract(image)
    with pytest.raises(ValidationError):
        fingerprint.encode_wsq(image)


def test_colour_and_blank_images_are_accepted():
    img = fpsynth.impression(12, size=(300, 360))
    bgr = np.dstack([img, img, img])
    assert abs(fpquality.assess(bgr).score - fpquality.assess(img).score) <= 1
    assert fpquality.assess(np.full((300, 300), 255, np.uint8)).score == 0
    assert fpmatch.extract(np.zeros((300, 300), np.uint8)).count == 0
