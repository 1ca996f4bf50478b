"""Recovery: an unhandled error becomes AgentOS's 500, and `send_error`, which the layers that answer
by themselves (Recovery, BodyLimit, Deadline) use to write an HTTPError straight to the client."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import HTTPError
from .context import access_logger, request_info, track_start


class Recovery:
    """An unhandled error becomes AgentOS's answer, 500 `{"detail":"Internal server error (<Type>)"}`:
    the class name only, never its message (it may hold a host, a user or SQL). The traceback goes
    into the request's access-log line. After the response has started the connection is aborted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracking_send, started = track_start(scope, send)
        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            info = request_info(scope)
            if info is not None:
                info.exc_info = (type(exc), exc, exc.__traceback__)
            else:
                access_logger.exception("unhandled error")
            if started():
                raise
            await send_error(send, HTTPError(500, f"Internal server error ({type(exc).__name__})"))


async def send_error(send: Send, error: HTTPError, close: bool = False) -> None:
    body = error.body()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))  # the unread body must not be parsed as a request
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
