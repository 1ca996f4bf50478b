"""The queries behind the /sessions routes: one async function per statement.

Each returns plain rows (dicts with decoded jsonb, `runs` already merged with a legacy 2.x column),
never responses, and raises only errors of the tree in errors.py (driver errors stay in here).
Each function makes exactly one round trip and, for writes, one transaction. What a write stores
is decided by writes.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg

from ..errors import KeyTooLong, PresetRunConflict
from ..writes import NewSession
from . import run_text
from .database import Database
from .legacy import merge_runs

Row = dict[str, Any]


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
