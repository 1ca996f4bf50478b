"""Run schemas of agno AgentOS 3.1.10 (`RunSchema`, `TeamRunSchema`, `WorkflowRunSchema`,
`SessionRunPreviewSchema`) built from stored run dicts, and the run routes' selection logic.
Public entry points are re-exported by `session_svc.render` (see its docstring)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .values import (
    agent_metadata,
    as_int,
    detect_session_type,
    drop_none,
    iso_from_value,
    run_input,
    str_or_dict,
)

_PREVIEW_CHARS = 280

# Run kinds produced by classification.
_AGENT_RUN = 0  # RunSchema
_TEAM_RUN = 1  # TeamRunSchema
_WORKFLOW_RUN = 2  # WorkflowRunSchema


class RunLookupError(Exception):
    """GET /sessions/{id}/runs/{run_id} 404; `detail` is AgentOS's exact text."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


# --- run schemas --------------------------------------------------------------------------------


def _input_media(run: dict[str, Any]) -> dict[str, Any]:
    """`os/utils.py::extract_input_media`: `list.extend` of each stored input media value (so a
    string extends by its characters, as in agno). FIX: null or non-iterable values are skipped
    (agno: TypeError, 500)."""
    media: dict[str, list[Any]] = {"images": [], "videos": [], "audios": [], "files": []}
    run_in = run.get("input", {})
    if isinstance(run_in, dict):
        for key, items in media.items():
            stored = run_in.get(key, ())
            if isinstance(stored, list):
                items.extend(stored)
            elif stored is not None:
                try:
                    items.extend(stored)
                except TypeError:
                    pass
    return media


def _run_schema(run: dict[str, Any], agent_data: Any) -> dict[str, Any]:
    """`RunSchema.from_dict(run, session=...)`; agent_data is the session's when the sdk label applies."""
    return {
        "run_id": run.get("run_id", ""),
        "parent_run_id": run.get("parent_run_id", ""),
        "agent_id": run.get("agent_id", ""),
        "user_id": run.get("user_id", ""),
        "status": run.get("status"),
        "cancellation_stage": run.get("cancellation_stage"),
        "run_input": run_input(run, False),
        "content": str_or_dict(run.get("content", "")),
        "run_response_format": "text" if run.get("content_type", "str") == "str" else "json",
        "reasoning_content": run.get("reasoning_content", ""),
        "reasoning_steps": run.get("reasoning_steps", []),
        "metrics": run.get("metrics", {}),
        "metadata": agent_metadata(run.get("metadata"), agent_data),
        "messages": run.get("messages") or None,
        "tools": run.get("tools") or None,
        "events": run.get("events") or None,
        "created_at": iso_from_value(run.get("created_at")),
        "references": run.get("references", []),
        "citations": run.get("citations"),
        "reasoning_messages": run.get("reasoning_messages", []),
        "session_state": run.get("session_state"),
        "images": run.get("images", []),
        "videos": run.get("videos", []),
        "audio": run.get("audio", []),
        "files": run.get("files", []),
        "response_audio": run.get("response_audio"),
        "input_media": _input_media(run),
        **_fork_fields(run),
    }


def _fork_fields(run: dict[str, Any]) -> dict[str, Any]:
    """The last six fields of RunSchema and TeamRunSchema (follow-ups and fork/regeneration lineage)."""
    return {
        "followups": run.get("followups"),
        "forked_from_run_id": run.get("forked_from_run_id"),
        "forked_from_message_index": as_int(run.get("forked_from_message_index")),
        "forked_from_session_id": run.get("forked_from_session_id"),
        "regenerated_from": run.get("regenerated_from"),
        "last_checkpoint_at_message_index": as_int(run.get("last_checkpoint_at_message_index")),
    }


def _team_run_schema(run: dict[str, Any]) -> dict[str, Any]:
    """`TeamRunSchema.from_dict(run)`."""
    return {
        "run_id": run.get("run_id", ""),
        "parent_run_id": run.get("parent_run_id", ""),
        "team_id": run.get("team_id", ""),
        "user_id": run.get("user_id"),
        "status": run.get("status"),
        "cancellation_stage": run.get("cancellation_stage"),
        "content": str_or_dict(run.get("content", "")),
        "reasoning_content": run.get("reasoning_content", ""),
        "reasoning_steps": run.get("reasoning_steps", []),
        "run_input": run_input(run, False),
        "run_response_format": "text" if run.get("content_type", "str") == "str" else "json",
        "metrics": run.get("metrics", {}),
        "tools": run.get("tools") or None,
        "messages": run.get("messages") or None,
        "events": run.get("events") or None,
        "created_at": iso_from_value(run.get("created_at")),
        "references": run.get("references", []),
        "citations": run.get("citations"),
        "reasoning_messages": run.get("reasoning_messages", []),
        "session_state": run.get("session_state"),
        "input_media": _input_media(run),
        "images": run.get("images", []),
        "videos": run.get("videos", []),
        "audio": run.get("audio", []),
        "files": run.get("files", []),
        "response_audio": run.get("response_audio"),
        **_fork_fields(run),
    }


def _workflow_run_schema(run: dict[str, Any]) -> dict[str, Any]:
    """`WorkflowRunSchema.from_dict(run)`."""
    return {
        "run_id": run.get("run_id", ""),
        "run_input": run_input(run, True),
        "events": run.get("events", []),
        "workflow_id": run.get("workflow_id", ""),
        "user_id": run.get("user_id", ""),
        "content": str_or_dict(run.get("content", "")),
        "content_type": run.get("content_type", ""),
        "status": run.get("status", ""),
        "cancellation_stage": run.get("cancellation_stage"),
        "step_results": run.get("step_results", []),
        "step_executor_runs": run.get("step_executor_runs", []),
        "step_requirements": run.get("step_requirements"),
        "pause_kind": run.get("pause_kind"),
        "paused_step_name": run.get("paused_step_name"),
        "paused_step_index": as_int(run.get("paused_step_index")),
        "metrics": run.get("metrics", {}),
        "created_at": iso_from_value(run.get("created_at")),
        "reasoning_content": run.get("reasoning_content", ""),
        "reasoning_steps": run.get("reasoning_steps", []),
        "references": run.get("references", []),
        "citations": run.get("citations"),
        "reasoning_messages": run.get("reasoning_messages", []),
        "images": run.get("images", []),
        "videos": run.get("videos", []),
        "audio": run.get("audio", []),
        "files": run.get("files", []),
        "response_audio": run.get("response_audio"),
    }


def _label_data(row: dict[str, Any], run: dict[str, Any]) -> Any:
    """The session agent_data when `RunSchema.from_dict(run, session=row)` applies the sdk label:
    an agent session (by stored/detected type) and a run of no agent or of the session's agent."""
    if detect_session_type(row) == "agent" and run.get("agent_id") in (None, row.get("agent_id")):
        return row.get("agent_data")
    return None


def _classify(run: dict[str, Any], session_type: str) -> int | None:
    """`os/services/sessions.py::classify_session_run`: the schema kind, None = dropped."""
    if session_type == "agent":
        return _AGENT_RUN
    if session_type == "team":
        if run.get("agent_id") is not None:
            return _AGENT_RUN
        if run.get("team_id") is not None:
            return _TEAM_RUN
        return None
    if run.get("workflow_id") is not None:
        return _WORKFLOW_RUN
    if run.get("team_id") is not None:
        return _TEAM_RUN
    return _AGENT_RUN


def _in_window(created_at: Any, created_after: int | None, created_before: int | None) -> bool:
    """Inclusive created_at window. FIX: a non-numeric run created_at is kept like a null one (agno
    compares and raises TypeError)."""
    if created_at is None or not isinstance(created_at, (int, float)):
        return True
    if created_after is not None and created_at < created_after:
        return False
    return created_before is None or created_at <= created_before


def _wanted(statuses: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(status.upper() for status in statuses) if statuses else None


def _status_matches(status: Any, wanted: frozenset[str]) -> bool:
    return (status.upper() if isinstance(status, str) else "") in wanted


def _classified_runs(
    row: dict[str, Any], session_type: str | None, created_after: Any, created_before: Any
) -> Iterator[tuple[int, dict[str, Any], str]]:
    """Yield (kind, run, session type) as agno/os/routers/session/session.py: get_session_runs filters them
    (created_at window, then classification)."""
    session_type = session_type or detect_session_type(row)
    for run in row.get("runs") or ():
        if not isinstance(run, dict) or not _in_window(run.get("created_at"), created_after, created_before):
            continue
        kind = _classify(run, session_type)
        if kind is not None:
            yield kind, run, session_type


def _full_schema(row: dict[str, Any], kind: int, run: dict[str, Any], session_type: str) -> dict[str, Any]:
    if kind == _WORKFLOW_RUN:
        return _workflow_run_schema(run)
    if kind == _TEAM_RUN:
        return _team_run_schema(run)
    # Only the agent-session classification passes the session (and so the sdk label).
    return _run_schema(run, _label_data(row, run) if session_type == "agent" else None)


def session_runs(
    row: dict[str, Any],
    session_type: str | None = None,
    created_after: int | None = None,
    created_before: int | None = None,
    statuses: Iterable[str] | None = None,
) -> list[Any]:
    return list(iter_session_runs(row, session_type, created_after, created_before, statuses))


def iter_session_runs(
    row: dict[str, Any],
    session_type: str | None = None,
    created_after: int | None = None,
    created_before: int | None = None,
    statuses: Iterable[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """session_runs one run at a time: `row["runs"]` may be any iterable (e.g. decoded lazily),
    read once, so a big session is never held decoded and rendered at once."""
    wanted = _wanted(statuses)
    for kind, run, resolved_type in _classified_runs(row, session_type, created_after, created_before):
        schema = _full_schema(row, kind, run, resolved_type)
        if wanted is not None and not _status_matches(schema["status"], wanted):
            continue
        yield drop_none(schema)


def _preview(value: Any) -> str | None:
    """`SessionRunPreviewSchema._preview`: strings cut to 280 characters, other values JSON first."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:_PREVIEW_CHARS]


def run_previews(
    row: dict[str, Any],
    session_type: str | None = None,
    created_after: int | None = None,
    created_before: int | None = None,
    statuses: Iterable[str] | None = None,
) -> list[Any]:
    """SessionRunPreviewSchema per classified run; only the fields a preview reads are computed,
    with the defaults of the run schema the run was classified as."""
    return list(iter_run_previews(row, session_type, created_after, created_before, statuses))


def iter_run_previews(
    row: dict[str, Any],
    session_type: str | None = None,
    created_after: int | None = None,
    created_before: int | None = None,
    statuses: Iterable[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """run_previews one run at a time (see iter_session_runs)."""
    wanted = _wanted(statuses)
    for kind, run, _ in _classified_runs(row, session_type, created_after, created_before):
        if kind == _WORKFLOW_RUN:
            status = run.get("status", "")
            ids = (None, None, None, run.get("workflow_id", ""), run.get("user_id", ""))
        elif kind == _TEAM_RUN:
            status = run.get("status")
            ids = (run.get("parent_run_id", ""), None, run.get("team_id", ""), None, run.get("user_id"))
        else:
            status = run.get("status")
            ids = (run.get("parent_run_id", ""), run.get("agent_id", ""), None, None, run.get("user_id", ""))
        if wanted is not None and not _status_matches(status, wanted):
            continue
        yield (
            drop_none(
                {
                    "run_id": run.get("run_id", ""),
                    "parent_run_id": ids[0],
                    "agent_id": ids[1],
                    "team_id": ids[2],
                    "workflow_id": ids[3],
                    "user_id": ids[4],
                    "status": status,
                    "run_input": _preview(run_input(run, kind == _WORKFLOW_RUN)),
                    "content_preview": _preview(str_or_dict(run.get("content", ""))),
                    "created_at": iso_from_value(run.get("created_at")),
                }
            )
        )


def single_run(row: dict[str, Any], run_id: str) -> dict[str, Any]:
    """GET /sessions/{id}/runs/{run_id}: the run's own ids pick the schema (the `type` parameter
    has no effect); nulls kept."""
    session_id = row.get("session_id")
    runs = row.get("runs")
    if not runs:
        raise RunLookupError(f"Session with ID {session_id} has no runs")
    for run in runs:
        if isinstance(run, dict) and run.get("run_id") == run_id:
            break
    else:
        run = None
    if not run:  # as agno: `if not target_run`, so an empty run object is "not found" too
        raise RunLookupError(f"Run with ID {run_id} not found in session {session_id}")
    if run.get("workflow_id") is not None:
        return _workflow_run_schema(run)
    if run.get("team_id") is not None:
        return _team_run_schema(run)
    return _run_schema(run, _label_data(row, run))
