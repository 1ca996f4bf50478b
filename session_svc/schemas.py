"""Validated request shapes of the /sessions routes (agno 3.1.10's `os/routers/session/session.py`).

These Structs are *outputs* of `session_svc.validation`: it parses the wire (query string, JSON body)
with FastAPI's exact rules and builds them. Field names are the Python names of agno's route
parameters; the wire name differs only for `type` (`session_type` here). Defaults are AgentOS's.

Enum-valued fields hold plain strings (`"agent"`, `"desc"`), ready for SQL.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

SessionTypeName = Literal["agent", "team", "workflow"]
SESSION_TYPES: tuple[str, ...] = ("agent", "team", "workflow")  # agno.db.base.SessionType, in order
SORT_ORDERS: tuple[str, ...] = ("asc", "desc")  # agno.os.schema.SortOrder

# PostgreSQL's bigint: LIMIT and OFFSET must fit in it.
INT64_MAX = 2**63 - 1


# --- query parameters, one Struct per distinct parameter set ---------------------------------------


class ListSessionsQuery(msgspec.Struct, kw_only=True):
    """GET /sessions."""

    session_type: SessionTypeName | None = None
    component_id: str | None = None
    user_id: str | None = None
    session_name: str | None = None
    limit: int = 20  # 1 ..= INT64_MAX
    page: int = 1  # 1 ..= pages whose offset fits in bigint (page=0 is a 422 here, a 500 in AgentOS)
    sort_by: str = "created_at"
    sort_order: Literal["asc", "desc"] = "desc"
    db_id: str | None = None
    table: str | None = None
    # Extension: keyset pages (session_svc/cursor.py); "" is the first page, None offset pages.
    cursor: str | None = None

    @property
    def offset(self) -> int:
        """Rows to skip; validation guarantees it fits in a bigint."""
        return (self.page - 1) * self.limit


class CreateSessionQuery(msgspec.Struct, kw_only=True):
    """POST /sessions (no `table`, and `type` defaults to agent)."""

    session_type: SessionTypeName = "agent"
    db_id: str | None = None


class SessionQuery(msgspec.Struct, kw_only=True):
    """GET /sessions/{id}, GET /sessions/{id}/runs/{run_id}, POST .../rename, PATCH /sessions/{id}."""

    session_type: SessionTypeName | None = None
    user_id: str | None = None
    db_id: str | None = None
    table: str | None = None


class SessionRunsQuery(msgspec.Struct, kw_only=True):
    """GET /sessions/{id}/runs and /run-previews.

    `created_after`/`created_before` are unbounded ints, as in AgentOS (they compare with run
    `created_at` values; they may exceed int64). `status` is the repeatable parameter, raw: the route
    checks the values (400).
    """

    session_type: SessionTypeName | None = None
    user_id: str | None = None
    created_after: int | None = None
    created_before: int | None = None
    status: list[str] | None = None
    # Extension (agno PR #8456): either one asks for a page, {"data": [...], "meta": {...}}.
    limit: int | None = None  # 1 ..= INT64_MAX; 20 when only `page` is given
    page: int | None = None  # 1 ..= pages whose offset fits in bigint; 1 when only `limit` is given
    db_id: str | None = None
    table: str | None = None

    @property
    def paged(self) -> bool:
        return self.limit is not None or self.page is not None

    @property
    def page_limit(self) -> int:
        return 20 if self.limit is None else self.limit

    @property
    def page_number(self) -> int:
        return 1 if self.page is None else self.page

    @property
    def offset(self) -> int:
        """Runs to skip; validation guarantees it fits in a bigint."""
        return (self.page_number - 1) * self.page_limit


class DeleteSessionQuery(msgspec.Struct, kw_only=True):
    """DELETE /sessions/{id} and DELETE /sessions."""

    user_id: str | None = None
    db_id: str | None = None
    table: str | None = None
    delete_media: bool = False


# --- JSON bodies ----------------------------------------------------------------------------------


class CreateSessionRequest(msgspec.Struct, kw_only=True):
    """POST /sessions body (optional: a missing body is `{}`); unknown keys are ignored.

    `runs` and `summary` are this service's extension (from the earlier Go port; AgentOS ignores them):
    `runs` is a list of run objects, each with a string `run_id`; `summary` follows the PATCH rules and
    arrives normalized like `summary` of UpdateSessionRequest.
    """

    session_id: str | None = None
    session_name: str | None = None
    session_state: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    user_id: str | None = None
    agent_id: str | None = None
    team_id: str | None = None
    workflow_id: str | None = None
    runs: list[dict[str, Any]] | None = None
    summary: dict[str, Any] | None = None


class UpdateSessionRequest(msgspec.Struct, kw_only=True):
    """PATCH /sessions/{id} body (required; `{}` is accepted). `None` means "not given" (as in agno).

    `summary` is validated as agno's SessionSummary (keys `summary` (str, required), `topics` (list of
    str or null), `updated_at` (ISO datetime string, or falsy)) and handed over already normalized the
    way agno stores it, `SessionSummary.to_dict()`: null members dropped, `updated_at` re-serialized
    with `datetime.isoformat()` ("...Z" -> "...+00:00").
    """

    session_name: str | None = None
    session_state: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None


class DeleteSessionRequest(msgspec.Struct, kw_only=True):
    """DELETE /sessions body (required). Both lists have at least one item; lengths are not compared
    here (that is the route's 400, checked before the database is resolved)."""

    session_ids: list[str]
    session_types: list[SessionTypeName]


class RenameSessionRequest(msgspec.Struct, kw_only=True):
    """POST /sessions/{id}/rename body: the embedded field `{"session_name": "<str>"}` (required)."""

    session_name: str
