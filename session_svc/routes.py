"""The route table: every path the service answers, one line each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import Route

from .endpoints import sessions as s
from .endpoints.health import root


def routes(*, health: Callable[..., Any], healthz: Callable[..., Any], readyz: Callable[..., Any]) -> list[Route]:
    # fmt: off
    table = [
        Route("/sessions", s.list_sessions, methods=["GET"], name="get_sessions"),
        Route("/sessions", s.create_session, methods=["POST"], name="create_session"),
        Route("/sessions", s.delete_sessions, methods=["DELETE"], name="delete_sessions"),
        Route("/sessions/{session_id}", s.get_session, methods=["GET"], name="get_session_by_id"),
        Route("/sessions/{session_id}", s.update_session, methods=["PATCH"], name="update_session"),
        Route("/sessions/{session_id}", s.delete_session, methods=["DELETE"], name="delete_session"),
        Route("/sessions/{session_id}/rename", s.rename_session, methods=["POST"], name="rename_session"),
        Route("/sessions/{session_id}/runs", s.get_session_runs, methods=["GET"], name="get_session_runs"),
        Route("/sessions/{session_id}/run-previews", s.get_session_run_previews, methods=["GET"],
              name="get_session_run_previews"),
        Route("/sessions/{session_id}/runs/{run_id}", s.get_session_run, methods=["GET"], name="get_session_run"),
        Route("/", root, methods=["GET"], name="root"),
        Route("/health", health, methods=["GET"], name="health"),
        Route("/healthz", healthz, methods=["GET"], name="healthz"),
        Route("/readyz", readyz, methods=["GET"], name="readyz"),
    ]
    # fmt: on
    for route in table:
        # FastAPI (unlike Starlette) does not answer HEAD for GET routes: AgentOS gives 405.
        route.methods.discard("HEAD")  # type: ignore[union-attr]
    return table
