"""`create_app(settings)`: the Starlette application, its routes, error handlers and lifespan."""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .db.registry import Registry
from .endpoints.health import health, healthz, instantiated_at_iso, readyz
from .errors import HTTPError, ServiceError
from .routes import routes
from .settings import DatabaseConfig, Settings

logger = logging.getLogger("session_svc")


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        active = settings
        if active.embedded:
            from .embedded import start_embedded_postgres

            uri = start_embedded_postgres(active.embedded_pg_dir)
            active = active.with_databases((DatabaseConfig(active.default_db_id, uri),))
        registry = Registry(active)
        app.state.registry = registry
        await registry.open()
        try:
            yield
        finally:
            await registry.close()

    app = Starlette(
        routes=routes(health=health, healthz=healthz, readyz=readyz),
        exception_handlers={ServiceError: _on_service_error, HTTPException: _on_http_exception, Exception: _on_unhandled},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.instantiated_at = instantiated_at_iso(datetime.datetime.now(datetime.timezone.utc))
    app.add_middleware(StripTrailingSlash)
    return app


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


async def _on_unhandled(request: Request, exc: Exception) -> Response:
    """AgentOS's answer to an unhandled error: the class name only, never the message."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return HTTPError(500, f"Internal server error ({type(exc).__name__})").to_response()


class StripTrailingSlash:
    """AgentOS's TrailingSlashMiddleware as pure ASGI: `/sessions/` routes like `/sessions`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path != "/" and path.endswith("/"):
                stripped = path.rstrip("/")
                if stripped:
                    scope = dict(scope, path=stripped, raw_path=stripped.encode("utf-8"))
        await self.app(scope, receive, send)
