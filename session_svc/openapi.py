"""The OpenAPI document `/openapi.json` serves (endpoints/docs.py), as AgentOS's FastAPI app shows it.

The document is generated, not written: every documented route is an entry of the route table
(`routes.ROUTES`: path, method, operationId, success status, body component name), its parameters
and request body are the msgspec Structs of the entry's validation spec (`schemas.py`), through
`msgspec.json.schema_components`. Only what neither can say is added here, as AgentOS (FastAPI)
shows it: `SessionType`/`SortOrder` as named enum components, path parameters (from the path
template), and the error statuses.

Response bodies are described as JSON objects (arrays of objects for /runs and /run-previews)
without further schema: they are AgentOS's pydantic models, rendered by `render/`, and have no
Struct here.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

import msgspec

from . import schemas

if TYPE_CHECKING:
    from .routes import ApiRoute

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
_PAGE_RESPONSE = {
    "type": "object",
    "properties": {"data": {"type": "array", "items": {"type": "object"}}, "meta": {"type": "object"}},
    "required": ["data", "meta"],
}
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


def _without_bounds(schema: Any) -> Any:
    """A parameter schema without msgspec's `minimum`/`maximum`: the document shows each parameter
    as before and as AgentOS's does (type, default); validation/query.py enforces the bounds."""
    if isinstance(schema, dict):
        return {k: _without_bounds(v) for k, v in schema.items() if k not in ("minimum", "maximum")}
    if isinstance(schema, list):
        return [_without_bounds(item) for item in schema]
    return schema


def _without_docstrings(component: dict[str, Any]) -> dict[str, Any]:
    """Struct docstrings are notes for developers, not API documentation."""
    return {key: value for key, value in component.items() if key != "description"}


def _summary(operation_id: str) -> str:
    """FastAPI's default summary: the endpoint's name in title case."""
    return operation_id.replace("_", " ").title()


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def __getattr__(name: str) -> Any:
    if name == "EXTENSION_PARAMETERS":  # operationId -> {parameter: description}, from the route table
        from .routes import ROUTES

        return {route.name: dict(route.extensions) for route in ROUTES if route.extensions}
    raise AttributeError(name)


@functools.cache
def build_openapi() -> dict[str, Any]:
    from .routes import ROUTES  # at call time: the route table imports the docs endpoint, which imports this

    documented = [route for route in ROUTES if route.tag is not None]
    specs = [route.spec for route in documented if route.spec is not None]
    structs: list[type] = [ErrorDetail, ValidationErrorDetail, HealthResponse]
    for spec in specs:
        structs.append(spec.query.struct)
        if spec.body is not None:
            structs.append(spec.body.struct)
    _, components = msgspec.json.schema_components(structs, ref_template=REF)
    components = _named_enums(components)
    for values, name in _NAMED_ENUMS.items():
        components[name] = {"type": "string", "enum": list(values), "title": name}

    paths: dict[str, dict[str, Any]] = {}
    for route in documented:
        operation = _operation(route, components) if route.spec is not None else _plain_operation(route)
        paths.setdefault(route.path, {})[route.method.lower()] = operation

    used_queries = {spec.query.struct.__name__ for spec in specs}
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


def _plain_operation(route: ApiRoute) -> dict[str, Any]:
    """A route without parameters or security (`/health`), answering HealthResponse."""
    operation_id = route.operation_id or route.name
    return {
        "tags": [route.tag],
        "summary": _summary(operation_id),
        "operationId": operation_id,
        "responses": {
            "200": {
                "description": "Successful Response",
                "content": _json_content({"$ref": REF.format(name="HealthResponse")}),
            }
        },
    }


def _operation(route: ApiRoute, components: dict[str, Any]) -> dict[str, Any]:
    assert route.spec is not None
    operation_id = route.operation_id or route.name
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "title": name.replace("_", " ").title()},
        }
        for name in _PATH_PARAM.findall(route.path)
    ]
    query_schema = components[route.spec.query.struct.__name__]
    required = set(query_schema.get("required", ()))
    for wire, field_schema in query_schema["properties"].items():  # msgspec names properties by wire name
        parameter = {
            "name": wire,
            "in": "query",
            "required": wire in required,
            "schema": dict(_without_bounds(field_schema), title=wire.replace("_", " ").title()),
        }
        if wire in route.extensions:
            parameter["description"] = route.extensions[wire]
            parameter["x-extension"] = True
        parameters.append(parameter)
    operation: dict[str, Any] = {
        "tags": [route.tag],
        "summary": _summary(operation_id),
        "operationId": operation_id,
        "security": [{"HTTPBearer": []}],
        "parameters": parameters,
    }
    body = route.spec.body
    if body is not None and route.body_component is not None:
        schema: dict[str, Any] = {"$ref": REF.format(name=route.body_component)}
        if not body.required:
            schema["default"] = {}
        request_body: dict[str, Any] = {"content": _json_content(schema)}
        if body.required:
            request_body = {"required": True, **request_body}
        operation["requestBody"] = request_body
    responses: dict[str, Any] = {}
    if route.status == 204:
        responses["204"] = {"description": "Successful Response"}
    else:
        body_schema: dict[str, Any] = {"type": "object"}
        if route.array_body:
            body_schema = {"type": "array", "items": {"type": "object"}}
            if route.extensions:  # or, with limit/page, one page of it
                body_schema = {"anyOf": [body_schema, _PAGE_RESPONSE]}
        responses[str(route.status)] = {"description": "Successful Response", "content": _json_content(body_schema)}
    for status, description in sorted({**_ERRORS, **route.errors}.items()):
        ref = "ValidationErrorDetail" if status == 422 else "ErrorDetail"
        responses[str(status)] = {"description": description, "content": _json_content({"$ref": REF.format(name=ref)})}
    operation["responses"] = responses
    return operation
