"""The rolled prints of one dossier, independent of the UI.

After the flat 4-4-2 slaps (:mod:`station.capture.fingerprint`), Circular 60/2021/TT-BCA Art. 5
takes the ten fingers rolled, from the right thumb to the left little finger. Per finger up to
``max_attempts`` (3) rolls, keeping the best by the station's own quality
(:func:`~station.capture.fpquality.assess`); a finger still under its threshold after the last
roll keeps its best image and is flagged (best effort), not blocked. A finger that cannot be
rolled gets an exception with a reason (missing, amputated, bandaged, unable to capture), as for
the slaps; a finger with a slap exception is not rolled at all.

The session measures for the officer; what is sealed is judged again by the core from the stored
bytes (:mod:`station.capture.biogate`), which also checks that each rolled print is the finger of
its flat print.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from station.capture import fpquality
from station.capture.biosession import CaptureResult, Image, Kept, SlotAttempts
from station.capture.fingerprint import (
    EXPECTED_AREA_MM2,
    MAX_ATTEMPTS,
    PNG_MEDIA_TYPE,
    WSQ_MEDIA_TYPE,
    encode_png,
    encode_wsq,
    wsq_available,
)
from station.devices import FINGER_LABELS, Finger, Prompter
from station.devices.rolled import ROLL_ORDER, RolledScanner
from station.errors import ValidationError

#: Station quality (0-100) a rolled print needs unless the gate settings say otherwise.
DEFAULT_THRESHOLD = 50


@dataclass(frozen=True)
class RollOutcome:
    finger: Finger
    attempt: int
    quality: int | None  # this roll's score; None when the device found no finger
    best: int | None
    attempts_left: int
    good: bool  # the best roll reaches the threshold

    @property
    def done(self) -> bool:
        return self.good or self.attempts_left == 0


@dataclass(frozen=True, kw_only=True)
class RolledResult(CaptureResult[fpquality.QualityReport]):
    finger: Finger

    def quality_meta(self) -> dict[str, object]:
        return {"quality_components": self.quality.components}

    def capture_meta(self) -> dict[str, object]:
        return {"ppi": 500, "impression": "rolled"}


class RolledSession(SlotAttempts[Finger, fpquality.QualityReport]):
    """The rolled prints of one dossier on ``scanner``."""

    def __init__(
        self,
        scanner: RolledScanner,
        threshold: int = DEFAULT_THRESHOLD,
        max_attempts: int = MAX_ATTEMPTS,
        *,
        skip: Iterable[Finger] = (),
        encoding: str = "wsq",
    ) -> None:
        super().__init__(Finger, threshold, max_attempts, skip)
        self.scanner = scanner
        self.encoding = "wsq" if encoding == "wsq" and wsq_available() else "png"

    def good(self, finger: Finger) -> bool:
        kept = self._kept.get(finger)
        return kept is not None and kept.quality.score >= self.threshold

    def needs_capture(self, finger: Finger) -> bool:
        return (
            finger not in self.skip
            and not self.good(finger)
            and self.attempts(finger) < self.max_attempts
        )

    def next_finger(self) -> Finger | None:
        return next((f for f in ROLL_ORDER if self.needs_capture(f)), None)

    def capture(self, finger: Finger, prompter: Prompter, timeout_s: float = 30.0) -> RollOutcome:
        """One roll of ``finger``. A device error propagates and does not count as an attempt."""
        finger = Finger(finger)
        vi, en = FINGER_LABELS[finger]
        if finger in self.skip:
            raise ValidationError(
                f"{vi.capitalize()} đã ghi ngoại lệ, không lăn.",
                f"The {en} has an exception recorded: it is not rolled.",
                field="finger",
            )
        if self.attempts(finger) >= self.max_attempts:
            raise ValidationError(
                f"Đã lăn {vi} {self.max_attempts} lần; muốn lăn lại thì chọn «Lăn lại».",
                f"The {en} has had its {self.max_attempts} rolls; choose 'Roll again'.",
                field="finger",
            )
        item = self.scanner.capture_rolled(finger, prompter, timeout_s)
        self._count(finger)
        score: int | None = None
        if item is not None:
            try:
                report = fpquality.assess(
                    item.image, ppi=item.ppi, expected_area_mm2=EXPECTED_AREA_MM2[finger]
                )
                image = fpquality.to_500ppi(fpquality.validate_image(item.image), item.ppi)
            except ValidationError as exc:
                prompter.show(exc.vi, exc.en)
            else:
                score = report.score
                if self._better(finger, report.score):
                    signed = getattr(self.scanner, "last_signed", None)
                    data = signed if isinstance(signed, str) else None
                    self._kept[finger] = Kept(image, report, item.device_quality, data)
        best = self._kept[finger].quality.score if finger in self._kept else None
        out = RollOutcome(
            finger,
            self.attempts(finger),
            score,
            best,
            self.max_attempts - self.attempts(finger),
            self.good(finger),
        )
        self._report(out, prompter)
        return out

    def _report(self, out: RollOutcome, prompter: Prompter) -> None:
        vi, en = FINGER_LABELS[out.finger]
        if out.good:
            prompter.show(f"Đã lăn {vi} đạt yêu cầu.", f"The {en} is rolled well.")
            return
        if out.quality is None:
            msg_vi, msg_en = f"Máy không thấy {vi}.", f"The scanner did not find the {en}."
        else:
            msg_vi = f"{vi.capitalize()}: chất lượng {out.quality}, chưa đạt {self.threshold}."
            msg_en = f"The {en}: quality {out.quality}, under {self.threshold}."
        if out.attempts_left:
            msg_vi += f" Còn {out.attempts_left} lần lăn."
            msg_en += f" {out.attempts_left} roll(s) left."
        else:
            msg_vi += " Đã hết số lần lăn: giữ ảnh tốt nhất."
            msg_en += " No rolls left: the best image is kept."
        prompter.show(msg_vi, msg_en)

    def capture_finger(
        self, finger: Finger, prompter: Prompter, timeout_s: float = 30.0
    ) -> RollOutcome:
        """Rolls of ``finger`` until it is good or its attempts run out."""
        out = self.capture(finger, prompter, timeout_s)
        while not out.done and not prompter.cancelled():
            out = self.capture(finger, prompter, timeout_s)
        return out

    def run(self, prompter: Prompter, timeout_s: float = 30.0) -> dict[Finger, RolledResult]:
        """All ten fingers in the circular's order (those with an exception skipped)."""
        for finger in ROLL_ORDER:
            if prompter.cancelled():
                break
            if self.needs_capture(finger):
                self.capture_finger(finger, prompter, timeout_s)
        return self.results()

    def _encode(self, image: Image) -> tuple[bytes, str]:
        if self.encoding == "wsq":
            return encode_wsq(image), WSQ_MEDIA_TYPE
        return encode_png(image), PNG_MEDIA_TYPE

    def results(self) -> dict[Finger, RolledResult]:
        """The kept roll of every finger that has one."""
        out: dict[Finger, RolledResult] = {}
        for finger in ROLL_ORDER:
            kept = self._kept.get(finger)
            if kept is None or finger in self.skip:
                continue
            data, media_type = self._encode(kept.image)
            out[finger] = RolledResult(
                finger=finger,
                image=kept.image,
                quality=kept.quality,
                attempts=self.attempts(finger),
                encoded=data,
                media_type=media_type,
                device_quality=kept.device_quality,
                below_threshold=kept.quality.score < self.threshold,
                device_data=kept.device_data,
            )
        return out
