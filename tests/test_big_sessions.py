"""Big sessions read only what the answer uses: the answers are still exactly the renderers' output
on the whole stored runs.

* /runs is decoded and rendered one run at a time (db/sessions.py: iter_runs) off the event loop;
* /run-previews reads each run reduced to the keys a preview reads (sql/get_session_for_previews.sql);
* one run reads only that run (sql/get_session_run.sql).
"""

from __future__ import annotations

import psycopg
import pytest
from test_api_sessions import insert_run, insert_session

from session_svc import render
from session_svc.jsonenc import dumps

T0 = 1795545569


def _runs(count: int) -> list[dict]:
    """Runs of every shape the previews projection must keep right."""
    runs: list[dict] = []
    for i in range(count):
        kind = i % 6
        run = {"run_id": f"big-{i:04d}", "created_at": T0 + i, "status": ["COMPLETED", "ERROR", "paused"][i % 3],
               "content": ("x" * 300 + str(i)) if i % 2 else {"answer": i, "text": "é" * 50}}  # fmt: skip
        if kind == 0:  # the usual agent run: input_content, messages not read by a preview
            run.update(agent_id="a", input={"input_content": f"question {i}", "images": [{"url": "u"}]},
                       messages=[{"id": f"m{i}", "role": "user", "content": f"question {i}"}], tools=[{"t": i}])  # fmt: skip
        elif kind == 1:  # no input_content: run_input is the last user message
            run.update(agent_id="a", input={"input_content": None},
                       messages=[{"role": "user", "content": "first"}, {"role": "user", "content": f"last {i}"}])  # fmt: skip
        elif kind == 2:  # no input at all, messages only
            run.update(agent_id="a", parent_run_id="big-0000", messages=[{"role": "user", "content": f"only {i}"}])
        elif kind == 3:  # a workflow run with step executor runs
            run.update(
                workflow_id="wf",
                input=None,
                step_executor_runs=[{"messages": [{"role": "user", "content": f"step {i}"}]}],
            )
        elif kind == 4:  # a team run, dict input_content
            run.update(team_id="t", user_id="u", input={"input_content": {"q": i}})
        else:  # neither agent nor team id
            run.update(input="plain input", metrics={"m": i})
        runs.append(run)
    return runs


def jsonb_order(value):
    """Key order as PostgreSQL jsonb returns it: shorter keys first, then bytewise."""
    if isinstance(value, dict):
        return {k: jsonb_order(value[k]) for k in sorted(value, key=lambda k: (len(k.encode()), k.encode()))}
    if isinstance(value, list):
        return [jsonb_order(v) for v in value]
    return value


@pytest.fixture()
def big(db: psycopg.Connection) -> dict:
    insert_session(db, "big", agent_id="a", agent_data={"sdk": "x"})
    runs = _runs(300)
    for index, run in enumerate(runs):
        insert_run(db, "big", run, index)
    return {"session_id": "big", "session_type": "agent", "agent_id": "a", "team_id": None, "workflow_id": None,
            "agent_data": {"sdk": "x"}, "runs": jsonb_order(runs)}  # fmt: skip


@pytest.mark.parametrize("session_type", [None, "team", "workflow"])
@pytest.mark.parametrize(
    "query", ["", "&status=completed&status=PAUSED", f"&created_after={T0 + 100}&created_before={T0 + 200}"]
)
def test_big_runs_and_previews_are_the_renderers_output(client, big, session_type, query):
    type_query = f"type={session_type}" if session_type else ""
    params = {}
    if "created_after" in query:
        params = {"created_after": T0 + 100, "created_before": T0 + 200}
    statuses = {"COMPLETED", "PAUSED"} if "status" in query else None
    for route, render_fn in (("runs", render.session_runs), ("run-previews", render.run_previews)):
        answer = client.get(f"/sessions/big/{route}?{type_query}{query}")
        assert answer.status_code == 200
        expected = dumps(
            render_fn(big, session_type, params.get("created_after"), params.get("created_before"), statuses)
        )
        assert answer.content == expected, route


def test_one_run_reads_by_primary_key_and_falls_back_to_the_runs_own_ids(client, db):
    insert_session(db, "one", agent_id="a")
    insert_run(db, "one", {"run_id": "r1", "agent_id": "a", "content": "first"}, 0)
    # a hand-written row whose key differs from its run's own run_id: the run's own id is what counts
    db.execute(
        "INSERT INTO ai.agno_runs (run_id, session_id, run_type, run_index, run_data, created_at)"
        " VALUES ('column-id', 'one', 'agent', 1, '{\"run_id\": \"json-id\", \"content\": \"second\"}', 0)"
    )
    assert client.get("/sessions/one/runs/r1").json()["content"] == "first"
    assert client.get("/sessions/one/runs/json-id").json()["content"] == "second"
    assert client.get("/sessions/one/runs/column-id").json() == {
        "detail": "Run with ID column-id not found in session one"
    }
    insert_session(db, "none", agent_id="a")
    assert client.get("/sessions/none/runs/r1").json() == {"detail": "Session with ID none has no runs"}
    assert client.get("/sessions/one/runs/r1?user_id=other").status_code == 404
    assert client.get("/sessions/one/runs/a%00b").json() == {"detail": "Run with ID a\x00b not found in session one"}


def _conversation(count: int) -> list[dict]:
    """Runs with every message shape the detail's reduction must keep right: system, tool and
    history messages (dropped to null as they are decoded: db/run_text.py), history user messages
    (kept for the name), messages without ids (their ids come from their positions), non-object and
    odd-role messages."""
    runs: list[dict] = []
    for i in range(count):
        messages = [
            {"id": f"s{i}", "role": "system", "content": "sys"},
            {"role": "user", "content": f"old question {i}", "from_history": True},
            {"role": "assistant", "content": f"old answer {i}", "from_history": True},
            {"role": "assistant", "content": "lax history flag", "from_history": "yes"},
            "not a message",
            {"role": 5, "content": "numeric role"},
            {"role": "user", "content": f"question {i}", "created_at": T0 + i},
            {"role": "tool", "content": "tool result", "tool_call_id": "c"},
            {"id": f"a{i}", "role": "assistant", "content": f"answer {i}", "metrics": {"input_tokens": i}},
        ]
        run = {"run_id": f"c-{i:04d}", "created_at": T0 + i, "messages": messages, "content": "x" * 100,
               "tools": [{"tool": i}], "metrics": {"m": i}, "input": {"input_content": f"question {i}"}}  # fmt: skip
        if i % 4 == 1:
            run.update(parent_run_id="c-0000", agent_id="member")  # a member run: not in chat_history
        elif i % 4 == 2:
            run.update(team_id="t")
        elif i % 4 == 3:
            run.update(agent_id="a", agent_name="A")
        else:
            run.update(messages=[])  # no messages: the name falls through to a later run
        runs.append(run)
    return runs


@pytest.mark.parametrize("session_type", ["agent", "team", "workflow"])
def test_big_detail_is_the_renderers_output(client, db, session_type):
    runs = _conversation(120)
    columns = (
        {"agent_id": "a"}
        if session_type == "agent"
        else {"team_id": "t"}
        if session_type == "team"
        else {"workflow_id": "w"}
    )
    insert_session(
        db,
        "conv",
        session_type=session_type,
        **columns,
        workflow_data={"name": "W"} if session_type == "workflow" else None,
    )
    for index, run in enumerate(runs):
        insert_run(db, "conv", run, index)
    row = {
        "session_id": "conv", "session_type": session_type, "agent_id": None, "team_id": None, "workflow_id": None,
        "user_id": None, "session_data": None, "agent_data": None, "team_data": None,
        "workflow_data": {"name": "W"} if session_type == "workflow" else None, "metadata": None, "summary": None,
        "created_at": 1795545569, "updated_at": 1795545569, "runs": jsonb_order(runs), **columns,
    }  # fmt: skip
    for type_query in ("", "?type=agent", "?type=team", "?type=workflow"):
        answer = client.get(f"/sessions/conv{type_query}")
        assert answer.status_code == 200
        as_type = type_query.rpartition("=")[2] or None
        assert answer.content == dumps(render.session_detail(row, as_type, keep_nulls=False)), type_query
