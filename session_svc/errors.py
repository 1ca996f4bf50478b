"""Exceptions that become HTTP error responses, in AgentOS's `{"detail": ...}` shape.

    Exception
    └── ServiceError                      base: anything a route may raise on purpose
        ├── HTTPError(status, detail)     -> status, {"detail": "<detail>"}
        │                                    (HTTPException in AgentOS; 400/404/409/500 ...)
        └── RequestValidationError(errors)-> 422,  {"detail": [<pydantic-style error>, ...]}
                                             (FastAPI's RequestValidationError)

Each error carries its own status and renders its own body, so the app needs one exception handler:

    async def on_service_error(request, exc: ServiceError) -> Response:
        return exc.to_response()

Bodies are encoded exactly as Starlette's JSONResponse encodes them (`json.dumps` with
`ensure_ascii=False, separators=(",", ":")`): compact, raw UTF-8, Python's float repr (`1e+20`) and
arbitrary-size ints. Validation errors echo client input, which may hold values that JSON cannot carry
(NaN, lone surrogates); those are made printable first (see `_printable`) so rendering never fails.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import Response

__all__ = ["ServiceError", "HTTPError", "RequestValidationError", "BODY_PARSE_ERROR_DETAIL"]

# FastAPI's answer when the body cannot be read as JSON at all (not a JSONDecodeError: bad UTF-8,
# nesting too deep).
BODY_PARSE_ERROR_DETAIL = "There was an error parsing the body"

_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


class ServiceError(Exception):
    """Base class: `status` and `body()` make the response."""

    status: int = 500

    def body(self) -> bytes:
        raise NotImplementedError

    def to_response(self) -> Response:
        return Response(self.body(), status_code=self.status, media_type="application/json")


class HTTPError(ServiceError):
    """An error with a string detail, like FastAPI's HTTPException: `{"detail": "<detail>"}`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail

    def body(self) -> bytes:
        return _ENCODE({"detail": _printable(self.detail)}).encode("utf-8")


class RequestValidationError(ServiceError):
    """422 with FastAPI's list of errors; each is {"type","loc","msg","input"[,"ctx"]} in that order."""

    status = 422

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors

    def body(self) -> bytes:
        return _ENCODE({"detail": _printable(self.errors)}).encode("utf-8")


def _printable(value: Any) -> Any:
    """A copy of `value` that JSON can carry as UTF-8.

    Only needed for echoed client input: NaN/Infinity become the strings "NaN"/"Infinity"/"-Infinity"
    (FastAPI would emit invalid JSON or fail), and strings with lone surrogates show them as `\\ud800`
    escapes (they cannot be UTF-8 encoded). Iterative, so depth is not limited by Python's stack.
    """
    if _is_plain(value):
        return value
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    while stack:
        item, parent, key = stack.pop()
        if isinstance(item, dict):
            copy: Any = {}
            parent[key] = copy
            for k, v in item.items():
                k2 = _printable_str(k) if isinstance(k, str) else k
                copy[k2] = None
                stack.append((v, copy, k2))
        elif isinstance(item, (list, tuple)):
            copy = [None] * len(item)
            parent[key] = copy
            for i, v in enumerate(item):
                stack.append((v, copy, i))
        elif isinstance(item, str):
            parent[key] = _printable_str(item)
        elif isinstance(item, float) and not math.isfinite(item):
            parent[key] = "NaN" if item != item else ("Infinity" if item > 0 else "-Infinity")
        else:
            parent[key] = item
    return root[0]


def _is_plain(value: Any) -> bool:
    """Fast check for the common case: a string detail that encodes as UTF-8."""
    if isinstance(value, str):
        return value.isascii() or _encodes(value)
    return isinstance(value, (int, bool)) or value is None


def _printable_str(s: str) -> str:
    return s if s.isascii() or _encodes(s) else s.encode("utf-8", "backslashreplace").decode("utf-8")


def _encodes(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
