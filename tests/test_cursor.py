"""`GET /sessions?cursor=` (extension): keyset pages over every filter and sort, walked end to end
on a real PostgreSQL with inserts between pages, and tampered or foreign cursors as 422s."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from tests.conftest import make_client

BASE = 1_700_000_000
N = 10_000


def seed(db: psycopg.Connection, count: int = N) -> None:
    """`count` sessions of all three types, with tied created_at values (7 per second), NULL and
    repeated user_ids, NULL updated_at on some, names on some."""
    db.execute(
        """
        INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, team_id, workflow_id, user_id,
                                      session_data, metadata, created_at, updated_at)
        SELECT 's' || lpad(i::text, 6, '0'),
               (ARRAY['agent', 'team', 'workflow'])[1 + i %% 3],
               CASE WHEN i %% 3 = 0 THEN 'agent-' || (i %% 2) END,
               CASE WHEN i %% 3 = 1 THEN 'team-1' END,
               CASE WHEN i %% 3 = 2 THEN 'flow-1' END,
               CASE WHEN i %% 5 = 0 THEN NULL ELSE 'user-' || (i %% 4) END,
               CASE WHEN i %% 2 = 0 THEN jsonb_build_object('session_name', 'chat about topic ' || (i %% 50)) END,
               CASE WHEN i %% 4 = 0 THEN NULL ELSE jsonb_build_object('n', i %% 6) END,
               %(base)s + i / 7,
               CASE WHEN i %% 10 = 0 THEN NULL ELSE %(base)s + (i * 7919) %% 100000 END
          FROM generate_series(1, %(count)s) AS i
        """,
        {"base": BASE, "count": count},
    )


@pytest.fixture()
def seeded(db: psycopg.Connection) -> psycopg.Connection:
    seed(db)
    return db


@pytest.fixture()
def client(seeded: psycopg.Connection, pg_dsn: str) -> Iterator[TestClient]:
    with make_client({"AGNO_PG_DSN": pg_dsn}) as test_client:
        yield test_client


def walk(
    client: TestClient, params: dict[str, Any], between: Any = None, max_pages: int = 10_000
) -> list[dict[str, Any]]:
    """Every page from `cursor=` to the last; `between(page_number)` runs after each page."""
    pages = []
    cursor = ""
    for number in range(1, max_pages + 1):
        answer = client.get("/sessions", params={**params, "cursor": cursor})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["meta"]["page"] == number
        pages.append(body)
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            return pages
        if between is not None:
            between(number)
    raise AssertionError("the walk did not end")


def ids(pages: list[dict[str, Any]]) -> list[str]:
    return [item["session_id"] for page in pages for item in page["data"]]


def test_walk_10000_sessions_with_inserts_between_pages(client: TestClient, seeded: psycopg.Connection) -> None:
    before = {row[0] for row in seeded.execute("SELECT session_id FROM ai.agno_sessions")}

    def insert(number: int) -> None:
        # New sessions before, inside and after the walk's position: none may shift the rest.
        for offset, stamp in enumerate((BASE - 10, BASE + 700, BASE + 5000)):
            seeded.execute(
                "INSERT INTO ai.agno_sessions (session_id, session_type, created_at, updated_at)"
                " VALUES (%s, 'agent', %s, %s)",
                (f"new-{number}-{offset}", stamp, stamp),
            )

    pages = walk(client, {"limit": 100}, between=insert)
    seen = ids(pages)
    assert len(seen) == len(set(seen))  # no repeats
    assert before <= set(seen)  # no pre-existing row skipped
    assert all(len(page["data"]) == 100 for page in pages[:-1])
    assert pages[-1]["meta"]["next_cursor"] is None
    # Ordered like the offset pages: created_at descending, then session_id descending.
    keys = [(item["created_at"], item["session_id"]) for page in pages for item in page["data"]]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"sort_by": "created_at", "sort_order": "asc", "limit": 700},
        {"sort_by": "updated_at", "limit": 500},
        {"sort_by": "user_id", "sort_order": "asc", "limit": 333},  # NULLs last
        {"sort_by": "user_id", "sort_order": "desc", "limit": 333},  # NULLs first
        {"sort_by": "metadata", "limit": 450},  # jsonb, with NULLs
        {"sort_by": "session_id", "sort_order": "asc", "limit": 1000},
        {"type": "team", "component_id": "team-1", "limit": 200},
        {"type": "agent", "user_id": "user-1", "sort_by": "agent_id", "limit": 50},
        {"session_name": "topic 1", "sort_by": "updated_at", "sort_order": "asc", "limit": 90},
    ],
)
def test_cursor_walk_equals_offset_pages(client: TestClient, params: dict[str, Any]) -> None:
    """Every filter and sort: the keyset walk yields exactly the rows, in exactly the order, of the
    offset pages (the same items, byte for byte), and the same meta apart from next_cursor."""
    pages = walk(client, params)
    for number, page in enumerate(pages, start=1):
        offset_page = client.get("/sessions", params={**params, "page": number}).json()
        assert page["data"] == offset_page["data"], number
        meta = dict(page["meta"])
        del meta["next_cursor"]
        assert meta == offset_page["meta"]
    total = pages[0]["meta"]["total_count"]
    assert len(ids(pages)) == total and len(set(ids(pages))) == total


def test_without_cursor_the_answer_has_no_next_cursor(client: TestClient) -> None:
    body = client.get("/sessions", params={"limit": 5}).json()
    assert "next_cursor" not in body["meta"]
    first = client.get("/sessions", params={"limit": 5, "cursor": ""})
    assert first.json()["data"] == body["data"]
    assert first.json()["meta"]["next_cursor"]
    # An empty result: page 1, null cursor.
    empty = client.get("/sessions", params={"user_id": "nobody", "cursor": ""}).json()
    assert empty["data"] == [] and empty["meta"]["next_cursor"] is None


def test_the_largest_limit_with_a_cursor_is_not_a_500(client: TestClient) -> None:
    # The keyset read fetches one row more than `limit`: at limit=2**63-1 that must still fit a bigint.
    answer = client.get("/sessions", params={"limit": 2**63 - 1, "cursor": ""})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["data"]) == N and answer.json()["meta"]["next_cursor"] is None


def _flip(token: str, index: int) -> str:
    chars = list(token)
    chars[index] = "A" if chars[index] != "A" else "B"
    return "".join(chars)


def test_tampered_and_foreign_cursors_are_422(client: TestClient, pg_dsn: str) -> None:
    token = client.get("/sessions", params={"limit": 10, "cursor": ""}).json()["meta"]["next_cursor"]
    payload, mac = token.split(".")
    forged_payload = base64.urlsafe_b64encode(b'[1,"0000000000000000",2,null,"s"]').rstrip(b"=").decode()
    bad = [
        _flip(token, 3),  # a payload byte
        _flip(token, len(token) - 2),  # a MAC byte
        payload,  # no MAC
        f"{forged_payload}.{mac}",
        "garbage",
        "%%%.***",
        "é.é",
    ]
    for value in bad:
        answer = client.get("/sessions", params={"limit": 10, "cursor": value})
        assert answer.status_code == 422, value
        detail = answer.json()["detail"]
        assert detail[0]["loc"] == ["query", "cursor"] and detail[0]["type"] == "value_error"
        assert detail[0]["input"] == value
    # A cursor of another walk (other filters, sort or limit) is refused too.
    for other in ({"limit": 11}, {"limit": 10, "type": "team"}, {"limit": 10, "sort_order": "asc"}):
        assert client.get("/sessions", params={**other, "cursor": token}).status_code == 422
    # Another pod of the same deployment (same settings) accepts it; a different secret does not.
    with make_client({"AGNO_PG_DSN": pg_dsn}) as other_pod:
        assert other_pod.get("/sessions", params={"limit": 10, "cursor": token}).status_code == 200
    with make_client({"AGNO_PG_DSN": pg_dsn, "AGNO_CURSOR_SECRET": "rotated"}) as rotated:
        assert rotated.get("/sessions", params={"limit": 10, "cursor": token}).status_code == 422


def test_cursor_is_in_openapi_as_an_extension(client: TestClient) -> None:
    parameters = client.get("/openapi.json").json()["paths"]["/sessions"]["get"]["parameters"]
    (cursor,) = [p for p in parameters if p["name"] == "cursor"]
    assert cursor["in"] == "query" and cursor["required"] is False
    assert cursor["x-extension"] is True
