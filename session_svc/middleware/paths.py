"""Path handling around the router: StripTrailingSlash before it, CaptureRoute after it."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .context import request_info


class StripTrailingSlash:
    """AgentOS's TrailingSlashMiddleware: `/sessions/` routes like `/sessions`, no redirect."""

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


class CaptureRoute:
    """Innermost: after routing, tell RequestContext which route template answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        info = request_info(scope)
        if info is not None:
            info.route_scope = scope  # Starlette's router writes "route" into this very dict
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route")
            if info is not None and route is not None:
                info.route = getattr(route, "path", None)
