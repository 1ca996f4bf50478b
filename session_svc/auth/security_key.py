"""The bearer credential of a request, and the OS security key check (contract §6.2)."""

from __future__ import annotations

import hmac

from starlette.types import Scope


def authorization_header(scope: Scope) -> str | None:
    """The first Authorization header, decoded as Starlette decodes headers (latin-1)."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            return value.decode("latin-1")
    return None


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
