"""The route table: every path the service answers, one entry each, and all that is known about it.

`ROUTES` is the one source for the router (`starlette_routes`, used by app.py) and for the OpenAPI
document (openapi.py): the route name is AgentOS's operationId, `spec` is what validation accepts
(its query Struct, its body), and `status`, `body_component`, `array_body` and `errors` say what the
document shows beyond that. Routes without a `tag` are served but not documented, as in AgentOS.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from starlette.routing import Route

from . import validation as v
from .endpoints import docs
from .endpoints import health as h
from .endpoints import runs as r
from .endpoints import sessions as s
from .metrics import metrics_endpoint
from .validation import RouteSpec


@dataclasses.dataclass(frozen=True)
class ApiRoute:
    path: str
    method: str
    endpoint: Callable[..., Any]
    name: str  # Starlette's route name; AgentOS's operationId for documented routes
    spec: RouteSpec | None = None  # query parameters and body, validated (validation/)
    status: int = 200  # the success status
    body_component: str | None = None  # the request body's OpenAPI component, as FastAPI names it
    array_body: bool = False  # the success body is a JSON array (of runs, of run previews)
    errors: Mapping[int, str] = dataclasses.field(default_factory=dict)  # documented on this route only
    # Query parameters beyond AgentOS 3.1.10 -> their description; the document marks them
    # `x-extension`, and an array body may then also be one page of it ({data, meta}).
    extensions: Mapping[str, str] = dataclasses.field(default_factory=dict)
    tag: str | None = None  # OpenAPI tag; None = not in the document
    operation_id: str | None = None  # when it differs from `name`
    docs: bool = False  # one of the documentation routes that DOCS_ENABLED=false removes
    # FastAPI (unlike Starlette) does not answer HEAD for GET routes: AgentOS gives 405. Only the
    # routes AgentOS does not have keep Starlette's HEAD.
    answers_head: bool = False


_SESSIONS = "Sessions"
_RUN_PAGES = "opt-in run pages (agno PR #8456): with limit and/or page the answer is {data, meta}"
_RUN_PAGE_PARAMETERS = {"limit": _RUN_PAGES, "page": _RUN_PAGES}
_CURSOR = (
    "keyset pages: send an empty `cursor=` for the first page, then each answer's `meta.next_cursor` "
    "(null on the last page) with the same other parameters; `page` is then ignored. An invalid or "
    "foreign cursor is a 422"
)
_ID = "/sessions/{session_id}"

ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute(
        "/sessions",
        "GET",
        s.list_sessions,
        "get_sessions",
        v.LIST_SESSIONS,
        extensions={"cursor": _CURSOR},
        tag=_SESSIONS,
    ),
    ApiRoute(
        "/sessions",
        "POST",
        s.create_session,
        "create_session",
        v.CREATE_SESSION,
        status=201,
        body_component="CreateSessionRequest",
        errors={409: "A session with the supplied session_id already exists"},
        tag=_SESSIONS,
    ),
    ApiRoute(
        "/sessions",
        "DELETE",
        s.delete_sessions,
        "delete_sessions",
        v.DELETE_SESSIONS,
        status=204,
        body_component="DeleteSessionRequest",
        tag=_SESSIONS,
    ),
    ApiRoute(_ID, "GET", s.get_session, "get_session_by_id", v.GET_SESSION, tag=_SESSIONS),
    ApiRoute(
        _ID,
        "PATCH",
        s.update_session,
        "update_session",
        v.UPDATE_SESSION,
        body_component="UpdateSessionRequest",
        tag=_SESSIONS,
    ),
    ApiRoute(_ID, "DELETE", s.delete_session, "delete_session", v.DELETE_SESSION, status=204, tag=_SESSIONS),
    ApiRoute(
        _ID + "/rename",
        "POST",
        s.rename_session,
        "rename_session",
        v.RENAME_SESSION,
        body_component="Body_rename_session",
        tag=_SESSIONS,
    ),
    ApiRoute(
        _ID + "/runs",
        "GET",
        r.get_session_runs,
        "get_session_runs",
        v.GET_RUNS,
        array_body=True,
        extensions=_RUN_PAGE_PARAMETERS,
        tag=_SESSIONS,
    ),
    ApiRoute(
        _ID + "/run-previews",
        "GET",
        r.get_session_run_previews,
        "get_session_run_previews",
        v.GET_RUNS,
        array_body=True,
        extensions=_RUN_PAGE_PARAMETERS,
        tag=_SESSIONS,
    ),
    ApiRoute(_ID + "/runs/{run_id}", "GET", r.get_session_run, "get_session_run", v.GET_RUN, tag=_SESSIONS),
    ApiRoute("/", "GET", h.root, "root"),
    ApiRoute("/health", "GET", h.health, "health", tag="Health", operation_id="health_check"),
    ApiRoute("/healthz", "GET", h.healthz, "healthz"),
    ApiRoute("/readyz", "GET", h.readyz, "readyz"),
    ApiRoute("/metrics", "GET", metrics_endpoint, "metrics", answers_head=True),
    ApiRoute("/openapi.json", "GET", docs.openapi_json, "openapi", docs=True),
    ApiRoute("/docs", "GET", docs.swagger_ui, "swagger_ui", docs=True),
    ApiRoute("/redoc", "GET", docs.redoc, "redoc", docs=True),
)


def starlette_routes(docs_enabled: bool) -> list[Route]:
    """The router's routes, in table order (the documentation routes only when `docs_enabled`)."""
    routes = []
    for entry in ROUTES:
        if entry.docs and not docs_enabled:
            continue
        route = Route(entry.path, entry.endpoint, methods=[entry.method], name=entry.name)
        if not entry.answers_head and route.methods is not None:
            route.methods.discard("HEAD")
        routes.append(route)
    return routes
