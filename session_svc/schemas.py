"""Validated request shapes of the /sessions routes (agno 3.1.10's `os/routers/session/session.py`).

These Structs are *outputs* of `session_svc.validation`: it parses the wire (query string, JSON body)
with FastAPI's exact rules and builds them. The query Structs are also the parameter lists:
validation/query.py reads each field's wire name, type and bounds (`msgspec.Meta`) from them, in
declaration order (the order FastAPI reports errors in), and openapi.py documents them. Field names
are the Python names of agno's route parameters; the wire name differs only for `type`
(`session_type` here). Defaults are AgentOS's.

Enum-valued fields hold plain strings (`"agent"`, `"desc"`), ready for SQL.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import msgspec

SessionTypeName = Literal["agent", "team", "workflow"]  # agno.db.base.SessionType, in order
SortOrderName = Literal["asc", "desc"]  # agno.os.schema.SortOrder
SESSION_TYPES: tuple[str, ...] = get_args(SessionTypeName)
SORT_ORDERS: tuple[str, ...] = get_args(SortOrderName)

# PostgreSQL's bigint: LIMIT and OFFSET must fit in it.
INT64_MAX = 2**63 - 1

# The 14 columns of agno's sessions table: the only accepted `sort_by` values (a deliberate fix, see
# docs/contract.md, Declared differences: AgentOS accepts any attribute of SQLAlchemy's column
# collection and 500s on `keys`).
SORTABLE_COLUMNS = frozenset(
    (
        "session_id", "session_type", "agent_id", "team_id", "workflow_id", "user_id",
        "session_data", "agent_data", "team_data", "workflow_data", "metadata", "summary",
        "created_at", "updated_at",
    )
)  # fmt: skip


def _type_param(default: Any) -> Any:
    """`session_type`, named `type` on the wire (FastAPI's `alias="type"`)."""
    return msgspec.field(default=default, name="type")


# --- query parameters, one Struct per distinct parameter set ---------------------------------------


class ListSessionsQuery(msgspec.Struct, kw_only=True):
    """GET /sessions."""

    session_type: SessionTypeName | None = _type_param(None)
    component_id: str | None = None
    user_id: str | None = None
    session_name: str | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=INT64_MAX)] = 20
    # Upper bound: pages whose offset fits in a bigint (validation/query.py: _check_offset). page=0
    # is a 422 here, a 500 in AgentOS.
    page: Annotated[int, msgspec.Meta(ge=1)] = 1
    sort_by: str = "created_at"
    sort_order: SortOrderName = "desc"
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

    session_type: SessionTypeName = _type_param("agent")
    db_id: str | None = None


class SessionQuery(msgspec.Struct, kw_only=True):
    """GET /sessions/{id}, GET /sessions/{id}/runs/{run_id}, POST .../rename, PATCH /sessions/{id}."""

    session_type: SessionTypeName | None = _type_param(None)
    user_id: str | None = None
    db_id: str | None = None
    table: str | None = None


class SessionRunsQuery(msgspec.Struct, kw_only=True):
    """GET /sessions/{id}/runs and /run-previews.

    `created_after`/`created_before` are unbounded ints, as in AgentOS (they compare with run
    `created_at` values; they may exceed int64). `status` is the repeatable parameter, raw: the route
    checks the values (400).
    """

    session_type: SessionTypeName | None = _type_param(None)
    user_id: str | None = None
    created_after: int | None = None
    created_before: int | None = None
    status: list[str] | None = None
    # Extension (agno PR #8456): either one asks for a page, {"data": [...], "meta": {...}}.
    # 20 when only `page` is given; 1 when only `limit` is. Same bounds as ListSessionsQuery's.
    limit: Annotated[int, msgspec.Meta(ge=1, le=INT64_MAX)] | None = None
    page: Annotated[int, msgspec.Meta(ge=1)] | None = None
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
