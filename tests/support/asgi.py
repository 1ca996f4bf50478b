"""Drive an ASGI app in-process: its lifespan (`Lifespan`, the one driver every in-process user
shares: this module, the contract suite, the bench's CPU budget) and byte-exact requests
(`InProcessApp`).

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


class LifespanError(RuntimeError):
    pass


class Lifespan:
    """Runs an app's ``lifespan`` scope: startup on ``start()``, shutdown on ``stop()``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._task = asyncio.get_running_loop().create_task(self.app(scope, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": "lifespan.startup"})
        await self._expect("lifespan.startup.complete")

    async def stop(self) -> None:
        assert self._task is not None, "stop() before start()"
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._expect("lifespan.shutdown.complete")
        await asyncio.wait_for(self._task, 60)

    async def _expect(self, wanted: str) -> None:
        assert self._task is not None
        getter = asyncio.ensure_future(self._outbox.get())
        done, _ = await asyncio.wait({getter, self._task}, return_when=asyncio.FIRST_COMPLETED, timeout=60)
        if getter not in done:
            getter.cancel()
            if self._task in done and self._task.exception() is not None:
                raise LifespanError(f"lifespan failed before {wanted}") from self._task.exception()
            raise LifespanError(f"no {wanted} from the app")
        message = getter.result()
        if message["type"] != wanted:
            raise LifespanError(f"expected {wanted}, got {message}")


class InProcessApp:
    """An ASGI app started on a private event loop; `request()` runs one request to completion."""

    def __init__(self, app: Any, timeout: float = 30.0) -> None:
        self.app = app
        self.timeout = timeout
        self.loop = asyncio.new_event_loop()
        self._lifespan = Lifespan(app)

    def __enter__(self) -> InProcessApp:
        self.loop.run_until_complete(self._lifespan.start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.loop.run_until_complete(self._lifespan.stop())
        finally:
            self.loop.close()

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
