"""Send byte-exact requests to an ASGI app in-process, lifespan included.

HTTP clients normalise what they send (they re-encode paths, refuse invalid UTF-8, add content
types). Hostile-input tests need the exact bytes a hostile client can put on the wire, so the scope
is built here by hand, the way hypercorn builds it: `path` is `unquote(raw_path)` (so `%2F` becomes
a slash and `%FF` a U+FFFD), `query_string` stays raw bytes. Standard library only: the AgentOS
capture script runs this module under agno's own virtualenv.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class InProcessApp:
    """An ASGI app started on a private event loop; `request()` runs one request to completion."""

    def __init__(self, app: Any, timeout: float = 30.0) -> None:
        self.app = app
        self.timeout = timeout
        self.loop = asyncio.new_event_loop()
        self._inbox: asyncio.Queue | None = None
        self._outbox: asyncio.Queue | None = None
        self._lifespan: asyncio.Task | None = None

    def __enter__(self) -> InProcessApp:
        self.loop.run_until_complete(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.loop.run_until_complete(self._stop())
        finally:
            self.loop.close()

    async def _start(self) -> None:
        self._inbox, self._outbox = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._lifespan = asyncio.ensure_future(self.app(scope, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": "lifespan.startup"})
        message = await asyncio.wait_for(self._outbox.get(), 60)
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"app failed to start: {message}")

    async def _stop(self) -> None:
        assert self._inbox is not None and self._outbox is not None and self._lifespan is not None
        await self._inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(self._outbox.get(), 60)
        await asyncio.wait_for(self._lifespan, 60)

    def request(
        self,
        method: str,
        target: bytes | str,
        body: bytes = b"",
        headers: list[tuple[bytes, bytes]] | None = None,
        chunk_size: int | None = None,
    ) -> Answer:
        """`target` is the request-target as sent on the wire: raw path, then `?` and the raw query.

        With `chunk_size` the body arrives in pieces and without a content-length (chunked upload).
        """
        raw = target.encode("latin-1") if isinstance(target, str) else target
        call = self._call(method, raw, body, headers or [], chunk_size)
        return self.loop.run_until_complete(asyncio.wait_for(call, self.timeout))

    async def _call(
        self, method: str, target: bytes, body: bytes, headers: list[tuple[bytes, bytes]], chunk_size: int | None
    ) -> Answer:
        raw_path, _, query = target.partition(b"?")
        # hypercorn: path = unquote(raw_path.decode("ascii")); a non-ASCII raw path is refused on the wire
        # with 400 before any app sees it, so here it is decoded as latin-1 only to keep going.
        path = unquote(raw_path.decode("latin-1"))
        all_headers = [(b"host", b"testserver"), *headers]
        if chunk_size:
            all_headers.append((b"transfer-encoding", b"chunked"))
        elif body and not any(name.lower() == b"content-length" for name, _ in headers):
            all_headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": [(name.lower(), value) for name, value in all_headers],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }
        size = chunk_size or max(len(body), 1)
        pieces = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
        chunks = list(reversed(pieces))
        status = 0
        response_headers: dict[str, str] = {}
        parts: list[bytes] = []
        done = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if chunks:
                piece = chunks.pop()
                return {"type": "http.request", "body": piece, "more_body": bool(chunks)}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    response_headers[name.decode("latin-1").lower()] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        try:
            await self.app(scope, receive, send)
        except Exception as exc:  # Starlette re-raises after sending its 500: keep the answer sent
            if not status:
                return Answer(500, {}, f"unhandled {type(exc).__name__}".encode())
        finally:
            done.set()
        return Answer(status, response_headers, b"".join(parts))
