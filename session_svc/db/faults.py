"""What a database fault becomes, in one place: which driver errors mean "down", "busy" or "too
slow", the DatabaseFault (errors.py) each becomes, and the pool that applies both on every checkout.

* **Down** (cannot connect, connection lost, server shutting down): 503 with Retry-After, and the
  database is marked down so that its next requests answer 503 at once instead of waiting for the
  pool; a background probe (see `health.DatabaseHealth`) marks it up again when it answers.
* **Busy** (no pooled connection free within AGNO_POOL_TIMEOUT): 503 with Retry-After.
* **Too slow** (the server cancelled the statement: statement_timeout): 504.

Clients only ever see the db_id; hosts, users, SQL and driver messages stay in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout, TooManyRequests

from ..errors import DatabaseFault

if TYPE_CHECKING:
    from .health import DatabaseHealth

logger = logging.getLogger("session_svc.db")


# SQLSTATEs that say the server itself is going away or not accepting work (class 08 is
# "connection exception"): everything on that server will fail the same way.
_DOWN_SQLSTATES = frozenset(("57P01", "57P02", "57P03"))


def classify(exc: BaseException, conn: psycopg.AsyncConnection[Any] | None = None) -> str | None:
    """The fault kind of a driver error, or None for an error that is not a database fault
    (a bug or a constraint: it stays a 500)."""
    if isinstance(exc, (PoolTimeout, TooManyRequests)):
        return "pool_timeout"
    if isinstance(exc, PoolClosed):
        return "unavailable"
    if isinstance(exc, pg_errors.QueryCanceled):
        return "statement_timeout"
    if not isinstance(exc, psycopg.Error):
        return None
    if conn is not None and conn.broken:
        return "unavailable"
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        # A write reached a server that is (now) a standby: during a failover behind one endpoint
        # (a CloudNativePG -rw Service, an RDS cluster endpoint) the old primary may still hold our
        # connections. "Down" gets a fresh pool, whose new connections reach the new primary.
        return "unavailable"
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(exc, psycopg.OperationalError) and (
        sqlstate is None or sqlstate.startswith("08") or sqlstate in _DOWN_SQLSTATES
    ):
        return "unavailable"
    return None


_FAULTS: dict[str, Callable[[str], DatabaseFault]] = {
    "unavailable": DatabaseFault.unavailable,
    "pool_timeout": DatabaseFault.busy,
    "statement_timeout": DatabaseFault.timeout,
}


def fault_error(kind: str, db_id: str) -> DatabaseFault:
    """The client's answer to a fault of `kind` (classify) on database `db_id`."""
    return _FAULTS[kind](db_id)


class GuardedPool(AsyncConnectionPool):
    """An AsyncConnectionPool whose `connection()` fails fast while its database is down and turns
    driver faults (on checkout or inside the block) into DatabaseFaults (503/504)."""

    def __init__(
        self,
        *args: Any,
        db_id: str,
        health: DatabaseHealth,
        on_fault: Callable[[str, BaseException], None],
        first_connect_wait: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.db_id = db_id
        self._health = health
        self._on_fault = on_fault
        self._first_connect_wait = first_connect_wait
        # When the database stops answering (liveness.py), the connections requests hold are
        # severed, and the requests still waiting for one are cancelled here: psycopg_pool's own
        # close() fails them only after its workers' connection attempts have timed out.
        self.checked_out: set[psycopg.AsyncConnection[Any]] = set()
        self._checking_out: set[asyncio.Task[Any]] = set()
        self._abandoned: set[asyncio.Task[Any]] = set()

    def abandon_checkouts(self) -> None:
        """Make every request waiting for a connection of this pool fail with 503 now."""
        for task in self._checking_out:
            self._abandoned.add(task)
            task.cancel()
        self._checking_out.clear()

    @contextlib.asynccontextmanager
    async def connection(self, timeout: float | None = None) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        health = self._health
        if health.down:
            fault = DatabaseFault.unavailable(self.db_id)
            self._on_fault("unavailable", fault)
            raise fault
        if not health.seen_up:
            # Nothing has connected yet (start-up, or a server that accepts but never answers):
            # wait no longer than one connection attempt, not the whole pool timeout.
            timeout = min(self.timeout if timeout is None else timeout, self._first_connect_wait)
        conn: psycopg.AsyncConnection[Any] | None = None
        task = asyncio.current_task()
        assert task is not None
        self._checking_out.add(task)
        try:
            async with super().connection(timeout) as conn:
                self._checking_out.discard(task)
                health.seen_up = True
                self.checked_out.add(conn)
                try:
                    yield conn
                finally:
                    self.checked_out.discard(conn)
        except asyncio.CancelledError:
            if task not in self._abandoned:
                raise
            self._abandoned.discard(task)
            task.uncancel()  # our cancel, not the request's: it continues with the 503
            fault = DatabaseFault.unavailable(self.db_id)
            self._on_fault("unavailable", fault)
            raise fault from None
        except psycopg.Error as exc:
            kind = classify(exc, conn)
            if kind == "pool_timeout" and not health.seen_up:
                kind = "unavailable"  # not busy: no connection has ever been made
            self._on_fault(kind or "other", exc)
            if kind is None:
                raise
            raise fault_error(kind, self.db_id) from exc
        finally:
            self._checking_out.discard(task)
            self._abandoned.discard(task)
