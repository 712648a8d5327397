"""The fingerprint page of the new-dossier wizard: the 4-4-2 flat slaps on the scanner.

The page shows the ten fingers on a hand diagram, coloured from what the station stored
(:mod:`station.capture.fpprogress`), and runs the station's :class:`FingerprintSession` on the
worker: one press of "capture" (Space) is one attempt at the current slap; the session keeps the
best image of each finger over up to three attempts, and every finger whose image the attempt
produced or kept is saved to the service at once, so a crash loses nothing. After the attempt the
page moves to the next slap that still needs one. A finger that cannot be taken gets an exception
through :class:`ExceptionDialog`. Duplicate-finger alarms come from the session after each slap.

A resumed draft shows every saved finger at once; its session is rebuilt on the worker from the
stored prints (best images, attempts used, exceptions), so the capture carries on where it was.

Threads: the session, the scanner and the image work run on ``ctx.worker`` under one lock
(:class:`FingerCapture`, which touches no widget); the page touches the session only through it.
What the page shares with the rolled-print and iris pages (worker hand-off, keys, status lines,
exception dialog) is :mod:`ui.capture_page`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from station.capture import fpprogress
from station.capture.completeness import EXCEPTION_LABELS, FINGER_EXCEPTIONS, ExceptionKind
from station.capture.fingerprint import (
    DEFAULT_THRESHOLD,
    MAX_ATTEMPTS,
    SEQUENCE,
    DuplicatePair,
    FingerprintSession,
    SlapOutcome,
    decode_stored,
)
from station.capture.fpprogress import FingerProgress, FingerStatus
from station.devices import (
    FINGER_LABELS,
    SLAP_FINGERS,
    DeviceError,
    DeviceInfo,
    DeviceKind,
    Finger,
    FingerprintScanner,
    Image,
    Slap,
)
from station.devices.registry import DeviceRegistry
from station.dossier import DossierView, PartKind
from station.errors import StationError, ValidationError
from station.form import Captures
from station.service import StationService
from ui.capture_page import CapturePage, DeviceCapture, gray_pixmap, thumbnail
from ui.context import UiContext
from ui.exception_dialog import ExceptionDialog
from ui.hand_diagram import DRAWN_ORDER, HandDiagram, QualityBar
from ui.qt import (
    QCoreApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QPixmap,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

THUMB_SIDE = 240  # pixels of the stored thumbnail's longer side
SMALL_THUMB = (52, 64)
LARGE_THUMB = (130, 156)  # fits beside the diagram in a 1280x700 window


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def slap_text(slap: Slap) -> str:
    texts = {
        Slap.RIGHT_FOUR: QCoreApplication.translate("FingerPage", "bốn ngón tay phải"),
        Slap.LEFT_FOUR: QCoreApplication.translate("FingerPage", "bốn ngón tay trái"),
        Slap.THUMBS: QCoreApplication.translate("FingerPage", "hai ngón cái"),
    }
    return texts[slap]


# --- the capture, off the GUI thread ----------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What a step on the worker hands back to the page."""

    state: dict[Finger, FingerProgress]
    attempts: dict[Slap, int]
    thumbs: dict[Finger, Image] = field(default_factory=dict)  # new or changed ones
    outcome: SlapOutcome | None = None
    device: DeviceInfo | None = None  # the scanner, once open
    device_error: StationError | None = None  # why the scanner could not be opened


class FingerCapture(DeviceCapture):
    """One dossier's fingerprint session with its scanner; every method runs on the worker.

    A lock serialises the steps (a capture, the duplicate check, an exception); ``idle`` is
    clear while a capture is in flight, so that ``leave`` can wait for its save.
    """

    device: FingerprintScanner | None

    def __init__(
        self,
        service: StationService,
        devices: DeviceRegistry | None,
        dossier_id: str,
        officer_id: str | None,
    ) -> None:
        super().__init__(
            service,
            devices,
            dossier_id,
            DeviceKind.FINGERPRINT,
            (
                "Trạm chưa cấu hình máy quét vân tay.",
                "No fingerprint scanner is configured on this station.",
            ),
        )
        self.session = FingerprintSession(
            fpprogress.ReplayScanner({}), officer_id=officer_id, max_attempts=MAX_ATTEMPTS
        )
        self._best: dict[Finger, int] = {}  # quality of the image the session keeps
        # Fingers whose kept image is the stored one (replayed): saved again as stored.
        self._stored: dict[Finger, tuple[bytes, str]] = {}

    # -- helpers -------------------------------------------------------------------------------

    def _state(self) -> dict[Finger, FingerProgress]:
        view = self.service.get_dossier(self.dossier_id)
        info = self.service.capture_info(self.dossier_id)
        return fpprogress.progress(view.parts, info, self.session.thresholds)

    def _snapshot(
        self,
        thumbs: dict[Finger, Image],
        outcome: SlapOutcome | None = None,
        device_error: StationError | None = None,
    ) -> Snapshot:
        return Snapshot(
            self._state(),
            {s: self.session.attempts(s) for s in SEQUENCE},
            thumbs,
            outcome,
            self.device_info(),
            device_error,
        )

    # -- steps ---------------------------------------------------------------------------------

    def prepare(self) -> Snapshot:
        """Rebuild the session from what is stored (thumbnails too) and open the scanner."""
        with self.lock:
            view = self.service.get_dossier(self.dossier_id)
            info = self.service.capture_info(self.dossier_id)
            state = fpprogress.progress(view.parts, info, self.session.thresholds)
            media = {p.slot: p.media_type for p in view.parts if p.kind == PartKind.FINGERPRINT}
            prints: dict[Finger, Image] = {}
            thumbs: dict[Finger, Image] = {}
            for finger, item in state.items():
                if item.status not in (FingerStatus.GOOD, FingerStatus.LOW):
                    continue
                data = self.service.part_data(self.dossier_id, PartKind.FINGERPRINT, finger.value)
                try:
                    image = decode_stored(data)
                except ValidationError:
                    continue  # shown as stored; the next capture of its slap replaces it
                prints[finger] = image
                thumbs[finger] = thumbnail(image, THUMB_SIDE)
                self._stored[finger] = (data, media.get(finger.value, "image/x-wsq"))
            self._best = fpprogress.restore_session(self.session, prints, state)
            error: StationError | None = None
            try:
                self._open_device()
            except StationError as exc:
                error = exc
            return self._snapshot(thumbs, device_error=error)

    def capture(
        self, slap: Slap, prompter: Any, include: Finger | None = None, restart: bool = False
    ) -> Snapshot:
        """One attempt at ``slap`` (``restart``: start the slap over first); saves its fingers.

        ``include`` is a finger with an exception that the officer captures after all.
        """
        try:
            with self.lock:
                self.session.scanner = self._open_device()
                if include is not None and include in self.session.exceptions():
                    self.session.withdraw_exception(include)
                if restart:
                    self.session.recapture(slap)
                    for finger in SLAP_FINGERS[slap]:
                        self._best.pop(finger, None)
                        self._stored.pop(finger, None)
                outcome = self.session.capture(slap, prompter)
                thumbs = self._save(slap, outcome)
                return self._snapshot(thumbs, outcome)
        finally:
            self.idle.set()

    def _save(self, slap: Slap, outcome: SlapOutcome) -> dict[Finger, Image]:
        results = self.session.results()
        thumbs: dict[Finger, Image] = {}
        for finger in SLAP_FINGERS[slap]:
            result = results.get(finger)
            if result is None:
                continue
            score = outcome.qualities.get(finger)
            best = self._best.get(finger)
            if score is not None and (best is None or score >= best):
                # The session kept this attempt's image (it keeps the newer one on a tie).
                self._best[finger] = score
                self._stored.pop(finger, None)
                thumbs[finger] = thumbnail(result.image, THUMB_SIDE)
            data, media_type = self._stored.get(finger, (result.encoded, result.media_type))
            self.service.save_fingerprint(
                self.dossier_id, finger.value, data, media_type, result.meta()
            )
        return thumbs

    def duplicates(self) -> list[DuplicatePair]:
        with self.lock:
            return self.session.duplicates()

    def exception_recorded(self, finger: Finger, kind: str, reason: str) -> Snapshot:
        """Mirror in the session an exception the service has recorded."""
        with self.lock:
            self.session.record_exception(finger, kind, reason)
            self._best.pop(finger, None)
            self._stored.pop(finger, None)
            return self._snapshot({})


# --- the page ---------------------------------------------------------------------------------


class FingerPage(CapturePage):
    """Wizard page: the ten fingers as 4-4-2 flat slaps, with exceptions."""

    INSTRUCTION_SCALE = 1.25

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._capture: FingerCapture | None = None
        self._state: dict[Finger, FingerProgress] = {
            f: FingerProgress(f, FingerStatus.PENDING) for f in Finger
        }
        self._attempts: dict[Slap, int] = dict.fromkeys(SEQUENCE, 0)
        self._thumbs: dict[Finger, QPixmap] = {}
        self._duplicates: list[DuplicatePair] = []
        self.last_outcome: SlapOutcome | None = None  # what the last attempt gave
        self._build()
        self._show_selected()

    # --- layout ---

    def _build(self) -> None:
        self._build_common(self.tr("Vân tay: bốn ngón phải, bốn ngón trái, hai ngón cái"))

        self.diagram = HandDiagram(self.ctx.lang, self)
        self.diagram.finger_selected.connect(lambda _value: self._show_selected())

        thumbs = QGridLayout()
        thumbs.setHorizontalSpacing(6)
        thumbs.setVerticalSpacing(2)
        self.thumb_labels: dict[Finger, QLabel] = {}
        self.score_labels: dict[Finger, QLabel] = {}
        for i, finger in enumerate(DRAWN_ORDER):
            row, col = divmod(i, 5)
            image = QLabel(self)
            image.setFixedSize(*SMALL_THUMB)
            image.setFrameShape(QFrame.Shape.Box)
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            image.setToolTip(_capitalized(self.ctx.label(FINGER_LABELS[finger])))
            score = QLabel(self)
            score.setAlignment(Qt.AlignmentFlag.AlignCenter)
            score.setMinimumWidth(SMALL_THUMB[0] + 24)
            thumbs.addWidget(image, row * 2, col, Qt.AlignmentFlag.AlignCenter)
            thumbs.addWidget(score, row * 2 + 1, col, Qt.AlignmentFlag.AlignCenter)
            self.thumb_labels[finger] = image
            self.score_labels[finger] = score

        left = QVBoxLayout()
        left.addWidget(self.diagram, 3)
        left.addLayout(thumbs)

        self.finger_title = QLabel(self)
        self.finger_title.setObjectName("subtitle")
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.quality_bar = QualityBar(DEFAULT_THRESHOLD, self)
        self.attempts_label = QLabel(self)
        self.finger_image = QLabel(self)
        self.finger_image.setFixedSize(*LARGE_THUMB)
        self.finger_image.setFrameShape(QFrame.Shape.Box)
        self.finger_image.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.retry_button = QPushButton(self.tr("Chụp &lại cả lượt"), self)
        self.retry_button.setToolTip(
            self.tr("Bỏ các ảnh của lượt này và chụp lại từ đầu (ba lần chụp mới).")
        )
        self.exception_button.setToolTip(
            self.tr("Ngón tay không lấy được: bị cụt, đang băng bó, không có ngón…")
        )
        self.retry_button.clicked.connect(self.retry)
        panel = self._side_panel(
            [self.finger_title, self.status_label, self.quality_bar, self.attempts_label],
            self.finger_image,
        )

        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(panel)

        self.duplicates_label = QLabel(self)
        self.duplicates_label.setObjectName("notice")
        self.duplicates_label.setWordWrap(True)
        self.duplicates_label.hide()
        self._assemble(body, [self.duplicates_label])
        self.setFocusProxy(self.diagram)

    def _buttons(self) -> list[QPushButton]:
        return [self.capture_button, self.retry_button, self.exception_button, self.cancel_button]

    # --- public state (the wizard, tests) ---

    def state(self) -> dict[Finger, FingerProgress]:
        return dict(self._state)

    def attempts(self, slap: Slap) -> int:
        return self._attempts[slap]

    def duplicates(self) -> list[DuplicatePair]:
        return list(self._duplicates)

    def current_slap(self) -> Slap:
        return fpprogress.slap_of(self.diagram.selected())

    # --- wizard page contract ---

    def _new_capture(self, dossier_id: str) -> FingerCapture:
        session = self.ctx.service.session
        return FingerCapture(
            self.ctx.service,
            self.ctx.devices,
            dossier_id,
            session.operator_id if session is not None else None,
        )

    def _forget(self) -> None:
        self._thumbs.clear()
        self._duplicates = []
        self._attempts = dict.fromkeys(SEQUENCE, 0)

    def _is_required(self, captures: Captures | None) -> bool:
        return captures is not None and captures.fingerprints

    def _not_needed_text(self, captures: Captures | None, dossier_id: str) -> str:
        if captures is None:
            service = self.ctx.service
            missing = [m for m in service.missing_captures(dossier_id) if m.kind == "form"]
            if missing:
                return self.ctx.label((missing[0].vi, missing[0].en))
            return self.tr("Chưa có ngày sinh: chưa biết có cần lấy vân tay không.")
        return self.tr("Hồ sơ này không cần lấy vân tay: công dân chưa đến tuổi thu nhận vân tay.")

    def _show_stored(self, view: DossierView, fresh: bool) -> None:
        """The fingers as stored (a fresh dossier: its attempts counted from the store)."""
        info = self.ctx.service.capture_info(view.id)
        state = fpprogress.progress(view.parts, info)
        if fresh:
            attempts = {s: fpprogress.stored_attempts(state, s) for s in SEQUENCE}
        else:
            attempts = dict(self._attempts)
        self._apply(Snapshot(state, attempts))

    # --- actions ---

    def capture(self) -> None:
        """One attempt at the selected finger's slap (Space)."""
        self._start_capture(restart=False)

    def retry(self) -> None:
        """Start the selected finger's slap over and capture it."""
        self._start_capture(restart=True)

    def _start_capture(self, restart: bool) -> None:
        capture = self._capture
        if capture is None or not self._ready():
            return
        slap = self.current_slap()
        if not restart and self._attempts[slap] >= MAX_ATTEMPTS:
            self._set_error(
                self.tr(
                    "Lượt {0} đã chụp đủ {1} lần: chọn «Chụp lại cả lượt» hoặc ghi ngoại lệ."
                ).format(slap_text(slap), MAX_ATTEMPTS)
            )
            return
        finger = self.diagram.selected()
        include = finger if self._state[finger].status == FingerStatus.EXCEPTION else None
        prompter = self._prompter
        self._start(
            capture,
            self.tr("Đang chụp {0}: giữ yên các ngón tay trên máy quét…").format(slap_text(slap)),
            lambda: capture.capture(slap, prompter, include=include, restart=restart),
        )

    def show_exception_dialog(self) -> ExceptionDialog | None:
        """Open the exception dialog for the selected finger (non-blocking; also returned)."""
        capture = self._capture
        if capture is None:
            return None
        finger = self.diagram.selected()
        current = self._state[finger]
        return self._exception_dialog(
            self.ctx.label(FINGER_LABELS[finger]),
            [k for k in ExceptionKind if k in FINGER_EXCEPTIONS],
            PartKind.FINGERPRINT,
            finger.value,
            lambda kind, reason: lambda: capture.exception_recorded(finger, kind, reason),
            (current.exception, current.reason) if current.exception else None,
        )

    def _dialog_closed(self) -> None:
        self.diagram.setFocus()

    # --- worker plumbing ---

    def _captured(self, snapshot: Snapshot) -> None:
        self.last_outcome = snapshot.outcome
        super()._captured(snapshot)
        capture = self._capture
        if capture is not None:
            self.ctx.worker.submit(capture.duplicates, self._checked(capture), self._check_failed)

    def _checked(self, capture: FingerCapture) -> Callable[[Any], None]:
        def show(pairs: list[DuplicatePair]) -> None:
            if capture is not self._capture:
                return
            self._duplicates = list(pairs)
            lines = [self.ctx.label(p.message()) for p in pairs]
            self.duplicates_label.setText("\n".join(lines))
            self.duplicates_label.setVisible(bool(lines))

        return show

    def _check_failed(self, exc: BaseException) -> None:
        self.duplicates_label.setText(
            self.tr("Không kiểm tra được ngón trùng: {0}").format(self.ctx.error_text(exc))
        )
        self.duplicates_label.show()

    def _retry_text(self) -> str:
        return self.tr("Chưa chụp được. Kiểm tra máy quét rồi nhấn Space để thử lại.")

    def _device_error_text(self, exc: BaseException) -> str:
        text = self.ctx.error_text(exc)
        if isinstance(exc, DeviceError):
            return self.tr("Máy quét vân tay: {0}").format(text)
        return text

    # --- showing the state ---

    def _apply(self, snapshot: Snapshot) -> None:
        self._state = dict(snapshot.state)
        self._attempts = dict(snapshot.attempts)
        for finger, image in snapshot.thumbs.items():
            self._thumbs[finger] = gray_pixmap(image)
        for finger, item in self._state.items():
            if item.status not in (FingerStatus.GOOD, FingerStatus.LOW):
                self._thumbs.pop(finger, None)
        self._show_device(snapshot.device)
        self.diagram.set_statuses({f: item.status for f, item in self._state.items()})
        for finger in Finger:
            self._show_thumb(finger)
        self._show_selected()

    def _show_thumb(self, finger: Finger) -> None:
        item = self._state[finger]
        pixmap = self._thumbs.get(finger)
        label = self.thumb_labels[finger]
        if pixmap is not None:
            label.setPixmap(
                pixmap.scaled(
                    *SMALL_THUMB,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            label.clear()
            label.setText("×" if item.status == FingerStatus.EXCEPTION else "—")
        if item.status == FingerStatus.EXCEPTION:
            self.score_labels[finger].setText(self.tr("ngoại lệ"))
        elif item.quality is not None:
            self.score_labels[finger].setText(str(item.quality))
        else:
            self.score_labels[finger].setText("")

    def _advance(self) -> None:
        """Select the next finger that needs work and say what to do."""
        slap = fpprogress.next_slap(self._state, self._attempts, MAX_ATTEMPTS)
        if slap is not None:
            self.diagram.select(fpprogress.first_open_finger(self._state, slap))
            self.instruction_label.setText(
                self.tr("Tiếp theo: {0}. Đặt các ngón lên máy quét rồi nhấn Space.").format(
                    slap_text(slap)
                )
            )
        elif open_fingers := fpprogress.unresolved(self._state):
            self.diagram.select(open_fingers[0])
            names = ", ".join(self.ctx.label(FINGER_LABELS[f]) for f in open_fingers)
            self.instruction_label.setText(
                self.tr("Chưa lấy được: {0}. Chụp lại cả lượt hoặc ghi ngoại lệ.").format(names)
            )
        else:
            self.instruction_label.setText(self.tr("Đã xong vân tay mười ngón."))
        self._show_selected()
        if self.isVisible():
            self.diagram.setFocus()

    def _show_selected(self) -> None:
        finger = self.diagram.selected()
        item = self._state[finger]
        slap = fpprogress.slap_of(finger)
        self.finger_title.setText(_capitalized(self.ctx.label(FINGER_LABELS[finger])))
        attempts = self._attempts[slap]
        if item.status == FingerStatus.PENDING:
            status = self.tr("Chưa lấy vân tay.")
        elif item.status == FingerStatus.GOOD:
            status = self.tr("Đạt yêu cầu.")
        elif item.status == FingerStatus.LOW and attempts >= MAX_ATTEMPTS:
            status = self.tr("Chất lượng thấp; đã hết lần chụp, giữ ảnh tốt nhất.")
        elif item.status == FingerStatus.LOW:
            status = self.tr("Chất lượng thấp: nên chụp lại.")
        else:
            kind = ExceptionKind(item.exception) if item.exception else None
            kind_text = self.ctx.label(EXCEPTION_LABELS[kind]) if kind else ""
            status = self.tr("Ngoại lệ: {0}. Lý do: {1}").format(kind_text, item.reason)
            if not item.confirmed_by:
                status += " " + self.tr("(chờ giám sát viên xác nhận)")
        self.status_label.setText(status)
        self.quality_bar.set_value(item.quality)
        self.attempts_label.setText(
            self.tr("Lần chụp lượt {0}: {1}/{2}").format(slap_text(slap), attempts, MAX_ATTEMPTS)
        )
        pixmap = self._thumbs.get(finger)
        if pixmap is not None:
            self.finger_image.setPixmap(
                pixmap.scaled(
                    *LARGE_THUMB,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.finger_image.clear()
            self.finger_image.setText(self.tr("Chưa có ảnh"))
        self.capture_button.setText(self.tr("Chụp {0}  [Space]").format(slap_text(slap)))
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self._ready()
        slap = self.current_slap()
        self.capture_button.setEnabled(ready and self._attempts[slap] < MAX_ATTEMPTS)
        stored = any(
            self._state[f].status in (FingerStatus.GOOD, FingerStatus.LOW)
            for f in SLAP_FINGERS[slap]
        )
        self.retry_button.setEnabled(ready and (self._attempts[slap] > 0 or stored))
        self.exception_button.setEnabled(ready)
        self.cancel_button.setEnabled(self._busy)

    # --- keyboard ---

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """Space, Esc (the base); digits and arrows choose a finger on the diagram."""
        key = event.key()
        if int(Qt.Key.Key_0.value) <= key <= int(Qt.Key.Key_9.value) or key in (
            Qt.Key.Key_Left,
            Qt.Key.Key_Right,
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
        ):
            self.diagram.keyPressEvent(event)
            return
        super().keyPressEvent(event)
