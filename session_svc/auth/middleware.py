"""One pure-ASGI auth middleware, run before routing, answering as AgentOS 3.1.10's AuthMiddleware.

Per request it decides, in agno's order (`os/middleware/jwt.py`):
OPTIONS and excluded paths pass → a missing token is 401 → an `agno_pat_` token is a service
account → security-key mode compares the key → JWT mode verifies the token, refuses a reserved
subject, and (with authorization on) checks the route's scope.

What it leaves in `scope["state"]` for the routes (read as `request.state.*`):
  user_id          the caller's identity (JWT `sub`, or `sa:<name>`), the owner a create records
  scopes           the caller's scopes
  scoped_user_id   agno/os/middleware/user_scope.py: get_scoped_user_id: the user every query is confined to,
                   or None for an unscoped caller
  missing_user_identity  True when isolation is on and the caller has no identity: the route
                   answers 403 at the point AgentOS does (after validation and database choice)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import HTTPError
from ..middleware.context import header_value
from ..middleware.cors import cors_allowed_origins
from . import service_accounts
from .config import AuthConfig
from .scopes import has_required_scopes, insufficient_permissions_detail, required_scopes
from .security_key import authorization_header, bearer_token, matches_security_key, strict_bearer_token

# AgentOS's unauthenticated paths (its `_get_default_excluded_routes`) and our probes and metrics.
AGENTOS_EXCLUDED_PATHS = ("/", "/health", "/info", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect")
EXCLUDED_PATHS = frozenset((*AGENTOS_EXCLUDED_PATHS, "/healthz", "/readyz", "/metrics"))

# Identities only the server assigns; a JWT claiming one is refused (agno's is_reserved_principal).
RESERVED_SUBJECT_PREFIXES = (service_accounts.PRINCIPAL_PREFIX, "__oauth__:")
SCHEDULER_SUBJECT = "__scheduler__"


class AuthMiddleware:
    def __init__(self, app: ASGIApp, config: AuthConfig, cors_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.config = config
        # The origins whose 401/403s carry CORS headers: AgentOS's CORS list (CORS_ORIGIN_LIST
        # plus its defaults) without "*".
        self.cors_origins = frozenset(cors_allowed_origins(cors_origins))
        self.service_accounts = service_accounts.ServiceAccountVerifier(
            config.service_accounts_table, config.service_account_cache_ttl
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS" or _is_excluded(route_path(scope)):
            await self.app(scope, receive, send)
            return
        denial = await self._authenticate(scope)
        if denial is not None:
            await denial(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _authenticate(self, scope: Scope) -> Response | None:
        """None to let the request through (its identity recorded in scope["state"]), else the
        response that refuses it."""
        config = self.config
        header = authorization_header(scope)
        if config.mode == "none":
            # No auth middleware in AgentOS; its route dependency still honours a verifiable
            # service-account token (scopes enforced) and ignores one it cannot verify.
            token = strict_bearer_token(header)
            if token and token.startswith(service_accounts.TOKEN_PREFIX):
                return await self._service_account(scope, token, anonymous_if_unverified=True)
            return None
        token = bearer_token(header)
        if token is None:
            detail = "Authorization header missing" if config.mode == "jwt" else "Authorization header required"
            return self._deny(scope, 401, detail)
        if token.startswith(service_accounts.TOKEN_PREFIX):
            return await self._service_account(scope, token, anonymous_if_unverified=False)
        if config.mode == "security_key":
            assert config.security_key is not None
            if not matches_security_key(token, config.security_key):
                return self._deny(scope, 401, "Invalid authentication token")
            # A valid key is an unscoped root: no identity, no scoping (agno/os/auth.py: get_authentication_dependency).
            scope.setdefault("state", {})["authenticated"] = True
            return None
        return self._jwt(scope, token)

    def _jwt(self, scope: Scope, token: str) -> Response | None:
        import jwt  # only JWT mode loads PyJWT and cryptography (~10 MiB per worker otherwise)

        config = self.config
        assert config.jwt is not None
        try:
            claims = config.jwt.decode(token, config.expected_audience)
        except jwt.InvalidAudienceError:
            return self._deny(scope, 401, "Invalid token audience - token not valid for this AgentOS instance")
        except jwt.ExpiredSignatureError:
            return self._deny(scope, 401, "Token has expired")
        except jwt.InvalidTokenError as exc:
            return self._deny(scope, 401, f"Invalid token: {exc}")
        except Exception as exc:
            return self._deny(scope, 401, f"Error decoding token: {exc}")
        user_id = claims.get("sub")
        if isinstance(user_id, str) and (user_id.startswith(RESERVED_SUBJECT_PREFIXES) or user_id == SCHEDULER_SUBJECT):
            return self._deny(scope, 401, "Invalid token subject")
        scopes = claims.get("scopes", [])
        if isinstance(scopes, str):
            scopes = [scopes]
        elif not isinstance(scopes, list):
            scopes = []
        if config.authorization:
            required = required_scopes(scope["method"], route_path(scope))
            if not has_required_scopes(scopes, required, config.admin_scope):
                return self._deny(scope, 403, insufficient_permissions_detail(required))
        self._record(scope, user_id, scopes, service_account=False)
        return None

    async def _service_account(self, scope: Scope, token: str, *, anonymous_if_unverified: bool) -> Response | None:
        registry = getattr(scope["app"].state, "registry", None)
        if registry is None:
            status, account = service_accounts.Status.UNAVAILABLE, None
        else:
            client = scope.get("client")
            status, account = await self.service_accounts.verify(registry.default, token, client[0] if client else None)
        if account is None:
            if anonymous_if_unverified:
                return None
            return self._deny(scope, *service_accounts.FAILURES[status])
        # A service account's scopes are this OS's own ACL: always enforced, authorization or not.
        required = required_scopes(scope["method"], route_path(scope))
        if not has_required_scopes(account.scopes, required, self.config.admin_scope):
            return self._deny(scope, 403, insufficient_permissions_detail(required))
        self._record(scope, account.principal, list(account.scopes), service_account=True)
        return None

    def _record(self, scope: Scope, user_id: Any, scopes: list[Any], *, service_account: bool) -> None:
        state = scope.setdefault("state", {})
        state["authenticated"] = True
        state["user_id"] = user_id
        state["scopes"] = scopes
        state["scoped_user_id"], state["missing_user_identity"] = scoped_user_id(
            user_id, scopes, self.config.admin_scope, service_account, self.config.user_isolation
        )

    def _deny(self, scope: Scope, status: int, detail: str) -> Response:
        response = HTTPError(status, detail).to_response()
        raw_origin = header_value(scope, b"origin")
        origin = raw_origin.decode("latin-1") if raw_origin is not None else None
        if origin and origin in self.cors_origins:
            # AgentOS puts these on its auth errors itself, so a browser can read them.
            response.headers["access-control-allow-origin"] = origin
            response.headers["access-control-allow-credentials"] = "true"
            response.headers["access-control-allow-methods"] = "*"
            response.headers["access-control-allow-headers"] = "*"
            response.headers["access-control-expose-headers"] = "*"
        return response


def scoped_user_id(
    user_id: Any, scopes: list[Any], admin_scope: str, service_account: bool, isolation: bool
) -> tuple[str | None, bool]:
    """agno/os/middleware/user_scope.py: get_scoped_user_id, as (user to scope to, identity missing)."""
    if admin_scope in scopes:
        return None, False  # admins see every user's sessions
    if service_account:
        return user_id, False  # a service account always sees only its own, isolation or not
    if not isolation:
        return None, False
    if not user_id:
        return None, True
    return user_id, False


def route_path(scope: Scope) -> str:
    """The path without the mount's root_path (Starlette's get_route_path)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path) :] if path[len(root_path)] == "/" else path


def _is_excluded(path: str) -> bool:
    return path in EXCLUDED_PATHS or path.rstrip("/") in EXCLUDED_PATHS
