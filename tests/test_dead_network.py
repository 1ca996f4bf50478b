"""A database behind a network that goes silent (a TCP relay that stops relaying without closing
anything, tests/support/relay.py), under a real `session-svc serve` with two workers:

* its requests, the ones already waiting on it included, answer the fast 503 with Retry-After
  within AGNO_PG_DEAD_TIMEOUT (plus scheduling slack), /readyz answers 503 naming it, and no
  worker is stuck: liveness and the other database answer at once throughout;
* when the relay resumes, the database is back by itself (200, /readyz 200), and every write the
  service acknowledged is there.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
import test_ops_process
from conftest import create_database
from prometheus_client.parser import text_string_to_metric_families
from support.relay import FreezableRelay
from support.replication import PgServer, _bin, _prepare_binaries, _run
from support.server import free_port
from test_ops_process import Service, _wait_for

from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings

DEAD_TIMEOUT = 2.0
SLACK = 1.5  # heartbeat scheduling, the sever and the answer on a loaded 2-core machine
start_service = test_ops_process.start_service  # the fixture: processes stopped by PID afterwards


@pytest.fixture(scope="module")
def tcp_postgres() -> Iterator[PgServer]:
    """A PostgreSQL of its own on a loopback TCP port (the embedded one listens on a unix socket)."""
    _prepare_binaries()
    folder = Path(tempfile.mkdtemp(prefix="session-svc-deadnet-"))
    folder.chmod(0o777)  # the server, run as the wheel's system user when we are root, logs here
    server = PgServer(folder / "pg", free_port())
    try:
        _run(
            [
                _bin("initdb"),
                "-D",
                str(server.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ]
        )
        with open(server.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {server.port}\nunix_socket_directories = ''\nfsync = off\n"
            )
        server.start()
        server.execute('CREATE DATABASE "relayed"')
        migrate_database(DatabaseConfig("relayed", server.dsn("relayed")), load_settings({}))
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def relay(tcp_postgres: PgServer) -> Iterator[FreezableRelay]:
    relay = FreezableRelay("127.0.0.1", tcp_postgres.port)
    yield relay
    relay.close()


@pytest.fixture(scope="module")
def stable_dsn(pg_server_dsn: str) -> str:
    dsn = create_database(pg_server_dsn, "session_svc_dead_network")
    migrate_database(DatabaseConfig("stable", dsn), load_settings({}))
    return dsn


class Writer:
    """Creates sessions in `db_id` one after another; remembers those answered 201."""

    def __init__(self, url: str, db_id: str) -> None:
        self.acknowledged: list[str] = []
        self.refused = 0
        self.errors: list[str] = []
        self._url = url
        self._db_id = db_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(base_url=self._url, timeout=30) as http:
            while not self._stop.is_set():
                try:
                    response = http.post("/sessions", params={"db_id": self._db_id}, json={"session_name": "w"})
                except httpx.TransportError as exc:
                    self.errors.append(repr(exc))
                    return
                if response.status_code == 201:
                    self.acknowledged.append(response.json()["session_id"])
                elif response.status_code == 503:
                    self.refused += 1
                    time.sleep(0.05)
                else:
                    self.errors.append(response.text)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)
        assert not self._thread.is_alive()


def _timed_get(url: str, path: str, params: dict[str, str] | None = None) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.get(url + path, params=params, timeout=30)  # a fresh connection: any worker
    return response, time.monotonic() - started


def test_a_silent_database_is_marked_down_within_the_dead_timeout_and_recovers(
    tcp_postgres: PgServer,
    relay: FreezableRelay,
    stable_dsn: str,
    start_service: Callable[[dict[str, str]], Service],
) -> None:
    relayed_dsn = psycopg.conninfo.make_conninfo(tcp_postgres.dsn("relayed"), port=str(relay.port))
    service = start_service(
        {
            "AGNO_SESSION_DSN_MAP": json.dumps({"stable": stable_dsn, "relayed": relayed_dsn}),
            "AGNO_WORKERS": "2",
            "AGNO_PG_DEAD_TIMEOUT": str(DEAD_TIMEOUT),
        }
    )
    url = service.url
    assert _wait_for(lambda: httpx.get(url + "/readyz").status_code == 200, 10)
    writer = Writer(url, "relayed")
    try:
        _freeze_and_resume(url, relay, writer, service)
    finally:
        writer.stop()
    assert not writer.errors, writer.errors

    # Every acknowledged write is readable, through the service and in the database itself.
    ids = writer.acknowledged
    with psycopg.connect(tcp_postgres.dsn("relayed")) as conn:
        rows = conn.execute("SELECT session_id FROM ai.agno_sessions WHERE session_id = ANY(%s)", (ids,))
        stored = {row[0] for row in rows}
    assert stored == set(ids)
    with httpx.Client(base_url=url, timeout=10) as http:
        for session_id in ids[:: max(1, len(ids) // 20)]:
            assert http.get(f"/sessions/{session_id}", params={"db_id": "relayed"}).status_code == 200


def _freeze_and_resume(url: str, relay: FreezableRelay, writer: Writer, service: Service) -> None:
    assert _wait_for(lambda: len(writer.acknowledged) >= 20, 10)

    relay.freeze()
    bound = DEAD_TIMEOUT + SLACK
    with ThreadPoolExecutor(8) as pool:
        # Requests sent into the silence: each waits on the database until it is found dead.
        stuck = [pool.submit(_timed_get, url, "/sessions", {"db_id": "relayed"}) for _ in range(6)]
        # Meanwhile the rest of the service answers (a stuck worker would take the whole bound).
        for _ in range(10):
            other, elapsed = _timed_get(url, "/sessions", {"db_id": "stable"})
            assert other.status_code == 200 and elapsed < DEAD_TIMEOUT, elapsed
            alive, elapsed = _timed_get(url, "/healthz")
            assert alive.status_code == 200 and elapsed < DEAD_TIMEOUT, elapsed
            time.sleep(0.1)
        stuck_for = 0.0
        for future in stuck:
            response, elapsed = future.result(timeout=bound + 5)
            assert response.status_code == 503, response.text
            assert response.json() == {"detail": "Database 'relayed' is unavailable"}
            assert response.headers["retry-after"] == "5"
            stuck_for = max(stuck_for, elapsed)
    assert stuck_for < bound, stuck_for

    # From now on: the fast 503 on every worker, readiness names the silent database.
    for _ in range(6):
        response, elapsed = _timed_get(url, "/sessions", {"db_id": "relayed"})
        # without waiting on the database (the bound is there for a loaded machine's scheduling)
        assert response.status_code == 503 and response.headers["retry-after"] == "5" and elapsed < DEAD_TIMEOUT
        ready, elapsed = _timed_get(url, "/readyz")
        assert ready.status_code == 503 and elapsed < DEAD_TIMEOUT, elapsed
        assert ready.json() == {"status": "unavailable", "failing_db_ids": ["relayed"]}
    up = {
        sample.labels["db_id"]: sample.value
        for family in text_string_to_metric_families(httpx.get(url + "/metrics").text)
        for sample in family.samples
        if sample.name == "agno_session_db_up" and sample.labels.get("pool", "primary") == "primary"
    }
    assert up == {"relayed": 0, "stable": 1}
    assert writer.refused > 0

    relay.resume()
    resumed_at = time.monotonic()
    back = _wait_for(lambda: _timed_get(url, "/sessions", {"db_id": "relayed"})[0].status_code == 200, 15, 0.2)
    assert back, service.log_text()
    assert _wait_for(lambda: httpx.get(url + "/readyz").status_code == 200, 5)
    acknowledged_before = len(writer.acknowledged)
    assert _wait_for(lambda: len(writer.acknowledged) > acknowledged_before + 5, 10)
    recovered_in = time.monotonic() - resumed_at
    # Measured by the service itself (the client's figures above include its own threads' delays):
    # no request to the silent database ran longer than the dead timeout.
    refused = [
        line["duration_ms"]
        for line in service.log_lines()
        if line.get("logger") == "session_svc.access" and line.get("db_id") == "relayed" and line["status"] == 503
    ]
    assert refused and max(refused) < DEAD_TIMEOUT * 1000, refused
    lines = [line.get("message", "") for line in service.log_lines()]
    assert any(message.startswith("db_id=relayed did not answer the heartbeat") for message in lines), lines
    assert any(message.startswith("db_id=relayed is available again") for message in lines)
    print(
        f"dead network: marked down and stuck requests answered after {stuck_for:.2f} s, back {recovered_in:.2f} s after the resume"
    )
