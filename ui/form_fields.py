"""Editors for the citizen's form: a combo box searched by typing, an address with cascading
administrative units of either era (or abroad), one relative, and the typed-date conversion.

The editors hold values in the shapes ``station/form.py`` validates (codes, address objects);
they judge nothing: whether a value is acceptable is for ``service.form_problems`` to say.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from station import dates
from station.errors import ValidationError
from station.form import RELATION_LABELS, SUBFIELD_LABELS, Relation
from station.masterdata import ERA_2025, ERA_LEGACY, MasterData, fold, sort_key
from ui.context import label
from ui.qt import (
    QComboBox,
    QCompleter,
    QCoreApplication,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QModelIndex,
    QObject,
    QPushButton,
    Qt,
    QtCore,
    QWidget,
    Signal,
)

translate = QCoreApplication.translate

#: The model role holding the text a typed search is matched against.
SEARCH_ROLE = int(Qt.ItemDataRole.UserRole) + 1
#: The era value of an address abroad (stored as ``{"country": ..., "text": ...}``).
ABROAD = "abroad"
#: Countries listed first in nationality combos (most citizens).
FIRST_COUNTRIES = ("VN",)


# --- dates ---------------------------------------------------------------------------------------


def date_text(value: Any) -> str:
    """A stored date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) as officers write it (dd/mm/yyyy)."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        parsed = dates.parse(
            value, "date", ("", ""), today=date.max, allow_partial=True, allow_future=True
        )
    except ValidationError:
        return value
    return parsed.display()


def date_value(text: str) -> str:
    """What typed date text is stored as: ISO when it reads as a date, else the text itself (so
    the form check names what is wrong and nothing typed is lost)."""
    text = text.strip()
    if not text:
        return ""
    try:
        parsed = dates.parse(
            text, "date", ("", ""), today=date.max, allow_partial=True, allow_future=True
        )
    except ValidationError:
        return text
    return parsed.iso()


def find_code(combo: QComboBox, code: Any) -> int:
    """The row of ``code`` in ``combo`` (0, the empty choice, for no code or an unknown one).

    Never passes None to Qt as item data (PySide mishandles None variants' reference counts).
    """
    return max(0, combo.findData(str(code))) if code not in (None, "") else 0


def code_of(combo: QComboBox) -> str:
    """The code chosen in ``combo`` ("" for the empty first choice)."""
    if combo.currentIndex() <= 0:
        return ""
    return str(combo.itemData(combo.currentIndex()))


# --- a combo searched by typing -----------------------------------------------------------------


class _Completer(QCompleter):
    """Matches on the search text (folded names and codes); inserts the display text."""

    def pathFromIndex(  # noqa: N802 - Qt API
        self, index: QModelIndex | QtCore.QPersistentModelIndex
    ) -> str:
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")


class CodeListModel(QtCore.QAbstractListModel):
    """``(code, text)`` items held in Python: a list of thousands of communes is swapped in one
    reset, not built item by item."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[tuple[str, str, str]] = [("", "", "")]

    def rowCount(  # noqa: N802 - Qt API
        self, parent: QModelIndex | QtCore.QPersistentModelIndex | None = None
    ) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._items)

    def data(self, index: QModelIndex | QtCore.QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        code, text, search = self._items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return text
        if role == Qt.ItemDataRole.UserRole:
            return code
        if role == SEARCH_ROLE:
            return search
        return None

    def set_items(self, items: Iterable[tuple[str, str]]) -> None:
        """The empty choice, then ``(code, text)`` pairs."""
        self.beginResetModel()
        self._items = [("", "", "")] + [
            (code, text, f"{fold(text)} | {text} | {code}") for code, text in items
        ]
        self.endResetModel()


class SearchCombo(QComboBox):
    """A choice among coded items, found by typing any part of the name, with or without
    diacritics, or the code. The first item is always the empty choice."""

    value_changed = Signal()

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        self._model = CodeListModel(self)
        self.setModel(self._model)
        completer = _Completer(self._model, self)
        completer.setCompletionRole(SEARCH_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        edit = self.edit()
        edit.setPlaceholderText(placeholder)
        edit.editingFinished.connect(self._resolve_text)
        self.currentIndexChanged.connect(lambda _i: self.value_changed.emit())

    def edit(self) -> QLineEdit:
        """The line edit typed into (always there: the combo is editable)."""
        line = self.lineEdit()
        assert line is not None
        return line

    def set_items(self, items: Iterable[tuple[str, str]], keep: bool = False) -> None:
        """Replace the choices with ``(code, text)`` pairs; ``keep`` keeps the chosen code."""
        old = self.value() if keep else None
        self.blockSignals(True)
        self._model.set_items(items)
        self.setCurrentIndex(find_code(self, old))
        self.blockSignals(False)

    def value(self) -> str | None:
        return code_of(self) or None

    def set_value(self, code: str | None) -> bool:
        """Choose ``code`` (None: the empty choice); False when it is not among the items."""
        row = 0 if not code else self.findData(str(code))
        self.setCurrentIndex(max(row, 0))
        return row >= 0

    def choose_text(self, text: str) -> bool:
        """Choose the item whose text is ``text`` (ignoring case and diacritics)."""
        key = fold(text)
        for row in range(self.count()):
            if fold(self.itemText(row)) == key:
                self.setCurrentIndex(row)
                return True
        return False

    def _resolve_text(self) -> None:
        """Typed text chooses the item it names, else the first item it finds; text that finds
        nothing shows the chosen item again."""
        text = self.edit().text()
        if not text.strip():
            self.setCurrentIndex(0)
        elif not self.choose_text(text) and not self.choose_first_match(text):
            self.edit().setText(self.currentText() if self.currentIndex() > 0 else "")

    def choose_first_match(self, text: str) -> bool:
        """Choose the first item the completer finds for ``text`` (as Enter after typing does)."""
        completer = self.completer()
        if completer is None:
            return False
        completer.setCompletionPrefix(text)
        if completer.completionCount() == 0:
            return False
        completer.setCurrentRow(0)
        found = completer.currentIndex()
        model = completer.completionModel()
        if isinstance(model, QtCore.QAbstractProxyModel):
            found = model.mapToSource(found)
        if not found.isValid():
            return False
        self.setCurrentIndex(found.row())
        return True


# --- addresses ------------------------------------------------------------------------------------


class AddressField(QWidget):
    """An address: era, then province → (district →) commune, street line; or country + text."""

    changed = Signal()

    def __init__(
        self, md: MasterData, lang: str, *, abroad: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.md = md
        self.lang = lang
        self.era = QComboBox(self)
        self.era.addItem(translate("FormFields", "Địa giới từ 01/7/2025"), ERA_2025)
        self.era.addItem(translate("FormFields", "Địa giới trước 01/7/2025"), ERA_LEGACY)
        if abroad:
            self.era.addItem(translate("FormFields", "Ở nước ngoài"), ABROAD)
        self.province = SearchCombo(translate("FormFields", "Tỉnh/thành phố"), self)
        self.district = SearchCombo(translate("FormFields", "Quận/huyện"), self)
        self.commune = SearchCombo(translate("FormFields", "Xã/phường"), self)
        self.street = QLineEdit(self)
        self.street.setPlaceholderText(translate("FormFields", "Số nhà, đường, thôn/xóm"))
        self.street.setMaxLength(200)
        self.country = SearchCombo(translate("FormFields", "Nước"), self)
        self.country.set_items(country_items(md, lang, with_vn=False))
        self.text = QLineEdit(self)
        self.text.setPlaceholderText(translate("FormFields", "Địa chỉ ở nước ngoài"))
        self.text.setMaxLength(200)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.era, 0, 0)
        grid.addWidget(self.province, 0, 1)
        grid.addWidget(self.country, 0, 1)
        grid.addWidget(self.district, 1, 0)
        grid.addWidget(self.commune, 1, 1)
        grid.addWidget(self.street, 2, 0, 1, 2)
        grid.addWidget(self.text, 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        self.era.currentIndexChanged.connect(self._era_changed)
        self.province.value_changed.connect(self._province_changed)
        self.district.value_changed.connect(self._district_changed)
        for combo in (self.commune, self.country):
            combo.value_changed.connect(self.changed)
        self.street.textChanged.connect(lambda _t: self.changed.emit())
        self.text.textChanged.connect(lambda _t: self.changed.emit())
        self._era_changed()

    # --- cascading ---

    def current_era(self) -> str:
        return str(self.era.currentData())

    def _era_changed(self) -> None:
        era = self.current_era()
        abroad = era == ABROAD
        for w in (self.province, self.commune, self.street):
            w.setVisible(not abroad)
        self.district.setVisible(era == ERA_LEGACY)
        self.country.setVisible(abroad)
        self.text.setVisible(abroad)
        if era == ERA_LEGACY:
            units = self.md.legacy_provinces.values()
        else:
            units = self.md.provinces.values()  # type: ignore[assignment]
        self.province.set_items(sorted(((p.code, p.name) for p in units), key=_by_text))
        self._province_changed()

    def _province_changed(self) -> None:
        code = self.province.value()
        if self.current_era() == ERA_LEGACY:
            districts = self.md.legacy_districts_of(code) if code else []
            self.district.set_items((d.code, d.name) for d in districts)
            self._district_changed()
            return
        communes = self.md.communes_of(code) if code else []
        self.commune.set_items((c.code, c.name) for c in communes)
        self.changed.emit()

    def _district_changed(self) -> None:
        code = self.district.value()
        wards = self.md.legacy_wards_of(code) if code else []
        self.commune.set_items((w.code, w.name) for w in wards)
        self.changed.emit()

    # --- value ---

    def value(self) -> dict[str, Any] | None:
        """The address object for the form, or None when nothing is given.

        Without a commune the object has no era and unit, so the form check says the unit is
        missing (the province chosen so far is not kept).
        """
        era = self.current_era()
        if era == ABROAD:
            country, text = self.country.value(), self.text.text().strip()
            if not country and not text:
                return None
            return {"country": country or "", "text": text}
        street = self.street.text().strip()
        unit = self.commune.value()
        if unit is None:
            return {"street": street} if street else None
        return {"era": era, "unit": unit, "street": street}

    def set_value(self, value: Any) -> None:
        """Show a stored address (any era, or abroad); an unknown unit leaves the units empty."""
        self.blockSignals(True)
        try:
            self._set(value if isinstance(value, dict) else {})
        finally:
            self.blockSignals(False)

    def _set(self, value: dict[str, Any]) -> None:
        if "country" in value:
            self._choose_era(ABROAD)
            self.country.set_value(str(value.get("country") or "") or None)
            self.text.setText(str(value.get("text") or ""))
            return
        era = value.get("era") if value.get("era") in (ERA_2025, ERA_LEGACY) else ERA_2025
        self._choose_era(str(era))
        unit = str(value.get("unit") or "")
        if era == ERA_LEGACY and unit in self.md.legacy_wards:
            ward = self.md.legacy_wards[unit]
            self.province.set_value(ward.province_code)
            self.district.set_value(ward.district_code)
            self.commune.set_value(unit)
        elif era == ERA_2025 and unit in self.md.communes:
            self.province.set_value(self.md.communes[unit].province_code)
            self.commune.set_value(unit)
        else:
            self.province.set_value(None)
        self.street.setText(str(value.get("street") or ""))

    def _choose_era(self, era: str) -> None:
        row = self.era.findData(era)
        self.era.setCurrentIndex(max(row, 0))
        self._era_changed()

    def is_empty(self) -> bool:
        return self.value() is None

    def focus_widgets(self) -> list[QWidget]:
        return [
            self.era,
            self.province,
            self.country,
            self.district,
            self.commune,
            self.street,
            self.text,
        ]


def _by_text(item: tuple[str, str]) -> tuple[str, str]:
    return sort_key(item[1])


def country_items(md: MasterData, lang: str, with_vn: bool = True) -> list[tuple[str, str]]:
    """Countries by name in the user's language, Việt Nam first."""
    rest = sorted(
        (
            (c.alpha2, c.name_en if lang == "en" else c.name_vi)
            for c in md.countries.values()
            if c.alpha2 not in FIRST_COUNTRIES
        ),
        key=_by_text,
    )
    first = [
        (code, md.countries[code].name_en if lang == "en" else md.countries[code].name_vi)
        for code in FIRST_COUNTRIES
        if code in md.countries and with_vn
    ]
    return first + rest


# --- relatives ------------------------------------------------------------------------------------


class RelativeRow(QWidget):
    """One relative: relation, name, ID number, old ID number, nationality; and a remove button."""

    changed = Signal()
    remove_requested = Signal(QObject)

    def __init__(self, md: MasterData, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.relation = QComboBox(self)
        self.relation.addItem("")
        for rel in Relation:
            self.relation.addItem(label(RELATION_LABELS[rel], lang), rel.value)
        self.full_name = QLineEdit(self)
        self.full_name.setPlaceholderText(label(SUBFIELD_LABELS["full_name"], lang))
        self.full_name.setMaxLength(100)
        self.id_number = QLineEdit(self)
        self.id_number.setPlaceholderText(label(SUBFIELD_LABELS["id_number"], lang))
        self.id_number.setMaxLength(15)
        self.old_id_number = QLineEdit(self)
        self.old_id_number.setPlaceholderText(label(SUBFIELD_LABELS["old_id_number"], lang))
        self.old_id_number.setMaxLength(15)
        self.nationality = SearchCombo(label(SUBFIELD_LABELS["nationality"], lang), self)
        self.nationality.set_items(country_items(md, lang))
        self.remove_button = QPushButton(translate("FormFields", "Xóa"), self)
        self.remove_button.setToolTip(translate("FormFields", "Xóa thân nhân này"))

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.relation, 3)
        row.addWidget(self.full_name, 4)
        row.addWidget(self.id_number, 3)
        row.addWidget(self.old_id_number, 3)
        row.addWidget(self.nationality, 3)
        row.addWidget(self.remove_button, 0)

        self.relation.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.nationality.value_changed.connect(self.changed)
        for edit in (self.full_name, self.id_number, self.old_id_number):
            edit.textChanged.connect(lambda _t: self.changed.emit())
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))

    def value(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        relation = code_of(self.relation)
        if relation:
            out["relation"] = relation
        for key, edit in (
            ("full_name", self.full_name),
            ("id_number", self.id_number),
            ("old_id_number", self.old_id_number),
        ):
            if edit.text().strip():
                out[key] = edit.text().strip()
        nationality = self.nationality.value()
        if nationality:
            out["nationality"] = nationality
        return out

    def set_value(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        self.relation.setCurrentIndex(find_code(self.relation, value.get("relation")))
        self.full_name.setText(str(value.get("full_name") or ""))
        self.id_number.setText(str(value.get("id_number") or ""))
        self.old_id_number.setText(str(value.get("old_id_number") or ""))
        self.nationality.set_value(value.get("nationality"))

    def focus_widgets(self) -> list[QWidget]:
        return [
            self.relation,
            self.full_name,
            self.id_number,
            self.old_id_number,
            self.nationality,
            self.remove_button,
        ]


def coded_items(pairs: Sequence[tuple[str, tuple[str, str]]], lang: str) -> list[tuple[str, str]]:
    """``(code, (vi, en))`` pairs as ``(code, text in the user's language)``."""
    return [(code, label(names, lang)) for code, names in pairs]
