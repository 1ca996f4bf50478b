"""Runs travel as their jsonb texts joined by RS (session_svc/db/run_text.py): the separator must
never occur unescaped in that text, every run keeps its place, and the reduced runs of the detail and the
previews give exactly what the renderers give on the whole stored runs."""

from __future__ import annotations

import psycopg
import pytest
from test_api_sessions import insert_run, insert_session
from test_big_sessions import jsonb_order

from session_svc import render
from session_svc.db import run_text
from session_svc.jsonenc import dumps

T0 = 1795545569
# Every control character (RS and US included), DEL, and characters jsonb writes raw.
_AWKWARD = "".join(chr(c) for c in range(1, 0x20)) + '\x7f é ✓ 😀 \u2028 \\ " /'


def test_jsonb_text_escapes_every_control_character(db: psycopg.Connection) -> None:
    text = db.execute("SELECT %s::jsonb::text", (dumps({_AWKWARD: [_AWKWARD]}).decode(),)).fetchone()[0]
    assert all(chr(c) not in text for c in range(0x20))
    assert db.execute("SELECT %s::jsonb = %s::jsonb", (text, dumps({_AWKWARD: [_AWKWARD]}).decode())).fetchone()[0]


def _odd_runs() -> list:
    """Objects with awkward strings in keys and values, and run_data that are not objects, between them."""
    runs: list = []
    for i in range(12):
        run = {"run_id": f"r{i:02d}", "agent_id": "a", "created_at": T0 + i, "status": "COMPLETED",
               "content": f"{_AWKWARD} {i}", "input": {"input_content": _AWKWARD},
               "messages": [{"role": "user", "content": _AWKWARD}, {"role": "system", "content": _AWKWARD},
                            {"role": "assistant", "content": f"answer {i}", "from_history": i % 2 == 0}],
               "metrics": {_AWKWARD: i}}  # fmt: skip
        runs.append(run)
    runs[3] = ["not", "an", "object", _AWKWARD]
    runs[5] = _AWKWARD
    runs[7] = 42
    runs[9] = None  # JSON null
    return runs


def _stored(db: psycopg.Connection, runs: list) -> dict:
    insert_session(db, "odd", agent_id="a")
    for index, run in enumerate(runs):
        insert_run(db, "odd", run if isinstance(run, dict) else {"run_id": f"x{index}", "_data": run}, index)
    for index, run in enumerate(runs):  # non-object run_data, which insert_run cannot write
        if not isinstance(run, dict):
            db.execute(
                "UPDATE ai.agno_runs SET run_data = %s::jsonb WHERE run_id = %s", (dumps(run).decode(), f"x{index}")
            )
    return {
        "session_id": "odd", "session_type": "agent", "agent_id": "a", "team_id": None, "workflow_id": None,
        "user_id": None, "session_data": None, "agent_data": None, "team_data": None, "workflow_data": None,
        "metadata": None, "summary": None, "created_at": T0, "updated_at": T0, "runs": jsonb_order(runs),
    }  # fmt: skip


@pytest.mark.parametrize("first_is_object", [True, False])
def test_awkward_and_non_object_runs_keep_their_places(client, db: psycopg.Connection, first_is_object: bool) -> None:
    runs = _odd_runs()
    if not first_is_object:  # the detail's run dispatch looks at the first run's type
        runs[0], runs[3] = runs[3], runs[0]
    row = _stored(db, runs)
    for path, expected in (
        ("/sessions/odd/runs", render.session_runs(row)),
        ("/sessions/odd/run-previews", render.run_previews(row)),
        ("/sessions/odd", render.session_detail(row, None, keep_nulls=False)),
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.content == dumps(expected), path


def test_runs_text_splits_on_the_separator_only() -> None:
    text = run_text.SEPARATOR.join(['{"a": "x,y"}', "[1, 2]", '"s"', "null"])
    assert run_text.decoded(text) == [{"a": "x,y"}, [1, 2], "s", None]
    assert list(run_text.iter_decoded(text)) == run_text.decoded(text)
