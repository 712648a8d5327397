"""Small pieces shared by the task screens."""

from __future__ import annotations

from ui.qt import QCoreApplication, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


def screen_frame(screen: QWidget, title: str, spacing: int = 10) -> tuple[QVBoxLayout, QPushButton]:
    """A task screen's column: a "← Back" button beside the title on top.

    Returns the column to fill and the back button (connect it to the screen's
    ``back_requested``).
    """
    layout = QVBoxLayout(screen)
    layout.setContentsMargins(24, 16, 24, 16)
    layout.setSpacing(spacing)
    top = QHBoxLayout()
    back = QPushButton(QCoreApplication.translate("ScreenFrame", "← &Quay lại"), screen)
    heading = QLabel(title, screen)
    heading.setObjectName("title")
    top.addWidget(back)
    top.addWidget(heading, 1)
    layout.addLayout(top)
    return layout, back
