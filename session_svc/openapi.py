"""The OpenAPI document `/openapi.json` serves (endpoints/docs.py), as AgentOS's FastAPI app shows it.

The document is generated, not written: paths, methods and operationIds come from the route table
(`routes.py`, whose route names are AgentOS's operationIds), parameters and request bodies from the
msgspec Structs in `schemas.py` through `msgspec.json.schema_components`. Only what the Structs
cannot say is added here, as AgentOS (FastAPI) shows it:

* the wire name `type` of `session_type`, and `SessionType`/`SortOrder` as named enum components;
* path parameters (from the path template) and the body component names FastAPI uses
  (`Body_rename_session` for the embedded rename body);
* the success status of each route (201 create, 204 deletes) and the error statuses.

Response bodies are described as JSON objects (arrays of objects for /runs and /run-previews)
without further schema: they are AgentOS's pydantic models, rendered by `render/`, and have no
Struct here.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from . import schemas
from .routes import routes as session_routes

OPENAPI_VERSION = "3.1.0"
INFO = {"title": "Agno AgentOS", "description": "Your multi-agent operating system.", "version": "1.0.0"}
REF = "#/components/schemas/{name}"


class ErrorDetail(msgspec.Struct):
    """`{"detail": "..."}`: every error except validation."""

    detail: str


class ValidationErrorItem(msgspec.Struct, omit_defaults=True):
    type: str
    loc: list[str | int]
    msg: str
    input: Any = None
    ctx: dict[str, Any] | None = None


class ValidationErrorDetail(msgspec.Struct):
    """422: FastAPI's list of validation errors."""

    detail: list[ValidationErrorItem]


class HealthResponse(msgspec.Struct):
    status: str
    instantiated_at: str


# operationId -> (query Struct, body Struct or None, body component name, body required, success status)
_OPERATIONS: dict[str, tuple[type, type | None, str | None, bool, int]] = {
    "get_sessions": (schemas.ListSessionsQuery, None, None, False, 200),
    "create_session": (schemas.CreateSessionQuery, schemas.CreateSessionRequest, "CreateSessionRequest", False, 201),
    "delete_sessions": (schemas.DeleteSessionQuery, schemas.DeleteSessionRequest, "DeleteSessionRequest", True, 204),
    "get_session_by_id": (schemas.SessionQuery, None, None, False, 200),
    "update_session": (schemas.SessionQuery, schemas.UpdateSessionRequest, "UpdateSessionRequest", True, 200),
    "delete_session": (schemas.DeleteSessionQuery, None, None, False, 204),
    "rename_session": (schemas.SessionQuery, schemas.RenameSessionRequest, "Body_rename_session", True, 200),
    "get_session_runs": (schemas.SessionRunsQuery, None, None, False, 200),
    "get_session_run_previews": (schemas.SessionRunsQuery, None, None, False, 200),
    "get_session_run": (schemas.SessionQuery, None, None, False, 200),
}
# Python field name -> wire name, where they differ (FastAPI's `alias`).
_WIRE_NAMES = {"session_type": "type"}
# Literal value sets that AgentOS declares as named enums.
_NAMED_ENUMS = {tuple(schemas.SESSION_TYPES): "SessionType", tuple(schemas.SORT_ORDERS): "SortOrder"}
_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    413: "Request body too large",
    422: "Validation Error",
    500: "Internal Server Error",
    503: "Database unavailable or busy",
    504: "Request timed out",
}
# Operations whose success body is a JSON array (of runs, of run previews), not an object.
_ARRAY_RESPONSES = frozenset(("get_session_runs", "get_session_run_previews"))
# Query parameters beyond AgentOS 3.1.10, marked `x-extension` (tests/test_middleware.py compares
# everything else with AgentOS's document): the opt-in run pages of agno PR #8456.
_RUN_PAGES = "opt-in run pages (agno PR #8456): with limit and/or page the answer is {data, meta}"
_CURSOR = (
    "keyset pages: send an empty `cursor=` for the first page, then each answer's `meta.next_cursor` "
    "(null on the last page) with the same other parameters; `page` is then ignored. An invalid or "
    "foreign cursor is a 422"
)
EXTENSION_PARAMETERS = {
    "get_sessions": {"cursor": _CURSOR},
    "get_session_runs": {"limit": _RUN_PAGES, "page": _RUN_PAGES},
    "get_session_run_previews": {"limit": _RUN_PAGES, "page": _RUN_PAGES},
}
_PAGE_RESPONSE = {
    "type": "object",
    "properties": {"data": {"type": "array", "items": {"type": "object"}}, "meta": {"type": "object"}},
    "required": ["data", "meta"],
}
# Error statuses AgentOS documents on one operation only, besides those above.
_OPERATION_ERRORS = {"create_session": {409: "A session with the supplied session_id already exists"}}
_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


def _named_enums(node: Any) -> Any:
    """Replace inline `{"enum": [...]}` schemas of AgentOS's named enums by `$ref`s."""
    if isinstance(node, dict):
        enum = node.get("enum")
        if enum is not None and tuple(enum) in _NAMED_ENUMS:
            extra = {k: v for k, v in node.items() if k != "enum"}
            return {"$ref": REF.format(name=_NAMED_ENUMS[tuple(enum)]), **extra}
        return {key: _named_enums(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_named_enums(item) for item in node]
    return node


def _without_docstrings(component: dict[str, Any]) -> dict[str, Any]:
    """Struct docstrings are notes for developers, not API documentation."""
    return {key: value for key, value in component.items() if key != "description"}


def _summary(operation_id: str) -> str:
    """FastAPI's default summary: the endpoint's name in title case."""
    return operation_id.replace("_", " ").title()


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


@functools.cache
def build_openapi() -> dict[str, Any]:
    structs: list[type] = [ErrorDetail, ValidationErrorDetail, HealthResponse]
    for query, body, _, _, _ in _OPERATIONS.values():
        structs.append(query)
        if body is not None:
            structs.append(body)
    _, components = msgspec.json.schema_components(structs, ref_template=REF)
    components = _named_enums(components)
    for values, name in _NAMED_ENUMS.items():
        components[name] = {"type": "string", "enum": list(values), "title": name}

    paths: dict[str, dict[str, Any]] = {}
    for route in session_routes(health=_unused, healthz=_unused, readyz=_unused):
        operation_id = route.name
        if operation_id not in _OPERATIONS:
            continue
        query, body, body_name, body_required, success = _OPERATIONS[operation_id]
        method = next(iter(route.methods or ())).lower()
        paths.setdefault(route.path, {})[method] = _operation(
            operation_id, route.path, components, query, body, body_name, body_required, success
        )
    paths["/health"] = {
        "get": {
            "tags": ["Health"],
            "summary": "Health Check",
            "operationId": "health_check",
            "responses": {
                "200": {
                    "description": "Successful Response",
                    "content": _json_content({"$ref": REF.format(name="HealthResponse")}),
                }
            },
        }
    }

    used_queries = {query.__name__ for query, *_ in _OPERATIONS.values()}
    schemas_out: dict[str, Any] = {}
    for name, component in components.items():
        if name in used_queries:
            continue  # query Structs become parameters, not components
        schemas_out[name] = _without_docstrings(component)
    if "RenameSessionRequest" in schemas_out:
        schemas_out["Body_rename_session"] = dict(schemas_out.pop("RenameSessionRequest"), title="Body_rename_session")
    return {
        "openapi": OPENAPI_VERSION,
        "info": INFO,
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas_out.items())),
            "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(
    operation_id: str,
    path: str,
    components: dict[str, Any],
    query: type,
    body: type | None,
    body_name: str | None,
    body_required: bool,
    success: int,
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "title": name.replace("_", " ").title()},
        }
        for name in _PATH_PARAM.findall(path)
    ]
    query_schema = components[query.__name__]
    required = set(query_schema.get("required", ()))
    extensions = EXTENSION_PARAMETERS.get(operation_id, {})
    for field, schema in query_schema["properties"].items():
        wire = _WIRE_NAMES.get(field, field)
        parameter = {
            "name": wire,
            "in": "query",
            "required": field in required,
            "schema": dict(schema, title=wire.replace("_", " ").title()),
        }
        if wire in extensions:
            parameter["description"] = extensions[wire]
            parameter["x-extension"] = True
        parameters.append(parameter)
    operation: dict[str, Any] = {
        "tags": ["Sessions"],
        "summary": _summary(operation_id),
        "operationId": operation_id,
        "security": [{"HTTPBearer": []}],
        "parameters": parameters,
    }
    if body is not None and body_name is not None:
        schema: dict[str, Any] = {"$ref": REF.format(name=body_name)}
        if not body_required:
            schema["default"] = {}
        request_body: dict[str, Any] = {"content": _json_content(schema)}
        if body_required:
            request_body = {"required": True, **request_body}
        operation["requestBody"] = request_body
    responses: dict[str, Any] = {}
    if success == 204:
        responses["204"] = {"description": "Successful Response"}
    else:
        body_schema: dict[str, Any] = {"type": "object"}
        if operation_id in _ARRAY_RESPONSES:
            body_schema = {"type": "array", "items": {"type": "object"}}
            if operation_id in EXTENSION_PARAMETERS:  # or, with limit/page, one page of it
                body_schema = {"anyOf": [body_schema, _PAGE_RESPONSE]}
        responses[str(success)] = {"description": "Successful Response", "content": _json_content(body_schema)}
    for status, description in sorted({**_ERRORS, **_OPERATION_ERRORS.get(operation_id, {})}.items()):
        ref = "ValidationErrorDetail" if status == 422 else "ErrorDetail"
        responses[str(status)] = {"description": description, "content": _json_content({"$ref": REF.format(name=ref)})}
    operation["responses"] = responses
    return operation


async def _unused(request: Request) -> Response:  # the route table wants endpoints; never called
    raise NotImplementedError
