"""The photo page with the simulated camera: the good scenario captures by itself and is saved,
bad scenarios show the failing check and never capture, Space and R, camera failures, resume."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from station.capture.camera import SimulatedCamera
from station.devices import DeviceError, DeviceInfo, DeviceKind, Frame
from station.devices.defaults import registry
from station.devices.registry import DeviceRegistry, Driver
from station.service import StationService
from tests.conftest import OP_PW, login, valid_form
from tests.ui.threads import off_the_main_thread, record_threads
from ui.context import UiContext
from ui.photo_page import AUTO_CAPTURE_OPTION, PhotoPage, saved_check
from ui.qt import QApplication, Qt, QWidget
from ui.workers import Worker

CAPTURE_TIMEOUT_MS = 30_000


@pytest.fixture
def operator(staffed: StationService, clock: Any) -> Iterator[StationService]:
    svc = login(staffed.paths, clock, "op1", OP_PW)
    yield svc
    svc.close()


@pytest.fixture
def dossier(operator: StationService) -> str:
    return operator.create_dossier("first_issue", valid_form()).id


class Pages:
    """Builds shown photo pages on the operator's service; stops them at the end."""

    def __init__(self, qtbot: Any, service: StationService) -> None:
        self.qtbot = qtbot
        self.service = service
        self.pages: list[PhotoPage] = []
        self.workers: list[Worker] = []
        self.holders: list[QWidget] = []  # the workers' parents, kept alive for the test

    def ctx(self, devices: DeviceRegistry | None, lang: str = "vi", **options: Any) -> UiContext:
        holder = QWidget()
        self.qtbot.addWidget(holder)
        self.holders.append(holder)
        worker = Worker(parent=holder)
        self.workers.append(worker)
        return UiContext(self.service, lang, worker, devices=devices, options=dict(options))

    def make(
        self,
        dossier_id: str,
        scenario: str = "good",
        *,
        devices: DeviceRegistry | None = None,
        lang: str = "vi",
        **options: Any,
    ) -> PhotoPage:
        if devices is None:
            devices = registry({"camera": {"driver": "simulated", "scenario": scenario}})
        page = PhotoPage(self.ctx(devices, lang, **options))
        self.qtbot.addWidget(page)
        page.resize(1100, 560)
        page.show()
        self.qtbot.waitExposed(page)
        page.activateWindow()
        self.qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
        page.setFocus()  # the page's shortcuts (Space, R, Ctrl+S, Del) work from here
        page.load(dossier_id)
        self.pages.append(page)
        return page

    def close(self) -> None:
        for page in self.pages:
            page.stop()
        for worker in self.workers:
            worker.wait()


@pytest.fixture
def pages(qtbot: Any, operator: StationService) -> Iterator[Pages]:
    made = Pages(qtbot, operator)
    yield made
    made.close()


def face_part(service: StationService, dossier_id: str) -> Any:
    view = service.get_dossier(dossier_id)
    return next((p for p in view.parts if p.kind == "face" and p.slot == ""), None)


def wait_saved(qtbot: Any, page: PhotoPage) -> None:
    qtbot.waitUntil(lambda: page.mode == PhotoPage.SAVED, timeout=CAPTURE_TIMEOUT_MS)


def wait_frames(qtbot: Any, page: PhotoPage, frames: int) -> None:
    """Until the stream has analysed ``frames`` frames (the automatic capture needs 8 in 0.5 s
    of camera time; the simulated camera gives 30 a second)."""

    def enough() -> bool:
        worker = page.camera_worker
        return worker is not None and worker.stats.frames >= frames

    qtbot.waitUntil(enough, timeout=CAPTURE_TIMEOUT_MS)


# --- capture ------------------------------------------------------------------------------------


def test_good_scenario_captures_by_itself_and_saves_at_once(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    assert page.mode in (PhotoPage.STARTING, PhotoPage.LIVE)
    assert face_part(operator, dossier) is None
    with qtbot.waitSignal(page.changed, timeout=CAPTURE_TIMEOUT_MS):
        pass
    wait_saved(qtbot, page)
    part = face_part(operator, dossier)
    assert part is not None and part.media_type == "image/jpeg"
    assert part.meta["ok"] is True and part.meta["forced"] is False
    assert operator.part_data(dossier, "face").startswith(b"\xff\xd8")
    # Every check is listed as passed, and the core passed the same check on the stored image
    # (it measures the portrait itself: the frame's face size is the portrait's head height).
    for name, row in page.check_rows.items():
        assert row.passed is True, name
        assert row.message.text()  # the core's message on the stored portrait
        assert saved_check(part.meta["checks"], name)["passed"] is True, name
        assert row.mark.text() == "✔"
    assert page.camera_worker is None  # the camera is closed after the capture
    assert "face" not in {m.kind for m in operator.missing_captures(dossier)}
    assert page.retake_button.isVisible() and not page.capture_button.isVisible()


def test_after_a_live_capture_the_rows_show_the_core_verdict_on_the_saved_bytes(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    wait_saved(qtbot, page)
    part = face_part(operator, dossier)
    assert part is not None
    for name, row in page.check_rows.items():
        stored = saved_check(part.meta["checks"], name)
        assert row.message.text() == stored["vi"], name  # not the live frame's message
        assert row.passed is stored["passed"], name
    # The same rows as when the dossier is opened again.
    shown = {name: row.message.text() for name, row in page.check_rows.items()}
    again = pages.make(dossier)
    assert {name: row.message.text() for name, row in again.check_rows.items()} == shown


@pytest.mark.parametrize(
    ("scenario", "check", "message"),
    [
        ("no_face", "one_face", "Không thấy khuôn mặt"),
        ("two_faces", "one_face", "Có 2 khuôn mặt: chỉ một người trước máy ảnh"),
        ("dark", "exposure", "Quá tối: cần thêm ánh sáng"),
    ],
)
def test_bad_scenario_shows_the_failing_check_and_does_not_capture(
    qtbot: Any,
    pages: Pages,
    operator: StationService,
    dossier: str,
    scenario: str,
    check: str,
    message: str,
) -> None:
    page = pages.make(dossier, scenario)
    wait_frames(qtbot, page, 45)  # 1.5 s of camera time: three times the capture window
    qtbot.waitUntil(lambda: page.check_rows[check].passed is False)
    row = page.check_rows[check]
    assert row.message.text() == message
    assert row.mark.text() == "✘"
    assert page.mode == PhotoPage.LIVE
    assert page.prompt_label.text()  # what to fix first is said
    assert page.preview.painted > 0
    assert face_part(operator, dossier) is None


def test_checks_speak_english_from_the_core(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier, "dark", lang="en")
    qtbot.waitUntil(lambda: page.check_rows["exposure"].passed is False, timeout=10_000)
    assert page.check_rows["exposure"].message.text() == "Too dark: add light"


def test_space_takes_the_picture_by_hand_with_its_failing_checks(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier, "dark")
    qtbot.waitUntil(lambda: page.mode == PhotoPage.LIVE, timeout=10_000)
    qtbot.keyClick(page, Qt.Key.Key_Space)
    wait_saved(qtbot, page)
    part = face_part(operator, dossier)
    assert part is not None
    assert part.meta["forced"] is True and part.meta["checks"]["exposure"]["passed"] is False
    assert page.check_rows["exposure"].passed is False  # the saved picture's checks are shown


def test_retake_replaces_the_saved_portrait(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    devices = registry({"camera": {"driver": "simulated", "scenario": "good", "seed": 0}})
    page = pages.make(dossier, devices=devices)
    wait_saved(qtbot, page)
    first = operator.part_data(dossier, "face")

    devices.config["camera"]["seed"] = 5  # another sitting: other motion, other noise
    qtbot.keyClick(page, Qt.Key.Key_R)
    assert page.mode in (PhotoPage.STARTING, PhotoPage.LIVE)
    assert operator.part_data(dossier, "face") == first  # kept until a new one is taken
    wait_saved(qtbot, page)
    second = operator.part_data(dossier, "face")
    assert second != first
    assert len([p for p in operator.get_dossier(dossier).parts if p.kind == "face"]) == 1


def test_retake_given_up_keeps_the_saved_portrait(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier)
    wait_saved(qtbot, page)
    saved = operator.part_data(dossier, "face")
    page._ctx.devices.config["camera"]["scenario"] = "no_face"  # type: ignore[union-attr]
    page.retake()
    qtbot.waitUntil(lambda: page.mode == PhotoPage.LIVE, timeout=10_000)
    page.leave()
    assert page.mode == PhotoPage.SAVED and page.camera_worker is None
    assert operator.part_data(dossier, "face") == saved


def test_resumed_draft_shows_the_saved_portrait_without_the_camera(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    first = pages.make(dossier)
    wait_saved(qtbot, first)
    first.leave()

    again = pages.make(dossier)
    assert again.mode == PhotoPage.SAVED
    assert again.camera_worker is None
    assert again.check_rows["one_face"].passed is True
    assert again.check_rows["face_size"].value.text().endswith("%")
    assert again.status_label.text() == "Ảnh chân dung đã lưu trong hồ sơ."


def test_leaving_saves_a_picture_whose_signal_has_not_arrived(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    page = pages.make(dossier, "dark")
    qtbot.waitUntil(lambda: page.mode == PhotoPage.LIVE, timeout=10_000)
    worker = page.camera_worker
    assert worker is not None
    page.capture_now()
    # Wait without running the event loop: the "captured" signal stays queued.
    deadline = time.monotonic() + 30
    while worker.last_capture() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert worker.last_capture() is not None
    saves = record_threads(operator, "save_face")
    with qtbot.waitSignal(page.changed, timeout=CAPTURE_TIMEOUT_MS):
        page.leave()  # returns at once: the save goes on on the worker, then says "changed"
    assert off_the_main_thread(saves)
    part = face_part(operator, dossier)
    assert part is not None and part.meta["forced"] is True
    assert page.mode == PhotoPage.SAVED
    qtbot.wait(50)  # the late signal arrives and is ignored
    assert page.mode == PhotoPage.SAVED
    assert len(saves) == 1


def test_leaving_mid_save_does_not_wait_and_the_save_completes(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    """A save in flight when the page is left is not awaited on the window's thread."""
    release = threading.Event()
    save_face = operator.save_face

    def held_save(*args: Any, **kwargs: Any) -> Any:
        release.wait(5)  # held until the test lets it go (5 s at most)
        return save_face(*args, **kwargs)

    operator.save_face = held_save  # type: ignore[method-assign]
    saves = record_threads(operator, "save_face")
    page = pages.make(dossier)
    qtbot.waitUntil(lambda: page.mode == PhotoPage.SAVING, timeout=CAPTURE_TIMEOUT_MS)
    page.leave()  # had it waited for the worker, the held save would be done by now
    assert face_part(operator, dossier) is None
    page.load(dossier)  # back on the page before the save landed: no new camera capture
    assert page.mode == PhotoPage.SAVING and page.camera_worker is None
    release.set()
    wait_saved(qtbot, page)
    assert off_the_main_thread(saves) and len(saves) == 1
    assert face_part(operator, dossier) is not None


# --- camera failures ----------------------------------------------------------------------------


class FlakyCameras:
    """A camera driver that fails to open while ``broken``, or dies after ``frames`` frames."""

    def __init__(self, *, broken: bool = False, frames: int | None = None) -> None:
        self.broken = broken
        self.frames = frames

    def registry(self) -> DeviceRegistry:
        info = DeviceInfo(DeviceKind.CAMERA, "flaky", "flaky:0", "Máy ảnh USB", False)
        return DeviceRegistry(
            [Driver(DeviceKind.CAMERA, "flaky", False, lambda o: [info], self._open)]
        )

    def _open(self, info: DeviceInfo, options: dict[str, Any]) -> Any:
        if self.broken:
            raise DeviceError(
                "Không mở được máy ảnh «Máy ảnh USB»: thiết bị không trả lời.",
                "Cannot open camera 'Máy ảnh USB': the device does not answer.",
                field="camera",
            )
        return _DyingCamera(self.frames)


class _DyingCamera(SimulatedCamera):
    def __init__(self, frames: int | None) -> None:
        super().__init__("no_face", realtime=True)
        self._left = frames

    def read(self) -> Frame:
        if self._left is not None:
            if self._left <= 0:
                raise DeviceError(
                    "Máy ảnh «Máy ảnh USB» không gửi hình; kiểm tra dây cáp rồi thử lại.",
                    "Camera 'Máy ảnh USB' sent no frame; check the cable and try again.",
                    field="camera",
                )
            self._left -= 1
        if not self._open:
            self.open()
        return super().read()


def test_camera_that_cannot_open_says_so_and_retry_recovers(
    qtbot: Any, pages: Pages, dossier: str
) -> None:
    cameras = FlakyCameras(broken=True)
    page = pages.make(dossier, devices=cameras.registry())
    qtbot.waitUntil(lambda: page.mode == PhotoPage.CAMERA_ERROR, timeout=10_000)
    assert "Không có thiết bị «camera» dùng được" in page.error_label.text()
    assert page.retry_button.isVisible() and page.retry_button.isEnabled()
    assert not page.capture_button.isEnabled()

    cameras.broken = False
    qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.mode == PhotoPage.LIVE, timeout=10_000)
    assert page.error_label.isHidden()


def test_camera_unplugged_mid_stream_shows_the_message(
    qtbot: Any, pages: Pages, dossier: str
) -> None:
    page = pages.make(dossier, devices=FlakyCameras(frames=10).registry())
    qtbot.waitUntil(lambda: page.mode == PhotoPage.CAMERA_ERROR, timeout=10_000)
    assert page.error_label.text() == (
        "Máy ảnh «Máy ảnh USB» không gửi hình; kiểm tra dây cáp rồi thử lại."
    )
    assert page.camera_worker is None  # the stream ended; the GUI kept running


def test_no_devices_configured(qtbot: Any, pages: Pages, dossier: str) -> None:
    page = PhotoPage(pages.ctx(None))
    qtbot.addWidget(page)
    page.show()
    page.load(dossier)
    pages.pages.append(page)
    qtbot.waitUntil(lambda: page.mode == PhotoPage.CAMERA_ERROR, timeout=10_000)
    assert page.error_label.text() == "Trạm chưa cấu hình thiết bị nào."


# --- what the dossier says -------------------------------------------------------------------


def test_young_child_needs_no_portrait(qtbot: Any, pages: Pages, operator: StationService) -> None:
    dossier_id = operator.create_dossier("first_issue", valid_form(date_of_birth="2022-05-06")).id
    page = pages.make(dossier_id)
    assert page.mode == PhotoPage.NOT_REQUIRED
    assert page.camera_worker is None
    assert "không cần ảnh chân dung" in page.status_label.text()


def test_home_visit_with_a_busy_background_says_a_supervisor_may_accept_it(
    qtbot: Any, pages: Pages, operator: StationService, dossier: str
) -> None:
    operator.set_capture_context(dossier, home_visit=True, location="Tổ 5, phường Phan Đình Phùng")
    page = pages.make(dossier, "busy_background")
    qtbot.waitUntil(lambda: page.check_rows["background"].passed is False, timeout=10_000)
    assert page.home_visit_label.isVisible()
    assert "cán bộ phê duyệt có thể chấp nhận phông nền" in page.home_visit_label.text()


def test_no_home_visit_no_background_notice(qtbot: Any, pages: Pages, dossier: str) -> None:
    page = pages.make(dossier, "busy_background")
    qtbot.waitUntil(lambda: page.check_rows["background"].passed is False, timeout=10_000)
    assert not page.home_visit_label.isVisible()


# --- the stream ---------------------------------------------------------------------------------


def unthrottled() -> DeviceRegistry:
    def open_camera(info: DeviceInfo, options: dict[str, Any]) -> SimulatedCamera:
        camera = SimulatedCamera("good", realtime=False)
        camera.open()
        return camera

    info = SimulatedCamera().info
    return DeviceRegistry(
        [Driver(DeviceKind.CAMERA, "simulated", True, lambda o: [info], open_camera)]
    )


def test_frames_are_dropped_not_queued_when_the_gui_is_busy(
    qtbot: Any, pages: Pages, dossier: str
) -> None:
    page = pages.make(dossier, devices=unthrottled(), **{AUTO_CAPTURE_OPTION: False})
    qtbot.waitUntil(lambda: page.mode == PhotoPage.LIVE, timeout=10_000)
    worker = page.camera_worker
    assert worker is not None
    start_frames, start_sent = worker.stats.frames, worker.stats.sent
    # The GUI thread is busy (no events run) while the camera thread goes on.
    deadline = time.monotonic() + 30
    while worker.stats.frames - start_frames < 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    frames = worker.stats.frames - start_frames
    sent = worker.stats.sent - start_sent
    assert frames >= 60
    assert sent <= frames // 2
    assert worker.stats.dropped > 0
    # Once the GUI runs again the preview goes on.
    painted = page.preview.painted
    qtbot.waitUntil(lambda: page.preview.painted > painted + 3, timeout=10_000)
    assert page.mode == PhotoPage.LIVE  # automatic capture is off


def test_stop_is_idempotent_and_hiding_stops_the_camera(
    qtbot: Any, pages: Pages, dossier: str
) -> None:
    page = pages.make(dossier, "no_face")
    qtbot.waitUntil(lambda: page.mode == PhotoPage.LIVE, timeout=10_000)
    page.hide()
    assert page.camera_worker is None and page.mode == PhotoPage.STOPPED
    page.stop()
    page.stop()
    page.show()
    qtbot.waitUntil(lambda: page.mode == PhotoPage.LIVE, timeout=10_000)


def test_a_page_destroyed_while_streaming_stops_its_camera_first(
    qtbot: Any, pages: Pages, dossier: str
) -> None:
    devices = registry({"camera": {"driver": "simulated", "scenario": "no_face"}})
    page = PhotoPage(pages.ctx(devices))  # not given to qtbot: the test deletes it
    page.show()
    page.load(dossier)
    qtbot.waitUntil(lambda: page.mode == PhotoPage.LIVE, timeout=10_000)
    worker = page.camera_worker
    assert worker is not None and worker.isRunning()
    page.deleteLater()
    qtbot.waitUntil(worker.isFinished, timeout=10_000)  # and no "destroyed while running" abort
