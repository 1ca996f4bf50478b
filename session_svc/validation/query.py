"""Query strings: each route's parameters in FastAPI's declaration order, parsed like pydantic-core."""

from __future__ import annotations

from collections.abc import Callable
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

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
from .lax import Invalid, enum_checker, int_parser, parse_bool, parse_str, reorder_error


class _Param:
    __slots__ = ("wire", "attr", "parse", "is_list", "index")

    def __init__(self, wire: str, attr: str, parse: Callable[[str], Any], is_list: bool, index: int) -> None:
        self.wire = wire
        self.attr = attr
        self.parse = parse
        self.is_list = is_list
        self.index = index


def _parser(annotation: Any) -> tuple[Callable[[str], Any], bool]:
    """(parser of one raw value, repeatable) for a query field's type, as pydantic-core parses it."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):  # `X | None`: a missing parameter is the default, never null
        (annotation,) = (arg for arg in get_args(annotation) if arg is not type(None))
        origin = get_origin(annotation)
    if origin is Annotated:
        base, *metas = get_args(annotation)
        assert base is int, annotation
        bounds = [meta for meta in metas if isinstance(meta, msgspec.Meta)]
        ge, le = bounds[0].ge, bounds[0].le
        assert (ge is None or isinstance(ge, int)) and (le is None or isinstance(le, int)), annotation
        return int_parser(ge=ge, le=le), False
    if origin is Literal:
        return enum_checker(get_args(annotation)), False
    if origin is list:
        return parse_str, True  # `status`: every value, raw (the route checks them)
    parsers: dict[Any, Callable[[str], Any]] = {str: parse_str, int: int_parser(), bool: parse_bool}
    return parsers[annotation], False


class QuerySpec:
    """Query parameters of one route, read from its Struct's fields in declaration order (the order
    FastAPI reports errors in): wire name (`msgspec.field(name=...)`), type and bounds."""

    def __init__(
        self,
        struct: type[msgspec.Struct],
        check: Callable[[QuerySpec, dict[str, Any], list[tuple[int, dict[str, Any]]]], None] | None = None,
    ) -> None:
        self.struct = struct
        self.by_wire: dict[str, _Param] = {}
        for index, field in enumerate(msgspec.structs.fields(struct)):
            parse, is_list = _parser(field.type)
            self.by_wire[field.encode_name] = _Param(field.encode_name, field.name, parse, is_list, index)
        self.check = check

    def index(self, wire: str) -> int:
        return self.by_wire[wire].index


def _check_offset(spec: QuerySpec, values: dict[str, Any], errors: list[tuple[int, dict[str, Any]]]) -> None:
    """OFFSET (page-1)*limit must fit in a bigint; blame `page` with the largest page that fits."""
    limit_index, page_index = spec.index("limit"), spec.index("page")
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


LIST_QUERY = QuerySpec(ListSessionsQuery, check=_check_offset)
CREATE_QUERY = QuerySpec(CreateSessionQuery)
SESSION_QUERY = QuerySpec(SessionQuery)
RUNS_QUERY = QuerySpec(SessionRunsQuery, check=_check_offset)
DELETE_QUERY = QuerySpec(DeleteSessionQuery)


def query_errors_and_values(
    query_params: Any, spec: QuerySpec
) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
    if isinstance(query_params, (str, bytes)):
        query_params = QueryParams(query_params)
    values: dict[str, Any] = {}
    errors: list[tuple[int, dict[str, Any]]] = []
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
        spec.check(spec, values, errors)
    values.pop("_raw_page", None)
    return values, errors


def sorted_errors(errors: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    errors.sort(key=lambda pair: pair[0])  # stable: several errors of one parameter keep their order
    return [error for _, error in errors]
