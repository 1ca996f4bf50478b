"""Unit tests of session_svc.render (no database).

Golden cases (tests/golden/render/cases.json) hold stored rows and the exact bytes agno AgentOS
3.1.10's own code produces for them; they are regenerated with
`/work/agnovenv/bin/python tests/capture/capture_render_goldens.py`. Cases where AgentOS answers 500
are checked against our deliberate fixes in FIXES below (every such case must be listed).
"""

from __future__ import annotations

import json
import pathlib
from uuid import UUID, uuid5

import msgspec
import pytest

from session_svc import render
from session_svc.jsonenc import dumps

GOLDEN = pathlib.Path(__file__).parent / "golden" / "render" / "cases.json"
CASES = msgspec.json.decode(GOLDEN.read_bytes())
BY_NAME = {case["name"]: case for case in CASES}
ID_NAMESPACE = UUID("6f1d3b8e-2c4a-5d7e-9f10-a1b2c3d4e5f6")


def call(case: dict):
    return getattr(render, case["fn"])(case["row"], **case["kwargs"])


@pytest.mark.parametrize("case", [c for c in CASES if "expected" in c], ids=lambda c: c["name"])
def test_matches_agentos_bytes(case):
    assert dumps(call(case)).decode() == case["expected"]


@pytest.mark.parametrize("case", [c for c in CASES if "not_found" in c], ids=lambda c: c["name"])
def test_single_run_not_found_detail(case):
    with pytest.raises(render.RunLookupError) as err:
        call(case)
    assert err.value.detail == case["not_found"]


# --- deliberate fixes: what we answer where AgentOS answers 500 --------------------------------

_EMPTY_MEDIA = '"input_media":{"images":[],"videos":[],"audios":[],"files":[]}'
_TS = '"created_at":"2026-11-24T18:39:29Z","updated_at":"2026-11-24T18:40:29Z"'

FIXES = {
    # multimodal first user message: text parts joined (chat_history keeps the list, as AgentOS does)
    "list:multimodal-sess": '{"session_id":"multimodal-sess","session_name":"Describe",'
    + _TS
    + ',"session_type":"agent","agent_id":"a"}',
    "detail:multimodal-sess": '{"agent_session_id":"multimodal-sess","session_id":"multimodal-sess","session_name":"Describe","agent_id":"a","chat_history":[{"id":"x1","content":[{"text":"Describe","type":"text"},{"type":"image_url","image_url":{"url":"u"}}],"from_history":false,"stop_after_tool_call":false,"role":"user","created_at":1795545569}],'
    + _TS
    + "}",
    "runs:multimodal-sess": '[{"run_id":"mm","parent_run_id":"","agent_id":"a","user_id":"","run_input":"Describe","content":"","run_response_format":"text","reasoning_content":"","reasoning_steps":[],"metrics":{},"messages":[{"id":"x1","role":"user","content":[{"text":"Describe","type":"text"},{"type":"image_url","image_url":{"url":"u"}}],"created_at":1795545569}],"created_at":"2026-11-24T18:39:29Z","references":[],"reasoning_messages":[],"images":[],"videos":[],"audio":[],"files":[],'
    + _EMPTY_MEDIA
    + "}]",
    "previews:multimodal-sess": '[{"run_id":"mm","parent_run_id":"","agent_id":"a","user_id":"","run_input":"Describe","content_preview":"","created_at":"2026-11-24T18:39:29Z"}]',
    # content of other types: json.dumps(value, default=str)
    "list:odd-sess": '{"session_id":"odd-sess","session_name":"{\\"k\\": 1}",'
    + _TS
    + ',"session_type":"agent","agent_id":"a"}',
    "detail:odd-sess": '{"agent_session_id":"odd-sess","session_id":"odd-sess","session_name":"{\\"k\\": 1}","agent_id":"a","chat_history":[{"id":"o1","content":"{\\"k\\": 1}","from_history":false,"stop_after_tool_call":false,"role":"user","created_at":1795545569}],'
    + _TS
    + "}",
    "runs:odd-sess": '[{"run_id":"odd","parent_run_id":"","agent_id":"a","user_id":"","run_input":"q","content":"42","run_response_format":"text","reasoning_content":"","reasoning_steps":[],"metrics":{},"messages":[{"id":"o1","role":"user","content":{"k":1},"created_at":1795545569}],"created_at":"2026-11-24T18:39:29Z","references":[],"reasoning_messages":[],"images":[],"videos":[],"audio":[],"files":[],'
    + _EMPTY_MEDIA
    + "}]",
    "previews:odd-sess": '[{"run_id":"odd","parent_run_id":"","agent_id":"a","user_id":"","run_input":"q","content_preview":"42","created_at":"2026-11-24T18:39:29Z"}]',
    # a stored summary with unknown keys: the known keys, normalized
    "detail:badsum-sess": '{"session_id":"badsum-sess","session_name":"","team_id":"t","session_summary":{"summary":"S","topics":["x"],"updated_at":"2025-10-21T14:30:00+00:00"},"chat_history":[],'
    + _TS
    + "}",
    # workflow name derivation with workflow_data NULL: no name
    "list:wf-nulldata": '{"session_id":"wf-nulldata","session_name":"",'
    + _TS
    + ',"session_type":"workflow","workflow_id":"wf"}',
    # session_metrics stored as null: no metrics, no total_tokens
    "detail:nullmetrics-sess": '{"session_id":"nullmetrics-sess","session_name":"","team_id":"t","session_state":{"a":1},"chat_history":[],'
    + _TS
    + "}",
    # a null media list in the run input counts as empty
    "runs:nullmedia-sess": '[{"run_id":"nm","parent_run_id":"","team_id":"t","content":"","reasoning_content":"","reasoning_steps":[],"run_input":"hi","run_response_format":"text","metrics":{},"created_at":"2026-11-24T18:39:29Z","references":[],"reasoning_messages":[],'
    + _EMPTY_MEDIA
    + ',"images":[],"videos":[],"audio":[],"files":[]}]',
    "previews:nullmedia-sess": '[{"run_id":"nm","parent_run_id":"","team_id":"t","run_input":"hi","content_preview":"","created_at":"2026-11-24T18:39:29Z"}]',
}


def test_every_agentos_500_has_a_fix_expectation():
    failing = {c["name"] for c in CASES if "agentos_error" in c}
    assert failing == set(FIXES)


@pytest.mark.parametrize("name", sorted(FIXES))
def test_deliberate_fix(name):
    assert dumps(call(BY_NAME[name])).decode() == FIXES[name]


def test_rendering_never_mutates_the_row():
    for case in CASES:
        before = msgspec.json.encode(case["row"])
        try:
            call(case)
        except render.RunLookupError:
            pass
        assert msgspec.json.encode(case["row"]) == before, case["name"]


# --- stable message ids and timestamps -----------------------------------------------------------


def _row(runs, **columns):
    base = {
        "session_id": "s1",
        "session_type": "agent",
        "agent_id": "a",
        "team_id": None,
        "workflow_id": None,
        "user_id": None,
        "session_data": None,
        "agent_data": None,
        "team_data": None,
        "workflow_data": None,
        "metadata": None,
        "summary": None,
        "created_at": 1000,
        "updated_at": 2000,
        "runs": runs,
    }
    base.update(columns)
    return base


def test_missing_message_id_is_stable_uuid5_of_session_run_and_index():
    row = _row(
        [
            {
                "run_id": "r1",
                "agent_id": "a",
                "created_at": 1500,
                "messages": [
                    {"role": "system", "content": "sys"},
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "yo", "id": None},
                ],
            }
        ]
    )
    first = render.session_detail(row)["chat_history"]
    second = render.session_detail(row)["chat_history"]
    assert first == second
    assert [m["id"] for m in first] == [str(uuid5(ID_NAMESPACE, "s1:r1:1")), str(uuid5(ID_NAMESPACE, "s1:r1:2"))]
    assert [m["created_at"] for m in first] == [1500, 1500]  # the run's created_at


def test_missing_created_at_falls_back_to_session_then_zero():
    runs = [
        {
            "run_id": "r1",
            "agent_id": "a",
            "created_at": "2025-01-01T00:00:00Z",
            "messages": [{"id": "m", "role": "user", "content": "x"}],
        }
    ]
    assert render.session_detail(_row(runs))["chat_history"][0]["created_at"] == 1000
    assert render.session_detail(_row(runs, created_at=None))["chat_history"][0]["created_at"] == 0


def test_media_without_id_gets_a_stable_id():
    runs = [
        {
            "run_id": "r1",
            "agent_id": "a",
            "created_at": 5,
            "messages": [
                {
                    "id": "m",
                    "role": "user",
                    "content": "x",
                    "images": [{"url": "https://x/a.png"}],
                    "audio_output": {"content": "AAAA"},
                }
            ],
        }
    ]
    message = render.session_detail(_row(runs))["chat_history"][0]
    assert message["images"] == [{"id": str(uuid5(ID_NAMESPACE, "s1:r1:0:images:0")), "url": "https://x/a.png"}]
    assert message["audio_output"]["id"] == str(uuid5(ID_NAMESPACE, "s1:r1:0:audio_output:0"))
    assert message == render.session_detail(_row(runs))["chat_history"][0]


def test_workflow_null_timestamps_are_the_current_time(monkeypatch):
    monkeypatch.setattr(render.sessions.time, "time", lambda: 1795545600.7)
    row = _row([], session_type="workflow", workflow_id="w", created_at=None, updated_at=None)
    detail = render.session_detail(row)
    assert detail["created_at"] == detail["updated_at"] == "2026-11-24T18:40:00Z"
    # agent sessions have no such default: created_at null, updated_at falls back to it
    assert "created_at" not in render.session_detail(_row([], created_at=None, updated_at=None))


def test_non_numeric_run_created_at_is_kept_by_the_window():
    runs = [
        {"run_id": "iso", "agent_id": "a", "created_at": "2025-01-01T00:00:00Z"},
        {"run_id": "old", "agent_id": "a", "created_at": 5},
    ]
    assert [r["run_id"] for r in render.session_runs(_row(runs), None, 10, None)] == ["iso"]


def test_odd_summaries():
    detail = render.session_detail(_row([], summary={"topics": ["t"], "updated_at": "yesterday"}))
    assert detail["session_summary"] == {"topics": ["t"], "updated_at": "yesterday"}
    assert "session_summary" not in render.session_detail(_row([], summary="text"))
    assert render.list_item(_row([], summary="text"))["session_summary"] == "text"  # the list copies it raw


def test_status_filter_on_non_string_status():
    runs = [{"run_id": "r", "agent_id": "a", "status": 3}, {"run_id": "q", "agent_id": "a", "status": "completed"}]
    assert [r["run_id"] for r in render.session_runs(_row(runs), statuses=["COMPLETED"])] == ["q"]
    assert [r["run_id"] for r in render.run_previews(_row(runs), statuses=["completed"])] == ["q"]


# --- value helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, "1970-01-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (1795545569.5, "2026-11-24T18:39:29.500000Z"),
        (True, "1970-01-01T00:00:01Z"),
        ("2025-01-02T03:04:05Z", "2025-01-02T03:04:05Z"),
        ("2025-01-02T03:04:05.000100+00:00", "2025-01-02T03:04:05.000100Z"),
        ("2025-01-02T03:04:05+02:00", "2025-01-02T03:04:05+02:00"),
        ("2025-01-02", "2025-01-02T00:00:00"),
        ("not a date", None),
        (10**20, None),
        ({"x": 1}, None),
        (None, None),
    ],
)
def test_iso_from_value(value, expected):
    from session_svc.render.values import iso_from_value

    assert iso_from_value(value) == expected


def test_pydantic_style_coercions():
    from session_svc.render.values import as_bool, as_int

    assert [as_int(v) for v in (None, 3, True, 3.0, "4", " 5 ", "6.0", 3.5, "x")] == [None, 3, 1, 3, 4, 5, 6, 3.5, "x"]
    assert [as_bool(v, False) for v in (True, 0, 1, 1.0, "yes", "F", None, 2, "maybe")] == [
        True,
        False,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_text_rule():
    from session_svc.render.values import as_text

    assert as_text([{"type": "text", "text": "a"}, {"type": "image_url"}, "b"]) == "a\nb"
    assert as_text([{"type": "image_url"}]) == '[{"type": "image_url"}]'
    assert as_text({"é": 1}) == '{"\\u00e9": 1}'
    assert as_text(42) == "42"


def test_dumps_matches_fastapi_encoding():
    body = {
        "name": "Café ☕",
        "big": 2**70,
        "neg": -(2**64),
        "nested": [{"x": 2**64 - 1}],
        "f": [1e20, 1.5e-7, 0.00001, 1.0],
    }
    assert (
        dumps(body)
        == (
            '{"name":"Café ☕","big":1180591620717411303424,"neg":-18446744073709551616,'
            '"nested":[{"x":18446744073709551615}],"f":[1e+20,1.5e-7,0.00001,1.0]}'
        ).encode()
    )
    assert json.loads(dumps({"zz": None, "ctl": "\x01\n"})) == {"zz": None, "ctl": "\x01\n"}


def test_unknown_session_type_renders_as_agent_and_type_param_wins():
    row = _row([], session_type="team", team_id="t")
    assert "agent_session_id" in render.session_detail(row, "bogus")
    assert "team_id" in render.session_detail(row)  # detected from the stored type
    assert "agent_session_id" in render.session_detail(row, "agent")


def test_runs_without_runs_key_or_null_runs():
    for runs in (None, []):
        row = _row(runs)
        assert render.session_runs(row) == [] and render.run_previews(row) == []
        assert render.session_detail(row)["chat_history"] == []
        with pytest.raises(render.RunLookupError) as err:
            render.single_run(row, "r")
        assert err.value.detail == "Session with ID s1 has no runs"
