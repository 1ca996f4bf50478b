"""writes.py without a database: the row a create or PATCH stores, as agno would store it."""

from __future__ import annotations

import pytest
from psycopg.types.json import Jsonb

from session_svc import writes
from session_svc.errors import RequestValidationError
from session_svc.schemas import CreateSessionRequest, UpdateSessionRequest

NOW = 1_790_000_000


def _json(value):
    """The JSON value inside a Jsonb parameter; None stays None (SQL NULL)."""
    assert value is None or isinstance(value, Jsonb), value
    return value.obj if value is not None else None


def test_agent_create_writes_only_its_own_data_column():
    new = writes.new_session(
        CreateSessionRequest(session_name="n", session_state={"k": 1}, agent_id="a", team_id="t"),
        "agent",
        "s1",
        "u1",
        NOW,
    )
    p = new.params
    assert (p["session_id"], p["session_type"], p["user_id"], p["now"]) == ("s1", "agent", "u1", NOW)
    # only the type's own component id and *_data column; the others stay SQL NULL
    assert (p["agent_id"], p["team_id"], p["workflow_id"]) == ("a", None, None)
    assert isinstance(p["agent_data"], Jsonb) and p["agent_data"].obj is None  # JSON null
    assert p["team_data"] is None and p["workflow_data"] is None
    assert _json(p["session_data"]) == {"session_state": {"k": 1}, "session_name": "n"}
    assert _json(p["metadata"]) is None and _json(p["summary"]) is None
    assert new.runs == [] and _json(p["runs"]) == []


def test_empty_session_data_is_json_null_except_for_workflows():
    agent = writes.new_session(CreateSessionRequest(), "agent", "s", None, NOW).params
    assert _json(agent["session_data"]) is None
    workflow = writes.new_session(CreateSessionRequest(workflow_id="w"), "workflow", "s", None, NOW).params
    # WorkflowSession.__post_init__: null session_data, workflow_data and metadata become {}
    assert (_json(workflow["session_data"]), _json(workflow["workflow_data"]), _json(workflow["metadata"])) == (
        {},
        {},
        {},
    )
    assert workflow["workflow_id"] == "w" and workflow["agent_data"] is None


def test_reserved_metadata_keys_are_stripped():
    body = CreateSessionRequest(metadata={"agno_dispatch_chain": ["x"], "agno_component_version": 2, "mine": 1})
    assert _json(writes.new_session(body, "agent", "s", None, NOW).params["metadata"]) == {"mine": 1}
    only_reserved = CreateSessionRequest(metadata={"agno_dispatch_depth": 3})
    assert _json(writes.new_session(only_reserved, "agent", "s", None, NOW).params["metadata"]) is None
    patch = writes.session_patch(UpdateSessionRequest(metadata={"agno_dispatch_depth": 3, "k": "v"}), NOW)
    assert patch["set_metadata"] is True and _json(patch["metadata"]) == {"k": "v"}


def test_strings_lose_what_postgresql_cannot_hold():
    body = CreateSessionRequest(
        session_name="a\x00b\x07c\ufffe",
        session_state={"k\x00ey": ["v\x01", {"n": "\x1f"}], "tab\t": "line\nbreak\r"},
        runs=[{"run_id": "r1", "content": "x\x00y"}],
    )
    new = writes.new_session(body, "agent", "s", None, NOW)
    assert _json(new.params["session_data"]) == {
        # keys lose only NUL (agno leaves keys alone; PostgreSQL refuses NUL); \t \n \r are kept
        "session_state": {"key": ["v", {"n": ""}], "tab\t": "line\nbreak\r"},
        "session_name": "abc",
    }
    assert new.runs == [{"run_id": "r1", "content": "xy"}] == _json(new.params["runs"])


@pytest.mark.parametrize("field", ["session_id", "user_id", "agent_id", "team_id", "workflow_id"])
def test_an_id_holding_nul_is_a_422_naming_it(field):
    ids = {"session_id": "s", "user_id": None, "agent_id": None, "team_id": None, "workflow_id": None}
    ids[field] = "a\x00b"
    body = CreateSessionRequest(**{k: v for k, v in ids.items() if k not in ("session_id", "user_id")})
    with pytest.raises(RequestValidationError) as caught:
        writes.new_session(body, "agent", ids["session_id"], ids["user_id"], NOW)
    assert caught.value.errors == [
        {
            "type": "string_pattern_mismatch",
            "loc": ["body", field],
            "msg": "String should not contain NUL characters",
            "input": "a\x00b",
        }
    ]


def test_patch_sets_only_the_given_fields():
    nothing = writes.session_patch(UpdateSessionRequest(), NOW)
    assert nothing["session_data_patch"] is None
    assert (nothing["set_metadata"], nothing["set_summary"], nothing["now"]) == (False, False, NOW)
    assert _json(nothing["metadata"]) is None and _json(nothing["summary"]) is None
    some = writes.session_patch(
        UpdateSessionRequest(session_name="n\x00", session_state={"s": 1}, summary={"summary": "t"}), NOW
    )
    assert _json(some["session_data_patch"]) == {"session_name": "n", "session_state": {"s": 1}}
    assert some["set_summary"] is True and _json(some["summary"]) == {"summary": "t"}
    assert some["set_metadata"] is False


def test_has_nul():
    assert writes.has_nul(None, "a", "b\x00") and not writes.has_nul(None, "ab")
