"""Read replicas of one database: which one a GET reads from, and whether its answer is fresh enough.

Routing. A read goes to the next replica in round-robin order that is usable: its pool is up, the
probe below found it a standby (pg_is_in_recovery()) and its lag is at most AGNO_REPLICA_MAX_LAG.
When none is usable, when a replica fails mid-read (down, busy, or a hot-standby conflict
cancelled the query), or when it has not replayed far enough (below), the read runs on the primary.
Reads are idempotent, so the retry is safe; nothing answers 503 while the primary is up.

Consistency ("causal reads", across every worker and pod). Before a read uses a replica it takes a
*fence*: the primary's `pg_current_wal_lsn()` sampled after the read arrived. Every write any
worker of any pod acknowledged before this read arrived was committed (flushed) at or below that
LSN, so a replica whose `pg_last_wal_replay_lsn()` is at or past the fence has every such write:
the read sees what a read on the primary would have. A replica behind the fence is not used for
this read. Concurrent reads of one worker share fence samples (one primary round trip in flight at
a time, each read waits for a sample started after it arrived), so the primary sees at most about
one trivial `SELECT` per round trip per worker, while the heavy statements run on the replicas.
When the primary itself is down, reads go to a usable replica without a fence: answers may then
lack writes the old primary acknowledged but had not streamed yet (documented in README).

Lag. A probe samples the primary's WAL position and each replica's replay position every
PROBE_INTERVAL. A replica's lag is the age of the newest primary sample it has fully replayed: 0-ish
while it keeps up, growing while replay is paused or slow, and never inflated by an idle primary
(an idle primary's position does not move, so a caught-up replica stays at or past it).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import dict_row

from ..errors import DatabaseFault
from .faults import GuardedPool
from .health import DatabaseHealth
from .liveness import sever, tcp_params

logger = logging.getLogger("session_svc.db")

# How often the lag probe runs; lag is known to within about this much.
PROBE_INTERVAL = 0.25
# Primary samples kept for lag: enough to measure lag well past any sensible bound.
_HISTORY_SECONDS = 30.0

# Keys of the probe's and the fence's own connections to the primary (replicas use their index).
_PROBE_CONN, _FENCE_CONN = -1, -2

# A replica down or busy sends the read to the primary; a statement timeout is the request's answer.
_READ_FAULT_KINDS = frozenset(("unavailable", "pool_timeout"))


def parse_lsn(text: str | None) -> int | None:
    """'16/B374D848' -> an integer that orders like the pg_lsn."""
    if not text:
        return None
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


class Replica:
    """One replica: its pool (replaced after an outage, as the primary's is), its health, and the
    probe's latest view of it."""

    def __init__(
        self,
        db_id: str,
        index: int,
        dsn: str,
        make_pool: Callable[[Replica], GuardedPool],
        connect_timeout: float,
        close_timeout: float,
        dead_timeout: float = 5.0,
    ) -> None:
        self.index = index
        self.pool_label = f"replica-{index}"
        self.dsn = dsn
        self.fault_counts: collections.Counter[str] = collections.Counter()
        # A replica that stops answering is found out like the primary (liveness.py).
        self.health = DatabaseHealth(
            f"{db_id}/{self.pool_label}", dsn, connect_timeout, self._replace_pool, dead_timeout, self._release_hung
        )
        self._make_pool = make_pool
        self._close_timeout = close_timeout
        self._retiring: set[asyncio.Task[None]] = set()
        self.pool = make_pool(self)
        # From the probe: None until it has answered once.
        self.is_standby: bool | None = None
        self.replay_lsn: int | None = None
        self.lag: float | None = None
        self.probe_ok = False
        self.reads = 0  # reads this replica answered (the bench reports the replicas' share)

    def on_fault(self, kind: str, exc: BaseException) -> None:
        self.fault_counts[kind] += 1
        self.health.report(kind)

    async def _replace_pool(self) -> None:
        old, self.pool = self.pool, self._make_pool(self)
        await self.pool.open(wait=False)
        task = asyncio.get_running_loop().create_task(old.close(timeout=self._close_timeout))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _release_hung(self) -> None:
        """As Database._release_hung: stuck requests fail now, the pool is retired until it is back."""
        old, self.pool = self.pool, self._make_pool(self)
        old.abandon_checkouts()
        for conn in old.checked_out:
            sever(conn)
        task = asyncio.get_running_loop().create_task(old.close(timeout=self._close_timeout))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def open(self) -> None:
        await self.pool.open(wait=False)
        self.health.start()

    async def close(self) -> None:
        await self.health.close()
        await self.pool.close()
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)

    @property
    def down(self) -> bool:
        """Its pool saw it fail, or the last probe could not reach it."""
        return self.health.down or (not self.probe_ok and self.is_standby is not None)

    def state(self, max_lag: float) -> str:
        """ok | starting | down | not_standby | lagging (only "ok" takes reads)."""
        if self.down:
            return "down"
        if self.is_standby is None:
            return "starting"
        if not self.is_standby:
            return "not_standby"
        if self.lag is None or self.lag > max_lag:
            return "lagging"
        return "ok"

    def note_replayed(self, lsn: int | None) -> None:
        if lsn is not None and (self.replay_lsn is None or lsn > self.replay_lsn):
            self.replay_lsn = lsn


class Fence:
    """The primary's WAL position, sampled after the caller arrived, with concurrent callers
    sharing samples: at most one sample query in flight; callers that arrive while one is
    running wait for the next (one started after them), which then serves all of them."""

    def __init__(self, sample: Callable[[], Awaitable[int | None]]) -> None:
        self._sample = sample
        self._running: asyncio.Future[int | None] | None = None
        self._next: asyncio.Future[int | None] | None = None

    async def position(self) -> int | None:
        """The primary's current WAL position (None when it could not be asked)."""
        loop = asyncio.get_running_loop()
        if self._running is None:
            self._running = loop.create_future()
            loop.create_task(self._run(self._running), context=contextvars.Context())
            return await asyncio.shield(self._running)
        if self._next is None:
            self._next = loop.create_future()
        return await asyncio.shield(self._next)

    async def _run(self, future: asyncio.Future[int | None]) -> None:
        while True:
            try:
                future.set_result(await self._sample())
            except BaseException as exc:  # every waiter gets the sample's failure
                future.set_exception(exc)
                future.exception()  # marks it retrieved when nobody waits any more
            if self._next is None:
                self._running = None
                return
            future, self._next = self._next, None
            self._running = future


class ReplicaSet:
    """The replicas of one database, the fence on its primary, and the lag probe."""

    def __init__(
        self,
        db_id: str,
        replicas: Sequence[Replica],
        primary_dsn: str,
        max_lag: float,
        connect_timeout: float,
        dead_timeout: float = 5.0,
    ) -> None:
        self.db_id = db_id
        self._dead_timeout = dead_timeout
        self.replicas = list(replicas)
        self._primary_dsn = primary_dsn
        self.max_lag = max_lag
        self._connect_timeout = connect_timeout
        self._turn = itertools.cycle(range(len(self.replicas)))
        self._history: collections.deque[tuple[float, int]] = collections.deque()
        self.fence = Fence(self._sample_primary)
        self._probe_task: asyncio.Task[None] | None = None
        self._probe_conns: dict[int, psycopg.AsyncConnection[Any]] = {}

    # -- routing -----------------------------------------------------------------------------------

    def candidates(self) -> list[Replica]:
        """Usable replicas, starting at the next one in round-robin order."""
        start = next(self._turn)
        ordered = self.replicas[start:] + self.replicas[:start]
        return [replica for replica in ordered if replica.state(self.max_lag) == "ok"]

    async def _sample_primary(self) -> int | None:
        """The fence's sample, on its own kept connection (not the primary's pool, which writes
        may keep busy); None when the primary cannot be asked."""
        return await self._query_lsn(_FENCE_CONN, self._primary_dsn, "SELECT pg_current_wal_lsn()::text AS lsn")

    # -- lag probe ---------------------------------------------------------------------------------

    async def open(self) -> None:
        await asyncio.gather(*(replica.open() for replica in self.replicas))
        self._probe_task = asyncio.get_running_loop().create_task(self._probe_forever(), context=contextvars.Context())

    async def close(self) -> None:
        await asyncio.gather(*(replica.close() for replica in self.replicas))
        task = self._probe_task
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        for conn in self._probe_conns.values():
            await conn.close()
        self._probe_conns.clear()

    async def _probe_forever(self) -> None:
        while True:
            started = time.monotonic()
            await self.probe_once()
            await asyncio.sleep(max(0.0, PROBE_INTERVAL - (time.monotonic() - started)))

    async def probe_once(self) -> None:
        now = time.monotonic()
        primary_lsn = await self._query_lsn(_PROBE_CONN, self._primary_dsn, "SELECT pg_current_wal_lsn()::text AS lsn")
        if primary_lsn is not None:
            self._history.append((now, primary_lsn))
            while self._history and now - self._history[0][0] > _HISTORY_SECONDS:
                self._history.popleft()
        await asyncio.gather(*(self._probe_replica(replica) for replica in self.replicas))

    async def _probe_replica(self, replica: Replica) -> None:
        row = await self._query(
            replica.index,
            replica.dsn,
            "SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS lsn",
        )
        if row is None:
            replica.probe_ok = False
            if replica.is_standby is None:
                replica.is_standby = False  # answered never: "down", not "starting" forever
            replica.lag = None
            return
        was = replica.state(self.max_lag)
        replica.probe_ok = True
        replica.is_standby = bool(row["standby"])
        replica.note_replayed(parse_lsn(row["lsn"]))
        replica.lag = self._lag_of(replica.replay_lsn)
        now_state = replica.state(self.max_lag)
        if now_state != was and was != "starting":
            lag = f"{replica.lag:.2f}" if replica.lag is not None else "unknown"
            logger.warning(
                "db_id=%s %s: %s -> %s (lag %s s)",
                self.db_id,
                replica.pool_label,
                was,
                now_state,
                lag,
                extra={"fields": {"db_id": self.db_id, "pool": replica.pool_label}},
            )

    def _lag_of(self, replay_lsn: int | None) -> float | None:
        """Age of the newest primary sample the replica has replayed; None when unknown."""
        if replay_lsn is None or not self._history:
            return None
        if replay_lsn >= self._history[-1][1]:
            # Caught up with the newest position known (at most PROBE_INTERVAL old while the primary
            # answers; while it is down, the last one it gave, so the replica stays usable).
            return 0.0
        now = time.monotonic()
        for sampled_at, lsn in reversed(self._history):
            if lsn <= replay_lsn:
                return max(0.0, now - sampled_at)
        return now - self._history[0][0]  # behind every sample kept: at least this old

    async def _query_lsn(self, key: int, dsn: str, statement: str) -> int | None:
        row = await self._query(key, dsn, statement)
        return parse_lsn(row["lsn"]) if row is not None else None

    async def _query(self, key: int, dsn: str, statement: str) -> dict[str, Any] | None:
        """One probe statement on a kept connection (reopened after a failure), time-bounded."""
        try:
            async with asyncio.timeout(self._connect_timeout + 1):
                conn = self._probe_conns.get(key)
                if conn is None or conn.closed or conn.broken:
                    conn = await psycopg.AsyncConnection.connect(
                        dsn,
                        autocommit=True,
                        connect_timeout=max(1, round(self._connect_timeout)),
                        application_name="agno-session-replica-probe",
                        row_factory=dict_row,
                        **tcp_params(self._dead_timeout),
                    )
                    self._probe_conns[key] = conn
                cur = await conn.execute(statement)
                return await cur.fetchone()
        except Exception as exc:  # a failed probe only makes the replica unusable; the reason is logged
            logger.debug("replica probe of db_id=%s failed: %s", self.db_id, type(exc).__name__)
            stale = self._probe_conns.pop(key, None)
            if stale is not None:
                with contextlib.suppress(psycopg.Error, OSError):  # already broken
                    await stale.close()
            return None


MISS = object()  # ReplicaSet.read's "no replica answered: read on the primary"


async def _fetch(
    conn: psycopg.AsyncConnection[Any], statement: Any, params: Any, many: bool, prepare: bool | None
) -> Any:
    cur = await conn.execute(statement, params, prepare=prepare)
    return await cur.fetchall() if many else await cur.fetchone()


async def read_on_replica(
    replicas: ReplicaSet, statement: Any, params: Any, many: bool, primary_down: bool, prepare: bool | None = None
) -> Any:
    """The rows from a usable, caught-up replica, or MISS (then the caller reads on the primary)."""
    candidates = replicas.candidates()
    if not candidates:
        return MISS
    # A primary marked down is not asked (that would cost each read a connect timeout).
    fence = None if primary_down else await replicas.fence.position()
    if fence is None and not primary_down:
        return MISS  # the primary answers reads but not the fence query: stay consistent
    replica = candidates[0]
    try:
        async with replica.pool.connection() as conn:
            if fence is None or (replica.replay_lsn is not None and replica.replay_lsn >= fence):
                result = await _fetch(conn, statement, params, many, prepare)
            else:
                # Not known to be past the fence yet: ask in the same round trip as the read
                # (pipeline), the position first, so the read's snapshot is at least that recent.
                async with conn.pipeline():
                    position = await conn.execute("SELECT pg_last_wal_replay_lsn()::text AS lsn")
                    cur = await conn.execute(statement, params, prepare=prepare)
                    row = await position.fetchone()
                    result = await cur.fetchall() if many else await cur.fetchone()
                replica.note_replayed(parse_lsn(row["lsn"]) if row else None)
                if replica.replay_lsn is None or replica.replay_lsn < fence:
                    return MISS
    except pg_errors.SerializationFailure:
        return MISS  # counted on the replica's own metrics; this read runs on the primary
    except DatabaseFault as fault:
        if fault.kind not in _READ_FAULT_KINDS:
            raise
        return MISS
    replica.reads += 1
    return result
