"""Errors the station raises, each with a message in Vietnamese and in English.

Every error names the field (where there is one) and says what is wrong, so that the UI and the
CLI can show it as it is. ``str(err)`` gives the Vietnamese text first, then the English one.
"""

from __future__ import annotations


class StationError(Exception):
    """Base error: a stable ``code``, an optional ``field`` and the two texts."""

    code: str = "station_error"

    def __init__(
        self, vi: str, en: str, *, field: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(f"{vi} / {en}")
        self.vi = vi
        self.en = en
        self.field = field
        if code is not None:
            self.code = code

    def message(self, lang: str = "vi") -> str:
        """The message in ``lang`` ("vi" or "en")."""
        return self.en if lang == "en" else self.vi


class ValidationError(StationError):
    code = "invalid_input"


class AuthenticationError(StationError):
    code = "authentication_failed"


class LockedOutError(AuthenticationError):
    code = "locked_out"

    def __init__(self, operator_id: str, remaining_seconds: int) -> None:
        minutes, seconds = divmod(max(0, remaining_seconds), 60)
        wait_vi = f"{minutes} phút {seconds} giây" if minutes else f"{seconds} giây"
        wait_en = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        super().__init__(
            f"Tài khoản «{operator_id}» tạm khóa do nhập sai mật khẩu nhiều lần; "
            f"thử lại sau {wait_vi}.",
            f"Account '{operator_id}' is locked after repeated wrong passwords; "
            f"try again in {wait_en}.",
            field="operator_id",
        )
        self.remaining_seconds = remaining_seconds


class PermissionDeniedError(StationError):
    code = "permission_denied"


class SessionExpiredError(StationError):
    code = "session_expired"

    def __init__(self) -> None:
        super().__init__(
            "Phiên làm việc đã hết hạn do không thao tác; hãy đăng nhập lại.",
            "The session timed out after inactivity; log in again.",
        )


class NotLoggedInError(StationError):
    code = "not_logged_in"

    def __init__(self) -> None:
        super().__init__("Chưa đăng nhập.", "Not logged in.")


class IllegalTransitionError(StationError):
    code = "illegal_transition"


class NotFoundError(StationError):
    code = "not_found"


class StoreError(StationError):
    code = "store_error"
