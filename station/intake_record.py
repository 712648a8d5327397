"""The intake record (CC01-style, "phiếu thu nhận thông tin căn cước"): what was received.

Printed beside the appointment slip once the citizen has confirmed: the citizen's data as the
paper form orders them (``form_view.rows``), then every part received with what the station
measured: the portrait's checks; per finger the flat (4-4-2) print, then the rolled print, and
per eye the iris, each captured with its score, kept as best effort with its score and
threshold, or not taken with the exception's kind and reason ("not required" for a whole kind
when the citizen's age or the station, without an iris camera, does not call for it); overrides
by name; the signature or why there is none; the papers. The content is the core's; the window
only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from station import form_view
from station.capture import biogate, completeness, gate
from station.capture.completeness import EXCEPTION_LABELS, ExceptionKind
from station.capture.gate import GateSettings, StoredPart
from station.devices import FINGER_LABELS, Finger
from station.devices.iris import EYE_LABELS, Eye
from station.dossier import PartKind
from station.form import Captures
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


#: An eye "missing" is no eye (or a prosthesis), not "no finger".
_EYE_MISSING: Final[Label] = ("không có mắt", "no eye")


def _exception_text(exc: dict[str, Any], eye: bool = False) -> Label:
    try:
        ek = ExceptionKind(str(exc.get("kind")))
        vi, en = _EYE_MISSING if eye and ek == ExceptionKind.MISSING else EXCEPTION_LABELS[ek]
    except ValueError:
        vi = en = str(exc.get("kind"))
    reason = str(exc.get("reason") or "").strip()
    return (f"{vi}, {reason}", f"{en}, {reason}") if reason else (vi, en)


def _part_line(
    what: Label,
    meta: dict[str, Any] | None,
    exc: dict[str, Any] | None,
    best: dict[str, Any] | None,
    *,
    flat_exception: bool = False,
    eye: bool = False,
) -> Label:
    """One finger's or one eye's line: captured with its score, kept as best effort, or not
    taken with the exception's kind and reason (``flat_exception``: a rolled print not taken
    because the flat print of that finger has an exception)."""
    vi, en = what
    if meta is not None:
        q = meta.get("gate", {}).get("quality")
        if best is not None:
            return (
                f"{vi}: giữ chất lượng {q} (dưới ngưỡng {best['threshold']}, sau "
                f"{best['attempts']} lần)",
                f"{en}: kept at quality {q} (under {best['threshold']}, after "
                f"{best['attempts']} attempts)",
            )
        return (f"{vi}: chất lượng {q}", f"{en}: quality {q}")
    if exc is not None:
        why_vi, why_en = _exception_text(exc, eye)
        if flat_exception:
            return (
                f"{vi}: không lấy được như vân tay phẳng ({why_vi})",
                f"{en}: not taken, as the flat print ({why_en})",
            )
        return (f"{vi}: không lấy được ({why_vi})", f"{en}: not taken ({why_en})")
    return (f"{vi}: chưa có", f"{en}: none")


def _not_required(what: Label, why: Label) -> Label:
    return (f"{what[0]}: không yêu cầu ({why[0]})", f"{what[1]}: not required ({why[1]})")


_UNDER_6: Final[Label] = ("dưới 6 tuổi", "under 6")
_NO_IRIS_CAMERA: Final[Label] = (
    "trạm không có máy chụp mống mắt",
    "the station has no iris camera",
)


@dataclass(frozen=True)
class _Seen:
    """What the lines of one dossier are made from."""

    by: dict[tuple[str, str], dict[str, Any]]
    exceptions: dict[str, Any]
    attempts: dict[str, Any]
    settings: GateSettings
    bio_best: dict[tuple[str, str], dict[str, Any]]

    def exception(self, kind: PartKind, slot: str) -> dict[str, Any] | None:
        found = self.exceptions.get(completeness.exception_key(kind, slot))
        return found if isinstance(found, dict) else None

    def any_of(self, kind: PartKind) -> bool:
        return any(k == kind.value for k, _ in self.by) or any(
            key.startswith(f"{kind.value}/") for key in self.exceptions
        )


def _flat_lines(seen: _Seen) -> list[Label]:
    stored = [StoredPart(k, sl, "", m) for (k, sl), m in seen.by.items()]
    best = {p.slot for p in gate.best_effort(stored, seen.attempts, seen.settings)}
    out = []
    for finger in Finger:
        vi, en = FINGER_LABELS[finger]
        effort = {
            "threshold": seen.settings.threshold(finger.value),
            "attempts": seen.attempts.get(finger.value, 0),
        }
        out.append(
            _part_line(
                (f"Vân tay {vi}", f"Print of the {en}"),
                seen.by.get((PartKind.FINGERPRINT.value, finger.value)),
                seen.exception(PartKind.FINGERPRINT, finger.value),
                effort if finger.value in best else None,
            )
        )
    return out


def _rolled_lines(seen: _Seen) -> list[Label]:
    out = []
    for finger in Finger:
        vi, en = FINGER_LABELS[finger]
        own = seen.exception(PartKind.ROLLED_PRINT, finger.value)
        flat = seen.exception(PartKind.FINGERPRINT, finger.value)
        out.append(
            _part_line(
                (f"Vân tay lăn {vi}", f"Rolled print of the {en}"),
                seen.by.get((PartKind.ROLLED_PRINT.value, finger.value)),
                own if own is not None else flat,
                seen.bio_best.get((PartKind.ROLLED_PRINT.value, finger.value)),
                flat_exception=own is None and flat is not None,
            )
        )
    return out


def _iris_lines(seen: _Seen) -> list[Label]:
    out = []
    for eye in Eye:
        vi, en = EYE_LABELS[eye]
        out.append(
            _part_line(
                (f"Mống mắt {vi.removeprefix('mắt ')}", f"Iris of the {en}"),
                seen.by.get((PartKind.IRIS.value, eye.value)),
                seen.exception(PartKind.IRIS, eye.value),
                seen.bio_best.get((PartKind.IRIS.value, eye.value)),
                eye=True,
            )
        )
    return out


def _biometrics(seen: _Seen, captures: Captures | None) -> list[Label]:
    """Flat prints, rolled prints, irises: per finger and per eye, or "not required"."""
    fingers = captures is None or captures.fingerprints
    out = []
    if fingers or seen.any_of(PartKind.FINGERPRINT):
        out += _flat_lines(seen)
    else:
        out.append(_not_required(("Vân tay", "Fingerprints"), _UNDER_6))
    if fingers or seen.any_of(PartKind.ROLLED_PRINT):
        out += _rolled_lines(seen)
    else:
        out.append(_not_required(("Vân tay lăn", "Rolled prints"), _UNDER_6))
    iris_age = captures is None or captures.iris
    if (iris_age and seen.settings.iris_camera) or seen.any_of(PartKind.IRIS):
        out += _iris_lines(seen)
    else:
        why = _NO_IRIS_CAMERA if iris_age else _UNDER_6
        out.append(_not_required(("Mống mắt", "Irises"), why))
    return out


def received(
    parts: list[tuple[str, str, dict[str, Any]]],
    capture: dict[str, Any],
    captures: Captures | None = None,
    settings: GateSettings | None = None,
) -> list[Label]:
    """The received-items lines from the stored parts (kind, slot, meta) and capture meta.

    Per finger (flat 4-4-2 prints, then rolled prints) and per eye: captured with the station's
    score, kept as best effort with its score (``settings``: the gate's thresholds and attempts),
    or not taken with the exception's kind and reason. ``captures`` (what the citizen's age
    requires; None while unknown) and ``settings.iris_camera`` say when a whole kind is "not
    required"; parts stored anyway are still listed.
    """
    settings = settings if settings is not None else GateSettings()
    by = {(kind, slot): meta for kind, slot, meta in parts}
    exceptions: dict[str, Any] = capture.get("exceptions", {})
    attempts: dict[str, Any] = capture.get("attempts", {})
    stored = [StoredPart(kind, slot, "", meta) for kind, slot, meta in parts]
    bio_best = {(b["kind"], b["slot"]): b for b in biogate.best_effort(stored, attempts, settings)}
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
    out += _biometrics(_Seen(by, exceptions, attempts, settings, bio_best), captures)
    for key, override in sorted(capture.get("overrides", {}).items()):
        out.append(
            (
                f"Giám sát viên {override.get('by')} xác nhận {key}: {override.get('reason')}",
                f"Supervisor {override.get('by')} overrode {key}: {override.get('reason')}",
            )
        )
    if (PartKind.SIGNATURE.value, "") in by:
        out.append(("Chữ ký: có", "Signature: taken"))
    elif completeness.exception_key(PartKind.SIGNATURE, "") in exceptions:
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
    captures: Captures | None = None,
    settings: GateSettings | None = None,
) -> IntakeRecord:
    return IntakeRecord(
        dossier_number,
        station_name,
        station_code,
        operator_id,
        intake_date,
        form_view.rows(form, md, lang),
        received(parts, capture, captures, settings),
    )
