"""Auth end to end (docs/contract.md, User scoping; agno/os/middleware/jwt.py): real tokens minted here against the real app and
PostgreSQL, every /sessions route against every outcome, in each auth mode.

Expected strings are AgentOS 3.1.10's (os/middleware/jwt.py, os/auth.py, os/service_accounts.py);
tests/contract/test_auth_contract.py sends the same kinds of tokens to a live AgentOS.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from auth_tokens import (
    HS_SECRET,
    RSAKey,
    bearer,
    create_service_accounts_table,
    insert_service_account,
    mint,
    write_jwks,
)
from conftest import make_client
from starlette.testclient import TestClient

from session_svc.settings import ConfigError, load_settings

READ, WRITE, DELETE = "sessions:read", "sessions:write", "sessions:delete"

# Every route, with a body it accepts, its scope, and what an allowed caller gets for a session id
# that does not exist (so the answer does not depend on what other tests stored).
ROUTES: list[tuple[str, str, Any, str, int]] = [
    ("GET", "/sessions", None, READ, 200),
    ("POST", "/sessions", {}, WRITE, 201),
    ("DELETE", "/sessions", {"session_ids": ["nope"], "session_types": ["agent"]}, DELETE, 204),
    ("GET", "/sessions/nope", None, READ, 404),
    ("PATCH", "/sessions/nope", {}, WRITE, 404),
    ("DELETE", "/sessions/nope", None, DELETE, 204),
    ("POST", "/sessions/nope/rename", {"session_name": "x"}, WRITE, 404),
    ("GET", "/sessions/nope/runs", None, READ, 404),
    ("GET", "/sessions/nope/run-previews", None, READ, 404),
    ("GET", "/sessions/nope/runs/r1", None, READ, 404),
]
ROUTE_IDS = [f"{method} {path}" for method, path, *_ in ROUTES]


def send(
    client: TestClient,
    route: tuple[str, str, Any, str, int],
    headers: dict[str, str] | None = None,
    path: str | None = None,
):
    method, route_path, body, _, _ = route
    return client.request(method, path or route_path, json=body, headers=headers or {})


def assert_denied(response, status: int, detail: str) -> None:
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert response.headers["content-type"] == "application/json"
    assert "www-authenticate" not in response.headers


@pytest.fixture(scope="module")
def rsa_key() -> RSAKey:
    return RSAKey()


@pytest.fixture(scope="module")
def other_rsa_key() -> RSAKey:
    return RSAKey()


@pytest.fixture(scope="module")
def accounts(pg_dsn: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        create_service_accounts_table(conn)
        conn.execute("TRUNCATE ai.agno_service_accounts")
        yield conn


def client_for(pg_dsn: str, **env: str) -> TestClient:
    return make_client({"AGNO_PG_DSN": pg_dsn, **env})


@pytest.fixture(scope="module")
def rs256(pg_dsn: str, rsa_key: RSAKey) -> Iterator[TestClient]:
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem) as client:
        yield client


# -- JWT mode: every route x every outcome ---------------------------------------------------------

# Headers to send, or a function making them when sent (for tokens whose validity depends on the clock).
Headers = dict[str, str] | Callable[[], dict[str, str]]


def jwt_outcomes(rsa_key: RSAKey, other: RSAKey) -> dict[str, tuple[Headers, int | None, str | None]]:
    """name -> (headers, status, detail); status None = allowed, detail None = the route's scope."""
    return {
        "no header": ({}, 401, "Authorization header missing"),
        "empty bearer": ({"Authorization": "Bearer "}, 401, "Authorization header missing"),
        "not a jwt": (bearer("abc"), 401, "Invalid token: Not enough segments"),
        "wrong signature": (
            bearer(mint(other, scopes=[READ, WRITE, DELETE])),
            401,
            "Invalid token: Signature verification failed",
        ),
        "hs256 token": (
            bearer(mint(HS_SECRET, "HS256", scopes=[READ])),
            401,
            "Invalid token: The specified alg value is not allowed",
        ),
        "expired": (bearer(mint(rsa_key, scopes=[READ, WRITE, DELETE], expires_in=-60)), 401, "Token has expired"),
        "service-account subject": (
            bearer(mint(rsa_key, sub="sa:bot", scopes=["agent_os:admin"])),
            401,
            "Invalid token subject",
        ),
        "scheduler subject": (
            bearer(mint(rsa_key, sub="__scheduler__", scopes=["agent_os:admin"])),
            401,
            "Invalid token subject",
        ),
        "oauth subject": (
            bearer(mint(rsa_key, sub="__oauth__:client", scopes=["agent_os:admin"])),
            401,
            "Invalid token subject",
        ),
        "no scopes claim": (bearer(mint(rsa_key)), 403, None),
        "empty scopes": (bearer(mint(rsa_key, scopes=[])), 403, None),
        "per-session scope": (
            bearer(mint(rsa_key, scopes=["sessions:s1:read", "sessions:s1:write", "sessions:s1:delete"])),
            403,
            None,
        ),
        "other resource": (bearer(mint(rsa_key, scopes=["agents:read", "memories:write"])), 403, None),
        "non-string scope": (bearer(mint(rsa_key, scopes=[READ, WRITE, DELETE, 7])), 403, None),
        "all three scopes": (bearer(mint(rsa_key, scopes=[READ, WRITE, DELETE])), None, None),
        "wildcard scopes": (
            bearer(mint(rsa_key, scopes=["sessions:*:read", "sessions:*:write", "sessions:*:delete"])),
            None,
            None,
        ),
        "admin": (bearer(mint(rsa_key, scopes=["agent_os:admin"])), None, None),
        "admin as string claim": (bearer(mint(rsa_key, scopes="agent_os:admin")), None, None),
        "bare token": ({"Authorization": mint(rsa_key, scopes=["agent_os:admin"])}, None, None),
        "lowercase bearer": ({"Authorization": "bearer " + mint(rsa_key, scopes=["agent_os:admin"])}, None, None),
        # Minted when sent: minted with the module's fixture it would outlive the leeway on a slow run.
        "expired within leeway": (lambda: bearer(mint(rsa_key, scopes=["agent_os:admin"], expires_in=-5)), None, None),
    }


@pytest.fixture(scope="module")
def outcomes(rsa_key: RSAKey, other_rsa_key: RSAKey):
    return jwt_outcomes(rsa_key, other_rsa_key)


_NAMES = [
    "no header", "empty bearer", "not a jwt", "wrong signature", "hs256 token", "expired",
    "service-account subject", "scheduler subject", "oauth subject", "no scopes claim", "empty scopes",
    "per-session scope", "other resource", "non-string scope", "all three scopes", "wildcard scopes",
    "admin", "admin as string claim", "bare token", "lowercase bearer", "expired within leeway",
]  # fmt: skip


@pytest.mark.parametrize("outcome", _NAMES)
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_jwt_route_outcome(rs256: TestClient, outcomes, route, outcome: str) -> None:
    headers, status, detail = outcomes[outcome]
    response = send(rs256, route, headers() if callable(headers) else headers)
    if status is None:
        assert response.status_code == route[4], response.text
    else:
        expected = detail if detail is not None else f"Insufficient permissions. Required scope(s): {route[3]}"
        assert_denied(response, status, expected)


def test_outcome_table_is_complete(outcomes) -> None:
    assert sorted(outcomes) == sorted(_NAMES)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_each_route_needs_exactly_its_own_scope(rs256: TestClient, rsa_key: RSAKey, route) -> None:
    needed = route[3]
    others = [scope for scope in (READ, WRITE, DELETE) if scope != needed]
    assert_denied(
        send(rs256, route, bearer(mint(rsa_key, scopes=others))),
        403,
        f"Insufficient permissions. Required scope(s): {needed}",
    )
    assert send(rs256, route, bearer(mint(rsa_key, scopes=[needed]))).status_code == route[4]


def test_auth_comes_before_routing_and_validation(rs256: TestClient, rsa_key: RSAKey) -> None:
    # 401 before 404 (unknown path), 405 (wrong method) and 422 (bad query).
    assert_denied(rs256.get("/nowhere"), 401, "Authorization header missing")
    assert_denied(rs256.put("/sessions"), 401, "Authorization header missing")
    assert_denied(rs256.get("/sessions?limit=0"), 401, "Authorization header missing")
    # 403 before 422 too; with the scope, validation answers.
    token = bearer(mint(rsa_key, scopes=[WRITE]))
    assert_denied(
        rs256.get("/sessions?limit=0", headers=token), 403, "Insufficient permissions. Required scope(s): sessions:read"
    )
    assert rs256.get("/sessions?limit=0", headers=bearer(mint(rsa_key, scopes=[READ]))).status_code == 422
    # Paths outside the scope map need a valid token but no scope.
    assert rs256.get("/nowhere", headers=bearer(mint(rsa_key))).status_code == 404
    # A method the scope map does not know needs no scope, and the router answers 405.
    assert rs256.put("/sessions", headers=bearer(mint(rsa_key))).status_code == 405


def test_auth_comes_before_the_body_limit(pg_dsn: str, rsa_key: RSAKey) -> None:
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem, AGNO_MAX_BODY_BYTES="16") as client:
        big = {"session_id": "x" * 100}
        assert_denied(client.post("/sessions", json=big), 401, "Authorization header missing")
        assert_denied(
            client.post("/sessions", json=big, headers=bearer(mint(rsa_key, scopes=[READ]))),
            403,
            "Insufficient permissions. Required scope(s): sessions:write",
        )
        assert client.post("/sessions", json=big, headers=bearer(mint(rsa_key, scopes=[WRITE]))).status_code == 413


def test_trailing_slash_is_stripped_before_auth(rs256: TestClient, rsa_key: RSAKey) -> None:
    assert_denied(rs256.get("/sessions/"), 401, "Authorization header missing")
    assert_denied(
        rs256.get("/sessions/", headers=bearer(mint(rsa_key, scopes=[WRITE]))),
        403,
        "Insufficient permissions. Required scope(s): sessions:read",
    )
    assert rs256.get("/sessions/", headers=bearer(mint(rsa_key, scopes=[READ]))).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/health",
        "/health/",
        "/healthz",
        "/readyz",
        "/metrics",
        "/docs",
        "/redoc",
        "/openapi.json",
        "/info",
        "/docs/oauth2-redirect",
    ],
)
def test_excluded_paths_need_no_token(rs256: TestClient, path: str) -> None:
    response = rs256.get(path)
    assert response.status_code not in (401, 403), (path, response.text)


def test_options_without_preflight_headers_passes_auth(rs256: TestClient) -> None:
    # AgentOS lets every OPTIONS through its auth middleware; the router then answers 405.
    assert rs256.options("/sessions").status_code == 405


def test_cors_headers_on_auth_errors_for_allowed_origins(rs256: TestClient, rsa_key: RSAKey) -> None:
    for headers, status in (({}, 401), (bearer(mint(rsa_key)), 403)):
        response = rs256.get("/sessions", headers={**headers, "Origin": "http://localhost:3000"})
        assert response.status_code == status
        assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert response.headers["access-control-allow-credentials"] == "true"
        assert response.headers["access-control-allow-methods"] == "*"
        assert response.headers["access-control-allow-headers"] == "*"
        assert response.headers["access-control-expose-headers"] == "*"
        denied = rs256.get("/sessions", headers={**headers, "Origin": "https://evil.example"})
        assert denied.status_code == status
        assert "access-control-allow-origin" not in denied.headers


def test_cors_origin_list_extends_the_origins(pg_dsn: str) -> None:
    with client_for(pg_dsn, OS_SECURITY_KEY="k", CORS_ORIGIN_LIST="https://app.example.com") as client:
        response = client.get("/sessions", headers={"Origin": "https://app.example.com"})
        assert response.status_code == 401
        assert response.headers["access-control-allow-origin"] == "https://app.example.com"


# -- JWT details: HS256, JWKS by kid, audience, authorization off --------------------------------


def test_hs256(pg_dsn: str, rsa_key: RSAKey) -> None:
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=HS_SECRET, JWT_ALGORITHM="HS256") as client:
        assert client.get("/sessions", headers=bearer(mint(HS_SECRET, "HS256", scopes=[READ]))).status_code == 200
        assert_denied(
            client.get("/sessions", headers=bearer(mint(HS_SECRET + "x", "HS256", scopes=[READ]))),
            401,
            "Invalid token: Signature verification failed",
        )
        assert_denied(
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ]))),
            401,
            "Invalid token: The specified alg value is not allowed",
        )


def test_jwks_selects_the_key_by_kid(pg_dsn: str, tmp_path: Path, rsa_key: RSAKey, other_rsa_key: RSAKey) -> None:
    path = write_jwks(tmp_path / "jwks.json", {"k1": rsa_key, "k2": other_rsa_key})
    with client_for(pg_dsn, JWT_JWKS_FILE=path) as client:
        ok = [READ]
        assert client.get("/sessions", headers=bearer(mint(rsa_key, scopes=ok, kid="k1"))).status_code == 200
        assert client.get("/sessions", headers=bearer(mint(other_rsa_key, scopes=ok, kid="k2"))).status_code == 200
        # The kid names the key: signed by k2's key but claiming k1 fails.
        assert_denied(
            client.get("/sessions", headers=bearer(mint(other_rsa_key, scopes=ok, kid="k1"))),
            401,
            "Invalid token: Signature verification failed",
        )
        # No matching kid and no key without a kid: agno's message.
        assert_denied(
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=ok, kid="k9"))),
            401,
            "Invalid token: No verification keys configured",
        )
        assert_denied(
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=ok))),
            401,
            "Invalid token: No verification keys configured",
        )
        assert_denied(
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=ok, kid="k1", expires_in=-60))),
            401,
            "Token has expired",
        )
        assert_denied(client.get("/sessions", headers=bearer("abc")), 401, "Invalid token: Not enough segments")


def test_jwks_key_without_kid_is_the_fallback(pg_dsn: str, tmp_path: Path, rsa_key: RSAKey) -> None:
    path = write_jwks(tmp_path / "jwks.json", {None: rsa_key})
    with client_for(pg_dsn, JWT_JWKS_FILE=path) as client:
        assert client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ], kid="anything"))).status_code == 200
        assert client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ]))).status_code == 200


def test_jwks_then_static_key(pg_dsn: str, tmp_path: Path, rsa_key: RSAKey, other_rsa_key: RSAKey) -> None:
    path = write_jwks(tmp_path / "jwks.json", {"k1": rsa_key})
    with client_for(pg_dsn, JWT_JWKS_FILE=path, JWT_VERIFICATION_KEY=other_rsa_key.public_pem) as client:
        assert client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ], kid="k1"))).status_code == 200
        # The JWKS key fails, the static key verifies it.
        assert client.get("/sessions", headers=bearer(mint(other_rsa_key, scopes=[READ], kid="k1"))).status_code == 200
        assert client.get("/sessions", headers=bearer(mint(other_rsa_key, scopes=[READ]))).status_code == 200


def test_audience(pg_dsn: str, rsa_key: RSAKey) -> None:
    with client_for(
        pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem, JWT_VERIFY_AUDIENCE="true", AGNO_OS_ID="os-1"
    ) as client:
        assert client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ], aud="os-1"))).status_code == 200
        assert (
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ], aud=["other", "os-1"]))).status_code
            == 200
        )
        assert_denied(
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ], aud="os-2"))),
            401,
            "Invalid token audience - token not valid for this AgentOS instance",
        )
        assert_denied(
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ]))),
            401,
            'Invalid token: Token is missing the "aud" claim. Audience verification requires this claim to be present in the token.',
        )
        # Expiry is checked before the audience.
        assert_denied(
            client.get("/sessions", headers=bearer(mint(rsa_key, aud="os-2", expires_in=-60))), 401, "Token has expired"
        )
    # Without JWT_VERIFY_AUDIENCE the audience is not looked at.
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem) as client:
        assert client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ], aud="os-2"))).status_code == 200


def test_issuer(pg_dsn: str, rsa_key: RSAKey) -> None:
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem, JWT_ISSUER="https://idp.example") as client:
        assert (
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ], iss="https://idp.example"))).status_code
            == 200
        )
        assert_denied(
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ], iss="https://other.example"))),
            401,
            "Invalid token: Invalid issuer. Expected: https://idp.example, got: https://other.example",
        )
        assert_denied(
            client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ]))),
            401,
            'Invalid token: Token is missing the "iss" claim. Issuer verification requires this claim to be present in the token.',
        )


def test_authorization_off_verifies_tokens_but_not_scopes(pg_dsn: str, rsa_key: RSAKey) -> None:
    # AgentOS with JWT_VERIFICATION_KEY in the environment but authorization=False.
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem, AGNO_AUTHORIZATION="false") as client:
        for route in ROUTES:
            assert send(client, route, bearer(mint(rsa_key))).status_code == route[4]
            assert_denied(send(client, route), 401, "Authorization header missing")
            assert_denied(send(client, route, bearer(mint(rsa_key, expires_in=-60))), 401, "Token has expired")


def test_custom_admin_scope(pg_dsn: str, rsa_key: RSAKey) -> None:
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem, AGNO_ADMIN_SCOPE="root") as client:
        for route in ROUTES:
            assert send(client, route, bearer(mint(rsa_key, scopes=["root"]))).status_code == route[4]
            # The default admin scope is then an ordinary (useless) scope.
            assert send(client, route, bearer(mint(rsa_key, scopes=["agent_os:admin"]))).status_code == 403


def test_jwt_wins_over_security_key(pg_dsn: str, rsa_key: RSAKey) -> None:
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem, OS_SECURITY_KEY="key") as client:
        assert_denied(client.get("/sessions", headers=bearer("key")), 401, "Invalid token: Not enough segments")
        assert client.get("/sessions", headers=bearer(mint(rsa_key, scopes=[READ]))).status_code == 200


# -- security-key mode -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(pg_dsn: str) -> Iterator[TestClient]:
    with client_for(pg_dsn, OS_SECURITY_KEY="s3cret-key") as client:
        yield client


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_security_key_route_outcomes(keyed: TestClient, rsa_key: RSAKey, route) -> None:
    assert_denied(send(keyed, route), 401, "Authorization header required")
    assert_denied(send(keyed, route, {"Authorization": "Bearer "}), 401, "Authorization header required")
    assert_denied(send(keyed, route, bearer("wrong")), 401, "Invalid authentication token")
    assert_denied(send(keyed, route, bearer("s3cret-key-and-more")), 401, "Invalid authentication token")
    assert_denied(
        send(keyed, route, bearer(mint(rsa_key, scopes=["agent_os:admin"]))), 401, "Invalid authentication token"
    )
    assert_denied(
        send(keyed, route, {"Authorization": "Bearer s3cret-kéy".encode()}), 401, "Invalid authentication token"
    )
    for header in ("Bearer s3cret-key", "bearer s3cret-key", "BEARER s3cret-key", "s3cret-key", "Bearer  s3cret-key "):
        assert send(keyed, route, {"Authorization": header}).status_code == route[4], header


def test_security_key_caller_is_unscoped(keyed: TestClient, db: psycopg.Connection) -> None:
    created = keyed.post("/sessions", json={"session_id": "k1", "user_id": "someone"}, headers=bearer("s3cret-key"))
    assert created.json()["user_id"] == "someone"  # no identity: the body's user_id stands
    listed = keyed.get("/sessions?user_id=someone", headers=bearer("s3cret-key")).json()
    assert [item["session_id"] for item in listed["data"]] == ["k1"]


def test_no_auth_configured_lets_everything_through(client: TestClient) -> None:
    for route in ROUTES:
        assert send(client, route).status_code == route[4]
        assert send(client, route, bearer("anything")).status_code == route[4]


# -- service accounts (agno_pat_) ------------------------------------------------------------------


def test_service_account_route_outcomes(
    rs256: TestClient, accounts: psycopg.Connection, pg_dsn: str, rsa_key: RSAKey
) -> None:
    now = int(time.time())
    reader = insert_service_account(accounts, "reader", [READ])
    writer = insert_service_account(accounts, "writer", [READ, WRITE, DELETE])
    admin = insert_service_account(accounts, "admin-bot", ["agent_os:admin"])
    revoked = insert_service_account(accounts, "gone", ["agent_os:admin"], revoked_at=now - 1)
    expired = insert_service_account(accounts, "old", ["agent_os:admin"], expires_at=now - 1)
    future = insert_service_account(accounts, "later", ["agent_os:admin"], expires_at=now + 3600)
    for route in ROUTES:
        for token in (writer, admin, future):
            assert send(rs256, route, bearer(token)).status_code == route[4]
        if route[3] == READ:
            assert send(rs256, route, bearer(reader)).status_code == route[4]
        else:
            assert_denied(
                send(rs256, route, bearer(reader)), 403, f"Insufficient permissions. Required scope(s): {route[3]}"
            )
        # Bare tokens are accepted, as for JWTs.
        assert send(rs256, route, {"Authorization": admin}).status_code == route[4]
    # Refusals, each kind from a fresh app: 20 failures a minute from one client turn into 429s.
    for token in (revoked, expired, "agno_pat_unknown"):
        with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem) as fresh:
            for route in ROUTES:
                assert_denied(send(fresh, route, bearer(token)), 401, "Invalid or expired service account token")


def test_service_account_scopes_are_enforced_even_without_authorization(
    pg_dsn: str, accounts: psycopg.Connection, rsa_key: RSAKey
) -> None:
    reader = insert_service_account(accounts, "reader-2", [READ])
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem, AGNO_AUTHORIZATION="false") as client:
        assert client.get("/sessions", headers=bearer(reader)).status_code == 200
        assert_denied(
            client.post("/sessions", json={}, headers=bearer(reader)),
            403,
            "Insufficient permissions. Required scope(s): sessions:write",
        )


def test_service_account_in_security_key_mode(keyed: TestClient, accounts: psycopg.Connection) -> None:
    reader = insert_service_account(accounts, "reader-3", [READ])
    assert keyed.get("/sessions", headers=bearer(reader)).status_code == 200
    assert_denied(
        keyed.delete("/sessions/x", headers=bearer(reader)),
        403,
        "Insufficient permissions. Required scope(s): sessions:delete",
    )
    assert_denied(
        keyed.get("/sessions", headers=bearer("agno_pat_nope")), 401, "Invalid or expired service account token"
    )


def test_service_account_on_an_open_instance(client: TestClient, accounts: psycopg.Connection) -> None:
    # No auth configured: a verified token still attributes and is scope-checked; one that cannot
    # be verified is ignored like any other header (AgentOS's route dependency).
    reader = insert_service_account(accounts, "reader-4", [READ])
    assert client.get("/sessions", headers=bearer(reader)).status_code == 200
    assert_denied(
        client.post("/sessions", json={}, headers=bearer(reader)),
        403,
        "Insufficient permissions. Required scope(s): sessions:write",
    )
    assert client.post("/sessions", json={}, headers=bearer("agno_pat_unknown")).status_code == 201
    # Only the `Bearer` form counts there (FastAPI's HTTPBearer): a bare PAT is an unknown header.
    assert client.post("/sessions", json={}, headers={"Authorization": reader}).status_code == 201


def test_service_account_records_last_use(rs256: TestClient, accounts: psycopg.Connection) -> None:
    token = insert_service_account(accounts, "toucher", [READ])
    before = int(time.time())
    assert rs256.get("/sessions", headers=bearer(token)).status_code == 200
    (last_used,) = accounts.execute(
        "SELECT last_used_at FROM ai.agno_service_accounts WHERE name = 'toucher'"
    ).fetchone()
    assert last_used is not None and last_used >= before


def test_service_account_revocation_and_cache(pg_dsn: str, accounts: psycopg.Connection, rsa_key: RSAKey) -> None:
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem, SERVICE_ACCOUNT_CACHE_TTL_SECONDS="0") as strict:
        token = insert_service_account(accounts, "revokee", [READ])
        assert strict.get("/sessions", headers=bearer(token)).status_code == 200
        accounts.execute("UPDATE ai.agno_service_accounts SET revoked_at = 1 WHERE name = 'revokee'")
        assert_denied(strict.get("/sessions", headers=bearer(token)), 401, "Invalid or expired service account token")
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem) as cached:
        token = insert_service_account(accounts, "revokee-2", [READ])
        assert cached.get("/sessions", headers=bearer(token)).status_code == 200
        accounts.execute("UPDATE ai.agno_service_accounts SET revoked_at = 1 WHERE name = 'revokee-2'")
        # agno's 30 s verification cache: revocation reaches other workers within the TTL.
        assert cached.get("/sessions", headers=bearer(token)).status_code == 200


def test_service_account_failures_are_throttled(pg_dsn: str, rsa_key: RSAKey, accounts: psycopg.Connection) -> None:
    valid = insert_service_account(accounts, "survivor", [READ])
    with client_for(pg_dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem) as client:
        for _ in range(20):
            assert_denied(
                client.get("/sessions", headers=bearer("agno_pat_bad")), 401, "Invalid or expired service account token"
            )
        assert_denied(
            client.get("/sessions", headers=bearer("agno_pat_bad")), 429, "Too many failed authentication attempts"
        )
        assert client.get("/sessions", headers=bearer(valid)).status_code == 200  # a valid token is never throttled


def test_service_accounts_table_missing(pg_server_dsn: str, rsa_key: RSAKey) -> None:
    from conftest import create_database

    from session_svc.db.migrate import migrate_database
    from session_svc.settings import DatabaseConfig

    dsn = create_database(pg_server_dsn, "session_svc_auth_no_sa")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    with client_for(dsn, JWT_VERIFICATION_KEY=rsa_key.public_pem) as client:
        assert_denied(
            client.get("/sessions", headers=bearer("agno_pat_x")), 401, "Invalid or expired service account token"
        )


def test_service_account_database_down_fails_closed(rsa_key: RSAKey) -> None:
    env = {
        "AGNO_PG_DSN": "postgresql://nobody@127.0.0.1:9/none",
        "AGNO_POOL_TIMEOUT": "0.5",
        "AGNO_PG_CONNECT_TIMEOUT": "0.5",
    }
    with make_client({**env, "JWT_VERIFICATION_KEY": rsa_key.public_pem}) as client:
        assert_denied(
            client.get("/sessions", headers=bearer("agno_pat_x")), 503, "Authentication is temporarily unavailable"
        )


# -- start-up refuses contradictory settings -------------------------------------------------------


def config_error(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_config_errors(tmp_path: Path, rsa_key: RSAKey) -> None:
    assert "AGNO_USER_ISOLATION" in config_error({"AGNO_USER_ISOLATION": "true"})
    assert "AGNO_USER_ISOLATION" in config_error({"AGNO_USER_ISOLATION": "true", "OS_SECURITY_KEY": "k"})
    assert "AGNO_AUTHORIZATION" in config_error({"AGNO_AUTHORIZATION": "true"})
    assert "JWT_JWKS_FILE" in config_error({"JWT_JWKS_FILE": str(tmp_path / "missing.json")})
    (tmp_path / "bad.json").write_text("{not json")
    assert "JWT_JWKS_FILE" in config_error({"JWT_JWKS_FILE": str(tmp_path / "bad.json")})
    (tmp_path / "empty.json").write_text('{"keys": []}')
    assert "JWT_JWKS_FILE" in config_error({"JWT_JWKS_FILE": str(tmp_path / "empty.json")})
    assert "JWT_VERIFICATION_KEY" in config_error({"JWT_VERIFICATION_KEY": "not a pem"})
    assert "JWT_ALGORITHM" in config_error({"JWT_VERIFICATION_KEY": HS_SECRET, "JWT_ALGORITHM": "XS512"})
    assert "AGNO_OS_ID" in config_error({"JWT_VERIFICATION_KEY": rsa_key.public_pem, "JWT_VERIFY_AUDIENCE": "true"})
    assert "AGNO_USER_ISOLATION" in config_error(
        {"JWT_VERIFICATION_KEY": rsa_key.public_pem, "AGNO_USER_ISOLATION": "maybe"}
    )


def test_config_modes(rsa_key: RSAKey) -> None:
    assert load_settings({}).auth.mode == "none"
    assert load_settings({"OS_SECURITY_KEY": "k"}).auth.mode == "security_key"
    jwt_settings = load_settings({"JWT_VERIFICATION_KEY": rsa_key.public_pem, "OS_SECURITY_KEY": "k"}).auth
    assert (jwt_settings.mode, jwt_settings.authorization, jwt_settings.user_isolation) == ("jwt", True, False)
    assert load_settings(
        {"JWT_VERIFICATION_KEY": rsa_key.public_pem, "AGNO_USER_ISOLATION": "true"}
    ).auth.user_isolation
