"""pydantic-core's lax parsing of query-string values (str -> int, bool, enum), as FastAPI applies it.

Each parser returns the value or raises `Invalid` carrying pydantic's error (type, msg, input[, ctx])
without `loc`; the caller adds it. Verified against pydantic 2.14.4 by differential fuzzing; the
int rules follow pydantic-core's `str_as_int` (jiter's strict JSON integer first, then
`clean_int_str`), quirks included: "0-5" is -5, "5_000" is 5000, "5.00" is 5.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..schemas import SESSION_TYPES, SORT_ORDERS

__all__ = [
    "Invalid",
    "str_to_int",
    "int_parser",
    "parse_bool",
    "enum_checker",
    "parse_str",
    "session_type",
    "sort_order",
    "reorder_error",
]


class Invalid(Exception):
    """One failed value; carries the error dict minus `loc` (the caller knows where it was)."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error


def reorder_error(error: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's key order: type, loc, msg, input, ctx."""
    ordered = {"type": error["type"], "loc": error["loc"], "msg": error["msg"], "input": error["input"]}
    if "ctx" in error:
        ordered["ctx"] = error["ctx"]
    return ordered


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
            return s[i - 1 :]
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
        decimals = s[dot + 1 :]
        if decimals and decimals.strip("0") == "":
            s = s[:dot]
    without_underscores = _strip_underscores(s)
    if without_underscores is not None:
        return "-" + without_underscores if negative else without_underscores
    if length_before == len(s):
        return None
    return "-" + s if negative else s


def str_to_int(raw: str) -> int:
    """pydantic-core's str_as_int (lax str -> int)."""
    try:
        value = _json_int(raw)
    except _OutOfRange:
        raise Invalid({"type": "int_parsing_size", "msg": _INT_PARSING_SIZE, "input": raw}) from None
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
    raise Invalid({"type": "int_parsing", "msg": _INT_PARSING, "input": raw})


def int_parser(ge: int | None = None, le: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = str_to_int(raw)
        if ge is not None and value < ge:
            raise Invalid(
                {
                    "type": "greater_than_equal",
                    "msg": f"Input should be greater than or equal to {ge}",
                    "input": raw,
                    "ctx": {"ge": ge},
                }
            )
        if le is not None and value > le:
            raise Invalid(
                {
                    "type": "less_than_equal",
                    "msg": f"Input should be less than or equal to {le}",
                    "input": raw,
                    "ctx": {"le": le},
                }
            )
        return value

    return parse


# pydantic-core's words for a lax bool (src/input/shared.rs: str_as_bool); render/values.py's
# as_bool reads stored values with the same list.
LAX_TRUE_WORDS = frozenset({"1", "t", "y", "yes", "on", "true"})
LAX_FALSE_WORDS = frozenset({"0", "f", "n", "no", "off", "false"})


def parse_bool(raw: str) -> bool:
    # pydantic: exact words, ASCII case-insensitive, no trimming.
    if raw.isascii():
        word = raw.lower()
        if word in LAX_TRUE_WORDS:
            return True
        if word in LAX_FALSE_WORDS:
            return False
    raise Invalid(
        {"type": "bool_parsing", "msg": "Input should be a valid boolean, unable to interpret input", "input": raw}
    )


def _enum_expected(values: tuple[str, ...]) -> str:
    quoted = [f"'{v}'" for v in values]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]


def enum_checker(values: tuple[str, ...]) -> Callable[[Any], str]:
    allowed = frozenset(values)
    expected = _enum_expected(values)
    message = f"Input should be {expected}"

    def check(raw: Any) -> str:
        if type(raw) is str and raw in allowed:
            return raw
        raise Invalid({"type": "enum", "msg": message, "input": raw, "ctx": {"expected": expected}})

    return check


def parse_str(raw: str) -> str:
    return raw


session_type = enum_checker(SESSION_TYPES)
sort_order = enum_checker(SORT_ORDERS)
