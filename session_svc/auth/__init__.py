"""Authentication and per-user scoping, as AgentOS 3.1.10 enforces them (agno/os/middleware/jwt.py,
agno/os/middleware/user_scope.py; docs/contract.md, User scoping).

- config.py           AuthConfig and load_auth_config(env): the mode and its settings, checked at start-up
- security_key.py     the bearer credential of a request; the OS_SECURITY_KEY comparison
- jwt.py              JWTVerifier: PyJWT verification in agno's order, JWKS keys chosen by kid
- service_accounts.py agno_pat_ tokens checked against agno's agno_service_accounts table
- scopes.py           route -> required scope, the scope match, the 403 text
- middleware.py       AuthMiddleware (pure ASGI, before routing) and scoped_user_id (user_scope.py: get_scoped_user_id)
"""

from .config import AuthConfig, load_auth_config
from .middleware import AuthMiddleware

__all__ = ["AuthConfig", "AuthMiddleware", "load_auth_config"]
