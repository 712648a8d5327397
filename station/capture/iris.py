"""The iris capture of one dossier, independent of the UI.

Both eyes (from the age of 6, where the station has an iris camera: ``form.captures_for`` and
the gate setting ``iris_camera``), each up to ``max_attempts`` (3) times, keeping per eye the
best image by the station's own quality (:mod:`station.capture.irisquality`). An eye still
under its threshold after the last attempt keeps its best image and is flagged (best effort).
An eye that cannot be captured (missing, bandaged, unable to capture: an eye disease, a
prosthesis) gets an exception with a reason, which a supervisor confirms.

Images are stored as lossless PNG, 8-bit grayscale, at the device's size (640x480 for
registration cameras). The core judges the stored bytes again (:mod:`station.capture.biogate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2

from station.capture import irisquality
from station.capture.biosession import CaptureResult, Image, Kept, SlotAttempts
from station.devices import Prompter
from station.devices.iris import EYE_LABELS, Eye, IrisCamera
from station.errors import ValidationError

PNG_MEDIA_TYPE = "image/png"
MAX_ATTEMPTS = 3
#: Station iris quality (0-100) an eye needs unless the gate settings say otherwise.
DEFAULT_THRESHOLD = 60


def encode_png(image: Image) -> bytes:
    gray = irisquality.validate_image(image)
    ok, buf = cv2.imencode(".png", gray, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise ValidationError(
            "Không mã hóa được ảnh mống mắt.", "Cannot encode the iris image.", field="iris"
        )
    return bytes(buf.tobytes())


@dataclass(frozen=True, kw_only=True)
class IrisResult(CaptureResult[irisquality.IrisReport]):
    eye: Eye

    def quality_meta(self) -> dict[str, object]:
        return {"measures": self.quality.measures}


@dataclass(frozen=True)
class IrisOutcome:
    qualities: dict[Eye, int]  # this attempt's score per eye the camera returned
    retake: tuple[Eye, ...]  # eyes whose best is still under the threshold, attempts left
    not_found: tuple[Eye, ...]

    @property
    def done(self) -> bool:
        return not self.retake


class IrisSession(SlotAttempts[Eye, irisquality.IrisReport]):
    """Both irises of one dossier on ``camera``."""

    def __init__(
        self,
        camera: IrisCamera,
        threshold: int = DEFAULT_THRESHOLD,
        max_attempts: int = MAX_ATTEMPTS,
        *,
        skip: Iterable[Eye] = (),
    ) -> None:
        super().__init__(Eye, threshold, max_attempts, skip)
        self.camera = camera

    def good(self, eye: Eye) -> bool:
        kept = self._kept.get(eye)
        return kept is not None and kept.quality.found and kept.quality.score >= self.threshold

    def needs_capture(self, eye: Eye) -> bool:
        if eye in self.skip or self.good(eye):
            return False
        return self.attempts(eye) < self.max_attempts

    def pending(self) -> list[Eye]:
        return [e for e in Eye if self.needs_capture(e)]

    def capture(
        self, prompter: Prompter, eyes: Sequence[Eye] | None = None, timeout_s: float = 30.0
    ) -> IrisOutcome:
        """One capture of ``eyes`` (default: those that still need one)."""
        wanted = [Eye(e) for e in (eyes if eyes is not None else self.pending())]
        wanted = [e for e in wanted if e not in self.skip]
        if not wanted:
            return IrisOutcome({}, (), ())
        for eye in wanted:
            if self.attempts(eye) >= self.max_attempts:
                vi, en = EYE_LABELS[eye]
                raise ValidationError(
                    f"Đã chụp {vi} {self.max_attempts} lần; muốn chụp lại thì chọn «Chụp lại».",
                    f"The {en} has had its {self.max_attempts} attempts; choose 'Capture again'.",
                    field="eye",
                )
        images = self.camera.capture(wanted, prompter, timeout_s)
        for eye in wanted:
            self._count(eye)
        qualities: dict[Eye, int] = {}
        for item in images:
            if item.eye not in wanted or item.eye in qualities:
                continue
            try:
                report = irisquality.assess(item.image)
            except ValidationError as exc:
                prompter.show(exc.vi, exc.en)
                continue
            qualities[item.eye] = report.score
            if self._better(item.eye, report.score):
                gray = irisquality.validate_image(item.image)
                self._kept[item.eye] = Kept(gray, report, item.device_quality, item.device_data)
        not_found = tuple(e for e in wanted if e not in qualities)
        retake = tuple(e for e in wanted if self.needs_capture(e))
        out = IrisOutcome(qualities, retake, not_found)
        self._report(out, wanted, prompter)
        return out

    def _report(self, out: IrisOutcome, wanted: list[Eye], prompter: Prompter) -> None:
        bad = [e for e in wanted if not self.good(e)]
        if not bad:
            if len(wanted) == 1:
                vi, en = EYE_LABELS[wanted[0]]
                prompter.show(f"Đã chụp mống {vi} đạt yêu cầu.", f"The {en} is captured well.")
            else:
                prompter.show("Đã chụp mống mắt đạt yêu cầu.", "The irises are captured well.")
            return
        vi = "Chưa đạt: " + ", ".join(EYE_LABELS[e][0] for e in bad)
        en = "Not good enough yet: " + ", ".join(EYE_LABELS[e][1] for e in bad)
        if out.retake:
            vi += ". Mời công dân mở to mắt, nhìn thẳng và đứng yên."
            en += ". Ask the citizen to open the eyes wide, look straight and keep still."
        else:
            vi += ". Đã hết số lần chụp: giữ ảnh tốt nhất."
            en += ". No attempts left: the best image is kept."
        prompter.show(vi, en)

    def run(self, prompter: Prompter, timeout_s: float = 30.0) -> dict[Eye, IrisResult]:
        while self.pending() and not prompter.cancelled():
            self.capture(prompter, None, timeout_s)
        return self.results()

    def results(self) -> dict[Eye, IrisResult]:
        out: dict[Eye, IrisResult] = {}
        for eye in Eye:
            kept = self._kept.get(eye)
            if kept is None or eye in self.skip:
                continue
            out[eye] = IrisResult(
                eye=eye,
                image=kept.image,
                quality=kept.quality,
                attempts=self.attempts(eye),
                encoded=encode_png(kept.image),
                media_type=PNG_MEDIA_TYPE,
                device_quality=kept.device_quality,
                below_threshold=not self.good(eye),
                device_data=kept.device_data,
            )
        return out
