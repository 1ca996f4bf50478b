"""Auth settings, read once from the environment at start-up (agno/os/auth.py: get_effective_auth_mode).

The mode follows AgentOS's `get_effective_auth_mode`: JWT when `JWT_VERIFICATION_KEY` or
`JWT_JWKS_FILE` is set, else the security key when `OS_SECURITY_KEY` is set, else none. Keys and
the JWKS file are read and parsed here, once, so a bad one stops start-up with a one-line
`ConfigError` naming the variable instead of failing every request.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from ..env import ConfigError, bool_from_env, int_from_env

if TYPE_CHECKING:
    from .jwt import JWTVerifier

logger = logging.getLogger("session_svc.auth")

DEFAULT_ADMIN_SCOPE = "agent_os:admin"
DEFAULT_SERVICE_ACCOUNTS_TABLE = "agno_service_accounts"

AuthMode = Literal["jwt", "security_key", "none"]


@dataclasses.dataclass(frozen=True)
class AuthConfig:
    security_key: str | None = None
    jwt: JWTVerifier | None = None
    # Enforce the route scopes on JWTs (AgentOS(authorization=True)). Service-account tokens
    # always have their scopes enforced, as in AgentOS.
    authorization: bool = False
    # JWT_VERIFY_AUDIENCE=true: a token's `aud` must name this AgentOS (AGNO_OS_ID).
    expected_audience: str | None = None
    user_isolation: bool = False
    admin_scope: str = DEFAULT_ADMIN_SCOPE
    service_accounts_table: str = DEFAULT_SERVICE_ACCOUNTS_TABLE
    # Seconds a verified service-account token is trusted without a database lookup (AgentOS's
    # service_account_cache_ttl_seconds); 0 looks every token up.
    service_account_cache_ttl: int = 30

    @property
    def mode(self) -> AuthMode:
        if self.jwt is not None:
            return "jwt"
        if self.security_key:
            return "security_key"
        return "none"


def load_auth_config(env: Mapping[str, str]) -> AuthConfig:
    verification_key = env.get("JWT_VERIFICATION_KEY") or None
    jwks_file = env.get("JWT_JWKS_FILE") or None
    algorithm = env.get("JWT_ALGORITHM", "").strip() or "RS256"
    jwt_configured = bool(verification_key or jwks_file)
    security_key = env.get("OS_SECURITY_KEY") or None

    # JWT_ISSUER pins the `iss` claim, as AgentOS's Authorization(issuer=...) does.
    issuer = env.get("JWT_ISSUER", "").strip() or None
    verifier = None
    if jwt_configured:
        from .jwt import load_jwt_verifier  # PyJWT + cryptography load only in JWT mode

        verifier = load_jwt_verifier(verification_key, jwks_file, algorithm, issuer)

    explicit_authorization = env.get("AGNO_AUTHORIZATION", "").strip()
    authorization = bool_from_env(env, "AGNO_AUTHORIZATION", jwt_configured)
    if authorization and not jwt_configured and explicit_authorization:
        raise ConfigError(
            "AGNO_AUTHORIZATION=true needs JWT_VERIFICATION_KEY or JWT_JWKS_FILE: scopes cannot be "
            "enforced on tokens that cannot be verified"
        )

    user_isolation = bool_from_env(env, "AGNO_USER_ISOLATION", False)
    if user_isolation and not jwt_configured:
        raise ConfigError(
            "AGNO_USER_ISOLATION=true needs JWT_VERIFICATION_KEY or JWT_JWKS_FILE: without a verified "
            "user identity there is nobody to isolate"
        )

    expected_audience = None
    if bool_from_env(env, "JWT_VERIFY_AUDIENCE", False):
        os_id = env.get("AGNO_OS_ID", "").strip()
        if not os_id:
            raise ConfigError("JWT_VERIFY_AUDIENCE=true needs AGNO_OS_ID, the audience tokens must carry")
        if not jwt_configured:
            raise ConfigError("JWT_VERIFY_AUDIENCE=true needs JWT_VERIFICATION_KEY or JWT_JWKS_FILE")
        expected_audience = os_id

    if jwt_configured and security_key:
        # AgentOS logs the same: JWT takes precedence and the key is ignored.
        logger.warning("both JWT settings and OS_SECURITY_KEY are set: only JWT authorization is used")

    table = env.get("AGNO_SERVICE_ACCOUNTS_TABLE", "").strip() or DEFAULT_SERVICE_ACCOUNTS_TABLE
    return AuthConfig(
        security_key=security_key,
        jwt=verifier,
        authorization=authorization,
        expected_audience=expected_audience,
        user_isolation=user_isolation,
        admin_scope=env.get("AGNO_ADMIN_SCOPE", "").strip() or DEFAULT_ADMIN_SCOPE,
        service_accounts_table=table,
        service_account_cache_ttl=int_from_env(env, "SERVICE_ACCOUNT_CACHE_TTL_SECONDS", 30),
    )
