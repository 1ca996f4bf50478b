"""What a database fault becomes, in one place: which errors mean "down", "busy" or "too slow",
the 503/504 answers for them, and the pool that applies both on every checkout.

* **Down** (cannot connect, connection lost, server shutting down): 503 with Retry-After, and the
  database is marked down so that its next requests answer 503 at once instead of waiting for the
  pool; a background probe (see `health.DatabaseHealth`) marks it up again when it answers.
* **Busy** (no pooled connection free within AGNO_POOL_TIMEOUT): 503 with Retry-After.
* **Too slow** (the server cancelled the statement: statement_timeout): 504.

Clients only ever see the db_id; hosts, users, SQL and driver messages stay in the log.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout, TooManyRequests
from starlette.responses import Response

from ..errors import HTTPError

if TYPE_CHECKING:
    from .health import DatabaseHealth

logger = logging.getLogger("session_svc.db")

# SQLSTATEs that say the server itself is going away or not accepting work (class 08 is
# "connection exception"): everything on that server will fail the same way.
_DOWN_SQLSTATES = frozenset(("57P01", "57P02", "57P03"))

RETRY_AFTER_DOWN = 5  # seconds; the probe retries every second, clients need not hammer
RETRY_AFTER_BUSY = 1


class DatabaseUnavailable(HTTPError):
    """503: the database is down or unreachable."""

    kind = "unavailable"

    def __init__(self, db_id: str) -> None:
        super().__init__(503, f"Database '{db_id}' is unavailable")
        self.db_id = db_id

    def to_response(self) -> Response:
        response = super().to_response()
        response.headers["Retry-After"] = str(RETRY_AFTER_DOWN)
        return response


class DatabaseBusy(HTTPError):
    """503: every pooled connection stayed in use for AGNO_POOL_TIMEOUT seconds."""

    kind = "pool_timeout"

    def __init__(self, db_id: str) -> None:
        super().__init__(503, f"Database '{db_id}' is busy, retry later")
        self.db_id = db_id

    def to_response(self) -> Response:
        response = super().to_response()
        response.headers["Retry-After"] = str(RETRY_AFTER_BUSY)
        return response


class DatabaseTimeout(HTTPError):
    """504: the server cancelled the statement (statement_timeout)."""

    kind = "statement_timeout"

    def __init__(self, db_id: str) -> None:
        super().__init__(504, "Request timed out")
        self.db_id = db_id


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


_ANSWERS: dict[str, type[HTTPError]] = {
    "unavailable": DatabaseUnavailable,
    "pool_timeout": DatabaseBusy,
    "statement_timeout": DatabaseTimeout,
}


def fault_error(kind: str, db_id: str) -> HTTPError:
    return _ANSWERS[kind](db_id)  # type: ignore[call-arg]


class GuardedPool(AsyncConnectionPool):
    """An AsyncConnectionPool whose `connection()` fails fast while its database is down and turns
    driver faults (on checkout or inside the block) into the 503/504 errors above."""

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

    @contextlib.asynccontextmanager
    async def connection(self, timeout: float | None = None) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        health = self._health
        if health.down:
            self._on_fault("unavailable", DatabaseUnavailable(self.db_id))
            raise DatabaseUnavailable(self.db_id)
        if not health.seen_up:
            # Nothing has connected yet (start-up, or a server that accepts but never answers):
            # wait no longer than one connection attempt, not the whole pool timeout.
            timeout = min(self.timeout if timeout is None else timeout, self._first_connect_wait)
        conn: psycopg.AsyncConnection[Any] | None = None
        try:
            async with super().connection(timeout) as conn:
                health.seen_up = True
                yield conn
        except psycopg.Error as exc:
            kind = classify(exc, conn)
            if kind == "pool_timeout" and not health.seen_up:
                kind = "unavailable"  # not busy: no connection has ever been made
            self._on_fault(kind or "other", exc)
            if kind is None:
                raise
            raise fault_error(kind, self.db_id) from exc
