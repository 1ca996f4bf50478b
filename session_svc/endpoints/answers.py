"""What every /sessions handler shares: choosing the database and the scoped user, and turning a
rendered answer into a response (off the event loop for sessions with many runs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from .. import render
from ..db import sessions as queries
from ..db.database import Database
from ..errors import HTTPError
from ..jsonenc import dumps
from ..validation import RouteSpec, validate

# Sessions with more runs than this are rendered and encoded in a worker thread: rendering 2,000
# runs takes ~100 ms of CPU, which on the event loop would stall every other request of the worker
# (/healthz included). The thread still shares the GIL, but the loop gets it back every switch
# interval (5 ms) instead of after the whole render.
RENDER_OFF_LOOP_RUNS = 64


# The same bound for runs still in JSON text (queries.get_session): decoding is the other half of
# the CPU a big session costs, so it happens in that thread too.
_RENDER_OFF_LOOP_JSON_CHARS = 256 * 1024

# Array answers rendered one run at a time from lazily decoded runs (queries.iter_runs): the
# worker holds the runs' text and the answer's bytes, never every run decoded and rendered at once.
_STREAMED = {render.session_runs: render.iter_session_runs, render.run_previews: render.iter_run_previews}


def _body(row: dict[str, Any], render_fn: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    if "runs_text" in row:
        streamed = _STREAMED.get(render_fn)
        if streamed is not None:
            row["runs"] = queries.iter_runs(row)
            return json_array([dumps(item) for item in streamed(row, *args)])
        queries.decode_runs(row)
    return dumps(render_fn(row, *args))


def json_array(items: list[bytes]) -> bytes:
    """The JSON array of already encoded items, as orjson writes a list (items joined by "," in
    brackets), copying the megabytes of a big answer once."""
    if not items:
        return b"[]"
    items[0] = b"[" + items[0]
    items[-1] += b"]"
    return b",".join(items)


async def rendered(row: dict[str, Any], render_fn: Callable[..., Any], *args: Any, status: int = 200) -> Response:
    """`json_response(render_fn(row, *args))`, off the event loop for sessions with many runs."""
    if "runs_text" in row:
        small = queries.runs_text_size(row) <= _RENDER_OFF_LOOP_JSON_CHARS
    else:
        small = len(row.get("runs") or ()) <= RENDER_OFF_LOOP_RUNS
    body = await encoded(_body, row, render_fn, args, off_loop=not small)
    return Response(body, status_code=status, media_type="application/json")


async def encoded(encode: Callable[..., bytes], *args: Any, off_loop: bool) -> bytes:
    """`encode(*args)`, in a worker thread when `off_loop` (a big session's answer)."""
    if off_loop:
        return await anyio.to_thread.run_sync(encode, *args)
    return encode(*args)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json")


def no_content() -> Response:
    # FastAPI's 204 still names its default media type (and sends no body or content-length).
    return _NoContentResponse()


class _NoContentResponse(Response):
    media_type = "application/json"

    def __init__(self) -> None:
        super().__init__(status_code=204)


async def database(request: Request, db_id: str | None, table: str | None = None) -> Database:
    # AgentOS tests both for truthiness: an empty `db_id=` or `table=` counts as absent.
    db: Database = await request.app.state.registry.resolve(db_id or None, table or None)
    return db


def scoped_user(request: Request, query_user_id: str | None) -> str | None:
    """The user every read/delete/rename is filtered by (agno/os/middleware/user_scope.py:
    get_scoped_user_id): the query's user_id unless an authenticated, isolated caller's identity
    replaces it. Called right after the
    database is chosen, where AgentOS's resolve_db_and_scope refuses a caller without identity."""
    if getattr(request.state, "missing_user_identity", False):
        raise HTTPError(403, "Authenticated request is missing a user identity")
    scope_user = getattr(request.state, "scoped_user_id", None)
    return scope_user if scope_user is not None else query_user_id


async def one_session(request: Request, spec: RouteSpec) -> tuple[str, Any, Any, Database, str | None]:
    """(session_id, query, body, database, scoped user) of a route on /sessions/{session_id}: the
    validation, database and scope steps every such handler starts with, in AgentOS's order."""
    session_id = request.path_params["session_id"]
    q, body = await validate(request, spec)
    db = await database(request, q.db_id, q.table)
    return session_id, q, body, db, scoped_user(request, q.user_id)
