"""The middleware layers in-process: request id, client IP, recovery, CORS, body limit, deadline.

Layers are tested alone on tiny ASGI apps where that is sharper, and through the real app (on the
real test PostgreSQL) where the wiring matters. tests/test_ops_process.py repeats the essentials
against a real hypercorn process; JSON logs, metrics, OpenAPI and database faults have their own files.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from conftest import app_client
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from session_svc.middleware import (
    BodyLimit,
    Deadline,
    Recovery,
    client_ip,
    parse_networks,
    sane_request_id,
)

# -- helpers ----------------------------------------------------------------------------------------


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
