"""Request validation for the /sessions routes, answering exactly as FastAPI 0.165 + pydantic 2.14.4 do.

API
---
    query, body = await validate(request, spec)        # in a route handler; raises on bad input
    query, body = validate_parts(query_params, body_bytes, content_type, spec)   # the same, sync

`spec` is one of the route specs defined at the bottom (built once, at import):

    LIST_SESSIONS    GET    /sessions                     ListSessionsQuery, -
    CREATE_SESSION   POST   /sessions                     CreateSessionQuery, CreateSessionRequest
    GET_SESSION      GET    /sessions/{id}                SessionQuery, -
    GET_RUNS         GET    /sessions/{id}/runs           SessionRunsQuery, -   (and /run-previews)
    GET_RUN          GET    /sessions/{id}/runs/{run_id}  SessionQuery, -
    DELETE_SESSION   DELETE /sessions/{id}                DeleteSessionQuery, -
    DELETE_SESSIONS  DELETE /sessions                     DeleteSessionQuery, DeleteSessionRequest
    RENAME_SESSION   POST   /sessions/{id}/rename         SessionQuery, RenameSessionRequest
    UPDATE_SESSION   PATCH  /sessions/{id}                SessionQuery, UpdateSessionRequest

`body` is None for routes without one. Example (a route handler of the lead's):

    async def update_session(request):
        query, patch = await validate(request, UPDATE_SESSION)
        ...  # query.session_type, query.user_id, patch.session_state, patch.summary ...

Errors are raised as `errors.RequestValidationError` (422, FastAPI's list) or `errors.HTTPError`
(400 "There was an error parsing the body", also when the body cannot be read; an HTTPException raised
while reading, such as a body-size limit's 413, propagates); both render themselves
(`exc.to_response()`).

What FastAPI does, and so do we (tests/test_validation.py replays captured FastAPI answers)
-------------------------------------------------------------------------------------------
* The body is read only by routes that declare one. A non-empty body is parsed as JSON only when the
  content-type is `application/json` or `application/*+json` (email-style parsing, any case, params
  ignored). A missing content-type or any other type leaves the raw bytes as the body value, which then
  fails as `model_attributes_type` (models) or `missing` (the embedded rename field).
* The JSON parser is Python's `json.loads(bytes)`, like Starlette: it sniffs UTF-8/16/32 (BOMs too) and
  accepts NaN/Infinity and escaped lone surrogates. A JSONDecodeError is a 422 with only the
  `json_invalid` error (`loc ["body", <char offset>]`, `ctx.error` = the message): query errors are not
  reported then. Any other failure (bad UTF-8, nesting beyond Python's recursion limit) is a 400
  `{"detail": "There was an error parsing the body"}`.
* Otherwise every query error is reported, in parameter declaration order, then the body errors, in
  model field order. A repeated scalar parameter takes its last value; `status` takes all of them.
* An empty body is "no body": `missing` for PATCH/bulk delete/rename, `{}` for create.

Deliberate differences (AgentOS answers 500, or stores what PostgreSQL or our encoder refuses)
--------------------------------------------------------------------------------------------------
* `page` must be >= 1 (AgentOS: ge=0, then a 500): `greater_than_equal` with ge=1.
* `limit` must fit in a bigint: `less_than_equal` with le=9223372036854775807. `page` must keep
  OFFSET (page-1)*limit within a bigint: `less_than_equal` on page with le = INT64_MAX // limit + 1
  (the largest such page), so the error names the bound that applies to this limit.
* PATCH `summary` (and the create extension `summary`) must be what agno's SessionSummary accepts:
  pydantic-style `missing` (loc [..,"summary","summary"]), `extra_forbidden` (loc [..,"summary",<key>]),
  `string_type`, `list_type`, `datetime_type`/`datetime_parsing` for `updated_at` (AgentOS: 500).
* Values that will be stored or echoed must be representable: a non-finite float (NaN, Infinity,
  1e999) anywhere inside a kept value is `finite_number`; a string (or dict key) holding a lone
  surrogate is `string_unicode`; loc points at the value. (AgentOS: 500 from PostgreSQL.)
* Kept values nested deeper than MAX_VALUE_DEPTH (200) containers give the same 400 FastAPI gives for
  JSON nested too deep for Python's parser (~1000): our encoders (orjson: 254 levels) must be able to
  write any stored value back out inside a response. So does an error whose echoed `input` nests that
  deep (FastAPI echoes it, or gives the 400, depending on its own stack depth). Keys we ignore may
  nest as deep as `json.loads` allows, as in FastAPI.
* Error inputs that JSON cannot carry are made printable (errors._printable): NaN/Infinity become
  strings, lone surrogates `\\ud800` escapes, a non-JSON body's bad UTF-8 U+FFFD. (AgentOS: 500.)
* The PATCH/create `summary` is handed over normalized as agno stores it (SessionSummary.to_dict()).
NUL and other control characters in strings are valid here; the database layer strips them like agno.

Layout: this module holds the API and the route specs; query.py holds each route's query parameters,
lax.py parses query values like pydantic-core, body.py reads and checks JSON bodies.

Speed: specs are precompiled; a valid query costs a dict lookup and a small parse per parameter
present, and struct construction (~8 us for six parameters). Bodies: one `json.loads` plus a fast
check of kept values (~11 us for a small PATCH); the slower, located pass runs only on failure.
(msgspec's JSON decoder is not used for bodies: it differs from `json.loads` on NaN, encoding sniffing,
lone surrogates and ignored keys, and FastAPI parity matters more here than a microsecond.)
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from ..errors import BODY_PARSE_ERROR_DETAIL, HTTPError, RequestValidationError, ServiceError
from .body import (
    CREATE_BODY,
    DELETE_BODY,
    MAX_VALUE_DEPTH,
    RENAME_BODY,
    UNDEFINED,
    UPDATE_BODY,
    BodySpec,
    BodyTooDeep,
    read_body,
)
from .query import (
    CREATE_QUERY,
    DELETE_QUERY,
    LIST_QUERY,
    RUNS_QUERY,
    SESSION_QUERY,
    QuerySpec,
    query_errors_and_values,
    sorted_errors,
)

__all__ = [
    "validate",
    "validate_parts",
    "RouteSpec",
    "MAX_VALUE_DEPTH",
    "LIST_SESSIONS",
    "CREATE_SESSION",
    "GET_SESSION",
    "GET_RUNS",
    "GET_RUN",
    "DELETE_SESSION",
    "DELETE_SESSIONS",
    "RENAME_SESSION",
    "UPDATE_SESSION",
]


# --- routes -----------------------------------------------------------------------------------------


class RouteSpec:
    """What one route accepts: its query parameters and, if any, its JSON body."""

    __slots__ = ("name", "query", "body")

    def __init__(self, name: str, query: QuerySpec, body: BodySpec | None = None) -> None:
        self.name = name
        self.query = query
        self.body = body

    def __repr__(self) -> str:
        return f"RouteSpec({self.name})"


LIST_SESSIONS = RouteSpec("list_sessions", LIST_QUERY)
CREATE_SESSION = RouteSpec("create_session", CREATE_QUERY, CREATE_BODY)
GET_SESSION = RouteSpec("get_session", SESSION_QUERY)
GET_RUNS = RouteSpec("get_session_runs", RUNS_QUERY)
GET_RUN = RouteSpec("get_session_run", SESSION_QUERY)
DELETE_SESSION = RouteSpec("delete_session", DELETE_QUERY)
DELETE_SESSIONS = RouteSpec("delete_sessions", DELETE_QUERY, DELETE_BODY)
RENAME_SESSION = RouteSpec("rename_session", SESSION_QUERY, RENAME_BODY)
UPDATE_SESSION = RouteSpec("update_session", SESSION_QUERY, UPDATE_BODY)


def validate_parts(query_params: Any, body: bytes, content_type: str | None, spec: RouteSpec) -> tuple[Any, Any]:
    """(query struct, body struct or None) for one request, or raise FastAPI's error for it."""
    body_spec = spec.body
    body_value = read_body(body, content_type) if body_spec is not None else UNDEFINED
    values, indexed_errors = query_errors_and_values(query_params, spec.query)
    errors = sorted_errors(indexed_errors) if indexed_errors else []
    validated_body = None
    if body_spec is not None:
        try:
            validated_body = body_spec.validate(body_value, errors)
        except BodyTooDeep:
            raise HTTPError(400, BODY_PARSE_ERROR_DETAIL) from None
    if errors:
        raise RequestValidationError(errors)
    return spec.query.struct(**values), validated_body


async def validate(request: Request, spec: RouteSpec) -> tuple[Any, Any]:
    """Validate a Starlette request for `spec`; reads the body only if the route has one.

    As in FastAPI, a failure to read the body is a 400, except an HTTP exception raised while reading
    (a body-size limit's 413), which propagates.
    """
    body = b""
    if spec.body is not None:
        try:
            body = await request.body()
        except (StarletteHTTPException, ServiceError):
            raise
        except Exception:  # ClientDisconnect and the like
            raise HTTPError(400, BODY_PARSE_ERROR_DETAIL) from None
    return validate_parts(request.query_params, body, request.headers.get("content-type"), spec)
