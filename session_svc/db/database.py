"""One configured database: its connection pool, its table names and its composed statements.

Everything that can be decided once per database (identifiers, the legacy `runs` column, which side
tables a delete must clear) is decided in `open()`, so a request only picks a prepared statement
and binds values.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool

from ..jsonenc import dumps
from ..settings import DatabaseConfig, Settings
from . import queries

logger = logging.getLogger("session_svc.db")

# agno's default names for the other tables an AgentOS database may hold. `table=` only selects a
# database object by one of its table names (contract §1.3); routes still query the session table.
AGNO_OTHER_TABLES = (
    "agno_memories",
    "agno_metrics",
    "agno_eval_runs",
    "agno_knowledge",
    "agno_learnings",
)

# jsonb decodes with msgspec: it keeps the key order PostgreSQL stores and integers wider than
# 64 bits exactly (orjson would turn them into floats).
_json_decode = msgspec.json.Decoder().decode


async def _configure_connection(conn: psycopg.AsyncConnection[Any]) -> None:
    set_json_loads(_json_decode, context=conn)
    set_json_dumps(dumps, context=conn)


class Database:
    def __init__(self, config: DatabaseConfig, settings: Settings) -> None:
        self.db_id = config.db_id
        self.dsn = config.dsn
        self.schema = settings.db_schema
        self.session_table = settings.session_table
        self.runs_table = settings.runs_table
        self.table_names = frozenset((self.session_table, self.runs_table, *AGNO_OTHER_TABLES))
        self.connect_timeout = settings.connect_timeout
        self.pool = AsyncConnectionPool(
            self.dsn,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            timeout=settings.pool_timeout,
            open=False,
            configure=_configure_connection,
            kwargs={
                "autocommit": True,  # every statement is its own transaction: no BEGIN/COMMIT trips
                "connect_timeout": max(2, round(settings.connect_timeout)),
                "prepare_threshold": 2 if settings.pg_prepare else None,
                "row_factory": dict_row,
                "application_name": "agno-session",
            },
            name=f"agno-session-{self.db_id}",
        )
        self.sessions_ident = sql.Identifier(self.schema, self.session_table)
        self.runs_ident = sql.Identifier(self.schema, self.runs_table)
        self.has_legacy_runs = False
        self.has_sessions_table = True
        self._statements: dict[Any, sql.Composed] = {}
        self._facts_loaded = False

    # -- lifecycle -------------------------------------------------------------------------------

    async def open(self) -> None:
        """Open the pool without waiting: a database that is down at start-up only makes its own
        requests answer 503 until it is back."""
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    async def load_table_facts(self) -> None:
        """Read the table shape once (legacy runs column, side tables) and compose statements."""
        async with self.pool.connection(timeout=self.connect_timeout + 1) as conn:
            cur = await conn.execute(
                queries.load("table_columns"),
                {"schema": self.schema, "session_table": self.session_table},
                prepare=False,
            )
            facts = await cur.fetchone()
        assert facts is not None
        self.has_legacy_runs = bool(facts["has_legacy_runs"])
        self.has_sessions_table = bool(facts["has_sessions"])
        self._side_tables = (bool(facts["has_transcripts"]), bool(facts["has_compactions"]))
        self._statements.clear()
        self._facts_loaded = True

    async def ensure_facts(self) -> None:
        if not self._facts_loaded:
            await self.load_table_facts()

    # -- statements ------------------------------------------------------------------------------

    def statement(self, name: str, variant: Any = None, **extra: sql.Composable) -> sql.Composed:
        """`sql/<name>.sql` composed for this database, cached under (name, variant): callers
        derive `extra` slots from `variant` alone, so the set of texts stays small and fixed."""
        key = (name, variant)
        stmt = self._statements.get(key)
        if stmt is None:
            legacy = sql.SQL("s.runs") if self.has_legacy_runs else sql.SQL("NULL::jsonb")
            stmt = queries.compose(
                name,
                sessions=self.sessions_ident,
                runs=self.runs_ident,
                legacy_runs=legacy,
                side_deletes=self._side_deletes(),
                **extra,
            )
            self._statements[key] = stmt
        return stmt

    def _side_deletes(self) -> sql.Composable:
        has_transcripts, has_compactions = getattr(self, "_side_tables", (False, False))
        parts: list[sql.Composable] = []
        if has_transcripts:
            parts.append(
                sql.SQL(
                    ", deleted_transcripts AS (DELETE FROM {t} WHERE agno_session_id IN "
                    "(SELECT session_id FROM deleted) RETURNING 1)"
                ).format(t=sql.Identifier(self.schema, "agno_transcripts"))
            )
        if has_compactions:
            parts.append(
                sql.SQL(
                    ", deleted_compactions AS (DELETE FROM {t} WHERE session_id IN "
                    "(SELECT session_id FROM deleted) RETURNING 1)"
                ).format(t=sql.Identifier(self.schema, "agno_compactions"))
            )
        return sql.Composed(parts) if parts else sql.SQL("")

    async def has_table(self, table: str) -> bool:
        """Whether `table` names one of this database's tables and exists (contract §1.3)."""
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
        """Readiness: one trivial round trip within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                async with self.pool.connection(timeout=timeout) as conn:
                    await conn.execute(queries.load("readiness"))
            return True
        except Exception:  # any failure means "not ready"; the reason is logged, not returned
            logger.warning("readiness check failed for db_id=%s", self.db_id, exc_info=True)
            return False
