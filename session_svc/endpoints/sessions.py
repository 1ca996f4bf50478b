"""The session routes of /sessions (agno/os/routers/session/session.py: get_session_router; the run
routes are in runs.py): validate -> resolve database -> one query -> render.

Handlers never see SQL text or driver errors, and the db layer never builds responses; what a write
stores is decided by writes.py. Error strings are AgentOS's,
word for word; they differ between routes on purpose (docs/contract.md, Quirks we reproduce).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .. import cursor, render, writes
from ..db import listing
from ..db import sessions as queries
from ..errors import HTTPError
from ..schemas import SORTABLE_COLUMNS
from ..validation import (
    CREATE_SESSION,
    DELETE_SESSION,
    DELETE_SESSIONS,
    GET_SESSION,
    LIST_SESSIONS,
    RENAME_SESSION,
    UPDATE_SESSION,
    validate,
)
from ..writes import clean_text, has_nul
from .answers import database, json_response, no_content, one_session, rendered, scoped_user

_TYPE_TITLES = {"agent": "Agent", "team": "Team", "workflow": "Workflow"}


# -- GET /sessions ---------------------------------------------------------------------------------


async def list_sessions(request: Request) -> Response:
    # page=0 and offsets beyond a bigint are 422s from validation (docs/contract.md, Declared differences).
    q, _ = await validate(request, LIST_SESSIONS)
    db = await database(request, q.db_id, q.table)
    limit, page = q.limit, q.page
    user_id = scoped_user(request, q.user_id)
    sort_by = q.sort_by if q.sort_by in SORTABLE_COLUMNS else "created_at"
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
            after = listing.KeysetAfter(position.key, position.session_id)
    meta: dict[str, Any] = {"page": page, "limit": limit}
    more = False
    rows: list[dict[str, Any]] = []
    total = 0
    if has_nul(user_id, q.component_id, q.session_name):
        pass  # PostgreSQL text cannot hold NUL, so nothing stored can match such a filter
    else:
        rows, total, more = await listing.list_sessions(
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
    return json_response({"data": [render.list_item(row) for row in rows], "meta": meta})


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
    db = await database(request, q.db_id)
    scoped = scoped_user(request, None)
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
    return json_response(render.session_detail(row, session_type, keep_nulls=False), status=201)


# -- GET /sessions/{session_id} --------------------------------------------------------------------


async def get_session(request: Request) -> Response:
    session_id, q, _, db, user_id = await one_session(request, GET_SESSION)
    row = None if has_nul(session_id, user_id) else await queries.get_session_detail(db, session_id, user_id)
    if row is None:
        if q.session_type is None:
            raise HTTPError(404, f"Session with id '{session_id}' not found")
        raise HTTPError(404, f"{_TYPE_TITLES[q.session_type]} Session with id '{session_id}' not found")
    return await rendered(row, render.session_detail, q.session_type, False)


# -- DELETE /sessions/{session_id} and DELETE /sessions --------------------------------------------


async def delete_session(request: Request) -> Response:
    q, _ = await validate(request, DELETE_SESSION)
    await _delete(request, q, [request.path_params["session_id"]])
    return no_content()


async def delete_sessions(request: Request) -> Response:
    q, body = await validate(request, DELETE_SESSIONS)
    if len(body.session_ids) != len(body.session_types):
        raise HTTPError(400, "Session IDs and session types must have the same length")
    await _delete(request, q, body.session_ids)
    return no_content()


async def _delete(request: Request, q: Any, session_ids: list[str]) -> None:
    """Both deletes, after their own checks: database, scope, the media 503, then one statement."""
    db = await database(request, q.db_id, q.table)
    user_id = scoped_user(request, q.user_id)
    if q.delete_media:
        raise HTTPError(503, "Media storage is not configured on AgentOS")
    if not has_nul(user_id):
        # Ids holding NUL cannot exist in PostgreSQL; dropping them keeps the statement valid.
        ids = [session_id for session_id in session_ids if not has_nul(session_id)]
        if ids:
            await queries.delete_sessions(db, ids, user_id)


# -- POST /sessions/{session_id}/rename ------------------------------------------------------------


async def rename_session(request: Request) -> Response:
    session_id, q, body, db, user_id = await one_session(request, RENAME_SESSION)
    row = None
    if not has_nul(session_id, user_id):
        row = await queries.rename_session(db, session_id, clean_text(body.session_name), q.session_type, user_id)
    if row is None:
        raise HTTPError(404, f"Session with id '{session_id}' not found")
    return await rendered(row, render.session_detail, q.session_type, True)


# -- PATCH /sessions/{session_id} ------------------------------------------------------------------


async def update_session(request: Request) -> Response:
    session_id, q, body, db, user_id = await one_session(request, UPDATE_SESSION)
    row = None
    if not has_nul(session_id, user_id):
        patch = writes.session_patch(body, int(time.time()))
        row = await queries.patch_session(
            db, session_id, user_id, patch, getattr(request.state, "scoped_user_id", None)
        )
    if row is None:
        raise HTTPError(404, f"Session with id '{session_id}' not found")
    # AgentOS answers from the upserted row, re-read as the type it stores, whatever `type` said.
    return await rendered(row, render.session_detail, None, True)
