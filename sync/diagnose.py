"""Why the receiver could not be reached, named, in Vietnamese and English.

``cause_of(exc, url)`` turns an exception of the HTTP client into a ``Cause``: name resolution,
connection refused, no route, timeout, connection reset, TLS certificate that lacks the
receiver's name or address (saying which), a certificate that is not the pinned one, a clock so
far off that the certificate looks expired. Each cause has a failure class, which the loop uses
to choose its back-off (``docs/sync.md``, "The station's algorithm").
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx

#: Failure classes (each has its own back-off in the loop).
UNREACHABLE = "unreachable"
TLS = "tls"
REQUEST_REFUSED = "request_refused"
SERVER = "server"
HELD = "held"

#: A station clock further than this from the receiver's is reported.
CLOCK_WARNING_S = 15 * 60


@dataclass(frozen=True)
class Cause:
    code: str
    vi: str
    en: str
    kind: str = UNREACHABLE

    def __str__(self) -> str:
        return f"{self.vi} / {self.en}"


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        cur = todo.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        out.append(cur)
        todo.extend([cur.__cause__, cur.__context__])
        todo.extend(a for a in getattr(cur, "args", ()) if isinstance(a, BaseException))
    return out


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def tls_cause(err: ssl.SSLCertVerificationError | None, text: str, url: str) -> Cause:
    host = _host(url)
    code = getattr(err, "verify_code", None)
    message = str(getattr(err, "verify_message", "") or text)
    lowered = message.lower()
    if "mismatch" in lowered or code == 62:
        what_vi = "địa chỉ IP" if _is_ip(host) else "tên"
        what_en = "IP address" if _is_ip(host) else "name"
        return Cause(
            "tls_name_mismatch",
            f"Chứng chỉ TLS của máy chủ nhận không có {what_vi} «{host}» (subjectAltName); hãy "
            "tạo lại chứng chỉ cho đúng địa chỉ (dev-receiver-keys --url).",
            f"The receiver's TLS certificate lacks the {what_en} '{host}' (subjectAltName); "
            "make the certificate again for this address (dev-receiver-keys --url).",
            TLS,
        )
    if code in (9, 10) or "expired" in lowered or "not yet valid" in lowered:
        return Cause(
            "clock_off",
            "Chứng chỉ TLS có vẻ hết hạn hoặc chưa có hiệu lực: đồng hồ của trạm có thể sai "
            "nhiều; hãy chỉnh ngày giờ.",
            "The TLS certificate looks expired or not yet valid: the station's clock may be far "
            "off; set the date and time.",
            TLS,
        )
    return Cause(
        "pinned_key_mismatch",
        "Máy chủ nhận trình chứng chỉ TLS khác với chứng chỉ đã ghim khi cấp phát trạm "
        f"({message}); có thể nhầm máy chủ hoặc bị chặn giữa đường.",
        "The receiver presents a TLS certificate other than the one pinned at provisioning "
        f"({message}); wrong server, or something in between.",
        TLS,
    )


def cause_of(exc: BaseException, url: str) -> Cause:
    """The named cause of a failed request to ``url``."""
    host = _host(url)
    chain = _chain(exc)
    text = " | ".join(str(e) for e in chain)
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return tls_cause(e, text, url)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return tls_cause(None, text, url)
    for e in chain:
        if isinstance(e, socket.gaierror) or "Name or service not known" in str(e):
            return Cause(
                "dns",
                f"Không phân giải được tên «{host}» (DNS); hãy kiểm tra địa chỉ và mạng.",
                f"The name '{host}' cannot be resolved (DNS); check the address and the network.",
            )
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED:
            return Cause(
                "connection_refused",
                f"Máy «{host}» từ chối kết nối: máy chủ nhận không chạy hoặc sai cổng.",
                f"'{host}' refused the connection: the receiver is not running or the port is "
                "wrong.",
            )
        if getattr(e, "errno", None) in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return Cause(
                "no_route",
                f"Không có đường mạng tới «{host}»; hãy kiểm tra kết nối mạng.",
                f"No network route to '{host}'; check the network connection.",
            )
        if isinstance(e, ConnectionResetError) or "reset" in str(e).lower():
            return Cause(
                "connection_reset",
                "Kết nối tới máy chủ nhận bị ngắt giữa chừng.",
                "The connection to the receiver was reset.",
            )
    if any(isinstance(e, httpx.TimeoutException | TimeoutError) for e in chain):
        return Cause(
            "timeout",
            f"Máy «{host}» không trả lời kịp thời hạn (mạng chậm, bị chặn hoặc mất tín hiệu).",
            f"'{host}' did not answer in time (slow or blocked network, or no signal).",
        )
    return Cause(
        "network",
        f"Lỗi mạng khi gửi tới máy chủ nhận: {type(exc).__name__}.",
        f"Network error talking to the receiver: {type(exc).__name__}: {exc}.",
    )


def clock_cause(receiver_time: datetime, station_time: datetime) -> Cause | None:
    """A warning when the station's clock is far from the receiver's (not a failure)."""
    skew = (station_time - receiver_time).total_seconds()
    if abs(skew) <= CLOCK_WARNING_S:
        return None
    hours = skew / 3600
    return Cause(
        "clock_off",
        f"Đồng hồ của trạm lệch {hours:+.1f} giờ so với máy chủ nhận; hãy chỉnh ngày giờ.",
        f"The station's clock is {hours:+.1f} h off the receiver's; set the date and time.",
        TLS,
    )
