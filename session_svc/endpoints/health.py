"""Liveness (/healthz), AgentOS's landing and health answers (agno/os/routers/health.py: get_health_router),
and readiness (/readyz)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from ..db.database import Database
from ..jsonenc import dumps

_HEALTHZ = dumps({"status": "ok"})
# AgentOS's landing answer (not in its OpenAPI document), for clients that probe `/`.
_ROOT = dumps({"name": "AgentOS", "health": "/health", "info": "/info", "docs": "/docs"})
READINESS_TIMEOUT = 1.0  # seconds each database gets to answer `SELECT 1`


async def root(request: Request) -> Response:
    return Response(_ROOT, media_type="application/json")


async def healthz(request: Request) -> Response:
    """Liveness: the process answers. Never touches a database."""
    return Response(_HEALTHZ, media_type="application/json")


async def health(request: Request) -> Response:
    """AgentOS's `/health`: status and the UTC time the app was built."""
    state = request.app.state
    return Response(dumps({"status": "ok", "instantiated_at": state.instantiated_at}), media_type="application/json")


async def readyz(request: Request) -> Response:
    """Readiness: every configured database answers a trivial query within a short timeout."""
    state = request.app.state
    if getattr(state, "shutting_down", False):
        return Response(dumps({"status": "shutting_down"}), status_code=503, media_type="application/json")
    databases = list(state.registry.databases.values())
    results = await asyncio.gather(*(db.ping(READINESS_TIMEOUT) for db in databases))
    failing = [db.db_id for db, ok in zip(databases, results, strict=True) if not ok]
    body: dict[str, object] = {"status": "unavailable", "failing_db_ids": failing} if failing else {"status": "ok"}
    # Replicas are optional: their state is reported (from the lag probe), never a reason for 503.
    replicas = {db.db_id: replica_states(db) for db in databases if db.replicas is not None}
    if replicas:
        body["replicas"] = replicas
    return Response(dumps(body), status_code=503 if failing else 200, media_type="application/json")


def replica_states(db: Database) -> list[dict[str, object]]:
    assert db.replicas is not None
    max_lag = db.replicas.max_lag
    return [
        {
            "pool": replica.pool_label,
            "state": replica.state(max_lag),
            "lag_seconds": round(replica.lag, 3) if replica.lag is not None else None,
        }
        for replica in db.replicas.replicas
    ]
