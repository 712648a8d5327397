"""The window against a real receiver over pinned TLS: upload, receipts, a rejection that names a
part, the recapture of only that part through the wizard, and the supplement accepted.

The receiver runs under uvicorn in this process (``BackgroundServer``), with the development key
set the test station was provisioned with; the station talks to it through the same code as in
the field (``sync.api``), started from the queue screen's "upload now".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from station.lifecycle import State
from station.service import StationService
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.keys import load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import ReceiverStore
from tests.conftest import OP_PW, SUP_PW, capture_all, login, valid_form
from tests.ui.test_workflow import simulated_devices
from ui.app import MainWindow
from ui.photo_page import PhotoPage
from ui.qt import Qt
from ui.queue import Group

TIMEOUT_MS = 60_000


@pytest.fixture
def receiver(tmp_path: Path, keyset: dict[str, Path]) -> Iterator[Receiver]:
    r = Receiver(ReceiverStore(tmp_path / "receiver"), load_keys([keyset["receiver_keys"]]))
    yield r
    r.store.close()


@pytest.fixture
def server(receiver: Receiver, keyset: dict[str, Path]) -> Iterator[BackgroundServer]:
    with BackgroundServer(
        create_app(receiver), tls_cert=keyset["tls_cert"], tls_key=keyset["tls_key"]
    ) as running:
        yield running


def window_for(qtbot: Any, service: StationService) -> MainWindow:
    window = MainWindow(service, "vi", devices=simulated_devices())
    qtbot.addWidget(window)
    window.show()
    return window


def log_in(qtbot: Any, window: MainWindow, op_id: str, password: str) -> None:
    window.login_screen.operator_edit.setText(op_id)
    window.login_screen.password_edit.setText(password)
    qtbot.mouseClick(window.login_screen.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.busy and window.on_home(), timeout=TIMEOUT_MS)


def upload_from_the_queue(qtbot: Any, window: MainWindow) -> None:
    window.show_screen(window.queue_screen)
    queue = window.queue_screen
    qtbot.mouseClick(queue.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not queue.syncing, timeout=TIMEOUT_MS)
    assert queue.error_label.text() == "", queue.error_label.text()


def test_upload_rejection_and_supplement_through_the_window(
    qtbot, staffed: StationService, clock, receiver: Receiver, server: BackgroundServer
) -> None:
    receiver.register_station(staffed.registration())
    staffed.set_receiver_url(server.url)
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    d = op.create_dossier("first_issue", valid_form())
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup.approve(d.id)
    first_packet = sup.seal(d.id)
    op.close()
    sup.close()

    window = window_for(qtbot, StationService(staffed.paths, clock))
    try:
        log_in(qtbot, window, "op1", OP_PW)
        upload_from_the_queue(qtbot, window)
        svc = window.service
        station_id = svc.registration()["station_id"]
        assert svc.get_dossier(d.id).state in (State.RECEIPTED, State.PURGED)
        with receiver.store.read() as s:
            from sync.receiver.store import PacketRow

            assert s.get(PacketRow, (station_id, first_packet)) is not None

        # The centre rejects the portrait; the next "upload now" pulls the news.
        receiver.mark_rejected(first_packet, "Ảnh chân dung bị mờ", ["face"])
        upload_from_the_queue(qtbot, window)
        assert svc.get_dossier(d.id).state == State.NEEDS_RECAPTURE
        queue = window.queue_screen
        queue.set_group(Group.REJECTED)
        assert queue.select(d.id)
        row_text = " ".join(
            queue.table.item(0, c).text()
            for c in range(queue.table.columnCount())
            if queue.table.item(0, c) is not None
        )
        assert "Ảnh chân dung bị mờ" in row_text

        # Recapture reopens a supplement that needs the portrait only.
        qtbot.mouseClick(queue.recapture_button, Qt.MouseButton.LeftButton)
        wizard = window.wizard
        assert window.stack.currentWidget() is wizard and wizard.dossier_id == d.id
        missing = svc.missing_captures(d.id)
        assert [m.kind for m in missing] == ["face"]
        assert wizard.current_step() == "photo"
        # The citizen is told again what is collected before the new capture.
        assert wizard.stack.currentWidget() is wizard.notice_panel
        qtbot.mouseClick(wizard.notice_panel.given_button, Qt.MouseButton.LeftButton)
        photo = wizard.photo_page
        qtbot.waitUntil(lambda: photo.mode == PhotoPage.SAVED, timeout=TIMEOUT_MS)
        wizard.go_to("review")
        confirm = wizard.confirm_page
        qtbot.waitUntil(lambda: confirm.confirm_button.isEnabled(), timeout=TIMEOUT_MS)
        with qtbot.waitSignal(confirm.slip_written, timeout=TIMEOUT_MS):
            qtbot.mouseClick(confirm.confirm_button, Qt.MouseButton.LeftButton)
        confirm.done_button.click()
        window.logout()

        log_in(qtbot, window, "sup1", SUP_PW)
        window.show_screen(window.review_screen)
        review = window.review_screen
        assert review.select(d.id)
        qtbot.waitUntil(lambda: review.approve_button.isEnabled(), timeout=TIMEOUT_MS)
        qtbot.mouseClick(review.approve_button, Qt.MouseButton.LeftButton)
        review.seal_password_edit.setText(SUP_PW)  # sealing asks for the password again
        with qtbot.waitSignal(review.sealed, timeout=TIMEOUT_MS) as sealed:
            qtbot.mouseClick(review.seal_confirm_button, Qt.MouseButton.LeftButton)
        supplement = str(sealed.args[1])
        assert supplement != first_packet
        upload_from_the_queue(qtbot, window)
        assert svc.get_dossier(d.id).state in (State.RECEIPTED, State.PURGED)
        with receiver.store.read() as s:
            assert s.get(PacketRow, (station_id, supplement)) is not None
    finally:
        window.shutdown()
