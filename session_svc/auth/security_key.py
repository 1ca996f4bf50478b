"""The bearer credential of a request, and the OS security key check (agno/os/auth.py:
get_authentication_dependency and agno/os/middleware/jwt.py: JWTMiddleware)."""

from __future__ import annotations

import hmac

from starlette.types import Scope

from ..middleware.context import header_value


def authorization_header(scope: Scope) -> str | None:
    """The first Authorization header, decoded as Starlette decodes headers (latin-1)."""
    value = header_value(scope, b"authorization")
    return value.decode("latin-1") if value is not None else None


def bearer_token(header: str | None) -> str | None:
    """AgentOS's extraction: a `Bearer ` prefix (any case) is dropped, a bare token is accepted,
    surrounding whitespace is stripped; an empty result means no token."""
    if not header:
        return None
    token = header[7:] if header.lower().startswith("bearer ") else header
    return token.strip() or None


def strict_bearer_token(header: str | None) -> str | None:
    """FastAPI's HTTPBearer parse, which AgentOS's route dependency uses when no auth middleware
    runs: only `Bearer <token>` counts, split at the first space, the rest stripped."""
    if not header:
        return None
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if not scheme or not credentials or scheme.lower() != "bearer":
        return None
    return credentials


def matches_security_key(token: str, key: str) -> bool:
    """Constant-time comparison on UTF-8 bytes (a non-ASCII header cannot raise here)."""
    return hmac.compare_digest(token.encode("utf-8"), key.encode("utf-8"))
