"""`session-svc migrate --trigram`: pg_trgm and a GIN trigram index on the name search's expression.

The index must be the one PostgreSQL picks for the list's own statement (sql/list_sessions.sql with
a session_name filter), and answers must not change because of it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
from psycopg import sql

from session_svc.db import statements
from session_svc.db.listing import _page_slots
from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings
from tests.conftest import create_database, make_client

INDEX = "idx_agno_sessions_session_name_trgm"
PATTERNS = ("topic 1", "TOPIC", "about", "xyz-none", "ic 4", "c", "%", "_", "to")


@pytest.fixture(scope="module")
def trgm_dsn(pg_server_dsn: str) -> str:
    dsn = create_database(pg_server_dsn, "session_svc_trigram")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            """
            INSERT INTO ai.agno_sessions (session_id, session_type, session_data, created_at, updated_at)
            SELECT 's' || i, 'agent',
                   CASE i % 4 WHEN 0 THEN NULL
                              WHEN 1 THEN jsonb_build_object('session_state', 1)
                              ELSE jsonb_build_object('session_name', 'Chat about Topic ' || (i % 97)) END,
                   1700000000 + i, 1700000000 + i
              FROM generate_series(1, 3000) AS i
            """
        )
    return dsn


def page_statement(dsn: str, pattern: str) -> sql.Composed:
    """The list statement the service runs for `?session_name=` (default sort, no other filter)."""
    variant = (False, None, False, "short" if len(pattern) < 3 else "search", False, "created_at", True, None)
    return statements.compose(
        "list_sessions",
        sessions=sql.Identifier("ai", "agno_sessions"),
        runs=sql.Identifier("ai", "agno_runs"),
        legacy_runs=sql.SQL("NULL::jsonb"),
        side_deletes=sql.SQL(""),
        **_page_slots(variant),
    )


def explain(dsn: str, pattern: str) -> str:
    with psycopg.connect(dsn, autocommit=True) as conn:
        # 3,000 rows fit in a few pages, where a sequential scan is rightly cheaper than any index;
        # with seq scans priced out, the planner shows whether the index can serve the filter at all.
        conn.execute("SET enable_seqscan = off")
        # Fresh statistics (the index's expression included) rather than whatever autovacuum last
        # gathered: otherwise the plan depends on when autovacuum ran.
        conn.execute("ANALYZE ai.agno_sessions")
        params = {"session_name_pattern": f"%{pattern}%", "limit": 20, "offset": 0}
        rows = conn.execute(sql.SQL("EXPLAIN ") + page_statement(dsn, pattern), params).fetchall()
    return "\n".join(row[0] for row in rows)


def list_answers(dsn: str) -> dict[str, object]:
    with make_client({"AGNO_PG_DSN": dsn}) as client:
        return {
            pattern: client.get("/sessions", params={"session_name": pattern, "limit": 100}).json()
            for pattern in PATTERNS
        }


def test_trigram_index_serves_the_name_search_with_identical_results(trgm_dsn: str) -> None:
    before = list_answers(trgm_dsn)
    assert INDEX not in explain(trgm_dsn, "topic 1")
    result = subprocess.run(
        [sys.executable, "-m", "session_svc", "migrate", "--extra-indexes", "--trigram"],
        env={**os.environ, "AGNO_PG_DSN": trgm_dsn, "AGNO_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with psycopg.connect(trgm_dsn, autocommit=True) as conn:
        (definition,) = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (INDEX,)).fetchone()
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'").fetchone() == (1,)
        valid = conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = %s::regclass", (f"ai.{INDEX}",)
        ).fetchone()
    assert "USING gin" in definition and "gin_trgm_ops" in definition
    assert "COALESCE((session_data ->> 'session_name'::text), ''::text)" in definition
    assert valid == (True,)
    # The filtered total reads through the index for a 3+ character search. The page itself may
    # rightly walk the created_at index instead (20 rows in sort order, filtered on the way) when the
    # statistics say matches are dense, as in this small table; which one it takes is the planner's call.
    plan = explain(trgm_dsn, "topic 1")
    total_plan = plan.split("->  Limit", 1)[0]
    assert f"Bitmap Index Scan on {INDEX}" in total_plan, plan
    # Under 3 characters there is no trigram to look up: the statement keeps to a scan.
    assert INDEX not in explain(trgm_dsn, "to")
    assert list_answers(trgm_dsn) == before
    # Idempotent: a second run changes nothing and succeeds.
    again = subprocess.run(
        [sys.executable, "-m", "session_svc", "migrate", "--trigram"],
        env={**os.environ, "AGNO_PG_DSN": trgm_dsn, "AGNO_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr


def test_a_role_that_may_not_create_the_extension_gets_one_line(pg_server_dsn: str) -> None:
    dsn = create_database(pg_server_dsn, "session_svc_trigram_denied")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS trgm_app")
        conn.execute("CREATE ROLE trgm_app LOGIN")
        # The app role owns agno's tables (as an agno deployment's role does) but not the database,
        # so it lacks CREATE on it, which even a trusted extension such as pg_trgm needs.
        conn.execute("ALTER SCHEMA ai OWNER TO trgm_app")
        for table in ("agno_sessions", "agno_runs", "agno_schema_versions"):
            conn.execute(sql.SQL("ALTER TABLE {} OWNER TO trgm_app").format(sql.Identifier("ai", table)))
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    info["user"] = "trgm_app"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "session_svc", "migrate", "--trigram"],
            env={**os.environ, "AGNO_PG_DSN": psycopg.conninfo.make_conninfo(**info), "AGNO_LOG_LEVEL": "WARNING"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert "cannot CREATE EXTENSION pg_trgm (the role may not create it)" in result.stderr
    finally:
        with psycopg.connect(pg_server_dsn, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "session_svc_trigram_denied" WITH (FORCE)')
            conn.execute("DROP ROLE IF EXISTS trgm_app")
