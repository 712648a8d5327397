"""Face checks, automatic capture, portrait crop and photo import.

The photographs are real ones that ship inside the scikit-image wheel (no download): the NASA
portrait of Eileen Collins (``astronaut``, public domain), a coffee cup, a brick wall, a cat, a
cameraman in profile, and the 100 faces / 100 non-faces of the LFW subset. The bad cases are made
from the astronaut photograph by image operations; the simulated camera's scenarios are checked
frame by frame as well.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest

from station.capture.camera import SCENARIOS, SimulatedCamera
from station.capture.face import (
    CHECK_NAMES,
    MAX_IMAGE_BYTES,
    PORTRAIT_BUDGET,
    PORTRAIT_SIZE,
    AutoCapture,
    FaceAnalysis,
    FaceAnalyzer,
    FaceConfig,
    load_image,
    portrait,
    portrait_metadata,
)
from station.devices import DeviceError, Frame
from station.errors import ValidationError

Image = np.ndarray[Any, np.dtype[np.uint8]]

#: Her head's own roll in the photograph (pupils at (203.5, 100.6) and (246, 103)).
PHOTO_ROLL = -3.2
#: The astronaut's face box found by haarcascade_frontalface_alt2 on the raw photograph.
PHOTO_BOX = (176, 66, 94, 94)


def skimage_bgr(name: str) -> Image:
    from skimage import data

    loader: Callable[[], Any] = getattr(data, name)
    picture = np.asarray(loader())
    if picture.ndim == 2:
        return np.asarray(cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    return np.asarray(cv2.cvtColor(picture, cv2.COLOR_RGB2BGR), dtype=np.uint8)


def frame_photo(face: float = 0.28, centre_y: float = 0.46) -> Image:
    """The astronaut photograph framed as the station camera would see her, at 640 x 480.

    The photograph has too little room above her hair for a 2:3 portrait, so its top row (the
    studio backdrop) is repeated upwards first.
    """
    photo = skimage_bgr("astronaut")
    padded = cv2.copyMakeBorder(photo, 120, 0, 40, 40, cv2.BORDER_REPLICATE)
    x, y, w, h = PHOTO_BOX
    cx, cy = x + w / 2 + 40, y + h / 2 + 120
    height = h / face
    width = height * 4 / 3
    x0, y0 = round(cx - width / 2), round(cy - centre_y * height)
    crop = padded[y0 : y0 + round(height), x0 : x0 + round(width)]
    return np.asarray(cv2.resize(crop, (640, 480), interpolation=cv2.INTER_CUBIC), np.uint8)


def turn(image: Image, degrees: float, centre: tuple[float, float]) -> Image:
    matrix = cv2.getRotationMatrix2D(centre, degrees, 1.0)
    size = (image.shape[1], image.shape[0])
    return np.asarray(
        cv2.warpAffine(image, matrix, size, borderMode=cv2.BORDER_REPLICATE), np.uint8
    )


def failures(analysis: FaceAnalysis) -> set[str]:
    return {check.name for check in analysis.failures}


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    return FaceAnalyzer()


@pytest.fixture(scope="module")
def framed() -> Image:
    return frame_photo()


@pytest.fixture(scope="module")
def framed_analysis(analyzer: FaceAnalyzer, framed: Image) -> FaceAnalysis:
    return analyzer.analyze(framed)


# --- real photographs -------------------------------------------------------------------------


def test_framed_photograph_passes_every_check(framed_analysis: FaceAnalysis) -> None:
    a = framed_analysis
    assert a.ok and failures(a) == set() and a.prompt is None
    assert [c.name for c in a.checks] == list(CHECK_NAMES)
    assert len(a.eyes) == 2 and a.eyes[0][0] < a.eyes[1][0]
    assert a.check("head_roll").value == pytest.approx(PHOTO_ROLL, abs=2.5)
    assert a.check("face_size").value == pytest.approx(0.28, abs=0.04)
    assert all(c.vi and c.en for c in a.checks)


def test_raw_astronaut_photo_one_face_but_too_small(analyzer: FaceAnalyzer) -> None:
    # The raw photograph: the flag and the shuttle behind her are not taken for faces (with
    # some cascades and settings the area right of her neck ring is).
    a = analyzer.analyze(skimage_bgr("astronaut"))
    assert a.check("one_face").passed and a.check("one_face").value == 1.0
    assert a.face_box is not None
    x, y, w, _ = a.face_box
    assert abs(x - PHOTO_BOX[0]) <= 6 and abs(y - PHOTO_BOX[1]) <= 6 and abs(w - 94) <= 8
    assert len(a.eyes) == 2
    assert a.check("head_roll").value == pytest.approx(PHOTO_ROLL, abs=2.5)
    assert a.check("sharpness").passed and a.check("exposure").passed
    size = a.check("face_size")
    assert not size.passed and size.value is not None and size.value < 0.2
    assert (size.vi, size.en) == ("Tiến lại gần hơn", "Move closer")


@pytest.mark.parametrize("name", ["coffee", "brick", "chelsea", "camera"])
def test_no_frontal_face_in_other_photographs(analyzer: FaceAnalyzer, name: str) -> None:
    # A coffee cup, a brick wall, a cat, and a man in profile: no frontal face.
    a = analyzer.analyze(skimage_bgr(name))
    one = a.check("one_face")
    assert not one.passed and one.value == 0.0 and one.en == "No face found"
    assert a.face_box is None and not a.ok
    assert a.check("sharpness").value is None and not a.check("sharpness").passed


def test_plain_wall_no_face_and_dark_wall_too_dark(analyzer: FaceAnalyzer) -> None:
    rng = np.random.default_rng(0)
    wall = np.clip(205 + rng.normal(0, 2, (480, 640, 3)), 0, 255).astype(np.uint8)
    a = analyzer.analyze(wall)
    assert failures(a) >= {"one_face"} and a.check("exposure").passed  # a light wall is fine
    dark = analyzer.analyze((wall * 0.15).astype(np.uint8))
    assert dark.prompt is not None and dark.prompt.name == "exposure"
    assert dark.prompt.vi.startswith("Quá tối")


def test_lfw_faces_found_and_non_faces_not(analyzer: FaceAnalyzer) -> None:
    # 100 faces and 100 background patches of the LFW subset, 25 x 25, enlarged and padded.
    from skimage import data

    crops = np.round(np.asarray(data.lfw_subset()) * 255).astype(np.uint8)
    padded = [
        np.asarray(
            cv2.copyMakeBorder(
                cv2.resize(crop, (160, 160), interpolation=cv2.INTER_CUBIC),
                *(60, 60, 60, 60),
                cv2.BORDER_REPLICATE,
            ),
            np.uint8,
        )
        for crop in crops
    ]
    found = sum(bool(analyzer.detect_faces(image)) for image in padded[:100])
    false = sum(bool(analyzer.detect_faces(image)) for image in padded[100:])
    assert found >= 95  # measured 98
    assert false == 0


# --- bad cases made from the photograph -------------------------------------------------------


def test_two_faces(analyzer: FaceAnalyzer, framed: Image) -> None:
    a = analyzer.analyze(np.hstack([framed, framed]))
    one = a.check("one_face")
    assert not one.passed and one.value == 2.0
    assert one.vi.startswith("Có 2 khuôn mặt") and one.en.startswith("2 faces")


def test_small_face_in_the_background_does_not_count(
    framed: Image, framed_analysis: FaceAnalysis
) -> None:
    assert framed_analysis.face_box is not None
    x, y, w, h = framed_analysis.face_box
    face = framed[y - 20 : y + h + 20, x - 20 : x + w + 20]

    def with_poster(scale: float) -> Image:
        image = framed.copy()
        small = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        image[20 : 20 + small.shape[0], 500 : 500 + small.shape[1]] = small
        return image

    # At the default settings the cascade finds no face under ~0.12 of the frame height (0.44
    # of this one); looking for smaller ones shows the size rule: a face a third the size of
    # the main one (a poster, someone far behind) is found but not counted; one at half is.
    analyzer = FaceAnalyzer(FaceConfig(min_detect_face=0.05))
    poster = with_poster(0.32)
    faces = analyzer.detect_faces(np.asarray(cv2.cvtColor(poster, cv2.COLOR_BGR2GRAY), np.uint8))
    assert len(faces) == 2 and faces[1][0][3] < 0.4 * faces[0][0][3]
    assert analyzer.analyze(poster).check("one_face").passed
    second = analyzer.analyze(with_poster(0.5)).check("one_face")
    assert not second.passed and second.value == 2.0


def test_too_small_and_too_big(analyzer: FaceAnalyzer, framed: Image) -> None:
    backdrop = np.median(framed[:20].reshape(-1, 3), axis=0).astype(np.uint8)
    far = np.empty_like(framed)
    far[:] = backdrop
    shrunk = cv2.resize(framed, None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA)
    left = (640 - shrunk.shape[1]) // 2
    far[480 - shrunk.shape[0] :, left : left + shrunk.shape[1]] = shrunk
    a = analyzer.analyze(far)
    assert failures(a) == {"face_size"}
    assert a.check("face_size").en == "Move closer"
    near = analyzer.analyze(frame_photo(face=0.40, centre_y=0.5))
    assert "face_size" in failures(near)
    assert (near.check("face_size").vi, near.check("face_size").en) == (
        "Lùi ra xa hơn",
        "Move back",
    )


def test_off_centre(analyzer: FaceAnalyzer, framed: Image) -> None:
    shift = np.float32([[1, 0, 160], [0, 1, 0]])
    moved = cv2.warpAffine(framed, shift, (640, 480), borderMode=cv2.BORDER_REPLICATE)
    a = analyzer.analyze(moved)
    assert failures(a) == {"centred"}
    centred = a.check("centred")
    assert centred.value is not None and centred.value == pytest.approx(0.25, abs=0.03)
    assert "phải" in centred.vi and "right of centre" in centred.en


def test_dark_and_bright(analyzer: FaceAnalyzer, framed: Image) -> None:
    dark = analyzer.analyze((framed * 0.2).astype(np.uint8))
    assert failures(dark) == {"exposure"}  # the face is still found and measured
    assert (dark.check("exposure").vi, dark.check("exposure").en) == (
        "Quá tối: cần thêm ánh sáng",
        "Too dark: add light",
    )
    bright = analyzer.analyze(np.clip(framed * 1.5, 0, 255).astype(np.uint8))
    assert failures(bright) == {"exposure"} and bright.check("exposure").en == "Too bright"


def test_blurred(analyzer: FaceAnalyzer, framed: Image, framed_analysis: FaceAnalysis) -> None:
    a = analyzer.analyze(cv2.GaussianBlur(framed, (0, 0), 3.0))
    assert failures(a) == {"sharpness"}
    assert a.sharpness < 0.5 * framed_analysis.sharpness
    slight = analyzer.analyze(cv2.GaussianBlur(framed, (0, 0), 0.6))
    assert slight.check("sharpness").passed


def test_busy_background(
    analyzer: FaceAnalyzer, framed: Image, framed_analysis: FaceAnalysis
) -> None:
    # Brick wall (skimage.data.brick, CC0) behind her, above the shoulders and away from the head.
    assert framed_analysis.face_box is not None
    _, y, w, h = framed_analysis.face_box
    brick = cv2.resize(skimage_bgr("brick"), (640, 480)).astype(np.float32) * (0.55, 0.7, 0.95)
    mask = np.zeros((480, 640), np.float32)
    mask[: y + h] = 1.0
    ex = sum(e[0] for e in framed_analysis.eyes) // 2
    ey = sum(e[1] for e in framed_analysis.eyes) // 2
    cv2.ellipse(mask, (ex, ey), (round(1.25 * w), round(1.5 * h)), 0, 0, 360, 0.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 3.0)[:, :, None]
    busy = (framed * (1 - mask) + brick * mask).astype(np.uint8)
    a = analyzer.analyze(busy)
    assert failures(a) == {"background"}
    assert a.check("background").en.startswith("The background must be plain")


@pytest.mark.parametrize("roll", [15.0, -15.0])
def test_tilted_head(
    analyzer: FaceAnalyzer, framed: Image, framed_analysis: FaceAnalysis, roll: float
) -> None:
    assert framed_analysis.face_box is not None
    x, y, w, h = framed_analysis.face_box
    # Turn the photograph so that her head is rolled by ``roll`` from upright.
    a = analyzer.analyze(turn(framed, roll - PHOTO_ROLL, (x + w / 2, y + h / 2)))
    assert failures(a) == {"head_roll"}
    head = a.check("head_roll")
    assert head.value == pytest.approx(roll, abs=3.0)
    assert (head.vi, head.en) == ("Giữ đầu thẳng", "Keep the head straight")


def test_small_roll_passes(analyzer: FaceAnalyzer, framed: Image) -> None:
    a = analyzer.analyze(turn(framed, 5.0 - PHOTO_ROLL, (322.0, 220.0)))
    assert a.ok and a.check("head_roll").value == pytest.approx(5.0, abs=2.5)


def test_roll_without_eyes_is_not_measured(
    analyzer: FaceAnalyzer, framed: Image, framed_analysis: FaceAnalysis
) -> None:
    # One eye hidden (a skin-coloured patch, as a hand or a lock of hair would): the roll is not
    # measured and passes as such, and eyes_visible fails instead, so the frame does not pass.
    (lx, ly), (rx, ry) = framed_analysis.eyes
    hidden = framed.copy()
    skin = tuple(int(v) for v in framed[ly + 40, lx])
    cv2.circle(hidden, (rx, ry), 18, skin, -1)
    a = analyzer.analyze(hidden)
    assert a.face_box is not None and len(a.eyes) == 1
    roll = a.check("head_roll")
    assert roll.passed and roll.value is None and roll.en == "Roll: not measured"
    assert failures(a) == {"eyes_visible"} and not a.ok
    # (Both eyes under dark glasses: the frontal cascade then finds no face at all.)


def test_bad_input_frames_are_refused(analyzer: FaceAnalyzer) -> None:
    with pytest.raises(ValueError):
        analyzer.analyze(np.zeros((10, 10, 3), np.float32))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        analyzer.analyze(np.zeros((0, 0, 3), np.uint8))
    gray = cv2.cvtColor(frame_photo(), cv2.COLOR_BGR2GRAY)
    assert analyzer.analyze(np.asarray(gray, np.uint8)).check("one_face").passed


# --- the simulated camera's scenarios ---------------------------------------------------------

EXPECTED_FAILURE = {
    "no_face": "one_face",
    "two_faces": "one_face",
    "too_small": "face_size",
    "off_centre": "centred",
    "dark": "exposure",
    "blurred": "sharpness",
    "busy_background": "background",
    "tilted": "head_roll",
}
SEQUENCE_FPS = 15.0
SEQUENCE_FRAMES = 30  # two seconds


@pytest.fixture(scope="module")
def sequences(analyzer: FaceAnalyzer) -> dict[str, list[tuple[Frame, FaceAnalysis]]]:
    out: dict[str, list[tuple[Frame, FaceAnalysis]]] = {}
    for scenario in SCENARIOS:
        camera = SimulatedCamera(scenario, fps=SEQUENCE_FPS, seed=11)
        analyzer.reset()
        with camera:
            frames = [camera.read() for _ in range(SEQUENCE_FRAMES)]
        out[scenario] = [(f, analyzer.analyze(f.image, track=True)) for f in frames]
    return out


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_simulated_scenario_verdicts(
    sequences: dict[str, list[tuple[Frame, FaceAnalysis]]], scenario: str
) -> None:
    analyses = [a for _, a in sequences[scenario]]
    if scenario == "good":
        assert all(a.ok for a in analyses)
        return
    expected = EXPECTED_FAILURE[scenario]
    assert not any(a.ok for a in analyses)
    assert all(expected in failures(a) for a in analyses)
    if scenario in ("dark", "blurred", "busy_background", "tilted", "off_centre"):
        # Only the thing that is wrong is reported.
        assert all(failures(a) == {expected} for a in analyses)


def test_tracking_searches_the_whole_frame_regularly(
    sequences: dict[str, list[tuple[Frame, FaceAnalysis]]],
) -> None:
    good = [a for _, a in sequences["good"]]
    scans = [i for i, a in enumerate(good) if a.full_scan]
    assert scans[0] == 0 and max(b - a for a, b in itertools.pairwise(scans)) <= 5
    assert len(scans) < len(good)


# --- automatic capture ------------------------------------------------------------------------


def run_auto(sequence: list[tuple[Frame, FaceAnalysis]]) -> tuple[AutoCapture, int | None]:
    auto = AutoCapture()
    for position, (frame, analysis) in enumerate(sequence):
        if auto.feed(frame, analysis) is not None:
            return auto, position
    return auto, None


def test_auto_capture_fires_on_the_good_sequence(
    sequences: dict[str, list[tuple[Frame, FaceAnalysis]]],
) -> None:
    sequence = sequences["good"]
    auto, fired_at = run_auto(sequence)
    assert fired_at is not None and fired_at < 20  # within 1.3 s at 15 fps
    captured = auto.captured
    assert captured is not None and not captured.forced and captured.analysis.ok
    window = [a for f, a in sequence[: fired_at + 1] if f.index >= captured.frame.index - 10]
    assert captured.analysis.sharpness >= max(a.sharpness for a in window[-8:]) - 1e-9
    # It fires once: later frames give nothing until reset.
    frame, analysis = sequence[-1]
    assert auto.feed(frame, analysis) is None
    auto.reset()
    assert not auto.fired and auto.progress == 0.0


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "good"])
def test_auto_capture_never_fires_on_bad_sequences(
    sequences: dict[str, list[tuple[Frame, FaceAnalysis]]], scenario: str
) -> None:
    auto, fired_at = run_auto(sequences[scenario])
    assert fired_at is None and not auto.fired


def test_auto_capture_window_restarts_on_failure_and_motion(
    sequences: dict[str, list[tuple[Frame, FaceAnalysis]]],
) -> None:
    good = sequences["good"]
    bad_analysis = sequences["blurred"][0][1]
    auto = AutoCapture(window_s=0.5, min_frames=8)
    for frame, analysis in good[:7]:
        assert auto.feed(frame, analysis) is None
    assert auto.progress > 0.5
    auto.feed(good[7][0], bad_analysis)  # one failing frame throws the window away
    assert auto.progress == 0.0
    # A face that jumps by a fifth of its height restarts the window too (twice: there and
    # back), so nothing fires before 8 frames and 0.5 s after it came back.
    frame, analysis = good[8]
    assert analysis.face_box is not None
    x, y, w, h = analysis.face_box
    jumped = FaceAnalysis((x + h // 5, y, w, h), analysis.eyes, analysis.checks, True, (640, 480))
    fired_at = None
    for i, (f, a) in enumerate(good[8:]):
        if auto.feed(f, jumped if i == 4 else a) is not None:
            fired_at = i
            break
    assert fired_at is not None and fired_at >= 5 + 8 - 1


def test_force_takes_a_picture_now(sequences: dict[str, list[tuple[Frame, FaceAnalysis]]]) -> None:
    auto = AutoCapture()
    with pytest.raises(DeviceError):
        auto.force()
    for frame, analysis in sequences["dark"][:3]:
        auto.feed(frame, analysis)
    captured = auto.force()
    assert captured.forced and captured.frame.index == 2
    assert not captured.analysis.ok  # the failing checks travel with the picture
    assert portrait_metadata(captured.analysis)["checks"]["exposure"]["passed"] is False


# --- portrait ---------------------------------------------------------------------------------


def decode(data: bytes) -> Image:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(image, np.uint8)


def test_portrait_geometry_size_and_budget(
    analyzer: FaceAnalyzer, sequences: dict[str, list[tuple[Frame, FaceAnalysis]]]
) -> None:
    auto, _ = run_auto(sequences["good"])
    captured = auto.captured
    assert captured is not None
    data = portrait(captured.frame.image, captured.analysis)
    assert data[:3] == b"\xff\xd8\xff" and len(data) <= PORTRAIT_BUDGET
    image = decode(data)
    assert (image.shape[1], image.shape[0]) == PORTRAIT_SIZE == (480, 720)
    # The face where the geometry puts it: eyes level, their midpoint on the centre line and
    # 53 % of the height up from the bottom; head (the face box) about 75 % of the width, so
    # the head (1.5 head widths) is about 75 % of the height (domain rule: 70-80 %).
    a = FaceAnalyzer().analyze(image)
    assert len(a.eyes) == 2 and a.face_box is not None
    (x0, y0), (x1, y1) = a.eyes
    assert abs(y1 - y0) <= 6
    assert (x0 + x1) / 2 == pytest.approx(240, abs=14)
    assert (y0 + y1) / 2 == pytest.approx(720 * 0.47, abs=18)
    assert a.face_box[2] / 480 == pytest.approx(0.75, abs=0.07)
    assert a.check("one_face").passed and a.check("one_face").passed


def test_portrait_levels_a_small_roll(analyzer: FaceAnalyzer, framed: Image) -> None:
    tilted = turn(framed, 6.0 - PHOTO_ROLL, (322.0, 220.0))
    analysis = analyzer.analyze(tilted)
    assert analysis.ok
    out = FaceAnalyzer().analyze(decode(portrait(tilted, analysis)))
    roll = out.check("head_roll").value
    assert roll is not None and abs(roll) < 2.5
    meta = portrait_metadata(analysis)
    assert meta["geometry"]["roll_corrected_deg"] == pytest.approx(6.0, abs=2.5)


def test_portrait_refuses_no_face_and_bad_framing(
    analyzer: FaceAnalyzer, sequences: dict[str, list[tuple[Frame, FaceAnalysis]]]
) -> None:
    frame, analysis = sequences["no_face"][0]
    with pytest.raises(ValidationError) as caught:
        portrait(frame.image, analysis)
    assert caught.value.field == "image" and "no face" in caught.value.en
    near = frame_photo(face=0.55, centre_y=0.5)
    with pytest.raises(ValidationError, match="too close"):
        portrait(near, analyzer.analyze(near))


def test_portrait_budget_steps_quality_down(framed: Image, framed_analysis: FaceAnalysis) -> None:
    roomy = portrait(framed, framed_analysis, budget=200_000)
    tight = portrait(framed, framed_analysis, budget=20_000)
    assert len(tight) <= 20_000 < len(roomy)
    assert decode(tight).shape == (720, 480, 3)
    with pytest.raises(ValidationError, match="budget"):
        portrait(framed, framed_analysis, budget=2_000)
    small = decode(portrait(framed, framed_analysis, size=(240, 360)))
    assert small.shape == (360, 240, 3)


def test_portrait_metadata_is_json(framed_analysis: FaceAnalysis) -> None:
    meta = portrait_metadata(framed_analysis)
    text = json.dumps(meta, ensure_ascii=False)
    back = json.loads(text)
    assert back["ok"] is True and set(back["checks"]) == set(CHECK_NAMES)
    assert back["checks"]["head_roll"]["en"] == "Head straight"
    assert back["detector"]["face"] == "haarcascade_frontalface_alt2.xml"
    assert back["geometry"]["aspect"] == "2:3" and back["geometry"]["size"] == [480, 720]


# --- imported photos --------------------------------------------------------------------------


def encode(image: Image, ext: str) -> bytes:
    ok, data = cv2.imencode(ext, image)
    assert ok
    return bytes(data.tobytes())


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".bmp"])
def test_load_image_accepts_photos(framed: Image, ext: str) -> None:
    image = load_image(encode(framed, ext))
    assert image.shape == framed.shape and image.dtype == np.uint8


def refused(data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        load_image(data)
    err = caught.value
    assert err.field == "image" and err.vi.startswith("Ảnh chân dung") and err.en
    return err


def test_load_image_refuses_empty_and_huge() -> None:
    assert "empty" in refused(b"").en
    assert "too large" in refused(b"\xff\xd8\xff" + bytes(50 * 1024 * 1024)).en
    assert MAX_IMAGE_BYTES < 50 * 1024 * 1024


def test_load_image_refuses_wrong_formats() -> None:
    pdf = refused(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    assert "PDF" in pdf.en and "PDF" in pdf.vi
    assert "not an image" in refused("Họ và tên: Nguyễn Văn A\n".encode()).en
    assert "not an image" in refused(bytes(range(256)) * 8).en


def test_load_image_refuses_corrupt_files(framed: Image) -> None:
    jpeg = encode(framed, ".jpg")
    assert "truncated" in refused(jpeg[: len(jpeg) // 2]).en
    assert "damaged" in refused(b"\xff\xd8\xff\xe0" + b"\x00" * 64).en
    png = bytearray(encode(framed, ".png"))
    png[200:4000] = bytes(3800)  # wreck the compressed data (CRC and zlib stream)
    assert "damaged" in refused(bytes(png)).en
    assert "truncated" in refused(encode(framed, ".png")[:5000]).en


def test_load_image_checks_dimensions_before_decoding() -> None:
    # A PNG header that claims 10000 x 8000 pixels: refused from the header alone.
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 10_000, 8_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
    png += struct.pack(">I", zlib.crc32(chunk)) + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    err = refused(png)
    assert "10000 x 8000" in err.en and "megapixels" in err.en
    tiny = encode(np.zeros((100, 120, 3), np.uint8), ".png")
    assert "too small" in refused(tiny).en


def test_load_image_never_crashes_on_noise() -> None:
    rng = np.random.default_rng(1)
    for prefix in (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBP", b"BM"):
        for _ in range(20):
            data = prefix + rng.integers(0, 256, int(rng.integers(0, 3000)), np.uint8).tobytes()
            with contextlib.suppress(ValidationError):
                load_image(data)


def test_sequence_timestamps_cover_the_window(
    sequences: dict[str, list[tuple[Frame, FaceAnalysis]]],
) -> None:
    frames = [f for f, _ in sequences["good"]]
    assert frames[-1].timestamp - frames[0].timestamp == pytest.approx(
        (SEQUENCE_FRAMES - 1) / SEQUENCE_FPS
    )
    assert math.isfinite(frames[0].timestamp)
