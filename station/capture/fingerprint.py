"""The fingerprint capture of one dossier, independent of the UI.

**What is captured, and why flat slaps.** Circular 60/2021/TT-BCA asks for the ten fingers as a
4-4-2 sequence of flat impressions (four right fingers, four left fingers, the two thumbs) and
then all ten rolled. This session does the 4-4-2 flat sequence:

* a slap scanner takes four fingers in one placement and segments them itself, so the 4-4-2
  costs three placements instead of ten, and the slap keeps the fingers in their order, which
  is what protects against a finger being filed under the wrong name (the most common enrolment
  error with single-finger capture);
* MOSIP's SBI 1.0, the interface the station's real scanners speak, has no rolled or
  single-finger-in-a-slot registration capture: ``deviceSubId`` selects the left slap, the right
  slap or the thumbs, and nothing asks for a rolled impression. Rolled capture depends on the
  device's own software; when a device offers it, it belongs behind the same
  ``FingerprintScanner`` protocol as another capture kind. Until then the rolled set of the
  circular is an open gap, recorded as such.

**The workflow.** :class:`FingerprintSession` runs the sequence; per slap, up to ``max_attempts``
(3) attempts, keeping per finger the best image by the station's own quality
(:mod:`fpquality`), until every expected finger reaches its threshold. A finger that is still
below its threshold after the last attempt keeps its best image and is flagged, not blocked.
Fingers that cannot be captured get an exception (missing, amputated, bandaged, unable to
capture) with a reason, which a supervisor other than the officer confirms. Every pair of
captured fingers is compared (:mod:`fpmatch`): two that look like the same finger block the end
of the capture until the slap is captured again or a supervisor overrides the alarm.

**Storage.** Each finger is kept as WSQ at 500 ppi (the FBI/NIST codec of fingerprint systems,
through the ``wsq`` package) or, where that package is missing, as lossless PNG.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from station.capture import fpmatch, fpquality
from station.capture.biosession import CaptureResult
from station.capture.completeness import FINGER_EXCEPTIONS, ExceptionKind
from station.devices import (
    FINGER_LABELS,
    SLAP_FINGERS,
    Finger,
    FingerprintScanner,
    Prompter,
    Slap,
)
from station.devices.sbi import decode_finger_image
from station.errors import PermissionDeniedError, ValidationError

Image = npt.NDArray[np.uint8]

#: The flat capture sequence (4-4-2).
SEQUENCE: tuple[Slap, ...] = (Slap.RIGHT_FOUR, Slap.LEFT_FOUR, Slap.THUMBS)
#: Minimum station quality (0-100) per finger unless the session is given others. On the
#: station's scale clear prints score 80-86, moderately dry or wet ones 60-76, partial or poor
#: ones below 50 (see the bench).
DEFAULT_THRESHOLD = 55
MAX_ATTEMPTS = 3
#: Expected flat contact area per finger (mm²), for the quality's area component.
EXPECTED_AREA_MM2: dict[Finger, float] = {
    Finger.RIGHT_THUMB: 380.0,
    Finger.LEFT_THUMB: 380.0,
    Finger.RIGHT_INDEX: 280.0,
    Finger.LEFT_INDEX: 280.0,
    Finger.RIGHT_MIDDLE: 280.0,
    Finger.LEFT_MIDDLE: 280.0,
    Finger.RIGHT_RING: 250.0,
    Finger.LEFT_RING: 250.0,
    Finger.RIGHT_LITTLE: 190.0,
    Finger.LEFT_LITTLE: 190.0,
}
WSQ_MEDIA_TYPE = "image/x-wsq"
PNG_MEDIA_TYPE = "image/png"
MAX_REASON = 500


def _label(finger: Finger) -> tuple[str, str]:
    return FINGER_LABELS[finger]


def _names(fingers: Sequence[Finger], lang: int) -> str:
    return ", ".join(FINGER_LABELS[f][lang] for f in fingers)


# --- encoding ---------------------------------------------------------------------------------


def wsq_available() -> bool:
    try:
        import wsq  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return False
    return True


def encode_wsq(image: Image) -> bytes:
    """WSQ (NBIS encoder, default bit rate) of a 500 ppi grayscale image."""
    import wsq  # noqa: F401  (registers the Pillow plugin)
    from PIL import Image as PILImage

    gray = fpquality.validate_image(image)
    buf = io.BytesIO()
    PILImage.fromarray(gray).save(buf, format="WSQ")
    return buf.getvalue()


def encode_png(image: Image) -> bytes:
    gray = fpquality.validate_image(image)
    ok, buf = cv2.imencode(".png", gray, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise ValidationError(
            "Không mã hóa được ảnh vân tay.", "Cannot encode the fingerprint image.", field="image"
        )
    return bytes(buf.tobytes())


def decode_stored(data: bytes) -> Image:
    """The grayscale image of a stored print (WSQ or PNG); ValidationError if unreadable."""
    return decode_finger_image(data).image


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FingerException:
    finger: Finger
    kind: ExceptionKind
    reason: str
    recorded_by: str | None = None
    confirmed_by: str | None = None


@dataclass(frozen=True, kw_only=True)
class FingerResult(CaptureResult[fpquality.QualityReport]):
    """A finger's kept print; ``attempts`` counts the attempts made on the finger's slap."""

    finger: Finger

    def quality_meta(self) -> dict[str, object]:
        return {"quality_components": self.quality.components}

    def capture_meta(self) -> dict[str, object]:
        return {"ppi": 500, "impression": "flat"}


@dataclass(frozen=True)
class SlapOutcome:
    slap: Slap
    attempt: int
    qualities: dict[Finger, int]  # this attempt's score per finger the device returned
    retake: tuple[Finger, ...]  # expected fingers whose best is still under the threshold
    not_found: tuple[Finger, ...]  # expected fingers the device did not return this time
    attempts_left: int

    @property
    def done(self) -> bool:
        return not self.retake or self.attempts_left == 0


@dataclass(frozen=True)
class DuplicatePair:
    first: Finger
    second: Finger
    similarity: float
    overridden_by: str | None = None
    reason: str = ""

    def message(self) -> tuple[str, str]:
        a, b = _label(self.first), _label(self.second)
        return (
            f"{a[0].capitalize()} và {b[0]} có vẻ là cùng một ngón tay "
            f"(độ giống {self.similarity:.2f}): chụp lại hoặc nhờ giám sát viên xác nhận.",
            f"The {a[1]} and the {b[1]} look like the same finger "
            f"(similarity {self.similarity:.2f}): capture again or have a supervisor confirm.",
        )


@dataclass(frozen=True)
class Completeness:
    missing: tuple[Finger, ...]  # neither an image nor an exception
    retake: tuple[Finger, ...]  # best image under the threshold, attempts left
    accepted_low: tuple[Finger, ...]  # under the threshold after the last attempt (kept)
    unconfirmed: tuple[Finger, ...]  # exceptions waiting for a supervisor
    duplicates: tuple[DuplicatePair, ...]  # unresolved

    @property
    def complete(self) -> bool:
        return not (self.missing or self.retake or self.unconfirmed or self.duplicates)

    def messages(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.missing:
            out.append(
                (
                    "Chưa có vân tay: " + _names(self.missing, 0) + ".",
                    "Fingerprints still missing: " + _names(self.missing, 1) + ".",
                )
            )
        if self.retake:
            out.append(
                (
                    "Chất lượng chưa đạt, cần chụp lại: " + _names(self.retake, 0) + ".",
                    "Quality too low, capture again: " + _names(self.retake, 1) + ".",
                )
            )
        if self.unconfirmed:
            out.append(
                (
                    "Ngoại lệ chờ giám sát viên xác nhận: " + _names(self.unconfirmed, 0) + ".",
                    "Exceptions awaiting a supervisor: " + _names(self.unconfirmed, 1) + ".",
                )
            )
        out.extend(d.message() for d in self.duplicates)
        if self.accepted_low:
            out.append(
                (
                    "Giữ ảnh tốt nhất dù chất lượng thấp sau lần chụp cuối: "
                    + _names(self.accepted_low, 0)
                    + ".",
                    "Best image kept despite low quality after the last attempt: "
                    + _names(self.accepted_low, 1)
                    + ".",
                )
            )
        return out


@dataclass
class _Kept:
    serial: int
    image: Image
    quality: fpquality.QualityReport
    device_quality: int | None
    device_data: str | None


# --- the session ------------------------------------------------------------------------------


class FingerprintSession:
    """The 4-4-2 flat capture of one dossier on ``scanner`` (see the module docstring)."""

    def __init__(
        self,
        scanner: FingerprintScanner,
        threshold_per_finger: dict[Finger, int] | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        *,
        match_threshold: float = fpmatch.THRESHOLD,
        officer_id: str | None = None,
        encoding: str = "wsq",
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if encoding not in ("wsq", "png"):
            raise ValueError("encoding must be 'wsq' or 'png'")
        self.scanner = scanner
        self.thresholds = {f: DEFAULT_THRESHOLD for f in Finger}
        for finger, value in (threshold_per_finger or {}).items():
            self.thresholds[Finger(finger)] = int(value)
        self.max_attempts = max_attempts
        self.match_threshold = match_threshold
        self.officer_id = officer_id
        self.encoding = "wsq" if encoding == "wsq" and wsq_available() else "png"
        self._serial = itertools.count(1)
        self._kept: dict[Finger, _Kept] = {}
        self._attempts: dict[Slap, int] = dict.fromkeys(SEQUENCE, 0)
        self._exceptions: dict[Finger, FingerException] = {}
        self._overrides: dict[tuple[int, int], tuple[str, str]] = {}
        self._templates: dict[int, fpmatch.Template] = {}
        self._similarity: dict[tuple[int, int], float] = {}
        self._encoded: dict[int, bytes] = {}

    # -- state ---------------------------------------------------------------------------------

    def threshold(self, finger: Finger) -> int:
        return self.thresholds[finger]

    def attempts(self, slap: Slap) -> int:
        return self._attempts[slap]

    def expected(self, slap: Slap) -> list[Finger]:
        """The fingers of ``slap`` to capture: those without an exception."""
        return [f for f in SLAP_FINGERS[slap] if f not in self._exceptions]

    def _good(self, finger: Finger) -> bool:
        kept = self._kept.get(finger)
        return kept is not None and kept.quality.score >= self.thresholds[finger]

    def needs_capture(self, slap: Slap) -> bool:
        """Some expected finger lacks a good image and attempts remain."""
        if self._attempts[slap] >= self.max_attempts:
            return False
        return any(not self._good(f) for f in self.expected(slap))

    def next_slap(self) -> Slap | None:
        return next((s for s in SEQUENCE if self.needs_capture(s)), None)

    # -- capturing -----------------------------------------------------------------------------

    def capture(self, slap: Slap, prompter: Prompter, timeout_s: float = 30.0) -> SlapOutcome:
        """One attempt at ``slap``. A device error propagates and does not count as an attempt."""
        slap = Slap(slap)
        if self._attempts[slap] >= self.max_attempts:
            raise ValidationError(
                f"Đã chụp {self.max_attempts} lần cho lượt này; "
                "muốn chụp lại từ đầu thì chọn «Chụp lại».",
                f"This capture has had its {self.max_attempts} attempts; "
                "choose 'Capture again' to start it over.",
                field="slap",
            )
        expected = self.expected(slap)
        skip = [f for f in SLAP_FINGERS[slap] if f not in expected]
        if not expected:
            return SlapOutcome(slap, self._attempts[slap], {}, (), (), 0)
        images = self.scanner.capture(slap, skip, prompter, timeout_s)
        self._attempts[slap] += 1
        signed = getattr(self.scanner, "last_signed", None)  # SbiScanner: the signed payloads
        signed = signed if isinstance(signed, dict) else {}
        qualities: dict[Finger, int] = {}
        for item in images:
            if item.finger not in expected or item.finger in qualities:
                continue  # not asked for, or the device sent it twice
            try:
                report = fpquality.assess(
                    item.image, ppi=item.ppi, expected_area_mm2=EXPECTED_AREA_MM2[item.finger]
                )
                image = fpquality.to_500ppi(fpquality.validate_image(item.image), item.ppi)
            except ValidationError as exc:
                prompter.show(exc.vi, exc.en)
                continue
            qualities[item.finger] = report.score
            kept = self._kept.get(item.finger)
            if kept is None or report.score >= kept.quality.score:
                data = signed.get(item.finger)
                self._kept[item.finger] = _Kept(
                    next(self._serial),
                    image,
                    report,
                    item.device_quality,
                    data if isinstance(data, str) else None,
                )
        not_found = tuple(f for f in expected if f not in qualities)
        retake = tuple(f for f in expected if not self._good(f))
        outcome = SlapOutcome(
            slap,
            self._attempts[slap],
            qualities,
            retake,
            not_found,
            self.max_attempts - self._attempts[slap],
        )
        self._report(outcome, prompter)
        return outcome

    def _report(self, outcome: SlapOutcome, prompter: Prompter) -> None:
        if not outcome.retake:
            prompter.show("Đã chụp đạt yêu cầu.", "Captured successfully.")
            return
        vi = "Chưa đạt: " + _names(outcome.retake, 0)
        en = "Not good enough yet: " + _names(outcome.retake, 1)
        problems = [self._kept[f].quality.problem() for f in outcome.retake if f in self._kept]
        hint = next((p for p in problems if p is not None), None)
        if hint is not None:
            vi, en = f"{vi}. {hint[0]}", f"{en}. {hint[1]}"
        if outcome.attempts_left:
            vi += f" Còn {outcome.attempts_left} lần chụp."
            en += f" {outcome.attempts_left} attempt(s) left."
        else:
            vi += " Đã hết số lần chụp: giữ ảnh tốt nhất."
            en += " No attempts left: the best image is kept."
        prompter.show(vi, en)

    def capture_slap(self, slap: Slap, prompter: Prompter, timeout_s: float = 30.0) -> SlapOutcome:
        """Attempts at ``slap`` until its fingers are good or the attempts run out."""
        outcome = self.capture(slap, prompter, timeout_s)
        while not outcome.done and not prompter.cancelled():
            outcome = self.capture(slap, prompter, timeout_s)
        return outcome

    def run(self, prompter: Prompter, timeout_s: float = 30.0) -> Completeness:
        """The whole 4-4-2 sequence (slaps that need nothing are skipped)."""
        for slap in SEQUENCE:
            if prompter.cancelled():
                break
            if self.needs_capture(slap):
                self.capture_slap(slap, prompter, timeout_s)
        return self.completeness()

    def recapture(self, slap: Slap) -> None:
        """Start ``slap`` over: its images are discarded and its attempts reset (after a
        duplicate alarm, or when the officer sees that the wrong hand was placed)."""
        slap = Slap(slap)
        for finger in SLAP_FINGERS[slap]:
            self._kept.pop(finger, None)
        self._attempts[slap] = 0

    # -- exceptions ----------------------------------------------------------------------------

    def record_exception(
        self,
        finger: Finger,
        kind: ExceptionKind | str,
        reason: str,
        recorded_by: str | None = None,
    ) -> FingerException:
        """A finger that cannot be captured; it replaces any image of that finger."""
        finger = Finger(finger)
        try:
            ek = ExceptionKind(kind)
        except ValueError:
            ek = None
        if ek is None or ek not in FINGER_EXCEPTIONS:
            raise ValidationError(
                f"Loại ngoại lệ «{kind}» không dùng cho vân tay.",
                f"Exception kind '{kind}' does not apply to fingerprints.",
                field="exception",
            )
        text = " ".join(str(reason).split())
        if not text:
            raise ValidationError(
                "Phải ghi lý do của ngoại lệ.", "The exception needs a reason.", field="reason"
            )
        if len(text) > MAX_REASON:
            raise ValidationError(
                f"Lý do quá dài (tối đa {MAX_REASON} ký tự).",
                f"The reason is too long (at most {MAX_REASON} characters).",
                field="reason",
            )
        exc = FingerException(finger, ek, text, recorded_by or self.officer_id, None)
        self._exceptions[finger] = exc
        self._kept.pop(finger, None)
        return exc

    def confirm_exception(self, finger: Finger, supervisor_id: str) -> FingerException:
        """A supervisor confirms the exception. The supervisor cannot be whoever recorded it or
        the session's officer (four eyes); checking the supervisor's role is the service's job."""
        finger = Finger(finger)
        exc = self._exceptions.get(finger)
        if exc is None:
            vi, en = _label(finger)
            raise ValidationError(
                f"Chưa ghi ngoại lệ cho {vi}.",
                f"No exception recorded for the {en}.",
                field="finger",
            )
        who = str(supervisor_id or "").strip()
        if not who:
            raise ValidationError(
                "Cần mã giám sát viên.", "A supervisor id is needed.", field="supervisor_id"
            )
        if who in {exc.recorded_by, self.officer_id}:
            raise PermissionDeniedError(
                "Người ghi ngoại lệ không tự xác nhận được: cần một giám sát viên khác.",
                "Whoever recorded the exception cannot confirm it: another supervisor must.",
                field="supervisor_id",
            )
        confirmed = FingerException(exc.finger, exc.kind, exc.reason, exc.recorded_by, who)
        self._exceptions[finger] = confirmed
        return confirmed

    def withdraw_exception(self, finger: Finger) -> None:
        self._exceptions.pop(Finger(finger), None)

    def exceptions(self) -> dict[Finger, FingerException]:
        return dict(self._exceptions)

    # -- duplicates ----------------------------------------------------------------------------

    def _template(self, kept: _Kept) -> fpmatch.Template:
        t = self._templates.get(kept.serial)
        if t is None:
            t = fpmatch.extract(kept.image)
            self._templates[kept.serial] = t
        return t

    def similarities(self) -> dict[tuple[Finger, Finger], float]:
        """Similarity of every pair of captured fingers (cached per pair of images)."""
        out: dict[tuple[Finger, Finger], float] = {}
        fingers = [f for f in Finger if f in self._kept]
        for a, b in itertools.combinations(fingers, 2):
            ka, kb = self._kept[a], self._kept[b]
            key = (ka.serial, kb.serial)
            if key not in self._similarity:
                self._similarity[key] = fpmatch.similarity(self._template(ka), self._template(kb))
            out[(a, b)] = self._similarity[key]
        return out

    def duplicates(self, *, include_overridden: bool = False) -> list[DuplicatePair]:
        """Pairs of captured fingers that look like the same finger."""
        pairs = []
        for (a, b), sim in self.similarities().items():
            if sim < self.match_threshold:
                continue
            key = (self._kept[a].serial, self._kept[b].serial)
            override = self._overrides.get(key)
            if override is not None and not include_overridden:
                continue
            who, why = override if override is not None else (None, "")
            pairs.append(DuplicatePair(a, b, round(sim, 4), who, why))
        return pairs

    def override_duplicate(
        self, first: Finger, second: Finger, supervisor_id: str, reason: str
    ) -> None:
        """A supervisor states that the two (current) images are different fingers after all.
        The override holds for these images only: a new capture is compared again."""
        a, b = sorted((Finger(first), Finger(second)), key=lambda f: f.iso_position)
        if a not in self._kept or b not in self._kept:
            raise ValidationError(
                "Hai ngón này chưa có ảnh.", "These two fingers have no images.", field="finger"
            )
        who = str(supervisor_id or "").strip()
        text = " ".join(str(reason).split())
        if not who or not text:
            raise ValidationError(
                "Cần mã giám sát viên và lý do.",
                "A supervisor id and a reason are needed.",
                field="supervisor_id" if not who else "reason",
            )
        if who == self.officer_id:
            raise PermissionDeniedError(
                "Cán bộ thu nhận không tự bỏ qua cảnh báo được: cần giám sát viên.",
                "The capturing officer cannot dismiss the alarm: a supervisor must.",
                field="supervisor_id",
            )
        self._overrides[(self._kept[a].serial, self._kept[b].serial)] = (who, text[:MAX_REASON])

    # -- results -------------------------------------------------------------------------------

    def completeness(self) -> Completeness:
        missing, retake, accepted_low, unconfirmed = [], [], [], []
        for finger in Finger:
            exc = self._exceptions.get(finger)
            if exc is not None:
                if exc.confirmed_by is None:
                    unconfirmed.append(finger)
                continue
            if finger not in self._kept:
                missing.append(finger)
            elif not self._good(finger):
                slap = next(s for s in SEQUENCE if finger in SLAP_FINGERS[s])
                if self._attempts[slap] >= self.max_attempts:
                    accepted_low.append(finger)
                else:
                    retake.append(finger)
        return Completeness(
            tuple(missing),
            tuple(retake),
            tuple(accepted_low),
            tuple(unconfirmed),
            tuple(self.duplicates()),
        )

    def _encode(self, kept: _Kept) -> tuple[bytes, str]:
        data = self._encoded.get(kept.serial)
        if data is None:
            data = encode_wsq(kept.image) if self.encoding == "wsq" else encode_png(kept.image)
            self._encoded[kept.serial] = data
        return data, WSQ_MEDIA_TYPE if self.encoding == "wsq" else PNG_MEDIA_TYPE

    def results(self) -> dict[Finger, FingerResult]:
        """The kept image of every captured finger (fingers with an exception excluded)."""
        out: dict[Finger, FingerResult] = {}
        for finger in Finger:
            kept = self._kept.get(finger)
            if kept is None or finger in self._exceptions:
                continue
            data, media_type = self._encode(kept)
            slap = next(s for s in SEQUENCE if finger in SLAP_FINGERS[s])
            out[finger] = FingerResult(
                finger=finger,
                image=kept.image,
                quality=kept.quality,
                attempts=self._attempts[slap],
                encoded=data,
                media_type=media_type,
                device_quality=kept.device_quality,
                below_threshold=kept.quality.score < self.thresholds[finger],
                device_data=kept.device_data,
            )
        return out

    def finish(self) -> dict[Finger, FingerResult]:
        """The results, once the capture is complete; otherwise a ValidationError saying what
        is still to do."""
        state = self.completeness()
        if not state.complete:
            lines = state.messages()
            raise ValidationError(
                " ".join(vi for vi, _ in lines),
                " ".join(en for _, en in lines),
                field="fingerprints",
            )
        return self.results()
