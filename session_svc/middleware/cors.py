"""CORS as AgentOS configures it (agno/os/app.py: AgentOS._add_middleware, Starlette's CORSMiddleware)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from .context import header_value, request_info

# What CORSMiddleware adds to a response to a request without Origin (our app never sets Vary).
VARY_ORIGIN = (b"vary", b"Origin")
# AgentOS's default origins (AgnoAPISettings.cors_origin_list), allowed besides CORS_ORIGIN_LIST.
AGENTOS_DEFAULT_ORIGINS = (
    "http://localhost:3000",
    "https://agno.com",
    "https://www.agno.com",
    "https://app.agno.com",
    "https://os-stg.agno.com",
    "https://os.agno.com",
)


def cors_allowed_origins(configured: Iterable[str]) -> list[str]:
    """AgentOS's list (agno/os/settings.py: AgnoAPISettings.set_cors_origin_list): CORS_ORIGIN_LIST
    entries, then its defaults, without "*" (credentials are allowed, so a wildcard would be unsafe)
    and without duplicates."""
    return list(dict.fromkeys(o for o in (*configured, *AGENTOS_DEFAULT_ORIGINS) if o != "*"))


class CORS(CORSMiddleware):
    """Starlette's CORSMiddleware (AgentOS's), with a fast path for the common request that has no
    Origin header: the parent would parse the headers and wrap `send` only to add `Vary: Origin`,
    so under RequestContext that header is handed to its `send` wrapper instead."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        info = request_info(scope)
        if info is not None and scope["type"] == "http" and header_value(scope, b"origin") is None:
            info.extra_headers.append(VARY_ORIGIN)
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
