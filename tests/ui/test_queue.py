"""The queue screen: filters and search, upload now, and the recapture of rejected parts."""

from __future__ import annotations

import pytest

from station.lifecycle import State
from station.service import StationService
from tests.conftest import OP_PW, login
from tests.ui.screens_support import (
    WORKER_TIMEOUT_MS,
    confirmed,
    draft,
    make_ctx,
    sealed,
    supervisor,
)
from ui.qt import Qt
from ui.queue import Group, QueueScreen


@pytest.fixture
def op(staffed: StationService, clock) -> StationService:
    return login(staffed.paths, clock, "op1", OP_PW)


@pytest.fixture
def sup(op: StationService) -> StationService:
    return supervisor(op)


def _screen(qtbot, service: StationService, lang: str = "vi") -> QueueScreen:
    screen = QueueScreen(make_ctx(qtbot, service, lang))
    qtbot.addWidget(screen)
    screen.resize(1280, 700)
    screen.show()
    screen.refresh()
    return screen


def _numbers(screen: QueueScreen) -> set[str]:
    return {screen.table.item(r, 0).text() for r in range(screen.table.rowCount())}


def test_filters_and_search(qtbot, op: StationService, sup: StationService) -> None:
    first = draft(op, "Nguyễn Văn An")
    second = draft(op, "Trần Thị Bích")
    waiting = confirmed(op, "Lê Văn Cường")
    outbox = sealed(op, sup, "Phạm Thị Dung")
    rejected = sealed(op, sup, "Đỗ Văn Em")
    refused = sealed(op, sup, "Vũ Thị Giang")
    sup.apply_remote_status(rejected, "rejected", "Ảnh mờ", ["face"])
    sup.refuse_packet(refused, "bad_signature", "The packet's signature does not verify")
    number = {d.id: d.number for d in op.list_dossiers()}
    packet_dossier = {e.packet.packet_id: e.dossier.id for e in op.queue_entries() if e.packet}

    screen = _screen(qtbot, op)
    assert screen.table.rowCount() == 6
    expected = {
        Group.DRAFTS: {number[first], number[second]},
        Group.APPROVAL: {number[waiting]},
        Group.UPLOAD: {number[packet_dossier[outbox]]},
        Group.REJECTED: {number[packet_dossier[rejected]]},
        Group.REFUSED: {number[packet_dossier[refused]]},
        Group.DELIVERED: set(),
    }
    for group, numbers in expected.items():
        screen.set_group(group)
        assert _numbers(screen) == numbers, group

    # The receiver's reason and the parts to redo are in the rejected row; the sealed row keeps
    # the name from the summary although the form is gone.
    screen.set_group(Group.REJECTED)
    assert "Đỗ Văn Em" in screen.table.item(0, 1).text()
    assert "Ảnh mờ" in screen.table.item(0, 8).text() and "face" in screen.table.item(0, 8).text()
    screen.set_group(Group.REFUSED)
    assert "bad_signature" in screen.table.item(0, 8).text()
    assert screen.table.item(0, 7).text() == "bị từ chối nhận"

    # Search folds case and diacritics, by name or by number, within the chosen group.
    screen.set_group(Group.ALL)
    screen.search_edit.setText("nguyen van")
    assert _numbers(screen) == {number[first]}
    screen.search_edit.setText(number[waiting][-4:])
    assert number[waiting] in _numbers(screen)
    screen.search_edit.setText("bich")
    screen.set_group(Group.APPROVAL)
    assert _numbers(screen) == set()
    screen.set_group(Group.DRAFTS)
    assert _numbers(screen) == {number[second]}


def test_open_continues_a_draft_only(qtbot, op: StationService) -> None:
    dossier_id = draft(op)
    waiting = confirmed(op, "Lê Văn Cường")
    screen = _screen(qtbot, op)
    assert screen.select(waiting)
    assert not screen.open_button.isEnabled()
    assert screen.select(dossier_id)
    assert screen.open_button.isEnabled()
    with qtbot.waitSignal(screen.open_dossier, timeout=1000) as blocker:
        qtbot.mouseClick(screen.open_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [dossier_id]


def test_upload_now_without_a_receiver_address_says_so(qtbot, op: StationService) -> None:
    screen = _screen(qtbot, op)
    assert op.receiver_settings()["url"] is None
    qtbot.mouseClick(screen.upload_button, Qt.MouseButton.LeftButton)
    assert screen.syncing and not screen.upload_button.isEnabled()
    qtbot.waitUntil(lambda: not screen.syncing, timeout=WORKER_TIMEOUT_MS)
    assert screen.error_label.text() == "Trạm chưa được cấu hình địa chỉ máy chủ nhận."
    assert screen.upload_button.isEnabled()


def test_upload_now_against_an_unreachable_receiver(
    qtbot, staffed: StationService, op: StationService, sup: StationService
) -> None:
    packet_id = sealed(op, sup)
    staffed.set_receiver_url("http://127.0.0.1:9")  # nothing listens on the discard port
    screen = _screen(qtbot, op, "en")
    screen.upload_now()
    qtbot.waitUntil(lambda: not screen.syncing, timeout=WORKER_TIMEOUT_MS)
    assert "Không kết nối được máy chủ nhận" in screen.error_label.text()
    assert screen.error_label.isVisible()
    # Nothing was lost: the packet is still waiting in the outbox.
    assert [p.packet_id for p in op.pending_packets()] == [packet_id]
    screen.set_group(Group.UPLOAD)
    assert screen.table.rowCount() == 1


def test_recapture_reopens_only_the_listed_parts(
    qtbot, op: StationService, sup: StationService
) -> None:
    packet_id = sealed(op, sup, "Đỗ Văn Em")
    dossier_id = next(e.dossier.id for e in op.queue_entries() if e.packet)
    sup.apply_remote_status(
        packet_id, "rejected", "Vân tay trỏ trái mờ", ["fingerprint/left_index", "signature"]
    )
    screen = _screen(qtbot, op)
    screen.set_group(Group.REJECTED)
    assert screen.select(dossier_id)
    assert screen.recapture_button.isEnabled() and not screen.open_button.isEnabled()
    with qtbot.waitSignal(screen.recapture, timeout=1000) as blocker:
        qtbot.mouseClick(screen.recapture_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [dossier_id]
    assert op.get_dossier(dossier_id).state == State.DRAFT
    gaps = op.missing_captures(dossier_id)
    assert [(g.kind, g.slot) for g in gaps] == [("fingerprint", "left_index"), ("signature", "")]
    assert op.capture_info(dossier_id)["recapture"]["parts"] == [
        "fingerprint/left_index",
        "signature",
    ]
    # Now a draft: it can be continued, and it is no longer among the rejected.
    assert _numbers(screen) == set()
    screen.set_group(Group.DRAFTS)
    assert screen.select(dossier_id) and screen.open_button.isEnabled()


def test_recapture_refusal_is_shown(qtbot, staffed: StationService, op: StationService) -> None:
    """An admin cannot reopen a dossier: the core refuses and the screen says why."""
    sup = supervisor(op)
    packet_id = sealed(op, sup)
    sup.apply_remote_status(packet_id, "rejected", "Ảnh mờ", ["face"])
    screen = _screen(qtbot, staffed)
    screen.set_group(Group.REJECTED)
    screen.table.selectRow(0)
    qtbot.mouseClick(screen.recapture_button, Qt.MouseButton.LeftButton)
    assert "Việc này cần vai trò" in screen.error_label.text()
    assert staffed.list_dossiers()[0].state == State.NEEDS_RECAPTURE


def test_admin_resends_a_refused_packet_from_the_queue(
    qtbot, staffed: StationService, op: StationService, sup: StationService
) -> None:
    """A refused packet shows its reason; the resend button is an administrator's, and puts
    the packet back in the queue (audited in the core) before sending."""
    packet_id = sealed(op, sup)
    staffed.refuse_packet(packet_id, "bad_manifest", "Manifest sai / Bad manifest")
    staffed.set_receiver_url("http://127.0.0.1:9")  # nothing listens: the send waits
    screen = _screen(qtbot, op)
    screen.set_group(Group.REFUSED)
    screen.table.selectRow(0)
    assert "bad_manifest" in screen.table.item(0, 8).text()
    assert not screen.resend_button.isVisible()  # an operator's screen
    admin_screen = _screen(qtbot, staffed)
    admin_screen.set_group(Group.REFUSED)
    admin_screen.table.selectRow(0)
    assert admin_screen.resend_button.isVisible() and admin_screen.resend_button.isEnabled()
    qtbot.mouseClick(admin_screen.resend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not admin_screen.syncing, timeout=WORKER_TIMEOUT_MS)
    assert [p.packet_id for p in staffed.pending_packets()] == [packet_id]
    assert "refused the connection" not in admin_screen.error_label.text()  # Vietnamese screen
    assert "từ chối kết nối" in admin_screen.error_label.text()  # the cause, named


def _bulk_dossiers(svc: StationService, n: int, state: State, start_minute: int) -> list[str]:
    """``n`` dossiers written straight into the store (no capture): queue rows to page through."""
    import json
    import uuid
    from datetime import UTC, datetime, timedelta

    from station.models import Dossier

    base = datetime(2026, 11, 1, tzinfo=UTC)
    ids = []
    with svc.store.write() as s:
        for i in range(n):
            at = (base + timedelta(minutes=start_minute + i)).isoformat()
            did = uuid.uuid4().hex
            ids.append(did)
            s.add(
                Dossier(
                    id=did,
                    number=f"TN-001-BULK-{start_minute + i:05d}",
                    case_type="first_issue",
                    state=state.value,
                    form_json=json.dumps({"full_name": f"Công Dân {start_minute + i}"}),
                    operator_id="op1",
                    created_at=at,
                    updated_at=at,
                    state_changed_at=at,
                    version=1,
                )
            )
    return ids


def test_every_dossier_in_work_is_reachable(qtbot, op: StationService) -> None:
    # 620 drafts and sent-back dossiers, older than 300 delivered ones: a day and a half of a
    # busy team. The old "newest 500" showed none of the oldest drafts.
    drafts = _bulk_dossiers(op, 560, State.DRAFT, 0)
    sent_back = _bulk_dossiers(op, 60, State.NEEDS_RECAPTURE, 560)
    delivered = _bulk_dossiers(op, 300, State.RECEIPTED, 1000)
    screen = _screen(qtbot, op)
    listed = {e.dossier.id for e in screen.shown}
    assert set(drafts) | set(sent_back) <= listed
    assert screen.table.rowCount() == 620 + 200
    assert screen.more_button.isVisible()
    qtbot.mouseClick(screen.more_button, Qt.MouseButton.LeftButton)
    assert {e.dossier.id for e in screen.shown} == set(drafts) | set(sent_back) | set(delivered)
    assert not screen.more_button.isVisible()

    # The oldest draft is found by search and opened.
    screen.search_edit.setText("TN-001-BULK-00000")
    assert screen.select(drafts[0])
    with qtbot.waitSignal(screen.open_dossier, timeout=1000) as opened:
        qtbot.mouseClick(screen.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [drafts[0]]
    screen.search_edit.clear()
    screen.set_group(Group.REJECTED)
    assert screen.table.rowCount() == 60
