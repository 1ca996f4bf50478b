"""Route → required scope, and the scope match, as agno 3.1.10's `os/scopes.py` decides them.

Only the sessions entries of AgentOS's default mapping apply here: this service serves no other
routes. Matching is agno's: exact `METHOD path` first, then fnmatch patterns in mapping order, where
`*` also spans slashes (so `GET /sessions/*` covers `/sessions/x/runs/y`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence

SESSION_SCOPE_MAPPINGS: dict[str, tuple[str, ...]] = {
    "GET /sessions": ("sessions:read",),
    "GET /sessions/*": ("sessions:read",),
    "POST /sessions": ("sessions:write",),
    "POST /sessions/*/rename": ("sessions:write",),
    "PATCH /sessions/*": ("sessions:write",),
    "DELETE /sessions": ("sessions:delete",),
    "DELETE /sessions/*": ("sessions:delete",),
}

_PATTERNS = [(key.split(" ", 1)[0], key.split(" ", 1)[1], scopes) for key, scopes in SESSION_SCOPE_MAPPINGS.items()]


def required_scopes(method: str, path: str) -> tuple[str, ...]:
    """The scopes a request needs; () when the route needs none."""
    exact = SESSION_SCOPE_MAPPINGS.get(f"{method} {path}")
    if exact is not None:
        return exact
    for pattern_method, pattern_path, scopes in _PATTERNS:
        if pattern_method == method and fnmatch.fnmatchcase(path, pattern_path):
            return scopes
    return ()


def _parse(scope: str) -> tuple[str, str | None, str] | None:
    """(resource, resource_id, action) for `resource:action` / `resource:id:action`, else None.
    agno maps the legacy `system` resource to `config`; no sessions scope is affected by that."""
    parts = scope.split(":")
    if len(parts) == 2:
        return ("config" if parts[0] == "system" else parts[0], None, parts[1])
    if len(parts) == 3:
        return ("config" if parts[0] == "system" else parts[0], parts[1], parts[2])
    return None


def has_required_scopes(user_scopes: Iterable[str], required: Sequence[str], admin_scope: str) -> bool:
    """agno's `has_required_scopes` for routes outside agents/teams/workflows: the admin scope
    passes everything; otherwise each required `resource:action` needs a held scope with the same
    resource and action that is global (`sessions:read`) or wildcard (`sessions:*:read`)."""
    if not required:
        return True
    held = list(user_scopes)
    if not all(isinstance(scope, str) for scope in held):
        # agno parses every held scope first; a non-string one raises there, and its route gate
        # turns a raising decision into a denial (fail closed), admin scope or not.
        return False
    if admin_scope in held:
        return True
    parsed = [p for p in map(_parse, held) if p is not None]
    for needed in required:
        resource, _, action = needed.partition(":")
        if not any(r == resource and a == action and (rid is None or rid == "*") for r, rid, a in parsed):
            return False
    return True


def insufficient_permissions_detail(required: Sequence[str]) -> str:
    """AgentOS's 403 text (`build_insufficient_permissions_detail`)."""
    if required:
        return f"Insufficient permissions. Required scope(s): {', '.join(required)}"
    return "Insufficient permissions"
