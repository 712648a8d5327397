"""The privacy notice the officer gives the citizen before anything is captured.

The text is the core's (``station/notice.py``), shown in Vietnamese and in English whatever the
interface language, so the officer can read it out or turn the screen towards the citizen. The
officer's button records, through the core, that it was given; the wizard then goes on to the
capture step it was heading for.
"""

from __future__ import annotations

from station.notice import NOTICE_TEXT, NOTICE_TITLE
from ui.qt import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)


class PrivacyNoticePanel(QWidget):
    """Shown in the wizard in place of the first capture step until the notice is recorded."""

    given = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        title = QLabel(self.tr("Trước khi thu nhận: thông báo cho công dân"), self)
        title.setObjectName("subtitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        hint = QLabel(
            self.tr("Đọc hoặc cho công dân xem thông báo dưới đây, rồi ghi nhận là đã thông báo."),
            self,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        column = QVBoxLayout(body)
        self.texts: list[QLabel] = []
        for i in (0, 1):
            head = QLabel(NOTICE_TITLE[i], body)
            font = head.font()
            font.setBold(True)
            head.setFont(font)
            head.setWordWrap(True)
            text = QLabel(NOTICE_TEXT[i], body)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            column.addWidget(head)
            column.addWidget(text)
            column.addSpacing(12)
            self.texts.append(text)
        column.addStretch(1)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        row = QHBoxLayout()
        row.addStretch(1)
        self.given_button = QPushButton(self.tr("Đã thông báo cho công dân — tiếp tục"), self)
        self.given_button.setObjectName("primary")
        self.given_button.clicked.connect(self.given)
        row.addWidget(self.given_button)
        layout.addLayout(row)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
