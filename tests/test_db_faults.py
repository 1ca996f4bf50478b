"""Database faults in-process: the deadline and statement timeout cancelling a statement, pool
exhaustion, a database down or silent (503 at once, isolated), and the PgBouncer (no-prepare) mode.
tests/test_ops_process.py repeats the outage and recovery against a real hypercorn process.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import psycopg
import pytest
from conftest import app_client, create_database

from session_svc.settings import load_settings

# -- statement deadline and pool ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ops_dsn(pg_server_dsn: str) -> str:
    """A database of its own, with agno's tables: the lock tests must not block other tests."""
    from session_svc.db.migrate import migrate_database
    from session_svc.settings import DatabaseConfig

    dsn = create_database(pg_server_dsn, "session_svc_ops_inproc")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    return dsn


class TableLock:
    """ACCESS EXCLUSIVE on agno_sessions from another connection: every session query waits."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn)
        self.conn.execute("LOCK TABLE ai.agno_sessions IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()

    def waiting_queries(self, dsn: str) -> int:
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'agno-session' "
                "AND state = 'active' AND wait_event_type = 'Lock'"
            ).fetchone()
        return row[0]


def _wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_deadline_cancels_the_database_statement(ops_dsn: str) -> None:
    with app_client({"AGNO_PG_DSN": ops_dsn, "AGNO_REQUEST_TIMEOUT": "1"}) as client:
        assert client.get("/sessions").status_code == 200
        lock = TableLock(ops_dsn)
        try:
            started = time.monotonic()
            response = client.get("/sessions")
            elapsed = time.monotonic() - started
            assert response.status_code == 504 and response.json() == {"detail": "Request timed out"}
            assert 0.9 < elapsed < 3
            # The statement was cancelled on the server, not left waiting for the lock.
            assert _wait_for(lambda: lock.waiting_queries(ops_dsn) == 0, 2.0)
        finally:
            lock.release()
        assert client.get("/sessions").status_code == 200  # the pool is healthy afterwards


def test_statement_timeout_backstop_answers_504(ops_dsn: str) -> None:
    env = {"AGNO_PG_DSN": ops_dsn, "AGNO_REQUEST_TIMEOUT": "10", "AGNO_PG_STATEMENT_TIMEOUT": "0.3"}
    with app_client(env) as client:
        lock = TableLock(ops_dsn)
        try:
            started = time.monotonic()
            response = client.get("/sessions/anything")
            assert response.status_code == 504 and time.monotonic() - started < 3
        finally:
            lock.release()
        metrics = client.get("/metrics").text
        assert 'agno_session_db_errors_total{db_id="default",kind="statement_timeout",pool="primary"} 1.0' in metrics


def test_pool_exhaustion_answers_503_with_retry_after(ops_dsn: str) -> None:
    env = {"AGNO_PG_DSN": ops_dsn, "AGNO_POOL_MIN_SIZE": "1", "AGNO_POOL_MAX_SIZE": "1", "AGNO_POOL_TIMEOUT": "0.3"}
    with app_client(env) as client:
        assert client.get("/sessions").status_code == 200
        lock = TableLock(ops_dsn)
        holder = threading.Thread(target=client.get, args=("/sessions",))  # holds the only connection
        try:
            holder.start()
            assert _wait_for(lambda: lock.waiting_queries(ops_dsn) == 1)
            started = time.monotonic()
            busy = client.get("/sessions/x")
            assert time.monotonic() - started < 2
            assert busy.status_code == 503
            assert busy.json() == {"detail": "Database 'default' is busy, retry later"}
            assert busy.headers["retry-after"] == "1"
            assert client.get("/readyz").status_code == 200  # busy is not down
        finally:
            lock.release()
            holder.join(10)
        assert client.get("/sessions").status_code == 200


# -- database down, in-process ----------------------------------------------------------------------


def test_unreachable_database_is_503_fast_and_isolated(pg_dsn: str) -> None:
    dsn_map = json.dumps({"main": pg_dsn, "gone": "postgresql://postgres@127.0.0.1:1/none"})
    with app_client({"AGNO_SESSION_DSN_MAP": dsn_map, "AGNO_PG_CONNECT_TIMEOUT": "1"}) as client:
        for _ in range(3):
            started = time.monotonic()
            response = client.get("/sessions", params={"db_id": "gone"})
            assert time.monotonic() - started < 2.5
            assert response.status_code == 503
            assert response.json() == {"detail": "Database 'gone' is unavailable"}
            assert response.headers["retry-after"] == "5"
        assert client.get("/sessions", params={"db_id": "main"}).status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["failing_db_ids"] == ["gone"]
        assert client.get("/healthz").status_code == 200
        metrics = client.get("/metrics").text
        assert 'agno_session_db_up{db_id="gone",pool="primary"} 0.0' in metrics
        assert 'agno_session_db_up{db_id="main",pool="primary"} 1.0' in metrics


def test_database_that_accepts_but_never_answers_is_503_within_the_connect_timeout(pg_dsn: str) -> None:
    """The Go port hung here: TCP accepts (the kernel's backlog), PostgreSQL never speaks."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        port = silent.getsockname()[1]
        dsn_map = json.dumps({"main": pg_dsn, "silent": f"postgresql://postgres@127.0.0.1:{port}/none"})
        with app_client({"AGNO_SESSION_DSN_MAP": dsn_map, "AGNO_PG_CONNECT_TIMEOUT": "2"}) as client:
            started = time.monotonic()
            response = client.get("/sessions", params={"db_id": "silent"})
            assert time.monotonic() - started < 3.5
            assert response.status_code == 503 and response.json() == {"detail": "Database 'silent' is unavailable"}
            started = time.monotonic()
            assert client.get("/sessions", params={"db_id": "silent"}).status_code == 503
            assert time.monotonic() - started < 0.5  # marked down: no more waiting
            assert client.get("/sessions", params={"db_id": "main"}).status_code == 200


# -- PgBouncer mode ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prepare", ["true", "false"])
def test_pg_prepare_switch(ops_dsn: str, prepare: str) -> None:
    env = {"AGNO_PG_DSN": ops_dsn, "AGNO_PG_PREPARE": prepare, "AGNO_POOL_MIN_SIZE": "1", "AGNO_POOL_MAX_SIZE": "1"}
    with app_client(env) as client:
        for _ in range(4):
            assert client.get("/sessions/s-1").status_code == 404

        async def prepared_statements() -> int:
            pool = client.app.state.registry.default.pool  # type: ignore[attr-defined]
            async with pool.connection() as conn:
                cur = await conn.execute("SELECT count(*) AS n FROM pg_prepared_statements", prepare=False)
                return (await cur.fetchone())["n"]

        count = client.portal.call(prepared_statements)  # type: ignore[union-attr]
    assert (count > 0) if prepare == "true" else (count == 0)
