"""Pure renderers: a stored session row -> the exact JSON body agno AgentOS 3.1.10 returns.

Public API (no I/O, no agno import; the input row is never mutated):

    detect_session_type(row) -> str
        `db/utils.py::detect_session_type`: stored type, else agent_id/team_id/workflow_id, else agent.
    list_item(row) -> dict
        `SessionSchema` (GET /sessions item), exclude_none applied.
    session_detail(row, session_type=None, keep_nulls=False) -> dict
        Agent/Team/WorkflowSessionDetailSchema. session_type None = detect. keep_nulls=True for rename
        and PATCH (no exclude_none, e.g. `"workflow_name":null`), False for GET and create.
    session_runs(row, session_type=None, created_after=None, created_before=None, statuses=None) -> list
        GET /sessions/{id}/runs body: created_at window (inclusive), per-run classification, status
        filter (`statuses`: the validated values, any case), exclude_none.
    run_previews(row, session_type=None, created_after=None, created_before=None, statuses=None) -> list
        GET /sessions/{id}/run-previews body (SessionRunPreviewSchema), exclude_none.
    single_run(row, run_id) -> dict
        GET /sessions/{id}/runs/{run_id} body, nulls kept. Raises RunLookupError(detail) with
        AgentOS's exact 404 text when the session has no runs or the run is not in it.
    dumps(obj) -> bytes
        Compact UTF-8 JSON as FastAPI/pydantic writes it (orjson; ints beyond 64 bits supported).

`row` is the db layer's dict: session_id, session_type, agent_id, team_id, workflow_id, user_id,
session_data, agent_data, team_data, workflow_data, metadata, summary (decoded JSON, NULL -> None),
created_at, updated_at (int|None) and runs (list of run dicts in stored order, legacy column merged).
List rows may lack keys the list does not read.

Modules: render_values (timestamps, coercions, text rule, run_input, session_name), render_messages
(chat_history, media), render_runs (run schemas, classification, previews, single run).

Deliberate fixes (marked FIX in the code; AgentOS answers 500 or random values there):
* A non-string value where a string is required (multimodal/list user content as session_name or
  run_input, run `content` that is neither string nor object, chat_history content of another type)
  is rendered with one rule: a list's text parts joined by "\n", else json.dumps(value, default=str).
* A stored summary with unknown keys or no `summary` key renders its known keys.
* The workflow session_name branch with workflow_data NULL gives "" (or the first run's input).
* Messages without an `id` get uuid5(namespace, "<session_id>:<run_id>:<message index>"), stable
  across reads; media without an id likewise. Messages without `created_at` get the run's.
* session_metrics stored as null, null media lists in a run's input, non-numeric run created_at in
  the created_after/created_before window and unconvertible timestamps do not fail.
"""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import uuid5

import orjson

from session_svc.render_messages import _ID_NAMESPACE, chat_history, media_to_dict
from session_svc.render_runs import (
    RunLookupError,
    iter_run_previews,
    iter_session_runs,
    run_previews,
    session_runs,
    single_run,
)
from session_svc.render_values import (
    agent_metadata,
    as_int,
    detect_session_type,
    drop_none,
    first_user_message_name,
    is_not_found,
    iso_from_value,
    list_session_name,
    normalized_summary,
    stored_session_name,
    stringify_input_content,
    text_or_none,
    workflow_name_from_runs,
)

__all__ = [
    "RunLookupError",
    "detect_session_type",
    "dumps",
    "iter_run_previews",
    "iter_session_runs",
    "list_item",
    "run_previews",
    "session_detail",
    "session_runs",
    "single_run",
]

_INPUT_MEDIA = (("images", "image"), ("videos", "video"), ("audios", "audio"), ("files", "file"))


# --- GET /sessions item -------------------------------------------------------------------------


def list_item(row: dict) -> dict:
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


def _agent_team_runs(runs: Any) -> list:
    """`AgentSession/TeamSession.from_dict` run dispatch: runs with an `agent_id` or `team_id` KEY."""
    if not runs or not isinstance(runs[0], dict):
        return []
    return [run for run in runs if isinstance(run, dict) and ("agent_id" in run or "team_id" in run)]


def _is_workflow_run(run: dict) -> bool:
    """`db/utils.py::get_run_type(run) == "workflow"`."""
    return not (run.get("agent_id") or run.get("agent_name") or run.get("team_id") or run.get("team_name"))


def _reserialized_input(session_id: Any, run: dict, run_in: dict) -> dict:
    """`RunInput.from_dict(input).to_dict()`: input_content (default ""), then media re-serialized."""
    out = {}
    content = run_in.get("input_content", "")
    if content is not None:
        out["input_content"] = content
    for field, kind in _INPUT_MEDIA:
        items = run_in.get(field)
        if items and isinstance(items, list):
            prefix = f"{session_id}:{run.get('run_id')}:input:{field}"
            media = [
                media_to_dict(kind, item, str(uuid5(_ID_NAMESPACE, f"{prefix}:{i}")))
                for i, item in enumerate(items)
                if isinstance(item, dict)
            ]
            if media:
                out[field] = media
    return out


def _detail_session_name(row: dict, runs: list, team: bool) -> str:
    """`get_session_name({**session.to_dict(), "session_type": ...})` for agent/team sessions: the
    dispatched runs re-serialized (only a truthy stored `input` survives RunOutput.from_dict)."""
    name = stored_session_name(row.get("session_data"))
    if name is not None:
        return name
    for run in runs:
        if team and run.get("agent_id"):
            continue
        found = first_user_message_name(run)
        if not is_not_found(found):
            return found
        run_in = run.get("input")
        if run_in:
            if isinstance(run_in, dict):
                return json.dumps(_reserialized_input(row.get("session_id"), run, run_in), indent=2, default=str)
            return text_or_none(stringify_input_content(run_in)) or ""
    return ""


def _session_timestamps(created: Any, updated: Any) -> tuple:
    created_at = iso_from_value(created) if created else None
    updated_at = iso_from_value(updated) if updated else created_at
    return created_at, updated_at


def _session_metrics(session_data: Any) -> tuple:
    """(metrics, total_tokens) of the detail schemas: `session_data.get("session_metrics", {})`
    when session_data is truthy. FIX: a null session_metrics gives no total_tokens (agno: 500)."""
    if not session_data or not isinstance(session_data, dict):
        return None, None
    metrics = session_data.get("session_metrics", {})
    total_tokens = as_int(metrics.get("total_tokens")) if isinstance(metrics, dict) else None
    return metrics, total_tokens


def _session_state(session_data: Any) -> Any:
    return session_data.get("session_state") if session_data and isinstance(session_data, dict) else None


def _agent_detail(row: dict) -> dict:
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
        "session_name": _detail_session_name(row, runs, False),
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


def _team_detail(row: dict) -> dict:
    session_data = row.get("session_data")
    runs = _agent_team_runs(row.get("runs"))
    metrics, total_tokens = _session_metrics(session_data)
    created_at, updated_at = _session_timestamps(row.get("created_at"), row.get("updated_at"))
    session_id = row.get("session_id")
    return {
        "session_id": session_id,
        "session_name": _detail_session_name(row, runs, True),
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


def _workflow_detail(row: dict) -> dict:
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
    name = stored_session_name(session_data)
    if name is None:
        runs = row.get("runs")
        first = next((run for run in runs if isinstance(run, dict) and _is_workflow_run(run)), None) if runs else None
        name = "" if first is None else workflow_name_from_runs(first, workflow_data)
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


def session_detail(row: dict, session_type: str | None = None, keep_nulls: bool = False) -> dict:
    """The detail schema for `session_type` (detected when None); unknown types render as agent."""
    builder = _DETAIL_BUILDERS.get(session_type or detect_session_type(row), _agent_detail)
    fields = builder(row)
    return fields if keep_nulls else drop_none(fields)


# --- JSON ---------------------------------------------------------------------------------------

_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1


def _fragment_big_ints(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _fragment_big_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fragment_big_ints(item) for item in value]
    if type(value) is int and not _INT_MIN <= value <= _INT_MAX:
        return orjson.Fragment(str(value).encode())
    return value


def dumps(obj: Any) -> bytes:
    """orjson.dumps; orjson refuses ints beyond 64 bits, which pydantic writes as plain digits, so on
    that TypeError those ints are spliced in as raw fragments (rare path)."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return orjson.dumps(_fragment_big_ints(obj))
