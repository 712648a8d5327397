"""Running the receiver under uvicorn: in the foreground (``serve``) or in a thread (tests)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from sync.receiver.app import DEFAULT_BODY_TIMEOUT_S, create_app
from sync.receiver.core import Receiver
from sync.receiver.limits import HEADER_TIMEOUT_S, with_header_timeout

#: Idle keep-alive: long enough for a station's next chunk on a slow link.
KEEP_ALIVE_S = 15
GRACEFUL_SHUTDOWN_S = 30


def make_config(
    app: Starlette,
    host: str,
    port: int,
    *,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    log_level: str = "info",
    graceful_shutdown: int = GRACEFUL_SHUTDOWN_S,
    header_timeout: float = HEADER_TIMEOUT_S,
) -> uvicorn.Config:
    """uvicorn's settings for the receiver (``limits.py``: header, idle and body bounds; no
    connection cap, which is the proxy's job)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        lifespan="off",
        proxy_headers=False,
        server_header=False,
        http=with_header_timeout(header_timeout),
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=graceful_shutdown,
        limit_concurrency=None,
        log_level=log_level,
        access_log=log_level == "debug",
    )


def serve(
    receiver: Receiver,
    host: str,
    port: int,
    *,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    body_timeout: float = DEFAULT_BODY_TIMEOUT_S,
    header_timeout: float = HEADER_TIMEOUT_S,
    log_level: str = "info",
) -> None:
    """Serve until interrupted (SIGINT/SIGTERM: finish the requests in flight, then stop)."""
    app = create_app(receiver, body_timeout=body_timeout)
    config = make_config(
        app,
        host,
        port,
        tls_cert=tls_cert,
        tls_key=tls_key,
        log_level=log_level,
        header_timeout=header_timeout,
    )
    uvicorn.Server(config).run()


class BackgroundServer:
    """uvicorn serving ``app`` from a thread, on a socket bound here (port 0: a free port)."""

    def __init__(
        self,
        app: Starlette,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        graceful_shutdown: int = 2,
        header_timeout: float = HEADER_TIMEOUT_S,
    ) -> None:
        self.config = make_config(
            app,
            host,
            port,
            tls_cert=tls_cert,
            tls_key=tls_key,
            log_level="warning",
            graceful_shutdown=graceful_shutdown,
            header_timeout=header_timeout,
        )
        self.server = uvicorn.Server(self.config)
        self.scheme = "https" if tls_cert else "http"
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the receiver did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
