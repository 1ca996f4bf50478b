"""`create_app(settings)`: the Starlette application, its routes, error handlers and lifespan."""

from __future__ import annotations

import contextlib
import datetime
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from .auth import AuthMiddleware
from .db.registry import Registry
from .errors import HTTPError, ServiceError
from .metrics import Metrics
from .middleware import (
    CORS,
    BodyLimit,
    CaptureRoute,
    Deadline,
    Recovery,
    RequestContext,
    StripTrailingSlash,
    cors_allowed_origins,
)
from .render.values import iso_datetime
from .routes import starlette_routes
from .settings import DatabaseConfig, Settings

logger = logging.getLogger("session_svc")


def middleware_stack(settings: Settings, metrics: Metrics, cutover: Middleware | None = None) -> list[Middleware]:
    """Every request passes these layers top to bottom before routing (the first is outermost).

    1. RequestContext  request id in and out, real client IP, one access-log line, metrics: it
                       sees every answer, including the ones the layers below make themselves
    2. Recovery        unhandled error -> 500 `Internal server error (<Type>)`; inside the request
                       context so the log line carries the traceback, outside CORS like AgentOS's
                       ServerErrorMiddleware (a 500 carries no CORS headers there either)
       Cutover         only with AGNO_AGENTOS_URL (upstream/cutover.py): what we do not serve goes
                       to AgentOS before CORS and Auth, which would otherwise answer for AgentOS
    3. CORS            AgentOS's CORSMiddleware settings; answers preflights before auth
    4. StripTrailingSlash  `/sessions/` routes like `/sessions` (auth sees the stripped path)
    5. Auth            security key / JWT (session_svc/auth): 401 before any 404/413/422
    6. BodyLimit       413 before a handler reads a byte past AGNO_MAX_BODY_BYTES
    7. Deadline        504 after AGNO_REQUEST_TIMEOUT, cancelling the handler and its query
    8. CaptureRoute    reports the matched route template back to RequestContext
    then Starlette's ExceptionMiddleware (ServiceError/HTTPException -> JSON) and the router.
    """
    return [
        Middleware(
            RequestContext,
            metrics=metrics,
            trusted_proxies=settings.trusted_proxies,
            default_db_id=settings.default_db_id,
        ),
        Middleware(Recovery),
        *([cutover] if cutover is not None else []),
        Middleware(
            CORS,
            allow_origins=cors_allowed_origins(settings.cors_origins),
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["*"],
        ),
        Middleware(StripTrailingSlash),
        Middleware(AuthMiddleware, config=settings.auth, cors_origins=settings.cors_origins),
        Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        Middleware(Deadline, seconds=settings.request_timeout),
        Middleware(CaptureRoute),
    ]


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        active = settings
        if active.embedded:
            from .serve.embedded_pg import start_embedded_postgres

            uri = start_embedded_postgres(active.embedded_pg_dir)
            active = active.with_databases((DatabaseConfig(active.default_db_id, uri),))
        registry = Registry(active)
        app.state.registry = registry
        app.state.metrics.watch_databases(lambda: registry.databases.values())
        await registry.open()
        # Everything allocated so far lives as long as the process: move it out of the cyclic
        # GC's reach, so the gen-2 collections that rendering large sessions triggers stay short
        # (they hold the GIL and stalled /healthz for 50-100 ms beside a 2,000-run read).
        gc.collect()
        gc.freeze()
        if upstream is not None:
            await upstream.open()
        try:
            yield
        finally:
            if comparator is not None:
                await comparator.drain()
            if upstream is not None:
                await upstream.close()
            await app.state.metrics.close()
            await registry.close()

    metrics = Metrics()
    table: list[BaseRoute] = list(starlette_routes(settings.docs_enabled))
    upstream, comparator, cutover = _cutover(settings, metrics, table)
    app = Starlette(
        routes=table,
        # Unhandled exceptions never reach Starlette's ServerErrorMiddleware: Recovery answers them.
        exception_handlers={ServiceError: _on_service_error, HTTPException: _on_http_exception},
        middleware=middleware_stack(settings, metrics, cutover),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.shutting_down = False  # set by `serve` on SIGTERM: /readyz answers 503 from then on
    app.state.instantiated_at = iso_datetime(datetime.datetime.now(datetime.UTC))
    return app


def _cutover(settings: Settings, metrics: Metrics, table: Sequence[BaseRoute]) -> tuple[Any, Any, Middleware | None]:
    """The AgentOS upstream, the live comparator and their layer; (None, None, None) without
    AGNO_AGENTOS_URL, and then httpx is never imported."""
    config = settings.cutover
    if config.agentos_url is None:
        return None, None, None
    from .compare.live import LiveComparator
    from .upstream.client import Upstream
    from .upstream.cutover import Cutover

    upstream = Upstream(config)
    comparator = LiveComparator(config, upstream, metrics.registry) if config.comparing else None
    layer = Middleware(
        Cutover,
        routes=table,
        upstream=upstream,
        comparator=comparator,
        mode=config.mode,
        max_bytes=config.max_bytes,
        trusted_proxies=settings.trusted_proxies,
    )
    return upstream, comparator, layer


async def _on_service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    return exc.to_response()


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no route) and 405 (wrong method), as JSON like FastAPI's."""
    assert isinstance(exc, HTTPException)
    response = HTTPError(exc.status_code, str(exc.detail)).to_response()
    if exc.headers:
        response.headers.update(exc.headers)
    return response
