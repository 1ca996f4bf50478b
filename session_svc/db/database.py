"""One configured database: its connection pool, its table names and its composed statements.

Everything that can be decided once per database (identifiers, the legacy `runs` column, which side
tables a delete must clear) is decided in `open()`, so a request only picks a prepared statement
and binds values.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import msgspec
import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps, set_json_loads

from ..errors import DatabaseFault
from ..jsonenc import dumps
from ..settings import DatabaseConfig, Settings
from . import statements
from .faults import GuardedPool
from .health import DatabaseHealth
from .liveness import sever, tcp_params
from .replicas import MISS, Replica, ReplicaSet, read_on_replica

logger = logging.getLogger("session_svc.db")

# agno's default names for the other tables an AgentOS database may hold. `table=` only selects a
# database object by one of its table names (agno/os/utils.py: get_db); routes still query the session table.
AGNO_OTHER_TABLES = (
    "agno_memories",
    "agno_metrics",
    "agno_eval_runs",
    "agno_knowledge",
    "agno_learnings",
)

# agno's tables keyed by session that a delete clears too, where they exist (load_table_facts.sql):
# (table name without `agno_`, its session id column).
_SIDE_TABLES = (("transcripts", "agno_session_id"), ("compactions", "session_id"))

# jsonb decodes with msgspec: it keeps the key order PostgreSQL stores and integers wider than
# 64 bits exactly (orjson would turn them into floats).
_json_decode = msgspec.json.Decoder().decode


def _configurer(statement_timeout: float, prepare: bool) -> Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]:
    async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
        set_json_loads(_json_decode, context=conn)
        set_json_dumps(dumps, context=conn)
        if statement_timeout > 0:
            # Backstop behind the request deadline: a statement the client cancel missed still
            # ends on the server. A session setting, so AGNO_PG_STATEMENT_TIMEOUT=0 under PgBouncer.
            await conn.execute(f"SET statement_timeout = {int(statement_timeout * 1000)}")
        if prepare:
            # PostgreSQL kept re-planning the list statement on every execution (custom plans,
            # 0.17-0.33 ms of planning each); each of our statement texts has a fixed filter set,
            # so the generic plan is the same shape. Measured: list PostgreSQL CPU 0.82 -> 0.49 ms.
            await conn.execute("SET plan_cache_mode = force_generic_plan")

    return configure


class Database:
    def __init__(self, config: DatabaseConfig, settings: Settings) -> None:
        self.db_id = config.db_id
        self.dsn = config.dsn
        self.schema = settings.db_schema
        self.session_table = settings.session_table
        self.runs_table = settings.runs_table
        # The runs table is not among them: agno's get_db only matches these (os/utils.py).
        self.table_names = frozenset((self.session_table, *AGNO_OTHER_TABLES))
        self.connect_timeout = settings.connect_timeout
        self._settings = settings
        # Faults seen on this database, by kind (faults.classify), for /metrics.
        self.fault_counts: Counter[str] = Counter()
        self._retiring: set[asyncio.Task[None]] = set()
        self.health = DatabaseHealth(
            self.db_id,
            self.dsn,
            settings.connect_timeout,
            self._replace_pool,
            settings.pg_dead_timeout,
            self._release_hung,
        )
        self.pool = self._new_pool()
        # GET routes read from these when configured (replicas.py); None: everything on the primary.
        self.replicas: ReplicaSet | None = None
        if config.read_dsns:
            self.replicas = ReplicaSet(
                self.db_id,
                [
                    Replica(
                        self.db_id,
                        index,
                        dsn,
                        self._new_replica_pool,
                        settings.connect_timeout,
                        settings.shutdown_grace,
                        settings.pg_dead_timeout,
                    )
                    for index, dsn in enumerate(config.read_dsns)
                ],
                self.dsn,
                settings.replicas.max_lag,
                settings.connect_timeout,
                settings.pg_dead_timeout,
            )
        self.sessions_ident = sql.Identifier(self.schema, self.session_table)
        self.runs_ident = sql.Identifier(self.schema, self.runs_table)
        self.has_legacy_runs = False
        self._statements: dict[Any, sql.Composed] = {}
        self._facts_loaded = False

    # -- lifecycle -------------------------------------------------------------------------------

    def _new_pool(self) -> GuardedPool:
        settings = self._settings
        return self._pool_for(
            self.dsn, settings.pool_min_size, settings.pool_max_size, "primary", self.health, self._on_fault
        )

    def _new_replica_pool(self, replica: Replica) -> GuardedPool:
        replicas = self._settings.replicas
        return self._pool_for(
            replica.dsn,
            replicas.pool_min_size,
            replicas.pool_max_size,
            replica.pool_label,
            replica.health,
            replica.on_fault,
        )

    def _pool_for(
        self,
        dsn: str,
        min_size: int,
        max_size: int,
        role: str,
        health: DatabaseHealth,
        on_fault: Callable[[str, BaseException], None],
    ) -> GuardedPool:
        settings = self._settings
        return GuardedPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeout=settings.pool_timeout,
            open=False,
            configure=_configurer(settings.statement_timeout, settings.pg_prepare),
            kwargs={
                "autocommit": True,  # every statement is its own transaction: no BEGIN/COMMIT trips
                "connect_timeout": max(2, round(settings.connect_timeout)),
                "prepare_threshold": 2 if settings.pg_prepare else None,
                "row_factory": dict_row,
                # Replicas' connections are told apart in pg_stat_activity (and by the tests).
                "application_name": "agno-session" if role == "primary" else "agno-session-read",
                **tcp_params(settings.pg_dead_timeout),
            },
            name=f"agno-session-{self.db_id}" if role == "primary" else f"agno-session-{self.db_id}-{role}",
            db_id=self.db_id,
            health=health,
            on_fault=on_fault,
            # libpq waits at least 2 s for a connection; allow that plus a little.
            first_connect_wait=max(2.0, settings.connect_timeout) + 0.5,
        )

    def _on_fault(self, kind: str, exc: BaseException) -> None:
        self.fault_counts[kind] += 1
        self.health.report(kind)

    async def _replace_pool(self) -> None:
        """After an outage: a fresh pool, so no dead connection or backed-off reconnect attempt
        of the old one is used; the old pool closes its connections as they come back."""
        old, self.pool = self.pool, self._new_pool()
        await self.pool.open(wait=False)
        self._retire(old)

    async def _release_hung(self) -> None:
        """The database stopped answering (liveness.py): requests stuck on its connections fail now
        (severed sockets: "connection lost", 503), requests waiting for one are cancelled (503), and
        the pool is retired; the next one opens when the probe finds the database back."""
        old, self.pool = self.pool, self._new_pool()  # not opened: requests answer 503 while down
        old.abandon_checkouts()
        for conn in old.checked_out:
            sever(conn)
        self._retire(old)

    def _retire(self, old: GuardedPool) -> None:
        task = asyncio.get_running_loop().create_task(old.close(timeout=self._settings.shutdown_grace))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def open(self) -> None:
        """Open the pool without waiting: a database that is down at start-up only makes its own
        requests answer 503 until it is back."""
        await self.pool.open(wait=False)
        self.health.start()
        if self.replicas is not None:
            await self.replicas.open()

    async def close(self) -> None:
        if self.replicas is not None:
            await self.replicas.close()
        await self.health.close()
        await self.pool.close()
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)

    async def load_table_facts(self, _migrated_once: bool = False) -> None:
        """Read the table shape once (legacy runs column, side tables) and compose statements."""
        async with self.pool.connection(timeout=self.connect_timeout + 1) as conn:
            cur = await conn.execute(
                statements.load("load_table_facts"),
                {"schema": self.schema, "session_table": self.session_table},
                prepare=False,
            )
            facts = await cur.fetchone()
        assert facts is not None
        if not facts["has_sessions"] and not _migrated_once:
            # `serve` creates missing tables at start-up, but a database that was down then (or
            # was emptied since) reaches here without them: create them now, as agno would.
            from .migrate import migrate_database

            await anyio.to_thread.run_sync(migrate_database, DatabaseConfig(self.db_id, self.dsn), self._settings)
            return await self.load_table_facts(_migrated_once=True)
        self.has_legacy_runs = bool(facts["has_legacy_runs"])
        self._side_tables = (bool(facts["has_transcripts"]), bool(facts["has_compactions"]))
        self._statements.clear()
        self._facts_loaded = True

    async def ensure_facts(self) -> None:
        if not self._facts_loaded:
            await self.load_table_facts()

    # -- reads ---------------------------------------------------------------------------------------

    async def read(
        self, statement: sql.Composed, params: dict[str, Any], many: bool = False, prepare: bool | None = None
    ) -> Any:
        """A read-only statement's rows (`many`) or row, from a usable replica when one is configured
        and caught up with the primary (replicas.py: the fence), else from the primary. `prepare`
        as psycopg's (False for a statement whose text varies per request)."""
        if self.replicas is not None:
            result = await read_on_replica(self.replicas, statement, params, many, self.health.down, prepare)
            if result is not MISS:
                return result
        async with self.pool.connection() as conn:
            cur = await conn.execute(statement, params, prepare=prepare)
            return await cur.fetchall() if many else await cur.fetchone()

    def pools(self) -> list[tuple[str, GuardedPool, bool, Counter[str]]]:
        """(pool label, pool, up, fault counts) of the primary and each replica, for /metrics."""
        views = [("primary", self.pool, not self.health.down, self.fault_counts)]
        for replica in self.replicas.replicas if self.replicas is not None else ():
            views.append((replica.pool_label, replica.pool, not replica.down, replica.fault_counts))
        return views

    # -- statements ------------------------------------------------------------------------------

    def statement(self, name: str, variant: Any = None, cache: bool = True, **extra: sql.Composable) -> sql.Composed:
        """`sql/<name>.sql` composed for this database, cached under (name, variant): callers
        derive `extra` slots from `variant` alone, so the set of texts stays small and fixed.
        `cache=False` for a text that holds a per-request literal (never prepared either)."""
        key = (name, variant)
        stmt = self._statements.get(key) if cache else None
        if stmt is None:
            legacy = sql.SQL("s.runs") if self.has_legacy_runs else sql.SQL("NULL::jsonb")
            stmt = statements.compose(
                name,
                sessions=self.sessions_ident,
                runs=self.runs_ident,
                legacy_runs=legacy,
                side_deletes=self._side_deletes(),
                **extra,
            )
            if cache:
                self._statements[key] = stmt
        return stmt

    def _side_deletes(self) -> sql.Composable:
        """The CTEs that clear agno's side tables of the deleted sessions, for those that exist."""
        present = getattr(self, "_side_tables", (False, False))
        parts: list[sql.Composable] = [
            sql.SQL(
                ", deleted_{name} AS (DELETE FROM {table} WHERE {column} IN "
                "(SELECT session_id FROM deleted) RETURNING 1)"
            ).format(name=sql.SQL(name), table=sql.Identifier(self.schema, f"agno_{name}"), column=sql.SQL(column))
            for (name, column), exists in zip(_SIDE_TABLES, present, strict=True)
            if exists
        ]
        return sql.Composed(parts) if parts else sql.SQL("")

    async def has_table(self, table: str) -> bool:
        """Whether `table` names one of this database's tables and exists (agno/os/utils.py: get_db)."""
        if table not in self.table_names:
            return False
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL AS present",
                (sql.Identifier(self.schema, table).as_string(conn),),
            )
            row = await cur.fetchone()
        return bool(row and row["present"])

    async def ping(self, timeout: float) -> bool:
        """Readiness: one trivial round trip within `timeout` seconds. A pool whose connections are
        all busy serving requests is ready (the database answers); a database marked down is not."""
        if self.health.down:
            return False
        try:
            async with asyncio.timeout(timeout):
                # Half the time to get a connection, so a busy pool is told apart from a slow query.
                async with self.pool.connection(timeout=timeout / 2) as conn:
                    await conn.execute(statements.load("ping"))
            return True
        except Exception as exc:  # any failure means "not ready"; the reason is logged, not returned
            if isinstance(exc, DatabaseFault) and exc.kind == "pool_timeout":
                stats = self.pool.get_stats()
                return stats.get("pool_size", 0) > stats.get("pool_available", 0) and not self.health.down
            cause = exc.__cause__ or exc
            logger.warning("readiness check failed for db_id=%s (%s)", self.db_id, type(cause).__name__)
            return False
