"""Scalar derivations shared by the renderers: timestamps, pydantic-style coercions, the text rule
and `run_input` (the session-name rules are in names.py).

Each function mirrors one agno 3.1.10 helper (named in its docstring) on already-decoded JSON values.
Where agno would raise (and AgentOS answer 500) these return a sensible value instead; every such
place is marked "FIX" and listed in README "Differences from AgentOS".
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from time import gmtime as _gmtime
from typing import Any

from ..validation.lax import LAX_FALSE_WORDS, LAX_TRUE_WORDS

_UTC = UTC
_YEAR_10000 = 253402300800  # gmtime fast path bound (isoformat needs 4-digit years)
_ISO_SECONDS = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format
_INT_TEXT = re.compile(r"\s*[+-]?\d+(?:\.0*)?\s*\Z")
_FLOAT_TEXT = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*\Z")


def drop_none(fields: dict[str, Any]) -> dict[str, Any]:
    """exclude_none on a model's fields (nested nulls are kept, as pydantic does)."""
    return {key: value for key, value in fields.items() if value is not None}


def detect_session_type(row: dict[str, Any]) -> str:
    """`db/utils.py::detect_session_type`: stored type, else agent_id/team_id/workflow_id, else agent."""
    stored: str | None = row.get("session_type")  # a VARCHAR column
    if stored:
        return stored
    if row.get("agent_id"):
        return "agent"
    if row.get("team_id"):
        return "team"
    if row.get("workflow_id"):
        return "workflow"
    return "agent"


# --- timestamps -------------------------------------------------------------------------------


def iso_datetime(dt: datetime) -> str:
    """A datetime as pydantic v2 serializes it: ISO 8601, fraction only when non-zero, UTC as `Z`,
    naive datetimes without an offset."""
    text = dt.isoformat()
    if text.endswith("+00:00"):
        return text[:-6] + "Z"
    return text


def iso_from_value(value: Any) -> str | None:
    """`os/utils.py::to_utc_datetime` followed by pydantic's datetime serialization.

    Epoch numbers go through `datetime.fromtimestamp(x, UTC)`; ISO strings through `fromisoformat`
    (a trailing `Z` accepted, naive strings stay naive, unparsable strings give None).
    FIX: values agno cannot convert (out-of-range epochs, dicts, lists) give None instead of a 500.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if value.endswith("Z"):
            value = value[:-1] + "+00:00"
        try:
            return iso_datetime(datetime.fromisoformat(value))
        except ValueError:
            return None
    if type(value) is int and 0 <= value < _YEAR_10000:
        # Fast path for the usual integer epoch (same text as the datetime path, ~3x faster).
        return _ISO_SECONDS(*_gmtime(value)[:6])
    if isinstance(value, (int, float)):
        try:
            return iso_datetime(datetime.fromtimestamp(value, _UTC))
        except (OverflowError, OSError, ValueError):
            return None
    return None


# --- pydantic lax-mode coercions that change the output -----------------------------------------


def as_int(value: Any) -> Any:
    """Value of an `Optional[int]` model field: pydantic turns True/1.0/"3" into 1/1/3.
    Values pydantic refuses (3.5, "x") pass through unchanged (FIX: agno would 500)."""
    if value is None or type(value) is int:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str) and _INT_TEXT.match(value):
        return int(float(value)) if "." in value else int(value)
    return value


def as_float(value: Any) -> Any:
    """Value of an `Optional[float]` model field: pydantic turns ints, bools and numeric strings
    into floats; other values pass through unchanged."""
    if type(value) is int or type(value) is bool:
        return float(value)
    if isinstance(value, str) and _FLOAT_TEXT.match(value):
        return float(value)
    return value


def as_bool(value: Any, default: bool) -> Any:
    """Value of a `bool` model field in lax mode (0/1, "yes"/"no", ...).
    FIX: None or an unrecognised value gives the field default where agno would 500."""
    if value is True or value is False:
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.lower()
        if low in LAX_TRUE_WORDS:
            return True
        if low in LAX_FALSE_WORDS:
            return False
    return default


# --- the text rule (FIX) -----------------------------------------------------------------------


def as_text(value: Any) -> str:
    """Render a value that AgentOS requires to be a string but which is not one (it answers 500).

    Rule: a list of content parts (strings, or dicts with a string "text", as in multimodal
    messages) becomes its text parts joined with "\\n"; anything else, including a list without
    text parts, becomes `json.dumps(value, default=str)` (the same call AgentOS uses for
    structured content previews).
    """
    if isinstance(value, list):
        parts = []
        for part in value:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                text = part.get("text")
                if isinstance(text, str):
                    parts.append(text)
        if parts:
            return "\n".join(parts)
    return json.dumps(value, default=str)


def text_or_none(value: Any) -> str | None:
    """An `Optional[str]` field fed by arbitrary JSON: str and None pass, the rest via `as_text`."""
    if value is None or isinstance(value, str):
        return value
    return as_text(value)


def str_or_dict(value: Any) -> Any:
    """An `Optional[Union[str, dict]]` field (run `content`): other types via `as_text` (FIX)."""
    if value is None or isinstance(value, (str, dict)):
        return value
    return as_text(value)


# --- run_input -------------------------------------------------------------------------------


def stringify_input_content(value: Any) -> Any:
    """`os/utils.py::stringify_input_content` on decoded JSON (no live Message objects here)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, indent=2, default=str)
    if isinstance(value, list):
        if value:
            first = value[0]
            if isinstance(first, dict) and first.get("role") == "user":
                return first.get("content", str(value))
        return str(value)
    return str(value)


def _last_user_content(messages: Any, default: Any) -> Any:
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                return message.get("content", "")
    return default


NOT_FOUND = object()  # "no value found", distinct from a found None


def run_input(run: dict[str, Any], is_workflow_run: bool) -> str | None:
    """`os/utils.py::get_run_input`: input_content for agent/team runs, `input` for workflow runs,
    else the LAST user message (for workflows: of the first step executor run, then of the run)."""
    run_in = run.get("input")
    if not is_workflow_run:
        if isinstance(run_in, dict):
            content = run_in.get("input_content")
            if content is not None:
                return text_or_none(stringify_input_content(content))
    else:
        if run_in is not None:
            return text_or_none(stringify_input_content(run_in))
        executor_runs = run.get("step_executor_runs")
        if executor_runs and isinstance(executor_runs, list) and isinstance(executor_runs[0], dict):
            found = _last_user_content(executor_runs[0].get("messages", []), NOT_FOUND)
            if found is not NOT_FOUND:
                return text_or_none(found)
    messages = run.get("messages")
    if messages is not None:
        found = _last_user_content(messages, NOT_FOUND)
        if found is not NOT_FOUND:
            return text_or_none(found)
    return ""


# --- metadata and summary -------------------------------------------------------------------


def agent_metadata(metadata: Any, agent_data: Any) -> Any:
    """`os/schema.py::_agent_metadata`: a copy of metadata with `sdk` set from agent_data.sdk or
    .framework (an existing `sdk` key keeps its position, a new one goes last)."""
    sdk = (agent_data.get("sdk") or agent_data.get("framework")) if isinstance(agent_data, dict) else None
    if isinstance(sdk, str) and sdk:
        if not metadata:
            return {"sdk": sdk}
        out = dict(metadata) if isinstance(metadata, dict) else _as_dict(metadata)
        if isinstance(out, dict):
            out["sdk"] = sdk
        return out
    if metadata is None or isinstance(metadata, dict):
        return metadata  # agno copies it; nothing here mutates it, so the stored dict is reused
    return _as_dict(metadata)


def _as_dict(value: Any) -> Any:
    """`dict(value)` as agno applies it to a non-object metadata (a list of 2-key objects becomes
    a dict of their keys, "" becomes {}). FIX: where that raises, the value is kept as stored."""
    try:
        return dict(value)
    except (TypeError, ValueError):
        return value


def normalized_summary(summary: Any) -> Any:
    """`SessionSummary.from_dict(s).to_dict()`: keys summary, topics, updated_at (re-isoformatted),
    nulls dropped. FIX: unknown keys are ignored and a missing `summary` key is allowed (agno
    raises TypeError); an unparsable `updated_at` is kept as stored; a non-object summary gives None."""
    if not isinstance(summary, dict):
        return None
    out = {}
    text = summary.get("summary")
    if text is not None:
        out["summary"] = text
    topics = summary.get("topics")
    if topics is not None:
        out["topics"] = topics
    updated_at = summary.get("updated_at")
    if updated_at:
        if isinstance(updated_at, str):
            try:
                updated_at = datetime.fromisoformat(updated_at).isoformat()
            except ValueError:
                pass
        out["updated_at"] = updated_at
    return out
