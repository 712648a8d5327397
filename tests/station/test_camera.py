"""Camera drivers: the OpenCV one on missing devices and on a real video file, the simulated one."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from station.capture.camera import (
    SCENARIOS,
    OpenCvCamera,
    SimulatedCamera,
    list_cameras,
    render_scene,
    scene_people,
)
from station.devices import Camera, DeviceError, DeviceKind

# --- OpenCV camera ----------------------------------------------------------------------------


def free_index() -> int:
    """A device index with no /dev/videoN behind it."""
    index = 7
    while Path(f"/dev/video{index}").exists():
        index += 1
    return index


def test_missing_device_raises_fast_with_both_languages() -> None:
    camera = OpenCvCamera(free_index())
    started = time.perf_counter()
    with pytest.raises(DeviceError) as caught:
        camera.open()
    assert time.perf_counter() - started < 2.0
    err = caught.value
    assert err.field == "camera"
    assert "Không mở được máy ảnh" in err.vi and "Cannot open camera" in err.en
    assert f"Camera {free_index()}" in err.en  # names the device


def test_missing_file_and_non_video_file_raise(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="no such file"):
        OpenCvCamera(str(tmp_path / "nothing.mp4")).open()
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    started = time.perf_counter()
    with pytest.raises(DeviceError, match="cannot read the video"):
        OpenCvCamera(str(text)).open()
    assert time.perf_counter() - started < 5.0


def test_read_before_open_raises() -> None:
    with pytest.raises(DeviceError, match="not open"):
        OpenCvCamera(free_index()).read()


def test_bad_source_is_refused() -> None:
    with pytest.raises(ValueError):
        OpenCvCamera(-1)
    with pytest.raises(ValueError):
        OpenCvCamera(True)


def test_video_file_reads_frames_then_raises_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (320, 240))
    assert writer.isOpened()
    sim = SimulatedCamera(width=320, height=240)
    for index in range(4):
        writer.write(sim.frame_at(index))
    writer.release()
    camera = OpenCvCamera(str(path))
    assert isinstance(camera, Camera)
    assert camera.info.kind is DeviceKind.CAMERA and not camera.info.simulated
    with camera:
        assert camera.actual is not None and camera.actual[:2] == (320, 240)
        frames = [camera.read() for _ in range(4)]
        assert [f.index for f in frames] == [0, 1, 2, 3]
        assert all(f.image.shape == (240, 320, 3) and f.image.dtype == np.uint8 for f in frames)
        assert frames[0].timestamp <= frames[-1].timestamp
        with pytest.raises(DeviceError, match="has ended"):
            camera.read()
    with pytest.raises(DeviceError):
        camera.read()  # closed


def test_list_cameras_is_fast_and_empty_without_devices() -> None:
    started = time.perf_counter()
    found = list_cameras()
    assert time.perf_counter() - started < 2.0
    if not any(Path(f"/dev/video{i}").exists() for i in range(4)):
        assert found == []
    assert all(info.kind is DeviceKind.CAMERA and info.driver == "opencv" for info in found)


# --- simulated camera -------------------------------------------------------------------------


def test_simulated_camera_follows_the_protocol() -> None:
    camera = SimulatedCamera()
    assert isinstance(camera, Camera)
    assert camera.info.simulated and camera.info.driver == "simulated"
    with pytest.raises(DeviceError):
        camera.read()
    with camera:
        frames = [camera.read() for _ in range(3)]
    assert [f.index for f in frames] == [0, 1, 2]
    assert frames[0].image.shape == (480, 640, 3) and frames[0].image.dtype == np.uint8
    assert frames[1].timestamp - frames[0].timestamp == pytest.approx(1 / 30)


def test_frames_are_deterministic_from_the_seed() -> None:
    a = SimulatedCamera(seed=5).frame_at(12)
    b = SimulatedCamera(seed=5).frame_at(12)
    c = SimulatedCamera(seed=6).frame_at(12)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_the_person_moves_gently() -> None:
    people = [scene_people("good", t, seed=3)[0] for t in np.arange(0.0, 6.0, 0.1)]
    xs = [p.face_centre[0] for p in people]
    heights = [p.face_height for p in people]
    rolls = [p.roll for p in people]
    assert 3.0 < max(xs) - min(xs) < 15.0  # a few pixels of drift at 640 px
    assert 0.01 < (max(heights) - min(heights)) / min(heights) < 0.06
    assert 0.5 < max(rolls) - min(rolls) < 3.0
    first, later = render_scene("good", 0.0, seed=3), render_scene("good", 1.0, seed=3)
    assert np.abs(first.astype(int) - later.astype(int)).mean() > 0.5  # frames differ


def test_size_and_scenario_switches() -> None:
    camera = SimulatedCamera("dark", width=320, height=240, noise=0.0, motion=0.0)
    assert camera.frame_at(0).shape == (240, 320, 3)
    dark = camera.frame_at(0).mean()
    camera.scenario = "good"
    assert camera.frame_at(0).mean() > 3 * dark
    with pytest.raises(ValueError, match="unknown scenario"):
        camera.scenario = "upside_down"
    with pytest.raises(ValueError, match="unknown scenario"):
        SimulatedCamera("nope")
    assert len(scene_people("two_faces", 0.0)) == 2 and scene_people("no_face", 0.0) == []
    assert set(SCENARIOS) >= {"good", "no_face", "tilted", "busy_background"}


def test_realtime_paces_frames() -> None:
    camera = SimulatedCamera(fps=20.0, realtime=True, width=160, height=120)
    with camera:
        started = time.monotonic()
        for _ in range(5):
            camera.read()
        elapsed = time.monotonic() - started
    assert elapsed >= 4 / 20.0 - 0.02  # frames 1..4 wait for their due time
    fast = SimulatedCamera(fps=2.0, width=160, height=120)
    with fast:
        started = time.monotonic()
        for _ in range(5):
            fast.read()
    assert time.monotonic() - started < 1.0  # not realtime: as fast as asked
