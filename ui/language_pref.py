"""The interface language chosen in the settings, kept in the station's data folder.

Read at start-up, before the window exists, so it lives apart from the settings screen (whose
imports the login screen does not wait for). Applies from the next start.
"""

from __future__ import annotations

from pathlib import Path

from ui.i18n import LANGUAGES
from ui.qt import QtCore

UI_SETTINGS_FILE = "ui.ini"
LANGUAGE_KEY = "ui/language"


def _ui_settings(data_dir: Path) -> QtCore.QSettings:
    return QtCore.QSettings(str(data_dir / UI_SETTINGS_FILE), QtCore.QSettings.Format.IniFormat)


def saved_language(data_dir: Path) -> str | None:
    """The interface language chosen on this station (None when never chosen)."""
    value = _ui_settings(data_dir).value(LANGUAGE_KEY)
    return str(value) if value in LANGUAGES else None


def save_language(data_dir: Path, lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    settings = _ui_settings(data_dir)
    settings.setValue(LANGUAGE_KEY, lang)
    settings.sync()
