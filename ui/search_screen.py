"""Resident search from the home screen: find a listed person and start their dossier."""

from __future__ import annotations

from ui.context import UiContext
from ui.qt import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget, Signal
from ui.resident_search import ResidentSearch


class SearchScreen(QWidget):
    back_requested = Signal()
    enroll_requested = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        top = QHBoxLayout()
        title = QLabel(self.tr("Tìm người trong danh sách cư dân và đợt thu nhận"), self)
        title.setObjectName("title")
        self.back_button = QPushButton(self.tr("&Về trang chính"), self)
        self.back_button.clicked.connect(self.back_requested)
        top.addWidget(title, 1)
        top.addWidget(self.back_button)
        layout.addLayout(top)
        hint = QLabel(
            self.tr(
                "Gõ họ tên (có dấu hoặc không), năm sinh hoặc số định danh; chọn một người "
                "rồi nhấn Enter để lập hồ sơ cho người đó."
            ),
            self,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.search = ResidentSearch(ctx, self)
        self.search.chosen.connect(self.enroll_requested)
        layout.addWidget(self.search, 1)

    def refresh(self) -> None:
        self.search.setFocus()
