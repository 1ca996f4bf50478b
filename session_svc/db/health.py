"""Is a database up? Decided by real connection attempts, and recovered without a restart.

psycopg_pool retries failed connections with exponential backoff (1 s, 2 s, 4 s ... for up to five
minutes), so after an outage a pool alone may take minutes to notice the server is back, and while
it is down every checkout waits the whole pool timeout. Instead:

* a fault on a connection (faults.classify → "unavailable") marks the database down: its requests
  then answer 503 at once;
* while it is down, a probe opens a fresh connection every PROBE_INTERVAL seconds (bounded by the
  connect timeout); the first success marks it up and asks the owner for a fresh pool, so no dead
  connection and no backed-off reconnect attempt of the old one is ever handed out;
* "busy" faults (pool timeout) only trigger one probe: a saturated pool is not a dead server;
* while it is up, a heartbeat (liveness.py) notices within AGNO_PG_DEAD_TIMEOUT a database that
  stopped answering altogether; then the owner also severs the connections stuck on it.

Each database has its own health, so one database down never affects another.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable

import psycopg

from .liveness import Heartbeat, check, tcp_params

logger = logging.getLogger("session_svc.db")

PROBE_INTERVAL = 1.0


class DatabaseHealth:
    def __init__(
        self,
        db_id: str,
        dsn: str,
        connect_timeout: float,
        on_recovered: Callable[[], Awaitable[None]],
        dead_timeout: float = 5.0,
        on_hung: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.db_id = db_id
        self._dsn = dsn
        self._connect_timeout = connect_timeout
        self._dead_timeout = dead_timeout
        self._on_recovered = on_recovered
        self._on_hung = on_hung
        self._heartbeat = Heartbeat(
            db_id, dsn, connect_timeout, dead_timeout, wanted=lambda: not self.down and not self._closed,
            on_dead=self._heartbeat_failed,
        )  # fmt: skip
        self.down = False
        # True once any connection to it has worked; until then requests wait for one connection
        # attempt at most (faults.GuardedPool).
        self.seen_up = False
        self.down_since: float | None = None
        self._probe_task: asyncio.Task[None] | None = None
        self._closed = False

    def report(self, kind: str) -> None:
        """A request saw a fault of `kind` (faults.classify)."""
        if self._closed:
            return
        if kind == "unavailable" and not self.down:
            self._mark_down()
        if kind in ("unavailable", "pool_timeout"):
            self._ensure_probe()

    def _mark_down(self) -> None:
        self.down = True
        self.down_since = time.monotonic()
        logger.error(
            "db_id=%s is unavailable; probing every %.0f s",
            self.db_id,
            PROBE_INTERVAL,
            extra={"fields": {"db_id": self.db_id}},
        )

    def start(self) -> None:
        """Check once at start-up, so a database that is down from the start fails fast too."""
        self._ensure_probe()

    async def close(self) -> None:
        self._closed = True
        await self._heartbeat.stop()
        task = self._probe_task
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    def _ensure_probe(self) -> None:
        if self._probe_task is None or self._probe_task.done():
            # A fresh context: the probe outlives the request that triggered it, and its log lines
            # must not carry that request's id.
            self._probe_task = asyncio.get_running_loop().create_task(
                self._probe_until_up(), context=contextvars.Context()
            )

    async def _probe_until_up(self) -> None:
        while not self._closed:
            if await self.probe():
                self.seen_up = True
                if self.down:
                    await self._on_recovered()
                    outage = time.monotonic() - (self.down_since or time.monotonic())
                    logger.warning(
                        "db_id=%s is available again after %.1f s",
                        self.db_id,
                        outage,
                        extra={"fields": {"db_id": self.db_id}},
                    )
                    self.down = False
                    self.down_since = None
                self._heartbeat.start()
                return
            if not self.down:
                self._mark_down()
            await asyncio.sleep(PROBE_INTERVAL)

    async def _heartbeat_failed(self, hung: bool) -> None:
        """The heartbeat got no answer (`hung`) or could not reconnect: down, requests stuck on
        the database released (the owner's `on_hung`), and probing until it is back."""
        if self._closed:
            return
        if not self.down:
            self._mark_down()
        if hung and self._on_hung is not None:
            await self._on_hung()
        self._ensure_probe()

    async def probe(self) -> bool:
        """One fresh connection and `SELECT 1`, within the connect timeout (plus a second)."""
        try:
            async with asyncio.timeout(self._connect_timeout + 1):
                conn = await psycopg.AsyncConnection.connect(
                    self._dsn,
                    autocommit=True,
                    connect_timeout=max(1, round(self._connect_timeout)),
                    application_name="agno-session-probe",
                    **tcp_params(self._dead_timeout),
                )
            try:
                # Not under the timeout above: cancelling a query waits for the server (liveness.py).
                return await check(conn, self._connect_timeout) == "ok"
            finally:
                await conn.close()
        except Exception as exc:  # the reason goes to the log; clients only see "unavailable"
            logger.debug("probe of db_id=%s failed: %s", self.db_id, type(exc).__name__)
            return False
