"""The gate for rolled prints and irises: what the core measures on their stored bytes.

Called by :mod:`station.capture.gate` (verdicts, what blocks) and :mod:`station.capturing`
(alarms when a print is stored), like the gate's own checks of portraits and flat prints:

- **Rolled print** (part ``rolled_print``, slot: the finger): decodes (WSQ, or PNG), the
  station's quality score (:func:`~station.capture.fpquality.assess`, one pass shared with the
  minutiae extraction, as for flat prints), and it must be **the finger of its flat print**: the
  rolled print of finger *i* is compared (:mod:`~station.capture.fpmatch`) with the flat print of
  finger *i*; under the match threshold it is an alarm, and only then is it compared with the
  other flat prints, to name the finger it looks like. The flat prints are already compared
  pairwise (no two alike), so a rolled print that matches its own flat print cannot match
  another one's without that pair being an alarm itself: ten comparisons per dossier instead of
  a hundred. A rolled print whose finger has no flat print (a slap exception) is compared with
  every flat print.
- **Iris** (part ``iris``, slot ``right`` or ``left``): decodes (PNG, JPEG or JPEG 2000,
  grayscale), an eye is found (pupil and iris boundary), and the ISO/IEC 29794-6-style measures
  of :mod:`~station.capture.irisquality` against the gate settings: iris diameter, usable iris
  area, sharpness, pupil/iris ratio, the iris inside the frame, and the overall score.

A part that does not decode, or an iris image with no eye, always blocks (capture it again, or
record an exception). A score or a measure under its threshold blocks until the part has had the
allowed attempts; then it is kept as **best effort** with its values, listed for the supervisor.
A rolled print that is not the finger of its flat print blocks until one of them is captured
again, or a supervisor overrides the alarm with a reason.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import cv2
import numpy as np

from station.capture import irisquality
from station.devices import FINGER_LABELS, Finger
from station.devices.iris import EYE_LABELS, Eye
from station.dossier import PartKind
from station.errors import ValidationError

if TYPE_CHECKING:
    from station.capture import fpmatch
    from station.capture.gate import GateSettings, Problem, StoredPart

KINDS: Final = frozenset({PartKind.ROLLED_PRINT.value, PartKind.IRIS.value})
IRIS_MEDIA_TYPES: Final = frozenset({"image/png", "image/jpeg", "image/jp2"})
#: Pupil over iris radius outside this range: the segmentation (or the eye) is implausible.
PUPIL_RATIO: Final = (0.2, 0.7)

#: The iris checks in the order they are reported (what to fix first; stored meta is sorted).
IRIS_CHECK_ORDER: Final = (
    "eye_found",
    "in_frame",
    "iris_diameter",
    "sharpness",
    "usable_area",
    "pupil_ratio",
    "quality",
)

_IRIS_VERDICTS: dict[tuple[str, str], dict[str, Any]] = {}


def attempts_key(kind: str, slot: str) -> str:
    """The key of a part's count of saves in ``capture.attempts`` (flat prints use the finger)."""
    return f"{kind}/{slot}"


def part_label(kind: str, slot: str) -> tuple[str, str]:
    if kind == PartKind.ROLLED_PRINT:
        try:
            vi, en = FINGER_LABELS[Finger(slot)]
        except ValueError:
            vi = en = slot
        return f"vân tay lăn {vi}", f"the rolled print of the {en}"
    try:
        vi, en = EYE_LABELS[Eye(slot)]
    except ValueError:
        vi = en = slot
    return f"ảnh mống mắt {vi}", f"the iris image of the {en}"


# --- verdicts -----------------------------------------------------------------------------------


def judge_rolled(finger: str, media_type: str, data: bytes) -> dict[str, Any]:
    """Decode a stored rolled print and score it (its minutiae remembered for the comparisons)."""
    from station.capture import gate

    verdict = gate.measure_print(hashlib.sha256(data).hexdigest(), finger, media_type, data)
    verdict["impression"] = "rolled"
    return verdict


def _check(passed: bool, value: float | None, vi: str, en: str) -> dict[str, Any]:
    return {"passed": passed, "value": value, "vi": vi, "en": en}


def judge_iris(media_type: str, data: bytes, settings: GateSettings) -> dict[str, Any]:
    """Decode a stored iris image and measure it against the gate settings."""
    key = (
        hashlib.sha256(data).hexdigest(),
        json.dumps([media_type, settings.as_dict()], sort_keys=True),
    )
    known = _IRIS_VERDICTS.get(key)
    if known is None:
        known = _judge_iris(media_type, data, settings)
        if len(_IRIS_VERDICTS) > 64:
            _IRIS_VERDICTS.clear()
        _IRIS_VERDICTS[key] = known
    return copy.deepcopy(known)


def clear_memo() -> None:
    _IRIS_VERDICTS.clear()


def _decode_iris(media_type: str, data: bytes) -> np.ndarray | None:
    if media_type not in IRIS_MEDIA_TYPES:
        return None
    if media_type == "image/jp2":
        from station.devices.sbi import decode_finger_image

        try:
            return decode_finger_image(data).image
        except ValidationError:
            return None
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    return None if gray is None or gray.size == 0 else gray


def _judge_iris(media_type: str, data: bytes, settings: GateSettings) -> dict[str, Any]:
    gray = _decode_iris(media_type, data)
    report = None
    if gray is not None:
        try:
            report = irisquality.assess(gray)
        except ValidationError:
            report = None
    if gray is None or report is None:
        return {"decodes": False, "quality": None, "ok": False, "checks": {}}
    m = report.measures
    checks: dict[str, dict[str, Any]] = {
        "eye_found": _check(
            report.found,
            None,
            "tìm thấy mắt" if report.found else "không tìm thấy mắt trong ảnh",
            "eye found" if report.found else "no eye found in the image",
        )
    }
    if report.found:
        d = m["iris_diameter"]
        ok = d >= settings.iris_min_diameter
        checks["iris_diameter"] = _check(
            ok,
            d,
            f"mống mắt rộng {d:.0f} px" + ("" if ok else f", dưới {settings.iris_min_diameter}"),
            f"iris {d:.0f} px across" + ("" if ok else f", under {settings.iris_min_diameter}"),
        )
        u = m["usable_area"]
        ok = u >= settings.iris_min_usable
        checks["usable_area"] = _check(
            ok,
            u,
            f"phần mống mắt dùng được {u:.0%}" + ("" if ok else " (mí mắt, lông mi che)"),
            f"usable iris area {u:.0%}" + ("" if ok else " (lids or lashes cover it)"),
        )
        sh = m["sharpness"]
        ok = sh >= settings.iris_min_sharpness
        checks["sharpness"] = _check(
            ok,
            sh,
            "ảnh rõ nét" if ok else f"ảnh bị mờ (độ nét {sh:.0f})",
            "sharp" if ok else f"blurred (sharpness {sh:.0f})",
        )
        ratio = m["pupil_ratio"]
        ok = PUPIL_RATIO[0] <= ratio <= PUPIL_RATIO[1]
        checks["pupil_ratio"] = _check(
            ok,
            ratio,
            "tỉ lệ đồng tử hợp lý" if ok else f"tỉ lệ đồng tử/mống mắt {ratio:.2f} bất thường",
            "pupil ratio plausible" if ok else f"pupil/iris ratio {ratio:.2f} implausible",
        )
        ok = bool(m["in_frame"])
        checks["in_frame"] = _check(
            ok,
            None,
            "mống mắt nằm trọn trong ảnh" if ok else "mống mắt bị cắt ở mép ảnh",
            "iris inside the image" if ok else "the iris runs off the image",
        )
        q = report.score
        ok = q >= settings.iris_min_quality
        checks["quality"] = _check(
            ok,
            q,
            f"chất lượng {q}" + ("" if ok else f", dưới ngưỡng {settings.iris_min_quality}"),
            f"quality {q}" + ("" if ok else f", under {settings.iris_min_quality}"),
        )
    return {
        "decodes": True,
        "quality": report.score,
        "found": report.found,
        "measures": report.measures,
        "geometry": report.geometry,
        "size": [int(gray.shape[1]), int(gray.shape[0])],
        "checks": checks,
        "ok": all(c["passed"] for c in checks.values()),
    }


def judge_part(
    kind: str, slot: str, media_type: str, data: bytes, settings: GateSettings
) -> dict[str, Any]:
    if kind == PartKind.ROLLED_PRINT:
        return judge_rolled(slot, media_type, data)
    return judge_iris(media_type, data, settings)


def merge_meta(meta: dict[str, Any], verdict: Mapping[str, Any], kind: str) -> None:
    """The core's values over the caller's, in the stored meta (``gate.merge_meta``)."""
    meta["quality"] = verdict.get("quality")
    if kind == PartKind.ROLLED_PRINT and "quality_components" in verdict:
        meta["quality_components"] = verdict["quality_components"]
    if kind == PartKind.IRIS:
        meta["checks"] = verdict.get("checks", {})
        meta["ok"] = bool(verdict.get("ok"))


# --- what blocks ----------------------------------------------------------------------------------


def threshold(kind: str, settings: GateSettings) -> int:
    if kind == PartKind.ROLLED_PRINT:
        return settings.rolled_min_quality
    return settings.iris_min_quality


def _failed(p: StoredPart, settings: GateSettings) -> list[str]:
    """The names of the part's failed measures (quality for a rolled print)."""
    verdict = p.meta.get("gate", {})
    if p.kind == PartKind.ROLLED_PRINT:
        q = verdict.get("quality")
        return ["quality"] if isinstance(q, int) and q < settings.rolled_min_quality else []
    checks = verdict.get("checks", {})
    order = {name: i for i, name in enumerate(IRIS_CHECK_ORDER)}
    failed = [name for name, c in checks.items() if not c.get("passed")]
    return sorted(failed, key=lambda name: order.get(name, len(order)))


def part_problems(
    p: StoredPart, attempts: Mapping[str, Any], settings: GateSettings
) -> list[Problem]:
    """What a stored rolled print or iris image blocks on."""
    from station.capture.gate import Problem

    verdict = p.meta.get("gate")
    vi, en = part_label(p.kind, p.slot)
    if not isinstance(verdict, dict):
        return [
            Problem(
                f"unchecked:{p.kind}/{p.slot}",
                p.kind,
                p.slot,
                f"{vi} chưa được trạm kiểm tra: lưu lại",
                f"{en} was never checked by the station: save it again",
            )
        ]
    if not verdict.get("decodes"):
        return [
            Problem(
                f"undecodable:{p.kind}/{p.slot}",
                p.kind,
                p.slot,
                f"{vi} không đọc được: thu nhận lại",
                f"{en} cannot be decoded: capture it again",
            )
        ]
    if p.kind == PartKind.IRIS and not verdict.get("found"):
        return [
            Problem(
                f"no_eye:{p.kind}/{p.slot}",
                p.kind,
                p.slot,
                f"{vi}: không tìm thấy mắt trong ảnh; chụp lại hoặc ghi ngoại lệ",
                f"{en}: no eye found in the image; capture it again or record an exception",
            )
        ]
    failed = _failed(p, settings)
    done = int(attempts.get(attempts_key(p.kind, p.slot), 0))
    if not failed or done >= settings.max_attempts:
        return []
    if p.kind == PartKind.ROLLED_PRINT:
        q = verdict.get("quality")
        need = settings.rolled_min_quality
        what_vi, what_en = f"chất lượng {q}, dưới ngưỡng {need}", f"quality {q}, under {need}"
    else:
        checks = [verdict["checks"][name] for name in failed]
        what_vi = "; ".join(str(c.get("vi", "")) for c in checks)
        what_en = "; ".join(str(c.get("en", "")) for c in checks)
    return [
        Problem(
            f"quality:{p.kind}/{p.slot}",
            p.kind,
            p.slot,
            f"{vi}: {what_vi}; thu nhận lại (lần {done}/{settings.max_attempts})",
            f"{en}: {what_en}; capture it again (attempt {done} of {settings.max_attempts})",
        )
    ]


def problems(
    parts: Iterable[StoredPart], capture: Mapping[str, Any], settings: GateSettings
) -> list[Problem]:
    """What the stored rolled prints and irises, and the standing rolled-print alarms, block."""
    from station.capture.gate import alarm_overridden

    out: list[Problem] = []
    attempts = capture.get("attempts", {})
    for p in sorted(parts, key=lambda p: (p.kind, p.slot)):
        if p.kind in KINDS:
            out.extend(part_problems(p, attempts, settings))
    overrides = capture.get("overrides", {})
    for key, alarm in sorted(capture.get("alarms", {}).items()):
        standing = not alarm_overridden(alarm, overrides.get(key))
        if alarm.get("kind") == "rolled_mismatch" and standing:
            out.append(alarm_problem(key, alarm))
    return out


def duplicate_alarms(capture: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The same-finger alarms of the flat prints (the others are this module's)."""
    return [
        (key, alarm)
        for key, alarm in sorted(capture.get("alarms", {}).items())
        if alarm.get("kind") != "rolled_mismatch"
    ]


def best_effort(
    parts: Iterable[StoredPart], attempts: Mapping[str, Any], settings: GateSettings
) -> list[dict[str, Any]]:
    """Rolled prints and irises kept under their thresholds after the allowed attempts."""
    out = []
    for p in parts:
        if p.kind not in KINDS or not p.meta.get("gate", {}).get("decodes"):
            continue
        if p.kind == PartKind.IRIS and not p.meta["gate"].get("found"):
            continue
        failed = _failed(p, settings)
        done = int(attempts.get(attempts_key(p.kind, p.slot), 0))
        if failed and done >= settings.max_attempts:
            out.append(
                {
                    "kind": p.kind,
                    "slot": p.slot,
                    "quality": p.meta["gate"].get("quality"),
                    "threshold": threshold(p.kind, settings),
                    "attempts": done,
                    "failed": failed,
                }
            )
    return out


# --- rolled print against flat prints ------------------------------------------------------


def alarm_key(finger: str) -> str:
    return f"rolled:{finger}"


def rolled_alarm(
    finger: str,
    rolled: tuple[str, fpmatch.Template],
    flats: Mapping[str, tuple[str, fpmatch.Template]],
    match_threshold: float,
    raised_at: str,
) -> dict[str, Any] | None:
    """The alarm for the rolled print of ``finger`` (its hash and template) against the flat
    prints (finger -> hash and template), or None when it is the finger of its flat print."""
    from station.capture import gate

    sha, template = rolled
    own = flats.get(finger)
    own_sim = None
    if own is not None:
        own_sim = gate.similarity(sha, template, own[0], own[1])
        if own_sim >= match_threshold:
            return None
    best, best_sim = None, 0.0
    for other, (other_sha, other_t) in flats.items():
        if other == finger:
            continue
        sim = gate.similarity(sha, template, other_sha, other_t)
        if sim >= match_threshold and sim > best_sim:
            best, best_sim = other, sim
    if own is not None or best is not None:
        return {
            "kind": "rolled_mismatch",
            "fingers": [finger] + ([best] if best else []),
            "similarity": round(own_sim, 4) if own_sim is not None else None,
            "looks_like": best,
            "looks_like_similarity": round(best_sim, 4) if best else None,
            "sha256": [own[0] if own else "", sha],
            "raised_at": raised_at,
        }
    return None


def alarm_problem(key: str, alarm: Mapping[str, Any]) -> Problem:
    from station.capture.gate import Problem

    finger = str(alarm.get("fingers", [""])[0])
    vi, en = part_label(PartKind.ROLLED_PRINT, finger)
    try:
        fvi, fen = FINGER_LABELS[Finger(finger)]
    except ValueError:
        fvi = fen = finger
    sim = alarm.get("similarity")
    if sim is None:
        said_vi, said_en = "không có vân tay phẳng để so", "there is no flat print to compare"
    else:
        said_vi = f"không khớp vân tay phẳng {fvi} (độ giống {sim:.2f})"
        said_en = f"does not match the flat print of the {fen} (similarity {sim:.2f})"
    like = alarm.get("looks_like")
    if like:
        lvi, len_ = FINGER_LABELS[Finger(str(like))]
        said_vi += f"; trông giống {lvi}"
        said_en += f"; it looks like the {len_}"
    return Problem(
        key,
        PartKind.ROLLED_PRINT,
        finger,
        f"{vi} {said_vi}: lăn lại (hoặc lấy lại vân tay phẳng) hoặc nhờ giám sát viên xác nhận",
        f"{en} {said_en}: roll it again (or retake the flat print) or have a supervisor override",
        overridable=True,
    )
