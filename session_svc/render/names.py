"""`session_name`: agno's `get_session_name` as the list and the detail schemas call it.

The two rules sit side by side because they differ, and on purpose in agno 3.1.10: the list item
(agno/os/schema.py: SessionSchema.from_dict) passes the raw stored row, so it reads the row's stored
`session_type` and every run as stored; the detail schemas (AgentSessionDetailSchema.from_session
and its team/workflow twins) pass `session.to_dict()`, so they see only the runs that
AgentSession/TeamSession.from_dict dispatched, with each run's input re-serialised by
RunInput.from_dict(...).to_dict(). The same row can therefore get two different names.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid5

from .messages import ID_NAMESPACE, media_to_dict
from .values import as_text, stringify_input_content, text_or_none

_INPUT_MEDIA = (("images", "image"), ("videos", "video"), ("audios", "audio"), ("files", "file"))


def stored_session_name(session_data: Any) -> str | None:
    """`session_data.session_name` when set (an empty string counts), else `None`."""
    if isinstance(session_data, dict):
        name = session_data.get("session_name")
        if name is not None:
            return name if isinstance(name, str) else as_text(name)
    return None


def workflow_name_from_runs(first_run: Any, workflow_data: Any) -> str:
    """The workflow branch of `get_session_name`, given the first run considered.
    FIX: a NULL/non-object `workflow_data` counts as `{}` (agno raises AttributeError)."""
    workflow_input = first_run.get("input") if isinstance(first_run, dict) else None
    if isinstance(workflow_input, str):
        return workflow_input
    if isinstance(workflow_input, dict):
        return json.dumps(workflow_input)
    name = workflow_data.get("name") if isinstance(workflow_data, dict) else None
    return f"New {name} Session" if name else ""


def first_user_message_name(run: dict[str, Any]) -> str | None:
    """The per-run step of `get_session_name`: the content of the first user message with truthy
    content; `None` when the run has none (the caller then tries the run's `input`)."""
    messages = run.get("messages")
    if messages:
        for message in messages:
            if isinstance(message, dict) and message.get("role") == "user":
                content = message.get("content")
                if content:
                    return content if isinstance(content, str) else as_text(content)
    return None


def list_session_name(row: dict[str, Any]) -> str:
    """`get_session_name(raw_row)` as `SessionSchema.from_dict` calls it: the row's stored
    `session_type` (not the detected one) and all its runs, raw."""
    name = stored_session_name(row.get("session_data"))
    if name is not None:
        return name
    runs = row.get("runs") or []
    session_type = row.get("session_type")
    if session_type == "workflow":
        if not runs:
            return ""
        return workflow_name_from_runs(runs[0], row.get("workflow_data"))
    team = session_type == "team"
    for run in runs:
        if not isinstance(run, dict) or (team and run.get("agent_id")):
            continue
        found = first_user_message_name(run)
        if found is not None:
            return found
        run_in = run.get("input")
        if run_in is not None:
            return text_or_none(stringify_input_content(run_in)) or ""
    return ""


def _reserialized_input(session_id: Any, run: dict[str, Any], run_in: dict[str, Any]) -> dict[str, Any]:
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
                media_to_dict(kind, item, str(uuid5(ID_NAMESPACE, f"{prefix}:{i}")))
                for i, item in enumerate(items)
                if isinstance(item, dict)
            ]
            if media:
                out[field] = media
    return out


def detail_session_name(row: dict[str, Any], runs: list[Any], team: bool) -> str:
    """`get_session_name({**session.to_dict(), "session_type": ...})` for agent/team sessions: the
    dispatched runs re-serialized (only a truthy stored `input` survives RunOutput.from_dict)."""
    name = stored_session_name(row.get("session_data"))
    if name is not None:
        return name
    for run in runs:
        if team and run.get("agent_id"):
            continue
        found = first_user_message_name(run)
        if found is not None:
            return found
        run_in = run.get("input")
        if run_in:
            if isinstance(run_in, dict):
                return json.dumps(_reserialized_input(row.get("session_id"), run, run_in), indent=2, default=str)
            return text_or_none(stringify_input_content(run_in)) or ""
    return ""


def _is_workflow_run(run: dict[str, Any]) -> bool:
    """`db/utils.py::get_run_type(run) == "workflow"`."""
    return not (run.get("agent_id") or run.get("agent_name") or run.get("team_id") or run.get("team_name"))


def workflow_detail_session_name(row: dict[str, Any], session_data: Any, workflow_data: Any) -> str:
    """WorkflowSessionDetailSchema's name: the stored one, else the first workflow run's input."""
    name = stored_session_name(session_data)
    if name is None:
        runs = row.get("runs")
        first = next((run for run in runs if isinstance(run, dict) and _is_workflow_run(run)), None) if runs else None
        name = "" if first is None else workflow_name_from_runs(first, workflow_data)
    return name
