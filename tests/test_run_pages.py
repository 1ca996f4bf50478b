"""Opt-in run pages on GET /sessions/{id}/runs and /run-previews (extension, agno PR #8456).

Without `limit`/`page` the routes answer the bare array, byte for byte as before; with either,
{"data": [...], "meta": {...}} in GET /sessions' envelope, the data being exactly a slice of the
bare array, paged in SQL (sql/get_session_runs_page.sql), legacy 2.x rows paged in Python.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from conftest import TEST_SCHEMA, create_database, make_client
from psycopg.types.json import Jsonb
from starlette.testclient import TestClient
from test_api_sessions import insert_run, insert_session

from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings

ROUTES = ("runs", "run-previews")
T0 = 1795545569
LEGACY_TABLE = "paged_legacy_sessions"


def _run(i: int, **extra) -> dict:
    run = {
        "run_id": f"r{i:02d}",
        "agent_id": "a",
        "status": "COMPLETED" if i % 3 else "ERROR",
        "created_at": T0 + 10 * i,
        "input": {"input_content": f"question {i}"},
        "content": f"answer {i}",
        "messages": [{"id": f"m{i}", "role": "user", "content": f"question {i}", "created_at": T0 + 10 * i}],
    }
    run.update(extra)
    return run


@pytest.fixture()
def seeded(db: psycopg.Connection) -> psycopg.Connection:
    insert_session(db, "s7", agent_id="a", user_id="u1")
    # stored out of order: run_index decides the order, as in the bare array
    for i in (4, 0, 6, 2, 1, 5, 3):
        insert_run(db, "s7", _run(i), i)
    insert_session(db, "empty", agent_id="a")
    insert_session(db, "team", session_type="team", team_id="t", agent_id=None)
    for i, run in enumerate(
        [
            _run(0, run_id="t00", agent_id=None, team_id="t"),
            {"run_id": "orphan", "created_at": T0},
            _run(2, run_id="member"),
        ]
    ):
        insert_run(db, "team", run, i)
    return db


def pages(client: TestClient, route: str, session_id: str, query: str, limit: int) -> list:
    """Every page of a paged answer, concatenated."""
    out, page = [], 1
    while True:
        body = client.get(f"/sessions/{session_id}/{route}?limit={limit}&page={page}&{query}").json()
        out.extend(body["data"])
        if page >= body["meta"]["total_pages"]:
            return out
        page += 1


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "query",
    [
        "",
        "created_after=1795545589",
        "created_before=1795545609",
        "created_after=1795545579&created_before=1795545619",
        "status=completed",
        "status=ERROR&status=completed&created_after=1795545580",
        "type=team",
        "created_after=99999999999",
    ],
)
def test_pages_are_slices_of_the_bare_array(client, seeded, route, query):
    bare = client.get(f"/sessions/s7/{route}?{query}")
    assert bare.status_code == 200
    for limit in (1, 2, 3, 100):
        assert pages(client, route, "s7", query, limit) == bare.json()


@pytest.mark.parametrize("route", ROUTES)
def test_no_paging_parameter_is_the_bare_array(client, seeded, route):
    body = client.get(f"/sessions/s7/{route}").content
    assert body.startswith(b"[{") and [r["run_id"] for r in client.get(f"/sessions/s7/{route}").json()] == [
        f"r{i:02d}" for i in range(7)
    ]


def test_page_envelope_and_last_page(client, seeded):
    bare = client.get("/sessions/s7/runs").json()
    body = client.get("/sessions/s7/runs?limit=3&page=3").json()
    assert list(body) == ["data", "meta"]
    assert body["meta"] == {"page": 3, "limit": 3, "total_pages": 3, "total_count": 7, "search_time_ms": 0.0}
    assert body["data"] == bare[6:]
    # past the last page: an empty page, the same totals
    past = client.get("/sessions/s7/runs?limit=3&page=9").json()
    assert past == {
        "data": [],
        "meta": {"page": 9, "limit": 3, "total_pages": 3, "total_count": 7, "search_time_ms": 0.0},
    }


def test_defaults_when_only_one_parameter_is_given(client, seeded):
    only_page = client.get("/sessions/s7/run-previews?page=1").json()
    assert only_page["meta"] == {"page": 1, "limit": 20, "total_pages": 1, "total_count": 7, "search_time_ms": 0.0}
    only_limit = client.get("/sessions/s7/run-previews?limit=5").json()
    assert only_limit["meta"]["page"] == 1 and len(only_limit["data"]) == 5


@pytest.mark.parametrize("route", ROUTES)
def test_empty_session(client, seeded, route):
    body = client.get(f"/sessions/empty/{route}?limit=10").json()
    assert body == {
        "data": [],
        "meta": {"page": 1, "limit": 10, "total_pages": 0, "total_count": 0, "search_time_ms": 0.0},
    }
    assert client.get(f"/sessions/empty/{route}").json() == []


def test_team_sessions_count_only_the_runs_the_array_shows(client, seeded):
    bare = client.get("/sessions/team/runs").json()
    assert [r["run_id"] for r in bare] == ["t00", "member"]  # the run with neither id is dropped
    body = client.get("/sessions/team/runs?limit=1&page=2").json()
    assert body["meta"]["total_count"] == 2 and body["data"] == bare[1:]
    # as an agent session every run is shown, and counted
    assert client.get("/sessions/team/runs?limit=5&type=agent").json()["meta"]["total_count"] == 3


def test_missing_session_user_filter_and_bad_status(client, seeded):
    assert client.get("/sessions/nope/runs?limit=2").json() == {"detail": "Session with ID nope not found"}
    assert client.get("/sessions/s7/runs?limit=2&user_id=u2").status_code == 404
    assert client.get("/sessions/s7/runs?limit=2&user_id=u1").json()["meta"]["total_count"] == 7
    bad = client.get("/sessions/s7/runs?limit=2&status=nope")
    assert bad.status_code == 400 and bad.json()["detail"].startswith("Invalid status value(s) ['NOPE']")
    assert client.get("/sessions/a%00b/runs?limit=2").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "page=0",
        "limit=-1",
        "page=-3",
        "limit=x",
        "page=1.5",
        "limit=9223372036854775808",
        "limit=2&page=4611686018427387905",
        "limit=0&page=0",
        "limit=&page=",
    ],
)
def test_bad_values_are_the_same_422s_as_the_session_list(client, seeded, query):
    answer = client.get(f"/sessions/s7/runs?{query}")
    assert answer.status_code == 422
    assert answer.json() == client.get(f"/sessions?{query}").json()
    assert client.get(f"/sessions/s7/run-previews?{query}").json() == answer.json()


def test_the_largest_offset_is_an_empty_page(client, seeded):
    body = client.get("/sessions/s7/runs?limit=2&page=4611686018427387904").json()
    assert body["data"] == [] and body["meta"]["total_count"] == 7


# -- legacy 2.x rows: merged in Python, paged the same way ------------------------------------------


@pytest.fixture(scope="module")
def legacy_client(pg_server_dsn: str) -> Iterator[tuple[TestClient, str]]:
    dsn = create_database(pg_server_dsn, "session_svc_run_pages_legacy")
    migrate_database(DatabaseConfig("default", dsn), load_settings({"AGNO_SESSION_TABLE": LEGACY_TABLE}))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {TEST_SCHEMA}.{LEGACY_TABLE} ADD COLUMN runs JSONB")
        conn.execute(
            f"INSERT INTO {TEST_SCHEMA}.{LEGACY_TABLE} (session_id, session_type, agent_id, created_at, runs)"
            " VALUES ('leg', 'agent', 'a', %s, %s), ('new', 'agent', 'a', %s, NULL)",
            [T0, Jsonb([_run(1, content="stale"), _run(0), 42, _run(5)]), T0],
        )
        runs_table = f"{TEST_SCHEMA}.{LEGACY_TABLE}_runs"
        for session_id, i in (("leg", 1), ("leg", 2), ("leg", 3), ("new", 0), ("new", 1)):
            conn.execute(
                f"INSERT INTO {runs_table} (run_id, session_id, run_type, run_index, run_data, created_at)"
                " VALUES (%s, %s, 'agent', %s, %s, %s)",
                [f"{session_id}-{i}", session_id, i, Jsonb(_run(i)), T0],
            )
    with make_client({"AGNO_PG_DSN": dsn, "AGNO_SESSION_TABLE": LEGACY_TABLE}) as test_client:
        yield test_client, dsn


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("session_id", ["leg", "new"])
@pytest.mark.parametrize("query", ["", "status=completed", "created_after=1795545579"])
def test_legacy_rows_page_like_their_bare_array(legacy_client, route, session_id, query):
    client, _ = legacy_client
    bare = client.get(f"/sessions/{session_id}/{route}?{query}").json()
    if session_id == "leg" and not query:
        # agno's merge: the legacy column's order with the table's version, then table-only runs
        assert [r["run_id"] for r in bare] == ["r01", "r00", "r05", "r02", "r03"]
        assert bare[0].get("content", bare[0].get("content_preview")) == "answer 1"
    for limit in (1, 2, 10):
        assert pages(client, route, session_id, query, limit) == bare
    meta = client.get(f"/sessions/{session_id}/{route}?limit=2&{query}").json()["meta"]
    assert meta["total_count"] == len(bare)
