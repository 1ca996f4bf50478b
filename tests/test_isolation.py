"""User isolation (agno/os/middleware/user_scope.py: get_scoped_user_id): two users' sessions through every route.

With AGNO_USER_ISOLATION=true neither alice nor bob can read, list, count, rename, patch, delete or
bulk-delete the other's sessions, whatever `user_id` they put in the query or body; admins see
everything; a service account only ever sees its own (even with isolation off). Every check reads
the table afterwards, so "refused" means "untouched", not just "answered 404".
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from auth_tokens import RSAKey, bearer, create_service_accounts_table, insert_service_account, mint
from conftest import make_client
from starlette.testclient import TestClient
from test_api_sessions import AGENT_RUN, insert_run, insert_session

ALL = ["sessions:read", "sessions:write", "sessions:delete"]


@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey()


@pytest.fixture()
def isolated(db: psycopg.Connection, pg_dsn: str, key: RSAKey) -> Iterator[TestClient]:
    with make_client(
        {"AGNO_PG_DSN": pg_dsn, "JWT_VERIFICATION_KEY": key.public_pem, "AGNO_USER_ISOLATION": "true"}
    ) as client:
        yield client


@pytest.fixture()
def alice(key: RSAKey) -> dict[str, str]:
    return bearer(mint(key, sub="alice", scopes=ALL))


@pytest.fixture()
def bob(key: RSAKey) -> dict[str, str]:
    return bearer(mint(key, sub="bob", scopes=ALL))


@pytest.fixture()
def admin(key: RSAKey) -> dict[str, str]:
    return bearer(mint(key, sub="root", scopes=["agent_os:admin"]))


def seed(db: psycopg.Connection) -> None:
    """Two sessions each, with a run, named after their owner."""
    for owner in ("alice", "bob"):
        for n in (1, 2):
            session_id = f"{owner[0]}{n}"
            insert_session(
                db, session_id, user_id=owner, agent_id="basic-agent", session_data={"session_name": f"{owner} {n}"}
            )
            insert_run(
                db, session_id, dict(AGENT_RUN, run_id=f"run-{session_id}", session_id=session_id, user_id=owner), 0
            )


def stored(db: psycopg.Connection) -> dict[str, tuple]:
    rows = db.execute(
        "SELECT session_id, user_id, session_data->>'session_name', metadata FROM ai.agno_sessions"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(item["session_id"] for item in response.json()["data"])


def test_list_and_count_only_the_callers_own(isolated: TestClient, db, alice, bob, admin) -> None:
    seed(db)
    for headers, owner, own in ((alice, "alice", ["a1", "a2"]), (bob, "bob", ["b1", "b2"])):
        other = "bob" if owner == "alice" else "alice"
        for query in (
            "",
            f"?user_id={other}",
            f"?user_id={owner}",
            "?component_id=basic-agent",
            "?type=agent",
            f"?session_name={other}",
        ):
            response = isolated.get(f"/sessions{query}", headers=headers)
            expected = [] if query == f"?session_name={other}" else own
            assert ids(response) == expected, query
            assert response.json()["meta"]["total_count"] == len(expected), query
        # One per page: the total still counts only the caller's two.
        paged = isolated.get("/sessions?limit=1&page=2", headers=headers).json()
        assert paged["meta"]["total_count"] == 2 and paged["meta"]["total_pages"] == 2
        # Newest first, ties broken by session_id descending: page 2 holds the first of the two.
        assert [item["session_id"] for item in paged["data"]] == own[:1]
    # Admins are never scoped; their user_id query is an ordinary filter.
    assert ids(isolated.get("/sessions", headers=admin)) == ["a1", "a2", "b1", "b2"]
    assert ids(isolated.get("/sessions?user_id=bob", headers=admin)) == ["b1", "b2"]


@pytest.mark.parametrize("suffix", ["", "?user_id=bob", "?type=agent", "?type=agent&user_id=bob"])
def test_reads_of_anothers_session_are_404(isolated: TestClient, db, alice, bob, suffix: str) -> None:
    seed(db)
    typed = "type=agent" in suffix
    session = isolated.get(f"/sessions/b1{suffix}", headers=alice)
    assert (session.status_code, session.json()) == (
        404,
        {"detail": f"{'Agent Session' if typed else 'Session'} with id 'b1' not found"},
    )
    for path in ("/sessions/b1/runs", "/sessions/b1/run-previews", "/sessions/b1/runs/run-b1"):
        response = isolated.get(path + suffix, headers=alice)
        assert (response.status_code, response.json()) == (404, {"detail": "Session with ID b1 not found"}), path
    # The owner reads them.
    assert isolated.get(f"/sessions/b1{suffix}", headers=bob).json()["session_id"] == "b1"
    assert isolated.get(f"/sessions/b1/runs{suffix}", headers=bob).json()[0]["run_id"] == "run-b1"
    assert isolated.get(f"/sessions/b1/runs/run-b1{suffix}", headers=bob).json()["run_id"] == "run-b1"
    assert isolated.get(f"/sessions/b1/run-previews{suffix}", headers=bob).status_code == 200


def test_rename_and_patch_of_anothers_session_change_nothing(isolated: TestClient, db, alice, bob) -> None:
    seed(db)
    before = stored(db)
    for suffix in ("", "?user_id=bob"):
        renamed = isolated.post(f"/sessions/b1/rename{suffix}", json={"session_name": "hijacked"}, headers=alice)
        assert (renamed.status_code, renamed.json()) == (404, {"detail": "Session with id 'b1' not found"})
        patched = isolated.patch(
            f"/sessions/b1{suffix}", json={"session_name": "hijacked", "metadata": {"x": 1}}, headers=alice
        )
        assert (patched.status_code, patched.json()) == (404, {"detail": "Session with id 'b1' not found"})
    assert stored(db) == before
    # The owner can, and stays the owner.
    assert (
        isolated.post("/sessions/b1/rename", json={"session_name": "mine"}, headers=bob).json()["session_name"]
        == "mine"
    )
    assert isolated.patch("/sessions/b1", json={"metadata": {"y": 2}}, headers=bob).json()["user_id"] == "bob"
    assert stored(db)["b1"] == ("bob", "mine", {"y": 2})


def test_delete_and_bulk_delete_only_the_callers_own(isolated: TestClient, db, alice, bob) -> None:
    seed(db)
    for suffix in ("", "?user_id=bob"):
        assert isolated.delete(f"/sessions/b1{suffix}", headers=alice).status_code == 204
    assert "b1" in stored(db)
    # A mixed list deletes only the caller's own.
    response = isolated.request(
        "DELETE",
        "/sessions?user_id=bob",
        json={"session_ids": ["a1", "b1", "b2"], "session_types": ["agent"] * 3},
        headers=alice,
    )
    assert response.status_code == 204
    assert sorted(stored(db)) == ["a2", "b1", "b2"]
    runs = sorted(row[0] for row in db.execute("SELECT session_id FROM ai.agno_runs").fetchall())
    assert runs == ["a2", "b1", "b2"]
    assert isolated.delete("/sessions/b1", headers=bob).status_code == 204
    assert sorted(stored(db)) == ["a2", "b2"]


def test_create_forces_the_owner_and_hides_others_ids(isolated: TestClient, db, alice, bob) -> None:
    seed(db)
    spoof = isolated.post("/sessions", json={"session_id": "new-a", "user_id": "bob"}, headers=alice)
    assert (spoof.status_code, spoof.json()["user_id"]) == (201, "alice")
    assert stored(db)["new-a"][0] == "alice"
    own = isolated.post("/sessions", json={"session_id": "a1"}, headers=alice)
    assert (own.status_code, own.json()) == (
        409,
        {"detail": "Session with id 'a1' already exists. Use PATCH /sessions/a1 to update it."},
    )
    others = isolated.post("/sessions?type=team", json={"session_id": "b1", "user_id": "bob"}, headers=alice)
    assert (others.status_code, others.json()) == (
        409,
        {
            "detail": "Could not create a session with the supplied session_id. Omit session_id to have one generated, or choose a different one."
        },
    )
    assert stored(db)["b1"][0] == "bob"


def test_admin_is_unscoped_everywhere(isolated: TestClient, db, admin) -> None:
    seed(db)
    assert isolated.get("/sessions/b1", headers=admin).status_code == 200
    assert isolated.get("/sessions/a1/runs", headers=admin).status_code == 200
    assert isolated.post("/sessions/b1/rename", json={"session_name": "by admin"}, headers=admin).status_code == 200
    assert stored(db)["b1"][:2] == ("bob", "by admin")
    # The informative 409 whoever owns the id; a create is owned by the admin's own identity.
    conflict = isolated.post("/sessions", json={"session_id": "b1"}, headers=admin)
    assert conflict.json()["detail"].startswith("Session with id 'b1' already exists")
    assert (
        isolated.post("/sessions", json={"session_id": "r1", "user_id": "bob"}, headers=admin).json()["user_id"]
        == "root"
    )
    assert (
        isolated.request(
            "DELETE",
            "/sessions",
            json={"session_ids": ["a1", "b1"], "session_types": ["agent", "agent"]},
            headers=admin,
        ).status_code
        == 204
    )
    assert sorted(stored(db)) == ["a2", "b2", "r1"]


def test_a_token_without_identity_is_refused_on_every_route(isolated: TestClient, db, key: RSAKey) -> None:
    seed(db)
    anonymous = bearer(mint(key, sub=None, scopes=ALL))
    empty = bearer(mint(key, sub="", scopes=ALL))
    requests = [
        ("GET", "/sessions", None),
        ("POST", "/sessions", {"session_id": "x"}),
        ("DELETE", "/sessions", {"session_ids": ["a1"], "session_types": ["agent"]}),
        ("GET", "/sessions/a1", None),
        ("PATCH", "/sessions/a1", {"session_name": "x"}),
        ("DELETE", "/sessions/a1", None),
        ("POST", "/sessions/a1/rename", {"session_name": "x"}),
        ("GET", "/sessions/a1/runs", None),
        ("GET", "/sessions/a1/run-previews", None),
        ("GET", "/sessions/a1/runs/run-a1", None),
    ]
    before = stored(db)
    for headers in (anonymous, empty):
        for method, path, body in requests:
            response = isolated.request(method, path, json=body, headers=headers)
            assert (response.status_code, response.json()) == (
                403,
                {"detail": "Authenticated request is missing a user identity"},
            ), path
    assert stored(db) == before
    # Validation still answers first, as AgentOS's FastAPI does.
    assert isolated.get("/sessions?limit=0", headers=anonymous).status_code == 422
    # An admin without a subject is unscoped, so not refused.
    assert isolated.get("/sessions", headers=bearer(mint(key, sub=None, scopes=["agent_os:admin"]))).status_code == 200


def test_isolation_off_jwt_users_are_unscoped_but_own_what_they_create(db, pg_dsn: str, key: RSAKey) -> None:
    seed(db)
    alice = bearer(mint(key, sub="alice", scopes=ALL))
    with make_client({"AGNO_PG_DSN": pg_dsn, "JWT_VERIFICATION_KEY": key.public_pem}) as client:
        assert ids(client.get("/sessions", headers=alice)) == ["a1", "a2", "b1", "b2"]
        assert ids(client.get("/sessions?user_id=bob", headers=alice)) == ["b1", "b2"]
        assert client.get("/sessions/b1", headers=alice).status_code == 200
        # AgentOS takes the owner from the token for any authenticated caller (session.py: create_session).
        assert (
            client.post("/sessions", json={"session_id": "n1", "user_id": "bob"}, headers=alice).json()["user_id"]
            == "alice"
        )
        # A token without subject leaves the body's user_id.
        nobody = bearer(mint(key, sub=None, scopes=ALL))
        assert (
            client.post("/sessions", json={"session_id": "n2", "user_id": "bob"}, headers=nobody).json()["user_id"]
            == "bob"
        )
        # Unscoped: the informative 409 for anyone's id.
        assert (
            client.post("/sessions", json={"session_id": "b1"}, headers=alice)
            .json()["detail"]
            .startswith("Session with id 'b1' already exists")
        )


@pytest.mark.parametrize("isolation", ["true", "false"])
def test_service_accounts_see_only_their_own(db, pg_dsn: str, key: RSAKey, isolation: str) -> None:
    seed(db)
    create_service_accounts_table(db)
    bot = bearer(insert_service_account(db, f"bot-{isolation}", ALL))
    root_bot = bearer(insert_service_account(db, f"root-bot-{isolation}", ["agent_os:admin"]))
    env = {"AGNO_PG_DSN": pg_dsn, "JWT_VERIFICATION_KEY": key.public_pem, "AGNO_USER_ISOLATION": isolation}
    try:
        with make_client(env) as client:
            created = client.post("/sessions", json={"session_id": "sa-1", "user_id": "alice"}, headers=bot)
            assert created.json()["user_id"] == f"sa:bot-{isolation}"
            assert ids(client.get("/sessions?user_id=alice", headers=bot)) == ["sa-1"]
            assert client.get("/sessions/a1", headers=bot).status_code == 404
            assert client.delete("/sessions/a1", headers=bot).status_code == 204
            assert "a1" in stored(db)
            others = client.post("/sessions", json={"session_id": "a1"}, headers=bot)
            assert others.json()["detail"].startswith("Could not create a session")
            # An admin service account is unscoped.
            assert ids(client.get("/sessions", headers=root_bot)) == ["a1", "a2", "b1", "b2", "sa-1"]
    finally:
        db.execute("TRUNCATE ai.agno_service_accounts")
