"""Errors of the receiver: a protocol code (``sync.protocol.ERRORS``), an HTTP status and texts.

Every error reaches the station as ``{"error": code, "vi": ..., "en": ...}`` plus, for some,
extra members (``offset`` for ``offset_mismatch``, ``refused: true`` when the station must stop
sending this packet for good).
"""

from __future__ import annotations

from typing import Any

from station.errors import StationError
from sync import protocol

#: HTTP status of every packet refusal, whatever its code (docs/sync.md, "Completion").
REFUSED_STATUS = 422


class ReceiverError(StationError):
    """An error answered to a station (or printed by the CLI)."""

    code = "malformed"

    def __init__(
        self,
        code: str,
        vi: str,
        en: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(vi, en, code=code)
        self.status = status if status is not None else protocol.ERRORS.get(code, 400)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "vi": self.vi, "en": self.en, **self.extra}


class PacketRefusedError(ReceiverError):
    """The packet itself is refused: the station moves it to "refused" and never sends it again.

    ``authentic`` says whether the refused bytes are known to be exactly what the station sent
    (announced SHA-256 signed by the station, or outer signature verified): a USB import reports
    an unauthenticated failure as a damaged copy to export again, not as a refusal.
    ``remember``: the refusal is recorded and answered at once if the same bytes are announced
    again (not for refusals that a change on the receiver could lift, such as a missing key).
    """

    def __init__(
        self,
        code: str,
        vi: str,
        en: str,
        *,
        authentic: bool,
        remember: bool = True,
        status: int = REFUSED_STATUS,
    ) -> None:
        super().__init__(code, vi, en, status=status, extra={"refused": True})
        self.authentic = authentic
        self.remember = remember


#: HTTP status of every held answer: "not now", retry later.
HELD_STATUS = 503
#: Seconds a station should wait before it offers a held packet again.
HELD_RETRY_AFTER_S = 300


class PacketHeldError(ReceiverError):
    """The receiver cannot take the packet **now** (a key generation not loaded, a completion
    hash mismatch, a storage failure, the dossier's live packet under review). Never final:
    the answer is ``503`` with ``"held": true`` and never ``"refused": true``; the station keeps
    the packet in its queue and offers it again later.
    """

    def __init__(
        self, code: str, vi: str, en: str, *, retry_after: int = HELD_RETRY_AFTER_S
    ) -> None:
        super().__init__(
            code,
            vi,
            en,
            status=HELD_STATUS,
            headers={"Retry-After": str(retry_after)},
            extra={"held": True, "retry_after": retry_after},
        )


def malformed(vi: str, en: str) -> ReceiverError:
    return ReceiverError("malformed", f"Yêu cầu sai: {vi}.", f"Malformed request: {en}.")


def not_found() -> ReceiverError:
    return ReceiverError("not_found", "Không tìm thấy.", "Not found.")


def unknown_station(station_id: str) -> ReceiverError:
    shown = station_id[:64]
    return ReceiverError(
        "unknown_station",
        f"Trạm «{shown}» chưa được đăng ký hoặc đã bị vô hiệu hóa.",
        f"Station '{shown}' is not registered or has been deactivated.",
    )


def bad_request_signature(why_vi: str, why_en: str) -> ReceiverError:
    return ReceiverError(
        "bad_request_signature",
        f"Chữ ký yêu cầu không hợp lệ: {why_vi}.",
        f"The request signature is not valid: {why_en}.",
    )


def offset_mismatch(current: int, asked: int | None = None) -> ReceiverError:
    asked_vi = f" (yêu cầu ghi tại {asked})" if asked is not None else ""
    asked_en = f" (asked to write at {asked})" if asked is not None else ""
    return ReceiverError(
        "offset_mismatch",
        f"Vị trí tải lên không khớp: máy nhận đang giữ {current} byte{asked_vi}; "
        "hãy tiếp tục từ vị trí đó.",
        f"Upload offset mismatch: the receiver holds {current} bytes{asked_en}; resume from there.",
        headers={protocol.H_OFFSET: str(current)},
        extra={"offset": current},
    )


def superseded() -> ReceiverError:
    """A newer stream of the same station ended this one (``docs/sync.md``)."""
    return ReceiverError(
        "superseded",
        "Trạm đã mở một luồng gửi mới; luồng này kết thúc.",
        "The station opened a newer stream; this one ends.",
        status=protocol.ERRORS["superseded"],
    )


def stream_idle(seconds: float) -> ReceiverError:
    """A stream brought no complete frame for ``seconds``."""
    return ReceiverError(
        "request_timeout",
        f"Không nhận được khung dữ liệu nào trong {seconds:.0f} giây; luồng kết thúc.",
        f"No frame arrived for {seconds:.0f} s; the stream ends.",
        status=protocol.ERRORS["request_timeout"],
    )
