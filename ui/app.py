"""The station's window: login, lock screen and a first (still empty) home screen.

The window reaches the station through :class:`StationService` only. A login runs Argon2id key
derivation and opens the store, which takes a noticeable time; it runs on a worker of a
``QThreadPool`` and its outcome comes back to the GUI thread through a queued signal. The worker
touches no widget.

Every visible text goes through Qt's translation system with Vietnamese as the source text;
English comes from ``ui/i18n/intake_en.ts``. Texts made by the station core (error messages,
state and role labels) carry both languages already and are picked by ``lang``.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station import scratch
from station.clock import local_time_text
from station.errors import LockedOutError, SessionExpiredError, StationError
from station.lifecycle import State
from station.paths import StationPaths
from ui.context import UiContext
from ui.i18n import LANGUAGES, install_translator
from ui.input_guard import InputGuard
from ui.password_dialog import PasswordDialog
from ui.qt import (
    QApplication,
    QCloseEvent,
    QCoreApplication,
    QEvent,
    QFont,
    QFontDatabase,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QObject,
    QPushButton,
    QRunnable,
    QShortcut,
    QStackedWidget,
    Qt,
    QThreadPool,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    Slot,
)
from ui.session_bar import WARN_SECONDS, LockCountdown, StatusArea
from ui.state import UiState
from ui.workers import Worker

if TYPE_CHECKING:  # the screens and the core's heavy parts load when first needed
    from station.devices.registry import DeviceRegistry
    from station.service import OperatorSession, StationInfo, StationService
    from sync.uploader import RunReport, SyncLoop
    from ui.home import HomeScreen
    from ui.queue import QueueScreen
    from ui.reports import ReportsScreen
    from ui.review import ReviewScreen
    from ui.rosters import RosterScreen
    from ui.search_screen import SearchScreen
    from ui.settings import SettingsScreen
    from ui.wizard import Wizard

log = logging.getLogger(__name__)

# How often the window asks the service whether the session has timed out.
SESSION_CHECK_INTERVAL_MS = 5000
# Fits a 1366x768 screen with a task bar and the window frame.
DEFAULT_SIZE = (1280, 700)
MINIMUM_SIZE = (1024, 600)
PREFERRED_FONT = "DejaVu Sans"
FONT_POINT_SIZE = 11

STYLE = """
QFrame#card { background: palette(base); border: 1px solid palette(mid); border-radius: 8px; }
QLabel#title { font-size: 20pt; font-weight: bold; }
QLabel#subtitle { font-size: 13pt; }
QLabel#error { color: #b00020; }
QLabel#notice { color: #8a4b00; font-weight: bold; }
QLabel#ok { color: #1b6e20; font-weight: bold; }
QLabel#demoBanner { background: #ffcc00; color: #000000; font-weight: bold; padding: 6px; }
QLabel#lockCountdown { background: #b00020; color: #ffffff; font-weight: bold; padding: 6px; }
QFrame#statusArea { border-top: 1px solid palette(mid); }
QPushButton { padding: 6px 18px; }
QPushButton#action { font-size: 13pt; font-weight: bold; text-align: left; padding: 8px 18px; }
QPushButton#primary { font-weight: bold; }
QFrame#tile { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }
QLabel#tileValue { font-size: 24pt; font-weight: bold; }
QTableWidget::item { padding: 0px 8px; }
"""


def _mm_ss(seconds: int) -> str:
    minutes, secs = divmod(max(0, seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


# --- login worker -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    """What a login or unlock attempt gave: a session, or the error to show."""

    request: int
    session: OperatorSession | None = None
    error: StationError | None = None
    # An exception that is not a StationError (a bug, a broken disk): logged, shown generically.
    unexpected: bool = False


class LoginSignals(QObject):
    """Lives in the GUI thread; workers emit ``done`` and Qt queues it to the GUI thread."""

    done = Signal(object)


class LoginTask(QRunnable):
    """Runs one ``service.login``/``service.unlock`` call off the GUI thread."""

    def __init__(
        self, request: int, action: Callable[[], OperatorSession], signals: LoginSignals
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the window keeps the task until the pool is done with it
        self._request = request
        self._action: Callable[[], OperatorSession] | None = action
        self._signals = signals

    def run(self) -> None:
        # Drop the closure (it holds the password) as soon as it has run.
        action, self._action = self._action, None
        if action is None:
            return
        try:
            outcome = LoginOutcome(self._request, session=action())
        except StationError as exc:
            outcome = LoginOutcome(self._request, error=exc)
        except Exception:
            log.exception("login failed unexpectedly")
            outcome = LoginOutcome(self._request, unexpected=True)
        self._signals.done.emit(outcome)


class ActivityFilter(QObject):
    """Application-wide event filter: key and mouse presses count as operator activity.

    ``on_activity`` returns True to swallow the event (input that arrives after the session
    expired must not act on the screen behind the lock).
    """

    WATCHED = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress})

    def __init__(self, on_activity: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_activity = on_activity

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in self.WATCHED:
            return self._on_activity()
        return False


# --- screens ------------------------------------------------------------------------------------


def _card(parent: QWidget) -> tuple[QFrame, QVBoxLayout]:
    """A bordered panel centred in ``parent``."""
    outer = QVBoxLayout(parent)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    card = QFrame(parent)
    card.setObjectName("card")
    row.addWidget(card)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    inner = QVBoxLayout(card)
    inner.setContentsMargins(32, 28, 32, 28)
    inner.setSpacing(12)
    return card, inner


class LoginScreen(QWidget):
    """Operator id and password; in locked mode the id is fixed and the button unlocks."""

    submitted = Signal(str, str)  # operator id, password
    logout_requested = Signal()

    CARD_WIDTH = 600

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._locked = False
        self._lockout_left = 0
        card, layout = _card(self)
        card.setFixedWidth(self.CARD_WIDTH)

        self.title = QLabel(self.tr("Trạm thu nhận hồ sơ căn cước"), card)
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.station_label = QLabel(self.tr("Đăng nhập để mở kho dữ liệu của trạm."), card)
        self.station_label.setObjectName("subtitle")
        self.station_label.setWordWrap(True)
        self.heading = QLabel(card)
        self.heading.setObjectName("subtitle")
        self.info_label = QLabel(card)
        self.info_label.setWordWrap(True)

        self.operator_edit = QLineEdit(card)
        self.operator_edit.setMaxLength(64)
        self.password_edit = QLineEdit(card)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(1024)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Mã cán bộ"), self.operator_edit)
        form.addRow(self.tr("Mật khẩu"), self.password_edit)

        self.login_button = QPushButton(card)
        self.login_button.setDefault(True)
        self.logout_button = QPushButton(self.tr("Đăng xuất"), card)
        buttons = QHBoxLayout()
        buttons.addWidget(self.logout_button)
        buttons.addStretch(1)
        buttons.addWidget(self.login_button)

        self.status_label = QLabel(card)
        self.error_label = QLabel(card)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.countdown_label = QLabel(card)
        self.countdown_label.setObjectName("error")

        layout.addWidget(self.title)
        layout.addWidget(self.station_label)
        layout.addSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.info_label)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.countdown_label)

        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick_countdown)

        self.login_button.clicked.connect(self._submit)
        self.password_edit.returnPressed.connect(self._submit)
        self.operator_edit.returnPressed.connect(self.password_edit.setFocus)
        self.operator_edit.textEdited.connect(self._operator_edited)
        self.logout_button.clicked.connect(self.logout_requested)
        self.show_login()

    # --- modes ---

    @property
    def locked(self) -> bool:
        return self._locked

    def set_station(self, name: str | None, code: str | None) -> None:
        if name and code:
            self.station_label.setText(
                self.tr("{name} — mã trạm {code}").format(name=name, code=code)
            )

    def show_login(self, operator_id: str = "") -> None:
        """The normal login form, empty (or with ``operator_id`` filled in)."""
        self._locked = False
        self.heading.setText(self.tr("Đăng nhập"))
        self.info_label.hide()
        self.operator_edit.setReadOnly(False)
        self.operator_edit.setText(operator_id)
        self.login_button.setText(self.tr("Đăng nhập"))
        self.logout_button.hide()
        self._reset_form()
        (self.password_edit if operator_id else self.operator_edit).setFocus()

    def show_locked(self, operator_id: str, reason: str) -> None:
        """The lock screen: the same operator's password resumes the session."""
        self._locked = True
        self.heading.setText(self.tr("Màn hình đã khóa"))
        self.info_label.setText(reason)
        self.info_label.show()
        self.operator_edit.setText(operator_id)
        self.operator_edit.setReadOnly(True)
        self.login_button.setText(self.tr("Mở khóa"))
        self.logout_button.show()
        self._reset_form()
        self.password_edit.setFocus()

    def _reset_form(self) -> None:
        self.password_edit.clear()
        self.clear_error()
        self.set_busy(False)

    # --- feedback ---

    def set_busy(self, busy: bool) -> None:
        self.login_button.setEnabled(not busy)
        self.logout_button.setEnabled(not busy)
        self.password_edit.setEnabled(not busy)
        self.operator_edit.setEnabled(not busy)
        self.status_label.setText(self.tr("Đang kiểm tra mật khẩu…") if busy else "")
        self.status_label.setVisible(busy)

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self._stop_countdown()

    def show_error(self, text: str, field: str | None = None, lockout_seconds: int = 0) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.password_edit.clear()
        if field == "operator_id" and not self._locked and not lockout_seconds:
            self.operator_edit.setFocus()
            self.operator_edit.selectAll()
        else:
            self.password_edit.setFocus()
        self._stop_countdown()
        if lockout_seconds > 0:
            self._lockout_left = lockout_seconds
            self._show_countdown()
            self._countdown.start()
            self.login_button.setEnabled(False)  # nothing to try until the wait is over

    def _show_countdown(self) -> None:
        if self._lockout_left > 0:
            text = self.tr("Thời gian chờ còn lại: {time}").format(time=_mm_ss(self._lockout_left))
        else:
            text = self.tr("Có thể thử lại.")
        self.countdown_label.setText(text)
        self.countdown_label.show()

    def _tick_countdown(self) -> None:
        self._lockout_left -= 1
        self._show_countdown()
        if self._lockout_left <= 0:
            self._countdown.stop()
            self.login_button.setEnabled(True)

    def _stop_countdown(self) -> None:
        if self._lockout_left > 0:
            self.login_button.setEnabled(True)
        self._countdown.stop()
        self._lockout_left = 0
        self.countdown_label.clear()
        self.countdown_label.hide()

    def _operator_edited(self, _text: str) -> None:
        # A lockout is per operator: another id is not concerned by the countdown shown.
        self._stop_countdown()

    def _submit(self) -> None:
        if not self.login_button.isEnabled():
            return
        self.submitted.emit(self.operator_edit.text(), self.password_edit.text())


# --- main window --------------------------------------------------------------------------------


class SyncSignals(QObject):
    """Carries the sync thread's reports to the GUI thread (queued connection)."""

    report = Signal(object)


class MainWindow(QMainWindow):
    """A demo banner above a stack of screens: login (or lock), home and the task screens."""

    def __init__(
        self,
        service: StationService,
        lang: str = "vi",
        *,
        check_interval_ms: int = SESSION_CHECK_INTERVAL_MS,
        devices: DeviceRegistry | None = None,
        options: dict[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}")
        self.service = service
        self.lang = lang
        # Station details, read once logged in; kept for the lock and login screens after.
        self.station: StationInfo | None = None
        self._request = 0
        self._busy = False
        # The last task started; kept until the pool is done with it (see ``_submit``).
        self._task: LoginTask | None = None
        self._shut_down = False
        self._before_lock: QWidget | None = None
        self._fixed_devices = devices
        self.ui_state = UiState(service.paths.root)
        # Slips are written to a 0700 folder under the data folder; a crash's leftovers go at
        # the next start (station/scratch.py).
        self._receipts = scratch.private_dir(service.paths, "slips")

        self.setWindowTitle(self.tr("Trạm thu nhận hồ sơ căn cước"))
        self.setMinimumSize(*MINIMUM_SIZE)
        self.resize(*DEFAULT_SIZE)

        self.worker = Worker(max_threads=2, parent=self)
        self.ctx = UiContext(
            service,
            lang,
            self.worker,
            devices,
            {"receipt_dir": self._receipts, **(options or {})},
        )

        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.demo_banner = QLabel(
            self.tr("DEMO — trạm trình diễn: chỉ dùng dữ liệu thử, không dùng cho hồ sơ thật."),
            central,
        )
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_banner.hide()
        self.stack = QStackedWidget(central)
        self.login_screen = LoginScreen(self.stack)
        self.stack.addWidget(self.login_screen)
        # The other screens (and the modules they need: OpenCV, numpy, the capture code) are
        # built when first shown: the login screen comes up without waiting for them.
        self._screens: dict[str, QWidget] = {}
        self.lock_countdown = LockCountdown(central)
        self.status_area = StatusArea(central)
        self.status_area.hide()
        column.addWidget(self.demo_banner)
        column.addWidget(self.lock_countdown)
        column.addWidget(self.stack, 1)
        column.addWidget(self.status_area)
        self.setCentralWidget(central)
        self.setStyleSheet(STYLE)
        self.stack.currentChanged.connect(
            lambda _i: self.status_area.setVisible(
                self.stack.currentWidget() is not self.login_screen
            )
        )

        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = LoginSignals(self)
        self._signals.done.connect(self._login_done)

        self._sync: SyncLoop | None = None
        self._sync_signals = SyncSignals(self)
        self._sync_signals.report.connect(self._sync_report)

        self.login_screen.submitted.connect(self._submit)
        self.login_screen.logout_requested.connect(self.logout)

        # Lock from any screen (the open dossier stays where it is).
        self.lock_shortcut = QShortcut(QKeySequence("Ctrl+Shift+L"), self)
        self.lock_shortcut.activated.connect(self._lock_from_anywhere)

        self.session_timer = QTimer(self)
        self.session_timer.setInterval(check_interval_ms)
        self.session_timer.timeout.connect(self.check_session)
        self.session_timer.start()
        # The countdown before the lock: a cheap per-second look at the session's time left.
        self.countdown_timer = QTimer(self)
        self.countdown_timer.setInterval(1000)
        self.countdown_timer.timeout.connect(self.update_lock_countdown)
        self.countdown_timer.start()

        # Non-secret facts from the station's public file: shown before anyone logs in.
        public = service.public_info()
        self.login_screen.set_station(public.get("name"), public.get("code"))
        self.demo_banner.setVisible(bool(public.get("demo")))

        self._activity = ActivityFilter(self._user_activity, self)
        # The wheel changes no value without focus; typed text enters as NFC (ui/input_guard.py).
        self._input_guard = InputGuard(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self._activity)
            app.installEventFilter(self._input_guard)

    # --- screens, built when first needed ---

    def _screen(self, name: str) -> Any:
        screen = self._screens.get(name)
        if screen is None:
            screen = self._build_screen(name)
            self._screens[name] = screen
            self.stack.addWidget(screen)
            if name not in ("home", "wizard"):
                screen.back_requested.connect(self.go_home)  # type: ignore[attr-defined]
        return screen

    def _build_screen(self, name: str) -> QWidget:
        if name == "home":
            from ui.home import HomeScreen

            home = HomeScreen(self.stack)
            home.sync_requested.connect(self.sync_now)
            home.lock_requested.connect(self.lock)
            home.logout_requested.connect(self.logout)
            home.new_dossier_requested.connect(self.new_dossier)
            home.queue_requested.connect(lambda: self.show_screen(self.queue_screen))
            home.approvals_requested.connect(lambda: self.show_screen(self.review_screen))
            home.search_requested.connect(lambda: self.show_screen(self.search_screen))
            home.rosters_requested.connect(lambda: self.show_screen(self.rosters_screen))
            home.reports_requested.connect(lambda: self.show_screen(self.reports_screen))
            home.settings_requested.connect(lambda: self.show_screen(self.settings_screen))
            home.password_requested.connect(self.change_password)
            home.group_requested.connect(self.show_queue_group)
            return home
        if name == "wizard":
            from ui.wizard import Wizard

            wizard = Wizard(self.ctx, self._open_draft_changed, self.stack)
            wizard.closed.connect(self.go_home)
            return wizard
        if name == "queue":
            from ui.queue import QueueScreen

            queue = QueueScreen(self.ctx, self.stack)
            queue.open_dossier.connect(self.open_dossier)
            queue.recapture.connect(self.open_dossier)
            return queue
        if name == "review":
            from ui.review import ReviewScreen

            return ReviewScreen(self.ctx, self.stack)
        if name == "search":
            from ui.search_screen import SearchScreen

            search = SearchScreen(self.ctx, self.stack)
            search.enroll_requested.connect(self.enroll_resident)
            return search
        if name == "rosters":
            from ui.rosters import RosterScreen

            rosters = RosterScreen(self.ctx, self.stack)
            rosters.enroll_requested.connect(self.enroll_resident)
            return rosters
        if name == "reports":
            from ui.reports import ReportsScreen

            return ReportsScreen(self.ctx, self.stack)
        if name == "settings":
            from ui.settings import SettingsScreen

            return SettingsScreen(self.ctx, self.stack)
        raise KeyError(name)

    def _built(self, name: str) -> QWidget | None:
        """The screen if it was built already (None: nothing to save or stop on it)."""
        return self._screens.get(name)

    @property
    def home_screen(self) -> HomeScreen:
        return self._screen("home")  # type: ignore[no-any-return]

    @property
    def wizard(self) -> Wizard:
        return self._screen("wizard")  # type: ignore[no-any-return]

    @property
    def queue_screen(self) -> QueueScreen:
        return self._screen("queue")  # type: ignore[no-any-return]

    @property
    def review_screen(self) -> ReviewScreen:
        return self._screen("review")  # type: ignore[no-any-return]

    @property
    def search_screen(self) -> SearchScreen:
        return self._screen("search")  # type: ignore[no-any-return]

    @property
    def rosters_screen(self) -> RosterScreen:
        return self._screen("rosters")  # type: ignore[no-any-return]

    @property
    def reports_screen(self) -> ReportsScreen:
        return self._screen("reports")  # type: ignore[no-any-return]

    @property
    def settings_screen(self) -> SettingsScreen:
        return self._screen("settings")  # type: ignore[no-any-return]

    @property
    def task_screens(self) -> tuple[QWidget, ...]:
        return (
            self.queue_screen,
            self.review_screen,
            self.search_screen,
            self.rosters_screen,
            self.reports_screen,
            self.settings_screen,
        )

    def _wizard_showing(self) -> bool:
        wizard = self._built("wizard")
        return wizard is not None and self.stack.currentWidget() is wizard

    # --- state ---

    @property
    def busy(self) -> bool:
        """A login or unlock is running on the worker."""
        return self._busy

    def on_home(self) -> bool:
        home = self._built("home")
        return home is not None and self.stack.currentWidget() is home

    def in_session(self) -> bool:
        """A screen of the logged-in operator is showing (not the login or lock screen)."""
        return self.stack.currentWidget() is not self.login_screen

    def on_lock_screen(self) -> bool:
        return self.stack.currentWidget() is self.login_screen and self.login_screen.locked

    # --- navigation ---

    def show_screen(self, screen: QWidget) -> None:
        if self._wizard_showing() and screen is not self.wizard:
            self.wizard.leave()
        refresh = getattr(screen, "refresh", None)
        if callable(refresh):
            try:
                refresh()
            except StationError as exc:
                QMessageBox.warning(self, self.tr("Không mở được"), exc.message(self.lang))
                return
        self.stack.setCurrentWidget(screen)

    def show_queue_group(self, group: str) -> None:
        """The queue, filtered on one group of dossiers (a home tile's click)."""
        from ui.queue import Group

        self.show_screen(self.queue_screen)
        with contextlib.suppress(ValueError):
            self.queue_screen.set_group(Group(group))

    def go_home(self) -> None:
        if self.service.session is None:
            self._show_login()
            return
        self._refresh_home()
        self.show_screen(self.home_screen)

    def new_dossier(self) -> None:
        self.wizard.start_new()
        self.show_screen(self.wizard)

    def open_dossier(self, dossier_id: str) -> None:
        self.show_screen(self.wizard)
        self.wizard.open_dossier(dossier_id)

    def enroll_resident(self, resident_id: int) -> None:
        self.wizard.start_for_resident(resident_id)
        self.show_screen(self.wizard)

    def change_password(self) -> None:
        dialog = PasswordDialog(self.ctx, self)
        if dialog.exec():
            session = self.service.session
            if session is not None:
                self.home_screen.show_session(session, self.station, self.lang)
                self._refresh_home()

    def _open_draft_changed(self, dossier_id: str | None, step: str | None) -> None:
        session = self.service.session
        if session is None:
            return
        try:
            self.ui_state.set_open_draft(session.operator_id, dossier_id, step)
        except OSError as exc:
            log.warning("could not record the open draft: %s", exc)

    # --- login ---

    def _submit(self, operator_id: str, password: str) -> None:
        if self.busy:
            return
        action: Callable[[], OperatorSession]
        if self.login_screen.locked:
            action = lambda: self.service.unlock(password)  # noqa: E731
        else:
            action = lambda: self.service.login(operator_id, password)  # noqa: E731
        # The previous task has emitted its outcome but its thread may still be returning from
        # run(): wait for it before dropping the last reference to it.
        self._pool.waitForDone()
        self._request += 1
        self._busy = True
        self._task = LoginTask(self._request, action, self._signals)
        self.login_screen.clear_error()
        self.login_screen.set_busy(True)
        self._pool.start(self._task)

    @Slot(object)
    def _login_done(self, outcome: LoginOutcome) -> None:
        if outcome.request != self._request or self._shut_down:
            return  # a result nobody waits for any more
        self._busy = False
        self.login_screen.set_busy(False)
        if outcome.session is not None:
            if self.login_screen.locked and self._before_lock is not None:
                self._resume_after_unlock()
            else:
                self._show_home(outcome.session)
            return
        err = outcome.error
        if err is None:
            self.login_screen.show_error(
                self.tr("Lỗi ngoài dự kiến khi đăng nhập; xem nhật ký của trạm.")
            )
            return
        if self.login_screen.locked and self.service.session is None:
            self._before_lock = None
            self.login_screen.show_login()  # the session is gone: a fresh login is needed
        remaining = err.remaining_seconds if isinstance(err, LockedOutError) else 0
        self.login_screen.show_error(err.message(self.lang), err.field, remaining)

    def _resume_after_unlock(self) -> None:
        screen, self._before_lock = self._before_lock, None
        if screen is None or screen is self._built("home"):
            self.go_home()
            return
        self.stack.setCurrentWidget(screen)
        self.status_area.show()
        if screen is self._built("wizard") and self.wizard.dossier_id is not None:
            step = self.wizard.current_step()
            self.wizard.open_dossier(self.wizard.dossier_id, step)

    def _refresh_home(self) -> None:
        counts: dict[State, int] | None = None
        error = ""
        try:
            counts = self.service.counts_by_state()
        except StationError as exc:
            error = exc.message(self.lang)
        self.home_screen.show_counts(counts, self.lang, error)
        notices: list[str] = []
        session = self.service.session
        if session is not None and session.must_change_password:
            notices.append(self.tr("Bạn phải đổi mật khẩu trước khi làm việc."))
        with contextlib.suppress(StationError):
            progress = self.service.reporting.today_progress()
            if progress is None:
                self.home_screen.show_quota(None, None)
            else:
                self.home_screen.show_quota(progress.done, progress.target)
        with contextlib.suppress(StationError):
            age = self.service.deployment.sync_age()
            when = local_time_text(age.last_receipt_at) if age.last_receipt_at else None
            self.home_screen.show_last_delivery(when, age.waiting)
            self.status_area.show_delivery(when, age.waiting)
            if age.warn:
                notices.append(self.ctx.label(age.message()))
        self.home_screen.set_notices(notices)

    def _show_home(self, session: OperatorSession) -> None:
        try:
            self.station = self.service.station_info()
        except StationError as exc:
            log.warning("station info: %s", exc)
        self.demo_banner.setVisible(self.station is not None and self.station.demo)
        if self.station is not None:
            self.login_screen.set_station(self.station.name, self.station.code)
        if self._fixed_devices is None:
            self.ctx.devices = self._device_registry()
        self.home_screen.show_session(session, self.station, self.lang)
        self._refresh_home()
        self.stack.setCurrentWidget(self.home_screen)
        self.status_area.show()
        self._start_sync()
        if session.must_change_password:
            QTimer.singleShot(0, self.change_password)
            return
        self._reopen_draft(session)

    def _device_registry(self) -> DeviceRegistry:
        from station.devices.defaults import registry as device_registry
        from sync.devices import sbi_driver, sbi_iris_driver, sbi_rolled_driver

        config: dict[str, Any] = {}
        with contextlib.suppress(StationError):
            value = self.service.settings().get("devices")
            if isinstance(value, dict):
                config = value
        trust = self.service.device_trust.trust  # read when a device is opened
        sbi = [sbi_driver(trust), sbi_iris_driver(trust), sbi_rolled_driver(trust)]
        return device_registry(config, extra=sbi)

    def _reopen_draft(self, session: OperatorSession) -> None:
        """After a crash or power cut: reopen the draft this operator had open."""
        recorded = self.ui_state.open_draft(session.operator_id)
        if recorded is None:
            return
        dossier_id, step = recorded
        try:
            view = self.service.get_dossier(dossier_id)
        except StationError:
            self.ui_state.set_open_draft(session.operator_id, None)
            return
        if view.state != State.DRAFT or view.operator_id != session.operator_id:
            self.ui_state.set_open_draft(session.operator_id, None)
            return
        self.show_screen(self.wizard)
        self.wizard.open_dossier(dossier_id, step)

    # --- background sync ---

    def _start_sync(self) -> None:
        """Start the uploader thread once the store is open (it runs while the screen is locked)."""
        if self._sync is not None or not self.service.is_open:
            return
        from sync.api import start_background_sync

        try:
            self._sync = start_background_sync(
                self.service, on_report=self._sync_signals.report.emit
            )
        except StationError as exc:
            log.warning("sync not started: %s", exc)
        if self._sync is None:
            self.home_screen.show_sync(None)
            self.status_area.show_report(None, configured=False)

    def _stop_sync(self) -> None:
        if self._sync is not None:
            self._sync.stop()
            self._sync.join(timeout=10)
            self._sync = None

    def sync_now(self) -> None:
        if self._sync is not None:
            self._sync.wake()

    @Slot(object)
    def _sync_report(self, report: RunReport) -> None:
        if not self._shut_down and self.service.session is not None:
            self.home_screen.show_sync(report, self.lang)
            self.status_area.show_report(report)
            if self.on_home():
                self._refresh_home()
            else:
                self._refresh_status()

    def _refresh_status(self) -> None:
        """The status area's last receipt and packets waiting (read-only: not activity)."""
        with contextlib.suppress(StationError):
            age = self.service.deployment.sync_age()
            when = local_time_text(age.last_receipt_at) if age.last_receipt_at else None
            self.status_area.show_delivery(when, age.waiting)

    # --- session ---

    def update_lock_countdown(self) -> None:
        """Show the time left before the inactivity lock in its last minute."""
        if self.busy or not self.in_session() or self.service.session is None:
            self.lock_countdown.show_left(None)
            return
        left = self.service.session_seconds_left()
        self.lock_countdown.show_left(left, min(WARN_SECONDS, self.service.session_timeout_s / 2))
        if left <= 0:
            self.check_session()

    def check_session(self) -> None:
        """Timer tick: show the lock screen once the service says the session timed out."""
        if self.busy or not self.in_session():
            return
        try:
            self.service.check_session()
        except SessionExpiredError as exc:
            self._show_locked(exc.message(self.lang))
        except StationError:
            self._show_login()

    def lock(self) -> None:
        """Lock at the operator's request; their password resumes the session."""
        session = self.service.session
        if session is None:
            self._show_login()
            return
        self._save_open_work()
        self.worker.wait()  # a page's save still on the worker finishes while the session works
        try:
            self.service.lock()
        except StationError as exc:
            log.warning("lock: %s", exc)
        self._show_locked(self.tr("Bạn đã khóa màn hình. Nhập mật khẩu để tiếp tục."))

    def _lock_from_anywhere(self) -> None:
        if self.in_session() and not self.busy:
            self.lock()

    def logout(self) -> None:
        if self.busy:
            return
        self._save_open_work()
        self._before_lock = None
        self._stop_sync()
        self.worker.wait()
        try:
            self.service.logout()
        except StationError as exc:
            log.warning("logout: %s", exc)
            self.service.close()
        self._clear_slips()
        self._show_login()

    def _save_open_work(self) -> None:
        """Save what the wizard's page holds and stop devices, while the session still works."""
        if self._wizard_showing():
            self.wizard.leave()

    def _show_locked(self, reason: str) -> None:
        session = self.service.session
        if session is None:
            self._show_login()
            return
        current = self.stack.currentWidget()
        if current is not self.login_screen:
            self._before_lock = current
            if current is self._built("wizard"):
                # The session has already expired: the page cannot save through the service any
                # more, but everything it captured was saved as it went; stop its devices.
                self.wizard.stop_devices()
        self.login_screen.show_locked(session.operator_id, reason)
        self.stack.setCurrentWidget(self.login_screen)
        self.lock_countdown.show_left(None)
        self.status_area.hide()

    def _show_login(self) -> None:
        self._before_lock = None
        self.login_screen.show_login()
        self.stack.setCurrentWidget(self.login_screen)
        self.lock_countdown.show_left(None)
        self.status_area.hide()

    def _user_activity(self) -> bool:
        """Input event seen anywhere in the application; True swallows it."""
        if self._shut_down or self.busy or not self.in_session():
            return False
        try:
            self.service.touch()
        except SessionExpiredError:
            # Too late: the input must not reach the screen behind the lock.
            QTimer.singleShot(0, self.check_session)
            return True
        except StationError:
            pass
        return False

    # --- shutdown ---

    def _clear_slips(self) -> None:
        """Slips hold a name in clear: the session's copies go when it ends."""
        for path in self._receipts.glob("*"):
            with contextlib.suppress(OSError):
                path.unlink()

    def shutdown(self) -> None:
        """Stop the timers, wait for the workers and log out; safe to call more than once."""
        if self._shut_down:
            return
        self._shut_down = True
        self.session_timer.stop()
        self.countdown_timer.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self._activity)
            app.removeEventFilter(self._input_guard)
        if self.service.session is not None and self._wizard_showing():
            with contextlib.suppress(StationError):
                self.wizard.leave()
        if self._built("wizard") is not None:
            self.wizard.stop_devices()
        self._pool.waitForDone()
        self.worker.wait()
        self._busy = False
        self._task = None
        self._stop_sync()
        try:
            if self.service.session is not None:
                self.service.logout()
            else:
                self.service.close()
        except StationError as exc:
            log.warning("logout at exit: %s", exc)
            self.service.close()
        scratch.remove(self._receipts)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)


# --- application ---------------------------------------------------------------------------------


def apply_font(app: QApplication) -> None:
    """DejaVu Sans (full Vietnamese coverage) when installed, else the platform default."""
    font = QFont(app.font())
    if PREFERRED_FONT in QFontDatabase.families():
        font.setFamily(PREFERRED_FONT)
    font.setPointSize(FONT_POINT_SIZE)
    app.setFont(font)


def _application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    return QApplication(sys.argv[:1])


def choose_language(data_dir: Path, requested: str | None) -> str:
    """The command line's language, else the one chosen in the settings, else Vietnamese."""
    from ui.language_pref import saved_language

    return requested or saved_language(data_dir) or "vi"


def run(data_dir: Path, lang: str | None = None) -> int:
    """Open the station in ``data_dir`` and run the window until it is closed.

    Without ``lang``, the language chosen in the settings, else Vietnamese.
    """
    lang = choose_language(data_dir, lang)
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    app = _application()
    translator = install_translator(app, lang)
    apply_font(app)
    from station.service import StationService

    try:
        service = StationService(StationPaths(data_dir))
    except StationError as exc:
        QMessageBox.critical(
            None, QCoreApplication.translate("run", "Không mở được trạm"), exc.message(lang)
        )
        return 2
    window = MainWindow(service, lang)
    window.show()
    try:
        code = app.exec()
    finally:
        window.shutdown()
        if translator is not None:
            app.removeTranslator(translator)
    return int(code)
