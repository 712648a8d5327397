"""The intake record (CC01-style, "phiếu thu nhận thông tin căn cước"): what was received.

Printed beside the appointment slip once the citizen has confirmed: the citizen's data as the
paper form orders them (``form_view.rows``), then every part received with what the station
measured (the portrait's checks, each print's quality or its exception, best-effort prints,
overrides by name), the signature or why there is none, and the papers. The content is the
core's; the window only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from station import form_view
from station.capture import completeness
from station.devices import FINGER_LABELS, Finger
from station.dossier import PartKind
from station.masterdata import MasterData

Label = tuple[str, str]


@dataclass(frozen=True)
class IntakeRecord:
    dossier_number: str
    station_name: str
    station_code: str
    operator_id: str
    intake_date: date
    citizen: list[tuple[str, str]]  # (label, text) in the window's language
    received: list[Label]  # one line per part or exception, both languages

    def lines(self, lang: str) -> list[str]:
        pick = 0 if lang == "vi" else 1
        return [item[pick] for item in self.received]


def _finger_line(finger: Finger, meta: dict[str, Any] | None, capture: dict[str, Any]) -> Label:
    vi, en = FINGER_LABELS[finger]
    exc = capture.get("exceptions", {}).get(
        completeness.exception_key(PartKind.FINGERPRINT, finger.value)
    )
    if exc is not None:
        return (
            f"Vân tay {vi}: không lấy được ({exc['kind']})",
            f"Print of the {en}: not taken ({exc['kind']})",
        )
    if meta is None:
        return (f"Vân tay {vi}: chưa có", f"Print of the {en}: none")
    q = meta.get("gate", {}).get("quality")
    return (f"Vân tay {vi}: chất lượng {q}", f"Print of the {en}: quality {q}")


def received(parts: list[tuple[str, str, dict[str, Any]]], capture: dict[str, Any]) -> list[Label]:
    """The received-items lines from the stored parts (kind, slot, meta) and capture meta."""
    by = {(kind, slot): meta for kind, slot, meta in parts}
    out: list[Label] = []
    face = by.get((PartKind.FACE.value, ""))
    if face is not None:
        ok = face.get("gate", {}).get("ok")
        out.append(
            (
                "Ảnh chân dung: đạt" if ok else "Ảnh chân dung: có (xem kiểm tra)",
                "Portrait: passes" if ok else "Portrait: taken (see its checks)",
            )
        )
    if any(kind == PartKind.FINGERPRINT.value for kind, _ in by) or capture.get("exceptions"):
        for finger in Finger:
            if (PartKind.FINGERPRINT.value, finger.value) in by or completeness.exception_key(
                PartKind.FINGERPRINT, finger.value
            ) in capture.get("exceptions", {}):
                out.append(
                    _finger_line(
                        finger, by.get((PartKind.FINGERPRINT.value, finger.value)), capture
                    )
                )
    for key, override in sorted(capture.get("overrides", {}).items()):
        out.append(
            (
                f"Giám sát viên {override.get('by')} xác nhận {key}: {override.get('reason')}",
                f"Supervisor {override.get('by')} overrode {key}: {override.get('reason')}",
            )
        )
    if (PartKind.SIGNATURE.value, "") in by:
        out.append(("Chữ ký: có", "Signature: taken"))
    elif completeness.exception_key(PartKind.SIGNATURE, "") in capture.get("exceptions", {}):
        out.append(("Chữ ký: không ký được", "Signature: unable to sign"))
    pages = sorted(slot for kind, slot in by if kind == PartKind.DOCUMENT.value)
    for slot in pages:
        out.append((f"Giấy tờ: {slot}", f"Paper: {slot}"))
    return out


def record(
    *,
    dossier_number: str,
    station_name: str,
    station_code: str,
    operator_id: str,
    intake_date: date,
    form: dict[str, Any],
    parts: list[tuple[str, str, dict[str, Any]]],
    capture: dict[str, Any],
    md: MasterData,
    lang: str = "vi",
) -> IntakeRecord:
    return IntakeRecord(
        dossier_number,
        station_name,
        station_code,
        operator_id,
        intake_date,
        form_view.rows(form, md, lang),
        received(parts, capture),
    )
