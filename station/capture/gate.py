"""The gate before sealing: what the station itself measures on every stored part.

Sealing deletes the captured data from the station, so the packet is the only copy. Nothing a
caller says about a part is a verdict here: when a part is stored, the core decodes the stored
bytes and measures them (:func:`judge_part`), and :func:`problems` turns those measurements, the
same-finger alarms and the overrides named people made into what blocks ``mark_captured``.

- Portrait: decodes as a JPEG, exactly one face, the head's height share of the image, the eye
  line and the centring (``docs/domain.md``: face height 70-80 % of the image, eyes 50-70 % up
  from the bottom), and the live checks (exposure, head roll, eyes, sharpness, background)
  recomputed on the saved image with :class:`~station.capture.face.FaceAnalyzer`.
- Prints: decode (WSQ, or PNG from a scanner without WSQ) and the station's own quality score
  (:func:`~station.capture.fpquality.assess`); the prints of a dossier are compared pairwise
  (:mod:`~station.capture.fpmatch`) and a pair that looks like one finger is an alarm.
- Signature: the image decodes and its strokes pass the signature checks.
- Document pages: decode.

Thresholds come from :class:`GateSettings` (station settings, changed by an admin; defaults and
reasons in ``docs/capture.md``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final

import cv2
import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from station.capture import face, fingerprint, fpmatch, fpquality
from station.capture.fingerprint import EXPECTED_AREA_MM2
from station.devices import FINGER_LABELS, Finger
from station.dossier import PartKind
from station.errors import ValidationError
from station.models import DossierPart, PrintFeatures
from station.packet import MAX_PACKET_BYTES

#: The key of the gate settings inside the station's settings.
SETTINGS_KEY: Final = "gate"

#: Live checks of the analyzer that are recomputed on the saved portrait (``face_size`` and
#: ``centred`` are frame checks; the portrait has its own geometry checks below).
LIVE_CHECKS: Final = (
    "exposure",
    "one_face",
    "head_roll",
    "eyes_visible",
    "sharpness",
    "background",
)

#: Part meta keys whose caller-given values are replaced by the core's (the caller's values are
#: kept under ``hint`` for the station only; they never enter a packet).
VERDICT_KEYS: Final = (
    "checks",
    "ok",
    "quality",
    "quality_components",
    "below_threshold",
    "attempts",
)


@dataclass(frozen=True)
class GateSettings:
    """Thresholds of the gate (station settings; see ``docs/capture.md``)."""

    #: Head height (chin to crown, estimated as 1.5 head widths) over the portrait height. The
    #: domain rule is 70-80 %. The face box the head is measured from varies by about 4 % of
    #: the height between frames of one person, and grows less than the head on a large head
    #: (a head zoomed to 85 % measures 80 %, to 100 % measures 86 %), hence the margins.
    head_min: float = 0.66
    head_max: float = 0.82
    #: Eye line, fraction of the portrait height up from the bottom (ICAO: 50-70 %).
    eye_min: float = 0.50
    eye_max: float = 0.70
    #: Eyes' midpoint from the vertical centre line, fraction of the width (ICAO: 45-55 %).
    centre_max: float = 0.05
    #: Sharpness (normalised Laplacian) at least this; the camera's own check uses the same.
    min_sharpness: float = 0.70
    #: Station quality (0-100) a print needs; per finger where ``finger_min`` names it.
    min_quality: int = fingerprint.DEFAULT_THRESHOLD
    finger_min: dict[str, int] = field(default_factory=dict)
    #: Saves of one finger before a print under its threshold is kept as best effort (and
    #: before an exception may be recorded without one).
    max_attempts: int = fingerprint.MAX_ATTEMPTS
    #: Similarity at or above which two prints are taken for the same finger.
    match_threshold: float = fpmatch.THRESHOLD
    #: Largest packet the station seals (never above the receiver's limit).
    max_packet_bytes: int = MAX_PACKET_BYTES

    def threshold(self, finger: str) -> int:
        return int(self.finger_min.get(finger, self.min_quality))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> GateSettings:
        raw = settings.get(SETTINGS_KEY)
        return cls.parse(raw if isinstance(raw, dict) else {})

    @classmethod
    def parse(cls, values: Mapping[str, Any], base: GateSettings | None = None) -> GateSettings:
        """Settings from ``values`` over ``base`` (defaults); ValidationError on a bad value."""
        current = (base or cls()).as_dict()
        names = {f.name for f in fields(cls)}
        for key, value in values.items():
            if key not in names:
                raise _bad(key, f"không có ngưỡng «{key}»", f"no threshold '{key}'")
            current[key] = value
        _check_settings(current)
        return cls(**current)


def _bad(key: str, vi: str, en: str) -> ValidationError:
    return ValidationError(f"Ngưỡng kiểm tra: {vi}.", f"Capture threshold: {en}.", field=key)


def _fraction(v: dict[str, Any], key: str, hi: float = 1.0) -> None:
    value = v[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= hi:
        raise _bad(key, f"{key} phải trong khoảng 0-{hi:g}", f"{key} must be between 0 and {hi:g}")


def _whole(v: dict[str, Any], key: str, lo: int, hi: int) -> None:
    value = v[key]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _bad(key, f"{key} phải là số nguyên {lo}-{hi}", f"{key} must be a whole {lo}-{hi}")


def _check_settings(v: dict[str, Any]) -> None:
    for key in ("head_min", "head_max", "eye_min", "eye_max", "centre_max", "match_threshold"):
        _fraction(v, key)
    _fraction(v, "min_sharpness", 5.0)
    for lo, hi in (("head_min", "head_max"), ("eye_min", "eye_max")):
        if v[lo] > v[hi]:
            raise _bad(lo, f"{lo} lớn hơn {hi}", f"{lo} is above {hi}")
    _whole(v, "min_quality", 0, 100)
    _whole(v, "max_attempts", 1, 10)
    _whole(v, "max_packet_bytes", 64 * 1024, MAX_PACKET_BYTES)
    per = v["finger_min"]
    if not isinstance(per, dict):
        raise _bad("finger_min", "finger_min phải là bảng ngón", "finger_min must map fingers")
    for finger in per:
        try:
            Finger(finger)
        except ValueError:
            raise _bad("finger_min", f"không có ngón «{finger}»", f"no finger '{finger}'") from None
        _whole(per, finger, 0, 100)


# --- memo -------------------------------------------------------------------------------------


class _Memo:
    """A small thread-safe LRU of results that depend only on the bytes measured (keyed by
    their SHA-256): saving the same print in a second dossier, or the review reading a
    verdict again, does not measure it twice. ``clear_memo`` empties it (the bench's cold run).
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_TEMPLATES = _Memo(64)
_VERDICTS = _Memo(256)
_SIMILARITY = _Memo(1024)


def clear_memo() -> None:
    """Forget every remembered measurement (the next ones are measured cold)."""
    for memo in (_TEMPLATES, _VERDICTS, _SIMILARITY):
        memo.clear()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the portrait -----------------------------------------------------------------------------

_local = threading.local()


def _analyzer() -> face.FaceAnalyzer:
    """One analyzer per thread (OpenCV's classifiers are not shared across threads)."""
    analyzer = getattr(_local, "analyzer", None)
    if analyzer is None:
        analyzer = face.FaceAnalyzer(face.FaceConfig(detect_width=320, min_detect_face=0.15))
        _local.analyzer = analyzer
    return analyzer


def _check(name: str, passed: bool, value: float | None, vi: str, en: str) -> dict[str, Any]:
    rounded = None if value is None else round(value, 4)
    return {"passed": passed, "value": rounded, "vi": vi, "en": en}


def judge_portrait(jpeg: bytes, settings: GateSettings) -> dict[str, Any]:
    """The portrait's checks, measured on the stored JPEG: ``{"decodes", "checks", "ok", ...}``."""
    key = ("face", _digest(jpeg), json.dumps(settings.as_dict(), sort_keys=True))
    known = _VERDICTS.get(key)
    if known is None:
        known = _judge_portrait(jpeg, settings)
        _VERDICTS.put(key, known)
    return copy.deepcopy(known)


def _judge_portrait(jpeg: bytes, settings: GateSettings) -> dict[str, Any]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0 or not jpeg.startswith(b"\xff\xd8"):
        return {
            "decodes": False,
            "ok": False,
            "checks": {
                "decodes": _check(
                    "decodes", False, None, "ảnh không đọc được", "the image cannot be read"
                )
            },
        }
    height, width = image.shape[:2]
    analysis = _analyzer().analyze(np.ascontiguousarray(image, dtype=np.uint8))
    checks: dict[str, dict[str, Any]] = {}
    for name in LIVE_CHECKS:
        c = analysis.check(name)
        checks[name] = _check(name, c.passed, c.value, c.vi, c.en)
    sharp = analysis.check("sharpness").value
    if sharp is not None and analysis.face_box is not None:
        passed = sharp >= settings.min_sharpness
        checks["sharpness"] = _check(
            "sharpness",
            passed,
            sharp,
            "ảnh rõ nét" if passed else "ảnh bị mờ",
            "sharp" if passed else "blurred",
        )
    box = analysis.face_box
    if box is None or not checks["one_face"]["passed"]:
        for name in ("head_height", "eye_line", "centred"):
            checks[name] = _check(
                name,
                False,
                None,
                "không đo được vì không có đúng một khuôn mặt",
                "not measured: not exactly one face",
            )
    else:
        head = 1.5 * face.HEAD_WIDTH_PER_BOX * box[2] / height
        if head < settings.head_min:
            checks["head_height"] = _check(
                "head_height",
                False,
                head,
                f"đầu quá nhỏ ({head:.0%} chiều cao ảnh)",
                f"head too small ({head:.0%} of the height)",
            )
        elif head > settings.head_max:
            checks["head_height"] = _check(
                "head_height",
                False,
                head,
                f"đầu quá lớn ({head:.0%} chiều cao ảnh)",
                f"head too large ({head:.0%} of the height)",
            )
        else:
            checks["head_height"] = _check(
                "head_height", True, head, "cỡ đầu đúng", "head size right"
            )
        if len(analysis.eyes) == 2:
            ex = (analysis.eyes[0][0] + analysis.eyes[1][0]) / 2.0
            ey = (analysis.eyes[0][1] + analysis.eyes[1][1]) / 2.0
        else:
            ex, ey = box[0] + box[2] / 2.0, box[1] + face.EYE_Y_IN_BOX * box[3]
        eye = (height - ey) / height
        ok = settings.eye_min <= eye <= settings.eye_max
        checks["eye_line"] = _check(
            "eye_line",
            ok,
            eye,
            "đường mắt đúng chỗ" if ok else f"đường mắt ở {eye:.0%} từ dưới lên, sai chỗ",
            "eye line right" if ok else f"eye line at {eye:.0%} from the bottom, out of range",
        )
        offset = abs(ex / width - 0.5)
        ok = offset <= settings.centre_max
        checks["centred"] = _check(
            "centred",
            ok,
            offset,
            "khuôn mặt ở giữa" if ok else "khuôn mặt lệch khỏi giữa ảnh",
            "face centred" if ok else "face off the centre line",
        )
    return {
        "decodes": True,
        "ok": all(c["passed"] for c in checks.values()),
        "size": [width, height],
        "face_box": list(box) if box is not None else None,
        "eyes": [list(p) for p in analysis.eyes],
        "checks": checks,
    }


# --- prints -----------------------------------------------------------------------------------


def template(sha256: str, data: bytes) -> fpmatch.Template | None:
    """The minutiae template of a stored print (remembered by its hash); None if it does not
    decode."""
    cached = _TEMPLATES.get((sha256,))
    if cached is None:
        measure_print(sha256, "", fingerprint.WSQ_MEDIA_TYPE, data)
        cached = _TEMPLATES.get((sha256,))
    return cached  # type: ignore[no-any-return]


def stored_template(s: Session, sha256: str, data: Callable[[], bytes]) -> fpmatch.Template | None:
    """A print's template without extracting it again: remembered in the process, else read from
    the store's ``print_features`` (kept when the print was saved), else extracted from
    ``data()`` once and kept there. None if the print does not decode."""
    cached: fpmatch.Template | None = _TEMPLATES.get((sha256,))
    if cached is not None:
        return cached
    row = s.get(PrintFeatures, sha256)
    if row is not None and row.format == fpmatch.TEMPLATE_FORMAT:
        cached = fpmatch.template_from_bytes(bytes(row.data))
        if cached is not None:
            _TEMPLATES.put((sha256,), cached)
            return cached
    cached = template(sha256, data())
    if cached is not None:
        keep_template(s, sha256, cached)
    return cached


def keep_template(s: Session, sha256: str, t: fpmatch.Template) -> None:
    """Store a print's template under its hash (in the caller's write transaction)."""
    row = s.get(PrintFeatures, sha256)
    if row is None:
        s.add(
            PrintFeatures(
                sha256=sha256, format=fpmatch.TEMPLATE_FORMAT, data=fpmatch.template_bytes(t)
            )
        )
    elif row.format != fpmatch.TEMPLATE_FORMAT:
        row.format, row.data = fpmatch.TEMPLATE_FORMAT, fpmatch.template_bytes(t)


def drop_unused_features(s: Session) -> None:
    """Delete the templates of prints no part holds any more (biometric data: they go with the
    part, in the transaction that deletes or replaces it, or seals the dossier)."""
    s.flush()
    s.execute(delete(PrintFeatures).where(PrintFeatures.sha256.not_in(select(DossierPart.sha256))))


def judge_print(finger: str, media_type: str, data: bytes) -> dict[str, Any]:
    """Decode a stored print and score it on the station's scale: ``{"decodes", "quality"}``."""
    return measure_print(_digest(data), finger, media_type, data)


def measure_print(sha256: str, finger: str, media_type: str, data: bytes) -> dict[str, Any]:
    """One pass over a stored print: decode once, the block features once, for both the
    quality score (the verdict, returned) and the minutiae (remembered for the comparisons)."""
    key = ("print", sha256, finger, media_type)
    known = _VERDICTS.get(key)
    if known is not None:
        return copy.deepcopy(known)
    verdict: dict[str, Any] = {"decodes": False, "quality": None, "format": media_type}
    if media_type in (fingerprint.WSQ_MEDIA_TYPE, fingerprint.PNG_MEDIA_TYPE):
        try:
            image = fingerprint.decode_stored(data)
            gray = fpquality.to_500ppi(fpquality.validate_image(image), 500)
            feats = fpquality.block_features(gray)
            area = EXPECTED_AREA_MM2.get(Finger(finger), 280.0) if finger else 280.0
            report = fpquality.assess(gray, expected_area_mm2=area, features=feats)
            if _TEMPLATES.get((sha256,)) is None:
                _TEMPLATES.put((sha256,), fpmatch.extract(gray, features=feats))
        except (ValidationError, ValueError, cv2.error):
            pass
        else:
            verdict = {
                "decodes": True,
                "quality": report.score,
                "quality_components": report.components,
                "format": "wsq" if media_type == fingerprint.WSQ_MEDIA_TYPE else "png",
                "size": [int(image.shape[1]), int(image.shape[0])],
            }
    if finger:
        _VERDICTS.put(key, verdict)
    return copy.deepcopy(verdict)


def similarity(sha_a: str, a: fpmatch.Template, sha_b: str, b: fpmatch.Template) -> float:
    """How alike two prints are (remembered per pair of hashes)."""
    key = (min(sha_a, sha_b), max(sha_a, sha_b))
    known = _SIMILARITY.get(key)
    if known is None:
        known = float(fpmatch.similarity(a, b))
        _SIMILARITY.put(key, known)
    return float(known)


def pair_key(a: str, b: str) -> str:
    first, second = sorted((Finger(a), Finger(b)), key=lambda f: f.iso_position)
    return f"duplicate:{first.value}+{second.value}"


# --- signature and documents ------------------------------------------------------------------


def judge_image(data: bytes) -> dict[str, Any]:
    """A signature image or a document page: does it decode, and how large is it."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        return {"decodes": False}
    return {"decodes": True, "size": [int(image.shape[1]), int(image.shape[0])]}


def judge_strokes(data: bytes) -> dict[str, Any]:
    from station.capture import signature
    from station.devices import StrokePoint

    try:
        raw = json.loads(data)
        strokes = [
            [StrokePoint(float(x), float(y), float(pr), int(t)) for x, y, pr, t in stroke]
            for stroke in raw
        ]
        st = signature.check(strokes)
    except (ValueError, TypeError, ValidationError):
        return {"decodes": False}
    return {"decodes": True, "points": st.points, "strokes": st.strokes}


def judge_part(
    kind: str, slot: str, media_type: str, data: bytes, settings: GateSettings
) -> dict[str, Any]:
    """What the core measures on one stored part (stored as the part's ``gate`` meta)."""
    if kind == PartKind.FACE:
        return judge_portrait(data, settings)
    if kind == PartKind.FINGERPRINT:
        return judge_print(slot, media_type, data)
    if kind == PartKind.SIGNATURE and slot == "strokes":
        return judge_strokes(data)
    return judge_image(data)


def merge_meta(caller: Mapping[str, Any], verdict: dict[str, Any], kind: str) -> dict[str, Any]:
    """The part meta to store: the caller's facts, the core's verdict over any caller verdict."""
    meta = {k: v for k, v in caller.items() if k not in VERDICT_KEYS and k != "hint"}
    hint = {k: caller[k] for k in VERDICT_KEYS if k in caller}
    if hint:
        meta["hint"] = hint
    meta["gate"] = verdict
    if kind == PartKind.FACE:
        meta["checks"] = verdict.get("checks", {})
        meta["ok"] = bool(verdict.get("ok"))
    elif kind == PartKind.FINGERPRINT:
        meta["quality"] = verdict.get("quality")
        if "quality_components" in verdict:
            meta["quality_components"] = verdict["quality_components"]
    return meta


def for_manifest(meta: Mapping[str, Any]) -> dict[str, Any]:
    """A part's meta as sealed: without the caller's hints."""
    return {k: v for k, v in meta.items() if k != "hint"}


#: The parts the gate judges (what is captured at the station).
GATED_KINDS: Final = frozenset(
    {
        PartKind.FACE.value,
        PartKind.FINGERPRINT.value,
        PartKind.SIGNATURE.value,
        PartKind.DOCUMENT.value,
    }
)


# --- what blocks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason a dossier cannot be marked captured (``key`` names it for an override)."""

    key: str
    kind: str
    slot: str
    vi: str
    en: str
    overridable: bool = False


@dataclass(frozen=True)
class StoredPart:
    kind: str
    slot: str
    sha256: str
    meta: dict[str, Any]


#: The portrait's checks in the order they are reported (what to fix first).
_CHECK_LABELS: Final = {
    "decodes": ("ảnh đọc được", "image readable"),
    "one_face": ("một khuôn mặt", "one face"),
    "head_height": ("cỡ đầu", "head size"),
    "eye_line": ("đường mắt", "eye line"),
    "centred": ("vị trí giữa", "centring"),
    "exposure": ("độ sáng", "exposure"),
    "head_roll": ("đầu thẳng", "head straight"),
    "eyes_visible": ("thấy hai mắt", "eyes visible"),
    "sharpness": ("độ nét", "sharpness"),
    "background": ("phông nền", "background"),
}


def _finger_label(slot: str) -> tuple[str, str]:
    try:
        return FINGER_LABELS[Finger(slot)]
    except ValueError:
        return slot, slot


def best_effort(
    parts: Iterable[StoredPart], attempts: Mapping[str, int], settings: GateSettings
) -> list[StoredPart]:
    """Prints under their threshold after the allowed attempts, kept with their score."""
    out = []
    for p in parts:
        q = p.meta.get("gate", {}).get("quality")
        if p.kind != PartKind.FINGERPRINT or not isinstance(q, int):
            continue
        if q < settings.threshold(p.slot) and attempts.get(p.slot, 0) >= settings.max_attempts:
            out.append(p)
    return out


def problems(
    parts: Iterable[StoredPart], capture: Mapping[str, Any], settings: GateSettings
) -> list[Problem]:
    """Everything the stored verdicts, alarms and overrides say blocks ``mark_captured``."""
    out: list[Problem] = []
    attempts = capture.get("attempts", {})
    for p in sorted(parts, key=lambda p: (p.kind, p.slot)):
        if p.kind not in GATED_KINDS:
            continue  # e.g. the old card's chip read: judged by its own rules
        verdict = p.meta.get("gate")
        if not isinstance(verdict, dict):
            out.append(
                Problem(
                    f"unchecked:{p.kind}/{p.slot}",
                    p.kind,
                    p.slot,
                    f"thành phần {p.kind}/{p.slot} chưa được trạm kiểm tra: lưu lại",
                    f"part {p.kind}/{p.slot} was never checked by the station: save it again",
                )
            )
            continue
        if p.kind == PartKind.FACE:
            # A failed background blocks approval instead (``completeness``: on a home visit a
            # supervisor may accept it), so it is not a capture problem here.
            checks = verdict.get("checks", {})
            failed = [
                name
                for name in _CHECK_LABELS
                if name in checks and not checks[name].get("passed") and name != "background"
            ]
            if failed:
                first = checks[failed[0]]
                vi_names = ", ".join(_CHECK_LABELS.get(n, (n, n))[0] for n in failed)
                en_names = ", ".join(_CHECK_LABELS.get(n, (n, n))[1] for n in failed)
                out.append(
                    Problem(
                        f"face:{failed[0]}",
                        p.kind,
                        p.slot,
                        f"ảnh chân dung không đạt ({vi_names}): {first.get('vi', '')}; chụp lại",
                        f"the portrait fails ({en_names}): {first.get('en', '')}; take it again",
                    )
                )
            continue
        if not verdict.get("decodes"):
            if p.kind == PartKind.FINGERPRINT:
                vi, en = _finger_label(p.slot)
                what_vi, what_en = f"ảnh vân tay {vi}", f"the print of the {en}"
            else:
                what_vi = what_en = f"{p.kind}/{p.slot}".rstrip("/")
            out.append(
                Problem(
                    f"undecodable:{p.kind}/{p.slot}",
                    p.kind,
                    p.slot,
                    f"{what_vi} không đọc được: thu nhận lại",
                    f"{what_en} cannot be decoded: capture it again",
                )
            )
            continue
        if p.kind == PartKind.FINGERPRINT:
            q = verdict.get("quality")
            need = settings.threshold(p.slot)
            done = int(attempts.get(p.slot, 0))
            if isinstance(q, int) and q < need and done < settings.max_attempts:
                vi, en = _finger_label(p.slot)
                out.append(
                    Problem(
                        f"quality:{p.slot}",
                        p.kind,
                        p.slot,
                        f"vân tay {vi} chất lượng {q}, dưới ngưỡng {need}: lấy lại "
                        f"(lần {done}/{settings.max_attempts})",
                        f"the print of the {en} scores {q}, under {need}: capture it again "
                        f"(attempt {done} of {settings.max_attempts})",
                    )
                )
    overrides = capture.get("overrides", {})
    for key, alarm in sorted(capture.get("alarms", {}).items()):
        if alarm_overridden(alarm, overrides.get(key)):
            continue
        a, b = alarm.get("fingers", ["", ""])
        (avi, aen), (bvi, ben) = _finger_label(a), _finger_label(b)
        out.append(
            Problem(
                key,
                PartKind.FINGERPRINT,
                a,
                f"vân tay {avi} và {bvi} có vẻ là cùng một ngón (độ giống "
                f"{alarm.get('similarity', 0):.2f}): lấy lại một ngón hoặc nhờ giám sát viên "
                "xác nhận",
                f"the prints of the {aen} and the {ben} look like the same finger (similarity "
                f"{alarm.get('similarity', 0):.2f}): capture one again or have a supervisor "
                "override",
                overridable=True,
            )
        )
    return out


def alarm_overridden(alarm: Mapping[str, Any], override: object) -> bool:
    """An override holds for the very images it was made on."""
    return isinstance(override, dict) and override.get("sha256") == alarm.get("sha256")
