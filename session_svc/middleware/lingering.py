"""A 413 that every client can read: answer, then read and discard the rest of the body before the
connection closes (nginx's "lingering close").

A client uploading a body over the limit is usually still sending when the 413 is ready. Closing at
once makes the kernel reset the connection over the unread data, and clients that write the whole
body before reading the answer (Python's http.client/urllib, requests, httpx) fail with
BrokenPipeError or ConnectionResetError instead of showing the 413. So the whole answer goes out
first (its last, empty chunk held back: the client has everything, since Content-Length says how
much), the body is read and dropped, and only then does the response end and the server close the
connection (`Connection: close`). This works through ASGI alone, the same on hypercorn and uvicorn.

Bounded both ways, so a client cannot hold a worker's connection: at most LINGER_MAX_BYTES are read,
for at most LINGER_SECONDS; then the connection closes whatever the client is still sending.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from starlette.types import Receive, Send

from ..errors import HTTPError

LINGER_SECONDS = 5.0  # nginx's lingering_timeout default
LINGER_MAX_BYTES = 64 * 1024 * 1024  # past the limit; read at memory speed on any sane link


def can_linger(declared_length: int, max_body_bytes: int) -> bool:
    """Whether a body of `declared_length` bytes is worth reading to let the client see the 413."""
    return declared_length - max_body_bytes <= LINGER_MAX_BYTES


async def drain(receive: Receive, max_bytes: int = LINGER_MAX_BYTES, seconds: float = LINGER_SECONDS) -> None:
    """Read and drop request body chunks until the body ends, the client goes, or a bound is hit."""
    read = 0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while read <= max_bytes:
                message = await receive()
                if message["type"] != "http.request":  # http.disconnect
                    return
                read += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return


async def answer_and_linger(
    receive: Receive, send: Send, error: HTTPError, answered: Callable[[], None] | None = None
) -> None:
    """Send `error` with `Connection: close`, drain the body, then end the response. `answered` is
    called once the client has the whole answer (RequestContext counts and times it then)."""
    body = error.body()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the rest of the body must not be parsed as a request
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": True})
    if answered is not None:
        answered()
    await drain(receive)
    await send({"type": "http.response.body", "body": b""})
