"""The new-dossier wizard: a step list beside the pages, Back/Next, and resume where it stopped.

Steps follow the paper flow: case and prefill, the form, the photo, the ten fingers, the
supporting papers, the citizen's review of the intake record, and then the citizen's signature
on what they reviewed (the core refuses a signature before the review of the current data, see
``station/citizen_review.py``); confirming prints the appointment slip. Each page saves as it
goes (see the page contract in ``docs/ui.md``), so the
wizard itself keeps no dossier data: its step marks come from the service (``form_problems``,
``missing_captures``), and reopening a dossier lands on the first step that still lacks
something. The open dossier is recorded in :class:`ui.state.UiState`, so after a crash or power
loss the next login of the same operator reopens it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from station.dossier import CASE_LABELS, EDITABLE, CaseType, DossierView, PartKind
from station.errors import StationError
from station.lifecycle import State
from ui.confirm_page import ConfirmPage
from ui.context import UiContext
from ui.documents_page import DocumentsPage
from ui.finger_page import FingerPage
from ui.form_page import FormPage
from ui.iris_page import IrisPage
from ui.photo_page import PhotoPage
from ui.privacy_notice import PrivacyNoticePanel
from ui.qt import (
    QCoreApplication,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QShortcut,
    QSize,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.rolled_page import RolledPage
from ui.signature_page import SignaturePage
from ui.start_page import StartPage

translate = QCoreApplication.translate

log = logging.getLogger(__name__)

START, FORM, PHOTO, FINGERS, SIGNATURE, DOCUMENTS, REVIEW = (
    "start",
    "form",
    "photo",
    "fingers",
    "signature",
    "documents",
    "review",
)
ROLLED, IRIS = "rolled", "iris"
#: Steps that show a dossier (the start step comes before there is one).
DOSSIER_STEPS = (FORM, PHOTO, FINGERS, ROLLED, IRIS, DOCUMENTS, REVIEW, SIGNATURE)
#: Which missing-capture kinds each step is responsible for.
STEP_KINDS = {
    PHOTO: {PartKind.FACE.value},
    FINGERS: {PartKind.FINGERPRINT.value},
    ROLLED: {PartKind.ROLLED_PRINT.value},
    IRIS: {PartKind.IRIS.value},
    SIGNATURE: {PartKind.SIGNATURE.value},
    DOCUMENTS: {PartKind.DOCUMENT.value},
}

#: Steps that capture something from the citizen: the privacy notice comes before them.
CAPTURE_STEPS = (PHOTO, FINGERS, ROLLED, IRIS, DOCUMENTS, SIGNATURE)

PENDING, DONE, PROBLEM = "todo", "done", "problem"
MARKS = {PENDING: "○", DONE: "✓", PROBLEM: "!"}


@dataclass(frozen=True)
class StepStatus:
    step: str
    status: str
    count: int = 0  # problems or missing items


def step_titles() -> dict[str, str]:
    return {
        START: translate("Wizard", "1. Loại hồ sơ"),
        FORM: translate("Wizard", "2. Thông tin công dân"),
        PHOTO: translate("Wizard", "3. Ảnh chân dung"),
        FINGERS: translate("Wizard", "4. Vân tay"),
        ROLLED: translate("Wizard", "5. Vân tay lăn"),
        IRIS: translate("Wizard", "6. Mống mắt"),
        DOCUMENTS: translate("Wizard", "7. Giấy tờ kèm theo"),
        REVIEW: translate("Wizard", "8. Công dân kiểm tra"),
        SIGNATURE: translate("Wizard", "9. Công dân ký xác nhận"),
    }


class PageStack(QStackedWidget):
    """A stack as large as its current page needs, not as its largest page (the finger page's
    width must not give the form a horizontal scroll bar on a small screen)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        page = self.currentWidget()
        if page is None:
            return super().minimumSizeHint()
        layout = page.layout()
        return page.minimumSizeHint().expandedTo(
            layout.totalMinimumSize() if layout is not None else QSize(0, 0)
        )


class Wizard(QWidget):
    """The wizard frame. ``closed`` asks the window to go home (the dossier stays saved)."""

    closed = Signal()
    dossier_opened = Signal(str)

    def __init__(
        self,
        ctx: UiContext,
        on_open_changed: Callable[[str | None, str | None], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._on_open_changed = on_open_changed
        self.dossier_id: str | None = None
        self._open_draft: str | None = None  # the draft recorded as open (crash resume)
        self._editable = True  # the open dossier can still change (a draft)
        self._notice_for: str | None = None  # the capture step the privacy notice stands for
        self._titles = step_titles()

        outer = QHBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        side = QVBoxLayout()
        self.title_label = QLabel(self.tr("Hồ sơ mới"), self)
        self.title_label.setObjectName("subtitle")
        self.title_label.setWordWrap(True)
        self.title_label.setMaximumWidth(260)
        side.addWidget(self.title_label)
        self.steps = QListWidget(self)
        self.steps.setMaximumWidth(260)
        self.steps.setMinimumWidth(220)
        for key in (START, *DOSSIER_STEPS):
            item = QListWidgetItem(self._titles[key])
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.steps.addItem(item)
        self.steps.itemClicked.connect(self._step_clicked)
        side.addWidget(self.steps, 1)
        self.home_button = QPushButton(self.tr("&Về trang chính"), self)
        self.home_button.setToolTip(self.tr("Hồ sơ đã được lưu; có thể mở lại từ hàng đợi."))
        self.home_button.clicked.connect(self.close_wizard)
        side.addWidget(self.home_button)
        outer.addLayout(side)

        main = QVBoxLayout()
        self.stack = PageStack(self)
        self.start_page = StartPage(ctx, self.stack)
        self.form_page = FormPage(ctx, self.stack)
        self.photo_page = PhotoPage(ctx, self.stack)
        self.finger_page = FingerPage(ctx, self.stack)
        self.rolled_page = RolledPage(ctx, self.stack)
        self.iris_page = IrisPage(ctx, self.stack)
        self.signature_page = SignaturePage(ctx, self.stack)
        self.documents_page = DocumentsPage(ctx, self.stack)
        self.confirm_page = ConfirmPage(ctx, self.stack)
        self.pages: dict[str, QWidget] = {
            START: self.start_page,
            FORM: self.form_page,
            PHOTO: self.photo_page,
            FINGERS: self.finger_page,
            ROLLED: self.rolled_page,
            IRIS: self.iris_page,
            SIGNATURE: self.signature_page,
            DOCUMENTS: self.documents_page,
            REVIEW: self.confirm_page,
        }
        for page in self.pages.values():
            self.stack.addWidget(page)
        self.notice_panel = PrivacyNoticePanel(self.stack)
        self.stack.addWidget(self.notice_panel)
        self.notice_panel.given.connect(self._notice_given)
        # A page never gets less than it needs: on a small screen (1280x700 at 125 %) the page
        # scrolls instead of drawing its parts over each other.
        self.page_scroll = QScrollArea(self)
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.page_scroll.setWidget(self.stack)
        main.addWidget(self.page_scroll, 1)

        nav = QHBoxLayout()
        self.message_label = QLabel(self)
        self.message_label.setObjectName("error")
        self.message_label.setWordWrap(True)
        self.back_button = QPushButton(self.tr("← T&rước"), self)
        self.next_button = QPushButton(self.tr("&Tiếp →"), self)
        self.back_button.setToolTip("Alt+←")
        self.next_button.setToolTip("Alt+→")
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        nav.addWidget(self.message_label, 1)
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)
        main.addLayout(nav)
        outer.addLayout(main, 1)

        QShortcut(QKeySequence("Alt+Right"), self, self.go_next)
        QShortcut(QKeySequence("Alt+Left"), self, self.go_back)

        self.start_page.dossier_created.connect(self.open_dossier)
        self.start_page.back_requested.connect(self.close_wizard)
        for key in DOSSIER_STEPS:
            page = self.pages[key]
            page.changed.connect(self.refresh_steps)  # type: ignore[attr-defined]
            page.changed.connect(lambda p=page: self._saved_after_leaving(p))  # type: ignore[attr-defined]
        self.confirm_page.go_to_step.connect(self.go_to)
        self.confirm_page.finished.connect(self._finished)
        self.signature_page.confirm_requested.connect(self._confirm_after_signing)
        self._show(START)

    # --- state --------------------------------------------------------------------------------

    def current_step(self) -> str:
        if self.stack.currentWidget() is self.notice_panel and self._notice_for is not None:
            return self._notice_for
        for key, page in self.pages.items():
            if page is self.stack.currentWidget():
                return key
        return START

    def start_new(self) -> None:
        """A fresh wizard on the start step (no dossier yet)."""
        self.leave()
        self._set_open(None)
        self.dossier_id = None
        self._editable = True
        self.title_label.setText(self.tr("Hồ sơ mới"))
        self.start_page.refresh()
        self._show(START)
        self.refresh_steps()

    def start_for_resident(self, resident_id: int) -> None:
        self.start_new()
        self.start_page.start_for_resident(resident_id)

    def open_dossier(self, dossier_id: str, step: str | None = None) -> None:
        """Show an existing dossier; without ``step``, on the first step that lacks something."""
        self.leave()
        try:
            view = self.ctx.service.get_dossier(dossier_id)
        except StationError as exc:
            self.message_label.setText(self.ctx.error_text(exc))
            return
        self.dossier_id = dossier_id
        self._set_open(dossier_id if view.state == State.DRAFT else None)
        self._set_title(view)
        statuses = self.refresh_steps()
        if step not in DOSSIER_STEPS:
            step = None
        if step is None:
            step = REVIEW
            if view.state == State.DRAFT:
                # The first step not done, in order: the review comes before the signature.
                for st in statuses:
                    if st.status != DONE:
                        step = st.step
                        break
        self._show(step)
        self.dossier_opened.emit(dossier_id)

    def _set_title(self, view: DossierView) -> None:
        name = str(view.form.get("full_name") or "")
        case = self.ctx.label(CASE_LABELS.get(CaseType(view.case_type), (view.case_type,) * 2))
        self.title_label.setText("\n".join(x for x in (view.number, name, f"({case})") if x))

    def leave(self) -> None:
        """Save what the current page holds and stop its devices (lock, logout, navigation)."""
        page = self.stack.currentWidget()
        if page is not None and page not in (self.start_page, self.notice_panel):
            try:
                page.leave()  # type: ignore[attr-defined]
            except StationError as exc:
                self.message_label.setText(self.ctx.error_text(exc))
        self.stop_devices()

    def _saved_after_leaving(self, page: QWidget) -> None:
        """A page left with a save in flight finished it on the worker: the review, if shown,
        reads the dossier again (it shows what the other pages stored)."""
        if page is not self.stack.currentWidget() and self.current_step() == REVIEW:
            self.confirm_page.refresh()

    def stop_devices(self) -> None:
        """Stop every page's camera, scanner or pad (idempotent; saves nothing)."""
        for key in DOSSIER_STEPS:
            self.pages[key].stop()  # type: ignore[attr-defined]

    def close_wizard(self) -> None:
        self.leave()
        self._set_open(None)
        self.closed.emit()

    def _confirm_after_signing(self) -> None:
        """The citizen signed what they reviewed: confirm on the review page (prints the slip)."""
        self.go_to(REVIEW)
        if self.current_step() == REVIEW:
            self.confirm_page.confirm()

    def _finished(self) -> None:
        self._set_open(None)
        self.closed.emit()

    def _set_open(self, dossier_id: str | None, step: str | None = None) -> None:
        """Record which draft is open and on which step (the crash-resume point), or none."""
        self._open_draft = dossier_id
        if self._on_open_changed is not None:
            self._on_open_changed(dossier_id, step)

    # --- steps --------------------------------------------------------------------------------

    def step_statuses(self) -> list[StepStatus]:
        """Each dossier step: done, still to do, or with problems (from the service)."""
        did = self.dossier_id
        if did is None:
            return [StepStatus(k, PENDING) for k in DOSSIER_STEPS]
        svc = self.ctx.service
        view = svc.get_dossier(did)
        self._set_title(view)
        out: list[StepStatus] = []
        self._editable = view.state in EDITABLE
        if view.state != State.DRAFT:
            return [StepStatus(k, DONE) for k in DOSSIER_STEPS]
        problems = svc.dossier_form_problems(did)
        out.append(StepStatus(FORM, PROBLEM if problems else DONE, len(problems)))
        missing = svc.missing_captures(did)
        # Without a birth date the core cannot say what is needed (it reports the form instead):
        # a step is done then only when something is stored for it.
        undecided = any(m.kind == "form" for m in missing)
        stored = {p.kind for p in view.parts}
        for key in CAPTURE_STEPS:
            n = sum(1 for m in missing if m.kind in STEP_KINDS[key])
            done = not n and (not undecided or bool(stored & STEP_KINDS[key]))
            out.append(StepStatus(key, DONE if done else PENDING, n))
        out.append(StepStatus(REVIEW, PENDING))
        return sorted(out, key=lambda st: DOSSIER_STEPS.index(st.step))

    def refresh_steps(self) -> list[StepStatus]:
        try:
            statuses = self.step_statuses()
        except StationError as exc:
            self.message_label.setText(self.ctx.error_text(exc))
            return []
        by_step = {s.step: s for s in statuses}
        has_dossier = self.dossier_id is not None
        for row in range(self.steps.count()):
            item = self.steps.item(row)
            key = item.data(Qt.ItemDataRole.UserRole)
            title = self._titles[key]
            if key == START:
                item.setText(("✓ " if has_dossier else "● ") + title)
                enabled = not has_dossier
            else:
                st = by_step.get(key)
                mark = MARKS[st.status] if st is not None else MARKS[PENDING]
                suffix = f"  ({st.count})" if st is not None and st.count else ""
                item.setText(f"{mark} {title}{suffix}")
                enabled = has_dossier
            flags = item.flags()
            if enabled:
                item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled)
            else:
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsEnabled)
        return statuses

    def _needs_notice(self, step: str) -> bool:
        """A capture step of a draft whose privacy notice is not recorded yet."""
        if step not in CAPTURE_STEPS or self.dossier_id is None or not self._editable:
            return False
        try:
            info = self.ctx.service.capture_info(self.dossier_id)
        except StationError:
            return False
        return not isinstance(info.get("privacy_notice"), dict)

    def _notice_given(self) -> None:
        step, did = self._notice_for, self.dossier_id
        if step is None or did is None:
            return
        try:
            self.ctx.service.record_privacy_notice(did)
        except StationError as exc:
            self.notice_panel.show_error(self.ctx.error_text(exc))
            return
        self.notice_panel.show_error("")
        self._notice_for = None
        self._show(step)

    def _show(self, step: str) -> None:
        if self._needs_notice(step):
            self._notice_for = step
            self.stack.setCurrentWidget(self.notice_panel)
            self.notice_panel.show_error("")
            self.notice_panel.given_button.setFocus()
            self._mark_step(step)
            return
        self._notice_for = None
        self.stack.setCurrentWidget(self.pages[step])
        self._mark_step(step)
        page = self.pages[step]
        # A dossier past its draft is shown, not changed: its editing pages are read-only.
        page.setEnabled(step in (START, REVIEW) or self._editable)
        if self._open_draft is not None and self._open_draft == self.dossier_id:
            self._set_open(self._open_draft, step)
        if step != START and self.dossier_id is not None:
            # Each page reads the dossier afresh when entered: what other steps saved (the birth
            # date decides which captures are needed) and what a resumed draft holds.
            page.load(self.dossier_id)  # type: ignore[attr-defined]
        if step == REVIEW:
            self.confirm_page.refresh()
        if hasattr(page, "enter") and page.isEnabled():
            page.enter()

    def _mark_step(self, step: str) -> None:
        """Select ``step`` in the step list and set Back/Next for it."""
        for row in range(self.steps.count()):
            if self.steps.item(row).data(Qt.ItemDataRole.UserRole) == step:
                self.steps.setCurrentRow(row)
        order = [START, *DOSSIER_STEPS]
        i = order.index(step)
        self.back_button.setEnabled(i > 1)
        self.next_button.setEnabled(step != START and i < len(order) - 1)
        self.message_label.clear()

    def go_to(self, step: str) -> None:
        if step == self.current_step() or step not in self.pages:
            return
        if step != START and self.dossier_id is None:
            return
        if step == START and self.dossier_id is not None:
            return
        self.leave()
        self.refresh_steps()
        self._show(step)

    def go_next(self) -> None:
        order = [START, *DOSSIER_STEPS]
        i = order.index(self.current_step())
        if i + 1 < len(order):
            self.go_to(order[i + 1])

    def go_back(self) -> None:
        order = [START, *DOSSIER_STEPS]
        i = order.index(self.current_step())
        if i > 1:
            self.go_to(order[i - 1])

    def _step_clicked(self, item: QListWidgetItem) -> None:
        self.go_to(str(item.data(Qt.ItemDataRole.UserRole)))
