"""Every translated text in ui/ is a literal that pyside6-lupdate can find.

lupdate reads ``self.tr("...")``, ``QCoreApplication.translate("Ctx", "...")`` and
``translate("Ctx", "...")`` with literal strings; a helper such as ``def _tr(text): return
translate("Ctx", text)`` hides every text passed to it, which then never reaches the .ts file
and stays Vietnamese in the English window. This test fails on such calls.
"""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "ui"


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def test_translate_calls_take_literal_texts() -> None:
    hidden: list[str] = []
    for path in sorted(UI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name == "translate" and len(node.args) >= 2 and _literal(node.args[0]):
                texts = node.args[1:2]  # a literal context: Qt's translate, not QTransform's
            elif name == "tr" and isinstance(node.func, ast.Attribute) and node.args:
                texts = node.args[:1]
            else:
                continue
            if not all(_literal(t) for t in texts):
                hidden.append(f"{path.name}:{node.lineno}")
    assert hidden == [], f"texts lupdate cannot see: {hidden}"
