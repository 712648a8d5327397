"""The wizard's form page: every field of the citizen's form, in the order of the paper form
(DC01), with each problem the station finds shown beside its field, and autosave.

Rules are the station's: after an edit (debounced) the page asks ``service.form_problems`` and
shows each problem next to the field its path names (``relatives[2].id_number`` → the third
relative's row). A "required" problem of a field the officer has not reached yet is held back:
a field counts as reached once the focus has been on it or on any field after it in tab order,
or once it holds a value; ``leave()`` (Next, or the session locking) reveals them all. A resumed
draft counts every field up to the last one holding a value as reached.

The draft is saved with ``service.update_form`` one second after the last edit and in
``leave()``; a failed save keeps every typed value on screen, says why, and is retried on the
next edit or on leaving. A prefill (an old card's QR code scanned here) only fills empty fields:
``station.prefill.merge`` keeps typed values and reports the differences, shown at the top.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from station.dossier import CASE_LABELS, EDITABLE, CaseType
from station.errors import StationError
from station.form import LABELS, SUBFIELD_LABELS, BloodGroup, FieldProblem
from station.idnumber import SEX_LABELS, Sex
from station.masterdata import DEFAULT_ETHNIC_LIST
from station.prefill import Prefill, merge
from ui.context import UiContext
from ui.form_fields import (
    AddressField,
    RelativeRow,
    SearchCombo,
    code_of,
    country_items,
    date_text,
    date_value,
    find_code,
)
from ui.form_values import describe_value, enum_items
from ui.qt import (
    QCheckBox,
    QComboBox,
    QEvent,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QObject,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QShortcut,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

CHECK_DELAY_MS = 400
SAVE_DELAY_MS = 1000
ERROR_COLUMN_WIDTH = 330
#: Narrow windows (1280x700, 125 % scaling) give the messages less room, never the captions.
ERROR_COLUMN_MIN_WIDTH = 160
#: Combo boxes are as wide as this many characters at least, not as their longest item.
COMBO_MIN_CHARS = 10
OTHER = "_other"

STYLE = """
QLabel#fieldError { color: #b00020; }
QLabel#sectionTitle { font-size: 13pt; font-weight: bold; padding-top: 10px; }
QLabel#notes { color: #8a4b00; }
QLabel#saveError { color: #b00020; font-weight: bold; }
"""


@dataclass
class _Slot:
    """Where the problems of one field path are shown, and what 'reached' means for it."""

    path: str
    index: int
    error: QLabel
    is_empty: Callable[[], bool]


@dataclass
class _Field:
    """One top-level key of the form: how to read and show it, and when it is on screen."""

    get: Callable[[], Any]
    put: Callable[[Any], object]
    active: Callable[[], bool] = lambda: True
    rows: list[QWidget] = field(default_factory=list)


def _error_label(parent: QWidget) -> QLabel:
    error = QLabel(parent)
    error.setObjectName("fieldError")
    error.setWordWrap(True)
    error.setMinimumWidth(ERROR_COLUMN_MIN_WIDTH)
    error.setMaximumWidth(ERROR_COLUMN_WIDTH)
    error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    error.hide()
    return error


class FormPage(QWidget):
    """Wizard page: the citizen's form of one draft dossier."""

    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.md = ctx.service.masterdata
        self.dossier_id: str | None = None
        self.case_type: str = CaseType.FIRST_ISSUE.value
        self.problems: list[FieldProblem] = []
        self.conflicts: dict[str, tuple[Any, Any]] = {}
        self.save_error: str = ""
        self._base: dict[str, Any] = {}
        self._loading = False
        self._dirty = False
        self._reveal_all = False
        self._reached = -1
        self._slots: dict[str, _Slot] = {}
        self._aliases: dict[str, str] = {}
        self._fields: dict[str, _Field] = {}
        self._focus_index: dict[QWidget, int] = {}
        self._tab_chain: list[QWidget] = []
        self.editors: dict[str, QWidget] = {}
        self.addresses: dict[str, AddressField] = {}
        self.relative_rows: list[RelativeRow] = []
        self._relative_rows_in_form: list[int] = []
        self.setStyleSheet(STYLE)

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_now)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_now)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.addLayout(self._build_top())
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self.scroll_area)
        self.grid = QGridLayout(body)
        self.grid.setColumnStretch(1, 1)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(6)
        self._row = 0
        self._build_fields(body)
        self.grid.setRowStretch(self._row, 1)
        # Captions keep room for a few words per line; combos do not claim their longest item's
        # width (a long commune name pushed the form wider than a 1280-pixel window).
        self.grid.setColumnMinimumWidth(0, self.fontMetrics().horizontalAdvance("Nơi đăng ký khai"))
        for combo in body.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(COMBO_MIN_CHARS)
        self.scroll_area.setWidget(body)
        outer.addWidget(self.scroll_area, 1)
        self._fix_tab_order()

        QShortcut(QKeySequence("Ctrl+S"), self, self.save_now)
        QShortcut(QKeySequence("Alt+A"), self, lambda: self.add_relative())

    # --- layout -----------------------------------------------------------------------------

    def _build_top(self) -> QVBoxLayout:
        top = QVBoxLayout()
        head = QHBoxLayout()
        self.title_label = QLabel(self.tr("Tờ khai"), self)
        self.title_label.setObjectName("subtitle")
        self.title_label.setWordWrap(True)
        head.addWidget(self.title_label, 1)
        self.qr_edit = QLineEdit(self)
        self.qr_edit.setPlaceholderText(self.tr("Quét mã QR thẻ cũ để điền các ô còn trống"))
        self.qr_edit.setMinimumWidth(260)
        self.qr_edit.returnPressed.connect(self._qr_entered)
        head.addWidget(self.qr_edit, 0)
        self.status_label = QLabel(self)
        head.addWidget(self.status_label, 0)
        top.addLayout(head)
        self.save_error_label = QLabel(self)
        self.save_error_label.setObjectName("saveError")
        self.save_error_label.setWordWrap(True)
        self.save_error_label.hide()
        top.addWidget(self.save_error_label)
        self.notes_label = QLabel(self)
        self.notes_label.setObjectName("notes")
        self.notes_label.setWordWrap(True)
        self.notes_label.hide()
        top.addWidget(self.notes_label)
        self.other_error = _error_label(self)
        self.other_error.setMinimumWidth(0)
        self.other_error.setMaximumWidth(16_777_215)
        top.addWidget(self.other_error)
        self._slots[OTHER] = _Slot(OTHER, -1, self.other_error, lambda: False)
        return top

    def _section(self, parent: QWidget, title: str) -> QLabel:
        head = QLabel(title, parent)
        head.setObjectName("sectionTitle")
        self.grid.addWidget(head, self._row, 0, 1, 3)
        self._row += 1
        return head

    def _add_row(
        self,
        parent: QWidget,
        path: str,
        widget: QWidget,
        is_empty: Callable[[], bool],
        focus: list[QWidget] | None = None,
        text: str | None = None,
    ) -> list[QWidget]:
        """Label, editor and problem label on one grid row; registers the path's slot."""
        caption = QLabel(text if text is not None else self._label_of(path), parent)
        caption.setWordWrap(True)
        caption.setBuddy(widget)
        caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        error = _error_label(parent)
        self.grid.addWidget(caption, self._row, 0, Qt.AlignmentFlag.AlignTop)
        self.grid.addWidget(widget, self._row, 1)
        self.grid.addWidget(error, self._row, 2, Qt.AlignmentFlag.AlignTop)
        self._row += 1
        self._register(path, error, is_empty, focus or [widget])
        self.editors[path] = widget
        return [caption, widget, error]

    def _register(
        self, path: str, error: QLabel, is_empty: Callable[[], bool], focus: list[QWidget]
    ) -> int:
        index = len([s for s in self._slots.values() if s.index >= 0])
        self._slots[path] = _Slot(path, index, error, is_empty)
        for w in focus:
            self._focus_index[w] = index
            w.installEventFilter(self)
            self._tab_chain.append(w)
        return index

    def _label_of(self, path: str) -> str:
        key, _, sub = path.partition(".")
        if sub:
            text = self.ctx.label(SUBFIELD_LABELS.get(sub, (sub, sub)))
            return text[:1].upper() + text[1:]
        return self.ctx.label(LABELS.get(key, (key, key)))

    def _line(self, parent: QWidget, path: str, max_len: int = 200) -> QLineEdit:
        edit = QLineEdit(parent)
        edit.setMaxLength(max_len)
        edit.textChanged.connect(self._edited)
        rows = self._add_row(parent, path, edit, lambda: not edit.text().strip())
        self._fields[path] = _Field(lambda: edit.text().strip(), lambda v: edit.setText(_s(v)))
        self._fields[path].rows = rows
        return edit

    def _date(self, parent: QWidget, path: str, partial: bool) -> QLineEdit:
        edit = QLineEdit(parent)
        edit.setMaxLength(10)
        edit.setPlaceholderText(
            self.tr("dd/mm/yyyy, mm/yyyy hoặc yyyy") if partial else self.tr("dd/mm/yyyy")
        )
        edit.textChanged.connect(self._edited)
        rows = self._add_row(parent, path, edit, lambda: not edit.text().strip())
        self._fields[path] = _Field(
            lambda: date_value(edit.text()), lambda v: edit.setText(date_text(v))
        )
        self._fields[path].rows = rows
        return edit

    def _combo(self, parent: QWidget, path: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(parent)
        combo.addItem("")
        for code, text in items:
            combo.addItem(text, code)
        combo.currentIndexChanged.connect(self._edited)
        rows = self._add_row(parent, path, combo, lambda: not code_of(combo))
        self._fields[path] = _Field(
            lambda: code_of(combo),
            lambda v: combo.setCurrentIndex(find_code(combo, v)),
        )
        self._fields[path].rows = rows
        return combo

    def _search(self, parent: QWidget, path: str, items: list[tuple[str, str]]) -> SearchCombo:
        combo = SearchCombo("", parent)
        combo.set_items(items)
        combo.value_changed.connect(self._edited)
        rows = self._add_row(parent, path, combo, lambda: combo.value() is None)
        self._fields[path] = _Field(lambda: combo.value() or "", lambda v: combo.set_value(_s(v)))
        self._fields[path].rows = rows
        return combo

    def _address(self, parent: QWidget, path: str, abroad: bool) -> AddressField:
        address = AddressField(self.md, self.ctx.lang, abroad=abroad, parent=parent)
        address.changed.connect(self._edited)
        rows = self._add_row(parent, path, address, address.is_empty, focus=address.focus_widgets())
        self._fields[path] = _Field(address.value, address.set_value)
        self._fields[path].rows = rows
        self.addresses[path] = address
        return address

    def _build_fields(self, body: QWidget) -> None:
        self._section(body, self.tr("Thông tin công dân"))
        self._line(body, "full_name", 100)
        self._line(body, "other_names", 100)
        self._line(body, "id_number", 15)
        self._dc01(body)
        self._line(body, "old_id_number", 15)
        self._date(body, "date_of_birth", partial=True)
        sexes = [(s.value, self.ctx.label(SEX_LABELS[s])) for s in Sex]
        self._combo(body, "sex", sexes)

        self._section(body, self.tr("Nơi sinh, nơi đăng ký khai sinh, quê quán"))
        self._address(body, "place_of_birth", abroad=True)
        self._address(body, "birth_registration", abroad=True)
        self._address(body, "hometown", abroad=False)

        self._section(body, self.tr("Dân tộc, tôn giáo, quốc tịch"))
        self._ethnic(body)
        religions = sorted(self.md.religions.values(), key=lambda r: r.code)
        self._search(body, "religion", [(r.code, r.name) for r in religions])
        self._search(body, "nationality", country_items(self.md, self.ctx.lang))
        self._search(body, "other_nationality", country_items(self.md, self.ctx.lang))
        self._combo(body, "blood_group", [(b.value, b.value) for b in BloodGroup])
        self._combo(body, "marital_status", enum_items("marital_status", self.ctx.lang))

        self._section(body, self.tr("Nơi cư trú"))
        self._address(body, "permanent_residence", abroad=False)
        self._address(body, "temporary_residence", abroad=False)
        self._address(body, "current_residence", abroad=True)
        self._line(body, "residence_file_number", 30)
        self._line(body, "relation_to_head", 50)

        self._section(body, self.tr("Nghề nghiệp, đặc điểm, liên lạc"))
        self._line(body, "occupation", 100)
        self._line(body, "identifying_marks", 200)
        self._line(body, "phone", 20)
        self._line(body, "email", 254)

        self._previous_card(body)
        self._relatives(body)
        self._case_fields(body)

    def _dc01(self, body: QWidget) -> None:
        box = QCheckBox(self.ctx.label(LABELS["not_in_population_db"]), body)
        box.toggled.connect(self._edited)
        # Across the editor and message columns: a check box cannot wrap its long text.
        self.grid.addWidget(box, self._row, 1, 1, 2)
        self._row += 1
        self._focus_index[box] = self._slots["id_number"].index
        box.installEventFilter(self)
        self._tab_chain.append(box)
        self.editors["not_in_population_db"] = box
        self._fields["not_in_population_db"] = _Field(
            lambda: box.isChecked(),
            lambda v: box.setChecked(bool(v)),
            active=lambda: self.case_type == CaseType.FIRST_ISSUE,
            rows=[box],
        )

    def _ethnic(self, body: QWidget) -> None:
        holder = QWidget(body)
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        lists = QComboBox(holder)
        # Words, not the decision's code: the current list, and the one of 1979 on old papers.
        names = {
            "QD1019-2008": self.tr("Bảng mã hiện hành (2008)"),
            "QD121-1979": self.tr("Bảng mã cũ (1979)"),
        }
        for list_id in sorted(self.md.ethnic_groups, reverse=True):
            lists.addItem(names.get(list_id, list_id), list_id)
        combo = SearchCombo("", holder)
        row.addWidget(combo, 3)
        row.addWidget(lists, 1)

        def fill() -> None:
            groups = self.md.ethnic_list(str(lists.currentData()))
            combo.set_items([(g.code, g.name) for g in groups])

        def get() -> Any:
            code = combo.value()
            return {"list": lists.currentData(), "code": code} if code else None

        def put(value: Any) -> None:
            value = value if isinstance(value, dict) else {}
            lists.setCurrentIndex(find_code(lists, value.get("list", DEFAULT_ETHNIC_LIST)))
            fill()
            combo.set_value(_s(value.get("code")) or None)

        lists.setCurrentIndex(find_code(lists, DEFAULT_ETHNIC_LIST))
        fill()

        def list_changed(_index: int) -> None:
            fill()
            self._edited()

        lists.currentIndexChanged.connect(list_changed)
        combo.value_changed.connect(self._edited)
        rows = self._add_row(
            body, "ethnic_group", holder, lambda: combo.value() is None, focus=[combo, lists]
        )
        self.editors["ethnic_group"] = combo
        self._fields["ethnic_group"] = _Field(get, put, rows=rows)

    def _previous_card(self, body: QWidget) -> None:
        head = self._section(body, self.ctx.label(LABELS["previous_card"]))
        subs: dict[str, Callable[[], Any]] = {}
        rows: list[QWidget] = [head]
        for sub, kind in (
            ("number", "text"),
            ("issue_date", "date"),
            ("expiry_date", "date"),
            ("issue_place", "text"),
        ):
            path = f"previous_card.{sub}"
            edit = self._date(body, path, False) if kind == "date" else self._line(body, path, 100)
            rows += self._fields.pop(path).rows
            subs[sub] = _date_getter(edit) if kind == "date" else edit.text
        self._aliases["previous_card"] = "previous_card.number"

        def get() -> Any:
            value = {k: str(g()).strip() for k, g in subs.items()}
            return {k: v for k, v in value.items() if v}

        def put(value: Any) -> None:
            value = value if isinstance(value, dict) else {}
            for sub in subs:
                edit = self.editors[f"previous_card.{sub}"]
                assert isinstance(edit, QLineEdit)
                raw = value.get(sub)
                edit.setText(date_text(raw) if sub.endswith("_date") else _s(raw))

        self._fields["previous_card"] = _Field(
            get, put, active=lambda: self.case_type != CaseType.FIRST_ISSUE, rows=rows
        )

    def _relatives(self, body: QWidget) -> None:
        self._section(body, self.ctx.label(LABELS["relatives"]))
        holder = QWidget(body)
        self.relatives_layout = QVBoxLayout(holder)
        self.relatives_layout.setContentsMargins(0, 0, 0, 0)
        self.add_relative_button = QPushButton(self.tr("Thêm thân nhân (Alt+A)"), holder)
        self.add_relative_button.clicked.connect(self.add_relative)
        self.relatives_layout.addWidget(self.add_relative_button, 0, Qt.AlignmentFlag.AlignLeft)
        error = _error_label(body)
        self.grid.addWidget(holder, self._row, 0, 1, 2)
        self.grid.addWidget(error, self._row, 2, Qt.AlignmentFlag.AlignTop)
        self._row += 1
        self._relatives_index = self._register(
            "relatives", error, lambda: not self.relative_rows, [self.add_relative_button]
        )
        self._relatives_holder = holder
        self._fields["relatives"] = _Field(self._relatives_value, self._set_relatives)

    def _relatives_value(self) -> list[dict[str, Any]]:
        """The relatives' rows with something in them; blank rows are left out, so the form's
        index of a row is remembered to show its problems beside the right row."""
        values = [r.value() for r in self.relative_rows]
        self._relative_rows_in_form = [i for i, v in enumerate(values) if v]
        return [values[i] for i in self._relative_rows_in_form]

    def _case_fields(self, body: QWidget) -> None:
        head = self._section(body, self.tr("Theo loại hồ sơ"))
        self._case_head = head
        self._combo(body, "renewal_reason", enum_items("renewal_reason", self.ctx.lang))
        self._fields["renewal_reason"].active = lambda: self.case_type == CaseType.RENEWAL
        note = QPlainTextEdit(body)
        note.setTabChangesFocus(True)
        note.setFixedHeight(80)
        note.textChanged.connect(self._note_changed)
        rows = self._add_row(body, "correction_note", note, lambda: not note.toPlainText().strip())
        self._fields["correction_note"] = _Field(
            lambda: note.toPlainText().strip(),
            lambda v: note.setPlainText(_s(v)),
            active=lambda: self.case_type == CaseType.CORRECTION,
            rows=rows,
        )

    def _note_changed(self) -> None:
        self._edited()

    # --- relatives ---------------------------------------------------------------------------

    def add_relative(self, value: dict[str, Any] | None = None) -> RelativeRow:
        """A new relative row (focused when added by the officer)."""
        row = self._new_relative_row()
        if value:
            row.set_value(value)
        else:
            row.relation.setFocus()
            self._edited()
        return row

    def _new_relative_row(self) -> RelativeRow:
        index = len(self.relative_rows)
        line = QWidget(self._relatives_holder)
        box = QHBoxLayout(line)
        box.setContentsMargins(0, 0, 0, 0)
        row = RelativeRow(self.md, self.ctx.lang, line)
        error = _error_label(line)
        box.addWidget(row, 1)
        box.addWidget(error, 0)
        self.relatives_layout.insertWidget(index, line)
        row.changed.connect(self._edited)
        row.remove_requested.connect(self._remove_relative)
        self.relative_rows.append(row)
        self._slots[f"relatives[{index}]"] = _Slot(
            f"relatives[{index}]", self._relatives_index, error, lambda: not row.value()
        )
        for w in row.focus_widgets():
            self._focus_index[w] = self._relatives_index
            w.installEventFilter(self)
        self._fix_tab_order()
        return row

    def _remove_relative(self, row: QObject) -> None:
        values = [r.value() for r in self.relative_rows if r is not row]
        self._set_relatives(values)
        self._edited()

    def _set_relatives(self, values: Any) -> None:
        for i, row in enumerate(self.relative_rows):
            self._slots.pop(f"relatives[{i}]", None)
            holder = row.parentWidget()
            assert holder is not None
            self.relatives_layout.removeWidget(holder)
            holder.hide()
            holder.deleteLater()
        self.relative_rows = []
        for value in values if isinstance(values, list) else []:
            self.add_relative(value if isinstance(value, dict) else {"relation": ""})

    # --- tab order and focus -----------------------------------------------------------------

    def _fix_tab_order(self) -> None:
        chain: list[QWidget] = []
        for w in self._tab_chain:
            chain.append(w)
            if w is self.add_relative_button:
                chain.pop()
                for row in self.relative_rows:
                    chain += row.focus_widgets()
                chain.append(w)
        chain = [self.qr_edit, *chain]
        for a, b in itertools.pairwise(chain):
            QWidget.setTabOrder(a, b)

    def tab_chain(self) -> list[QWidget]:
        """The editors in the order Tab visits them (the paper form's order)."""
        out: list[QWidget] = []
        w: QWidget | None = self.qr_edit
        seen: set[int] = set()
        while w is not None and id(w) not in seen:
            seen.add(id(w))
            if _tabbable(w) and self.isAncestorOf(w):
                out.append(w)
            w = w.nextInFocusChain()
        return out

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QWidget):
            index = self._focus_index.get(watched)
            if index is not None and index > self._reached:
                self._reached = index
                self._show_problems()
            self.scroll_area.ensureWidgetVisible(watched, 40, 40)
        return False

    # --- load, collect, show -----------------------------------------------------------------

    def load(self, dossier_id: str) -> None:
        """Show the dossier's saved form (a resumed draft shows everything saved)."""
        self.stop()
        view = self.ctx.service.get_dossier(dossier_id)
        if dossier_id != self.dossier_id:
            # Another dossier opens at the top of its form, not where the last one was left.
            self.scroll_area.verticalScrollBar().setValue(0)
            self.scroll_area.horizontalScrollBar().setValue(0)
        self.dossier_id = dossier_id
        self.case_type = view.case_type
        self._base = dict(view.form)
        self._dirty = False
        self._reveal_all = False
        self.conflicts = {}
        case = self.ctx.label(CASE_LABELS[CaseType(view.case_type)])
        self.title_label.setText(
            self.tr("Tờ khai — hồ sơ {number} ({case})").format(number=view.number, case=case)
        )
        self._put_all(self._base)
        self._apply_case()
        self._reached = max(
            (s.index for s in self._slots.values() if s.index >= 0 and not s.is_empty()),
            default=-1,
        )
        if view.state in EDITABLE and not self._base.get("nationality"):
            # Almost every citizen is Vietnamese: the field starts there (saved as any edit;
            # a default is not a field the officer reached).
            self._fields["nationality"].put("VN")
        self._show_save_state("")
        self._show_notes()
        self.check_now()

    def _put_all(self, form: dict[str, Any], keys: list[str] | None = None) -> None:
        self._loading = True
        try:
            for key, f in self._fields.items():
                if keys is None or key in keys:
                    f.put(form.get(key))
        finally:
            self._loading = False

    def _apply_case(self) -> None:
        for f in self._fields.values():
            for w in f.rows:
                w.setVisible(f.active())
        renewal, correction = CaseType.RENEWAL, CaseType.CORRECTION
        self._case_head.setVisible(self.case_type in (renewal, correction))

    def form(self) -> dict[str, Any]:
        """The form as the widgets show it, over the saved one (keys not shown are kept)."""
        out = dict(self._base)
        for key, f in self._fields.items():
            if not f.active():
                continue
            value = f.get()
            if value in (None, "", {}, [], False):
                out.pop(key, None)
            else:
                out[key] = value
        return out

    def _edited(self, *_args: Any) -> None:
        if self._loading or self.dossier_id is None:
            return
        self._dirty = True
        self._check_timer.start()
        self._save_timer.start()
        self.status_label.setText(self.tr("Chưa lưu…"))

    def check_now(self) -> None:
        """Ask the station what is wrong with the form now and show it beside the fields."""
        self._check_timer.stop()
        try:
            self.problems = self.ctx.service.form_problems(self.case_type, self.form())
        except StationError as exc:
            self.problems = [FieldProblem(OTHER, exc.vi, exc.en)]
        self._show_problems()

    def _slot_for(self, path: str) -> _Slot:
        m = re.fullmatch(r"relatives\[(\d+)\](.*)", path)
        rows = self._relative_rows_in_form
        if m is not None and int(m[1]) < len(rows):
            path = f"relatives[{rows[int(m[1])]}]{m[2]}"
        p = self._aliases.get(path, path)
        while p:
            if p in self._slots:
                return self._slots[p]
            m = re.fullmatch(r"(.*)(\.[^.\[\]]+|\[\d+\])", p)
            if m is None:
                break
            p = self._aliases.get(m[1], m[1])
        return self._slots[OTHER]

    def _show_problems(self) -> None:
        shown: dict[str, list[str]] = {}
        for problem in self.problems:
            slot = self._slot_for(problem.field)
            if self._reveal_all or slot.index < self._reached or not slot.is_empty():
                shown.setdefault(slot.path, []).append(self.ctx.label((problem.vi, problem.en)))
        for path, slot in self._slots.items():
            messages = shown.get(path)
            slot.error.setText("\n".join(messages or []))
            slot.error.setVisible(bool(messages))

    def reveal_all(self) -> None:
        """Show every problem, also of fields not reached yet (Next was pressed)."""
        self._reveal_all = True
        self.check_now()

    def error_label(self, path: str) -> QLabel:
        """The label a problem of ``path`` is shown in (tests and the wizard)."""
        return self._slot_for(path).error

    def visible_problems(self) -> dict[str, str]:
        return {p: s.error.text() for p, s in self._slots.items() if not s.error.isHidden()}

    # --- saving ------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Edits not saved yet (a save failed, or the autosave has not run)."""
        return self._dirty

    def save_now(self) -> bool:
        """Save the draft's form now; False (with the reason shown) when it could not be."""
        self._save_timer.stop()
        if self.dossier_id is None or not self._dirty:
            return True
        form = self.form()
        try:
            self.ctx.service.update_form(self.dossier_id, form)
        except StationError as exc:
            self._show_save_state(self.ctx.error_text(exc))
            return False
        self._base = form
        self._dirty = False
        self._show_save_state("")
        self.changed.emit()
        return True

    def _show_save_state(self, error: str) -> None:
        self.save_error = error
        if error:
            self.save_error_label.setText(
                self.tr("Chưa lưu được tờ khai (các ô đã nhập vẫn giữ nguyên): {error}").format(
                    error=error
                )
            )
            self.save_error_label.show()
            self.status_label.setText(self.tr("Chưa lưu"))
        else:
            self.save_error_label.hide()
            if self.dossier_id is not None:
                now = datetime.now().strftime("%H:%M:%S")
                self.status_label.setText(self.tr("Đã lưu lúc {time}").format(time=now))

    def leave(self) -> None:
        """Before the wizard moves on or the session locks: save now, show every problem."""
        self._check_timer.stop()
        self.save_now()
        if self.dossier_id is not None:
            self.reveal_all()

    def stop(self) -> None:
        """Stop the timers (no device or thread runs here); safe to call more than once."""
        self._check_timer.stop()
        self._save_timer.stop()

    # --- prefill -----------------------------------------------------------------------------

    def apply_prefill(self, prefill: Prefill) -> list[str]:
        """Fill the empty fields from ``prefill``; typed values stay, differences are shown.

        Returns the fields filled.
        """
        merged = merge(self.form(), prefill)
        form = dict(merged.form)
        if prefill.unmatched:
            form["_unmatched"] = {**form.get("_unmatched", {}), **prefill.unmatched}
        self._base = form
        self._put_all(form, merged.filled)
        self.conflicts = merged.conflicts
        self._show_notes()
        self._dirty = True
        self._edited()
        return merged.filled

    def _qr_entered(self) -> None:
        text = self.qr_edit.text()
        if not text.strip():
            return
        self.qr_edit.setEnabled(False)
        self.ctx.worker.submit(
            lambda: self.ctx.service.prefill_from_qr(text), self._qr_done, self._qr_failed
        )

    def _qr_done(self, prefill: Prefill) -> None:
        self.qr_edit.setEnabled(True)
        self.qr_edit.clear()
        self.apply_prefill(prefill)

    def _qr_failed(self, exc: BaseException) -> None:
        self.qr_edit.setEnabled(True)
        self.qr_edit.selectAll()
        self.qr_edit.setFocus()
        self.notes_label.setText(self.ctx.error_text(exc))
        self.notes_label.show()

    def _show_notes(self) -> None:
        lines: list[str] = []
        for key, (kept, offered) in self.conflicts.items():
            lines.append(
                self.tr(
                    "{field}: giữ giá trị đã nhập «{kept}»; thẻ/danh sách ghi «{offered}»."
                ).format(
                    field=self._label_of(key),
                    kept=describe_value(self.md, self.ctx.lang, kept),
                    offered=describe_value(self.md, self.ctx.lang, offered),
                )
            )
        unmatched = self._base.get("_unmatched")
        if isinstance(unmatched, dict):
            for key, text in unmatched.items():
                lines.append(
                    self.tr("{field}: chưa tự điền được, hãy nhập tay theo «{text}».").format(
                        field=self._label_of(str(key)), text=text
                    )
                )
        self.notes_label.setText("\n".join(lines))
        self.notes_label.setVisible(bool(lines))


def _date_getter(edit: QLineEdit) -> Callable[[], str]:
    return lambda: date_value(edit.text())


def _tabbable(w: QWidget) -> bool:
    policy = w.focusPolicy()
    return bool(policy.value & Qt.FocusPolicy.TabFocus.value) and w.isVisible() and w.isEnabled()


def _s(value: Any) -> str:
    return "" if value is None else str(value)
