"""`session-svc prune`: retention by last update, run as the real command on a real PostgreSQL.

Seeds old and new sessions of every type (with runs, transcripts and compactions), then checks the
dry run, the run itself, the filters, an interrupted run that is resumed, and bad arguments.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.types.json import Jsonb

from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings
from tests.conftest import create_database, make_client

DAY = 86400
NOW = int(time.time())
TYPES = ("agent", "team", "workflow")


@pytest.fixture(scope="module")
def prune_dsn(pg_server_dsn: str) -> str:
    dsn = create_database(pg_server_dsn, "session_svc_prune")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    with psycopg.connect(dsn, autocommit=True) as conn:
        # agno's side tables for a session, which a delete clears too (delete_sessions.sql).
        conn.execute("CREATE TABLE ai.agno_transcripts (id serial PRIMARY KEY, agno_session_id varchar)")
        conn.execute("CREATE TABLE ai.agno_compactions (id serial PRIMARY KEY, session_id varchar)")
    return dsn


@pytest.fixture()
def conn(prune_dsn: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(prune_dsn, autocommit=True) as connection:
        connection.execute("TRUNCATE ai.agno_sessions, ai.agno_runs, ai.agno_transcripts, ai.agno_compactions")
        yield connection


def seed(conn: psycopg.Connection, session_id: str, session_type: str, age_days: float, user: str, runs: int) -> None:
    stamp = NOW - int(age_days * DAY)
    component = {f"{session_type}_id": f"{session_type}-1"}
    conn.execute(
        "INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, team_id, workflow_id, user_id,"
        " session_data, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            session_id, session_type, component.get("agent_id"), component.get("team_id"),
            component.get("workflow_id"), user, Jsonb({"session_name": session_id}), stamp - DAY, stamp,
        ),
    )  # fmt: skip
    for index in range(runs):
        conn.execute(
            "INSERT INTO ai.agno_runs (run_id, session_id, run_type, status, run_index, run_data, created_at,"
            " updated_at) VALUES (%s, %s, %s, 'COMPLETED', %s, %s, %s, %s)",
            (f"{session_id}-r{index}", session_id, session_type, index, Jsonb({"run_id": f"{session_id}-r{index}"}),
             stamp, stamp),
        )  # fmt: skip
    conn.execute("INSERT INTO ai.agno_transcripts (agno_session_id) VALUES (%s)", (session_id,))
    conn.execute("INSERT INTO ai.agno_compactions (session_id) VALUES (%s)", (session_id,))


def seed_mix(conn: psycopg.Connection) -> tuple[set[str], set[str]]:
    """Per type: 3 old sessions (100-200 days, 2 runs each), 2 new ones (1 and 89 days)."""
    old, new = set(), set()
    for session_type in TYPES:
        for n, age in enumerate((100, 150, 200)):
            sid = f"old-{session_type}-{n}"
            seed(conn, sid, session_type, age, user=f"u{n % 2}", runs=2)
            old.add(sid)
        for n, age in enumerate((1, 89)):
            sid = f"new-{session_type}-{n}"
            seed(conn, sid, session_type, age, user=f"u{n % 2}", runs=1)
            new.add(sid)
    return old, new


def run_prune(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGNO_PG_DSN": dsn, "AGNO_LOG_LEVEL": "WARNING"}
    env.pop("AGNO_SESSION_DSN_MAP", None)
    return subprocess.run(
        [sys.executable, "-m", "session_svc", "prune", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def snapshot(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    return {
        table: conn.execute(f"SELECT * FROM ai.{table} ORDER BY 1").fetchall()
        for table in ("agno_sessions", "agno_runs", "agno_transcripts", "agno_compactions")
    }


def session_ids(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT session_id FROM ai.agno_sessions")}


def test_dry_run_counts_and_changes_nothing(conn: psycopg.Connection, prune_dsn: str) -> None:
    old, _ = seed_mix(conn)
    before = snapshot(conn)
    started = int(time.time())  # the cutoff counts from the run, not from when this module was imported
    result = run_prune(prune_dsn, "--older-than", "90d", "--dry-run")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["dry_run"] is True and summary["complete"] is True
    assert summary["would_delete"] == {"sessions": len(old), "runs": 2 * len(old)}
    assert summary["databases"] == {"default": {"sessions": 9, "runs": 18}}
    assert abs(summary["cutoff"] - (started - 90 * DAY)) < 120
    assert snapshot(conn) == before


def test_prune_removes_exactly_the_old_sessions_with_their_rows(conn: psycopg.Connection, prune_dsn: str) -> None:
    _, new = seed_mix(conn)
    result = run_prune(prune_dsn, "--older-than", "90d", "--batch-size", "4")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["deleted"] == {"sessions": 9, "runs": 18}
    assert summary["complete"] is True
    # One progress line per batch of at most 4: 4, 8, 9.
    progress = [line for line in result.stderr.splitlines() if line.startswith("prune db_id=default: batch")]
    assert [line.split(": ")[2].split(" ")[0] for line in progress] == ["4", "8", "9"]
    assert session_ids(conn) == new
    remaining_runs = {row[0] for row in conn.execute("SELECT session_id FROM ai.agno_runs")}
    assert remaining_runs == new
    assert {r[0] for r in conn.execute("SELECT agno_session_id FROM ai.agno_transcripts")} == new
    assert {r[0] for r in conn.execute("SELECT session_id FROM ai.agno_compactions")} == new
    # The service lists exactly the rest, each with its runs.
    with make_client({"AGNO_PG_DSN": prune_dsn}) as client:
        listed = client.get("/sessions", params={"limit": 100}).json()
        assert {item["session_id"] for item in listed["data"]} == new
        assert listed["meta"]["total_count"] == len(new)
        assert client.get("/sessions/new-team-0", params={"type": "team"}).status_code == 200
        assert client.get("/sessions/old-team-0", params={"type": "team"}).status_code == 404
    # A rerun finds nothing more.
    again = json.loads(run_prune(prune_dsn, "--older-than", "90d").stdout)
    assert again["deleted"] == {"sessions": 0, "runs": 0}


def test_filters_by_type_and_user(conn: psycopg.Connection, prune_dsn: str) -> None:
    old, new = seed_mix(conn)
    result = run_prune(prune_dsn, "--older-than", "90d", "--type", "team", "--user-id", "u0")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["deleted"] == {"sessions": 2, "runs": 4}  # old-team-0 and old-team-2
    assert session_ids(conn) == (old | new) - {"old-team-0", "old-team-2"}
    # --db-id names a configured database.
    assert run_prune(prune_dsn, "--older-than", "90d", "--db-id", "default", "--dry-run").returncode == 0


def test_interrupted_run_resumes_and_finishes(conn: psycopg.Connection, prune_dsn: str) -> None:
    with conn.transaction():
        for n in range(3000):
            seed_row = (f"bulk-{n:05d}", "agent", NOW - 400 * DAY)
            conn.execute(
                "INSERT INTO ai.agno_sessions (session_id, session_type, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s)",
                (seed_row[0], seed_row[1], seed_row[2], seed_row[2]),
            )
    seed(conn, "keep-me", "agent", 1, user="u0", runs=1)
    env = {**os.environ, "AGNO_PG_DSN": prune_dsn, "AGNO_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "session_svc", "prune", "--older-than", "1w", "--batch-size", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        # Wait for a few committed batches, then interrupt mid-way.
        for _ in range(5):
            assert "batch" in process.stderr.readline()
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    partial = json.loads(stdout)
    assert partial["complete"] is False
    left = conn.execute("SELECT count(*) FROM ai.agno_sessions WHERE session_id LIKE 'bulk-%'").fetchone()[0]
    assert 0 < left < 3000
    # Every committed batch was counted: what is gone is exactly what the summary says.
    assert partial["deleted"]["sessions"] == 3000 - left
    resumed = run_prune(prune_dsn, "--older-than", "1w", "--batch-size", "500")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["deleted"]["sessions"] == left
    assert session_ids(conn) == {"keep-me"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "90"], "--older-than must be a positive number with a unit"),
        (["--older-than", "0d"], "--older-than must be a positive number with a unit"),
        (["--older-than", "90d", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["--older-than", "90d", "--db-id", "nope"], "--db-id 'nope' is not a configured db_id"),
    ],
)
def test_bad_arguments_are_one_line(conn: psycopg.Connection, prune_dsn: str, args: list[str], message: str) -> None:
    seed_mix(conn)
    before = snapshot(conn)
    result = run_prune(prune_dsn, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr
    assert snapshot(conn) == before


@pytest.mark.contract
def test_agentos_lists_the_rest_after_a_prune(conn: psycopg.Connection, prune_dsn: str) -> None:
    """agno's own AgentOS 3.1.10 on the pruned tables: it lists exactly the sessions left, with their runs."""
    pytest.importorskip("agno.os")
    from agno.db.postgres import PostgresDb
    from agno.os import AgentOS
    from starlette.testclient import TestClient

    from tests.contract.dsn import sqlalchemy_url

    _, new = seed_mix(conn)
    assert run_prune(prune_dsn, "--older-than", "90d").returncode == 0
    os.environ.setdefault("AGNO_TELEMETRY", "false")
    db = PostgresDb(id="default", db_url=sqlalchemy_url(prune_dsn), db_schema="ai")
    try:
        with TestClient(AgentOS(db=db, telemetry=False).get_app()) as agentos:
            listed: set[str] = set()
            for session_type in TYPES:
                answer = agentos.get("/sessions", params={"type": session_type, "limit": 100})
                assert answer.status_code == 200, answer.text
                listed |= {item["session_id"] for item in answer.json()["data"]}
            assert listed == new
            detail = agentos.get("/sessions/new-agent-0", params={"type": "agent"})
            assert detail.status_code == 200
            assert agentos.get("/sessions/old-agent-0", params={"type": "agent"}).status_code == 404
    finally:
        db.db_engine.dispose()
