"""Both apps of the contract suite in-process: lifespan by tests/support/asgi.py, requests through
httpx.ASGITransport.

Both servers live on one private asyncio loop owned by the test session; each request runs the loop
until it completes. Tasks the apps start (pools, lifespan) simply pause between requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from support.asgi import Lifespan


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
