"""The /sessions routes end to end: our app on a real PostgreSQL (agno/os/routers/session/session.py).

Expected bodies are the contract's captured AgentOS answers, with our own ids and times; the
side-by-side comparison with a live AgentOS is tests/contract/.
"""

from __future__ import annotations

import datetime
import json

import psycopg
import pytest
from psycopg.types.json import Jsonb

AGENT_RUN = {
    "input": {"input_content": "What tools do you have?"},
    "model": "gpt-4o",
    "run_id": "run-1",
    "status": "COMPLETED",
    "content": "Echo: What tools do you have?",
    "user_id": "user-1",
    "agent_id": "basic-agent",
    "messages": [
        {
            "id": "m1",
            "role": "user",
            "content": "What tools do you have?",
            "created_at": 1795545569,
            "from_history": False,
            "stop_after_tool_call": False,
        },
        {
            "id": "m2",
            "role": "assistant",
            "content": "Echo: What tools do you have?",
            "created_at": 1795545569,
            "from_history": False,
            "stop_after_tool_call": False,
        },
    ],
    "created_at": 1795545569,
    "session_id": "agent-sess-1",
    "content_type": "str",
    "session_state": {},
}


def iso(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def insert_session(db: psycopg.Connection, session_id: str, **columns) -> None:
    values = {
        "session_type": "agent",
        "agent_id": None,
        "team_id": None,
        "workflow_id": None,
        "user_id": None,
        "session_data": None,
        "agent_data": None,
        "team_data": None,
        "workflow_data": None,
        "metadata": None,
        "summary": None,
        "created_at": 1795545569,
        "updated_at": 1795545569,
    }
    values.update(columns)
    for key in ("session_data", "agent_data", "team_data", "workflow_data", "metadata", "summary"):
        if values[key] is not None:
            values[key] = Jsonb(values[key])
    cols = ", ".join(["session_id", *values])
    marks = ", ".join(["%s"] * (len(values) + 1))
    db.execute(f"INSERT INTO ai.agno_sessions ({cols}) VALUES ({marks})", [session_id, *values.values()])


def insert_run(db: psycopg.Connection, session_id: str, run: dict, index: int) -> None:
    db.execute(
        "INSERT INTO ai.agno_runs (run_id, session_id, run_type, agent_id, team_id, workflow_id, user_id,"
        " parent_run_id, status, run_index, run_data, created_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
        [
            run["run_id"],
            session_id,
            "agent" if run.get("agent_id") else "team" if run.get("team_id") else "workflow",
            run.get("agent_id"),
            run.get("team_id"),
            run.get("workflow_id"),
            run.get("user_id"),
            run.get("parent_run_id"),
            run.get("status"),
            index,
            Jsonb(run),
            run.get("created_at", 0),
        ],
    )


def seed_agent_session(db: psycopg.Connection) -> None:
    insert_session(
        db,
        "agent-sess-1",
        agent_id="basic-agent",
        user_id="user-1",
        session_data={
            "session_state": {},
            "session_metrics": {"input_tokens": 12, "total_tokens": 17, "output_tokens": 5},
        },
        agent_data={"name": "Basic Agent", "agent_id": "basic-agent"},
    )
    insert_run(db, "agent-sess-1", AGENT_RUN, 0)


# -- create ----------------------------------------------------------------------------------------


def test_create_without_body_is_an_empty_agent_session(client):
    response = client.post("/sessions")
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["agent_session_id", "session_id", "session_name", "chat_history", "created_at", "updated_at"]
    assert body["agent_session_id"] == body["session_id"]
    assert body["session_name"] == "" and body["chat_history"] == []
    assert body["created_at"] == body["updated_at"]


def test_create_with_every_field_matches_the_captured_answer(client, db):
    payload = {
        "session_id": "c-agent",
        "session_name": "New Session",
        "session_state": {"k": "v"},
        "metadata": {"m": 1},
        "user_id": "user-9",
        "agent_id": "basic-agent",
    }
    response = client.post("/sessions", json=payload)
    assert response.status_code == 201
    now = response.json()["created_at"]
    expected = (
        '{"user_id":"user-9","agent_session_id":"c-agent","session_id":"c-agent","session_name":"New Session",'
        '"session_state":{"k":"v"},"agent_id":"basic-agent","metrics":{},"metadata":{"m":1},"chat_history":[],'
        f'"created_at":"{now}","updated_at":"{now}"}}'
    )
    assert response.content.decode() == expected
    stored = db.execute(
        "SELECT jsonb_typeof(agent_data), jsonb_typeof(summary), team_id, session_data FROM ai.agno_sessions WHERE session_id='c-agent'"
    ).fetchone()
    assert stored == ("null", "null", None, {"session_state": {"k": "v"}, "session_name": "New Session"})


def test_create_team_and_workflow_sessions(client):
    team = client.post("/sessions?type=team", json={"session_id": "c-team", "team_id": "basic-team"})
    assert team.status_code == 201
    assert list(team.json()) == ["session_id", "session_name", "team_id", "chat_history", "created_at", "updated_at"]
    wf = client.post(
        "/sessions?type=workflow", json={"session_id": "c-wf", "workflow_id": "basic-workflow", "session_name": "WF"}
    )
    assert wf.status_code == 201
    body = wf.json()
    assert list(body) == [
        "workflow_id",
        "session_id",
        "session_name",
        "session_data",
        "workflow_data",
        "metadata",
        "created_at",
        "updated_at",
    ]
    assert body["session_data"] == {"session_name": "WF"} and body["workflow_data"] == {} and body["metadata"] == {}


def test_create_with_an_existing_id_is_409_and_touches_nothing(client, db):
    seed_agent_session(db)
    response = client.post("/sessions", json={"session_id": "agent-sess-1", "session_name": "other"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Session with id 'agent-sess-1' already exists. Use PATCH /sessions/agent-sess-1 to update it."
    }
    assert db.execute("SELECT count(*) FROM ai.agno_runs WHERE session_id='agent-sess-1'").fetchone() == (1,)


def test_create_strips_reserved_metadata_and_control_characters(client):
    response = client.post(
        "/sessions",
        json={
            "session_id": "c1",
            "session_name": "a\x07b\x00c",
            "metadata": {"agno_dispatch_depth": 1},
            "session_state": {"k\x00": "v\x00"},
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["session_name"] == "abc"
    assert "metadata" not in body
    assert body["session_state"] == {"k": "v"}


def test_create_with_preset_runs_and_summary(client, db):
    run = dict(AGENT_RUN, run_id="preset-1", session_id="p1")
    response = client.post(
        "/sessions", json={"session_id": "p1", "agent_id": "basic-agent", "runs": [run], "summary": {"summary": "S"}}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["session_name"] == "What tools do you have?"
    assert [m["id"] for m in body["chat_history"]] == ["m1", "m2"]
    assert body["session_summary"] == {"summary": "S"}
    stored = db.execute(
        "SELECT run_type, agent_id, status, run_index FROM ai.agno_runs WHERE run_id='preset-1'"
    ).fetchone()
    assert stored == ("agent", "basic-agent", "COMPLETED", 0)
    runs = client.get("/sessions/p1/runs").json()
    assert [r["run_id"] for r in runs] == ["preset-1"]


# -- read ------------------------------------------------------------------------------------------


def test_get_detail_of_an_agent_session(client, db):
    seed_agent_session(db)
    response = client.get("/sessions/agent-sess-1")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "user_id", "agent_session_id", "session_id", "session_name", "session_state", "agent_id",
        "total_tokens", "agent_data", "metrics", "chat_history", "created_at", "updated_at",
    ]  # fmt: skip
    assert body["session_name"] == "What tools do you have?"
    assert body["total_tokens"] == 17
    assert body["created_at"] == iso(1795545569)
    assert [m["role"] for m in body["chat_history"]] == ["user", "assistant"]


def test_get_missing_session_messages_depend_on_type(client, db):
    assert client.get("/sessions/nope").json() == {"detail": "Session with id 'nope' not found"}
    assert client.get("/sessions/nope?type=team").json() == {"detail": "Team Session with id 'nope' not found"}
    assert client.get("/sessions/nope?type=team").status_code == 404


def test_get_with_user_filter_hides_other_users_sessions(client, db):
    seed_agent_session(db)
    assert client.get("/sessions/agent-sess-1?user_id=user-2").status_code == 404
    assert client.get("/sessions/agent-sess-1?user_id=user-1").status_code == 200


def test_runs_previews_and_single_run(client, db):
    seed_agent_session(db)
    runs = client.get("/sessions/agent-sess-1/runs")
    assert runs.status_code == 200
    [run] = runs.json()
    assert run["parent_run_id"] == "" and run["run_input"] == "What tools do you have?"
    previews = client.get("/sessions/agent-sess-1/run-previews").json()
    assert previews == [
        {"run_id": "run-1", "parent_run_id": "", "agent_id": "basic-agent", "user_id": "user-1", "status": "COMPLETED",
         "run_input": "What tools do you have?", "content_preview": "Echo: What tools do you have?", "created_at": iso(1795545569)}
    ]  # fmt: skip
    one = client.get("/sessions/agent-sess-1/runs/run-1").json()
    assert one["cancellation_stage"] is None and one["metadata"] is None  # nulls kept on this route
    assert client.get("/sessions/agent-sess-1/runs/zzz").json() == {
        "detail": "Run with ID zzz not found in session agent-sess-1"
    }
    assert client.get("/sessions/missing/runs").json() == {"detail": "Session with ID missing not found"}


def test_runs_filters(client, db):
    seed_agent_session(db)
    assert client.get("/sessions/agent-sess-1/runs?created_after=1795545570").json() == []
    assert len(client.get("/sessions/agent-sess-1/runs?created_before=1795545569").json()) == 1
    assert len(client.get("/sessions/agent-sess-1/runs?status=completed").json()) == 1
    assert client.get("/sessions/agent-sess-1/runs?status=ERROR").json() == []
    bad = client.get("/sessions/agent-sess-1/runs?status=bogus")
    assert bad.status_code == 400
    assert bad.json() == {
        "detail": "Invalid status value(s) ['BOGUS']; expected one of ['CANCELLED', 'COMPLETED', 'ERROR', 'PAUSED', 'PENDING', 'REGENERATED', 'RUNNING']"
    }


def test_run_of_a_session_without_runs(client, db):
    insert_session(db, "empty")
    assert client.get("/sessions/empty/runs/x").json() == {"detail": "Session with ID empty has no runs"}
    assert client.get("/sessions/empty/runs").json() == []


# -- list ------------------------------------------------------------------------------------------


def test_list_empty(client, db):
    response = client.get("/sessions")
    assert (
        response.content
        == b'{"data":[],"meta":{"page":1,"limit":20,"total_pages":0,"total_count":0,"search_time_ms":0.0}}'
    )


def test_list_filters_sort_and_pages(client, db):
    for i in range(5):
        insert_session(
            db,
            f"s{i}",
            user_id="u1" if i % 2 else "u2",
            agent_id="a",
            created_at=1000 + i,
            updated_at=2000 - i,
            session_data={"session_name": f"Name {i}"},
        )
    insert_session(db, "t1", session_type="team", team_id="a", created_at=999, updated_at=None)
    page = client.get("/sessions?limit=2&page=2").json()
    assert [s["session_id"] for s in page["data"]] == ["s2", "s1"]
    assert page["meta"] == {"page": 2, "limit": 2, "total_pages": 3, "total_count": 6, "search_time_ms": 0.0}
    assert [s["session_id"] for s in client.get("/sessions?user_id=u1").json()["data"]] == ["s3", "s1"]
    assert [s["session_id"] for s in client.get("/sessions?type=team&component_id=a").json()["data"]] == ["t1"]
    assert len(client.get("/sessions?component_id=a").json()["data"]) == 6
    assert [s["session_id"] for s in client.get("/sessions?session_name=name 3").json()["data"]] == ["s3"]
    by_updated = client.get("/sessions?sort_by=updated_at&sort_order=asc").json()["data"]
    assert [s["session_id"] for s in by_updated] == [
        "t1",
        "s4",
        "s3",
        "s2",
        "s1",
        "s0",
    ]  # NULL updated_at -> created_at
    team_item = by_updated[0]
    assert "updated_at" not in team_item and team_item["session_type"] == "team"


def test_list_ties_are_broken_by_session_id_so_pages_never_overlap(client, db):
    for i in range(7):
        insert_session(db, f"tie{i}", created_at=5000)
    seen = []
    for page in range(1, 5):
        seen += [s["session_id"] for s in client.get(f"/sessions?limit=2&page={page}").json()["data"]]
    assert seen == [f"tie{i}" for i in reversed(range(7))]


@pytest.mark.parametrize("sort_by", ["keys", "values", "items", "get", "__class__", "1; DROP TABLE x", ""])
def test_list_unknown_sort_by_uses_the_default_order(client, db, sort_by):
    insert_session(db, "old", created_at=1)
    insert_session(db, "new", created_at=2)
    response = client.get("/sessions", params={"sort_by": sort_by})
    assert response.status_code == 200
    assert [s["session_id"] for s in response.json()["data"]] == ["new", "old"]


def test_list_page_zero_and_overflowing_offsets_are_422(client, db):
    zero = client.get("/sessions?page=0")
    assert zero.status_code == 422
    assert zero.json()["detail"][0]["loc"] == ["query", "page"]
    huge = client.get("/sessions?limit=9223372036854775807&page=3")
    assert huge.status_code == 422


def test_list_session_name_is_derived_from_runs_when_not_stored(client, db):
    seed_agent_session(db)
    [item] = client.get("/sessions").json()["data"]
    assert item["session_name"] == "What tools do you have?"
    assert item["metrics"] == {"input_tokens": 12, "total_tokens": 17, "output_tokens": 5}


# -- rename and patch ------------------------------------------------------------------------------


def test_rename_keeps_updated_at_and_shows_nulls(client, db):
    client.post(
        "/sessions",
        json={
            "session_id": "c-agent",
            "session_name": "New",
            "session_state": {"k": "v"},
            "metadata": {"m": 1},
            "user_id": "user-9",
            "agent_id": "basic-agent",
        },
    )
    before = client.get("/sessions/c-agent").json()
    response = client.post("/sessions/c-agent/rename", json={"session_name": "Renamed"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "user_id", "agent_session_id", "session_id", "session_name", "session_summary", "session_state", "agent_id",
        "total_tokens", "agent_data", "metrics", "metadata", "chat_history", "created_at", "updated_at",
    ]  # fmt: skip
    assert body["session_name"] == "Renamed" and body["session_summary"] is None
    assert body["updated_at"] == before["updated_at"]


@pytest.mark.parametrize("stored", [None, "json-null"])
def test_rename_works_on_null_session_data(client, db, stored):
    client.post("/sessions?type=team", json={"session_id": "bare"})
    if stored is None:
        db.execute("UPDATE ai.agno_sessions SET session_data = NULL WHERE session_id = 'bare'")
    response = client.post("/sessions/bare/rename", json={"session_name": "Named"})
    assert response.status_code == 200
    assert response.json()["session_name"] == "Named"
    assert client.get("/sessions/bare").json()["session_name"] == "Named"


def test_rename_with_wrong_type_is_404(client, db):
    seed_agent_session(db)
    response = client.post("/sessions/agent-sess-1/rename?type=team", json={"session_name": "x"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Session with id 'agent-sess-1' not found"}


def test_patch_changes_only_given_fields(client, db):
    seed_agent_session(db)
    response = client.patch(
        "/sessions/agent-sess-1",
        json={
            "session_state": {"step": "done"},
            "metadata": {"tags": ["a"]},
            "summary": {"summary": "S", "updated_at": "2025-10-21T14:30:00Z"},
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["session_state"] == {"step": "done"}
    assert body["session_summary"] == {"summary": "S", "updated_at": "2025-10-21T14:30:00+00:00"}
    assert body["metadata"] == {"tags": ["a"]}
    stored = db.execute("SELECT session_data FROM ai.agno_sessions WHERE session_id='agent-sess-1'").fetchone()[0]
    assert stored["session_metrics"]["total_tokens"] == 17  # untouched keys survive


def test_patch_missing_session_and_bad_summary(client, db):
    assert client.patch("/sessions/nope", json={}).json() == {"detail": "Session with id 'nope' not found"}
    seed_agent_session(db)
    bad = client.patch("/sessions/agent-sess-1", json={"summary": {"oops": 1}})
    assert bad.status_code == 422


def test_patch_of_a_workflow_keeps_its_summary(client, db):
    insert_session(db, "wf", session_type="workflow", workflow_id="w", summary={"summary": "kept"})
    assert client.patch("/sessions/wf", json={"session_name": "x"}).status_code == 200
    assert db.execute("SELECT summary FROM ai.agno_sessions WHERE session_id='wf'").fetchone()[0] == {"summary": "kept"}


# -- delete ----------------------------------------------------------------------------------------


def test_delete_removes_session_and_runs_and_is_204_when_missing(client, db):
    seed_agent_session(db)
    response = client.delete("/sessions/agent-sess-1")
    assert response.status_code == 204 and response.content == b""
    assert db.execute("SELECT count(*) FROM ai.agno_runs").fetchone() == (0,)
    assert client.delete("/sessions/agent-sess-1").status_code == 204


def test_bulk_delete(client, db):
    for i in range(3):
        insert_session(db, f"b{i}", user_id="u1" if i else "u2")
    response = client.request(
        "DELETE", "/sessions?user_id=u1", json={"session_ids": ["b0", "b1"], "session_types": ["agent", "agent"]}
    )
    assert response.status_code == 204
    left = [r[0] for r in db.execute("SELECT session_id FROM ai.agno_sessions ORDER BY 1")]
    assert left == ["b0", "b2"]
    mismatch = client.request("DELETE", "/sessions", json={"session_ids": ["b0"], "session_types": []})
    assert mismatch.status_code == 422
    lengths = client.request("DELETE", "/sessions", json={"session_ids": ["b0", "b2"], "session_types": ["agent"]})
    assert lengths.status_code == 400
    assert lengths.json() == {"detail": "Session IDs and session types must have the same length"}


def test_bulk_delete_of_100000_ids_is_one_statement(client, db):
    insert_session(db, "keep")
    insert_session(db, "gone")
    ids = [f"x{i}" for i in range(100_000)] + ["gone"]
    response = client.request(
        "DELETE",
        "/sessions",
        content=json.dumps({"session_ids": ids, "session_types": ["agent"] * len(ids)}),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 204
    assert [r[0] for r in db.execute("SELECT session_id FROM ai.agno_sessions")] == ["keep"]


def test_delete_media_without_storage_is_503(client, db):
    response = client.delete("/sessions/x?delete_media=true")
    assert response.status_code == 503
    assert response.json() == {"detail": "Media storage is not configured on AgentOS"}


# -- routing ---------------------------------------------------------------------------------------


def test_unknown_paths_methods_and_trailing_slashes(client, db):
    assert client.get("/nope").json() == {"detail": "Not Found"}
    assert client.get("/nope").status_code == 404
    put = client.put("/sessions")
    assert put.status_code == 405 and put.json() == {"detail": "Method Not Allowed"}
    assert client.get("/sessions/").status_code == 200
    assert client.get("/sessions//").status_code == 200


def test_nul_in_ids_is_never_a_500(client, db):
    assert client.get("/sessions/a%00b").status_code == 404
    assert client.get("/sessions?user_id=a%00b").json()["meta"]["total_count"] == 0
    assert client.delete("/sessions/a%00b").status_code == 204
    assert client.post("/sessions", json={"session_id": "a\x00b"}).status_code == 422
