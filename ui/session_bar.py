"""Two strips of the main window that every screen of a session shows.

* :class:`LockCountdown`, on top: from ``WARN_SECONDS`` (at most half the timeout) before the
  inactivity lock, how long is left; any key or click (which the window counts as activity)
  makes it go away.
* :class:`StatusArea`, at the bottom: whether the receiver answered the last upload run, the
  last verified receipt, and how many packets still wait for one.

Both only show what they are given (the core's session time left, the sync loop's reports and
the core's sync age); they ask the service nothing themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ui.qt import QFrame, QHBoxLayout, QLabel, Qt, QWidget

if TYPE_CHECKING:
    from sync.uploader import RunReport

#: The countdown shows from this many seconds before the lock.
WARN_SECONDS = 60


def mm_ss(seconds: float) -> str:
    minutes, secs = divmod(max(0, int(seconds + 0.999)), 60)
    return f"{minutes:02d}:{secs:02d}"


class LockCountdown(QLabel):
    """ "The screen locks in 00:42" while the session's last minute runs out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockCountdown")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.hide()

    def show_left(self, seconds: float | None, warn: float = WARN_SECONDS) -> None:
        """Seconds until the lock (None: no session): shown only in the last ``warn`` seconds."""
        if seconds is None or seconds <= 0 or seconds > warn:
            self.hide()
            return
        self.setText(
            self.tr(
                "Màn hình sẽ tự khóa sau {time} nếu không có thao tác. Nhấn phím bất kỳ hoặc "
                "bấm chuột để tiếp tục làm việc."
            ).format(time=mm_ss(seconds))
        )
        self.show()


class StatusArea(QFrame):
    """Receiver reachability, the last receipt and the packets waiting, always in view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusArea")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 4, 12, 4)
        row.setSpacing(24)
        self.receiver_label = QLabel(self)
        self.receipt_label = QLabel(self)
        self.waiting_label = QLabel(self)
        row.addWidget(self.receiver_label)
        row.addWidget(self.receipt_label)
        row.addStretch(1)
        row.addWidget(self.waiting_label)
        self.reachable: bool | None = None
        self.show_report(None)
        self.show_delivery(None, 0)

    def show_report(self, report: RunReport | None, configured: bool = True) -> None:
        """The last upload run (None: none yet; ``configured`` False: no receiver address)."""
        if not configured:
            self.reachable = None
            text = self.tr("● Máy chủ nhận: chưa cài địa chỉ")
            colour = "#8a4b00"
        elif report is None:
            self.reachable = None
            text = self.tr("● Máy chủ nhận: chưa kiểm tra")
            colour = "#555555"
        else:
            self.reachable = report.reachable
            when = datetime.now().strftime("%H:%M")
            if report.reachable:
                text = self.tr("● Máy chủ nhận: kết nối được (lúc {time})").format(time=when)
                colour = "#1b6e20"
            else:
                text = self.tr("● Máy chủ nhận: không kết nối được (lúc {time})").format(time=when)
                colour = "#b00020"
        self.receiver_label.setText(text)
        self.receiver_label.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def show_delivery(self, last_receipt: str | None, waiting: int) -> None:
        """The last verified receipt (local time text) and the packets still without one."""
        if last_receipt is None:
            self.receipt_label.setText(self.tr("Biên nhận gần nhất: chưa có"))
        else:
            self.receipt_label.setText(
                self.tr("Biên nhận gần nhất: {time}").format(time=last_receipt)
            )
        self.waiting_label.setText(self.tr("Gói chờ gửi: {n}").format(n=waiting))
