"""Contract, auth: agno 3.1.10's AgentOS with authorization and user isolation on, and our
service configured the same way, on one database; the same tokens sent to both.

Each configuration boots a fresh pair of servers (their own event loop, the harness's in-process
ASGI driver) over the database `contract_auth`, seeded by agno itself: sessions of two users written
with `PostgresDb.upsert_session`, service accounts minted with agno's own `generate_token` and
`create_service_account`. Every answer must be identical (status, content type, body bytes; and the
CORS headers on auth errors); a write runs once per server on its own id (`{S}` -> `~a` / `~o`).
Differences are declared in DECLARED below with their reason, and checked to be exactly that.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from .conftest import agno_available

if not agno_available():
    if os.environ.get("CI") == "true":
        raise ImportError(
            "agno is not importable but CI=true: install the `contract` extra (pip install -e '.[contract]')"
        )
    pytest.skip("agno not installed: pip install -e '.[contract]' to run the contract suite", allow_module_level=True)

from auth_tokens import HS_SECRET, RSAKey, mint, write_jwks  # noqa: E402

from .asgi import InProcessServer  # noqa: E402
from .compare import CLONE as CLONE_NORMALISATION  # noqa: E402
from .compare import CLONE_SUFFIXES, NEW_UUID, NOW, Answer, Context, first_difference, normalise  # noqa: E402
from .dsn import recreate_database, sqlalchemy_url  # noqa: E402

pytestmark = pytest.mark.contract

DB_ID = "db-auth"
OS_ID = "os-auth"
ISSUER = "https://idp.example"
READ, WRITE, DELETE = "sessions:read", "sessions:write", "sessions:delete"
ALL = [READ, WRITE, DELETE]
T0 = 1_790_000_000
# List reads sorted by session_id: sessions both servers create in one second would otherwise tie
# on created_at, which AgentOS orders arbitrarily.
SORTED = "/sessions?sort_by=session_id&sort_order=asc"
AUTH_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "www-authenticate",
)

# Differences we keep on purpose: case id -> (reason, AgentOS status, our status). Each listed case is
# checked to answer exactly those statuses (a declaration that no longer applies fails too).
DECLARED: dict[str, tuple[str, int, int]] = {
    "security-key: nonascii GET /sessions?sort_by=session_id&sort_order=asc": (
        "AgentOS compares the key with hmac.compare_digest on str, which raises TypeError on a non-ASCII "
        "header value (500); we compare UTF-8 bytes and answer 401 Invalid authentication token",
        500,
        401,
    ),
    "open: pat-reader DELETE /sessions/a1/runs/r1": (
        "with no auth configured AgentOS checks a service-account token in a route dependency, so an "
        "unmatched route answers 405 first; our one auth layer runs before routing and answers 403",
        405,
        403,
    ),
}


# -- seed ------------------------------------------------------------------------------------------


@dataclass
class Seed:
    dsn: str
    db: Any
    pats: dict[str, str] = field(default_factory=dict)  # account name -> plaintext token


def _session(session_id: str, user_id: str | None, n: int):
    from agno.session import AgentSession

    return AgentSession(
        session_id=session_id,
        agent_id="basic-agent",
        user_id=user_id,
        session_data={"session_name": f"{session_id} by {user_id}"},
        created_at=T0 + n,
        updated_at=T0 + n,
    )


def _mint_service_account(db: Any, name: str, scopes: list[str], **extra: Any) -> str:
    """As agno's POST /service-accounts does: generate_token, then store hash, prefix and scopes."""
    import uuid

    from agno.db.schemas.service_accounts import ServiceAccount
    from agno.os.service_accounts import generate_token

    plaintext, token_hash, prefix = generate_token()
    account = ServiceAccount(
        id=str(uuid.uuid4()), name=name, token_hash=token_hash, token_prefix=prefix, scopes=scopes, **extra
    )
    db.create_service_account(account.to_dict())
    return plaintext


@pytest.fixture(scope="module")
def seeded(pg_server_dsn: str) -> Iterator[Seed]:
    from agno.db.postgres import PostgresDb

    os.environ.setdefault("AGNO_TELEMETRY", "false")
    dsn = recreate_database(pg_server_dsn, "contract_auth")
    db = PostgresDb(db_url=sqlalchemy_url(dsn), id=DB_ID)
    owners = {"a1": "alice", "a2": "alice", "b1": "bob", "b2": "bob", "n1": None}
    for side in CLONE_SUFFIXES.values():  # per-side targets of destructive cases
        owners.update({f"adel{side}": "alice", f"abulk{side}": "alice", f"sadel{side}": "sa:writer"})
    for n, (session_id, owner) in enumerate(owners.items()):
        db.upsert_session(_session(session_id, owner, n))
    seed = Seed(dsn, db)
    now = int(time.time())
    seed.pats = {
        "reader": _mint_service_account(db, "reader", [READ]),
        "writer": _mint_service_account(db, "writer", ALL),
        "root": _mint_service_account(db, "root-bot", ["agent_os:admin"]),
        "revoked": _mint_service_account(db, "revoked", ALL, revoked_at=now - 10),
        "expired": _mint_service_account(db, "expired", ALL, expires_at=now - 10),
    }
    yield seed
    db.close()


# -- the two servers per configuration -------------------------------------------------------------


@dataclass
class Pair:
    agentos: InProcessServer
    ours: InProcessServer

    def compare(self, case_id: str, method: str, url: str, headers: dict[str, str], body: Any = None) -> None:
        answers = {}
        # Only a write runs on per-side ids and stamps the time: reads must match byte for byte.
        is_write = "{S}" in url or "{S}" in repr(body) or method != "GET"
        normalisations = (CLONE_NORMALISATION, NOW, NEW_UUID) if is_write else ()
        for side, server in (("agentos", self.agentos), ("ours", self.ours)):
            suffix = CLONE_SUFFIXES[side]
            started = time.time()
            kwargs: dict[str, Any] = {"headers": headers}
            if body is not None:
                kwargs["json"] = _expand(body, suffix)
            response = server.request(method, url.replace("{S}", suffix), **kwargs)
            ctx = Context(suffix, started, time.time())
            answer = normalise(Answer.of(response), normalisations, ctx)
            auth_headers = {name: response.headers.get(name) for name in AUTH_HEADERS}
            answers[side] = (answer, auth_headers)
        (a, a_headers), (o, o_headers) = answers["agentos"], answers["ours"]
        if a.status == o.status == 204 and not a.body and not o.body:
            # The 204's content-type is the core API's business (the delete cases of test_contract
            # check it); here only what auth decides is compared.
            o = Answer(o.status, a.content_type, o.body)
        problems = [p for p in (first_difference(a, o),) if p]
        if a_headers != o_headers:
            problems.append(f"headers: AgentOS {a_headers}, ours {o_headers}")
        if case_id in DECLARED:
            reason, agentos_status, our_status = DECLARED[case_id]
            assert (a.status, o.status) == (agentos_status, our_status), (
                f"{case_id}: declared ({reason}) but got {a}, {o}"
            )
            return
        assert not problems, f"{case_id}: {method} {url}\n  " + "\n  ".join(problems)


def _expand(value: Any, suffix: str) -> Any:
    if isinstance(value, str):
        return value.replace("{S}", suffix)
    if isinstance(value, list):
        return [_expand(item, suffix) for item in value]
    if isinstance(value, dict):
        return {key: _expand(item, suffix) for key, item in value.items()}
    return value


def boot(seed: Seed, agentos_kwargs: dict[str, Any], our_env: dict[str, str]) -> Iterator[Pair]:
    """Both servers, started on a private loop; stopped when the generator is closed."""
    from agno.os import AgentOS

    from session_svc.app import create_app
    from session_svc.settings import load_settings

    agent_os = AgentOS(id=OS_ID, db=seed.db, telemetry=False, **agentos_kwargs)
    ours = create_app(
        load_settings({"AGNO_PG_DSN": seed.dsn, "AGNO_DB_ID": DB_ID, "AGNO_POOL_MIN_SIZE": "1", **our_env})
    )
    loop = asyncio.new_event_loop()
    pair = Pair(InProcessServer("agentos", agent_os.get_app(), loop), InProcessServer("ours", ours, loop))
    pair.agentos.start()
    pair.ours.start()
    try:
        yield pair
    finally:
        pair.ours.stop()
        pair.agentos.stop()
        loop.close()


# -- tokens ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, Any]:
    k1, k2 = RSAKey(), RSAKey()
    jwks = write_jwks(tmp_path_factory.mktemp("jwks") / "jwks.json", {"k1": k1, "k2": k2})
    return {"k1": k1, "k2": k2, "jwks": jwks}


def token_table(keys: dict[str, Any], seed: Seed) -> dict[str, str | None]:
    """Token name -> the Authorization header value (None: no header)."""
    k1, k2 = keys["k1"], keys["k2"]
    pats = seed.pats
    table: dict[str, str | None] = {
        "none": None,
        "empty": "Bearer ",
        "garbage": "Bearer abc",
        "wrongsig": mint(k2, sub="alice", scopes=ALL),
        "hs256": mint(HS_SECRET, "HS256", sub="alice", scopes=ALL),
        "expired": mint(k1, sub="alice", scopes=ALL, expires_in=-60),
        "leeway": mint(k1, sub="alice", scopes=ALL, expires_in=-5),
        "sa-sub": mint(k1, sub="sa:writer", scopes=["agent_os:admin"]),
        "sched": mint(k1, sub="__scheduler__", scopes=["agent_os:admin"]),
        "oauth": mint(k1, sub="__oauth__:client", scopes=["agent_os:admin"]),
        "noscope": mint(k1, sub="alice"),
        "reader": mint(k1, sub="alice", scopes=[READ]),
        "nonstr": mint(k1, sub="alice", scopes=[*ALL, 7]),
        "wildcard": mint(k1, sub="alice", scopes=["sessions:*:read", "sessions:*:write", "sessions:*:delete"]),
        "alice": mint(k1, sub="alice", scopes=ALL),
        "bob": mint(k1, sub="bob", scopes=ALL),
        "admin": mint(k1, sub="root", scopes=["agent_os:admin"]),
        "nosub": mint(k1, sub=None, scopes=ALL),
        "emptysub": mint(k1, sub="", scopes=ALL),
        "bare": "RAW:" + mint(k1, sub="alice", scopes=ALL),
        # JWKS and audience
        "kid1-aud": mint(k1, sub="alice", scopes=ALL, kid="k1", aud=OS_ID),
        "kid2-audlist": mint(k2, sub="bob", scopes=ALL, kid="k2", aud=["x", OS_ID]),
        "kid1-otheraud": mint(k1, sub="alice", scopes=ALL, kid="k1", aud="elsewhere"),
        "kid1-noaud": mint(k1, sub="alice", scopes=ALL, kid="k1"),
        "kid9": mint(k1, sub="alice", scopes=ALL, kid="k9", aud=OS_ID),
        "kid1-signed-by-k2": mint(k2, sub="alice", scopes=ALL, kid="k1", aud=OS_ID),
        "kid1-expired-otheraud": mint(k1, sub="alice", scopes=ALL, kid="k1", aud="elsewhere", expires_in=-60),
        "kid1-nosub": mint(k1, sub=None, scopes=ALL, kid="k1", aud=OS_ID),
        "kid1-iss": mint(k1, sub="alice", scopes=ALL, kid="k1", aud=OS_ID, iss=ISSUER),
        "kid1-otheriss": mint(k1, sub="alice", scopes=ALL, kid="k1", aud=OS_ID, iss="https://other.example"),
        # HS256 with a custom admin scope
        "hs-root": mint(HS_SECRET, "HS256", sub="carol", scopes=["root"]),
        "hs-osadmin": mint(HS_SECRET, "HS256", sub="carol", scopes=["agent_os:admin"]),
        "hs-alice": mint(HS_SECRET, "HS256", sub="alice", scopes=ALL),
        "rs-alice": mint(k1, sub="alice", scopes=ALL),
        # security key
        "key": "s3cret-key",
        "nonascii": "RAW:Bearer s3cret-k\u00e9y",
        "wrongkey": "not-the-key",
        # service accounts
        **{f"pat-{name}": token for name, token in pats.items()},
        "pat-unknown": "agno_pat_0000000000unknown",
        "bare-pat-writer": "RAW:" + pats["writer"],
    }
    return {
        name: (
            None
            if value is None
            else value[4:]
            if value.startswith("RAW:")
            else value
            if value.startswith("Bearer")
            else f"Bearer {value}"
        )
        for name, value in table.items()
    }


# -- cases -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthCase:
    token: str
    method: str
    url: str
    body: Any = None
    origin: str | None = None
    status_only: bool = False  # answers that carry a per-process value (/health's start time)

    @property
    def id(self) -> str:
        extra = f" origin={self.origin}" if self.origin else ""
        body = f" {self.body}" if self.body is not None else ""
        return f"{self.token} {self.method} {self.url}{body}{extra}"


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", SORTED, None),
    ("POST", "/sessions", {}),
    ("DELETE", "/sessions", {"session_ids": ["a1"], "session_types": ["agent"]}),
    ("GET", "/sessions/a1", None),
    ("PATCH", "/sessions/a1", {"session_name": "x"}),
    ("DELETE", "/sessions/a1", None),
    ("POST", "/sessions/a1/rename", {"session_name": "x"}),
    ("GET", "/sessions/a1/runs", None),
    ("GET", "/sessions/a1/run-previews", None),
    ("GET", "/sessions/a1/runs/r1", None),
]
# Tokens refused (or read-only) on every route: safe to send to destructive routes too.
MATRIX_TOKENS = [
    "none", "empty", "garbage", "wrongsig", "hs256", "expired", "sa-sub", "sched", "oauth",
    "noscope", "reader", "nonstr", "nosub", "emptysub", "pat-reader", "pat-revoked", "pat-expired", "pat-unknown",
]  # fmt: skip

DELETE_BODY = {"session_types": ["agent", "agent", "agent"]}

ISOLATED_CASES = [AuthCase(token, method, url, body) for token in MATRIX_TOKENS for method, url, body in ROUTES] + [
    # reads: only the caller's own, whatever the query says
    AuthCase("alice", "GET", SORTED),
    AuthCase("alice", "GET", SORTED + "&user_id=bob"),
    AuthCase("alice", "GET", SORTED + "&session_name=bob"),
    AuthCase("bob", "GET", "/sessions?limit=1&page=2"),
    AuthCase("wildcard", "GET", SORTED),
    AuthCase("leeway", "GET", SORTED),
    AuthCase("bare", "GET", SORTED),
    AuthCase("alice", "GET", "/sessions/b1"),
    AuthCase("alice", "GET", "/sessions/b1?type=agent"),
    AuthCase("alice", "GET", "/sessions/b1?user_id=bob"),
    AuthCase("alice", "GET", "/sessions/b1/runs"),
    AuthCase("alice", "GET", "/sessions/b1/run-previews?user_id=bob"),
    AuthCase("alice", "GET", "/sessions/b1/runs/r1"),
    AuthCase("bob", "GET", "/sessions/b1"),
    # writes to another's session change nothing
    AuthCase("alice", "POST", "/sessions/b1/rename", {"session_name": "hijacked"}),
    AuthCase("alice", "POST", "/sessions/b1/rename?user_id=bob", {"session_name": "hijacked"}),
    AuthCase("alice", "PATCH", "/sessions/b1", {"session_name": "hijacked", "metadata": {"x": 1}}),
    AuthCase("alice", "DELETE", "/sessions/b1"),
    AuthCase("alice", "DELETE", "/sessions/b1?user_id=bob"),
    AuthCase("alice", "DELETE", "/sessions?user_id=bob", {"session_ids": ["abulk{S}", "b1", "b2"], **DELETE_BODY}),
    AuthCase("bob", "GET", SORTED),
    AuthCase("alice", "GET", SORTED),
    # the caller's own
    AuthCase("alice", "DELETE", "/sessions/adel{S}"),
    AuthCase("alice", "GET", "/sessions/adel{S}"),
    AuthCase("alice", "POST", "/sessions/a2/rename", {"session_name": "renamed"}),
    AuthCase("alice", "PATCH", "/sessions/a2", {"metadata": {"k": 1}, "session_state": {"s": 2}}),
    # create: owner forced, the two 409s
    AuthCase("alice", "POST", "/sessions", {"session_id": "new{S}", "user_id": "bob", "session_name": "mine"}),
    AuthCase("bob", "GET", "/sessions/new{S}"),
    AuthCase("alice", "POST", "/sessions", {"session_id": "a1"}),
    AuthCase("alice", "POST", "/sessions", {"session_id": "b1"}),
    AuthCase("alice", "POST", "/sessions?type=team", {"session_id": "b2", "user_id": "bob"}),
    AuthCase("alice", "POST", "/sessions", {"session_id": "n1"}),
    # admins are unscoped
    AuthCase("admin", "GET", SORTED),
    AuthCase("admin", "GET", SORTED + "&user_id=bob"),
    AuthCase("admin", "GET", "/sessions/b1"),
    AuthCase("admin", "POST", "/sessions", {"session_id": "b1"}),
    AuthCase("admin", "POST", "/sessions", {"session_id": "adm{S}", "user_id": "bob"}),
    # identity-less tokens: validation first, then 403
    AuthCase("nosub", "GET", "/sessions?limit=0"),
    AuthCase("nosub", "POST", "/sessions", {"session_id": 5}),
    # service accounts: self-scoped, their own scopes enforced
    AuthCase("pat-writer", "POST", "/sessions", {"session_id": "sa{S}", "user_id": "alice"}),
    AuthCase("pat-writer", "GET", SORTED + "&user_id=alice"),
    AuthCase("pat-writer", "GET", "/sessions/a1"),
    AuthCase("pat-writer", "DELETE", "/sessions/sadel{S}"),
    AuthCase("pat-writer", "POST", "/sessions", {"session_id": "a1"}),
    AuthCase("pat-root", "GET", SORTED),
    AuthCase("bare-pat-writer", "GET", SORTED),
    # before routing: unknown paths, wrong methods, trailing slash, OPTIONS, excluded paths
    AuthCase("none", "GET", "/nowhere"),
    AuthCase("alice", "GET", "/nowhere"),
    AuthCase("none", "PUT", "/sessions"),
    AuthCase("alice", "PUT", "/sessions"),
    AuthCase("none", "GET", "/sessions/"),
    AuthCase("reader", "DELETE", "/sessions/"),
    AuthCase("none", "OPTIONS", "/sessions"),
    AuthCase("none", "GET", "/sessions?limit=0"),
    AuthCase("none", "GET", "/health", status_only=True),
    # CORS headers on auth errors
    AuthCase("none", "GET", "/sessions", origin="http://localhost:3000"),
    AuthCase("none", "GET", "/sessions", origin="https://evil.example"),
    AuthCase("noscope", "GET", "/sessions", origin="https://os.agno.com"),
    AuthCase("pat-unknown", "GET", "/sessions", origin="http://localhost:3000"),
]

JWKS_AUDIENCE_CASES = [
    AuthCase("kid1-aud", "GET", SORTED),
    AuthCase("kid2-audlist", "GET", "/sessions/b1"),
    AuthCase("kid1-otheraud", "GET", SORTED),
    AuthCase("kid1-noaud", "GET", SORTED),
    AuthCase("kid9", "GET", SORTED),
    AuthCase("kid1-signed-by-k2", "GET", SORTED),
    AuthCase("kid1-expired-otheraud", "GET", SORTED),
    AuthCase("garbage", "GET", SORTED),
    AuthCase("none", "GET", SORTED),
    # isolation off: JWT users are unscoped, but own what they create
    AuthCase("kid1-aud", "GET", "/sessions/b1"),
    AuthCase("kid1-aud", "POST", "/sessions", {"session_id": "j{S}", "user_id": "bob"}),
    AuthCase("kid1-nosub", "POST", "/sessions", {"session_id": "k{S}", "user_id": "bob"}),
    AuthCase("kid1-aud", "POST", "/sessions", {"session_id": "b1"}),
    AuthCase("pat-writer", "GET", SORTED),
]

ISSUER_CASES = [
    AuthCase("kid1-iss", "GET", SORTED),
    AuthCase("kid1-otheriss", "GET", SORTED),
    AuthCase("kid1-aud", "GET", SORTED),
    AuthCase("kid1-otheraud", "GET", SORTED),
]

HS256_CASES = [
    AuthCase("hs-root", "GET", SORTED),
    AuthCase("hs-root", "DELETE", "/sessions/nope"),
    AuthCase("hs-osadmin", "GET", SORTED),
    AuthCase("hs-alice", "GET", SORTED),
    AuthCase("hs-alice", "GET", "/sessions/b1"),
    AuthCase("rs-alice", "GET", SORTED),
    AuthCase("pat-root", "GET", SORTED),
]

SECURITY_KEY_CASES = [
    AuthCase(token, "GET", SORTED)
    for token in ("none", "empty", "key", "wrongkey", "alice", "pat-reader", "pat-unknown")
] + [
    AuthCase("key", "POST", "/sessions", {"session_id": "sk{S}", "user_id": "bob"}),
    AuthCase("pat-reader", "POST", "/sessions", {}),
    AuthCase("pat-writer", "POST", "/sessions", {"session_id": "skw{S}", "user_id": "bob"}),
    AuthCase("none", "GET", "/nowhere"),
    AuthCase("wrongkey", "GET", "/sessions", origin="http://localhost:3000"),
    AuthCase("nonascii", "GET", SORTED),
]

OPEN_CASES = [
    AuthCase("none", "GET", SORTED + "&user_id=bob"),
    AuthCase("pat-reader", "GET", SORTED),
    AuthCase("pat-reader", "POST", "/sessions", {}),
    AuthCase("pat-unknown", "POST", "/sessions", {"session_id": "o{S}", "user_id": "bob"}),
    AuthCase("pat-writer", "POST", "/sessions", {"session_id": "ow{S}", "user_id": "bob"}),
    AuthCase("bare-pat-writer", "POST", "/sessions", {"session_id": "ob{S}", "user_id": "bob"}),
    AuthCase("alice", "GET", "/sessions/b1"),
    AuthCase("pat-reader", "DELETE", "/sessions/a1/runs/r1"),
]


def _configs(keys: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, str]]]:
    from agno.os.authz import Authorization
    from agno.os.settings import AgnoAPISettings

    pem = keys["k1"].public_pem
    return {
        "isolated": (
            {"authorization": Authorization(verification_keys=[pem], algorithm="RS256"), "user_isolation": True},
            {"JWT_VERIFICATION_KEY": pem, "AGNO_USER_ISOLATION": "true"},
        ),
        "jwks-audience": (
            {"authorization": Authorization(jwks_file=keys["jwks"], verify_audience=True)},
            {"JWT_JWKS_FILE": keys["jwks"], "JWT_VERIFY_AUDIENCE": "true", "AGNO_OS_ID": OS_ID},
        ),
        "jwks-issuer": (
            {"authorization": Authorization(jwks_file=keys["jwks"], verify_audience=True, issuer=ISSUER)},
            {"JWT_JWKS_FILE": keys["jwks"], "JWT_VERIFY_AUDIENCE": "true", "AGNO_OS_ID": OS_ID, "JWT_ISSUER": ISSUER},
        ),
        "hs256-custom-admin": (
            {
                "authorization": Authorization(verification_keys=[HS_SECRET], algorithm="HS256", admin_scope="root"),
                "user_isolation": True,
            },
            {
                "JWT_VERIFICATION_KEY": HS_SECRET,
                "JWT_ALGORITHM": "HS256",
                "AGNO_ADMIN_SCOPE": "root",
                "AGNO_USER_ISOLATION": "true",
            },
        ),
        "security-key": (
            {"settings": AgnoAPISettings(os_security_key="s3cret-key")},
            {"OS_SECURITY_KEY": "s3cret-key"},
        ),
        "open": ({}, {}),
    }


@pytest.fixture(scope="module")
def pairs(seeded: Seed, keys: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Boots each configuration's servers on first use; all stop at the end of the module."""
    booted: dict[str, Pair] = {}
    generators = []
    configs = _configs(keys)

    def get(name: str) -> Pair:
        if name not in booted:
            generator = boot(seeded, *configs[name])
            booted[name] = next(generator)
            generators.append(generator)
        return booted[name]

    yield {"get": get, "tokens": token_table(keys, seeded)}
    for generator in reversed(generators):
        generator.close()


def run_case(pairs: dict[str, Any], config: str, case: AuthCase) -> None:
    value = pairs["tokens"][case.token]
    headers: dict[str, Any] = {} if value is None else {"Authorization": value.encode("utf-8")}
    if case.origin:
        headers["Origin"] = case.origin
    pair: Pair = pairs["get"](config)
    if case.status_only:
        statuses = [
            server.request(case.method, case.url, headers=headers).status_code for server in (pair.agentos, pair.ours)
        ]
        assert statuses[0] == statuses[1], f"{case.id}: AgentOS {statuses[0]}, ours {statuses[1]}"
        return
    pair.compare(f"{config}: {case.id}", case.method, case.url, headers, case.body)


@pytest.mark.parametrize("case", ISOLATED_CASES, ids=[c.id for c in ISOLATED_CASES])
def test_isolated(pairs, case: AuthCase) -> None:
    run_case(pairs, "isolated", case)


@pytest.mark.parametrize("case", JWKS_AUDIENCE_CASES, ids=[c.id for c in JWKS_AUDIENCE_CASES])
def test_jwks_audience(pairs, case: AuthCase) -> None:
    run_case(pairs, "jwks-audience", case)


@pytest.mark.parametrize("case", ISSUER_CASES, ids=[c.id for c in ISSUER_CASES])
def test_jwks_issuer(pairs, case: AuthCase) -> None:
    run_case(pairs, "jwks-issuer", case)


@pytest.mark.parametrize("case", HS256_CASES, ids=[c.id for c in HS256_CASES])
def test_hs256_custom_admin(pairs, case: AuthCase) -> None:
    run_case(pairs, "hs256-custom-admin", case)


@pytest.mark.parametrize("case", SECURITY_KEY_CASES, ids=[c.id for c in SECURITY_KEY_CASES])
def test_security_key(pairs, case: AuthCase) -> None:
    run_case(pairs, "security-key", case)


@pytest.mark.parametrize("case", OPEN_CASES, ids=[c.id for c in OPEN_CASES])
def test_open(pairs, case: AuthCase) -> None:
    run_case(pairs, "open", case)
