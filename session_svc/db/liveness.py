"""Noticing a database that stopped answering without closing anything (a black-holed network,
a frozen proxy or host) within AGNO_PG_DEAD_TIMEOUT seconds, instead of at the request deadline.

Two layers, because neither suffices alone:

* **TCP** (`tcp_params`, on every libpq connection: pool, probe, heartbeat, migrate): keepalives
  notice an idle connection whose peer vanished, `tcp_user_timeout` a connection whose sent data
  stays unacknowledged; either makes libpq fail the connection after about the dead timeout.
  Only the kernel's view, though: a proxy or a stopped process whose kernel still acknowledges
  (a frozen PgBouncer, a paused VM's host-side proxy) looks alive to TCP forever.
* **Heartbeat** (`Heartbeat`, one per database and worker, on a connection of its own outside the
  pool, so a saturated pool never looks dead): `SELECT 1` every `interval` (1 s, less for a short
  dead timeout), which must answer within `dead_timeout - 2 * interval`. When it does not, the
  database is marked down (its requests answer 503 at once, the probe in health.py takes over)
  and the owner severs the connections in use, so the requests stuck on them fail now with the
  same 503.

A connection is severed by shutting its socket down (`sever`): the pending read sees end of file
and libpq reports the connection lost, so the waiting coroutine ends at once. Cancelling it would
not do: psycopg answers a cancelled query by sending a cancel request and waiting for the server
(up to 10 s), which is exactly what a black hole never answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

logger = logging.getLogger("session_svc.db")

HEARTBEAT_APPLICATION_NAME = "agno-session-heartbeat"


def tcp_params(dead_timeout: float) -> dict[str, Any]:
    """libpq connection parameters that fail a silent TCP connection after about `dead_timeout`
    seconds (libpq ignores them on unix sockets)."""
    idle = max(1, math.floor(dead_timeout / 2))
    return {
        "keepalives": 1,
        "keepalives_idle": idle,  # seconds of silence before the first probe
        "keepalives_interval": 1,
        "keepalives_count": max(1, math.ceil(dead_timeout - idle)),
        # Unacknowledged data (a query sent into the void) or keepalive probes for this long: dead.
        "tcp_user_timeout": max(1, round(dead_timeout * 1000)),
    }


def heartbeat_timing(dead_timeout: float) -> tuple[float, float]:
    """(seconds between heartbeats, seconds one may take). A silence is noticed at most their sum
    after it began; one more interval is left for severing and answering the requests stuck on it,
    so that they get their 503 within `dead_timeout`."""
    interval = min(1.0, dead_timeout / 5)
    return interval, dead_timeout - 2 * interval


def sever(conn: psycopg.AsyncConnection[Any]) -> None:
    """Shut the connection's socket down so whatever waits on it fails at once (module docstring)."""
    try:
        fd = conn.pgconn.socket
    except psycopg.Error:  # already closed
        return
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as sock:
        sock.shutdown(socket.SHUT_RDWR)


async def check(conn: psycopg.AsyncConnection[Any], timeout: float) -> str:
    """`SELECT 1` on `conn`: "ok", "failed" (an error), or "hung" (no answer within `timeout`
    seconds; `conn` is severed then)."""
    query = asyncio.ensure_future(conn.execute("SELECT 1"))
    try:
        done, _ = await asyncio.wait({query}, timeout=timeout)
    except asyncio.CancelledError:  # stopped (shutdown): end the query too, without waiting on the server
        sever(conn)
        with contextlib.suppress(psycopg.Error):
            await query
        raise
    if not done:
        sever(conn)
    try:
        await query  # after a sever it fails at once
    except psycopg.Error:
        return "failed" if done else "hung"
    return "ok"


class Heartbeat:
    """Checks the database every `interval` seconds on a connection of its own while `wanted()`,
    and calls `on_dead(hung)` (then stops) when the database does not answer: `hung` when a
    check got no answer in time, else the connection failed and a new one could not be opened."""

    def __init__(
        self,
        db_id: str,
        dsn: str,
        connect_timeout: float,
        dead_timeout: float,
        wanted: Callable[[], bool],
        on_dead: Callable[[bool], Awaitable[None]],
    ) -> None:
        self.db_id = db_id
        self._dsn = dsn
        self._connect_timeout = connect_timeout
        self._dead_timeout = dead_timeout
        self._interval, self._answer_within = heartbeat_timing(dead_timeout)
        self._wanted = wanted
        self._on_dead = on_dead
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), context=contextvars.Context())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        conn: psycopg.AsyncConnection[Any] | None = None
        try:
            while self._wanted():
                if conn is None:
                    conn = await self._connect()
                    if conn is None:
                        self._task = None  # done: the recovery may start the next heartbeat at once
                        await self._on_dead(False)
                        return
                outcome = await check(conn, self._answer_within)
                if outcome == "hung":
                    logger.error(
                        "db_id=%s did not answer the heartbeat within %.1f s",
                        self.db_id,
                        self._answer_within,
                        extra={"fields": {"db_id": self.db_id}},
                    )
                    self._task = None
                    await self._on_dead(True)
                    return
                if outcome == "failed":  # this connection is gone; the next round opens another
                    await conn.close()
                    conn = None
                    continue
                await asyncio.sleep(self._interval)
        finally:
            if conn is not None:
                sever(conn)  # never wait on a connection that may be dead
                await conn.close()

    async def _connect(self) -> psycopg.AsyncConnection[Any] | None:
        try:
            async with asyncio.timeout(self._connect_timeout + 1):
                return await psycopg.AsyncConnection.connect(
                    self._dsn,
                    autocommit=True,
                    connect_timeout=max(1, round(self._connect_timeout)),
                    application_name=HEARTBEAT_APPLICATION_NAME,
                    **tcp_params(self._dead_timeout),
                )
        except (psycopg.Error, OSError, TimeoutError) as exc:  # logged; clients only see "unavailable"
            logger.debug("heartbeat connection to db_id=%s failed: %s", self.db_id, type(exc).__name__)
            return None
