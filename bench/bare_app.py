"""The baseline of the gateway benchmark: a bare ASGI app answering fixed bytes.

It answers every request with the body, status and content type captured from the gateway for
the same scenario, served by the same uvicorn (uvloop, httptools, one process, no access log)
that ``movieweb serve`` uses, so the ratio gateway / bare isolates what the gateway itself costs
(routing, auth, cache look-ups, backend calls, enrichment, serialization).

Run: ``python bench/bare_app.py <body file> <status> <content type> <port>``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import uvicorn


def make_app(body: bytes, status: int, content_type: str) -> Any:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        # Drain the request body (POST scenarios send one) before answering.
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    body_file, status, content_type, port = sys.argv[1:5]
    app = make_app(Path(body_file).read_bytes(), int(status), content_type)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(port),
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        lifespan="off",
    )


if __name__ == "__main__":
    main()
