"""JSON bodies of the /sessions routes: read them as FastAPI does and validate them as pydantic does.

`read_body` turns bytes + content-type into the value FastAPI validates (UNDEFINED, parsed JSON, or
the raw bytes); `BodySpec.validate` checks it against one request model, appending pydantic-style
errors in field order. On top of pydantic's checks, kept values (what will be stored) must be
storable and encodable (kept.py: finite floats, strings without lone surrogates, nesting within
MAX_VALUE_DEPTH; deeper raises BodyTooDeep, answered with FastAPI's 400 for unparsable bodies).
See session_svc/validation/__init__.py for the rules as a whole.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

import msgspec

from ..errors import BODY_PARSE_ERROR_DETAIL, HTTPError, RequestValidationError
from ..jsonenc import utf8_encodable
from ..schemas import (
    CreateSessionRequest,
    DeleteSessionRequest,
    RenameSessionRequest,
    UpdateSessionRequest,
)
from .kept import MAX_VALUE_DEPTH, BodyTooDeep, kept_value_errors, string_unicode
from .kept import pydantic_error as _error
from .lax import Invalid, reorder_error, session_type

__all__ = [
    "MAX_VALUE_DEPTH",
    "UNDEFINED",
    "BodyTooDeep",
    "BodySpec",
    "read_body",
    "CREATE_BODY",
    "UPDATE_BODY",
    "DELETE_BODY",
    "RENAME_BODY",
]

UNDEFINED = object()  # "no value": an empty body


def _missing(loc: list[Any], input_: Any) -> dict[str, Any]:
    return _error("missing", loc, "Field required", input_)


@lru_cache(maxsize=256)
def _is_json_content_type(content_type: str) -> bool:
    """FastAPI's test, verbatim: application/json or application/*+json, parsed like an email header."""
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() == "application":
        subtype = message.get_content_subtype()
        return subtype == "json" or subtype.endswith("+json")
    return False


def read_body(body: bytes, content_type: str | None) -> Any:
    """The body value FastAPI validates: UNDEFINED (empty), parsed JSON, or the raw bytes."""
    if not body:
        return UNDEFINED
    try:
        if not content_type or not _is_json_content_type(content_type):
            return body
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ["body", exc.pos],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ]
        ) from None
    except Exception:  # UnicodeDecodeError, RecursionError, ...: FastAPI's generic body error
        raise HTTPError(400, BODY_PARSE_ERROR_DETAIL) from None


def _echo(value: Any) -> Any:
    """How FastAPI's jsonable_encoder echoes a raw (non-JSON) body: bytes decoded as UTF-8."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")  # FastAPI: UnicodeDecodeError -> 500
    return value


# Field validators: (value, loc, errors) -> validated value; append errors (pydantic order) on failure.
_FieldValidator = Callable[[Any, list[Any], list[Any]], Any]


def _optional_str(value: Any, loc: list[Any], errors: list[Any]) -> Any:
    if value is None:
        return None
    return _required_str(value, loc, errors)


def _required_str(value: Any, loc: list[Any], errors: list[Any]) -> Any:
    if type(value) is not str:
        errors.append(_error("string_type", loc, "Input should be a valid string", value))
    elif not value.isascii() and not utf8_encodable(value):
        errors.append(string_unicode(loc, value))
    return value


def _optional_dict(value: Any, loc: list[Any], errors: list[Any]) -> Any:
    if value is None:
        return None
    if type(value) is not dict:
        errors.append(_error("dict_type", loc, "Input should be a valid dictionary", value))
        return value
    kept_value_errors(value, loc, errors)
    return value


def _list_of(item: Callable[[Any, list[Any], list[Any]], Any], min_length: int = 0) -> _FieldValidator:
    def validate_list(value: Any, loc: list[Any], errors: list[Any]) -> Any:
        if type(value) is not list:
            errors.append(_error("list_type", loc, "Input should be a valid list", value))
            return value
        before = len(errors)
        for index, member in enumerate(value):
            item(member, loc + [index], errors)
        if len(errors) == before and len(value) < min_length:
            errors.append(
                _error(
                    "too_short",
                    loc,
                    f"List should have at least {min_length} item{'' if min_length == 1 else 's'} after validation, "
                    f"not {len(value)}",
                    value,
                    {"field_type": "List", "min_length": min_length, "actual_length": len(value)},
                )
            )
        return value

    return validate_list


def _optional(validator: _FieldValidator) -> _FieldValidator:
    def validate_optional(value: Any, loc: list[Any], errors: list[Any]) -> Any:
        return None if value is None else validator(value, loc, errors)

    return validate_optional


def _session_type_item(value: Any, loc: list[Any], errors: list[Any]) -> Any:
    try:
        return session_type(value)
    except Invalid as invalid:
        invalid.error["loc"] = loc
        errors.append(reorder_error(invalid.error))
        return value


_SUMMARY_KEYS = ("summary", "topics", "updated_at")


def _summary(value: Any, loc: list[Any], errors: list[Any]) -> Any:
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
            errors.append(_error("datetime_type", loc + ["updated_at"], "Input should be a valid datetime", updated_at))
        else:
            try:
                parsed = datetime.fromisoformat(updated_at)
            except ValueError:
                errors.append(
                    _error(
                        "datetime_parsing",
                        loc + ["updated_at"],
                        "Input should be a valid datetime, invalid ISO 8601 format",
                        updated_at,
                        {"error": "invalid ISO 8601 format"},
                    )
                )
    for key, member in value.items():
        if key not in _SUMMARY_KEYS:
            errors.append(_error("extra_forbidden", loc + [key], "Extra inputs are not permitted", member))
    if len(errors) != before:
        return value
    normalized = {
        "summary": value["summary"],
        "topics": topics,
        "updated_at": parsed.isoformat() if parsed is not None else None,
    }
    normalized = {k: v for k, v in normalized.items() if v is not None}
    kept_value_errors(normalized, loc, errors)
    return normalized


def _run(value: Any, loc: list[Any], errors: list[Any]) -> Any:
    """One preset run of the create extension: an object with a string `run_id`."""
    if type(value) is not dict:
        errors.append(_error("dict_type", loc, "Input should be a valid dictionary", value))
        return value
    if "run_id" not in value:
        errors.append(_missing(loc + ["run_id"], value))
        return value
    before = len(errors)
    _required_str(value["run_id"], loc + ["run_id"], errors)
    _run_created_at(value.get("created_at"), loc + ["created_at"], errors)
    if len(errors) == before:
        kept_value_errors(value, loc, errors)
    return value


_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


def _run_created_at(value: Any, loc: list[Any], errors: list[Any]) -> None:
    """agno_runs.created_at is a BIGINT filled from the run's `created_at` (absent/null: now)."""
    if value is None:
        return
    if type(value) is not int:
        errors.append(_error("int_type", loc, "Input should be a valid integer", value))
    elif value > _BIGINT_MAX:
        errors.append(
            _error(
                "less_than_equal",
                loc,
                f"Input should be less than or equal to {_BIGINT_MAX}",
                value,
                {"le": _BIGINT_MAX},
            )
        )
    elif value < _BIGINT_MIN:
        errors.append(
            _error(
                "greater_than_equal",
                loc,
                f"Input should be greater than or equal to {_BIGINT_MIN}",
                value,
                {"ge": _BIGINT_MIN},
            )
        )


class BodySpec:
    """A JSON body: a model (fields in declaration order) or one embedded field (rename)."""

    def __init__(
        self,
        struct: type[msgspec.Struct],
        fields: list[tuple[str, _FieldValidator, bool]],
        required: bool,
        embedded: bool = False,
    ) -> None:
        self.struct = struct
        self.fields = fields  # (name, validator, required)
        self.required = required
        self.embedded = embedded

    def validate(self, body: Any, errors: list[dict[str, Any]]) -> Any:
        if self.embedded:
            return self._validate_embedded(body, errors)
        if body is UNDEFINED:
            if self.required:
                errors.append(_missing(["body"], None))
                return None
            return self.struct()
        if type(body) is not dict:
            errors.append(
                _error(
                    "model_attributes_type",
                    ["body"],
                    "Input should be a valid dictionary or object to extract fields from",
                    _echo(body),
                )
            )
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

    def _validate_embedded(self, body: Any, errors: list[dict[str, Any]]) -> Any:
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


CREATE_BODY = BodySpec(
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
UPDATE_BODY = BodySpec(
    UpdateSessionRequest,
    [
        ("session_name", _optional_str, False),
        ("session_state", _optional_dict, False),
        ("metadata", _optional_dict, False),
        ("summary", _summary, False),
    ],
    required=True,
)
DELETE_BODY = BodySpec(
    DeleteSessionRequest,
    [
        ("session_ids", _list_of(_required_str, min_length=1), True),
        ("session_types", _list_of(_session_type_item, min_length=1), True),
    ],
    required=True,
)
RENAME_BODY = BodySpec(RenameSessionRequest, [("session_name", _required_str, True)], required=True, embedded=True)
