"""The smoke script and the locust profile, run against a live `session-svc serve` (the same
process the image runs) on a fresh database, as `just smoke` and `just load` would run them."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import psycopg
import pytest

from .support import REPO, ServiceProcess, find_tool, free_port, run, service_env

SMOKE = REPO / "scripts" / "smoke" / "test-session-api.sh"
LOAD = REPO / "scripts" / "load" / "run-load.sh"


@pytest.fixture(scope="module")
def live(pg_server_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceProcess, str]]:
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(pg_server_dsn, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "deploy_live" WITH (FORCE)')
        conn.execute('CREATE DATABASE "deploy_live"')
    dsn = make_conninfo(pg_server_dsn, dbname="deploy_live")
    workdir = tmp_path_factory.mktemp("live")
    service = ServiceProcess(["serve"], service_env(dsn, free_port()), workdir, workdir / "service.log")
    try:
        service.wait_healthy()
        yield service, dsn
    finally:
        code = service.stop()
        assert code == 0, service.log()


def _seed_sessions_with_runs(dsn: str, count: int) -> None:
    """Sessions with runs as agno's runtime writes them, so the load test's run reads see data."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in range(count):
            sid = f"seed-{i}"
            conn.execute(
                "INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, user_id, session_data,"
                " created_at, updated_at) VALUES (%s, 'agent', 'seed-agent', 'seed-user', %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (sid, json.dumps({"session_state": {"i": i}}), 1795545000 + i, 1795545000 + i),
            )
            for r in range(3):
                run_id = f"{sid}-run-{r}"
                data = {
                    "run_id": run_id,
                    "session_id": sid,
                    "agent_id": "seed-agent",
                    "user_id": "seed-user",
                    "status": "COMPLETED",
                    "content": f"answer {r}",
                    "created_at": 1795545000 + r,
                    "input": {"input_content": f"question {r}"},
                    "messages": [
                        {"id": f"{run_id}-u", "role": "user", "content": f"question {r}", "created_at": 1795545000 + r}
                    ],
                }
                conn.execute(
                    "INSERT INTO ai.agno_runs (run_id, session_id, run_type, agent_id, user_id, status,"
                    " run_index, run_data, created_at) VALUES (%s, %s, 'agent', 'seed-agent', 'seed-user',"
                    " 'COMPLETED', %s, %s, %s) ON CONFLICT DO NOTHING",
                    (run_id, sid, r, json.dumps(data), 1795545000 + r),
                )


def test_smoke_script_passes_against_the_live_service(live):
    service, dsn = live
    find_tool("jq")
    find_tool("psql")
    env = {**os.environ, "SMOKE_PG_DSN": dsn}
    proc = run(["bash", str(SMOKE), service.base_url], env=env, timeout=120)
    match = re.search(r"smoke: (\d+) passed, 0 failed", proc.stdout)
    assert match and int(match.group(1)) >= 100, proc.stdout + proc.stderr


def test_load_profile_runs_without_failures_and_cleans_up(live):
    service, dsn = live
    locust = find_tool("locust")
    _seed_sessions_with_runs(dsn, 5)
    env = {**os.environ, "LOCUST": locust}
    proc = run(["bash", str(LOAD), service.base_url, "5", "4"], env=env, timeout=120)
    summary = proc.stdout + proc.stderr
    aggregated = re.search(r"Aggregated\s+(\d+)\s+(\d+)\(", summary)
    assert aggregated, summary
    assert int(aggregated.group(1)) > 20 and int(aggregated.group(2)) == 0, summary
    for route in ("GET /sessions ", "GET /sessions/[id] ", "POST /sessions?type=agent"):
        assert route in summary, f"{route!r} missing from the summary:\n{summary}"
    # The run removed every session it created (each user on stop, what a stopped user could not in
    # locustfile.py's test_stop hook); the seeded ones are untouched.
    with psycopg.connect(dsn) as conn:
        left = conn.execute("SELECT count(*) FROM ai.agno_sessions WHERE session_id LIKE 'loadtest-%'").fetchone()[0]
        seeded = conn.execute("SELECT count(*) FROM ai.agno_sessions WHERE session_id LIKE 'seed-%'").fetchone()[0]
    assert (left, seeded) == (0, 5)
