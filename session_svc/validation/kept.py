"""What a kept value (one that will be stored, or echoed in an error) must be: finite floats,
strings that UTF-8 can carry (no lone surrogates), containers nested at most MAX_VALUE_DEPTH deep.

pydantic accepts all of these; PostgreSQL's jsonb or our encoders (orjson stops at 254 levels) do
not, and AgentOS answers 500 there (docs/contract.md, Declared differences). The errors are
pydantic-shaped (`finite_number`, `string_unicode`) with the value's loc.
"""

from __future__ import annotations

import math
from typing import Any

from ..jsonenc import utf8_encodable

# Kept values nest at most this deep: below orjson's 254 levels, so anything stored can be written
# back out inside a response (validation/__init__.py says why).
MAX_VALUE_DEPTH = 200


def pydantic_error(
    type_: str, loc: list[Any], msg: str, input_: Any, ctx: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A pydantic error dict in FastAPI's key order.

    An input that is echoed back must be shallow enough to encode (see MAX_VALUE_DEPTH).
    """
    if type(input_) is dict or type(input_) is list:
        check_depth(input_)
    error = {"type": type_, "loc": loc, "msg": msg, "input": input_}
    if ctx is not None:
        error["ctx"] = ctx
    return error


class BodyTooDeep(Exception):
    """A value nests deeper than MAX_VALUE_DEPTH: answered with FastAPI's 400 for unparsable bodies."""


def check_depth(value: Any) -> None:
    """Raise BodyTooDeep if containers nest deeper than MAX_VALUE_DEPTH (iteratively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_VALUE_DEPTH:
            raise BodyTooDeep
        members = item.values() if type(item) is dict else item
        stack.extend((member, depth + 1) for member in members if type(member) is dict or type(member) is list)


def _is_clean(value: Any, depth: int = 1) -> bool:
    """Fast check of a kept value (the common case): finite floats, encodable strings, depth bound.

    Recursion is bounded by MAX_VALUE_DEPTH (it stops descending past it). The member check is
    written out for dict values and for list items rather than called: it runs on every value of
    every write body, and a helper would add a Python call per value.
    """
    if depth > MAX_VALUE_DEPTH:
        return False
    if type(value) is dict:
        for key, member in value.items():
            if not key.isascii() and not utf8_encodable(key):
                return False
            kind = type(member)
            if kind is str:
                if not member.isascii() and not utf8_encodable(member):
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
            if not member.isascii() and not utf8_encodable(member):
                return False
        elif kind is dict or kind is list:
            if not _is_clean(member, depth + 1):
                return False
        elif kind is float and not _isfinite(member):
            return False
    return True


_isfinite = math.isfinite


def kept_value_errors(value: Any, loc: list[Any], errors: list[dict[str, Any]]) -> None:
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
                raise BodyTooDeep
            entries = []
            for key, member in item.items():
                if not key.isascii() and not utf8_encodable(key):
                    errors.append(string_unicode(where + [key], key))
                entries.append((member, where + [key], depth + 1))
            stack.extend(reversed(entries))  # report in document order
        elif kind is list:
            if depth > MAX_VALUE_DEPTH:
                raise BodyTooDeep
            stack.extend((member, where + [i], depth + 1) for i, member in reversed(list(enumerate(item))))
        elif kind is str:
            if not item.isascii() and not utf8_encodable(item):
                errors.append(string_unicode(where, item))
        elif kind is float and not math.isfinite(item):
            errors.append(pydantic_error("finite_number", where, "Input should be a finite number", item))


def string_unicode(loc: list[Any], value: str) -> dict[str, Any]:
    return pydantic_error(
        "string_unicode", loc, "Input should be a valid string, unable to parse raw data as a unicode string", value
    )
