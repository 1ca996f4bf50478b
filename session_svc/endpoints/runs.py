"""The run routes of /sessions (agno/os/routers/session/session.py: get_session_runs,
get_session_run_previews, get_session_run): the bare array or, with `limit`/`page`, one page of it
(an extension, agno PR #8456), and one run by id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .. import render
from ..db import sessions as queries
from ..errors import HTTPError
from ..jsonenc import dumps
from ..validation import GET_RUN, GET_RUNS, validate
from ..writes import has_nul
from .answers import RENDER_OFF_LOOP_RUNS, database, encoded, json_response, one_session, rendered, scoped_user

_RUN_STATUSES = ("CANCELLED", "COMPLETED", "ERROR", "PAUSED", "PENDING", "REGENERATED", "RUNNING")
_RUN_STATUS_SET = frozenset(_RUN_STATUSES)


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
        return await rendered(row, render_fn, q.session_type, q.created_after, q.created_before, statuses)
    db = await database(request, q.db_id, q.table)
    user_id = scoped_user(request, q.user_id)
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

    body = await encoded(page_body, off_loop=len(row["runs"]) > RENDER_OFF_LOOP_RUNS)
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
    db = await database(request, q.db_id, q.table)
    user_id = scoped_user(request, q.user_id)
    read = queries.get_session_for_previews if previews else queries.get_session
    row = None if has_nul(session_id, user_id) else await read(db, session_id, user_id)
    if row is None:
        raise HTTPError(404, f"Session with ID {session_id} not found")
    return row


# -- GET /sessions/{session_id}/runs/{run_id} ------------------------------------------------------


async def get_session_run(request: Request) -> Response:
    run_id = request.path_params["run_id"]
    session_id, q, _, db, user_id = await one_session(request, GET_RUN)
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
        return json_response(render.single_run(row, run_id))
    except render.RunLookupError as exc:  # "has no runs" / "Run with ID ... not found in session ..."
        raise HTTPError(404, exc.detail) from None
