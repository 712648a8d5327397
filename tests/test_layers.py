"""Layering rules, checked on the source with ``ast``.

* ``station/`` is the domain core: no Qt, no HTTP client, nothing from ``ui`` or ``sync``.
* ``ui/``: only ``ui/qt.py`` imports the Qt binding, and no UI module reaches the database layer
  (SQLAlchemy, SQLCipher, ``station.db``, ``station.models``): widgets go through the service.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

QT_BINDINGS = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "qtpy")
STATION_FORBIDDEN = (
    *QT_BINDINGS,
    "http.client",
    "urllib.request",
    "requests",
    "httpx",
    "ui",
    "sync",
)
UI_FORBIDDEN = (
    "sqlalchemy",
    "sqlcipher3",
    "sqlite3",
    "alembic",
    "station.db",
    "station.models",
)
DYNAMIC_IMPORTERS = {"import_module", "__import__"}


def imported_modules(source: str, package: str = "") -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every module an import may bind, in ``source``.

    ``from a import b`` yields both ``a`` and ``a.b`` (``b`` may be a submodule); relative imports
    are resolved against ``package``; ``importlib.import_module("x")`` and ``__import__("x")``
    with a literal name count too.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, base] if base else parts)
            if base:
                yield node.lineno, base
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{base}.{alias.name}" if base else alias.name
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                name in DYNAMIC_IMPORTERS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                yield node.lineno, first.value


def matches(module: str, prefixes: Iterable[str]) -> str | None:
    """The forbidden prefix that ``module`` is, or is inside of."""
    for prefix in prefixes:
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    return None


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).parent.parts)


def violations(
    files: Iterable[Path], forbidden: Iterable[str], *, skip: Iterable[Path] = ()
) -> list[str]:
    skipped = set(skip)
    found: dict[tuple[str, int, str], str] = {}
    for path in files:
        if path in skipped:
            continue
        source = path.read_text(encoding="utf-8")
        for line, module in imported_modules(source, package_of(path)):
            prefix = matches(module, forbidden)
            if prefix is not None:
                # ``from a import b`` yields a and a.b: report the statement once.
                found.setdefault((str(path.relative_to(ROOT)), line, prefix), module)
    return [f"{where}:{line} imports {module}" for (where, line, _), module in found.items()]


def test_station_core_imports_no_qt_http_ui_or_sync():
    files = python_files("station")
    assert files, "no station sources found"
    assert violations(files, STATION_FORBIDDEN) == []


def test_only_ui_qt_imports_the_qt_binding():
    files = python_files("ui")
    assert ROOT / "ui" / "qt.py" in files
    assert violations(files, QT_BINDINGS, skip=[ROOT / "ui" / "qt.py"]) == []


def test_ui_never_touches_the_database_layer():
    files = python_files("ui")
    assert violations(files, UI_FORBIDDEN) == []


# --- the checker itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import PySide6.QtWidgets", "PySide6"),
        ("from PySide6 import QtCore", "PySide6"),
        ("from http import client", "http.client"),
        ("import urllib.request as r", "urllib.request"),
        ("from urllib import request", "urllib.request"),
        ("import httpx", "httpx"),
        ("from ui.app import run", "ui"),
        ("from sync import worker", "sync"),
        ("import importlib\nimportlib.import_module('requests')", "requests"),
        ("__import__('PyQt6')", "PyQt6"),
        ("def f():\n    import requests", "requests"),
    ],
)
def test_checker_catches(source, expected):
    found = {matches(m, STATION_FORBIDDEN) for _, m in imported_modules(source, "station")}
    assert expected in found


@pytest.mark.parametrize(
    "source",
    [
        "import urllib.parse",
        "from http import HTTPStatus",
        "import uifoo",
        "from station import errors",
        "from . import lifecycle",
        "import synchronize",
    ],
)
def test_checker_allows(source):
    assert {matches(m, STATION_FORBIDDEN) for _, m in imported_modules(source, "station")} == {None}


def test_checker_resolves_relative_imports():
    found = [m for _, m in imported_modules("from . import db\nfrom .models import X", "station")]
    assert matches(found[1], UI_FORBIDDEN) == "station.db"
    assert "station.models" in found
    assert matches("station.db", UI_FORBIDDEN) == "station.db"
    assert matches("station.dbx", UI_FORBIDDEN) is None
