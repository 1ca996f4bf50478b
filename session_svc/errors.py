"""The error tree: every exception that becomes an HTTP answer, in AgentOS's `{"detail": ...}` shape.

    Exception
    ├── ServiceError                          base: raised on purpose, renders itself (to_response)
    │   ├── HTTPError(status, detail)         -> status, {"detail": "<detail>"}
    │   │   │                                    (FastAPI's HTTPException; 400/403/404/409/503 ...)
    │   │   ├── BodyTooLarge(max_bytes)       -> 413 (middleware/limits.py raises it from `receive`)
    │   │   ├── PresetRunConflict             -> 409 (db/sessions.py: a preset run_id is taken)
    │   │   ├── KeyTooLong                    -> 400 (db/sessions.py: PostgreSQL's index-row limit)
    │   │   └── DatabaseFault(status, kind, db_id, retry_after)
    │   │                                     -> 503 + Retry-After (down, busy) or 504 (statement
    │   │                                        timeout); raised by db/faults.py's GuardedPool only
    │   └── RequestValidationError(errors)    -> 422, {"detail": [<pydantic-style error>, ...]}
    │                                            (FastAPI's RequestValidationError)
    ├── env.ConfigError                       start-up only: one line naming the variable, exit 2
    └── internal, caught before they reach a client:
        ├── validation.lax.Invalid            one query value's error; validation adds `loc` -> 422
        ├── validation.body.BodyTooDeep       nesting past MAX_VALUE_DEPTH -> HTTPError 400
        └── render.RunLookupError(detail)     GET .../runs/{run_id} -> HTTPError 404 in endpoints/

Anything else a handler raises is a bug: middleware/recovery.py answers it with AgentOS's 500
`Internal server error (<Type>)`. The app needs one exception handler for the whole tree:

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

from .jsonenc import utf8_encodable

__all__ = [
    "BODY_PARSE_ERROR_DETAIL",
    "BodyTooLarge",
    "DatabaseFault",
    "HTTPError",
    "KeyTooLong",
    "PresetRunConflict",
    "RequestValidationError",
    "ServiceError",
]

# FastAPI's answer when the body cannot be read as JSON at all (not a JSONDecodeError: bad UTF-8,
# nesting too deep).
BODY_PARSE_ERROR_DETAIL = "There was an error parsing the body"

_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


class ServiceError(Exception):
    """Base class: `status`, `body()` and `headers()` make the response."""

    status: int = 500

    def body(self) -> bytes:
        raise NotImplementedError

    def headers(self) -> dict[str, str] | None:
        return None

    def to_response(self) -> Response:
        response = Response(self.body(), status_code=self.status, media_type="application/json")
        extra = self.headers()
        if extra:
            response.headers.update(extra)  # after content-length/-type, where they always were
        return response


class HTTPError(ServiceError):
    """An error with a string detail, like FastAPI's HTTPException: `{"detail": "<detail>"}`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail

    def body(self) -> bytes:
        return _ENCODE({"detail": _printable(self.detail)}).encode("utf-8")


class BodyTooLarge(HTTPError):
    """Raised from `receive` once a streamed body passes the limit. An HTTPError, so a handler
    reading the body lets it through (validation re-raises ServiceErrors) and it renders as 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"Request body is larger than the limit of {max_bytes} bytes")


class PresetRunConflict(HTTPError):
    """Only a preset run can collide on create (the session insert is ON CONFLICT DO NOTHING): run
    ids are agno_runs' primary key, unique across all sessions. Nothing was written."""

    def __init__(self) -> None:
        super().__init__(
            409, "A preset run's run_id already exists (run ids are unique across all sessions, and within `runs`)"
        )


class KeyTooLong(HTTPError):
    """PostgreSQL refuses index entries over ~2.7 kB (after compression): a huge session_id, or a
    preset run's run_id/agent_id/... Nothing was written."""

    def __init__(self) -> None:
        super().__init__(400, "A session_id, user_id or run field is too long for PostgreSQL to index")


class DatabaseFault(HTTPError):
    """A database that is down, busy or too slow (db/faults.py decides which); clients only ever see
    the db_id. `kind` names it in metrics and logs; `retry_after` (seconds) becomes Retry-After."""

    RETRY_AFTER_DOWN = 5  # seconds; the health probe retries every second, clients need not hammer
    RETRY_AFTER_BUSY = 1

    def __init__(self, status: int, detail: str, *, kind: str, db_id: str, retry_after: int | None = None) -> None:
        super().__init__(status, detail)
        self.kind = kind
        self.db_id = db_id
        self.retry_after = retry_after

    @classmethod
    def unavailable(cls, db_id: str) -> DatabaseFault:
        """503: the database is down or unreachable."""
        return cls(
            503, f"Database '{db_id}' is unavailable", kind="unavailable", db_id=db_id, retry_after=cls.RETRY_AFTER_DOWN
        )

    @classmethod
    def busy(cls, db_id: str) -> DatabaseFault:
        """503: every pooled connection stayed in use for AGNO_POOL_TIMEOUT seconds."""
        return cls(
            503,
            f"Database '{db_id}' is busy, retry later",
            kind="pool_timeout",
            db_id=db_id,
            retry_after=cls.RETRY_AFTER_BUSY,
        )

    @classmethod
    def timeout(cls, db_id: str) -> DatabaseFault:
        """504: the server cancelled the statement (statement_timeout)."""
        return cls(504, "Request timed out", kind="statement_timeout", db_id=db_id)

    def headers(self) -> dict[str, str] | None:
        return None if self.retry_after is None else {"Retry-After": str(self.retry_after)}


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
        return value.isascii() or utf8_encodable(value)
    return isinstance(value, (int, bool)) or value is None


def _printable_str(s: str) -> str:
    return s if s.isascii() or utf8_encodable(s) else s.encode("utf-8", "backslashreplace").decode("utf-8")
