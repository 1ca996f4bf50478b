"""Read replicas on two real PostgreSQL servers in streaming replication (tests/support/replication.py).

GETs run on the replica and writes on the primary (seen in each server's pg_stat_activity); a
stopped or lagging replica moves reads to the primary and back; the AgentOS UI's flows never see
stale data, even across two app instances (two workers) with replay delayed just under the bound;
bad settings stop start-up with one line naming the variable.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient
from support.replication import ReplicatedPair, replication  # noqa: F401  (the fixture)

from session_svc.settings import ConfigError, load_settings
from tests.conftest import make_client

DB = "session_svc_replicas"
pytestmark = pytest.mark.slow


@pytest.fixture()
def pair(replication: ReplicatedPair) -> ReplicatedPair:  # noqa: F811
    replication.create_database(DB)
    return replication


def env_for(pair: ReplicatedPair, **extra: str) -> dict[str, str]:
    return {
        "AGNO_PG_DSN": pair.primary.dsn(DB),
        "AGNO_PG_READ_DSN": pair.standby.dsn(DB),
        "AGNO_POOL_MIN_SIZE": "1",
        "AGNO_READ_POOL_MIN_SIZE": "1",
        "AGNO_PG_CONNECT_TIMEOUT": "1",
        **extra,
    }


@pytest.fixture()
def app_client(pair: ReplicatedPair) -> Iterator[TestClient]:
    with make_client(env_for(pair)) as client:
        wait_for(lambda: replica_state(client) == "ok", "replica usable")
        yield client


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {what}")


def replica_state(client: TestClient) -> str:
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.text  # a replica's state never fails readiness
    return answer.json()["replicas"]["default"][0]["state"]


def replica_reads(client: TestClient) -> int:
    replicas = client.app.state.registry.databases["default"].replicas  # type: ignore[attr-defined]
    return replicas.replicas[0].reads


def create(client: TestClient, session_id: str, name: str | None = None) -> None:
    body: dict[str, object] = {"session_id": session_id}
    if name is not None:
        body["session_name"] = name
    answer = client.post("/sessions", params={"type": "agent"}, json=body)
    assert answer.status_code == 201, answer.text


def statements_seen(server_execute: Callable[..., list[tuple]], application_name: str) -> list[str]:
    rows = server_execute(
        "SELECT query FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
        (application_name, DB),
    )
    return [row[0] for row in rows]


def test_gets_run_on_the_replica_and_writes_on_the_primary(pair: ReplicatedPair, app_client: TestClient) -> None:
    create(app_client, "s-1", "first")
    assert pair.primary.execute("SELECT count(*) FROM ai.agno_sessions", dbname=DB) == [(1,)]
    pair.wait_replayed()
    before = pair.standby.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (DB,))[0][0]
    for _ in range(20):
        assert app_client.get("/sessions").json()["meta"]["total_count"] == 1
        assert app_client.get("/sessions/s-1").status_code == 200
    assert replica_reads(app_client) >= 40 - 2  # a read right after the create may take the primary

    def replica_counted() -> bool:  # backends flush their statistics about once a second when idle
        rows = pair.standby.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (DB,))
        return rows[0][0] - before >= 38

    wait_for(replica_counted, "the replica's own statistics count the reads")

    # The reads ran on the replica's connections (their last statements), none on the primary's.
    def is_read(query: str) -> bool:
        return "total_count" in query or "AS legacy_runs" in query

    assert any(is_read(query) for query in statements_seen(pair.standby.execute, "agno-session-read"))
    assert not any(is_read(query) for query in statements_seen(pair.primary.execute, "agno-session"))
    # Writes on the primary only: a rename is there, and replicated.
    answer = app_client.post("/sessions/s-1/rename", json={"session_name": "renamed"})
    assert answer.status_code == 200
    on_primary = pair.primary.execute("SELECT session_data->>'session_name' FROM ai.agno_sessions", dbname=DB)
    assert on_primary == [("renamed",)]
    metrics = app_client.get("/metrics").text
    assert 'agno_session_db_up{db_id="default",pool="replica-0"} 1.0' in metrics
    assert 'agno_session_db_pool_max{db_id="default",pool="primary"}' in metrics
    lag_lines = [line for line in metrics.splitlines() if line.startswith("agno_session_db_replica_lag_seconds{")]
    assert len(lag_lines) == 1 and lag_lines[0].startswith(
        'agno_session_db_replica_lag_seconds{db_id="default",pool="replica-0"}'
    )
    assert float(lag_lines[0].split()[-1]) < 1.0


def test_replica_stopped_reads_fall_back_to_the_primary(pair: ReplicatedPair, app_client: TestClient) -> None:
    create(app_client, "s-1")
    pair.standby.stop("fast")
    try:
        # Every GET keeps answering, from the first one on (a read that meets the dead replica
        # retries on the primary), while the replica is marked down.
        for _ in range(30):
            assert app_client.get("/sessions").status_code == 200
            assert app_client.get("/sessions/s-1").status_code == 200
        wait_for(lambda: replica_state(app_client) == "down", "replica down")
        reads = replica_reads(app_client)
        assert app_client.get("/sessions/s-1").status_code == 200
        assert replica_reads(app_client) == reads
        metrics = app_client.get("/metrics").text
        assert 'agno_session_db_up{db_id="default",pool="replica-0"} 0.0' in metrics
    finally:
        pair.standby.start()
    pair.wait_streaming()
    wait_for(lambda: replica_state(app_client) == "ok", "replica back", timeout=15)
    reads = replica_reads(app_client)
    for _ in range(5):
        assert app_client.get("/sessions/s-1").status_code == 200
    assert replica_reads(app_client) > reads


def test_replay_paused_past_the_bound_moves_reads_to_the_primary(pair: ReplicatedPair) -> None:
    with make_client(env_for(pair, AGNO_REPLICA_MAX_LAG="0.5")) as client:
        wait_for(lambda: replica_state(client) == "ok", "replica usable")
        create(client, "s-1")
        pair.standby.execute("SELECT pg_wal_replay_pause()")
        try:
            create(client, "s-2")  # the primary moves on; the replica does not replay it
            wait_for(lambda: replica_state(client) == "lagging", "replica lagging")
            reads = replica_reads(client)
            for _ in range(10):
                assert client.get("/sessions").json()["meta"]["total_count"] == 2
            assert replica_reads(client) == reads
            answer = client.get("/readyz")
            assert answer.status_code == 200
            assert answer.json()["replicas"]["default"][0]["lag_seconds"] > 0.5
        finally:
            pair.standby.execute("SELECT pg_wal_replay_resume()")
        wait_for(lambda: replica_state(client) == "ok", "replica caught up")
        for _ in range(10):
            assert client.get("/sessions").json()["meta"]["total_count"] == 2
        assert replica_reads(client) >= reads + 9


def test_ui_flows_never_see_stale_data_across_workers(pair: ReplicatedPair) -> None:
    """Replay delayed 0.7 s (under the 1 s bound): the replica stays usable, and yet a read right
    after a write, through another app instance (as another worker or pod would), is fresh."""
    pair.standby.execute("ALTER SYSTEM SET recovery_min_apply_delay = '700ms'")
    pair.standby.execute("SELECT pg_reload_conf()")
    try:
        with make_client(env_for(pair)) as writer, make_client(env_for(pair)) as reader:
            for client in (writer, reader):
                wait_for(lambda c=client: replica_state(c) == "ok", "replica usable")
            for n in range(5):
                sid = f"ui-{n}"
                # create then open
                create(writer, sid, f"name-{n}")
                assert reader.get(f"/sessions/{sid}").status_code == 200
                # rename then list
                assert writer.post(f"/sessions/{sid}/rename", json={"session_name": f"new-{n}"}).status_code == 200
                names = {item["session_id"]: item["session_name"] for item in reader.get("/sessions").json()["data"]}
                assert names[sid] == f"new-{n}"
                # delete then list
                assert writer.delete(f"/sessions/{sid}").status_code == 204
                listed = reader.get("/sessions").json()
                assert sid not in {item["session_id"] for item in listed["data"]}
                assert reader.get(f"/sessions/{sid}").status_code == 404
            # The replica lagged ~0.7 s all along and was never skipped for lag...
            assert replica_state(reader) == "ok"
            # ...and once replay catches up, reads are served by it again.
            create(writer, "last")
            time.sleep(1.0)
            reads = replica_reads(reader)
            assert reader.get("/sessions/last").status_code == 200
            assert replica_reads(reader) == reads + 1
    finally:
        pair.standby.execute("ALTER SYSTEM RESET recovery_min_apply_delay")
        pair.standby.execute("SELECT pg_reload_conf()")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"AGNO_PG_READ_DSN": "postgresql://h/db"}, "AGNO_PG_READ_DSN needs a primary DSN"),
        ({"AGNO_PG_DSN": "postgresql://h/db", "AGNO_PG_READ_DSN": "host='unterminated"}, "AGNO_PG_READ_DSN holds"),
        ({"AGNO_PG_DSN": "postgresql://h/db", "AGNO_REPLICA_MAX_LAG": "soon"}, "AGNO_REPLICA_MAX_LAG"),
        ({"AGNO_PG_DSN": "postgresql://h/db", "AGNO_REPLICA_MAX_LAG": "0"}, "AGNO_REPLICA_MAX_LAG"),
        ({"AGNO_PG_DSN": "postgresql://h/db", "AGNO_READ_POOL_MAX_SIZE": "0"}, "AGNO_READ_POOL_MAX_SIZE"),
        (
            {"AGNO_PG_DSN": "postgresql://h/db", "AGNO_READ_POOL_MIN_SIZE": "5", "AGNO_READ_POOL_MAX_SIZE": "2"},
            "AGNO_READ_POOL_MIN_SIZE",
        ),
        (
            {"AGNO_SESSION_DSN_MAP": '{"a": "postgresql://h/a"}', "AGNO_PG_READ_DSN": "postgresql://r/a"},
            "AGNO_PG_READ_DSN goes with AGNO_PG_DSN",
        ),
        (
            {"AGNO_SESSION_DSN_MAP": '{"a": "postgresql://h/a"}', "AGNO_SESSION_READ_DSN_MAP": '{"b": ["x"]}'},
            "AGNO_SESSION_READ_DSN_MAP key 'b'",
        ),
        (
            {"AGNO_SESSION_DSN_MAP": '{"a": "postgresql://h/a"}', "AGNO_SESSION_READ_DSN_MAP": "[1]"},
            "AGNO_SESSION_READ_DSN_MAP must be a JSON object",
        ),
        (
            {"AGNO_SESSION_DSN_MAP": '{"a": "postgresql://h/a"}', "AGNO_SESSION_READ_DSN_MAP": '{"a": [3]}'},
            "AGNO_SESSION_READ_DSN_MAP entry 'a'",
        ),
        (
            {"AGNO_PG_DSN": "postgresql://h/db", "AGNO_SESSION_READ_DSN_MAP": '{"default": ["postgresql://r/db"]}'},
            "AGNO_SESSION_READ_DSN_MAP goes with AGNO_SESSION_DSN_MAP",
        ),
    ],
)
def test_bad_replica_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings(env)


def test_bad_replica_setting_stops_serve_with_one_line() -> None:
    env = {**os.environ, "AGNO_PG_DSN": "postgresql://127.0.0.1:1/db", "AGNO_REPLICA_MAX_LAG": "-1"}
    result = subprocess.run(
        [sys.executable, "-m", "session_svc", "serve"], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "AGNO_REPLICA_MAX_LAG" in result.stderr


def test_replica_dsn_lists_and_maps() -> None:
    settings = load_settings(
        {"AGNO_PG_DSN": "postgresql://p/db", "AGNO_PG_READ_DSN": "postgresql://r1/db, postgresql://r2,r3/db"}
    )
    assert settings.databases[0].read_dsns == ("postgresql://r1/db", "postgresql://r2,r3/db")
    settings = load_settings({"AGNO_PG_DSN": "host=p dbname=db", "AGNO_PG_READ_DSN": "host=r1,r2 dbname=db"})
    assert settings.databases[0].read_dsns == ("host=r1,r2 dbname=db",)
    settings = load_settings(
        {
            "AGNO_SESSION_DSN_MAP": '{"a": "postgresql://p/a", "b": "postgresql://p/b"}',
            "AGNO_SESSION_READ_DSN_MAP": '{"b": ["postgresql://r/b", "postgresql+psycopg://s/b"]}',
        }
    )
    assert [c.read_dsns for c in settings.databases] == [(), ("postgresql://r/b", "postgresql://s/b")]
    assert settings.replicas.max_lag == 1.0
    assert (settings.replicas.pool_min_size, settings.replicas.pool_max_size) == (2, 10)


def test_a_write_that_reaches_a_standby_is_503_not_500(pair: ReplicatedPair) -> None:
    """The primary DSN pointing at a standby (the old primary, demoted behind a -rw endpoint)."""
    with make_client({"AGNO_PG_DSN": pair.standby.dsn(DB), "AGNO_POOL_MIN_SIZE": "1"}) as client:
        answer = client.post("/sessions", params={"type": "agent"}, json={"session_id": "ro"})
        assert answer.status_code == 503
        assert answer.json() == {"detail": "Database 'default' is unavailable"}
        assert answer.headers["retry-after"] == "5"


def test_primary_down_reads_come_from_the_replica(pair: ReplicatedPair) -> None:
    with make_client(env_for(pair)) as client:
        wait_for(lambda: replica_state(client) == "ok", "replica usable")
        create(client, "s-1")
        pair.wait_replayed()
        pair.primary.stop("fast")
        try:
            # Writes answer 503; once the primary is marked down, reads come from the replica.
            assert client.post("/sessions", params={"type": "agent"}, json={}).status_code == 503
            wait_for(lambda: client.get("/readyz").status_code == 503, "primary not ready")
            time.sleep(1.5)  # longer than the lag bound: the replica must stay usable meanwhile
            reads = replica_reads(client)
            assert client.get("/sessions/s-1").status_code == 200
            assert client.get("/sessions").json()["meta"]["total_count"] == 1
            assert replica_reads(client) == reads + 2
            body = client.get("/readyz").json()
            assert body["failing_db_ids"] == ["default"] and body["replicas"]["default"][0]["state"] == "ok"
        finally:
            pair.primary.start()
        pair.wait_streaming()
        wait_for(lambda: client.post("/sessions", params={"type": "agent"}, json={}).status_code == 201, "writes back")
