"""`session-svc migrate`: create agno's tables and indexes where they are missing, as agno does.

Only missing tables are created (and stamped `3.0.0` in agno_schema_versions, as agno 3.1.10 stamps
the tables it creates); an existing table is never altered. Missing indexes are added by name with
IF NOT EXISTS. `--extra-indexes` adds the opt-in indexes for common list filters, CONCURRENTLY so a
live table keeps taking writes.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import psycopg
from psycopg import sql

from ..settings import DatabaseConfig, Settings
from . import statements
from .liveness import tcp_params

logger = logging.getLogger("session_svc.migrate")

SCHEMA_VERSION = "3.0.0"
VERSIONS_TABLE = "agno_schema_versions"

SESSION_INDEXES = (("session_type",), ("created_at",))
RUNS_INDEXES = (
    ("agent_id",), ("status",), ("session_id",), ("team_id",), ("user_id",), ("run_type",),
    ("session_id", "run_index"), ("workflow_id",), ("created_at",),
)  # fmt: skip
VERSIONS_INDEXES = (("created_at",),)

# Opt-in (`--extra-indexes`): one user's sessions by recency, and the component filters with the default
# order. Named as agno names composite indexes. agno sorts `sort_by=updated_at` by
# coalesce(updated_at, created_at), so that index holds the expression: an index-ordered top-N
# instead of sorting all of a user's rows on every page.
EXTRA_SESSION_INDEXES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("user_id", "updated_at"), "user_id, (coalesce(updated_at, created_at))"),
    (("user_id", "created_at"), "user_id, created_at"),
    (("agent_id", "created_at"), "agent_id, created_at"),
    (("team_id", "created_at"), "team_id, created_at"),
    (("workflow_id", "created_at"), "workflow_id, created_at"),
)


# `--trigram`: the name search's index, named like agno's (idx_<table>_<what it indexes>).
TRIGRAM_INDEX_COLUMNS = ("session_name", "trgm")


class MigrateError(Exception):
    """A step the role may not take (e.g. CREATE EXTENSION); the message is one line for the CLI."""


def _connect(config: DatabaseConfig, settings: Settings) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        config.dsn,
        autocommit=True,
        connect_timeout=max(2, round(settings.connect_timeout)),
        **tcp_params(settings.pg_dead_timeout),  # a black-holed network fails the migration instead of hanging it
    )


def _index_name(table: str, columns: tuple[str, ...]) -> str:
    return f"idx_{table}_{'_'.join(columns)}"


def _create_index(
    schema: str, table: str, columns: tuple[str, ...], concurrently: bool, expression: str | None = None
) -> sql.Composed:
    """CREATE INDEX for `columns` (or, named after them, a fixed key `expression` of this module)."""
    return statements.compose(
        "migrate/create_index",
        concurrently=sql.SQL("CONCURRENTLY" if concurrently else ""),
        index=sql.Identifier(_index_name(table, columns)),
        table=sql.Identifier(schema, table),
        columns=sql.SQL(expression) if expression else sql.SQL(", ").join(sql.Identifier(c) for c in columns),
    )


def migrate_database(
    config: DatabaseConfig, settings: Settings, extra_indexes: bool = False, trigram: bool = False
) -> list[str]:
    """Bring one database up to agno's layout; returns the tables it created."""
    schema = settings.db_schema
    sessions, runs = settings.session_table, settings.runs_table
    slots = {
        "schema": sql.Identifier(schema),
        "sessions": sql.Identifier(schema, sessions),
        "runs": sql.Identifier(schema, runs),
        "versions": sql.Identifier(schema, VERSIONS_TABLE),
    }
    with _connect(config, settings) as conn:
        existing = {
            row[0]
            for row in conn.execute(
                statements.load("migrate/existing_tables"),
                {"schema": schema, "tables": [sessions, runs, VERSIONS_TABLE]},
            )
        }
        created: list[str] = []
        with conn.transaction():
            # Only when missing: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database,
            # which a role that only owns agno's schema and tables does not have.
            if conn.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", (schema,)
            ).fetchone() == (True,):
                conn.execute(statements.compose("migrate/create_schema", **slots))
            for table, statement, indexes in (
                (sessions, "migrate/create_sessions", SESSION_INDEXES),
                (VERSIONS_TABLE, "migrate/create_versions", VERSIONS_INDEXES),
                (runs, "migrate/create_runs", RUNS_INDEXES),
            ):
                if table not in existing:
                    conn.execute(statements.compose(statement, **slots))
                    created.append(table)
                for columns in indexes:
                    conn.execute(_create_index(schema, table, columns, concurrently=False))
            now = datetime.datetime.now().isoformat()  # naive local time, as agno writes it
            for table in created:
                if table == VERSIONS_TABLE:  # agno stamps every table it creates but this one
                    continue
                conn.execute(
                    statements.compose("migrate/stamp_version", **slots),
                    {"table_name": table, "version": SCHEMA_VERSION, "now": now},
                )
        if extra_indexes:
            # CONCURRENTLY cannot run inside a transaction block: one autocommit statement each.
            for index_columns, expression in EXTRA_SESSION_INDEXES:
                conn.execute(_create_index(schema, sessions, index_columns, concurrently=True, expression=expression))
        if trigram:
            _create_trigram_index(conn, config.db_id, schema, sessions)
    for table in created:
        logger.info("db_id=%s: created %s.%s", config.db_id, schema, table)
    return created


def _create_trigram_index(conn: psycopg.Connection[Any], db_id: str, schema: str, table: str) -> None:
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except (
        psycopg.errors.InsufficientPrivilege,
        psycopg.errors.FeatureNotSupported,
        psycopg.errors.UndefinedFile,
    ) as exc:
        # pg_trgm is a trusted extension (any role with CREATE on the database may add it), but
        # not every role has that, and some servers do not ship it.
        reason = (
            "the role may not create it"
            if isinstance(exc, psycopg.errors.InsufficientPrivilege)
            else "it is not available"
        )
        raise MigrateError(
            f"db_id={db_id}: cannot CREATE EXTENSION pg_trgm ({reason}); have a database owner or superuser run "
            "`CREATE EXTENSION pg_trgm` in this database, then rerun `session-svc migrate --trigram`"
        ) from None
    row = conn.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).fetchone()
    assert row is not None
    conn.execute(
        statements.compose(
            "migrate/create_trigram_index",
            index=sql.Identifier(_index_name(table, TRIGRAM_INDEX_COLUMNS)),
            table=sql.Identifier(schema, table),
            opclass=sql.SQL("{}.gin_trgm_ops").format(sql.Identifier(row[0])),
        )
    )


def tables_missing(config: DatabaseConfig, settings: Settings) -> bool:
    """Whether the sessions or runs table is absent (then `serve` migrates before it starts)."""
    with _connect(config, settings) as conn:
        found = {
            row[0]
            for row in conn.execute(
                statements.load("migrate/existing_tables"),
                {"schema": settings.db_schema, "tables": [settings.session_table, settings.runs_table]},
            )
        }
    return len(found) < 2
