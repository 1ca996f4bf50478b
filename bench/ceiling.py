"""The pass-through ceiling: a bare Starlette app that reads a session and its runs in one
statement and returns PostgreSQL's JSON text unchanged (no decoding, no rendering).

It runs on the same server, worker count and pool settings as the service under test
(`serve_app.py` launches both), so `ours / ceiling` is the share of the stack's ceiling we reach.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from session_svc.settings import load_settings

_SETTINGS = load_settings()
_SCHEMA = _SETTINGS.db_schema
# One round trip: the 14 session columns and the runs in agno's read order, built as JSON text by
# PostgreSQL (json, not jsonb, so nothing is re-parsed), sent to the client byte for byte.
_STATEMENT = f"""
SELECT json_build_object(
         'session_id', s.session_id, 'session_type', s.session_type, 'agent_id', s.agent_id,
         'team_id', s.team_id, 'workflow_id', s.workflow_id, 'user_id', s.user_id,
         'session_data', s.session_data, 'agent_data', s.agent_data, 'team_data', s.team_data,
         'workflow_data', s.workflow_data, 'metadata', s.metadata, 'summary', s.summary,
         'created_at', s.created_at, 'updated_at', s.updated_at,
         'runs', (SELECT json_agg(r.run_data ORDER BY r.run_index, r.created_at, r.run_id)
                    FROM "{_SCHEMA}"."{_SETTINGS.runs_table}" r WHERE r.session_id = s.session_id))::text
  FROM "{_SCHEMA}"."{_SETTINGS.session_table}" s
 WHERE s.session_id = %s
"""


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    pool = AsyncConnectionPool(
        _SETTINGS.databases[0].dsn,
        min_size=_SETTINGS.pool_min_size,
        max_size=_SETTINGS.pool_max_size,
        timeout=_SETTINGS.pool_timeout,
        open=False,
        kwargs={
            "autocommit": True,
            "prepare_threshold": 2 if _SETTINGS.pg_prepare else None,
        },
    )
    await pool.open(wait=True)
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


async def session_detail(request: Request) -> Response:
    async with request.app.state.pool.connection() as conn:
        cur = await conn.execute(_STATEMENT, (request.path_params["session_id"],))
        row = await cur.fetchone()
    if row is None:
        return Response(b'{"detail":"not found"}', status_code=404, media_type="application/json")
    return Response(row[0].encode(), media_type="application/json")


async def health(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[Route("/sessions/{session_id}", session_detail), Route("/health", health)],
    lifespan=_lifespan,
)
