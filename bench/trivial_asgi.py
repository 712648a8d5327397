"""A trivial ASGI app answering the upload requests' shapes, under the receiver's own uvicorn
settings (``sync.receiver.server.make_config``): the floor the receiver is compared with.

``python bench/trivial_asgi.py PORT``. ``POST`` answers 201 with offset 0; ``PATCH`` reads the
body and answers 204 with ``Upload-Offset`` moved by its length; ``HEAD`` answers 200.
"""

from __future__ import annotations

import sys

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


def main(port: int) -> None:
    config = make_config(app(), "127.0.0.1", port, log_level="warning")
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
