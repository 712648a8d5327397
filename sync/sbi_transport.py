"""The HTTP transport of the SBI client (``station.devices.sbi``), on httpx.

SBI services listen on the loopback interface and use custom HTTP methods (``MOSIPDISC``,
``SBIDISC``, ``MOSIPDINFO``, ``SBIINFO``, ``RCAPTURE``, ``CAPTURE``, ``STREAM``), which httpx sends
as they are. One keep-alive client serves every request; proxies from the environment are
ignored (``trust_env=False``: a ``HTTP_PROXY`` must never see biometrics meant for loopback),
and answers larger than :data:`~station.devices.sbi.MAX_RESPONSE_BYTES` are cut off and refused.
"""

from __future__ import annotations

from types import TracebackType

import httpx

from station.devices.sbi import MAX_RESPONSE_BYTES

#: Time allowed to open a connection: SBI services are local, so a short one is enough.
CONNECT_TIMEOUT_S = 1.0


class HttpxSbiTransport:
    """:class:`station.devices.sbi.SbiTransport` over one ``httpx.Client``."""

    def __init__(
        self, *, app_name: str = "intake-station", max_bytes: int = MAX_RESPONSE_BYTES
    ) -> None:
        self.max_bytes = max_bytes
        self._client = httpx.Client(
            trust_env=False,
            follow_redirects=False,
            headers={"EXT": app_name, "Content-Type": "application/json"},
            limits=httpx.Limits(max_keepalive_connections=4, max_connections=8),
        )

    def request(
        self, method: str, url: str, body: bytes | None, timeout: float
    ) -> tuple[int, bytes]:
        limits = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S))
        try:
            with self._client.stream(method, url, content=body, timeout=limits) as response:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise OSError(f"SBI answer larger than {self.max_bytes} bytes")
                    chunks.append(chunk)
                return response.status_code, b"".join(chunks)
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"{method} {url}: no answer within {timeout:g} s") from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
            raise ConnectionError(f"{method} {url}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise OSError(f"{method} {url}: {exc}") from exc

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpxSbiTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
