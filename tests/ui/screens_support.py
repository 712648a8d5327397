"""Helpers of the queue, review and settings screen tests: a UI context on a staffed test
station with simulated devices, and dossiers brought to a given state through the service."""

from __future__ import annotations

from typing import Any

from station.devices import defaults
from station.service import StationService
from tests.conftest import SUP_PW, capture_all, login, valid_form
from ui.context import UiContext
from ui.qt import QWidget
from ui.workers import Worker

WORKER_TIMEOUT_MS = 15_000


def make_ctx(qtbot: Any, service: StationService, lang: str = "vi") -> UiContext:
    """A context whose worker lives as long as the test's widgets."""
    holder = QWidget()
    qtbot.addWidget(holder)
    return UiContext(
        service,
        lang,
        Worker(parent=holder),
        devices=defaults.registry({"camera": {"driver": "simulated"}}),
        options={"holder": holder},  # keeps the worker's parent (and so the worker) alive
    )


def draft(op: StationService, name: str = "Hoàng Thị Én") -> str:
    return op.create_dossier("first_issue", valid_form(full_name=name)).id


def confirmed(op: StationService, name: str = "Hoàng Thị Én") -> str:
    dossier_id = draft(op, name)
    capture_all(op, dossier_id)
    op.mark_captured(dossier_id)
    op.confirm(dossier_id)
    return dossier_id


def sealed(op: StationService, sup: StationService, name: str = "Hoàng Thị Én") -> str:
    """A sealed dossier; returns its packet id."""
    dossier_id = confirmed(op, name)
    sup.approve(dossier_id)
    return sup.seal(dossier_id)


def supervisor(op: StationService, supervisor_id: str = "sup1") -> StationService:
    return login(op.paths, op.clock, supervisor_id, SUP_PW)  # type: ignore[arg-type]


def face_meta(background_passed: bool) -> dict[str, Any]:
    """Portrait metadata as the photo page stores it, with the background check's verdict."""
    return {
        "ok": background_passed,
        "forced": not background_passed,
        "checks": {
            "one_face": {"passed": True, "value": 1, "vi": "Một khuôn mặt", "en": "One face"},
            "background": {
                "passed": background_passed,
                "value": 0.02 if background_passed else 0.2,
                "vi": "Phông nền trơn" if background_passed else "Phông nền phải trơn, sáng",
                "en": "Background plain" if background_passed else "Background must be plain",
            },
        },
    }
