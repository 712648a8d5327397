"""A dossier's fingerprint progress as the station stored it, and a capture session rebuilt from it.

The window shows, per finger, what the store holds (an image with its quality and attempts, an
exception, or nothing) and moves the officer on to the next slap that still needs a capture. The
rules for that live here, beside :mod:`fingerprint`, so that no widget decides what "good enough"
or "what next" means:

* :func:`progress` classifies each finger from the saved parts and the dossier's capture
  metadata (``capture_info``): to do, captured good, captured under the threshold, exception;
* :func:`next_slap` is the first slap of the 4-4-2 sequence that still needs a capture (a finger
  without image or exception, or one under its threshold with attempts left);
* :func:`restore_session` rebuilds a :class:`~fingerprint.FingerprintSession` after a crash or a
  reload by replaying the stored prints through a scanner that returns them, so that the best
  image per finger, the attempts used per slap and the duplicate check carry on where they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from station.capture.fingerprint import DEFAULT_THRESHOLD, MAX_ATTEMPTS, SEQUENCE
from station.capture.fingerprint import FingerprintSession as Session
from station.devices import (
    SLAP_FINGERS,
    DeviceInfo,
    DeviceKind,
    Finger,
    FingerImage,
    Image,
    Prompter,
    SilentPrompter,
    Slap,
)
from station.dossier import PartInfo, PartKind


class FingerStatus(StrEnum):
    PENDING = "todo"  # neither an image nor an exception (still to do)
    GOOD = "good"  # an image at or above the finger's threshold
    LOW = "low"  # an image under the threshold (to retake, or kept after the last attempt)
    EXCEPTION = "exception"  # recorded as not capturable, with a reason


@dataclass(frozen=True)
class FingerProgress:
    finger: Finger
    status: FingerStatus
    quality: int | None = None
    attempts: int = 0
    exception: str | None = None  # the ExceptionKind value
    reason: str = ""
    confirmed_by: str | None = None


def slap_of(finger: Finger) -> Slap:
    return next(s for s in SEQUENCE if finger in SLAP_FINGERS[s])


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def progress(
    parts: Iterable[PartInfo],
    capture: Mapping[str, Any],
    thresholds: Mapping[Finger, int] | None = None,
) -> dict[Finger, FingerProgress]:
    """Every finger's state from a dossier's parts and its capture metadata."""
    limits = thresholds or {}
    stored = {p.slot: p for p in parts if p.kind == PartKind.FINGERPRINT}
    exceptions = capture.get("exceptions", {})
    out: dict[Finger, FingerProgress] = {}
    for finger in Finger:
        exc = exceptions.get(f"{PartKind.FINGERPRINT.value}/{finger.value}")
        part = stored.get(finger.value)
        if isinstance(exc, dict):
            out[finger] = FingerProgress(
                finger,
                FingerStatus.EXCEPTION,
                exception=str(exc.get("kind", "")),
                reason=str(exc.get("reason", "")),
                confirmed_by=exc.get("confirmed_by") or None,
            )
        elif part is not None:
            quality = _int(part.meta.get("quality"))
            good = quality >= limits.get(finger, DEFAULT_THRESHOLD)
            out[finger] = FingerProgress(
                finger,
                FingerStatus.GOOD if good else FingerStatus.LOW,
                quality=quality,
                attempts=_int(part.meta.get("attempts"), 1),
            )
        else:
            out[finger] = FingerProgress(finger, FingerStatus.PENDING)
    return out


def stored_attempts(state: Mapping[Finger, FingerProgress], slap: Slap) -> int:
    """The attempts a slap had when its fingers were last saved."""
    return max((state[f].attempts for f in SLAP_FINGERS[slap] if f in state), default=0)


def slap_needs_capture(
    state: Mapping[Finger, FingerProgress], slap: Slap, attempts: int, max_attempts: int
) -> bool:
    if attempts >= max_attempts:
        return False
    return any(
        state[f].status in (FingerStatus.PENDING, FingerStatus.LOW)
        for f in SLAP_FINGERS[slap]
        if f in state
    )


def next_slap(
    state: Mapping[Finger, FingerProgress],
    attempts: Mapping[Slap, int],
    max_attempts: int = MAX_ATTEMPTS,
) -> Slap | None:
    """The first slap of the sequence that a capture can still improve, or None."""
    for slap in SEQUENCE:
        if slap_needs_capture(state, slap, attempts.get(slap, 0), max_attempts):
            return slap
    return None


def first_open_finger(state: Mapping[Finger, FingerProgress], slap: Slap) -> Finger:
    """The first finger of ``slap`` without a good image or an exception (else its first)."""
    for finger in SLAP_FINGERS[slap]:
        if state[finger].status in (FingerStatus.PENDING, FingerStatus.LOW):
            return finger
    return SLAP_FINGERS[slap][0]


def unresolved(state: Mapping[Finger, FingerProgress]) -> list[Finger]:
    """Fingers with neither an image nor an exception (in sequence order)."""
    return [f for s in SEQUENCE for f in SLAP_FINGERS[s] if state[f].status == FingerStatus.PENDING]


# --- rebuilding a session ---------------------------------------------------------------------


class ReplayScanner:
    """A :class:`~station.devices.FingerprintScanner` that returns stored prints."""

    def __init__(self, prints: Mapping[Finger, Image]) -> None:
        self.prints = dict(prints)
        self.info = DeviceInfo(DeviceKind.FINGERPRINT, "replay", "replay", "stored prints", True)

    def capture(
        self,
        slap: Slap,
        skip: Sequence[Finger],
        prompter: Prompter,
        timeout_s: float = 30.0,
    ) -> list[FingerImage]:
        return [
            FingerImage(f, self.prints[f], 500, None)
            for f in SLAP_FINGERS[slap]
            if f not in skip and f in self.prints
        ]


def restore_session(
    session: Session,
    prints: Mapping[Finger, Image],
    state: Mapping[Finger, FingerProgress],
) -> dict[Finger, int]:
    """Replay stored prints (decoded, 500 ppi) and exceptions into a fresh ``session``.

    Each slap is replayed as many times as it had attempts (at least once, at most the
    session's maximum), so the attempts left carry on. Returns the quality the session computed
    for each replayed finger; a stored image the session refuses is left out.
    """
    for finger, item in state.items():
        if item.status == FingerStatus.EXCEPTION and item.exception:
            session.record_exception(finger, item.exception, item.reason or "-")
    original = session.scanner
    session.scanner = ReplayScanner(
        {f: img for f, img in prints.items() if state.get(f) is None or state[f].exception is None}
    )
    qualities: dict[Finger, int] = {}
    quiet = SilentPrompter()
    try:
        for slap in SEQUENCE:
            if not any(f in prints for f in session.expected(slap)):
                continue
            times = min(max(1, stored_attempts(state, slap)), session.max_attempts)
            for _ in range(times):
                outcome = session.capture(slap, quiet)
                for finger, score in outcome.qualities.items():
                    qualities[finger] = max(score, qualities.get(finger, 0))
    finally:
        session.scanner = original
    return qualities
