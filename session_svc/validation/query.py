"""Query strings: each route's parameters in FastAPI's declaration order, parsed like pydantic-core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from starlette.datastructures import QueryParams

from ..schemas import (
    INT64_MAX,
    CreateSessionQuery,
    DeleteSessionQuery,
    ListSessionsQuery,
    SessionQuery,
    SessionRunsQuery,
)
from .lax import Invalid, int_parser, parse_bool, parse_str, reorder_error, session_type, sort_order


class _Param:
    __slots__ = ("wire", "attr", "parse", "is_list", "index")

    def __init__(self, wire: str, attr: str, parse: Callable[[str], Any], is_list: bool = False) -> None:
        self.wire = wire
        self.attr = attr
        self.parse = parse
        self.is_list = is_list
        self.index = 0


class QuerySpec:
    """Query parameters of one route, in declaration order (the order FastAPI reports errors in)."""

    def __init__(
        self,
        struct: type[msgspec.Struct],
        params: list[_Param],
        check: Callable[[dict[str, Any], list[tuple[int, dict]]], None] | None = None,
    ) -> None:
        self.struct = struct
        self.by_wire: dict[str, _Param] = {}
        for index, param in enumerate(params):
            param.index = index
            self.by_wire[param.wire] = param
        self.check = check


def _str_param(name: str) -> _Param:
    return _Param(name, name, parse_str)


def _type_param() -> _Param:
    return _Param("type", "session_type", session_type)


def _offset_check(limit_index: int, page_index: int) -> Callable[[dict[str, Any], list[tuple[int, dict]]], None]:
    def check(values: dict[str, Any], errors: list[tuple[int, dict]]) -> None:
        """OFFSET (page-1)*limit must fit in a bigint; blame `page` with the largest page that fits."""
        if any(index in (limit_index, page_index) for index, _ in errors):
            return
        page = values.get("page", 1)
        limit = values.get("limit", 20)
        if (page - 1) * limit > INT64_MAX:
            le = INT64_MAX // limit + 1
            raw = values["_raw_page"]
            errors.append(
                (
                    page_index,
                    {
                        "type": "less_than_equal",
                        "loc": ["query", "page"],
                        "msg": f"Input should be less than or equal to {le}",
                        "input": raw,
                        "ctx": {"le": le},
                    },
                )
            )

    return check


def _limit_param() -> _Param:
    return _Param("limit", "limit", int_parser(ge=1, le=INT64_MAX))


def _page_param() -> _Param:
    return _Param("page", "page", int_parser(ge=1))  # upper bound: _offset_check


_LIST_PARAMS = [
    _type_param(),
    _str_param("component_id"),
    _str_param("user_id"),
    _str_param("session_name"),
    _limit_param(),
    _page_param(),
    _str_param("sort_by"),
    _Param("sort_order", "sort_order", sort_order),
    _str_param("db_id"),
    _str_param("table"),
    _str_param("cursor"),
]
_LIMIT_INDEX, _PAGE_INDEX = 4, 5

LIST_QUERY = QuerySpec(ListSessionsQuery, _LIST_PARAMS, check=_offset_check(_LIMIT_INDEX, _PAGE_INDEX))
CREATE_QUERY = QuerySpec(CreateSessionQuery, [_type_param(), _str_param("db_id")])
SESSION_QUERY = QuerySpec(
    SessionQuery, [_type_param(), _str_param("user_id"), _str_param("db_id"), _str_param("table")]
)
RUNS_QUERY = QuerySpec(
    SessionRunsQuery,
    [
        _type_param(),
        _str_param("user_id"),
        _Param("created_after", "created_after", int_parser()),
        _Param("created_before", "created_before", int_parser()),
        _Param("status", "status", parse_str, is_list=True),
        # Extension: the opt-in run pages of agno PR #8456, validated as GET /sessions validates them.
        _limit_param(),
        _page_param(),
        _str_param("db_id"),
        _str_param("table"),
    ],
    check=_offset_check(5, 6),
)
DELETE_QUERY = QuerySpec(
    DeleteSessionQuery,
    [
        _str_param("user_id"),
        _str_param("db_id"),
        _str_param("table"),
        _Param("delete_media", "delete_media", parse_bool),
    ],
)


def query_errors_and_values(query_params: Any, spec: QuerySpec) -> tuple[dict[str, Any], list[tuple[int, dict]]]:
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
        except Invalid as invalid:
            invalid.error["loc"] = ["query", wire]
            errors.append((param.index, reorder_error(invalid.error)))
            continue
        if wire == "page":
            values["_raw_page"] = raw
    if spec.check is not None:
        spec.check(values, errors)
    values.pop("_raw_page", None)
    return values, errors


def sorted_errors(errors: list[tuple[int, dict]]) -> list[dict]:
    errors.sort(key=lambda pair: pair[0])  # stable: several errors of one parameter keep their order
    return [error for _, error in errors]
