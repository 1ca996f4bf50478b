"""The operational layers in-process: request id, JSON logs, client IP, recovery, CORS,
body limit, deadline, metrics, OpenAPI, database faults and PgBouncer mode.

Layers are tested alone on tiny ASGI apps where that is sharper, and through the real app (on the
real test PostgreSQL) where the wiring matters. tests/test_ops_process.py repeats the essentials
against a real hypercorn process.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from conftest import create_database
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from session_svc.app import create_app
from session_svc.logging import JsonFormatter, configure_logging, request_id_var
from session_svc.middleware import (
    BodyLimit,
    Deadline,
    Recovery,
    client_ip,
    parse_networks,
    sane_request_id,
)
from session_svc.openapi import build_openapi
from session_svc.settings import ConfigError, load_settings

# -- helpers ----------------------------------------------------------------------------------------


@pytest.fixture()
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Reads the JSON lines written through the root handler so far in the test."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def app_client(env: dict[str, str], extra_routes: list[Route] = ()) -> TestClient:  # type: ignore[assignment]
    app = create_app(load_settings(env))
    app.router.routes.extend(extra_routes)
    return TestClient(app, raise_server_exceptions=False)


async def _call(app: Any, scope: dict[str, Any], chunks: list[bytes]) -> tuple[list[dict[str, Any]], int]:
    """Run a bare ASGI app; returns the sent messages and how many body chunks it received."""
    sent: list[dict[str, Any]] = []
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received < len(chunks):
            received += 1
            return {"type": "http.request", "body": chunks[received - 1], "more_body": received < len(chunks)}
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent, received


def _scope(
    headers: list[tuple[bytes, bytes]] = (), method: str = "POST", client: tuple[str, int] | None = ("10.0.0.1", 1234)
) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "type": "http",
        "method": method,
        "path": "/x",
        "query_string": b"",
        "headers": list(headers),
        "client": client,
    }


def _status_and_body(sent: list[dict[str, Any]]) -> tuple[int, bytes]:
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


# -- request id -------------------------------------------------------------------------------------


def test_request_id_is_echoed_when_sane_and_generated_otherwise() -> None:
    assert sane_request_id(b"abc-123_XYZ.~") == "abc-123_XYZ.~"
    assert sane_request_id(b"x" * 128) == "x" * 128
    for bad in (b"", b"x" * 129, b"has space", b"tab\there", "é".encode(), b"nul\x00"):
        assert sane_request_id(bad) is None
    with app_client({"AGNO_PG_DSN": "postgresql://127.0.0.1:1/none"}) as client:
        assert client.get("/healthz", headers={"X-Request-ID": "req-42"}).headers["x-request-id"] == "req-42"
        generated = client.get("/healthz", headers={"X-Request-ID": "bad id\x7f"}).headers["x-request-id"]
        assert len(generated) == 32 and int(generated, 16) >= 0
        # Every answer carries it, including the router's own 404.
        assert client.get("/nope").headers["x-request-id"]


# -- JSON logs --------------------------------------------------------------------------------------


def test_json_formatter_puts_request_id_fields_and_traceback_in_one_line() -> None:
    record_logger = logging.getLogger("session_svc.test")
    formatter = JsonFormatter()
    token = request_id_var.set("rid-1")
    try:
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            record = record_logger.makeRecord(
                "session_svc.test",
                logging.ERROR,
                __file__,
                1,
                "failed %s",
                ("here",),
                exc_info=__import__("sys").exc_info(),
                extra={"fields": {"db_id": "main"}},
            )
    finally:
        request_id_var.reset(token)
    token = request_id_var.set("rid-1")
    try:
        text = formatter.format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in text
    line = json.loads(text)
    assert line["level"] == "ERROR" and line["message"] == "failed here" and line["request_id"] == "rid-1"
    assert line["db_id"] == "main" and line["error"] == "ValueError"
    assert "Traceback" in line["traceback"] and "boom\nsecond line" in line["traceback"]
    assert line["time"].endswith("Z")


def test_access_log_line_per_request(log_lines: Callable[[], list[dict[str, Any]]], pg_dsn: str) -> None:
    with app_client({"AGNO_PG_DSN": pg_dsn}) as client:
        client.get("/sessions/abc/runs/", params={"db_id": "default"}, headers={"X-Request-ID": "log-1"})
    access = [line for line in log_lines() if line["logger"] == "session_svc.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "log-1"
    assert line["method"] == "GET" and line["status"] == 404
    assert line["route"] == "/sessions/{session_id}/runs" and line["path"] == "/sessions/abc/runs/"
    assert line["db_id"] == "default" and line["client_ip"] == "testclient"
    assert line["response_bytes"] > 0 and line["duration_ms"] >= 0


def test_log_level_and_bad_values_are_checked() -> None:
    assert load_settings({"AGNO_LOG_LEVEL": "warn"}).log_level == "WARNING"
    with pytest.raises(ConfigError, match="AGNO_LOG_LEVEL"):
        load_settings({"AGNO_LOG_LEVEL": "chatty"})
    with pytest.raises(ConfigError, match="AGNO_TRUSTED_PROXIES"):
        load_settings({"AGNO_TRUSTED_PROXIES": "10.0.0.0/8,not-an-ip"})
    with pytest.raises(ConfigError, match="AGNO_SHUTDOWN_DELAY"):
        load_settings({"AGNO_SHUTDOWN_DELAY": "-1"})
    assert load_settings({}).server == "hypercorn" and load_settings({"AGNO_SERVER": " Uvicorn "}).server == "uvicorn"
    with pytest.raises(ConfigError, match="AGNO_SERVER must be one of hypercorn, uvicorn, got 'granian'"):
        load_settings({"AGNO_SERVER": "granian"})
    settings = load_settings({"AGNO_REQUEST_TIMEOUT": "10", "CORS_ORIGIN_LIST": '["https://a.example", "*"]'})
    assert settings.statement_timeout == 15 and settings.cors_origins == ("https://a.example", "*")
    assert load_settings({"AGNO_PG_STATEMENT_TIMEOUT": "0"}).statement_timeout == 0


# -- client ip --------------------------------------------------------------------------------------


def _ip(peer: str | None, trusted: str, **headers: str) -> str | None:
    scope = {
        "client": (peer, 5000) if peer else None,
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }
    return client_ip(scope, parse_networks(trusted.split(",") if trusted else ()))


def test_forwarded_headers_count_only_from_trusted_proxies() -> None:
    # No trusted proxies, or an untrusted peer: the peer, whatever the headers claim.
    assert _ip("203.0.113.9", "", x_forwarded_for="6.6.6.6") == "203.0.113.9"
    assert _ip("203.0.113.9", "10.0.0.0/8", x_forwarded_for="6.6.6.6", x_real_ip="7.7.7.7") == "203.0.113.9"
    # A trusted peer: the right-most hop that is not a trusted proxy (a client-sent XFF prefix is ignored).
    assert _ip("10.0.0.5", "10.0.0.0/8", x_forwarded_for="6.6.6.6, 198.51.100.7") == "198.51.100.7"
    assert _ip("10.0.0.5", "10.0.0.0/8", x_forwarded_for="198.51.100.7, 10.1.2.3") == "198.51.100.7"
    # Several headers are one list; ports and IPv6 brackets are understood; v4-mapped v6 is v4.
    assert _ip("10.0.0.5", "10.0.0.0/8", x_forwarded_for="198.51.100.7:4711") == "198.51.100.7"
    assert _ip("::ffff:10.0.0.5", "10.0.0.0/8", x_forwarded_for="[2001:db8::1]:443") == "2001:db8::1"
    # Garbage stops the walk at the last good hop; all-trusted chains give the left-most.
    assert _ip("10.0.0.5", "10.0.0.0/8", x_forwarded_for="198.51.100.7, junk") == "10.0.0.5"
    assert _ip("10.0.0.5", "10.0.0.0/8", x_forwarded_for="10.9.9.9, 10.8.8.8") == "10.9.9.9"
    # X-Real-IP when there is no X-Forwarded-For; a unix-socket peer has no address.
    assert _ip("10.0.0.5", "10.0.0.0/8", x_real_ip="198.51.100.8") == "198.51.100.8"
    assert _ip(None, "10.0.0.0/8", x_forwarded_for="1.2.3.4") is None


# -- recovery ---------------------------------------------------------------------------------------


async def _leaky(request: Request) -> Response:
    raise RuntimeError("password=hunter2 host=db.internal SELECT * FROM secrets")


async def _leaky_psycopg(request: Request) -> Response:
    raise psycopg.errors.UndefinedTable('relation "ai.secret_table" does not exist at host db.internal')


def test_unhandled_errors_answer_agentos_500_without_leaking(log_lines: Callable[[], list[dict[str, Any]]]) -> None:
    routes = [Route("/boom", _leaky), Route("/boom-sql", _leaky_psycopg)]
    with app_client({"AGNO_PG_DSN": "postgresql://127.0.0.1:1/none"}, routes) as client:
        response = client.get("/boom", headers={"X-Request-ID": "crash-1", "Origin": "http://localhost:3000"})
        assert response.status_code == 500
        assert response.content == b'{"detail":"Internal server error (RuntimeError)"}'
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-request-id"] == "crash-1"
        sql_response = client.get("/boom-sql")
        assert sql_response.content == b'{"detail":"Internal server error (UndefinedTable)"}'
        assert "db.internal" not in sql_response.text
    errors = [line for line in log_lines() if line["logger"] == "session_svc.access" and line["status"] == 500]
    assert len(errors) == 2
    assert errors[0]["request_id"] == "crash-1" and errors[0]["level"] == "ERROR"
    assert errors[0]["error"] == "RuntimeError" and "hunter2" in errors[0]["traceback"]  # the log keeps the cause
    assert errors[0]["route"] == "/boom"


def test_recovery_aborts_when_the_response_had_started() -> None:
    async def half(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise KeyError("late")

    with pytest.raises(KeyError):
        asyncio.run(_call(Recovery(half), _scope(method="GET"), []))


# -- CORS -------------------------------------------------------------------------------------------


def test_cors_defaults_and_origin_list() -> None:
    env = {"AGNO_PG_DSN": "postgresql://127.0.0.1:1/none", "CORS_ORIGIN_LIST": '["https://ui.example", "*"]'}
    with app_client(env) as client:
        preflight = client.options(
            "/sessions", headers={"Origin": "https://os.agno.com", "Access-Control-Request-Method": "GET"}
        )
        assert preflight.status_code == 200 and preflight.text == "OK"
        assert preflight.headers["access-control-allow-origin"] == "https://os.agno.com"
        assert preflight.headers["access-control-allow-credentials"] == "true"
        assert (
            preflight.headers["access-control-allow-methods"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"
        )
        assert preflight.headers["access-control-max-age"] == "600"
        listed = client.options(
            "/sessions", headers={"Origin": "https://ui.example", "Access-Control-Request-Method": "PATCH"}
        )
        assert listed.headers["access-control-allow-origin"] == "https://ui.example"
        # "*" is dropped, as AgentOS does: other origins are refused.
        refused = client.options(
            "/sessions", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
        )
        assert refused.status_code == 400 and refused.text == "Disallowed CORS origin"
        simple = client.get("/healthz", headers={"Origin": "http://localhost:3000"})
        assert simple.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert simple.headers["access-control-expose-headers"] == "*"
        assert simple.headers["vary"] == "Origin"
        assert (
            "access-control-allow-origin"
            not in client.get("/healthz", headers={"Origin": "https://evil.example"}).headers
        )
        # Without Origin (the fast path): only CORSMiddleware's `Vary: Origin`, before our request id.
        plain = client.get("/healthz")
        names = [name.lower() for name, _ in plain.headers.raw]
        assert plain.headers.get_list("vary") == ["Origin"] and "access-control-allow-origin" not in plain.headers
        assert names[-2:] == [b"vary", b"x-request-id"]


# -- body limit -------------------------------------------------------------------------------------


async def _reads_body(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def test_body_limit_refuses_declared_length_without_reading() -> None:
    """The handler never runs; the whole 413 goes out first, then the body is drained (so a client
    still sending it can read the answer) before the response ends (session_svc/middleware/lingering.py)."""
    limited = BodyLimit(_reads_body, max_bytes=10)
    sent, received = asyncio.run(_call(limited, _scope([(b"content-length", b"11")]), [b"x" * 11]))
    status, body = _status_and_body(sent)
    assert status == 413 and received == 1
    assert json.loads(body) == {"detail": "Request body is larger than the limit of 10 bytes"}
    assert (b"connection", b"close") in sent[0]["headers"]
    assert [message.get("more_body", False) for message in sent[1:]] == [True, False]
    sent, _ = asyncio.run(_call(limited, _scope([(b"content-length", b"10")]), [b"x" * 10]))
    assert _status_and_body(sent) == (200, b"10")


def test_body_limit_stops_a_streamed_body_at_the_limit() -> None:
    limited = BodyLimit(_reads_body, max_bytes=10)
    chunks = [b"x" * 4, b"x" * 4, b"x" * 4, b"x" * 4, b"x" * 4]
    sent, received = asyncio.run(_call(limited, _scope(), chunks))
    assert _status_and_body(sent)[0] == 413
    assert (b"connection", b"close") in sent[0]["headers"]
    # The handler stopped at the chunk that crossed the limit; the rest was drained after the answer.
    assert received == 5
    sent, _ = asyncio.run(_call(limited, _scope(), [b"x" * 5, b"x" * 5]))
    assert _status_and_body(sent) == (200, b"10")


def test_body_limit_through_the_app(pg_dsn: str) -> None:
    with app_client({"AGNO_PG_DSN": pg_dsn, "AGNO_MAX_BODY_BYTES": "64"}) as client:
        big = client.post(
            "/sessions",
            content=b'{"session_name": "' + b"x" * 100 + b'"}',
            headers={"content-type": "application/json"},
        )
        assert big.status_code == 413 and big.json() == {"detail": "Request body is larger than the limit of 64 bytes"}

        def chunked() -> Iterator[bytes]:  # no Content-Length: the streamed count decides
            yield b'{"session_name": "'
            yield b"y" * 100
            yield b'"}'

        streamed = client.patch("/sessions/s1", content=chunked(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413


# -- deadline ---------------------------------------------------------------------------------------


def test_deadline_answers_504_and_leaves_own_timeouts_to_recovery() -> None:
    async def slow(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(5)

    async def own_timeout(scope: Any, receive: Any, send: Any) -> None:
        raise TimeoutError("not ours")

    started = time.monotonic()
    sent, _ = asyncio.run(_call(Deadline(slow, seconds=0.2), _scope(method="GET"), []))
    assert time.monotonic() - started < 2
    assert _status_and_body(sent) == (504, b'{"detail":"Request timed out"}')
    sent, _ = asyncio.run(_call(Recovery(Deadline(own_timeout, seconds=5)), _scope(method="GET"), []))
    assert _status_and_body(sent) == (500, b'{"detail":"Internal server error (TimeoutError)"}')


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


# -- metrics ----------------------------------------------------------------------------------------


def test_metrics_exposition(pg_dsn: str) -> None:
    with app_client({"AGNO_PG_DSN": pg_dsn}) as client:
        client.get("/sessions/one")
        client.get("/sessions/two")
        client.get("/no/such/path")
        for method in ("BREW", "PROPFIND"):  # any token is a method to the server: one label for all
            client.request(method, "/sessions/one")
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'agno_session_http_requests_total{method="GET",route="/sessions/{session_id}",status="404"} 2.0' in text
    assert 'agno_session_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert 'agno_session_http_requests_total{method="OTHER",route="/sessions/{session_id}",status="405"} 2.0' in text
    assert "BREW" not in text and "PROPFIND" not in text
    assert (
        'agno_session_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/sessions/{session_id}",status="404"}'
        in text
    )
    for name in ("pool_size", "pool_in_use", "pool_idle", "pool_max", "pool_waiting"):
        assert f'agno_session_db_{name}{{db_id="default",pool="primary"}}' in text
    assert 'agno_session_db_pool_max{db_id="default",pool="primary"} 10.0' in text
    assert 'agno_session_db_errors_total{db_id="default",kind="unavailable",pool="primary"} 0.0' in text


# -- OpenAPI ----------------------------------------------------------------------------------------


def test_openapi_and_docs_are_served_and_can_be_switched_off() -> None:
    with app_client({"AGNO_PG_DSN": "postgresql://127.0.0.1:1/none"}) as client:
        document = client.get("/openapi.json")
        assert document.status_code == 200 and document.json()["openapi"] == "3.1.0"
        docs = client.get("/docs")
        assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
        assert "swagger-ui" in docs.text and "/openapi.json" in docs.text
        assert "/openapi.json" in client.get("/redoc").text
    with app_client({"AGNO_PG_DSN": "postgresql://127.0.0.1:1/none", "DOCS_ENABLED": "false"}) as client:
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert client.get(path).status_code == 404


def _structure(document: dict[str, Any]) -> dict[str, Any]:
    """What must match AgentOS: per operation its id, parameters (name, in, required, type) and body."""

    def kind(schema: dict[str, Any]) -> Any:
        # A query value is never JSON null: `Optional[int]` and `int` take the same wire values.
        if "anyOf" in schema:
            kinds = [kind(s) for s in schema["anyOf"] if s.get("type") != "null"]
            return kinds[0] if len(kinds) == 1 else sorted(map(str, kinds))
        return schema.get("$ref", "").rsplit("/", 1)[-1] or schema.get("type")

    out: dict[str, Any] = {}
    for path, operations in document["paths"].items():
        if not path.startswith("/sessions") or "/media/" in path:
            continue
        for method, op in operations.items():
            body = op.get("requestBody")
            out[f"{method.upper()} {path}"] = {
                "operationId": op["operationId"],
                # ours marks its extensions (openapi.EXTENSION_PARAMETERS); checked apart below
                "parameters": [
                    (p["name"], p["in"], p["required"], kind(p["schema"]))
                    for p in op.get("parameters", [])
                    if not p.get("x-extension")
                ],
                "body": None
                if body is None
                else (body.get("required", False), body["content"]["application/json"]["schema"]["$ref"]),
                "success": sorted(code for code in op["responses"] if code.startswith("2")),
                # ours adds its operational answers: 413 body limit, 503 database, 504 deadline
                "errors": sorted(
                    code for code in op["responses"] if not code.startswith("2") and code not in ("413", "503", "504")
                ),
            }
    return out


def test_openapi_matches_agentos_sessions_routes() -> None:
    """Against AgentOS 3.1.10's own document (tests/golden/agentos-sessions-openapi.json, made by
    tests/capture/capture_agentos_openapi.py): same operations, parameters and request bodies."""
    from pathlib import Path

    golden = json.loads((Path(__file__).parent / "golden" / "agentos-sessions-openapi.json").read_text())
    ours = build_openapi()
    assert _structure(ours) == _structure(golden)
    # The extension parameters: exactly the declared ones, optional (integers, or the string
    # cursor), none in AgentOS's.
    from session_svc.openapi import EXTENSION_PARAMETERS

    by_id = {op["operationId"]: op for ops in ours["paths"].values() for op in ops.values()}
    golden_ids = {op["operationId"]: op for ops in golden["paths"].values() for op in ops.values()}
    for operation_id, names in EXTENSION_PARAMETERS.items():
        marked = [p for p in by_id[operation_id]["parameters"] if p.get("x-extension")]
        assert [p["name"] for p in marked] == list(names)
        kinds = [{"type": "string"} if p["name"] == "cursor" else {"type": "integer"} for p in marked]
        assert all(not p["required"] and k in p["schema"]["anyOf"] for p, k in zip(marked, kinds, strict=True))
        assert not set(names) & {p["name"] for p in golden_ids[operation_id]["parameters"]}
    # Request body components: the same fields, the same required ones (ours may add extensions).
    for name in ("CreateSessionRequest", "UpdateSessionRequest", "DeleteSessionRequest", "Body_rename_session"):
        theirs = golden["components"]["schemas"][name]
        mine = ours["components"]["schemas"][name]
        assert set(theirs["properties"]) <= set(mine["properties"]), name
        assert set(theirs.get("required", ())) == set(mine.get("required", ())), name
    assert ours["info"] == golden["info"]
    assert (
        ours["components"]["schemas"]["SessionType"]["enum"] == golden["components"]["schemas"]["SessionType"]["enum"]
    )
