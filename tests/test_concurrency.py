"""Concurrency: a real hypercorn with TWO worker processes on one PostgreSQL.

Every scenario races requests that AgentOS 3.1.10 gets wrong (it reads a session, edits it in
Python and upserts the whole row back, so one of two acknowledged PATCHes is lost, a PATCH can
resurrect a deleted session, and two creates of one id can both answer 201). Each scenario runs
many trials; in every trial each acknowledged write must be visible afterwards (in the row and
through GET), or have been superseded by a later acknowledged write of the same data.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from conftest import create_database
from support.server import ServedApp

from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings

pytestmark = pytest.mark.slow

TRIALS = 60
CREATE_ROUNDS = 20
CREATORS = 20


@pytest.fixture(scope="module")
def race_dsn(pg_server_dsn: str) -> str:
    dsn = create_database(pg_server_dsn, "session_svc_concurrency")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    return dsn


@pytest.fixture(scope="module")
def server(race_dsn: str) -> Iterator[ServedApp]:
    with ServedApp(race_dsn, workers=2) as served:
        yield served


@pytest.fixture(scope="module")
def conn(race_dsn: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(race_dsn, autocommit=True) as connection:
        yield connection


@pytest.fixture(autouse=True)
def _empty(conn: psycopg.Connection) -> None:
    conn.execute("TRUNCATE ai.agno_sessions, ai.agno_runs")


class Racer:
    """One event loop and one pooled client for a whole test: each `race` fires its requests at once.

    Enough connections that every racing request has its own (the kernel spreads new connections
    over both workers' accept queues).
    """

    def __init__(self, server: ServedApp) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(base_url=server.url, timeout=30, limits=httpx.Limits(max_connections=64))

    def race(self, *requests: tuple[str, str, Any]) -> list[httpx.Response]:
        async def fire() -> list[httpx.Response]:
            calls = [self.client.request(method, url, json=payload) for method, url, payload in requests]
            return await asyncio.gather(*calls)

        return self.loop.run_until_complete(fire())

    def one(self, method: str, url: str, payload: Any = None) -> httpx.Response:
        return self.race((method, url, payload))[0]

    def create(self, session_id: str, **fields: Any) -> dict[str, Any]:
        response = self.one("POST", "/sessions", {"session_id": session_id, **fields})
        assert response.status_code == 201, response.text
        return response.json()

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@pytest.fixture()
def racer(server: ServedApp) -> Iterator[Racer]:
    r = Racer(server)
    yield r
    r.close()


def _row(conn: psycopg.Connection, session_id: str) -> dict[str, Any] | None:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    return cur.execute(
        "SELECT session_id, user_id, session_data, metadata, summary, updated_at FROM ai.agno_sessions WHERE session_id = %s",
        [session_id],
    ).fetchone()


def test_the_server_runs_two_workers(server: ServedApp) -> None:
    assert len(server.worker_pids()) == 2, server.log()


def test_patch_state_and_patch_metadata_both_survive(racer: Racer, conn: psycopg.Connection) -> None:
    for trial in range(TRIALS):
        sid = f"pm-{trial}"
        racer.create(sid, session_name="start", session_state={"old": True}, metadata={"old": True})
        state, metadata = {"trial": trial, "by": "state"}, {"trial": trial, "by": "metadata"}
        a, b = racer.race(
            ("PATCH", f"/sessions/{sid}", {"session_state": state}),
            ("PATCH", f"/sessions/{sid}", {"metadata": metadata}),
        )
        assert (a.status_code, b.status_code) == (200, 200), (a.text, b.text)
        assert a.json()["session_state"] == state and b.json()["metadata"] == metadata
        row = _row(conn, sid)
        assert row["session_data"] == {"session_name": "start", "session_state": state}, f"trial {trial}"
        assert row["metadata"] == metadata, f"trial {trial}"
        detail = racer.one("GET", f"/sessions/{sid}").json()
        assert (detail["session_state"], detail["metadata"], detail["session_name"]) == (state, metadata, "start")


def test_patch_name_and_patch_state_of_the_same_column_both_survive(racer: Racer, conn: psycopg.Connection) -> None:
    """session_name and session_state share the session_data column: merged key by key in SQL."""
    for trial in range(TRIALS):
        sid = f"ns-{trial}"
        racer.create(sid, session_name="start", session_state={"old": True})
        state, name = {"trial": trial}, f"name-{trial}"
        a, b = racer.race(
            ("PATCH", f"/sessions/{sid}", {"session_state": state}),
            ("PATCH", f"/sessions/{sid}", {"session_name": name}),
        )
        assert (a.status_code, b.status_code) == (200, 200), (a.text, b.text)
        assert _row(conn, sid)["session_data"] == {"session_name": name, "session_state": state}, f"trial {trial}"


def test_rename_and_patch_both_survive(racer: Racer, conn: psycopg.Connection) -> None:
    for trial in range(TRIALS):
        sid = f"rp-{trial}"
        # Half the trials start from JSON-null session_data (a bare create), which AgentOS cannot rename.
        racer.create(sid, **({"session_state": {"old": True}} if trial % 2 else {}))
        state, metadata, name = {"trial": trial}, {"trial": trial}, f"renamed-{trial}"
        rename, patch = racer.race(
            ("POST", f"/sessions/{sid}/rename", {"session_name": name}),
            ("PATCH", f"/sessions/{sid}", {"session_state": state, "metadata": metadata}),
        )
        assert (rename.status_code, patch.status_code) == (200, 200), (rename.text, patch.text)
        assert rename.json()["session_name"] == name
        row = _row(conn, sid)
        assert row["session_data"] == {"session_name": name, "session_state": state}, f"trial {trial}"
        assert row["metadata"] == metadata
        detail = racer.one("GET", f"/sessions/{sid}").json()
        assert (detail["session_name"], detail["session_state"]) == (name, state)


def test_patch_never_resurrects_a_deleted_session(racer: Racer, conn: psycopg.Connection) -> None:
    for trial in range(TRIALS):
        sid = f"pd-{trial}"
        racer.create(sid, session_name="doomed", runs=[{"run_id": f"pd-run-{trial}", "content": "x"}])
        patch, delete, rename = racer.race(
            ("PATCH", f"/sessions/{sid}", {"session_state": {"trial": trial}, "metadata": {"m": 1}}),
            ("DELETE", f"/sessions/{sid}", None),
            ("POST", f"/sessions/{sid}/rename", {"session_name": "too late?"}),
        )
        assert delete.status_code == 204, delete.text
        assert patch.status_code in (200, 404) and rename.status_code in (200, 404), (patch.text, rename.text)
        # The delete was acknowledged: whatever ran before it, nothing may bring the session back.
        assert _row(conn, sid) is None, f"trial {trial}: deleted session came back"
        assert conn.execute("SELECT count(*) FROM ai.agno_runs WHERE session_id = %s", [sid]).fetchone() == (0,)
        assert racer.one("GET", f"/sessions/{sid}").status_code == 404


def test_bulk_delete_and_create_are_each_all_or_nothing(racer: Racer, conn: psycopg.Connection) -> None:
    for trial in range(TRIALS):
        sid, others = f"bc-{trial}", [f"bc-{trial}-a", f"bc-{trial}-b"]
        for other in others:
            racer.create(other, runs=[{"run_id": f"{other}-run"}])
        runs = [{"run_id": f"{sid}-run-{i}", "content": f"c{i}"} for i in range(3)]
        create, bulk = racer.race(
            ("POST", "/sessions", {"session_id": sid, "session_name": "racing", "runs": runs}),
            ("DELETE", "/sessions", {"session_ids": [sid, *others], "session_types": ["agent"] * 3}),
        )
        assert (create.status_code, bulk.status_code) == (201, 204), (create.text, bulk.text)
        for other in others:
            assert _row(conn, other) is None
        stored = _row(conn, sid)
        run_count = conn.execute("SELECT count(*) FROM ai.agno_runs WHERE session_id = %s", [sid]).fetchone()[0]
        if stored is None:  # the delete ran after the create: the session and all its runs are gone
            assert run_count == 0, f"trial {trial}: orphan runs"
        else:  # the create ran after the delete: exactly what it acknowledged, with every run
            assert run_count == 3, f"trial {trial}: partial create ({run_count} runs)"
            assert racer.one("GET", f"/sessions/{sid}").json() == create.json()
        orphans = conn.execute(
            "SELECT count(*) FROM ai.agno_runs r"
            " WHERE NOT EXISTS (SELECT 1 FROM ai.agno_sessions s WHERE s.session_id = r.session_id)"
        ).fetchone()
        assert orphans == (0,)


def test_concurrent_creates_of_one_id_have_exactly_one_winner(racer: Racer, conn: psycopg.Connection) -> None:
    for round_ in range(CREATE_ROUNDS):
        sid = f"one-{round_}"
        answers = racer.race(
            *(
                ("POST", "/sessions", {
                    "session_id": sid,
                    "session_name": f"creator-{k}",
                    "session_state": {"creator": k},
                    "user_id": f"user-{k}",
                    "runs": [{"run_id": f"{sid}-creator-{k}"}],
                })
                for k in range(CREATORS)
            )
        )  # fmt: skip
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201] + [409] * (CREATORS - 1), f"round {round_}: {statuses}"
        winner = next(answer for answer in answers if answer.status_code == 201).json()
        conflict = {"detail": f"Session with id '{sid}' already exists. Use PATCH /sessions/{sid} to update it."}
        assert all(answer.json() == conflict for answer in answers if answer.status_code == 409)
        k = winner["session_state"]["creator"]
        row = _row(conn, sid)
        assert row["session_data"] == {"session_name": f"creator-{k}", "session_state": {"creator": k}}
        assert row["user_id"] == f"user-{k}"
        runs = conn.execute("SELECT run_id FROM ai.agno_runs WHERE session_id = %s", [sid]).fetchall()
        assert runs == [(f"{sid}-creator-{k}",)], "only the winner's preset runs are stored"
        assert racer.one("GET", f"/sessions/{sid}").json() == winner


def test_bulk_delete_of_100000_ids_over_http(server: ServedApp, conn: psycopg.Connection) -> None:
    """One statement with one array parameter (AgentOS binds one parameter per id and fails at 65,536)."""
    keep = [f"keep-{i}" for i in range(3)]
    doomed = [f"doomed-{i}" for i in range(200)]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO ai.agno_sessions (session_id, session_type, session_data, created_at, updated_at)"
            " VALUES (%s, 'agent', 'null', 1, 1)",
            [(sid,) for sid in keep + doomed],
        )
    ids = doomed + [f"absent-{i}" for i in range(100_000 - len(doomed))]
    payload = json.dumps({"session_ids": ids, "session_types": ["agent"] * len(ids)})
    response = httpx.request(
        "DELETE", server.url + "/sessions", content=payload, headers={"content-type": "application/json"}, timeout=60
    )
    assert response.status_code == 204, response.text
    remaining = [row[0] for row in conn.execute("SELECT session_id FROM ai.agno_sessions ORDER BY 1")]
    assert remaining == keep


def test_body_over_the_limit_is_refused_on_the_wire(server: ServedApp, conn: psycopg.Connection) -> None:
    """AgentOS stored 20 MB bodies; a real server answers 413 and stores nothing."""
    payload = b'{"session_id":"wire-huge","session_name":"' + b"x" * (20 * 1024 * 1024) + b'"}'
    response = httpx.post(
        server.url + "/sessions", content=payload, headers={"content-type": "application/json"}, timeout=60
    )
    assert response.status_code == 413, response.text[:300]
    assert response.json()["detail"]
    assert _row(conn, "wire-huge") is None


def test_creates_racing_for_one_preset_run_id_are_atomic(racer: Racer, conn: psycopg.Connection) -> None:
    """Different sessions, one shared preset run_id: one create wins; every loser is a 409 and
    leaves nothing behind (its session row goes with its failed run insert: one statement)."""
    for round_ in range(CREATE_ROUNDS // 2):
        shared = f"shared-run-{round_}"
        ids = [f"rr-{round_}-{k}" for k in range(10)]
        answers = racer.race(*(("POST", "/sessions", {"session_id": sid, "runs": [{"run_id": shared}]}) for sid in ids))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201] + [409] * 9, f"round {round_}: {statuses}"
        winner = next(sid for sid, answer in zip(ids, answers, strict=True) if answer.status_code == 201)
        stored = [
            row[0] for row in conn.execute("SELECT session_id FROM ai.agno_sessions WHERE session_id = ANY(%s)", [ids])
        ]
        assert stored == [winner], f"round {round_}: losers left sessions behind: {stored}"
        assert conn.execute("SELECT session_id FROM ai.agno_runs WHERE run_id = %s", [shared]).fetchall() == [(winner,)]
