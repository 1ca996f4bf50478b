"""`session-svc migrate` and the automatic migration: agno 3.1.10's layout, never altering a table."""

from __future__ import annotations

import psycopg

from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings
from tests.conftest import create_database, make_client


def _indexes(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'ai'")}


def test_migrate_creates_agnos_tables_indexes_and_version_rows(pg_server_dsn):
    dsn = create_database(pg_server_dsn, "session_svc_migrate_fresh")
    config, settings = DatabaseConfig("default", dsn), load_settings({})
    assert migrate_database(config, settings) == ["agno_sessions", "agno_schema_versions", "agno_runs"]
    assert migrate_database(config, settings) == []  # idempotent
    with psycopg.connect(dsn) as conn:
        versions = dict(conn.execute("SELECT table_name, version FROM ai.agno_schema_versions").fetchall())
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema='ai' AND table_name='agno_sessions' ORDER BY ordinal_position"
        )]  # fmt: skip
        indexes = _indexes(conn)
        fk = conn.execute(
            "SELECT confdeltype FROM pg_constraint WHERE conname = 'agno_runs_session_id_fkey'"
        ).fetchone()
    assert versions == {"agno_sessions": "3.0.0", "agno_runs": "3.0.0"}
    assert columns == [
        "session_id", "session_type", "agent_id", "team_id", "workflow_id", "user_id", "session_data",
        "agent_data", "team_data", "workflow_data", "metadata", "summary", "created_at", "updated_at",
    ]  # fmt: skip
    assert {
        "idx_agno_sessions_session_type", "idx_agno_sessions_created_at", "idx_agno_runs_session_id_run_index",
        "idx_agno_runs_created_at", "idx_agno_schema_versions_created_at",
    } <= indexes  # fmt: skip
    assert fk == ("c",)  # ON DELETE CASCADE


def test_migrate_never_alters_an_existing_table(pg_server_dsn):
    dsn = create_database(pg_server_dsn, "session_svc_migrate_legacy")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA ai")
        conn.execute(  # agno 2.x layout: runs inside the sessions table
            "CREATE TABLE ai.agno_sessions (session_id varchar PRIMARY KEY, session_type varchar NOT NULL,"
            " agent_id varchar, team_id varchar, workflow_id varchar, user_id varchar, session_data jsonb,"
            " agent_data jsonb, team_data jsonb, workflow_data jsonb, metadata jsonb, runs jsonb, summary jsonb,"
            " created_at bigint NOT NULL, updated_at bigint)"
        )
    created = migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    assert created == ["agno_schema_versions", "agno_runs"]
    with psycopg.connect(dsn) as conn:
        has_runs = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema='ai' AND table_name='agno_sessions' AND column_name='runs'"
        ).fetchone()
        versions = dict(conn.execute("SELECT table_name, version FROM ai.agno_schema_versions").fetchall())
    assert has_runs == (1,)  # the legacy column is still there
    assert versions == {"agno_runs": "3.0.0"}  # an existing table is not stamped: agno reads it as 2.0.0


def test_extra_indexes_are_opt_in(pg_server_dsn):
    dsn = create_database(pg_server_dsn, "session_svc_migrate_extra")
    config, settings = DatabaseConfig("default", dsn), load_settings({})
    migrate_database(config, settings)
    with psycopg.connect(dsn) as conn:
        assert "idx_agno_sessions_user_id_updated_at" not in _indexes(conn)
    migrate_database(config, settings, extra_indexes=True)
    with psycopg.connect(dsn) as conn:
        assert "idx_agno_sessions_user_id_updated_at" in _indexes(conn)


def test_tables_are_created_on_first_use_when_missing(pg_server_dsn):
    # `serve` migrates at start-up; a database that was down then is migrated when first reached.
    dsn = create_database(pg_server_dsn, "session_svc_lazy_migrate")
    with make_client({"AGNO_PG_DSN": dsn}) as client:
        assert client.get("/sessions").json()["meta"]["total_count"] == 0
        assert client.post("/sessions", json={"session_id": "x"}).status_code == 201
    with psycopg.connect(dsn) as conn:
        versions = dict(conn.execute("SELECT table_name, version FROM ai.agno_schema_versions").fetchall())
    assert versions == {"agno_sessions": "3.0.0", "agno_runs": "3.0.0"}
