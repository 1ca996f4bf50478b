"""Hostile input: every case of tests/support/hostile_cases.py, byte for byte.

Each case is sent to our app in-process (raw ASGI scope: the exact path, query and body bytes) on a
database freshly reset to the seed rows, and held to AgentOS 3.1.10's recorded answer where AgentOS
answers sanely, else to a 4xx in the `{"detail": ...}` shape; never a 5xx, never a hang (each
request has a deadline). A 2xx that stored something must read back, through GET and in the row,
exactly as it was acknowledged. Regenerate AgentOS's answers with
`python tests/capture/capture_agentos_hostile.py <server-dsn>` under the contract extra.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from conftest import create_database
from support.asgi import Answer, InProcessApp
from support.hostile_cases import CASES, SEED, SEED_IDS, Case, reset

from session_svc.app import create_app
from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings

FIXTURE = Path(__file__).parent / "golden" / "agentos-hostile-answers.json"
AGENTOS = json.loads(FIXTURE.read_text())["answers"]
# What agno strips from stored strings (agno/utils/string.py: sanitize_postgres_strings): none of it may be stored.
STRIPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ISO = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"')
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
DEFAULT_ORDER = [row[0] for row in sorted(SEED, key=lambda row: (row[7], row[0]), reverse=True)]


@pytest.fixture(scope="module")
def hostile_dsn(pg_server_dsn: str) -> str:
    dsn = create_database(pg_server_dsn, "session_svc_hostile")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    return dsn


@pytest.fixture(scope="module")
def app(hostile_dsn: str) -> Iterator[InProcessApp]:
    with InProcessApp(create_app(load_settings({"AGNO_PG_DSN": hostile_dsn})), timeout=30) as running:
        yield running


@pytest.fixture(scope="module")
def conn(hostile_dsn: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(hostile_dsn, autocommit=True) as connection:
        yield connection


def _normalise(text: str) -> str:
    """Times of 'now' and generated uuids differ between two runs; everything else must not."""
    recent = time.time() - 7 * 86400

    def stamp(match: re.Match) -> str:
        moment = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
        return '"<now>"' if moment.timestamp() > recent else match.group(0)

    return UUID.sub("<uuid>", ISO.sub(stamp, text))


def _assert_error_shape(answer: Answer) -> None:
    assert answer.headers.get("content-type") == "application/json", answer.headers
    payload = answer.json()
    assert isinstance(payload, dict) and next(iter(payload)) == "detail", payload
    if answer.status == 422:
        assert isinstance(payload["detail"], list) and payload["detail"], payload
        for error in payload["detail"]:
            assert list(error)[:4] == ["type", "loc", "msg", "input"], error
    else:
        assert isinstance(payload["detail"], str), payload


def _assert_like_agentos(case: Case, answer: Answer, agentos: dict[str, Any]) -> None:
    assert answer.status == agentos["status"], f"AgentOS {agentos}, ours {answer.status} {answer.body[:300]!r}"
    if not case.compare_body or case.method == "HEAD":
        return
    if "body" in agentos:
        assert _normalise(answer.body.decode("utf-8")) == _normalise(agentos["body"])
    elif "body_size" in agentos:
        # Large bodies are recorded by size: normalised stamps keep their length.
        assert len(answer.body) == agentos["body_size"]


def _drop_top_level_nulls(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if value is not None}


def _walk_strings(value: Any) -> Iterator[tuple[str, bool]]:
    """Every string inside a JSON value, with whether it is a dict key."""
    if isinstance(value, str):
        yield value, False
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key, True
            yield from _walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_strings(item)


def _stored_row(conn: psycopg.Connection, session_id: str) -> dict[str, Any] | None:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    return cur.execute(
        "SELECT session_id, session_type, user_id, session_data, metadata, summary, created_at, updated_at"
        " FROM ai.agno_sessions WHERE session_id = %s",
        [session_id],
    ).fetchone()


def _assert_reads_back(app: InProcessApp, conn: psycopg.Connection, case: Case, answer: Answer) -> None:
    acknowledged = answer.json()
    session_id = acknowledged["session_id"] if case.stored == "*" else case.stored
    assert acknowledged["session_id"] == session_id
    row = _stored_row(conn, session_id)
    assert row is not None, f"{session_id!r} acknowledged but not stored"
    # The row holds what the answer shows.
    data = row["session_data"] if isinstance(row["session_data"], dict) else {}
    if "session_state" in acknowledged:
        assert acknowledged["session_state"] == data.get("session_state")
    if "session_name" in data:
        assert acknowledged["session_name"] == data["session_name"]
    if "metadata" in acknowledged:
        assert acknowledged["metadata"] == row["metadata"]
    assert acknowledged.get("user_id") == row["user_id"]
    # Values lose what agno strips; keys keep all but NUL, exactly as agno stores them.
    for text, is_key in _walk_strings([row["session_data"], row["metadata"], row["summary"], row["user_id"]]):
        assert "\x00" not in text if is_key else not STRIPPED.search(text), f"stored text holds {text[:80]!r}"
    # And a fresh read answers the same.
    if "/" in session_id:
        # A slash in an id cannot be addressed by path (%2F is decoded before routing, as in AgentOS).
        listing = app.request("GET", "/sessions?limit=100").json()["data"]
        assert [item["session_id"] for item in listing].count(session_id) == 1
        return
    readback = app.request("GET", "/sessions/" + quote(session_id, safe=""))
    assert readback.status == 200, readback.body[:300]
    expected = acknowledged if answer.status == 201 else _drop_top_level_nulls(acknowledged)
    assert readback.json() == expected


def _seed_row(session_id: str) -> tuple[Any, ...]:
    return next(row for row in SEED if row[0] == session_id)


def _assert_untouched(conn: psycopg.Connection, session_id: str) -> None:
    row = _stored_row(conn, session_id)
    assert row is not None, f"{session_id} was deleted"
    _, kind, _, _, user_id, data, metadata, created = _seed_row(session_id)
    assert (row["session_type"], row["user_id"], row["session_data"], row["metadata"], row["updated_at"]) == (
        kind,
        user_id,
        data,
        metadata,
        created,
    )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input(app: InProcessApp, conn: psycopg.Connection, case: Case) -> None:
    reset(conn)
    answer = app.request(case.method, case.target, case.body, case.headers)
    assert answer.status < 500, f"{answer.status} {answer.body[:300]!r}"
    agentos = AGENTOS[case.id]
    if case.ours is not None:
        assert answer.status == case.ours, f"{answer.status} {answer.body[:300]!r}"
        if agentos["status"] == case.ours:
            _assert_like_agentos(case, answer, agentos)
    elif agentos["status"] < 500:
        _assert_like_agentos(case, answer, agentos)
    else:
        assert 400 <= answer.status < 500, f"{answer.status} {answer.body[:300]!r}"
    if answer.status >= 400 and case.method != "HEAD":
        _assert_error_shape(answer)
    if case.stored is not None and 200 <= answer.status < 300:
        _assert_reads_back(app, conn, case, answer)
    for session_id in case.gone:
        assert _stored_row(conn, session_id) is None, f"{session_id} survived"
    for session_id in case.kept:
        _assert_untouched(conn, session_id)
    if (
        case.id.startswith(("sort-by-", "nul-query-sort-by", "mb-query-sort-by"))
        and case.id != "sort-by-real-column-jsonb"
        and case.id != "sort-by-updated-at"
    ):
        assert [item["session_id"] for item in answer.json()["data"]] == DEFAULT_ORDER


def test_every_deliberate_difference_is_explained() -> None:
    """Where AgentOS answers sanely and we answer otherwise, the case must say why."""
    for case in CASES:
        agentos = AGENTOS[case.id]["status"]
        if case.ours is not None and agentos < 500 and agentos != case.ours:
            assert case.why, f"{case.id}: AgentOS {agentos}, ours {case.ours}, no reason given"
    assert set(AGENTOS) == {case.id for case in CASES}, "re-run tests/capture/capture_agentos_hostile.py"


def test_seed_ids_are_distinct() -> None:
    assert len(set(SEED_IDS)) == len(SEED_IDS)


# -- bodies over the size limit (AGNO_MAX_BODY_BYTES -> 413) -------------------------------------------

LIMIT = 4096


@pytest.fixture(scope="module")
def limited_app(hostile_dsn: str) -> Iterator[InProcessApp]:
    settings = load_settings({"AGNO_PG_DSN": hostile_dsn, "AGNO_MAX_BODY_BYTES": str(LIMIT)})
    with InProcessApp(create_app(settings), timeout=30) as running:
        yield running


def _padded_create(session_id: str, size: int) -> bytes:
    skeleton = json.dumps({"session_id": session_id, "session_name": ""}).encode()
    return skeleton[:-2] + b"x" * (size - len(skeleton)) + skeleton[-2:]


@pytest.mark.parametrize("chunk_size", [None, 1000], ids=["content-length", "chunked"])
@pytest.mark.parametrize(
    ("method", "target"),
    [("POST", "/sessions"), ("PATCH", "/sessions/s1"), ("POST", "/sessions/s1/rename"), ("DELETE", "/sessions")],
)
def test_body_over_the_limit_is_413_and_stores_nothing(limited_app, conn, method, target, chunk_size) -> None:
    reset(conn)
    payload = _padded_create("too-big", LIMIT + 1)
    answer = limited_app.request(
        method, target, payload, [(b"content-type", b"application/json")], chunk_size=chunk_size
    )
    assert answer.status == 413, answer.body[:300]
    _assert_error_shape(answer)
    assert _stored_row(conn, "too-big") is None
    for session_id in SEED_IDS:
        _assert_untouched(conn, session_id)


@pytest.mark.parametrize("chunk_size", [None, 1000], ids=["content-length", "chunked"])
def test_body_at_the_limit_is_accepted(limited_app, conn, chunk_size) -> None:
    reset(conn)
    payload = _padded_create("just-fits", LIMIT)
    assert len(payload) == LIMIT
    answer = limited_app.request(
        "POST", "/sessions", payload, [(b"content-type", b"application/json")], chunk_size=chunk_size
    )
    assert answer.status == 201, answer.body[:300]
    padding = LIMIT - len(json.dumps({"session_id": "just-fits", "session_name": ""}))
    assert _stored_row(conn, "just-fits")["session_data"]["session_name"] == "x" * padding


def test_a_lying_content_length_is_not_trusted(limited_app, conn) -> None:
    """A small declared length with a larger body still stops at the limit."""
    reset(conn)
    payload = _padded_create("liar", LIMIT * 4)
    answer = limited_app.request(
        "POST",
        "/sessions",
        payload,
        [(b"content-type", b"application/json"), (b"content-length", b"10")],
        chunk_size=1000,
    )
    assert 400 <= answer.status < 500, answer.body[:300]
    assert _stored_row(conn, "liar") is None


def test_default_limit_refuses_twenty_megabytes(app, conn) -> None:
    """AgentOS stored 20 MB bodies; the default limit (10 MiB) refuses them."""
    reset(conn)
    answer = app.request(
        "POST", "/sessions", _padded_create("huge", 20 * 1024 * 1024), [(b"content-type", b"application/json")]
    )
    assert answer.status == 413, answer.body[:300]
    assert _stored_row(conn, "huge") is None


# -- on the wire: what reaches a real server (hypercorn or uvicorn) before (or instead of) the app ---------------------------

WIRE_REQUESTS = {
    "raw-non-ascii-path": b"GET /sessions/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    "raw-nul-in-path": b"GET /sessions/a\x00b HTTP/1.1\r\nHost: x\r\n\r\n",
    "raw-nul-in-query": b"GET /sessions?user_id=\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    "raw-space-in-target": b"GET /sessions/a b HTTP/1.1\r\nHost: x\r\n\r\n",
    "nul-in-header-value": b"GET /sessions HTTP/1.1\r\nHost: x\r\nX-Odd: a\x00b\r\n\r\n",
    "huge-header": b"GET /sessions HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
    "huge-target": b"GET /sessions/" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad-method-token": b"G(T /sessions HTTP/1.1\r\nHost: x\r\n\r\n",
    "negative-content-length": b"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "non-numeric-content-length": b"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "two-content-lengths": b"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    "chunked-bad-size": b"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "http-0.9": b"GET /sessions\r\n\r\n",
    "garbage": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n",
    "truncated-body": b'POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"session_id":',
}


@pytest.fixture(scope="module", params=["hypercorn", "uvicorn"])  # AGNO_SERVER: the default and the option
def wire_server(hostile_dsn: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    from support.server import ServedApp

    with ServedApp(hostile_dsn, workers=1, env={"AGNO_REQUEST_TIMEOUT": "10", "AGNO_SERVER": request.param}) as served:
        yield served


def _send_raw(port: int, payload: bytes, timeout: float = 10.0) -> bytes:
    """Send bytes, half-close, read until the server closes (or `timeout`): the raw answer."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("name", list(WIRE_REQUESTS))
def test_malformed_requests_on_the_wire_get_a_4xx_or_a_clean_close(wire_server, name: str) -> None:
    import httpx

    started = time.monotonic()
    answer = _send_raw(wire_server.port, WIRE_REQUESTS[name])
    assert time.monotonic() - started < 10, "the server held the connection open: a hang"
    if answer:
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 "), answer[:200]
        status = int(status_line.split()[1])
        assert 200 <= status < 500, answer[:300]
    # The worker is still there and answering.
    assert httpx.get(f"{wire_server.url}/healthz", timeout=5).status_code == 200


def test_half_open_connections_do_not_starve_others(wire_server) -> None:
    """Clients that send half a request and stall (slowloris) must not block other clients."""
    import socket

    import httpx

    stalled = []
    try:
        for _ in range(50):
            sock = socket.create_connection(("127.0.0.1", wire_server.port), timeout=5)
            sock.sendall(b"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
            stalled.append(sock)
        started = time.monotonic()
        response = httpx.post(f"{wire_server.url}/sessions", json={"session_id": "beside-slowloris"}, timeout=10)
        assert response.status_code in (201, 409) and time.monotonic() - started < 2
    finally:
        for sock in stalled:
            sock.close()


# -- hostile credentials: odd tokens and headers in JWT (with user isolation) and security-key mode ------

JWT_KEY = "hostile-test-signing-key-0123456789abcdef"


def _hostile_tokens() -> dict[str, bytes]:
    import jwt

    now = int(time.time())
    base = {"exp": now + 3600, "iat": now, "scopes": ["sessions:read", "sessions:write", "sessions:delete"]}

    def signed(claims: dict[str, Any]) -> bytes:
        return b"Bearer " + jwt.encode(claims, JWT_KEY, algorithm="HS256").encode()

    return {
        "sub-with-nul": signed({**base, "sub": "u\x00x"}),
        "sub-100k": signed({**base, "sub": "x" * 100_000}),
        "sub-not-a-string": signed({**base, "sub": 12345}),
        "sub-object": signed({**base, "sub": {"a": 1}}),
        "no-sub": signed(base),
        "scopes-a-string": signed({**base, "sub": "u1", "scopes": "sessions:read"}),
        "scopes-mixed-types": signed({**base, "sub": "u1", "scopes": [["x"], {"a": 1}, None, 5]}),
        "exp-a-string": signed({**base, "sub": "u1", "exp": "tomorrow"}),
        "exp-past-int64": signed({**base, "sub": "u1", "exp": 10**30}),
        "aud-odd": signed({**base, "sub": "u1", "aud": [1, None]}),
        "alg-none": b"Bearer " + jwt.encode({**base, "sub": "u1"}, None, algorithm="none").encode(),
        "kid-object": b"Bearer eyJhbGciOiJIUzI1NiIsImtpZCI6eyJ4IjoxfSwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSJ9.AAAA",
        "three-garbage-segments": b"Bearer a.b.c",
        "raw-bytes": b"Bearer \xff\xfe\x00",
        "basic-scheme": b"Basic dXNlcjpwYXNz",
        "scheme-only": b"Bearer",
        "empty": b"",
        "200k": b"Bearer " + b"x" * 200_000,
    }


@pytest.mark.parametrize(
    "mode",
    [
        {"JWT_VERIFICATION_KEY": JWT_KEY, "JWT_ALGORITHM": "HS256", "AGNO_USER_ISOLATION": "true"},
        {"OS_SECURITY_KEY": "hostile-test-security-key"},
    ],
    ids=["jwt-isolation", "security-key"],
)
def test_hostile_credentials_never_5xx(hostile_dsn: str, conn, mode: dict[str, str]) -> None:
    reset(conn)
    requests = [
        ("GET", "/sessions", b""),
        ("POST", "/sessions", b'{"session_id":"cred","session_name":"x"}'),
        ("GET", "/sessions/s1", b""),
        ("PATCH", "/sessions/s1", b'{"session_name":"x"}'),
        ("DELETE", "/sessions", b'{"session_ids":["s1"],"session_types":["agent"]}'),
    ]
    with InProcessApp(create_app(load_settings({"AGNO_PG_DSN": hostile_dsn, **mode})), timeout=30) as secured:
        for name, credential in _hostile_tokens().items():
            headers = [(b"content-type", b"application/json")]
            if credential:
                headers.append((b"authorization", credential))
            for method, target, payload in requests:
                answer = secured.request(method, target, payload, headers)
                assert answer.status < 500, f"{name} {method} {target}: {answer.status} {answer.body[:200]!r}"
                if answer.status >= 400:
                    _assert_error_shape(answer)
    # Nothing seeded was changed by anyone without a valid identity for it.
    for session_id in ("s2", "bare", "r1"):
        _assert_untouched(conn, session_id)
