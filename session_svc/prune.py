"""`session-svc prune`: delete sessions whose last update is older than a bound (retention).

agno keeps every session forever. This deletes the old ones with their runs and the side rows a
DELETE /sessions clears (sql/prune/delete_batch.sql shares delete_sessions.sql's CTEs), in bounded
batches: each batch is one statement, so one short transaction. SIGINT or SIGTERM lets the batch
in flight commit and then stops (a second signal stops at once; the server then rolls that batch
back), so the summary counts exactly what was deleted; a lost connection leaves only whole sessions
behind too. Rerunning simply continues, because what is left is again "older than the bound".

Progress goes to stderr, one line per batch; the JSON summary goes to stdout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import re
import signal
import sys
import time
from typing import Any, TextIO

from .db.database import Database
from .settings import ConfigError, Settings

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
SESSION_TYPES = ("agent", "team", "workflow")
DEFAULT_BATCH_SIZE = 1000


def parse_age(text: str) -> int:
    """'90d' -> seconds. Units: s, m, h, d, w; the number must be positive."""
    match = _DURATION.match(text.lower())
    if not match or int(match.group(1)) <= 0:
        raise ConfigError(
            f"--older-than must be a positive number with a unit s, m, h, d or w (e.g. 90d), got {text!r}"
        )
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


@dataclasses.dataclass
class PruneRequest:
    older_than: str
    cutoff: int  # epoch seconds: sessions last updated before this are pruned
    user_id: str | None
    session_type: str | None
    dry_run: bool
    batch_size: int

    def params(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff,
            "user_id": self.user_id,
            "session_type": self.session_type,
            "batch_size": self.batch_size,
        }


@dataclasses.dataclass
class PruneSummary:
    """Filled in as batches commit, so an interrupted run still reports what it did."""

    request: PruneRequest
    databases: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    interrupted: bool = False

    def add(self, db_id: str, sessions: int, runs: int) -> None:
        totals = self.databases.setdefault(db_id, {"sessions": 0, "runs": 0})
        totals["sessions"] += sessions
        totals["runs"] += runs

    def as_json(self) -> dict[str, Any]:
        request = self.request
        cutoff_iso = datetime.datetime.fromtimestamp(request.cutoff, datetime.UTC).isoformat()
        verb = "would_delete" if request.dry_run else "deleted"
        return {
            "dry_run": request.dry_run,
            "older_than": request.older_than,
            "cutoff": request.cutoff,
            "cutoff_iso": cutoff_iso.replace("+00:00", "Z"),
            "filters": {"user_id": request.user_id, "session_type": request.session_type},
            "complete": not self.interrupted,
            verb: {
                "sessions": sum(d["sessions"] for d in self.databases.values()),
                "runs": sum(d["runs"] for d in self.databases.values()),
            },
            "databases": {db_id: dict(totals) for db_id, totals in self.databases.items()},
        }


def make_request(
    older_than: str,
    user_id: str | None,
    session_type: str | None,
    dry_run: bool,
    batch_size: int,
    now: float | None = None,
) -> PruneRequest:
    if session_type is not None and session_type not in SESSION_TYPES:
        raise ConfigError(f"--type must be one of {', '.join(SESSION_TYPES)}, got {session_type!r}")
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {batch_size}")
    now = time.time() if now is None else now
    return PruneRequest(older_than, int(now) - parse_age(older_than), user_id, session_type, dry_run, batch_size)


async def prune(
    settings: Settings, request: PruneRequest, summary: PruneSummary, progress: TextIO = sys.stderr
) -> None:
    """Prune every database in `settings` (in order), recording committed batches in `summary`."""
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    assert main_task is not None

    def stop() -> None:
        if summary.interrupted:  # second signal: give up on the batch in flight too
            main_task.cancel()
        summary.interrupted = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    for config in settings.databases:
        if summary.interrupted:
            break
        db = Database(config, settings)
        await db.pool.open(wait=True, timeout=settings.connect_timeout + 3)
        try:
            await db.load_table_facts()
            if request.dry_run:
                await _count(db, request, summary, progress)
            else:
                await _delete_in_batches(db, request, summary, progress)
        finally:
            await db.pool.close()


async def _count(db: Database, request: PruneRequest, summary: PruneSummary, progress: TextIO) -> None:
    async with db.pool.connection() as conn:
        cur = await conn.execute(db.statement("prune/count"), request.params())
        row = await cur.fetchone()
    assert row is not None
    summary.add(db.db_id, int(row["sessions"]), int(row["runs"]))
    print(f"prune db_id={db.db_id}: dry run, {row['sessions']} sessions and {row['runs']} runs match", file=progress)


async def _delete_in_batches(db: Database, request: PruneRequest, summary: PruneSummary, progress: TextIO) -> None:
    summary.add(db.db_id, 0, 0)
    batch = 0
    while not summary.interrupted:
        async with db.pool.connection() as conn:
            cur = await conn.execute(db.statement("prune/delete_batch"), request.params())
            row = await cur.fetchone()
        assert row is not None
        sessions, runs = int(row["sessions"]), int(row["runs"])
        if sessions == 0:
            break
        batch += 1
        summary.add(db.db_id, sessions, runs)
        totals = summary.databases[db.db_id]
        print(
            f"prune db_id={db.db_id}: batch {batch}: {totals['sessions']} sessions, {totals['runs']} runs deleted",
            file=progress,
            flush=True,
        )
        # A batch below the bound means nothing older was left when it ran.
        if sessions < request.batch_size:
            break


def run_prune(settings: Settings, request: PruneRequest) -> tuple[PruneSummary, int]:
    """Run to completion or until SIGINT; returns the summary and the exit status (130 if interrupted)."""
    summary = PruneSummary(request)
    try:
        asyncio.run(prune(settings, request, summary))
    except asyncio.CancelledError:
        # A second signal cancelled the running statement (psycopg sends the server a cancel):
        # its batch rolled back; every earlier batch is committed and counted.
        summary.interrupted = True
    return summary, 130 if summary.interrupted else 0
