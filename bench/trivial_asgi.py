"""A trivial ASGI app answering the upload requests' shapes, under the receiver's own uvicorn
settings (``sync.receiver.server.make_config``): the floor the receiver is compared with.

``python bench/trivial_asgi.py PORT [--plain]``. ``POST`` answers 201 with offset 0; ``PATCH``
reads the body and answers 204 with ``Upload-Offset`` moved by its length. Two floors: a
Starlette app (routing, ``Request``, ``Response``: what an ordinary endpoint costs), and with
``--plain`` a bare ASGI callable that reads the body from ``receive`` and sends its answer (what
uvicorn alone costs: the receiver's ``PATCH`` fast path skips Starlette, so this is the floor
its code is compared with too).
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sync.receiver.server import make_config


async def create(request: Request) -> Response:
    await request.body()
    return JSONResponse({"offset": 0}, status_code=201, headers={"Upload-Offset": "0"})


async def patch(request: Request) -> Response:
    body = await request.body()
    offset = int(request.headers.get("upload-offset", "0")) + len(body)
    return Response(status_code=204, headers={"Upload-Offset": str(offset)})


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


def app() -> Starlette:
    return Starlette(
        routes=[
            Route("/v1/health", health, methods=["GET"]),
            Route("/v1/uploads", create, methods=["POST"]),
            Route("/v1/uploads/{packet_id}", patch, methods=["PATCH"]),
        ]
    )


async def plain(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The same answers as ``app()``, as a bare ASGI callable."""
    if scope["type"] != "http":
        return
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    if scope["method"] == "PATCH":
        offset = len(body)
        for name, value in scope["headers"]:
            if name == b"upload-offset":
                offset += int(value)
        headers = [(b"upload-offset", str(offset).encode())]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    status, answer = (201, b'{"offset":0}') if scope["method"] == "POST" else (200, b'{"ok":true}')
    headers = [(b"content-type", b"application/json"), (b"upload-offset", b"0")]
    headers.append((b"content-length", str(len(answer)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


def main(port: int, bare: bool) -> None:
    config = make_config(plain if bare else app(), "127.0.0.1", port, log_level="warning")  # type: ignore[arg-type]
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main(int(sys.argv[1]), "--plain" in sys.argv[2:])
