"""The fingerprint page driven like an officer: the 4-4-2 slaps with Space on the simulated
scanner, selection by keys and clicks, a poor finger over three attempts, an exception through
the dialog, a failing scanner, a reloaded draft and a child who needs no prints."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from station.capture.fingerprint import DEFAULT_THRESHOLD
from station.capture.fpprogress import FingerStatus
from station.devices import DeviceError, DeviceKind, Finger, FingerImage, Prompter, Slap
from station.devices.defaults import registry
from station.devices.registry import DeviceRegistry, Driver
from station.devices.simfinger import SimulatedScanner
from station.dossier import PartInfo
from station.service import StationService
from tests.conftest import OP_PW, login, valid_form
from ui.context import UiContext
from ui.finger_page import FingerPage
from ui.qt import QDialogButtonBox, Qt, QWidget
from ui.workers import Worker

TIMEOUT_MS = 30_000


def scanner_registry(scanner: Any) -> DeviceRegistry:
    """A registry whose fingerprint driver hands out ``scanner`` (so the test can script it)."""
    info = dataclasses.replace(scanner.info, driver="test", simulated=False)
    test = Driver(DeviceKind.FINGERPRINT, "test", False, lambda o: [info], lambda i, o: scanner)
    return registry({"fingerprint": {"driver": "test"}}, extra=[test])


class BrokenScanner:
    """Opens, then fails on every capture, as an unplugged scanner does."""

    def __init__(self) -> None:
        self.info = SimulatedScanner(1).info
        self.calls = 0

    def capture(
        self, slap: Slap, skip: Sequence[Finger], prompter: Prompter, timeout_s: float = 30.0
    ) -> list[FingerImage]:
        self.calls += 1
        raise DeviceError("Máy quét không trả lời.", "The scanner does not answer.")


@pytest.fixture
def operator(staffed: StationService, clock: Any) -> Iterator[StationService]:
    svc = login(staffed.paths, clock, "op1", OP_PW)
    yield svc
    svc.close()


@pytest.fixture
def make_page(qtbot: Any, operator: StationService) -> Iterator[Callable[..., FingerPage]]:
    workers: list[Worker] = []
    holders: list[QWidget] = []  # the workers' parents, kept alive for the test

    def make(dossier_id: str, devices: DeviceRegistry | None, lang: str = "vi") -> FingerPage:
        holder = QWidget()
        qtbot.addWidget(holder)
        holders.append(holder)
        worker = Worker(parent=holder)
        workers.append(worker)
        page = FingerPage(UiContext(operator, lang, worker, devices=devices))
        qtbot.addWidget(page)
        page.resize(1100, 600)
        page.show()
        page.load(dossier_id)
        qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)
        return page

    yield make
    for worker in workers:
        worker.wait()


def space(qtbot: Any, page: FingerPage) -> None:
    qtbot.keyClick(page.diagram, Qt.Key.Key_Space)
    assert page.busy
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)


def stored_prints(svc: StationService, dossier_id: str) -> dict[str, dict[str, Any]]:
    return {p.slot: p.meta for p in svc.get_dossier(dossier_id).parts if p.kind == "fingerprint"}


def stored_part(svc: StationService, dossier_id: str, finger: Finger) -> PartInfo:
    view = svc.get_dossier(dossier_id)
    return next(p for p in view.parts if p.kind == "fingerprint" and p.slot == finger.value)


def test_all_ten_fingers_with_space(
    qtbot: Any, operator: StationService, make_page: Callable[..., FingerPage]
) -> None:
    dossier_id = operator.create_dossier("first_issue", valid_form()).id
    scanner = SimulatedScanner(1)
    page = make_page(dossier_id, scanner_registry(scanner))
    assert page.required
    assert page.diagram.selected() == Finger.RIGHT_INDEX
    assert "bốn ngón tay phải" in page.instruction_label.text()
    assert "Máy quét" in page.device_label.text()
    changes: list[None] = []
    page.changed.connect(lambda: changes.append(None))

    space(qtbot, page)
    assert {page.diagram.status(f) for f in Slap.RIGHT_FOUR.fingers} == {FingerStatus.GOOD}
    assert page.diagram.status(Finger.LEFT_INDEX) == FingerStatus.PENDING
    assert page.diagram.selected() == Finger.LEFT_INDEX  # moved on by itself
    assert set(stored_prints(operator, dossier_id)) == {f.value for f in Slap.RIGHT_FOUR.fingers}
    assert not page.thumb_labels[Finger.RIGHT_INDEX].pixmap().isNull()
    assert page.score_labels[Finger.RIGHT_INDEX].text().isdigit()

    space(qtbot, page)
    assert page.diagram.selected() == Finger.LEFT_THUMB
    space(qtbot, page)

    assert page.diagram.statuses() == dict.fromkeys(Finger, FingerStatus.GOOD)
    assert [call[0] for call in scanner.calls] == [Slap.RIGHT_FOUR, Slap.LEFT_FOUR, Slap.THUMBS]
    prints = stored_prints(operator, dossier_id)
    assert set(prints) == {f.value for f in Finger}
    assert all(m["quality"] >= DEFAULT_THRESHOLD and m["attempts"] == 1 for m in prints.values())
    assert not [m for m in operator.missing_captures(dossier_id) if m.kind == "fingerprint"]
    assert page.instruction_label.text() == "Đã xong vân tay mười ngón."
    assert len(changes) == 3
    # The duplicate check runs after each slap; ten different fingers raise no alarm.
    qtbot.waitUntil(lambda: page.ctx.worker.running == 0, timeout=TIMEOUT_MS)
    assert page.duplicates() == []
    assert page.duplicates_label.isHidden()


def test_keys_and_clicks_select_fingers(
    qtbot: Any, operator: StationService, make_page: Callable[..., FingerPage]
) -> None:
    dossier_id = operator.create_dossier("first_issue", valid_form()).id
    page = make_page(dossier_id, scanner_registry(SimulatedScanner(1)))
    qtbot.keyClick(page.diagram, Qt.Key.Key_1)
    assert page.diagram.selected() == Finger.RIGHT_THUMB
    assert page.current_slap() == Slap.THUMBS
    assert "hai ngón cái" in page.capture_button.text()
    qtbot.keyClick(page.diagram, Qt.Key.Key_0)
    assert page.diagram.selected() == Finger.LEFT_LITTLE
    qtbot.keyClick(page.diagram, Qt.Key.Key_Right)
    assert page.diagram.selected() == Finger.LEFT_RING
    qtbot.keyClick(page.diagram, Qt.Key.Key_Left)
    qtbot.keyClick(page.diagram, Qt.Key.Key_Left)  # wraps round to the right little finger
    assert page.diagram.selected() == Finger.RIGHT_LITTLE
    centre = page.diagram.finger_centre(Finger.LEFT_MIDDLE).toPoint()
    qtbot.mouseClick(page.diagram, Qt.MouseButton.LeftButton, pos=centre)
    assert page.diagram.selected() == Finger.LEFT_MIDDLE
    assert page.finger_title.text() == "Ngón giữa trái"
    centre = page.diagram.finger_centre(Finger.RIGHT_THUMB).toPoint()
    qtbot.mouseClick(page.diagram, Qt.MouseButton.LeftButton, pos=centre)
    assert page.diagram.selected() == Finger.RIGHT_THUMB

    # Space captures the selected finger's slap, whichever it is.
    space(qtbot, page)
    assert page.diagram.status(Finger.RIGHT_THUMB) == FingerStatus.GOOD
    assert page.diagram.status(Finger.RIGHT_INDEX) == FingerStatus.PENDING
    assert page.diagram.selected() == Finger.RIGHT_INDEX  # back to the first slap to do


def test_poor_finger_three_attempts_keeps_the_best(
    qtbot: Any, operator: StationService, make_page: Callable[..., FingerPage]
) -> None:
    dossier_id = operator.create_dossier("first_issue", valid_form()).id
    scanner = SimulatedScanner(1)
    scanner.set_condition(
        Finger.RIGHT_RING, attempts=[("partial", 0.7), ("partial", 0.45), ("partial", 0.6)]
    )
    page = make_page(dossier_id, scanner_registry(scanner))
    scores: list[int] = []
    for attempt in (1, 2, 3):
        space(qtbot, page)
        assert page.attempts(Slap.RIGHT_FOUR) == attempt
        outcome = page.last_outcome
        assert outcome is not None and outcome.slap == Slap.RIGHT_FOUR
        scores.append(outcome.qualities[Finger.RIGHT_RING])
        if attempt < 3:
            # Still on the same slap, pointing at the poor finger, saying how many are left.
            assert page.diagram.selected() == Finger.RIGHT_RING
            assert page.diagram.status(Finger.RIGHT_RING) == FingerStatus.LOW
            assert f"{attempt}/3" in page.attempts_label.text()
            assert "Còn" in page.message_label.text()
    assert max(scores) < DEFAULT_THRESHOLD
    assert scores.index(max(scores)) != 2  # the best was not the last one

    kept = stored_prints(operator, dossier_id)[Finger.RIGHT_RING.value]
    assert kept["quality"] == max(scores)
    assert kept["attempts"] == 3 and kept["below_threshold"] is True
    assert page.diagram.status(Finger.RIGHT_RING) == FingerStatus.LOW
    assert page.diagram.selected() == Finger.LEFT_INDEX  # the slap is done: kept and flagged
    page.diagram.select(Finger.RIGHT_RING)
    assert page.quality_bar.value() == max(scores)
    assert "giữ ảnh tốt nhất" in page.status_label.text()
    assert not page.capture_button.isEnabled()  # no fourth attempt...
    assert page.retry_button.isEnabled()  # ...but the slap may be started over
    assert "3/3" in page.attempts_label.text()

    scanner.set_condition(Finger.RIGHT_RING, "clear")
    qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)
    assert page.attempts(Slap.RIGHT_FOUR) == 1
    assert page.diagram.status(Finger.RIGHT_RING) == FingerStatus.GOOD
    # The page starts the slap over; the core counts every save of the finger (4 so far).
    assert stored_prints(operator, dossier_id)[Finger.RIGHT_RING.value]["attempts"] == 4


def test_exception_through_the_dialog(
    qtbot: Any, operator: StationService, make_page: Callable[..., FingerPage]
) -> None:
    dossier_id = operator.create_dossier("first_issue", valid_form()).id
    scanner = SimulatedScanner(1)
    page = make_page(dossier_id, scanner_registry(scanner))
    qtbot.keyClick(page.diagram, Qt.Key.Key_6)  # left thumb
    qtbot.mouseClick(page.exception_button, Qt.MouseButton.LeftButton)
    dialog = page.exception_dialog
    assert dialog is not None and dialog.isVisible()
    kinds = [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())]
    assert kinds == ["missing", "amputated", "bandaged", "unable_to_capture"]
    dialog.set_kind("amputated")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # no reason: refused, the dialog stays with the message
    assert "Lý do" in dialog.error_label.text()
    dialog.reason_edit.setPlainText("Cụt đốt ngón do tai nạn lao động")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.exception_dialog is None and not page.busy, timeout=TIMEOUT_MS)

    assert page.diagram.status(Finger.LEFT_THUMB) == FingerStatus.EXCEPTION
    exc = operator.capture_info(dossier_id)["exceptions"]["fingerprint/left_thumb"]
    assert exc["kind"] == "amputated" and exc["recorded_by"] == "op1"
    page.diagram.select(Finger.LEFT_THUMB)
    assert "bị cụt" in page.status_label.text()
    assert "chờ giám sát viên" in page.status_label.text()
    assert page.score_labels[Finger.LEFT_THUMB].text() == "ngoại lệ"

    # The thumbs slap now asks the scanner for the right thumb only.
    page.diagram.select(Finger.RIGHT_THUMB)
    space(qtbot, page)
    assert scanner.calls[-1] == (Slap.THUMBS, (Finger.RIGHT_THUMB,))
    assert page.diagram.status(Finger.LEFT_THUMB) == FingerStatus.EXCEPTION
    assert page.diagram.status(Finger.RIGHT_THUMB) == FingerStatus.GOOD


def test_scanner_failures_are_shown_and_nothing_is_lost(
    qtbot: Any, operator: StationService, make_page: Callable[..., FingerPage]
) -> None:
    dossier_id = operator.create_dossier("first_issue", valid_form()).id

    def unplugged(info: Any, options: Any) -> Any:
        raise DeviceError("Không mở được máy quét.", "Cannot open the scanner.")

    gone = Driver(
        DeviceKind.FINGERPRINT,
        "gone",
        False,
        lambda o: [dataclasses.replace(SimulatedScanner(1).info, driver="gone")],
        unplugged,
    )
    page = make_page(dossier_id, registry({"fingerprint": {"driver": "gone"}}, extra=[gone]))
    assert page.error_label.isVisible()
    assert page.error_label.text().startswith("Máy quét vân tay:")
    space(qtbot, page)  # tries again, fails again, says so
    assert "Không có thiết bị «fingerprint» dùng được" in page.error_label.text()
    assert "Kiểm tra máy quét" in page.instruction_label.text()

    broken = BrokenScanner()
    page2 = make_page(dossier_id, scanner_registry(broken), "en")
    assert page2.error_label.isHidden()
    space(qtbot, page2)
    assert broken.calls == 1
    assert "The scanner does not answer." in page2.error_label.text()
    assert page2.attempts(Slap.RIGHT_FOUR) == 0  # a device error is not an attempt
    assert page2.capture_button.isEnabled()
    assert stored_prints(operator, dossier_id) == {}


def test_reload_shows_saved_fingers_and_carries_on(
    qtbot: Any, operator: StationService, make_page: Callable[..., FingerPage]
) -> None:
    dossier_id = operator.create_dossier("first_issue", valid_form()).id
    scanner = SimulatedScanner(1)
    scanner.set_condition(Finger.LEFT_LITTLE, attempts=[("partial", 0.7), ("clear", 0.5)])
    first = make_page(dossier_id, scanner_registry(scanner))
    space(qtbot, first)
    space(qtbot, first)
    assert first.diagram.status(Finger.LEFT_LITTLE) == FingerStatus.LOW
    first.leave()

    # A new page, as after a crash: the saved fingers show at once, before the worker is done.
    holder = QWidget()
    qtbot.addWidget(holder)
    ctx = UiContext(operator, "vi", Worker(parent=holder), devices=scanner_registry(scanner))
    again = FingerPage(ctx)
    qtbot.addWidget(again)
    again.show()
    again.load(dossier_id)
    assert again.diagram.status(Finger.RIGHT_INDEX) == FingerStatus.GOOD
    assert again.diagram.status(Finger.LEFT_LITTLE) == FingerStatus.LOW
    assert again.diagram.status(Finger.RIGHT_THUMB) == FingerStatus.PENDING
    qtbot.waitUntil(lambda: not again.busy, timeout=TIMEOUT_MS)
    ctx.worker.wait()
    assert not again.thumb_labels[Finger.LEFT_INDEX].pixmap().isNull()
    assert again.attempts(Slap.LEFT_FOUR) == 1
    assert again.diagram.selected() == Finger.LEFT_LITTLE  # its retake comes first
    before = stored_part(operator, dossier_id, Finger.LEFT_INDEX)
    space(qtbot, again)
    assert again.attempts(Slap.LEFT_FOUR) == 2
    assert again.diagram.status(Finger.LEFT_LITTLE) == FingerStatus.GOOD
    after = stored_prints(operator, dossier_id)
    assert after[Finger.LEFT_LITTLE.value]["attempts"] == 2
    # A finger that was already good keeps its best image: the stored one or a better one.
    now = stored_part(operator, dossier_id, Finger.LEFT_INDEX)
    assert now.sha256 == before.sha256 or now.meta["quality"] >= before.meta["quality"]
    assert now.meta["attempts"] == 2
    assert again.diagram.selected() == Finger.LEFT_THUMB


def test_child_needs_no_prints(
    qtbot: Any, operator: StationService, make_page: Callable[..., FingerPage]
) -> None:
    form = valid_form(date_of_birth="2022-05-01", id_number="019322004567")
    dossier_id = operator.create_dossier("first_issue", form).id
    page = make_page(dossier_id, scanner_registry(SimulatedScanner(1)))
    assert not page.required
    assert page.stack.currentWidget() is page.not_needed_label
    assert "không cần lấy vân tay" in page.not_needed_label.text()
    qtbot.keyClick(page, Qt.Key.Key_Space)
    assert not page.busy
    assert not page.capture_button.isEnabled()
