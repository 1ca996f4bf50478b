"""The session bodies: the GET /sessions list item and the agent/team/workflow detail schemas
(agno/os/schema.py: SessionSchema, AgentSessionDetailSchema, TeamSessionDetailSchema,
WorkflowSessionDetailSchema)."""

from __future__ import annotations

import time
from typing import Any

from .messages import chat_history
from .names import detail_session_name, list_session_name, workflow_detail_session_name
from .values import (
    agent_metadata,
    as_int,
    detect_session_type,
    drop_none,
    iso_from_value,
    normalized_summary,
)

# --- GET /sessions item -------------------------------------------------------------------------


def list_item(row: dict[str, Any]) -> dict[str, Any]:
    """`SessionSchema.from_dict(raw_row)` with exclude_none."""
    session_data = row.get("session_data") or {}
    if not isinstance(session_data, dict):
        session_data = {}
    created_at = iso_from_value(row.get("created_at", 0))
    if "updated_at" in row:
        updated_at = iso_from_value(row["updated_at"])
    else:  # to_utc_datetime(created datetime): a naive one is taken as UTC
        updated_at = created_at
        if created_at is not None and created_at[-1] != "Z" and created_at[-6] not in "+-":
            updated_at = created_at + "Z"
    metrics = session_data.get("session_metrics")
    total_tokens = as_int(metrics.get("total_tokens")) if metrics and isinstance(metrics, dict) else None
    session_type = detect_session_type(row)
    metadata = row.get("metadata")
    if session_type == "agent":
        metadata = agent_metadata(metadata, row.get("agent_data"))
    return drop_none(
        {
            "session_id": row.get("session_id", ""),
            "session_name": list_session_name(row),
            "session_state": session_data.get("session_state"),
            "created_at": created_at,
            "updated_at": updated_at,
            "session_type": session_type,
            "user_id": row.get("user_id"),
            "agent_id": row.get("agent_id"),
            "team_id": row.get("team_id"),
            "workflow_id": row.get("workflow_id"),
            "session_summary": row.get("summary"),
            "metrics": metrics,
            "total_tokens": total_tokens,
            "metadata": metadata,
        }
    )


# --- session detail -----------------------------------------------------------------------------


def _agent_team_runs(runs: Any) -> list[Any]:
    """`AgentSession/TeamSession.from_dict` run dispatch: runs with an `agent_id` or `team_id` KEY."""
    if not runs or not isinstance(runs[0], dict):
        return []
    return [run for run in runs if isinstance(run, dict) and ("agent_id" in run or "team_id" in run)]


def _session_timestamps(created: Any, updated: Any) -> tuple[Any, ...]:
    created_at = iso_from_value(created) if created else None
    updated_at = iso_from_value(updated) if updated else created_at
    return created_at, updated_at


def _session_metrics(session_data: Any) -> tuple[Any, ...]:
    """(metrics, total_tokens) of the detail schemas: `session_data.get("session_metrics", {})`
    when session_data is truthy. FIX: a null session_metrics gives no total_tokens (agno: 500)."""
    if not session_data or not isinstance(session_data, dict):
        return None, None
    metrics = session_data.get("session_metrics", {})
    total_tokens = as_int(metrics.get("total_tokens")) if isinstance(metrics, dict) else None
    return metrics, total_tokens


def _session_state(session_data: Any) -> Any:
    return session_data.get("session_state") if session_data and isinstance(session_data, dict) else None


def _agent_detail(row: dict[str, Any]) -> dict[str, Any]:
    session_data = row.get("session_data")
    runs = _agent_team_runs(row.get("runs"))
    metrics, total_tokens = _session_metrics(session_data)
    created_at, updated_at = _session_timestamps(row.get("created_at"), row.get("updated_at"))
    session_id = row.get("session_id")
    agent_data = row.get("agent_data")
    return {
        "user_id": row.get("user_id"),
        "agent_session_id": session_id,
        "session_id": session_id,
        "session_name": detail_session_name(row, runs, False),
        "session_summary": normalized_summary(row.get("summary")),
        "session_state": _session_state(session_data),
        "agent_id": row.get("agent_id") or None,
        "total_tokens": total_tokens,
        "agent_data": agent_data,
        "metrics": metrics,
        "metadata": agent_metadata(row.get("metadata"), agent_data),
        "chat_history": chat_history(session_id, runs, row.get("created_at")),
        "created_at": created_at,
        "updated_at": updated_at,
    }


def _team_detail(row: dict[str, Any]) -> dict[str, Any]:
    session_data = row.get("session_data")
    runs = _agent_team_runs(row.get("runs"))
    metrics, total_tokens = _session_metrics(session_data)
    created_at, updated_at = _session_timestamps(row.get("created_at"), row.get("updated_at"))
    session_id = row.get("session_id")
    return {
        "session_id": session_id,
        "session_name": detail_session_name(row, runs, True),
        "user_id": row.get("user_id"),
        "team_id": row.get("team_id"),
        "session_summary": normalized_summary(row.get("summary")) or None,
        "session_state": _session_state(session_data),
        "metrics": metrics,
        "team_data": row.get("team_data"),
        "metadata": row.get("metadata"),
        "chat_history": chat_history(session_id, runs, row.get("created_at")),
        "created_at": created_at,
        "updated_at": updated_at,
        "total_tokens": total_tokens,
    }


def _workflow_detail(row: dict[str, Any]) -> dict[str, Any]:
    """WorkflowSessionDetailSchema. As in `WorkflowSession.__post_init__`, null session_data,
    workflow_data and metadata become {} and a NULL created_at/updated_at becomes the current time."""
    session_data = row.get("session_data")
    if session_data is None:
        session_data = {}
    workflow_data = row.get("workflow_data")
    if workflow_data is None:
        workflow_data = {}
    metadata = row.get("metadata")
    if metadata is None:
        metadata = {}
    created, updated = row.get("created_at"), row.get("updated_at")
    if created is None or updated is None:
        now = int(time.time())
        created = now if created is None else created
        updated = now if updated is None else updated
    created_at, updated_at = _session_timestamps(created, updated)
    name = workflow_detail_session_name(row, session_data, workflow_data)
    return {
        "user_id": row.get("user_id"),
        "workflow_id": row.get("workflow_id"),
        "workflow_name": None,
        "session_id": row.get("session_id"),
        "session_name": name,
        "session_data": session_data,
        "session_state": _session_state(session_data),
        "workflow_data": workflow_data,
        "metadata": metadata,
        "created_at": created_at,
        "updated_at": updated_at,
    }


_DETAIL_BUILDERS = {"agent": _agent_detail, "team": _team_detail, "workflow": _workflow_detail}


def session_detail(row: dict[str, Any], session_type: str | None = None, keep_nulls: bool = False) -> dict[str, Any]:
    """The detail schema for `session_type` (detected when None); unknown types render as agent."""
    builder = _DETAIL_BUILDERS.get(session_type or detect_session_type(row), _agent_detail)
    fields = builder(row)
    return fields if keep_nulls else drop_none(fields)
