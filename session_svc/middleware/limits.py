"""The limits every request runs under: BodyLimit (AGNO_MAX_BODY_BYTES) and Deadline (AGNO_REQUEST_TIMEOUT)."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import BodyTooLarge, HTTPError
from .context import header_value, request_info, track_start
from .lingering import answer_and_linger, can_linger, drain
from .recovery import send_error


class BodyLimit:
    """413 for a body over `max_bytes`: at once when Content-Length says so (the handler never
    runs), else as soon as the streamed chunks add up past the limit. Either way the rest of the
    body is read and dropped (within bounds) before the connection closes, so that clients still
    sending it can read the 413 (lingering.py): after the answer for a declared length, before
    it for a streamed body (whose 413 the handler renders)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _error(self) -> HTTPError:
        return BodyTooLarge(self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header_value(scope, b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = 0  # hypercorn rejects malformed lengths itself
            if length > self.max_bytes:
                info = request_info(scope)
                answered = info.answered if info is not None else None
                if can_linger(length, self.max_bytes):
                    await answer_and_linger(receive, send, self._error(), answered)
                else:  # too much to read: the client may see a reset instead of the 413
                    await send_error(send, self._error(), close=True)
                return
        # Counted even under a Content-Length: the servers enforce it, but this layer does not rely on that.
        received = 0
        tracking_send, started = track_start(scope, send)

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if message.get("more_body", False):
                        await drain(receive)  # the rest first, so a client still sending it reads the 413
                    raise BodyTooLarge(self.max_bytes)
            return message

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:  # only when no exception handler rendered it on the way out
            if started():
                raise
            await send_error(send, exc, close=True)


class Deadline:
    """504 `{"detail":"Request timed out"}` once a request has run `seconds`. The handler's task
    is cancelled, and psycopg answers a cancelled query with a cancel request to the server, so
    the statement stops too (AGNO_PG_STATEMENT_TIMEOUT is the server-side backstop)."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracking_send, started = track_start(scope, send)
        deadline = asyncio.timeout(self.seconds)
        try:
            async with deadline:
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if started() or not deadline.expired():  # a TimeoutError of the handler's own is a 500
                raise
            await send_error(send, HTTPError(504, "Request timed out"))
