"""Request validation for the /sessions routes, answering exactly as FastAPI 0.165 + pydantic 2.14.4 do.

API
---
    query, body = await validate(request, spec)        # in a route handler; raises on bad input
    query, body = validate_parts(query_params, body_bytes, content_type, spec)   # the same, sync
    query = parse_query(query_params, spec)             # query string only

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
(400 "There was an error parsing the body"); both render themselves (`exc.to_response()`).

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
  write any stored value back out inside a response.
* Error inputs that JSON cannot carry are made printable (errors._printable): AgentOS answers 500
  where FastAPI's echo holds NaN/1e999 or invalid UTF-8 from a non-JSON body.
NUL and other control characters in strings are valid here; the database layer strips them like agno.

Speed: specs are precompiled; a valid query costs a dict lookup and a small parse per parameter
present, and struct construction. Bodies: one `json.loads` plus one iterative walk of kept values.
(msgspec's JSON decoder is not used for bodies: it differs from `json.loads` on NaN, encoding sniffing,
lone surrogates and ignored keys, and FastAPI parity matters more here than a microsecond.)
"""

from __future__ import annotations

import email.message
import json
import math
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable, Mapping

import msgspec
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from session_svc.errors import BODY_PARSE_ERROR_DETAIL, HTTPError, RequestValidationError, ServiceError
from session_svc.schemas import (
    INT64_MAX,
    SESSION_TYPES,
    SORT_ORDERS,
    CreateSessionQuery,
    CreateSessionRequest,
    DeleteSessionQuery,
    DeleteSessionRequest,
    ListSessionsQuery,
    RenameSessionRequest,
    SessionQuery,
    SessionRunsQuery,
    UpdateSessionRequest,
)

__all__ = [
    "validate",
    "validate_parts",
    "parse_query",
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

MAX_VALUE_DEPTH = 200

_Undefined = object()  # "no value": absent parameter, empty body


class _Invalid(Exception):
    """One failed value; carries the error dict minus `loc` (the caller knows where it was)."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error


def _error(type_: str, loc: list[Any], msg: str, input_: Any, ctx: dict[str, Any] | None = None) -> dict:
    """A pydantic error dict in FastAPI's key order.

    An input that is echoed back must be shallow enough to encode (see MAX_VALUE_DEPTH).
    """
    if type(input_) is dict or type(input_) is list:
        _check_depth(input_)
    error = {"type": type_, "loc": loc, "msg": msg, "input": input_}
    if ctx is not None:
        error["ctx"] = ctx
    return error


def _missing(loc: list[Any], input_: Any) -> dict:
    return _error("missing", loc, "Field required", input_)


# --- scalar parsing of query values (pydantic-core's lax str -> int/bool/enum) ---------------------

# Rust's char::is_whitespace (Unicode White_Space), which pydantic trims from ints; Python's
# str.strip() would also remove \x1c-\x1f, which pydantic rejects.
_RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_INT_PARSING = "Input should be a valid integer, unable to parse string as an integer"
_INT_PARSING_SIZE = "Unable to parse input string as an integer, exceeded maximum size"
_MAX_INT_DIGITS = 4300  # jiter's bound (CPython's int-from-str limit)
_NONZERO = frozenset("123456789")


class _OutOfRange(Exception):
    pass


def _json_int(s: str) -> int | None:
    """jiter's NumberInt::try_from: a JSON integer (`-?(0|[1-9][0-9]*)`), else None.

    Like jiter, a run of more than 4300 leading digits is "out of range" whatever follows it.
    """
    body = s[1:] if s[:1] == "-" else s
    run = len(body) - len(body.lstrip("0123456789"))
    if run == 0:
        return None
    if body[0] == "0":
        return int(s) if len(body) == 1 else None
    if run > _MAX_INT_DIGITS:
        raise _OutOfRange
    return int(s) if run == len(body) else None


def _strip_leading_zeros(s: str) -> str | None:
    """pydantic-core's strip_leading_zeros, quirks included ("0-5" -> "-5")."""
    if not s:
        return None
    if s[0] != "0":
        return s if s[0] in _NONZERO or s[0] == "-" else None
    for i in range(1, len(s)):
        c = s[i]
        if c == "0" or c == "_":
            continue
        if c in _NONZERO or c == "-":
            return s[i:]
        if c == ".":
            return s[i - 1:]
        return None
    return s[-1]


def _strip_underscores(s: str) -> str | None:
    if s.startswith("_") or s.endswith("_") or "_" not in s or "__" in s:
        return None
    return s.replace("_", "")


def _clean_int_str(s: str) -> str | None:
    """pydantic-core's clean_int_str: the second chance after a strict JSON-integer parse fails."""
    length_before = len(s)
    s = s.strip(_RUST_WHITESPACE)
    if s.startswith("+"):
        if s[1:].startswith("-"):
            return None
        s = s[1:]
    negative = False
    if s.startswith("-"):
        if s[1:2] in ("-", "+"):
            return None
        negative = True
        s = s[1:]
    stripped = _strip_leading_zeros(s)
    if stripped is None:
        return None
    s = stripped
    dot = s.find(".")
    if dot != -1:
        decimals = s[dot + 1:]
        if decimals and decimals.strip("0") == "":
            s = s[:dot]
    without_underscores = _strip_underscores(s)
    if without_underscores is not None:
        return "-" + without_underscores if negative else without_underscores
    if length_before == len(s):
        return None
    return "-" + s if negative else s


def _str_to_int(raw: str) -> int:
    """pydantic-core's str_as_int (lax str -> int)."""
    try:
        value = _json_int(raw)
    except _OutOfRange:
        raise _Invalid({"type": "int_parsing_size", "msg": _INT_PARSING_SIZE, "input": raw}) from None
    if value is not None:
        return value
    cleaned = _clean_int_str(raw)
    if cleaned is not None:
        try:
            value = _json_int(cleaned)
        except _OutOfRange:
            value = None
        if value is not None:
            return value
    raise _Invalid({"type": "int_parsing", "msg": _INT_PARSING, "input": raw})


def _int_parser(ge: int | None = None, le: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = _str_to_int(raw)
        if ge is not None and value < ge:
            raise _Invalid(
                {"type": "greater_than_equal", "msg": f"Input should be greater than or equal to {ge}",
                 "input": raw, "ctx": {"ge": ge}}
            )
        if le is not None and value > le:
            raise _Invalid(
                {"type": "less_than_equal", "msg": f"Input should be less than or equal to {le}",
                 "input": raw, "ctx": {"le": le}}
            )
        return value

    return parse


_TRUE = frozenset({"1", "t", "y", "yes", "on", "true"})
_FALSE = frozenset({"0", "f", "n", "no", "off", "false"})


def _parse_bool(raw: str) -> bool:
    # pydantic: exact words, ASCII case-insensitive, no trimming.
    if raw.isascii():
        word = raw.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _Invalid({"type": "bool_parsing", "msg": "Input should be a valid boolean, unable to interpret input",
                    "input": raw})


def _enum_expected(values: tuple[str, ...]) -> str:
    quoted = [f"'{v}'" for v in values]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]


def _enum_checker(values: tuple[str, ...]) -> Callable[[Any], str]:
    allowed = frozenset(values)
    expected = _enum_expected(values)
    message = f"Input should be {expected}"

    def check(raw: Any) -> str:
        if type(raw) is str and raw in allowed:
            return raw
        raise _Invalid({"type": "enum", "msg": message, "input": raw, "ctx": {"expected": expected}})

    return check


def _parse_str(raw: str) -> str:
    return raw


_session_type = _enum_checker(SESSION_TYPES)
_sort_order = _enum_checker(SORT_ORDERS)


# --- query specs -------------------------------------------------------------------------------------


class _Param:
    __slots__ = ("wire", "attr", "parse", "is_list", "index")

    def __init__(self, wire: str, attr: str, parse: Callable[[str], Any], is_list: bool = False) -> None:
        self.wire = wire
        self.attr = attr
        self.parse = parse
        self.is_list = is_list
        self.index = 0


class _QuerySpec:
    """Query parameters of one route, in declaration order (the order FastAPI reports errors in)."""

    def __init__(self, struct: type[msgspec.Struct], params: list[_Param],
                 check: Callable[[dict[str, Any], list[tuple[int, dict]]], None] | None = None) -> None:
        self.struct = struct
        self.by_wire: dict[str, _Param] = {}
        for index, param in enumerate(params):
            param.index = index
            self.by_wire[param.wire] = param
        self.check = check


def _str_param(name: str) -> _Param:
    return _Param(name, name, _parse_str)


def _type_param() -> _Param:
    return _Param("type", "session_type", _session_type)


def _check_offset(values: dict[str, Any], errors: list[tuple[int, dict]]) -> None:
    """OFFSET (page-1)*limit must fit in a bigint; blame `page` with the largest page that fits."""
    if any(index in (_LIMIT_INDEX, _PAGE_INDEX) for index, _ in errors):
        return
    page = values.get("page", 1)
    limit = values.get("limit", 20)
    if (page - 1) * limit > INT64_MAX:
        le = INT64_MAX // limit + 1
        raw = values["_raw_page"]
        errors.append((_PAGE_INDEX, {"type": "less_than_equal", "loc": ["query", "page"],
                                     "msg": f"Input should be less than or equal to {le}", "input": raw,
                                     "ctx": {"le": le}}))


_LIST_PARAMS = [
    _type_param(),
    _str_param("component_id"),
    _str_param("user_id"),
    _str_param("session_name"),
    _Param("limit", "limit", _int_parser(ge=1, le=INT64_MAX)),
    _Param("page", "page", _int_parser(ge=1)),  # upper bound: _check_offset
    _str_param("sort_by"),
    _Param("sort_order", "sort_order", _sort_order),
    _str_param("db_id"),
    _str_param("table"),
]
_LIMIT_INDEX, _PAGE_INDEX = 4, 5

_LIST_QUERY = _QuerySpec(ListSessionsQuery, _LIST_PARAMS, check=_check_offset)
_CREATE_QUERY = _QuerySpec(CreateSessionQuery, [_type_param(), _str_param("db_id")])
_SESSION_QUERY = _QuerySpec(
    SessionQuery, [_type_param(), _str_param("user_id"), _str_param("db_id"), _str_param("table")]
)
_RUNS_QUERY = _QuerySpec(
    SessionRunsQuery,
    [
        _type_param(),
        _str_param("user_id"),
        _Param("created_after", "created_after", _int_parser()),
        _Param("created_before", "created_before", _int_parser()),
        _Param("status", "status", _parse_str, is_list=True),
        _str_param("db_id"),
        _str_param("table"),
    ],
)
_DELETE_QUERY = _QuerySpec(
    DeleteSessionQuery,
    [_str_param("user_id"), _str_param("db_id"), _str_param("table"),
     _Param("delete_media", "delete_media", _parse_bool)],
)


def _query_errors_and_values(query_params: Any, spec: _QuerySpec) -> tuple[dict[str, Any], list[tuple[int, dict]]]:
    if isinstance(query_params, (str, bytes)):
        query_params = QueryParams(query_params)
    values: dict[str, Any] = {}
    errors: list[tuple[int, dict]] = []
    by_wire = spec.by_wire
    for wire, raw in query_params.items():  # Starlette: the last value of a repeated key
        param = by_wire.get(wire)
        if param is None:
            continue
        if param.is_list:
            values[param.attr] = query_params.getlist(wire)
            continue
        try:
            values[param.attr] = param.parse(raw)
        except _Invalid as invalid:
            invalid.error["loc"] = ["query", wire]
            errors.append((param.index, _reorder(invalid.error)))
            continue
        if wire == "page":
            values["_raw_page"] = raw
    if spec.check is not None:
        spec.check(values, errors)
    values.pop("_raw_page", None)
    return values, errors


def _reorder(error: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's key order: type, loc, msg, input, ctx."""
    ordered = {"type": error["type"], "loc": error["loc"], "msg": error["msg"], "input": error["input"]}
    if "ctx" in error:
        ordered["ctx"] = error["ctx"]
    return ordered


def parse_query(query_params: Mapping[str, str] | QueryParams | str | bytes, spec: "RouteSpec | _QuerySpec") -> Any:
    """Query parameters -> the route's query Struct. Raises RequestValidationError (422)."""
    query_spec = spec.query if isinstance(spec, RouteSpec) else spec
    values, errors = _query_errors_and_values(query_params, query_spec)
    if errors:
        raise RequestValidationError(_sorted(errors))
    return query_spec.struct(**values)


def _sorted(errors: list[tuple[int, dict]]) -> list[dict]:
    errors.sort(key=lambda pair: pair[0])  # stable: several errors of one parameter keep their order
    return [error for _, error in errors]


# --- JSON bodies ------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _is_json_content_type(content_type: str) -> bool:
    """FastAPI's test, verbatim: application/json or application/*+json, parsed like an email header."""
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() == "application":
        subtype = message.get_content_subtype()
        return subtype == "json" or subtype.endswith("+json")
    return False


def _read_body(body: bytes, content_type: str | None) -> Any:
    """The body value FastAPI validates: _Undefined (empty), parsed JSON, or the raw bytes."""
    if not body:
        return _Undefined
    try:
        if not content_type or not _is_json_content_type(content_type):
            return body
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ["body", exc.pos], "msg": "JSON decode error", "input": {},
              "ctx": {"error": exc.msg}}]
        ) from None
    except Exception:  # UnicodeDecodeError, RecursionError, ...: FastAPI's generic body error
        raise HTTPError(400, BODY_PARSE_ERROR_DETAIL) from None


def _echo(value: Any) -> Any:
    """How FastAPI's jsonable_encoder echoes a raw (non-JSON) body: bytes decoded as UTF-8."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")  # FastAPI: UnicodeDecodeError -> 500
    return value


class _BodyTooDeep(Exception):
    pass


def _check_depth(value: Any) -> None:
    """Raise _BodyTooDeep if containers nest deeper than MAX_VALUE_DEPTH (iteratively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_VALUE_DEPTH:
            raise _BodyTooDeep
        members = item.values() if type(item) is dict else item
        stack.extend((member, depth + 1) for member in members if type(member) is dict or type(member) is list)


def _is_clean(value: Any, depth: int = 1) -> bool:
    """Fast check of a kept value (the common case): finite floats, encodable strings, depth bound.

    Recursion is bounded by MAX_VALUE_DEPTH (it stops descending past it).
    """
    if depth > MAX_VALUE_DEPTH:
        return False
    if type(value) is dict:
        for key, member in value.items():
            if not key.isascii() and not _utf8_encodable(key):
                return False
            kind = type(member)
            if kind is str:
                if not member.isascii() and not _utf8_encodable(member):
                    return False
            elif kind is dict or kind is list:
                if not _is_clean(member, depth + 1):
                    return False
            elif kind is float and not _isfinite(member):
                return False
        return True
    for member in value:
        kind = type(member)
        if kind is str:
            if not member.isascii() and not _utf8_encodable(member):
                return False
        elif kind is dict or kind is list:
            if not _is_clean(member, depth + 1):
                return False
        elif kind is float and not _isfinite(member):
            return False
    return True


_isfinite = math.isfinite


def _kept_value_errors(value: Any, loc: list[Any], errors: list[dict]) -> None:
    """Errors for a value that will be stored: non-finite floats, lone surrogates, too deep nesting.

    The detailed pass (with locs) runs only when the fast check fails. It is iterative (a stack of
    (value, loc, depth)), so no input can exhaust Python's stack.
    """
    if _is_clean(value):
        return
    stack = [(value, loc, 1)]
    while stack:
        item, where, depth = stack.pop()
        kind = type(item)
        if kind is dict:
            if depth > MAX_VALUE_DEPTH:
                raise _BodyTooDeep
            entries = []
            for key, member in item.items():
                if not key.isascii() and not _utf8_encodable(key):
                    errors.append(_string_unicode(where + [key], key))
                entries.append((member, where + [key], depth + 1))
            stack.extend(reversed(entries))  # report in document order
        elif kind is list:
            if depth > MAX_VALUE_DEPTH:
                raise _BodyTooDeep
            stack.extend((member, where + [i], depth + 1) for i, member in reversed(list(enumerate(item))))
        elif kind is str:
            if not item.isascii() and not _utf8_encodable(item):
                errors.append(_string_unicode(where, item))
        elif kind is float and not math.isfinite(item):
            errors.append(_error("finite_number", where, "Input should be a finite number", item))


def _utf8_encodable(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _string_unicode(loc: list[Any], value: str) -> dict:
    return _error("string_unicode", loc, "Input should be a valid string, unable to parse raw data as a unicode string",
                  value)


# Field validators: (value, loc, errors) -> validated value; append errors (pydantic order) on failure.
_FieldValidator = Callable[[Any, list, list], Any]


def _optional_str(value: Any, loc: list, errors: list) -> Any:
    if value is None:
        return None
    return _required_str(value, loc, errors)


def _required_str(value: Any, loc: list, errors: list) -> Any:
    if type(value) is not str:
        errors.append(_error("string_type", loc, "Input should be a valid string", value))
    elif not value.isascii() and not _utf8_encodable(value):
        errors.append(_string_unicode(loc, value))
    return value


def _optional_dict(value: Any, loc: list, errors: list) -> Any:
    if value is None:
        return None
    if type(value) is not dict:
        errors.append(_error("dict_type", loc, "Input should be a valid dictionary", value))
        return value
    _kept_value_errors(value, loc, errors)
    return value


def _list_of(item: Callable[[Any, list, list], Any], min_length: int = 0) -> _FieldValidator:
    def validate_list(value: Any, loc: list, errors: list) -> Any:
        if type(value) is not list:
            errors.append(_error("list_type", loc, "Input should be a valid list", value))
            return value
        before = len(errors)
        for index, member in enumerate(value):
            item(member, loc + [index], errors)
        if len(errors) == before and len(value) < min_length:
            errors.append(_error(
                "too_short", loc,
                f"List should have at least {min_length} item{'' if min_length == 1 else 's'} after validation, "
                f"not {len(value)}",
                value, {"field_type": "List", "min_length": min_length, "actual_length": len(value)},
            ))
        return value

    return validate_list


def _optional(validator: _FieldValidator) -> _FieldValidator:
    def validate_optional(value: Any, loc: list, errors: list) -> Any:
        return None if value is None else validator(value, loc, errors)

    return validate_optional


def _session_type_item(value: Any, loc: list, errors: list) -> Any:
    try:
        return _session_type(value)
    except _Invalid as invalid:
        invalid.error["loc"] = loc
        errors.append(_reorder(invalid.error))
        return value


_SUMMARY_KEYS = ("summary", "topics", "updated_at")


def _summary(value: Any, loc: list, errors: list) -> Any:
    """agno's SessionSummary(**value), as pydantic would check it; returns agno's `to_dict()` form."""
    if value is None:
        return None
    if type(value) is not dict:
        errors.append(_error("dict_type", loc, "Input should be a valid dictionary", value))
        return value
    before = len(errors)
    if "summary" not in value:
        errors.append(_missing(loc + ["summary"], value))
    else:
        _required_str(value["summary"], loc + ["summary"], errors)
    topics = value.get("topics")
    if topics is not None:
        _list_of(_required_str)(topics, loc + ["topics"], errors)
    updated_at = value.get("updated_at")
    parsed: datetime | None = None
    if updated_at:  # agno parses only a truthy value; a falsy one is dropped
        if type(updated_at) is not str:
            errors.append(_error("datetime_type", loc + ["updated_at"], "Input should be a valid datetime",
                                 updated_at))
        else:
            try:
                parsed = datetime.fromisoformat(updated_at)
            except ValueError:
                errors.append(_error("datetime_parsing", loc + ["updated_at"],
                                     "Input should be a valid datetime, invalid ISO 8601 format", updated_at,
                                     {"error": "invalid ISO 8601 format"}))
    for key, member in value.items():
        if key not in _SUMMARY_KEYS:
            errors.append(_error("extra_forbidden", loc + [key], "Extra inputs are not permitted", member))
    if len(errors) != before:
        return value
    normalized = {"summary": value["summary"], "topics": topics,
                  "updated_at": parsed.isoformat() if parsed is not None else None}
    normalized = {k: v for k, v in normalized.items() if v is not None}
    _kept_value_errors(normalized, loc, errors)
    return normalized


def _run(value: Any, loc: list, errors: list) -> Any:
    """One preset run of the create extension: an object with a string `run_id`."""
    if type(value) is not dict:
        errors.append(_error("dict_type", loc, "Input should be a valid dictionary", value))
        return value
    if "run_id" not in value:
        errors.append(_missing(loc + ["run_id"], value))
        return value
    before = len(errors)
    _required_str(value["run_id"], loc + ["run_id"], errors)
    if len(errors) == before:
        _kept_value_errors(value, loc, errors)
    return value


class _BodySpec:
    """A JSON body: a model (fields in declaration order) or one embedded field (rename)."""

    def __init__(self, struct: type[msgspec.Struct], fields: list[tuple[str, _FieldValidator, bool]],
                 required: bool, embedded: bool = False) -> None:
        self.struct = struct
        self.fields = fields  # (name, validator, required)
        self.required = required
        self.embedded = embedded

    def validate(self, body: Any, errors: list[dict]) -> Any:
        if self.embedded:
            return self._validate_embedded(body, errors)
        if body is _Undefined:
            if self.required:
                errors.append(_missing(["body"], None))
                return None
            return self.struct()
        if type(body) is not dict:
            errors.append(_error("model_attributes_type", ["body"],
                                 "Input should be a valid dictionary or object to extract fields from", _echo(body)))
            return None
        before = len(errors)
        values = {}
        for name, validator, required in self.fields:
            if name in body:
                values[name] = validator(body[name], ["body", name], errors)
            elif required:
                errors.append(_missing(["body", name], body))
        if len(errors) != before:
            return None
        return self.struct(**values)

    def _validate_embedded(self, body: Any, errors: list[dict]) -> Any:
        # FastAPI: a body that is not an object (or absent, or not JSON) has no such field -> missing.
        name, validator, _ = self.fields[0]
        if type(body) is not dict or name not in body:
            errors.append(_missing(["body", name], None))
            return None
        before = len(errors)
        value = validator(body[name], ["body", name], errors)
        if len(errors) != before:
            return None
        return self.struct(**{name: value})


_CREATE_BODY = _BodySpec(
    CreateSessionRequest,
    [
        ("session_id", _optional_str, False),
        ("session_name", _optional_str, False),
        ("session_state", _optional_dict, False),
        ("metadata", _optional_dict, False),
        ("user_id", _optional_str, False),
        ("agent_id", _optional_str, False),
        ("team_id", _optional_str, False),
        ("workflow_id", _optional_str, False),
        ("runs", _optional(_list_of(_run)), False),
        ("summary", _summary, False),
    ],
    required=False,
)
_UPDATE_BODY = _BodySpec(
    UpdateSessionRequest,
    [
        ("session_name", _optional_str, False),
        ("session_state", _optional_dict, False),
        ("metadata", _optional_dict, False),
        ("summary", _summary, False),
    ],
    required=True,
)
_DELETE_BODY = _BodySpec(
    DeleteSessionRequest,
    [
        ("session_ids", _list_of(_required_str, min_length=1), True),
        ("session_types", _list_of(_session_type_item, min_length=1), True),
    ],
    required=True,
)
_RENAME_BODY = _BodySpec(RenameSessionRequest, [("session_name", _required_str, True)], required=True,
                         embedded=True)


# --- routes -----------------------------------------------------------------------------------------


class RouteSpec:
    """What one route accepts: its query parameters and, if any, its JSON body."""

    __slots__ = ("name", "query", "body")

    def __init__(self, name: str, query: _QuerySpec, body: _BodySpec | None = None) -> None:
        self.name = name
        self.query = query
        self.body = body

    def __repr__(self) -> str:
        return f"RouteSpec({self.name})"


LIST_SESSIONS = RouteSpec("list_sessions", _LIST_QUERY)
CREATE_SESSION = RouteSpec("create_session", _CREATE_QUERY, _CREATE_BODY)
GET_SESSION = RouteSpec("get_session", _SESSION_QUERY)
GET_RUNS = RouteSpec("get_session_runs", _RUNS_QUERY)
GET_RUN = RouteSpec("get_session_run", _SESSION_QUERY)
DELETE_SESSION = RouteSpec("delete_session", _DELETE_QUERY)
DELETE_SESSIONS = RouteSpec("delete_sessions", _DELETE_QUERY, _DELETE_BODY)
RENAME_SESSION = RouteSpec("rename_session", _SESSION_QUERY, _RENAME_BODY)
UPDATE_SESSION = RouteSpec("update_session", _SESSION_QUERY, _UPDATE_BODY)


def validate_parts(query_params: Any, body: bytes, content_type: str | None, spec: RouteSpec) -> tuple[Any, Any]:
    """(query struct, body struct or None) for one request, or raise FastAPI's error for it."""
    body_spec = spec.body
    body_value = _read_body(body, content_type) if body_spec is not None else _Undefined
    values, indexed_errors = _query_errors_and_values(query_params, spec.query)
    errors = _sorted(indexed_errors) if indexed_errors else []
    validated_body = None
    if body_spec is not None:
        try:
            validated_body = body_spec.validate(body_value, errors)
        except _BodyTooDeep:
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
