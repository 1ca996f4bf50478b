"""AGNO_SERVER=uvicorn: one worker's HTTP server is uvicorn (httptools parser, on uvloop) instead of
hypercorn. Measured on the bench machine: the same app answers detail reads with ~40 % less CPU
per request (README, Performance). It is an option, not the default, because uvicorn, uvloop and
httptools are not runtime dependencies: `pip install 'agno-session[uvicorn]'`.

serve/__init__.py still owns everything around it: the listening sockets (created by hypercorn's Config,
one SO_REUSEPORT listener per worker), the worker processes, the signals and the shutdown
sequence. uvicorn only serves the sockets it is given until `shutdown_trigger` returns, then
closes them, lets in-flight requests finish for the grace period and runs the lifespan shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import uvicorn


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # serve/__init__.py handles SIGTERM/SIGINT (readiness first, then the listener): not uvicorn.
        yield


async def serve_uvicorn(app: Any, config: Any, sockets: Any, shutdown_trigger: Callable[[], Awaitable[None]]) -> None:
    """Serve `app` on `sockets` (hypercorn's Sockets) until `shutdown_trigger()` returns."""
    server = _Server(
        uvicorn.Config(
            app,
            loop="none",  # the worker's loop (uvloop) is already running
            http="httptools",
            ws="none",
            lifespan="on",
            # Client addresses come from AGNO_TRUSTED_PROXIES (middleware.client_ip), never from
            # uvicorn's own X-Forwarded-For handling, which trusts 127.0.0.1 by default.
            proxy_headers=False,
            access_log=False,  # RequestContext writes one JSON line per request
            log_config=None,  # keep our JSON logging configuration
            timeout_keep_alive=config.keep_alive_timeout,
            timeout_graceful_shutdown=config.graceful_timeout,
        )
    )

    async def stop_when_triggered() -> None:
        await shutdown_trigger()
        server.should_exit = True

    trigger = asyncio.create_task(stop_when_triggered())
    try:
        await server.serve(sockets=[*sockets.insecure_sockets, *sockets.secure_sockets])
    finally:
        trigger.cancel()
    if not server.started:
        raise RuntimeError("uvicorn did not start (see the lifespan error above)")
