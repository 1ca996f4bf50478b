"""Pure renderers: a stored session row -> the exact JSON body agno AgentOS 3.1.10 returns.

Public API (no I/O, no agno import; the input row is never mutated). The bodies are encoded by
jsonenc.dumps, the production encoder, in the handlers and in tests/test_render.py alike:

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

`row` is the db layer's dict: session_id, session_type, agent_id, team_id, workflow_id, user_id,
session_data, agent_data, team_data, workflow_data, metadata, summary (decoded JSON, NULL -> None),
created_at, updated_at (int|None) and runs (list of run dicts in stored order, legacy column merged).
List rows may lack keys the list does not read.

Modules: sessions (list item, detail schemas), names (the list's and the detail's session_name rules),
runs (run schemas, classification, previews, single run), messages (chat_history, media), values
(timestamps, coercions, the text rule, run_input).

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

from .runs import RunLookupError, iter_run_previews, iter_session_runs, run_previews, session_runs, single_run
from .sessions import list_item, session_detail
from .values import detect_session_type

__all__ = [
    "RunLookupError",
    "detect_session_type",
    "iter_run_previews",
    "iter_session_runs",
    "list_item",
    "run_previews",
    "session_detail",
    "session_runs",
    "single_run",
]
