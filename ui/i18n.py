"""Translations of the user interface.

Vietnamese is the source language: every ``tr()`` text in the code is Vietnamese, and other
languages come from Qt TS files in ``ui/i18n/`` (``intake_<lang>.ts``). The compiled ``.qm`` files
are build products (gitignored); :func:`build_translations` makes them with ``pyside6-lrelease``
when they are missing or older than their TS file.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ui.qt import QCoreApplication, QTranslator

log = logging.getLogger(__name__)

# The folder of the TS sources and of the compiled .qm files beside them.
I18N_DIR = Path(__file__).with_name("i18n")
# The language of the texts in the code; needs no translator.
SOURCE_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")
LRELEASE = "pyside6-lrelease"


class TranslationError(RuntimeError):
    """A TS file could not be compiled (no ``pyside6-lrelease``, or it failed)."""


def lrelease_path() -> Path | None:
    """``pyside6-lrelease`` from the running interpreter's folder (a venv's bin), else PATH."""
    bindir = Path(sys.executable).parent
    for name in (LRELEASE, LRELEASE + ".exe"):
        candidate = bindir / name
        if candidate.is_file():
            return candidate
    found = shutil.which(LRELEASE)
    return Path(found) if found else None


def qm_path(lang: str, directory: Path = I18N_DIR) -> Path:
    return directory / f"intake_{lang}.qm"


def _stale(ts: Path, qm: Path) -> bool:
    return not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime


def _compile(tool: Path, ts: Path, qm: Path) -> None:
    # Compile next to the target, then rename: a reader never sees a half-written .qm.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{qm.stem}-", suffix=".qm", dir=qm.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        result = subprocess.run(  # noqa: S603 - fixed tool, arguments are our own file paths
            [str(tool), "-silent", str(ts), "-qm", str(tmp)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or tmp.stat().st_size == 0:
            raise TranslationError(
                f"{tool.name} failed on {ts.name} (exit {result.returncode}): "
                f"{(result.stderr or result.stdout).strip()}"
            )
        os.replace(tmp, qm)
    finally:
        tmp.unlink(missing_ok=True)


def build_translations(directory: Path = I18N_DIR) -> list[Path]:
    """Compile every ``*.ts`` in ``directory`` whose ``.qm`` is missing or older.

    Returns the ``.qm`` path of every TS file, in name order. Raises :class:`TranslationError`
    when a ``.qm`` is missing and cannot be made; a ``.qm`` that is only older than its TS file is
    kept (with a warning) when ``pyside6-lrelease`` is not available.
    """
    outputs: list[Path] = []
    tool: Path | None = None
    for ts in sorted(directory.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        outputs.append(qm)
        if not _stale(ts, qm):
            continue
        tool = tool or lrelease_path()
        if tool is None:
            if qm.exists():
                log.warning("%s is older than %s but %s is not available", qm, ts, LRELEASE)
                continue
            raise TranslationError(f"{LRELEASE} not found (next to {sys.executable} or on PATH)")
        log.info("compiling %s", ts)
        _compile(tool, ts, qm)
    return outputs


def install_translator(app: QCoreApplication, lang: str) -> QTranslator | None:
    """Install the translator of ``lang`` on ``app`` (compiling it first if needed).

    Vietnamese, the source language, needs none: returns ``None``. For another language returns
    the installed translator (parented to ``app``, so it lives as long as the application; remove
    it with ``app.removeTranslator``). If the translation cannot be built or loaded the interface
    stays in Vietnamese and a warning is logged.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    if lang == SOURCE_LANGUAGE:
        return None
    qm = qm_path(lang)
    try:
        build_translations(qm.parent)
    except (TranslationError, OSError) as exc:
        log.warning("cannot build the translations: %s", exc)
    translator = QTranslator(app)
    if not qm.exists() or not translator.load(str(qm)):
        log.warning("cannot load %s; the interface stays in Vietnamese", qm)
        translator.deleteLater()
        return None
    app.installTranslator(translator)
    return translator
