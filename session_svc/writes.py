"""The write side, pure: a validated request -> the row agno would store (the twin of render/).

No database here: db/sessions.py runs the statements with what these functions return, and
tests/test_writes.py checks them without one.

What agno strips before PostgreSQL sees a value (agno/utils/string.py: sanitize_postgres_strings,
applied by agno/db/postgres/postgres.py: upsert_session), and the NUL test for lookups:

agno removes `[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]` from every string inside the jsonb values
it writes (PostgreSQL's text and jsonb cannot hold NUL). It leaves dict keys alone, so a NUL in a key
is a 500 there; here keys lose their NULs and nothing else, so they are stored as agno stores them.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from psycopg.types.json import Jsonb

from .errors import RequestValidationError
from .schemas import CreateSessionRequest, UpdateSessionRequest

_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_sub = _INVALID.sub


def clean_text(value: str) -> str:
    return _sub("", value) if _INVALID.search(value) else value


def clean_json(value: Any) -> Any:
    """A copy of a JSON value with the characters agno strips removed from every string."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean_key(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    return value


def _clean_key(key: Any) -> Any:
    # agno leaves keys alone (so do we, to store what it stores) except NUL, which PostgreSQL refuses.
    return key.replace("\x00", "") if isinstance(key, str) and "\x00" in key else key


def has_nul(*values: str | None) -> bool:
    """Whether any value holds NUL: such an id or filter cannot match anything stored."""
    return any(value is not None and "\x00" in value for value in values)


# -- the rows agno would store -----------------------------------------------------------------------

# Keys the agno runtime owns in session metadata; a caller must not forge them (agno/db/schemas/
# scheduler.py: strip_reserved_run_metadata, called by the create_session and update_session routes).
RESERVED_METADATA_KEYS = frozenset(("agno_component_version", "agno_dispatch_chain", "agno_dispatch_depth"))

_JSON_NULL = Jsonb(None)  # a jsonb `null`, as agno writes Python None (not SQL NULL)
_IDS = ("session_id", "user_id", "agent_id", "team_id", "workflow_id")


def strip_reserved_metadata(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(metadata, dict) or RESERVED_METADATA_KEYS.isdisjoint(metadata):
        return metadata
    cleaned = {k: v for k, v in metadata.items() if k not in RESERVED_METADATA_KEYS}
    return cleaned or None


@dataclasses.dataclass(frozen=True)
class NewSession:
    """What POST /sessions writes: the statement's parameters and the preset runs as stored."""

    params: dict[str, Any]  # sql/insert_session.sql's parameters, jsonb values wrapped
    runs: list[Any]  # the preset runs, cleaned: what the created session's answer renders


def new_session(
    body: CreateSessionRequest, session_type: str, session_id: str, user_id: str | None, now: int
) -> NewSession:
    """The row agno's create_session stores for `body` (agno/os/routers/session/session.py:
    create_session, then AgentSession/TeamSession/WorkflowSession.to_dict and the db upsert).

    Raises RequestValidationError for an id holding NUL: PostgreSQL text cannot store it."""
    ids = (session_id, user_id, body.agent_id, body.team_id, body.workflow_id)
    for field, value in zip(_IDS, ids, strict=True):
        if has_nul(value):
            raise RequestValidationError(
                [
                    {
                        "type": "string_pattern_mismatch",
                        "loc": ["body", field],
                        "msg": "String should not contain NUL characters",
                        "input": value,
                    }
                ]
            )
    given: dict[str, Any] = {}
    if body.session_state is not None:
        given["session_state"] = body.session_state
    if body.session_name is not None:
        given["session_name"] = body.session_name
    metadata = strip_reserved_metadata(body.metadata)
    component_data: Any = None
    if session_type == "workflow":
        # agno/session/workflow.py: WorkflowSession.__post_init__ turns these nulls into {}.
        component_data = {}
        metadata = metadata if metadata is not None else {}
    session_data = given if session_type == "workflow" else given or None
    runs = [clean_json(run) for run in (body.runs or [])]
    params = {
        "session_id": session_id,
        "session_type": session_type,
        "agent_id": body.agent_id if session_type == "agent" else None,
        "team_id": body.team_id if session_type == "team" else None,
        "workflow_id": body.workflow_id if session_type == "workflow" else None,
        "user_id": user_id,
        "session_data": Jsonb(clean_json(session_data)),
        # Only the type's own *_data column is written (JSON null); agno's upsert leaves the
        # other two out of the INSERT, so they stay SQL NULL (agno/db/postgres/postgres.py: upsert_session).
        "agent_data": _JSON_NULL if session_type == "agent" else None,
        "team_data": _JSON_NULL if session_type == "team" else None,
        "workflow_data": Jsonb(component_data) if session_type == "workflow" else None,
        "metadata": Jsonb(clean_json(metadata)),
        "summary": Jsonb(clean_json(body.summary)),
        "now": now,
        "runs": Jsonb(runs),
    }
    return NewSession(params, runs)


def session_patch(body: UpdateSessionRequest, now: int) -> dict[str, Any]:
    """sql/patch_session.sql's parameters for a PATCH body, besides the session, user and owner:
    only the given fields change (agno/os/routers/session/session.py: update_session)."""
    data_patch: dict[str, Any] = {}
    if body.session_name is not None:
        data_patch["session_name"] = body.session_name
    if body.session_state is not None:
        data_patch["session_state"] = body.session_state
    # The summary arrives validated and normalised as agno stores it (SessionSummary.to_dict()).
    return {
        "session_data_patch": Jsonb(clean_json(data_patch)) if data_patch else None,
        "set_metadata": body.metadata is not None,
        "metadata": Jsonb(clean_json(strip_reserved_metadata(body.metadata)) if body.metadata is not None else None),
        "set_summary": body.summary is not None,
        "summary": Jsonb(clean_json(body.summary)),
        "now": now,
    }
