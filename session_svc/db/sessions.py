"""The queries behind the /sessions routes: one async function per statement.

Each returns plain rows (dicts with decoded jsonb, `runs` already merged with a legacy 2.x column),
never responses, and raises only errors of the tree in errors.py (driver errors stay in here).
Each function makes exactly one round trip and, for writes, one transaction. What a write stores
is decided by writes.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import psycopg
from psycopg import sql

from ..errors import KeyTooLong, PresetRunConflict
from ..schemas import INT64_MAX
from ..writes import NewSession
from . import run_text
from .database import Database

Row = dict[str, Any]

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

_COMPONENT_FILTERS = {
    "agent": "s.agent_id = %(component_id)s",
    "team": "s.team_id = %(component_id)s",
    "workflow": "s.workflow_id = %(component_id)s",
    None: "(s.agent_id = %(component_id)s OR s.team_id = %(component_id)s OR s.workflow_id = %(component_id)s)",
}


def merge_runs(row: Row) -> Row:
    """Attach `runs`: the agno_runs rows, merged with a legacy `runs` column (agno/db/utils.py:
    merge_runs_table_with_legacy_blob)."""
    runs = row.get("runs") or []
    legacy = row.pop("legacy_runs", None)
    if legacy:
        if isinstance(legacy, str):
            try:
                legacy = msgspec.json.decode(legacy)
            except msgspec.DecodeError:
                legacy = None
        if isinstance(legacy, list) and legacy:
            runs = _merge_legacy(runs, legacy)
    row["runs"] = runs
    return row


def _merge_legacy(table_runs: list[Any], legacy: list[Any]) -> list[Any]:
    by_id = {run.get("run_id"): run for run in table_runs if isinstance(run, dict)}
    merged: list[Any] = []
    seen: set[Any] = set()
    for item in legacy:
        if not isinstance(item, dict) or not item.get("run_id"):
            continue
        run_id = item["run_id"]
        merged.append(by_id.get(run_id, item))
        seen.add(run_id)
    merged.extend(run for run in table_runs if not (isinstance(run, dict) and run.get("run_id") in seen))
    return merged


async def get_session(db: Database, session_id: str, user_id: str | None) -> Row | None:
    """One session, or None. Its runs are still text (`runs_text`, see run_text.py): decode them with
    decode_runs or iter_runs where the answer is rendered (off the event loop for big sessions)."""
    row: Row | None = await db.read(db.statement("get_session"), {"session_id": session_id, "user_id": user_id})
    return row


async def get_session_detail(db: Database, session_id: str, user_id: str | None) -> Row | None:
    """As get_session, with each run reduced to what the detail schemas read (sql/get_session_detail.sql)."""
    row: Row | None = await db.read(db.statement("get_session_detail"), {"session_id": session_id, "user_id": user_id})
    return row


async def get_session_for_previews(db: Database, session_id: str, user_id: str | None) -> Row | None:
    """As get_session, with each run reduced to what a run preview reads (sql/get_session_for_previews.sql)."""
    row: Row | None = await db.read(
        db.statement("get_session_for_previews"), {"session_id": session_id, "user_id": user_id}
    )
    return row


def runs_text_size(row: Row) -> int:
    return len(row.get("runs_text") or "")


def decode_runs(row: Row) -> Row:
    """`runs_text` -> `runs`, merged with a legacy column."""
    text = row.pop("runs_text")
    row["runs"] = run_text.decoded(text) if text is not None else []
    return merge_runs(row)


def iter_runs(row: Row) -> Iterator[Any]:
    """`runs_text` decoded one run at a time, so a big session is never held decoded at once.
    Legacy rows are merged, so decoded whole."""
    if row.get("legacy_runs"):
        return iter(decode_runs(row)["runs"])
    row.pop("legacy_runs", None)
    text = row.pop("runs_text")
    return run_text.iter_decoded(text) if text is not None else iter(())


async def get_session_runs_page(
    db: Database,
    session_id: str,
    user_id: str | None,
    *,
    session_type: str | None,
    created_after: int | None,
    created_before: int | None,
    statuses: list[str] | None,
    limit: int,
    offset: int,
) -> tuple[Row, int | None] | None:
    """One session with one page of its runs, or None when there is no such session.

    Returns (row, total): `row["runs"]` is the page and `total` the runs the filters keep, or, for
    a row with legacy runs to merge (sql/get_session_runs_page.sql), every merged run and total None:
    the caller pages those itself."""
    params = {
        "session_id": session_id,
        "user_id": user_id,
        "session_type": session_type,
        "created_after": created_after,
        "created_before": created_before,
        "statuses": statuses,
        "limit": limit,
        "offset": offset,
    }
    row = await db.read(db.statement("get_session_runs_page"), params)
    if row is None:
        return None
    total = row.pop("total_count")
    page = row.pop("page_runs")
    if row["legacy_runs"] is not None:
        return merge_runs(row), None
    del row["legacy_runs"]
    row["runs"] = page or []
    return row, total


# A keyset page (`cursor=`) compares sort keys as these types; the first four are never NULL
# (agno's NOT NULL columns, and updated_at sorts by coalesce(updated_at, created_at)).
_SORT_TYPES = {
    "created_at": "bigint", "updated_at": "bigint", "session_id": "varchar", "session_type": "varchar",
    "agent_id": "varchar", "team_id": "varchar", "workflow_id": "varchar", "user_id": "varchar",
    "session_data": "jsonb", "agent_data": "jsonb", "team_data": "jsonb", "workflow_data": "jsonb",
    "metadata": "jsonb", "summary": "jsonb",
}  # fmt: skip
_NEVER_NULL_SORTS = frozenset(("created_at", "updated_at", "session_id", "session_type"))


class KeysetAfter(msgspec.Struct, frozen=True):
    """Where a keyset page starts: after the row with this sort key text (None: SQL NULL) and id."""

    key: str | None
    session_id: str


async def get_session_run(db: Database, session_id: str, user_id: str | None, run_id: str) -> Row | None:
    """One session with, as `runs`, only what the single-run lookup needs: the run (a one-run list),
    `[]` when the session has no runs, or `[{}]` (a run that matches nothing) when it has runs but
    not that one (sql/get_session_run.sql); a row with legacy runs to merge gets all its runs."""
    row: Row | None = await db.read(
        db.statement("get_session_run"), {"session_id": session_id, "user_id": user_id, "run_id": run_id}
    )
    if row is None:
        return None
    has_runs, run = row.pop("has_runs"), row.pop("run")
    if row["legacy_runs"] is not None:
        return merge_runs(row)
    del row["legacy_runs"]
    row["runs"] = [run] if run is not None else [{}] if has_runs else []
    return row


async def list_sessions(
    db: Database,
    *,
    session_type: str | None,
    component_id: str | None,
    user_id: str | None,
    session_name: str | None,
    sort_by: str,
    descending: bool,
    limit: int,
    offset: int,
    keyset: bool = False,
    after: KeysetAfter | None = None,
) -> tuple[list[Row], int, bool]:
    """One page of sessions (rows for list items), the total count of the filtered rows, and
    (keyset pages only) whether more rows follow. A keyset page starts after `after` (or at the
    top) instead of skipping `offset` rows; each row then carries `cursor_key`, its sort key's text."""
    variant = (
        user_id is not None,
        component_id is not None and session_type,
        component_id is not None,
        None if session_name is None else "short" if len(session_name) < 3 else "search",
        session_type is not None,
        sort_by,
        descending,
        # None: an offset page (the statement text AgentOS's pages always had); else a keyset
        # page from the top ("first"), or after a NULL or a non-NULL key.
        None if not keyset else "first" if after is None else "after_null" if after.key is None else "after",
    )
    # A name search of 3+ characters names its pattern as a literal, so that PostgreSQL plans it for
    # that pattern (connections force generic plans): with the trigram index (migrate --trigram),
    # a specific name is looked up in the index, while a word in a tenth of the names is scanned,
    # which at 1 M sessions is faster than visiting every match through the index.
    search = variant[3] == "search"
    pattern = f"%{session_name}%" if session_name is not None else None
    stmt = db.statement("list_sessions", variant, cache=not search, **_page_slots(variant, pattern if search else None))
    params = {
        "user_id": user_id,
        "component_id": component_id,
        "session_name_pattern": f"%{session_name}%" if session_name is not None else None,
        "session_type": session_type,
        # A keyset page reads one row more than it shows, to know whether a next page exists (capped:
        # LIMIT is a bigint, and no table holds that many rows).
        "limit": min(limit + 1, INT64_MAX) if keyset else limit,
        "offset": 0 if keyset else offset,
        "after_key": after.key if after is not None else None,
        "after_id": after.session_id if after is not None else None,
    }
    rows = await db.read(stmt, params, many=True, prepare=False if search else None)
    total = rows[0]["total_count"] if rows else 0
    page = [_list_row(row) for row in rows if row["session_id"] is not None]
    more = keyset and len(page) > limit
    return (page[:limit] if more else page), total, more


def _list_row(row: Row) -> Row:
    """A list row with the `runs` its session_name rule reads: the statement's `name_run` as a
    one-run list (sql/list_sessions.sql picks it), or, for a row with legacy runs, all runs merged."""
    del row["total_count"]
    name_run = row.pop("name_run")
    if row["legacy_runs"] is not None:
        return merge_runs(row)
    del row["legacy_runs"]
    row["runs"] = [name_run] if name_run is not None else []
    return row


def _page_slots(variant: tuple[Any, ...], name_pattern: str | None = None) -> dict[str, sql.Composable]:
    has_user, component_type, has_component, has_name, has_type, sort_by, descending, keyset = variant
    # The filter order is agno's (agno/db/postgres/postgres.py: get_sessions): user, component, name, type.
    filters = []
    if has_user:
        filters.append("s.user_id = %(user_id)s")
    if has_component:
        filters.append(_COMPONENT_FILTERS[component_type or None])
    if has_name:
        name = "coalesce(s.session_data ->> 'session_name', '')"
        if has_name == "short":
            # Under 3 characters a pattern has no trigram, so the trigram index (migrate --trigram)
            # could only be read whole, slower than the table; as plans are generic, this spelling
            # (the same text, but not the index's expression) keeps such searches on a scan.
            name = f"({name} || '')"
        filters.append(f"{name} ILIKE %(session_name_pattern)s" if name_pattern is None else name)
    if has_type:
        filters.append("s.session_type = %(session_type)s")
    parts: list[sql.Composable] = [sql.SQL(f) for f in filters]
    if name_pattern is not None:  # the name filter with its pattern as a literal (list_sessions says why)
        index = next(i for i, f in enumerate(filters) if f.startswith("coalesce(s.session_data"))
        # Doubled %: the statement still has %(name)s placeholders, where a lone % is one too.
        parts[index] = sql.SQL(filters[index] + " ILIKE ") + sql.Literal(name_pattern.replace("%", "%%"))
    direction = "DESC" if descending else "ASC"
    key = "coalesce(s.updated_at, s.created_at)" if sort_by == "updated_at" else f"s.{sort_by}"
    slots: dict[str, sql.Composable] = {
        "filters": sql.SQL(" AND ").join(parts) if parts else sql.SQL("true"),
        "order_by": sql.SQL(f"{key} {direction}, s.session_id {direction}"),
        "after": sql.SQL(""),
        "cursor_column": sql.SQL(""),
        "cursor_output": sql.SQL(""),
    }
    if keyset is not None:
        slots["cursor_column"] = sql.SQL(f", ({key})::text AS cursor_key")
        slots["cursor_output"] = sql.SQL(", p.cursor_key")
        if keyset != "first":
            slots["after"] = sql.SQL(" AND " + _keyset_after(key, _SORT_TYPES[sort_by], sort_by, descending, keyset))
    return slots


def _keyset_after(key: str, key_type: str, sort_by: str, descending: bool, keyset: str) -> str:
    """The rows after (key, session_id) in ORDER BY key <dir>, session_id <dir>, where PostgreSQL
    puts NULL keys last ascending and first descending."""
    k = f"%(after_key)s::{key_type}"
    after_id = "%(after_id)s::varchar"
    op = "<" if descending else ">"
    if sort_by in _NEVER_NULL_SORTS:
        # A row comparison: its leading column bounds an index scan on the key (when there is one),
        # so a deep page costs what the first does.
        return f"({key}, s.session_id) {op} ({k}, {after_id})"
    if keyset == "after_null":
        # Within the NULL keys by session_id; descending, every non-NULL key still follows.
        tail = f" OR {key} IS NOT NULL" if descending else ""
        return f"(({key} IS NULL AND s.session_id {op} {after_id}){tail})"
    tail = "" if descending else f" OR {key} IS NULL"
    return f"({key} {op} {k} OR ({key} = {k} AND s.session_id {op} {after_id}){tail})"


async def insert_session(db: Database, new: NewSession) -> Row | None:
    """Create a session (and its preset runs); None when the session_id is already taken.

    Raises PresetRunConflict when a preset run's id is taken and KeyTooLong when PostgreSQL cannot
    index a value; nothing is written then (one statement)."""
    try:
        async with db.pool.connection() as conn:
            cur = await conn.execute(db.statement("insert_session"), new.params)
            row: Row | None = await cur.fetchone()
    except psycopg.errors.UniqueViolation:
        raise PresetRunConflict() from None
    except psycopg.errors.ProgramLimitExceeded:
        raise KeyTooLong() from None
    if row is None:
        return None
    del row["preset_run_count"]
    row["runs"] = new.runs
    return row


async def session_owner(db: Database, session_id: str) -> Row | None:
    """`{"user_id": ...}` of an existing session, or None: read only when a create's id is taken."""
    async with db.pool.connection() as conn:
        cur = await conn.execute(db.statement("session_owner"), {"session_id": session_id})
        return await cur.fetchone()


async def patch_session(
    db: Database, session_id: str, user_id: str | None, patch: dict[str, Any], owner: str | None
) -> Row | None:
    """Apply a PATCH (writes.session_patch) in one UPDATE; None when the session is not found."""
    params = {"session_id": session_id, "user_id": user_id, "owner": owner, **patch}
    async with db.pool.connection() as conn:
        cur = await conn.execute(db.statement("patch_session"), params)
        row = await cur.fetchone()
    return merge_runs(row) if row is not None else None


async def rename_session(
    db: Database, session_id: str, session_name: str, session_type: str | None, user_id: str | None
) -> Row | None:
    params = {
        "session_id": session_id,
        "session_name": session_name,
        "session_type": session_type,
        "user_id": user_id,
    }
    async with db.pool.connection() as conn:
        cur = await conn.execute(db.statement("rename_session"), params)
        row = await cur.fetchone()
    return merge_runs(row) if row is not None else None


async def delete_sessions(db: Database, session_ids: list[str], user_id: str | None) -> int:
    """Delete sessions with their runs and side rows in one statement; returns rows deleted."""
    async with db.pool.connection() as conn:
        cur = await conn.execute(db.statement("delete_sessions"), {"session_ids": session_ids, "user_id": user_id})
        row = await cur.fetchone()
    return int(row["deleted"]) if row else 0
