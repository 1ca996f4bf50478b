"""The ten /sessions routes (agno/os/routers/session/session.py: get_session_router): validate ->
resolve database -> one query -> render.

Handlers never see SQL text or driver errors, and the db layer never builds responses; what a write
stores is decided by writes.py. Error strings are AgentOS's,
word for word; they differ between routes on purpose (docs/contract.md, Quirks we reproduce).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from .. import cursor, render, writes
from ..db import sessions as queries
from ..db.database import Database
from ..errors import HTTPError
from ..jsonenc import dumps
from ..validation import (
    CREATE_SESSION,
    DELETE_SESSION,
    DELETE_SESSIONS,
    GET_RUN,
    GET_RUNS,
    GET_SESSION,
    LIST_SESSIONS,
    RENAME_SESSION,
    UPDATE_SESSION,
    RouteSpec,
    validate,
)
from ..writes import clean_text, has_nul

_TYPE_TITLES = {"agent": "Agent", "team": "Team", "workflow": "Workflow"}
_RUN_STATUSES = ("CANCELLED", "COMPLETED", "ERROR", "PAUSED", "PENDING", "REGENERATED", "RUNNING")
_RUN_STATUS_SET = frozenset(_RUN_STATUSES)


# Sessions with more runs than this are rendered and encoded in a worker thread: rendering 2,000
# runs takes ~100 ms of CPU, which on the event loop would stall every other request of the worker
# (/healthz included). The thread still shares the GIL, but the loop gets it back every switch
# interval (5 ms) instead of after the whole render.
_RENDER_OFF_LOOP_RUNS = 64


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
            return _json_array([dumps(item) for item in streamed(row, *args)])
        queries.decode_runs(row)
    return dumps(render_fn(row, *args))


def _json_array(items: list[bytes]) -> bytes:
    """The JSON array of already encoded items, as orjson writes a list (items joined by "," in
    brackets), copying the megabytes of a big answer once."""
    if not items:
        return b"[]"
    items[0] = b"[" + items[0]
    items[-1] += b"]"
    return b",".join(items)


async def _rendered(row: dict[str, Any], render_fn: Callable[..., Any], *args: Any, status: int = 200) -> Response:
    """`_json(render_fn(row, *args))`, off the event loop for sessions with many runs."""
    if "runs_text" in row:
        small = queries.runs_text_size(row) <= _RENDER_OFF_LOOP_JSON_CHARS
    else:
        small = len(row.get("runs") or ()) <= _RENDER_OFF_LOOP_RUNS
    if small:
        body = _body(row, render_fn, args)
    else:
        body = await anyio.to_thread.run_sync(_body, row, render_fn, args)
    return Response(body, status_code=status, media_type="application/json")


def _json(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json")


def _no_content() -> Response:
    # FastAPI's 204 still names its default media type (and sends no body or content-length).
    return _NoContentResponse()


class _NoContentResponse(Response):
    media_type = "application/json"

    def __init__(self) -> None:
        super().__init__(status_code=204)


async def _database(request: Request, db_id: str | None, table: str | None = None) -> Database:
    # AgentOS tests both for truthiness: an empty `db_id=` or `table=` counts as absent.
    db: Database = await request.app.state.registry.resolve(db_id or None, table or None)
    return db


def _scoped_user(request: Request, query_user_id: str | None) -> str | None:
    """The user every read/delete/rename is filtered by (agno/os/middleware/user_scope.py:
    get_scoped_user_id): the query's user_id unless an authenticated, isolated caller's identity
    replaces it. Called right after the
    database is chosen, where AgentOS's resolve_db_and_scope refuses a caller without identity."""
    if getattr(request.state, "missing_user_identity", False):
        raise HTTPError(403, "Authenticated request is missing a user identity")
    scope_user = getattr(request.state, "scoped_user_id", None)
    return scope_user if scope_user is not None else query_user_id


async def _one_session(request: Request, spec: RouteSpec) -> tuple[str, Any, Any, Database, str | None]:
    """(session_id, query, body, database, scoped user) of a route on /sessions/{session_id}: the
    validation, database and scope steps every such handler starts with, in AgentOS's order."""
    session_id = request.path_params["session_id"]
    q, body = await validate(request, spec)
    db = await _database(request, q.db_id, q.table)
    return session_id, q, body, db, _scoped_user(request, q.user_id)


# -- GET /sessions ---------------------------------------------------------------------------------


async def list_sessions(request: Request) -> Response:
    # page=0 and offsets beyond a bigint are 422s from validation (docs/contract.md, Declared differences).
    q, _ = await validate(request, LIST_SESSIONS)
    db = await _database(request, q.db_id, q.table)
    limit, page = q.limit, q.page
    user_id = _scoped_user(request, q.user_id)
    sort_by = q.sort_by if q.sort_by in queries.SORTABLE_COLUMNS else "created_at"
    descending = q.sort_order != "asc"
    # Extension: `cursor=` pages by keyset (session_svc/cursor.py); without it, AgentOS's pages.
    token = q.cursor
    walk = after = None
    if token is not None:
        walk = cursor.fingerprint(
            (db.db_id, q.session_type, q.component_id, user_id, q.session_name, sort_by, descending, limit)
        )
        page = 1
        if token:
            position = _cursor_codec(request).decode(token, walk)
            page = position.page
            after = queries.KeysetAfter(position.key, position.session_id)
    meta: dict[str, Any] = {"page": page, "limit": limit}
    more = False
    rows: list[dict[str, Any]] = []
    total = 0
    if has_nul(user_id, q.component_id, q.session_name):
        pass  # PostgreSQL text cannot hold NUL, so nothing stored can match such a filter
    else:
        rows, total, more = await queries.list_sessions(
            db,
            session_type=q.session_type,
            component_id=q.component_id,
            user_id=user_id,
            session_name=q.session_name,
            sort_by=sort_by,
            descending=descending,
            limit=limit,
            offset=q.offset,
            keyset=walk is not None,
            after=after,
        )
    meta["total_pages"] = (total + limit - 1) // limit
    meta["total_count"] = total
    meta["search_time_ms"] = 0.0
    if walk is not None:
        next_cursor = None
        if more:
            last = rows[-1]
            next_cursor = _cursor_codec(request).encode(
                walk, cursor.Position(page + 1, last["cursor_key"], last["session_id"])
            )
        for row in rows:
            del row["cursor_key"]
        meta["next_cursor"] = next_cursor  # null on the last page
    return _json({"data": [render.list_item(row) for row in rows], "meta": meta})


def _cursor_codec(request: Request) -> cursor.CursorCodec:
    """One codec per app, keyed by the deployment's secret (known once the databases are)."""
    state = request.app.state
    codec = getattr(state, "cursor_codec", None)
    if codec is None:
        dsns = [(db.db_id, db.dsn) for db in state.registry.databases.values()]
        codec = state.cursor_codec = cursor.CursorCodec(cursor.cursor_secret(state.settings, dsns))
    return codec


# -- POST /sessions --------------------------------------------------------------------------------


async def create_session(request: Request) -> Response:
    q, body = await validate(request, CREATE_SESSION)
    db = await _database(request, q.db_id)
    scoped = _scoped_user(request, None)
    session_type = q.session_type
    # Any authenticated identity owns what it creates; a scoped caller always owns it (session.py: create_session).
    owner = getattr(request.state, "user_id", None)
    user_id = scoped if scoped is not None else owner if owner is not None else body.user_id
    session_id = body.session_id or str(uuid.uuid4())
    row = await queries.insert_session(
        db, writes.new_session(body, session_type, session_id, user_id, int(time.time()))
    )
    if row is None:
        # The id is taken. Only a caller who may see that session learns it exists (session.py: create_session).
        taken_by = await queries.session_owner(db, session_id)
        if scoped is None or (taken_by is not None and taken_by["user_id"] == scoped):
            raise HTTPError(
                409, f"Session with id '{session_id}' already exists. Use PATCH /sessions/{session_id} to update it."
            )
        raise HTTPError(
            409,
            "Could not create a session with the supplied session_id. "
            "Omit session_id to have one generated, or choose a different one.",
        )
    return _json(render.session_detail(row, session_type, keep_nulls=False), status=201)


# -- GET /sessions/{session_id} --------------------------------------------------------------------


async def get_session(request: Request) -> Response:
    session_id, q, _, db, user_id = await _one_session(request, GET_SESSION)
    row = None if has_nul(session_id, user_id) else await queries.get_session_detail(db, session_id, user_id)
    if row is None:
        if q.session_type is None:
            raise HTTPError(404, f"Session with id '{session_id}' not found")
        raise HTTPError(404, f"{_TYPE_TITLES[q.session_type]} Session with id '{session_id}' not found")
    return await _rendered(row, render.session_detail, q.session_type, False)


# -- GET /sessions/{session_id}/runs and /run-previews ---------------------------------------------


async def get_session_runs(request: Request) -> Response:
    return await _runs_answer(request, render.session_runs)


async def get_session_run_previews(request: Request) -> Response:
    return await _runs_answer(request, render.run_previews)


async def _runs_answer(request: Request, render_fn: Callable[..., list[Any]]) -> Response:
    """The bare array, or with `limit`/`page` (extension, agno PR #8456) one page of it as
    {"data": [...], "meta": {...}}, GET /sessions' envelope, paged in SQL."""
    session_id = request.path_params["session_id"]
    q, _ = await validate(request, GET_RUNS)
    statuses = _checked_statuses(q.status)
    if not q.paged:
        row = await _runs_session(request, q, session_id, render_fn is render.run_previews)
        return await _rendered(row, render_fn, q.session_type, q.created_after, q.created_before, statuses)
    db = await _database(request, q.db_id, q.table)
    user_id = _scoped_user(request, q.user_id)
    limit, offset = q.page_limit, q.offset
    found = None
    if not has_nul(session_id, user_id):
        found = await queries.get_session_runs_page(
            db, session_id, user_id, session_type=q.session_type, created_after=q.created_after,
            created_before=q.created_before, statuses=sorted(statuses) if statuses else None,
            limit=limit, offset=offset,
        )  # fmt: skip
    if found is None:
        raise HTTPError(404, f"Session with ID {session_id} not found")
    row, total = found

    def page_body() -> bytes:
        # The statement applied the filters; the renderer applies the same ones again (a no-op),
        # so a page renders exactly as its runs do in the bare array.
        runs = render_fn(row, q.session_type, q.created_after, q.created_before, statuses)
        count = total
        if count is None:  # legacy runs merged in Python: page the rendered list
            count = len(runs)
            runs = runs[offset : offset + limit]
        meta = {"page": q.page_number, "limit": limit, "total_pages": (count + limit - 1) // limit,
                "total_count": count, "search_time_ms": 0.0}  # fmt: skip
        return dumps({"data": runs, "meta": meta})

    if len(row["runs"]) <= _RENDER_OFF_LOOP_RUNS:
        body = page_body()
    else:
        body = await anyio.to_thread.run_sync(page_body)
    return Response(body, media_type="application/json")


def _checked_statuses(status: list[str] | None) -> set[str] | None:
    """The `status` values, upper-cased; 400 (before any database work) for an unknown one."""
    if not status:
        return None
    statuses = {value.upper() for value in status}
    unknown = sorted(statuses - _RUN_STATUS_SET)
    if unknown:
        raise HTTPError(400, f"Invalid status value(s) {unknown}; expected one of {list(_RUN_STATUSES)}")
    return statuses


async def _runs_session(request: Request, q: Any, session_id: str, previews: bool) -> dict[str, Any]:
    db = await _database(request, q.db_id, q.table)
    user_id = _scoped_user(request, q.user_id)
    read = queries.get_session_for_previews if previews else queries.get_session
    row = None if has_nul(session_id, user_id) else await read(db, session_id, user_id)
    if row is None:
        raise HTTPError(404, f"Session with ID {session_id} not found")
    return row


# -- GET /sessions/{session_id}/runs/{run_id} ------------------------------------------------------


async def get_session_run(request: Request) -> Response:
    run_id = request.path_params["run_id"]
    session_id, q, _, db, user_id = await _one_session(request, GET_RUN)
    row = None
    if has_nul(session_id, user_id):
        pass
    elif has_nul(run_id):  # no stored run_id holds NUL: the whole session, for the lookup's 404 text
        row = await queries.get_session(db, session_id, user_id)
        row = queries.decode_runs(row) if row is not None else None
    else:
        row = await queries.get_session_run(db, session_id, user_id, run_id)
    if row is None:
        raise HTTPError(404, f"Session with ID {session_id} not found")
    try:
        return _json(render.single_run(row, run_id))
    except render.RunLookupError as exc:  # "has no runs" / "Run with ID ... not found in session ..."
        raise HTTPError(404, exc.detail) from None


# -- DELETE /sessions/{session_id} and DELETE /sessions --------------------------------------------


async def delete_session(request: Request) -> Response:
    q, _ = await validate(request, DELETE_SESSION)
    await _delete(request, q, [request.path_params["session_id"]])
    return _no_content()


async def delete_sessions(request: Request) -> Response:
    q, body = await validate(request, DELETE_SESSIONS)
    if len(body.session_ids) != len(body.session_types):
        raise HTTPError(400, "Session IDs and session types must have the same length")
    await _delete(request, q, body.session_ids)
    return _no_content()


async def _delete(request: Request, q: Any, session_ids: list[str]) -> None:
    """Both deletes, after their own checks: database, scope, the media 503, then one statement."""
    db = await _database(request, q.db_id, q.table)
    user_id = _scoped_user(request, q.user_id)
    if q.delete_media:
        raise HTTPError(503, "Media storage is not configured on AgentOS")
    if not has_nul(user_id):
        # Ids holding NUL cannot exist in PostgreSQL; dropping them keeps the statement valid.
        ids = [session_id for session_id in session_ids if not has_nul(session_id)]
        if ids:
            await queries.delete_sessions(db, ids, user_id)


# -- POST /sessions/{session_id}/rename ------------------------------------------------------------


async def rename_session(request: Request) -> Response:
    session_id, q, body, db, user_id = await _one_session(request, RENAME_SESSION)
    row = None
    if not has_nul(session_id, user_id):
        row = await queries.rename_session(db, session_id, clean_text(body.session_name), q.session_type, user_id)
    if row is None:
        raise HTTPError(404, f"Session with id '{session_id}' not found")
    return await _rendered(row, render.session_detail, q.session_type, True)


# -- PATCH /sessions/{session_id} ------------------------------------------------------------------


async def update_session(request: Request) -> Response:
    session_id, q, body, db, user_id = await _one_session(request, UPDATE_SESSION)
    row = None
    if not has_nul(session_id, user_id):
        patch = writes.session_patch(body, int(time.time()))
        row = await queries.patch_session(
            db, session_id, user_id, patch, getattr(request.state, "scoped_user_id", None)
        )
    if row is None:
        raise HTTPError(404, f"Session with id '{session_id}' not found")
    # AgentOS answers from the upserted row, re-read as the type it stores, whatever `type` said.
    return await _rendered(row, render.session_detail, None, True)
