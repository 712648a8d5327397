"""A read-only view of one dossier, read like the intake record: first what needs the reader's
attention (failed checks, prints below the threshold, exceptions, overrides by name), then the
form in words (names, not codes; dates day/month/year: ``station/form_view.py``), then the
media: photo with its checks, signature, ten prints with their quality, documents.

The supervisor's review screen uses it with ``actions=True`` (buttons to confirm an exception and
to accept a home-visit background; the core decides whether the click is allowed); the wizard's
review page may use it read-only. Reading and decoding the images (WSQ prints) runs on the
worker; only the finished ``QImage`` objects come back to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from station import dossier as dossier_mod
from station import form_view
from station.capture import completeness, documents
from station.capture import fingerprint as fingerprint_mod
from station.clock import local_time_text
from station.devices import FINGER_LABELS, Finger
from station.errors import StationError
from station.lifecycle import STATE_LABELS, State
from station.service import StationService
from ui.context import UiContext
from ui.qt import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QImage,
    QLabel,
    QPixmap,
    QPushButton,
    QScrollArea,
    Qt,
    QtWidgets,
    QVBoxLayout,
    QWidget,
    Signal,
)

T = TypeVar("T")

FACE_SIZE = (160, 240)
PRINT_SIZE = (96, 112)
SIGNATURE_SIZE = (320, 100)
DOCUMENT_SIZE = (120, 160)


@dataclass
class DossierData:
    """Everything the view shows, read (and the images decoded) off the GUI thread."""

    view: dossier_mod.DossierView
    capture: dict[str, Any]
    face: QImage | None = None
    face_meta: dict[str, Any] = field(default_factory=dict)
    prints: dict[str, tuple[QImage | None, dict[str, Any]]] = field(default_factory=dict)
    signature: QImage | None = None
    documents: list[tuple[str, QImage | None]] = field(default_factory=list)
    form_rows: list[tuple[str, str]] = field(default_factory=list)


def _image(data: bytes) -> QImage | None:
    image = QImage()
    return image if image.loadFromData(data) else None


def _print_image(data: bytes) -> QImage | None:
    """A stored print (WSQ or PNG) as a grayscale image; None if it cannot be decoded."""
    try:
        gray = fingerprint_mod.decode_stored(data)
    except (StationError, ValueError):
        return _image(data)
    height, width = gray.shape[:2]
    image = QImage(gray.tobytes(), width, height, width, QImage.Format.Format_Grayscale8)
    return image.copy()  # own the pixels: the numpy buffer goes away


def load_dossier(service: StationService, dossier_id: str, lang: str = "vi") -> DossierData:
    """Read one dossier and decode its images (runs on the worker); the form in ``lang``."""
    view = service.get_dossier(dossier_id)
    data = DossierData(view=view, capture=service.capture_info(dossier_id))
    for part in view.parts:
        if part.kind == dossier_mod.PartKind.FACE and not part.slot:
            data.face = _image(service.part_data(dossier_id, part.kind, part.slot))
            data.face_meta = part.meta
        elif part.kind == dossier_mod.PartKind.FINGERPRINT:
            raw = service.part_data(dossier_id, part.kind, part.slot)
            data.prints[part.slot] = (_print_image(raw), part.meta)
        elif part.kind == dossier_mod.PartKind.SIGNATURE and not part.slot:
            data.signature = _image(service.part_data(dossier_id, part.kind, part.slot))
        elif part.kind == dossier_mod.PartKind.DOCUMENT:
            raw = service.part_data(dossier_id, part.kind, part.slot)
            data.documents.append((part.slot, _image(raw)))
    data.form_rows = form_view.rows(view.form, service.masterdata, lang)
    return data


def while_alive(widget: QWidget, fn: Callable[[T], None]) -> Callable[[T], None]:
    """``fn``, or nothing once ``widget`` is destroyed (a worker's outcome may arrive later)."""
    alive = [True]
    widget.destroyed.connect(lambda *_: alive.clear())

    def call(value: T) -> None:
        if alive:
            fn(value)

    return call


def _pixmap(image: QImage | None, size: tuple[int, int]) -> QPixmap | None:
    if image is None or image.isNull():
        return None
    return QPixmap.fromImage(image).scaled(
        size[0],
        size[1],
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def _clear(layout: QGridLayout | QVBoxLayout | QFormLayout | QHBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        if widget is not None:
            widget.deleteLater()
        child = item.layout()
        if child is not None:
            _clear(child)  # type: ignore[arg-type]


class DossierView(QWidget):
    """Everything one dossier holds, read-only; ``show_dossier`` loads it on the worker."""

    #: Emitted after a dossier has been shown (its id).
    loaded = Signal(str)
    #: The supervisor clicked "confirm" beside an exception: kind, slot.
    exception_confirm_requested = Signal(str, str)
    #: The supervisor clicked "accept background" (home visit, failed background check).
    background_accept_requested = Signal()

    def __init__(
        self, ctx: UiContext, parent: QWidget | None = None, *, actions: bool = False
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.allow_actions = actions
        self.dossier_id: str | None = None
        self.data: DossierData | None = None
        self.exception_buttons: dict[str, QPushButton] = {}
        self._request = 0

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll_area)
        body = QWidget(self.scroll_area)
        self.scroll_area.setWidget(body)
        column = QVBoxLayout(body)
        column.setSpacing(10)
        # Scroll rather than squeeze: the body never gets smaller than its contents need.
        column.setSizeConstraint(QtWidgets.QLayout.SizeConstraint.SetMinimumSize)

        self.header_label = QLabel(body)
        self.header_label.setObjectName("subtitle")
        self.header_label.setWordWrap(True)
        self.status_label = QLabel(body)
        self.status_label.setWordWrap(True)
        self.error_label = QLabel(body)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        column.addWidget(self.header_label)
        column.addWidget(self.status_label)
        column.addWidget(self.error_label)

        # First what needs attention: alarms, exceptions and overrides.
        self.exceptions_box = QGroupBox(self.tr("Cảnh báo, ngoại lệ và quyết định thay"), body)
        self.exceptions_layout = QVBoxLayout(self.exceptions_box)
        self.alarms_label = QLabel(self.exceptions_box)
        self.alarms_label.setObjectName("error")
        self.alarms_label.setWordWrap(True)
        column.addWidget(self.exceptions_box)

        # Then the form, as the intake record prints it.
        self.form_box = QGroupBox(self.tr("Tờ khai"), body)
        self.form_layout = QFormLayout(self.form_box)
        self.form_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        column.addWidget(self.form_box)

        top = QHBoxLayout()
        self.photo_box = QGroupBox(self.tr("Ảnh chân dung"), body)
        photo_row = QHBoxLayout(self.photo_box)
        self.face_label = QLabel(self.photo_box)
        self.face_label.setFixedSize(*FACE_SIZE)
        self.face_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.face_label.setFrameShape(QFrame.Shape.Box)
        photo_row.addWidget(self.face_label, 0, Qt.AlignmentFlag.AlignTop)
        checks_column = QVBoxLayout()
        self.checks_layout = QVBoxLayout()
        checks_column.addLayout(self.checks_layout)
        self.context_label = QLabel(self.photo_box)
        self.context_label.setWordWrap(True)
        checks_column.addWidget(self.context_label)
        self.background_button = QPushButton(self.tr("Chấp nhận &phông nền…"), self.photo_box)
        self.background_button.clicked.connect(self.background_accept_requested)
        self.background_button.hide()
        checks_column.addWidget(self.background_button, 0, Qt.AlignmentFlag.AlignLeft)
        checks_column.addStretch(1)
        photo_row.addLayout(checks_column, 1)
        top.addWidget(self.photo_box, 3)

        side = QVBoxLayout()
        self.signature_box = QGroupBox(self.tr("Chữ ký"), body)
        sig_layout = QVBoxLayout(self.signature_box)
        self.signature_label = QLabel(self.signature_box)
        self.signature_label.setMinimumSize(*SIGNATURE_SIZE)
        self.signature_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sig_layout.addWidget(self.signature_label)
        side.addWidget(self.signature_box)
        side.addStretch(1)
        top.addLayout(side, 2)
        column.addLayout(top)

        self.prints_box = QGroupBox(self.tr("Vân tay"), body)
        self.prints_layout = QGridLayout(self.prints_box)
        column.addWidget(self.prints_box)

        self.documents_box = QGroupBox(self.tr("Giấy tờ"), body)
        self.documents_layout = QHBoxLayout(self.documents_box)
        column.addWidget(self.documents_box)
        column.addStretch(1)
        self.clear()

    # --- loading ---

    def clear(self) -> None:
        """Show nothing (no dossier selected)."""
        self._request += 1
        self.dossier_id = None
        self.data = None
        self.header_label.setText(self.tr("Chưa chọn hồ sơ."))
        self.status_label.clear()
        self.error_label.hide()
        for box in (
            self.photo_box,
            self.signature_box,
            self.exceptions_box,
            self.prints_box,
            self.documents_box,
            self.form_box,
        ):
            box.hide()

    def show_dossier(self, dossier_id: str) -> None:
        """Load ``dossier_id`` on the worker and show it when it arrives (``loaded``)."""
        self._request += 1
        request = self._request
        self.dossier_id = dossier_id
        self.status_label.setText(self.tr("Đang tải hồ sơ…"))
        service, lang = self.ctx.service, self.ctx.lang
        self.ctx.worker.submit(
            lambda: load_dossier(service, dossier_id, lang),
            while_alive(self, lambda data: self._loaded(request, data)),
            while_alive(self, lambda exc: self._failed(request, exc)),
        )

    def _failed(self, request: int, exc: BaseException) -> None:
        if request != self._request:
            return
        self.status_label.clear()
        self.error_label.setText(self.ctx.error_text(exc))
        self.error_label.show()

    def _loaded(self, request: int, data: DossierData) -> None:
        if request != self._request:
            return  # another dossier was asked for meanwhile
        self.data = data
        self.error_label.hide()
        self.status_label.clear()
        view = data.view
        lang_label = self.ctx.label
        case = dossier_mod.CASE_LABELS.get(dossier_mod.CaseType(view.case_type))
        name = str(view.form.get("full_name") or "")
        self.header_label.setText(
            self.tr("Hồ sơ {number} — {name} — {case} — {state}").format(
                number=view.number,
                name=name or "…",
                case=lang_label(case) if case else view.case_type,
                state=lang_label(STATE_LABELS[view.state]),
            )
        )
        self.status_label.setText(
            self.tr("Cán bộ thu nhận: {operator}; tạo lúc {created}; cập nhật {updated}").format(
                operator=view.operator_id,
                created=local_time_text(view.created_at),
                updated=local_time_text(view.updated_at),
            )
        )
        if view.state in (State.SEALED, State.UPLOADED, State.RECEIPTED, State.PURGED):
            self.status_label.setText(
                self.status_label.text()
                + "\n"
                + self.tr("Hồ sơ đã niêm phong: trạm không còn đọc được nội dung.")
            )
        self._show_photo(data)
        self._show_prints(data)
        self._show_exceptions(data)
        self._show_signature(data)
        self._show_documents(data)
        self._show_form(data)
        self.loaded.emit(view.id)

    # --- sections ---

    def _show_photo(self, data: DossierData) -> None:
        _clear(self.checks_layout)
        pixmap = _pixmap(data.face, FACE_SIZE)
        if pixmap is not None:
            self.face_label.setPixmap(pixmap)
        else:
            self.face_label.clear()
            self.face_label.setText(self.tr("Chưa có ảnh"))
        checks = data.face_meta.get("checks")
        if isinstance(checks, dict):
            for check in checks.values():
                if not isinstance(check, dict):
                    continue
                passed = bool(check.get("passed"))
                text = self.ctx.label((str(check.get("vi", "")), str(check.get("en", ""))))
                row = QLabel(("✓ " if passed else "✗ ") + text, self.photo_box)
                row.setWordWrap(True)
                if not passed:
                    row.setObjectName("error")
                self.checks_layout.addWidget(row)
            if data.face_meta.get("forced"):
                note = QLabel(self.tr("Ảnh do cán bộ chụp bằng tay."), self.photo_box)
                note.setObjectName("notice")
                self.checks_layout.addWidget(note)
        context = data.capture.get("context", {})
        waiver = context.get("background_waiver") if isinstance(context, dict) else None
        lines = []
        if isinstance(context, dict) and context.get("home_visit"):
            lines.append(
                self.tr("Thu nhận tại nhà: {place}").format(place=context.get("location", ""))
            )
        if isinstance(waiver, dict):
            lines.append(
                self.tr("Phông nền đã được {who} chấp nhận: {reason}").format(
                    who=waiver.get("accepted_by", ""), reason=waiver.get("reason", "")
                )
            )
        self.context_label.setText("\n".join(lines))
        self.context_label.setVisible(bool(lines))
        failed = completeness.background_failed(checks) and data.face is not None
        self.background_button.setVisible(self.allow_actions and failed and not waiver)
        self.photo_box.setVisible(data.face is not None or bool(data.view.parts))

    def _show_prints(self, data: DossierData) -> None:
        _clear(self.prints_layout)
        exceptions = data.capture.get("exceptions", {})
        for i, finger in enumerate(Finger):
            cell = QVBoxLayout()
            image_label = QLabel(self.prints_box)
            image_label.setFixedSize(*PRINT_SIZE)
            image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            image_label.setFrameShape(QFrame.Shape.Box)
            caption = QLabel(self.prints_box)
            caption.setWordWrap(True)
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            name = self.ctx.label(FINGER_LABELS[finger])
            image, meta = data.prints.get(finger.value, (None, {}))
            pixmap = _pixmap(image, PRINT_SIZE)
            exc = exceptions.get(completeness.exception_key("fingerprint", finger.value))
            if pixmap is not None:
                image_label.setPixmap(pixmap)
                caption.setText(
                    self.tr("{finger}\nchất lượng {quality}").format(
                        finger=name, quality=meta.get("quality", "?")
                    )
                )
                if meta.get("below_threshold"):
                    caption.setObjectName("error")
            elif isinstance(exc, dict):
                image_label.setText(self.tr("Ngoại lệ"))
                caption.setText(f"{name}\n{self._exception_kind(exc)}")
                caption.setObjectName("notice")
            else:
                image_label.setText("—")
                caption.setText(self.tr("{finger}\nchưa lấy").format(finger=name))
            cell.addWidget(image_label, 0, Qt.AlignmentFlag.AlignHCenter)
            cell.addWidget(caption)
            self.prints_layout.addLayout(cell, i // 5, i % 5)
        self.prints_box.setVisible(bool(data.prints) or bool(exceptions))

    def _exception_kind(self, exc: dict[str, Any]) -> str:
        try:
            return self.ctx.label(
                completeness.EXCEPTION_LABELS[completeness.ExceptionKind(str(exc.get("kind")))]
            )
        except ValueError:
            return str(exc.get("kind", ""))

    def _alarms(self, data: DossierData) -> list[str]:
        """Failed checks, prints below the threshold and overrides, one line each."""
        lines: list[str] = []
        checks = data.face_meta.get("checks")
        if isinstance(checks, dict):
            for check in checks.values():
                if isinstance(check, dict) and not check.get("passed"):
                    text = self.ctx.label((str(check.get("vi", "")), str(check.get("en", ""))))
                    lines.append(self.tr("Ảnh chân dung: {check}").format(check=text))
        if data.face_meta.get("forced"):
            lines.append(self.tr("Ảnh do cán bộ chụp bằng tay, không qua kiểm tra tự động."))
        for finger in Finger:
            _image, meta = data.prints.get(finger.value, (None, {}))
            if meta.get("below_threshold"):
                lines.append(
                    self.tr("Vân tay {finger}: chất lượng {quality}, dưới ngưỡng").format(
                        finger=self.ctx.label(FINGER_LABELS[finger]),
                        quality=meta.get("quality", "?"),
                    )
                )
        context = data.capture.get("context", {})
        waiver = context.get("background_waiver") if isinstance(context, dict) else None
        if isinstance(waiver, dict):
            lines.append(
                self.tr("Phông nền đã được {who} chấp nhận: {reason}").format(
                    who=waiver.get("accepted_by", ""), reason=waiver.get("reason", "")
                )
            )
        return lines

    def _show_exceptions(self, data: DossierData) -> None:
        self.exceptions_layout.removeWidget(self.alarms_label)
        _clear(self.exceptions_layout)
        alarms = self._alarms(data)
        self.alarms_label.setText("\n".join(f"• {line}" for line in alarms))
        self.alarms_label.setVisible(bool(alarms))
        self.exceptions_layout.addWidget(self.alarms_label)
        exceptions = data.capture.get("exceptions", {})
        self.exception_buttons = {}
        for key, exc in sorted(exceptions.items()):
            if not isinstance(exc, dict):
                continue
            kind, _, slot = key.partition("/")
            where = (
                self.ctx.label(FINGER_LABELS[Finger(slot)])
                if kind == "fingerprint" and slot in Finger._value2member_map_
                else self.tr("Chữ ký")
            )
            row = QHBoxLayout()
            confirmed = exc.get("confirmed_by")
            text = self.tr("{where}: {kind} — {reason}").format(
                where=where, kind=self._exception_kind(exc), reason=exc.get("reason", "")
            )
            if confirmed:
                text += " " + self.tr("(đã xác nhận: {who})").format(who=confirmed)
            label = QLabel(text, self.exceptions_box)
            label.setWordWrap(True)
            row.addWidget(label, 1)
            if self.allow_actions and not confirmed:
                button = QPushButton(self.tr("Xác nhận"), self.exceptions_box)
                button.clicked.connect(
                    lambda _=False, k=kind, s=slot: self.exception_confirm_requested.emit(k, s)
                )
                self.exception_buttons[key] = button
                row.addWidget(button)
            self.exceptions_layout.addLayout(row)
        self.exceptions_box.setVisible(bool(exceptions) or bool(alarms))

    def _show_signature(self, data: DossierData) -> None:
        pixmap = _pixmap(data.signature, SIGNATURE_SIZE)
        if pixmap is not None:
            self.signature_label.setPixmap(pixmap)
        else:
            self.signature_label.clear()
            self.signature_label.setText(self.tr("Chưa có chữ ký"))
        self.signature_box.setVisible(bool(data.view.parts))

    def _show_documents(self, data: DossierData) -> None:
        _clear(self.documents_layout)
        for slot, image in data.documents:
            cell = QVBoxLayout()
            thumb = QLabel(self.documents_box)
            thumb.setFixedSize(*DOCUMENT_SIZE)
            thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
            thumb.setFrameShape(QFrame.Shape.Box)
            pixmap = _pixmap(image, DOCUMENT_SIZE)
            if pixmap is not None:
                thumb.setPixmap(pixmap)
            type_name, _, page = slot.rpartition("_")
            try:
                label = self.ctx.label(documents.DOCUMENT_LABELS[documents.DocumentType(type_name)])
            except ValueError:
                label = type_name
            caption = QLabel(f"{label} ({page})", self.documents_box)
            caption.setWordWrap(True)
            cell.addWidget(thumb)
            cell.addWidget(caption)
            self.documents_layout.addLayout(cell)
        self.documents_layout.addStretch(1)
        self.documents_box.setVisible(bool(data.documents))

    def _show_form(self, data: DossierData) -> None:
        _clear(self.form_layout)
        for label, value in data.form_rows:
            text = QLabel(value, self.form_box)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form_layout.addRow(label + ":", text)
        self.form_box.setVisible(bool(data.form_rows))
