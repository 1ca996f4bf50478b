"""GET /sessions' statement: one page of sessions (offset or keyset), its exact total and the one
run each unnamed session's name is derived from (sql/list_sessions.sql)."""

from __future__ import annotations

from typing import Any

import msgspec
from psycopg import sql

from ..schemas import INT64_MAX
from .database import Database
from .legacy import merge_runs

Row = dict[str, Any]

_COMPONENT_FILTERS = {
    "agent": "s.agent_id = %(component_id)s",
    "team": "s.team_id = %(component_id)s",
    "workflow": "s.workflow_id = %(component_id)s",
    None: "(s.agent_id = %(component_id)s OR s.team_id = %(component_id)s OR s.workflow_id = %(component_id)s)",
}

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
