"""Drive an ASGI app in-process: the lifespan protocol by hand, requests through httpx.ASGITransport.

Both servers live on one private asyncio loop owned by the test session; each request runs the loop
until it completes. Tasks the apps start (pools, lifespan) simply pause between requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


class LifespanError(RuntimeError):
    pass


class Lifespan:
    """Runs an app's ``lifespan`` scope: startup on ``start()``, shutdown on ``stop()``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._outbox: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._task = asyncio.get_running_loop().create_task(self.app(scope, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": "lifespan.startup"})
        await self._expect("lifespan.startup.complete")

    async def stop(self) -> None:
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._expect("lifespan.shutdown.complete")
        await self._task

    async def _expect(self, wanted: str) -> None:
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


class InProcessServer:
    """One app with its lifespan running and an httpx client bound to it."""

    def __init__(self, name: str, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.name = name
        self.loop = loop
        self.lifespan = Lifespan(app)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://testserver"
        )

    def start(self) -> None:
        self.loop.run_until_complete(self.lifespan.start())

    def stop(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self.lifespan.stop())

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))
