"""The home screen's line about the background loop's last run: held packets and the cause."""

from __future__ import annotations

from sync import diagnose
from sync.uploader import RunReport
from ui.home import HomeScreen


def test_the_last_run_names_its_cause_and_the_held_packets(qtbot) -> None:
    home = HomeScreen()
    qtbot.addWidget(home)
    cause = diagnose.Cause("connection_refused", "Máy từ chối kết nối.", "Connection refused.")
    home.show_sync(RunReport(reachable=False, cause=cause), "vi")
    assert "không kết nối được" in home.sync_label.text()
    assert "Máy từ chối kết nối." in home.sync_label.text()
    home.show_sync(RunReport(reachable=True, receipted=["a"], held=["b", "c"]), "vi")
    assert "2 hồ sơ máy nhận tạm giữ" in home.sync_label.text()
    assert "trùng công dân" not in home.sync_label.text()
    dup = "duplicate_citizen: Công dân này đã có hồ sơ… / This citizen already has…"
    report = RunReport(
        reachable=True, held=["b", "c"], reasons={"b": dup, "c": "key_not_loaded: x"}
    )
    home.show_sync(report, "vi")
    assert "1 hồ sơ trùng công dân" in home.sync_label.text()
    refused = diagnose.Cause("malformed", "Yêu cầu sai.", "Malformed.", diagnose.REQUEST_REFUSED)
    home.show_sync(RunReport(reachable=True, status_error=refused), "en")
    assert home.sync_label.text().endswith("Malformed.")


def test_the_queue_names_a_duplicate_citizen_hold(qtbot) -> None:
    from station.service import PacketInfo
    from ui.queue import packet_text

    held = "held duplicate_citizen: Công dân này… / This citizen…"
    info = PacketInfo("p", "d", "TN-1", 10, "s", "queued", 0, 0, held, "2026-11-23")
    assert packet_text(info) == "trùng công dân, chờ trung tâm quyết định"
    other = PacketInfo("p", "d", "TN-1", 10, "s", "queued", 0, 0, "held key_not_loaded: x", "t")
    assert packet_text(other) == "máy nhận tạm giữ, sẽ gửi lại"
