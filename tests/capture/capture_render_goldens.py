"""Generate tests/golden/render/cases.json: stored session rows and the exact JSON agno AgentOS
3.1.10 answers for them, computed by agno's OWN code (the schema classes and helpers the sessions
router calls, serialized the way FastAPI 0.165 does: TypeAdapter(response_model).validate_python
then .dump_json(exclude_none=...)).

Run (needs the `contract` extra, e.g. /work/agnovenv):

    /work/agnovenv/bin/python tests/capture/capture_render_goldens.py

Runs are built with agno's run classes and `.to_dict()` (what agno stores in agno_runs.run_data),
then every dict is put in PostgreSQL jsonb key order, as the database returns it. Each case
records the function of session_svc.render it exercises, its arguments, the row and either
`expected` (the response body text) or `agentos_error` (the exception type when AgentOS answers
500; tests/test_render.py then checks our deliberate fix for that case).

Cases whose AgentOS answer is not deterministic (messages without an id or created_at get a
uuid4/now on every read) are generated from a copy of the row with those values filled in the
way our fix fills them (`fill_stable_ids`), so the golden pins both agno's rendering and our rule.
"""

from __future__ import annotations

import copy
import json
import pathlib
import sys
from typing import Union
from uuid import UUID, uuid5

from agno.db.base import SessionType
from agno.db.utils import deserialize_session_by_type, detect_session_type
from agno.metrics import MessageMetrics, ModelMetrics, RunMetrics
from agno.models.message import Message, MessageReferences
from agno.models.response import ToolExecution
from agno.os.schema import (
    AgentSessionDetailSchema,
    RunSchema,
    SessionRunPreviewSchema,
    SessionSchema,
    TeamRunSchema,
    TeamSessionDetailSchema,
    WorkflowRunSchema,
    WorkflowSessionDetailSchema,
)
from agno.os.services.sessions import classify_session_run
from agno.run.agent import RunInput, RunOutput
from agno.run.base import RunStatus
from agno.run.team import TeamRunInput, TeamRunOutput
from agno.run.workflow import WorkflowRunOutput
from agno.session import AgentSession, TeamSession, WorkflowSession
from agno.workflow.types import StepMetrics, StepOutput, WorkflowMetrics
from pydantic import TypeAdapter

OUT = pathlib.Path(__file__).resolve().parents[1] / "golden" / "render" / "cases.json"
ID_NAMESPACE = UUID("6f1d3b8e-2c4a-5d7e-9f10-a1b2c3d4e5f6")  # = session_svc.render.messages.ID_NAMESPACE

DETAIL = TypeAdapter(Union[AgentSessionDetailSchema, TeamSessionDetailSchema, WorkflowSessionDetailSchema])  # noqa: UP007 - as agno declares it
RUNS = TypeAdapter(list[RunSchema | TeamRunSchema | WorkflowRunSchema])
ONE_RUN = TypeAdapter(Union[RunSchema, TeamRunSchema, WorkflowRunSchema])  # noqa: UP007 - as agno declares it
PREVIEWS = TypeAdapter(list[SessionRunPreviewSchema])
LIST_ITEM = TypeAdapter(SessionSchema)
T0 = 1795545569


# --- storage shape ----------------------------------------------------------------------------


def jsonb(value):
    """Key order as PostgreSQL jsonb returns it: shorter keys first, then bytewise."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return {k: jsonb(value[k]) for k in keys}
    if isinstance(value, list):
        return [jsonb(v) for v in value]
    return value


def stored(run) -> dict:
    return jsonb(json.loads(json.dumps(run.to_dict())))


def row(session_id, session_type, runs=(), **columns) -> dict:
    base = {
        "session_id": session_id,
        "session_type": session_type,
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
        "created_at": T0,
        "updated_at": T0 + 60,
    }
    for key, value in columns.items():
        base[key] = jsonb(value)
    base["runs"] = list(runs)
    return base


def msg(mid, role, content=None, t=T0, **kw) -> Message:
    return Message(id=mid, role=role, content=content, created_at=t, **kw)


def metrics(i, o, duration=0.145224739000696) -> MessageMetrics:
    return MessageMetrics(
        input_tokens=i, output_tokens=o, total_tokens=i + o, duration=duration, time_to_first_token=duration
    )


def run_metrics(i, o) -> RunMetrics:
    return RunMetrics(
        input_tokens=i,
        output_tokens=o,
        total_tokens=i + o,
        duration=0.151,
        time_to_first_token=0.1508,
        details={
            "model": [
                ModelMetrics(id="gpt-4o", provider="OpenAI Chat", input_tokens=i, output_tokens=o, total_tokens=i + o)
            ]
        },
    )


# --- fixtures ---------------------------------------------------------------------------------


def agent_runs():
    first = RunOutput(
        run_id="run-a1",
        agent_id="basic-agent",
        agent_name="Basic Agent",
        session_id="agent-sess-1",
        user_id="user-1",
        input=RunInput(input_content="What tools do you have?"),
        content="Echo: What tools do you have?",
        model="gpt-4o",
        model_provider="OpenAI",
        messages=[
            msg("m-sys", "system", "You are helpful."),
            msg("m-u1", "user", "What tools do you have?"),
            msg(
                "m-a1",
                "assistant",
                "Echo: What tools do you have?",
                metrics=metrics(12, 5),
                provider_data={"id": "chatcmpl-1"},
            ),
        ],
        metrics=run_metrics(12, 5),
        tools=[],
        status=RunStatus.completed,
        session_state={},
        created_at=T0,
    )
    second = RunOutput(
        run_id="run-a2",
        agent_id="basic-agent",
        agent_name="Basic Agent",
        session_id="agent-sess-1",
        user_id="user-1",
        input=RunInput(input_content="Café ☕ weather?"),
        content="It is sunny ☀",
        model="gpt-4o",
        messages=[
            msg("m-sys", "system", "You are helpful."),
            msg("m-u1", "user", "What tools do you have?", from_history=True),
            msg("m-a1", "assistant", "Echo: What tools do you have?", from_history=True),
            msg("m-u2", "user", "Café ☕ weather?", t=T0 + 5),
            msg(
                "m-a2",
                "assistant",
                None,
                t=T0 + 6,
                tool_calls=[
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
                metrics=MessageMetrics(input_tokens=20, output_tokens=0, total_tokens=20, cost=0.0, duration=0.0),
            ),
            msg(
                "m-t2",
                "tool",
                "sunny",
                t=T0 + 7,
                tool_call_id="call_1",
                tool_name="get_weather",
                tool_args={"city": "Paris"},
                tool_call_error=False,
            ),
            msg(
                "m-a3",
                "assistant",
                "It is sunny ☀",
                t=T0 + 8,
                reasoning_content="",
                metrics=metrics(30, 4, 0.2),
                references=MessageReferences(query="weather", references=[{"doc": 1}], time=1),
            ),
        ],
        metrics=run_metrics(50, 4),
        tools=[
            ToolExecution(
                tool_call_id="call_1",
                tool_name="get_weather",
                tool_args={"city": "Paris"},
                result="sunny",
                created_at=T0 + 7,
            )
        ],
        status=RunStatus.completed,
        session_state={"city": "Paris"},
        metadata={"trace": "t-1"},
        created_at=T0 + 5,
    )
    return [stored(first), stored(second)]


def agent_row():
    return row(
        "agent-sess-1",
        "agent",
        agent_runs(),
        agent_id="basic-agent",
        user_id="user-1",
        session_data={
            "session_state": {"big": 2**70, "f": [1e20, 1.5e-7, 0.00001, 1.0], "zz": None},
            "session_metrics": {"input_tokens": 62, "total_tokens": 71, "output_tokens": 9, "details": {"model": []}},
        },
        agent_data={
            "name": "Basic Agent",
            "model": {"id": "gpt-4o", "name": "OpenAIChat", "provider": "OpenAI"},
            "agent_id": "basic-agent",
        },
        metadata={"tags": ["a"], "sdk": "old"},
        summary={"summary": "User asked about tools", "topics": ["tools"], "updated_at": "2025-10-21T14:30:00Z"},
    )


def sdk_agent_row():
    own = stored(
        RunOutput(
            run_id="run-s1",
            agent_id="ext-agent",
            content={"answer": 42},
            content_type="Answer",
            metadata={"m": 1},
            status=RunStatus.completed,
            created_at=T0,
            messages=[msg("s-u1", "user", "structured please")],
        )
    )
    no_agent = stored(RunOutput(run_id="run-s2", content="no agent id", status=RunStatus.error, created_at=T0 + 1))
    other = stored(
        RunOutput(
            run_id="run-s3",
            agent_id="someone-else",
            parent_run_id="run-s1",
            content="member",
            status=RunStatus.completed,
            created_at=T0 + 2,
        )
    )
    return row(
        "sdk-sess",
        "agent",
        [own, no_agent, other],
        agent_id="ext-agent",
        agent_data={"framework": "claude-agent-sdk", "name": "External"},
        metadata=None,
        session_data={"session_state": {}},
    )


def team_row(session_type="team"):
    team_run = TeamRunOutput(
        run_id="run-t1",
        team_id="basic-team",
        team_name="Basic Team",
        session_id="team-sess-1",
        user_id="user-1",
        input=TeamRunInput(input_content="Team question"),
        content="Team answer",
        messages=[
            msg("t-sys", "system", "Coordinate."),
            msg("t-u1", "user", "Team question"),
            msg("t-a1", "assistant", "Team answer", metrics=metrics(10, 7)),
        ],
        metrics=run_metrics(10, 7),
        status=RunStatus.completed,
        created_at=T0 + 1,
    )
    member = RunOutput(
        run_id="run-m1",
        agent_id="member-agent",
        agent_name="Member",
        parent_run_id="run-t1",
        session_id="team-sess-1",
        user_id="user-1",
        input=RunInput(input_content="delegated task"),
        content="member result",
        messages=[msg("mm-u1", "user", "delegated task"), msg("mm-a1", "assistant", "member result")],
        status=RunStatus.completed,
        created_at=T0,
    )
    failed = TeamRunOutput(
        run_id="run-t2",
        team_id="basic-team",
        session_id="team-sess-1",
        input=TeamRunInput(input_content={"question": "second", "lang": "fr"}),
        content=None,
        messages=[msg("t-u2", "user", "second", t=T0 + 9)],
        status=RunStatus.error,
        created_at=T0 + 9,
    )
    orphan = {"run_id": "run-x", "status": "COMPLETED", "content": "neither agent nor team", "created_at": T0 + 10}
    return row(
        "team-sess-1",
        session_type,
        [stored(member), stored(team_run), stored(failed), orphan],
        team_id="basic-team",
        user_id="user-1",
        session_data={"session_state": {}, "session_metrics": {"total_tokens": 17.0}},
        team_data={"name": "Basic Team", "team_id": "basic-team"},
        metadata={"k": "v"},
        summary={"summary": "S", "updated_at": "2025-10-21T14:30:00.000"},
    )


def workflow_row():
    step_run = RunOutput(
        run_id="run-w-step",
        agent_id="step-agent",
        parent_run_id="run-w1",
        workflow_id="basic-workflow",
        session_id="wf-sess-1",
        input=RunInput(input_content="Workflow input"),
        content="Echo: Workflow input",
        messages=[msg("w-u1", "user", "Workflow input"), msg("w-a1", "assistant", "Echo: Workflow input")],
        status=RunStatus.completed,
        created_at=T0,
    )
    wf_run = WorkflowRunOutput(
        run_id="run-w1",
        workflow_id="basic-workflow",
        workflow_name="Basic Workflow",
        session_id="wf-sess-1",
        user_id="user-2",
        input="Workflow input",
        content="Echo: Workflow input",
        step_results=[
            StepOutput(
                step_name="s1",
                step_type="Step",
                executor_type="agent",
                executor_name="step-agent",
                content="Echo: Workflow input",
            )
        ],
        step_executor_runs=[step_run],
        metrics=WorkflowMetrics(
            steps={"s1": StepMetrics(step_name="s1", executor_type="agent", executor_name="step-agent")},
            duration=0.0624816630006535,
        ),
        status=RunStatus.completed,
        created_at=T0 + 1,
    )
    dict_input = WorkflowRunOutput(
        run_id="run-w2",
        workflow_id="basic-workflow",
        input={"topic": "Crème", "n": 2},
        content={"result": [1, 2]},
        content_type="dict",
        status=RunStatus.paused,
        created_at=T0 + 20,
    )
    loose_step = stored(
        RunOutput(
            run_id="run-w-loose",
            agent_id="step-agent",
            parent_run_id="run-w2",
            content="loose",
            status=RunStatus.completed,
            created_at=T0 + 21,
        )
    )
    team_step = stored(
        TeamRunOutput(
            run_id="run-w-team", team_id="t9", content="team step", status=RunStatus.completed, created_at=T0 + 22
        )
    )
    return row(
        "wf-sess-1",
        "workflow",
        [stored(step_run), stored(wf_run), stored(dict_input), loose_step, team_step],
        workflow_id="basic-workflow",
        user_id="user-2",
        session_data={"session_state": {}, "session_metrics": {"duration": 1.5}},
        workflow_data={
            "name": "Basic Workflow",
            "steps": [{"name": "s1", "type": "Step", "description": None}],
            "workflow_id": "basic-workflow",
        },
        metadata={},
    )


def media_row():
    messages = [
        {
            "id": "mm-1",
            "role": "user",
            "content": "look",
            "created_at": T0,
            "from_history": False,
            "stop_after_tool_call": False,
            "images": [
                {"id": "img-1", "url": "https://x/a.png", "detail": "high", "unknown": 1},
                {
                    "id": "img-2",
                    "content": "aGVsbG8=",
                    "mime_type": "image/png",
                    "format": "png",
                    "alt_text": "dropped on base64 path",
                },
            ],
            "audio": [
                {"id": "aud-1", "url": "https://x/a.mp3", "duration": 3},
                {"id": "aud-2", "content": "aGk=", "transcript": "hi", "format": "mp3"},
            ],
            "videos": [{"id": "vid-1", "filepath": "/tmp/v.mp4", "width": 640.0}],
            "files": [
                {"id": "f-1", "content": "plain text é", "mime_type": "text/plain", "filename": "a.txt"},
                {"id": "f-2", "content": "JVBERi0=", "mime_type": "application/pdf", "name": "doc"},
                {
                    "id": "f-3",
                    "url": "https://x/f",
                    "media_reference": {
                        "media_id": "md",
                        "storage_key": "k/1",
                        "storage_backend": "s3",
                        "bucket": "b",
                        "url": None,
                    },
                },
            ],
            "metrics": {"input_tokens": 0, "cost": 0, "duration": 0.0, "provider_metrics": {}, "bogus": 5, "timer": 1},
        },
        {
            "id": "mm-2",
            "role": "assistant",
            "content": ["part one", {"type": "text", "text": "part two"}],
            "created_at": T0 + 1,
            "audio_output": {"id": "ao", "content": "AAAA", "sample_rate": 16000},
            "temporary": True,
            "citations": {"urls": []},
            "image_output": {"id": "io", "url": "u"},
            "checkpoint_status": "done",
            "checkpoint_created_at": T0 + 2,
            "tool_calls": [],
            "provider_data": {},
        },
    ]
    run = jsonb(
        {
            "run_id": "run-media",
            "agent_id": "media-agent",
            "messages": messages,
            "status": "COMPLETED",
            "created_at": T0,
            "input": {"input_content": "look", "images": [{"id": "img-1", "url": "https://x/a.png"}]},
        }
    )
    return row("media-sess", "agent", [run], agent_id="media-agent", session_data={"session_name": ""})


def edge_rows():
    """Rows with nulls, legacy shapes and odd-but-valid values."""
    empty = row("empty-sess", "agent", [], session_data=None, updated_at=None)
    zero = row("zero-sess", None, [], agent_id="a0", created_at=0, updated_at=0, session_data={}, metadata={})
    # runs stored without messages: the name is the indented JSON of the input wrapper
    no_msgs = row(
        "nomsg-sess",
        "agent",
        [jsonb({"run_id": "r-nm", "agent_id": "a", "input": {"input_content": "Hi there ✓"}, "created_at": T0})],
        agent_id="a",
    )
    dict_input = row(
        "dictin-sess",
        "agent",
        [
            jsonb(
                {
                    "run_id": "r-di",
                    "agent_id": "a",
                    "input": {"input_content": {"q": "é", "n": [1, 2]}, "extra": 1},
                    "created_at": T0,
                }
            )
        ],
        agent_id="a",
    )
    # legacy 2.x-era run dicts: few keys, ISO and float timestamps, no content_type
    legacy_runs = [
        {
            "run_id": "L1",
            "agent_id": "leg",
            "content": "old",
            "created_at": "2025-01-02T03:04:05Z",
            "messages": [{"role": "user", "content": "legacy hello", "id": "L1m"}],
        },
        {
            "run_id": "L2",
            "agent_id": "leg",
            "content": {"k": "v"},
            "content_type": "dict",
            "created_at": 1735787045.25,
            "status": "completed",
            "input": {"input_content": [{"role": "user", "content": "from message list"}]},
        },
        {
            "run_id": "L3",
            "agent_id": "leg",
            "created_at": None,
            "input": {"input_content": ["a", "b"]},
            "status": "RUNNING",
            "parent_run_id": None,
            "events": [{"event": "RunStarted"}],
            "reasoning_steps": None,
            "forked_from_message_index": 3.0,
            "last_checkpoint_at_message_index": "4",
        },
        {
            "run_id": "L4",
            "agent_id": "leg",
            "created_at": "2025-01-02",
            "input": {"input_content": None},
            "messages": [{"role": "assistant", "content": "x"}, {"role": "user", "content": ""}],
        },
    ]
    legacy = row(
        "legacy-sess",
        "agent",
        [jsonb(r) for r in legacy_runs],
        agent_id="leg",
        updated_at=None,
        session_data={"session_name": None},
    )
    # stored session_type NULL: detected as team, but the list's name derivation uses the raw type
    typeless = copy.deepcopy(team_row())
    typeless["session_id"] = "typeless-team"
    typeless["session_type"] = None
    wf_nameless = row(
        "wf-noname",
        "workflow",
        [jsonb({"run_id": "wr", "workflow_id": "wf", "input": ["x"], "created_at": T0})],
        workflow_id="wf",
        workflow_data={"name": "Pipeline"},
        session_data=None,
        metadata=None,
    )
    wf_empty = row(
        "wf-empty", "workflow", [], workflow_id="wf", session_data={"session_name": "Named WF"}, workflow_data=None
    )
    long_runs = [
        {
            "run_id": "long1",
            "agent_id": "a",
            "content": "é" * 300 + "tail",
            "input": {"input_content": "q" * 279 + "☕xyz"},
            "created_at": T0,
        },
        {
            "run_id": "long2",
            "agent_id": "a",
            "content": {"text": "ü" * 400},
            "content_type": "dict",
            "input": {"input_content": {"k": "v" * 300}},
            "created_at": T0 + 1,
        },
    ]
    long = row(
        "long-sess", "agent", [jsonb(r) for r in long_runs], agent_id="a", session_data={"session_state": {"ok": True}}
    )
    return [empty, zero, no_msgs, dict_input, legacy, typeless, wf_nameless, wf_empty, long]


def fix_rows():
    """Rows where AgentOS answers 500 or is not deterministic (deliberate fixes)."""
    multimodal = row(
        "multimodal-sess",
        "agent",
        [
            jsonb(
                {
                    "run_id": "mm",
                    "agent_id": "a",
                    "created_at": T0,
                    "messages": [
                        {
                            "id": "x1",
                            "role": "user",
                            "content": [
                                {"type": "text", "text": "Describe"},
                                {"type": "image_url", "image_url": {"url": "u"}},
                            ],
                            "created_at": T0,
                        }
                    ],
                }
            )
        ],
        agent_id="a",
    )
    odd_content = row(
        "odd-sess",
        "agent",
        [
            jsonb(
                {
                    "run_id": "odd",
                    "agent_id": "a",
                    "content": 42,
                    "created_at": T0,
                    "input": {"input_content": "q"},
                    "messages": [{"id": "o1", "role": "user", "content": {"k": 1}, "created_at": T0}],
                }
            )
        ],
        agent_id="a",
    )
    bad_summary = row(
        "badsum-sess",
        "team",
        [],
        team_id="t",
        summary={"summary": "S", "topics": ["x"], "extra": True, "updated_at": "2025-10-21T14:30:00Z"},
    )
    wf_null_data = row(
        "wf-nulldata",
        "workflow",
        [jsonb({"run_id": "wr", "workflow_id": "wf", "input": 7, "created_at": T0})],
        workflow_id="wf",
        workflow_data=None,
    )
    no_ids = row(
        "noid-sess",
        "agent",
        [
            jsonb(
                {
                    "run_id": "nid",
                    "agent_id": "a",
                    "created_at": T0 + 3,
                    "messages": [
                        {"role": "user", "content": "no id here"},
                        {"role": "assistant", "content": "answer", "id": None, "created_at": T0 + 4},
                    ],
                }
            )
        ],
        agent_id="a",
    )
    null_metrics = row(
        "nullmetrics-sess", "team", [], team_id="t", session_data={"session_metrics": None, "session_state": {"a": 1}}
    )
    null_media = row(
        "nullmedia-sess",
        "team",
        [jsonb({"run_id": "nm", "team_id": "t", "created_at": T0, "input": {"input_content": "hi", "images": None}})],
        team_id="t",
    )
    return [multimodal, odd_content, bad_summary, wf_null_data, no_ids, null_metrics, null_media]


def name_rows():
    """Unnamed sessions for the list's session_name rule (agno/os/utils.py: get_session_name): which
    run and which value it stops at. tests/test_list_names.py replays them through PostgreSQL."""

    def agent(sid, *runs, session_type="agent", **columns):
        stamped = [jsonb({"run_id": f"{sid}-{i}", "created_at": T0 + i, **r}) for i, r in enumerate(runs)]
        return row(sid, session_type, stamped, **{"agent_id": "a"} if session_type == "agent" else {}, **columns)

    def user(content):
        return {"role": "user", "content": content}

    def workflow(sid, *runs, workflow_data={"name": "Pipe"}):  # noqa: B006 - read only
        stamped = [
            jsonb({"run_id": f"{sid}-{i}", "workflow_id": "wf", "created_at": T0 + i, **r}) for i, r in enumerate(runs)
        ]
        return row(sid, "workflow", stamped, workflow_id="wf", workflow_data=workflow_data)

    return [
        # runs that yield nothing are skipped: no user message with truthy content and no input
        agent(
            "name-skip-runs",
            {"agent_id": "a", "messages": [{"role": "assistant", "content": "a"}, user("")]},
            {
                "agent_id": "a",
                "messages": [user(0), user([]), user({}), user(False), user(None), {"role": "user"}],
                "input": None,
            },
            {"agent_id": "a", "messages": [], "input": {"input_content": "third"}},
        ),
        agent(
            "name-later-user-message",
            {
                "agent_id": "a",
                "messages": [
                    {"role": "system", "content": "s"},
                    user(""),
                    {"role": "User", "content": "case"},
                    user("second user"),
                    user("third"),
                ],
            },
        ),
        agent(
            "name-message-beats-input",
            {"agent_id": "a", "messages": [user("from message")], "input": {"input_content": "from input"}},
        ),
        # an input stops the scan even when it renders empty
        agent("name-empty-input-stops", {"agent_id": "a", "input": ""}, {"agent_id": "a", "messages": [user("later")]}),
        agent(
            "name-list-input-user",
            {"agent_id": "a", "input": [{"role": "user", "content": "from list"}, {"role": "user", "content": "no"}]},
        ),
        agent("name-list-input-repr", {"agent_id": "a", "input": ["a", 1, None, True]}),
        agent("name-number-input", {"agent_id": "a", "input": 5}),
        agent("name-float-input", {"agent_id": "a", "input": 1.5}),
        agent("name-bool-input", {"agent_id": "a", "input": True}),
        agent("name-string-input", {"agent_id": "a", "input": 'plain ✓ "quoted"'}),
        agent(
            "name-nested-input",
            {
                "agent_id": "a",
                "input": {"input_content": "q", "images": [{"id": "i", "url": "https://x/i.png"}], "z": {"é": [1, 2]}},
            },
        ),
        agent("name-no-runs-yield", {"agent_id": "a", "content": "no messages, no input"}),
        agent("name-escapes", {"agent_id": "a", "messages": [user("tab\there\nnew line \\ \u2028 \U0001f600")]}),
        # teams: runs with a truthy agent_id (member runs) are skipped
        agent(
            "name-team-members-only",
            {"agent_id": "m1", "messages": [user("member")]},
            {"agent_id": "m2", "input": "member input"},
            session_type="team",
            team_id="t",
        ),
        agent(
            "name-team-falsy-agent-id",
            {"agent_id": "m1", "messages": [user("member")]},
            {"agent_id": "", "team_id": "t", "messages": [user("team level")]},
            session_type="team",
            team_id="t",
        ),
        agent(
            "name-team-input",
            {"agent_id": "m1", "input": "member"},
            {"team_id": "t", "input": {"input_content": "team input"}},
            session_type="team",
            team_id="t",
        ),
        agent(
            "name-agent-keeps-member-runs",
            {"agent_id": "m1", "messages": [user("member first")]},
            {"messages": [user("own")]},
        ),
        # workflows: only the first run counts; a string or object input, else workflow_data.name
        workflow("name-wf-dict-input", {"input": {"topic": "Crème", "n": [1, 2.5], "b": None}}, {"input": "second"}),
        workflow("name-wf-no-input", {"content": "x"}, {"input": "second"}),
        workflow("name-wf-null-input", {"input": None}),
        workflow("name-wf-bool-input", {"input": False}),
        workflow("name-wf-float-input", {"input": 2.5}),
        workflow("name-wf-empty-string-input", {"input": ""}),
        workflow("name-wf-no-runs"),
        workflow("name-wf-nameless-data", {"input": None}, workflow_data={"steps": []}),
        workflow(
            "name-wf-step-run-first",
            {"agent_id": "step", "parent_run_id": "p", "input": {"input_content": "step input"}},
            {"input": "wf input"},
        ),
    ]


def fill_stable_ids(r: dict) -> dict:
    """The values our fix gives to messages stored without id/created_at."""
    r = copy.deepcopy(r)
    for run in r["runs"]:
        for index, message in enumerate(run.get("messages") or []):
            if message.get("id") is None:
                message["id"] = str(uuid5(ID_NAMESPACE, f"{r['session_id']}:{run.get('run_id')}:{index}"))
            if message.get("created_at") is None:
                run_created = run.get("created_at")
                session_created = r["created_at"]
                message["created_at"] = (
                    run_created if type(run_created) is int else session_created if type(session_created) is int else 0
                )
    return r


# --- AgentOS, as the router computes it -------------------------------------------------------

SESSION_CLASSES = {"agent": AgentSession, "team": TeamSession, "workflow": WorkflowSession}
DETAIL_CLASSES = {
    "agent": AgentSessionDetailSchema,
    "team": TeamSessionDetailSchema,
    "workflow": WorkflowSessionDetailSchema,
}


def agentos_list_item(r):
    return LIST_ITEM.dump_json(LIST_ITEM.validate_python(SessionSchema.from_dict(copy.deepcopy(r))), exclude_none=True)


def agentos_detail(r, session_type=None, keep_nulls=False):
    raw = copy.deepcopy(r)
    if session_type is None:
        session = deserialize_session_by_type(raw)
        session_type = detect_session_type(raw)
    else:
        session = SESSION_CLASSES[session_type].from_dict(raw)
    schema = DETAIL_CLASSES[session_type].from_session(session)
    return DETAIL.dump_json(DETAIL.validate_python(schema), exclude_none=not keep_nulls)


def _agentos_runs(r, session_type, created_after, created_before, statuses):
    raw = copy.deepcopy(r)
    resolved = SessionType(session_type or detect_session_type(raw))
    filtered = []
    for run in raw.get("runs") or []:
        created_at = run.get("created_at")
        if created_after is not None and created_at is not None and created_at < created_after:
            continue
        if created_before is not None and created_at is not None and created_at > created_before:
            continue
        filtered.append(run)
    runs = [s for s in (classify_session_run(run, resolved, session=raw) for run in filtered) if s is not None]
    if statuses:
        wanted = {s.upper() for s in statuses}
        runs = [s for s in runs if (getattr(s, "status", None) or "").upper() in wanted]
    return runs


def agentos_runs(r, session_type=None, created_after=None, created_before=None, statuses=None):
    runs = _agentos_runs(r, session_type, created_after, created_before, statuses)
    return RUNS.dump_json(RUNS.validate_python(runs), exclude_none=True)


def agentos_previews(r, session_type=None, created_after=None, created_before=None, statuses=None):
    runs = _agentos_runs(r, session_type, created_after, created_before, statuses)
    previews = [SessionRunPreviewSchema.from_run(s) for s in runs]
    return PREVIEWS.dump_json(PREVIEWS.validate_python(previews), exclude_none=True)


def agentos_single_run(r, run_id):
    raw = copy.deepcopy(r)
    runs = raw.get("runs")
    if not runs:
        return {"not_found": f"Session with ID {raw['session_id']} has no runs"}
    target = next((run for run in runs if run.get("run_id") == run_id), None)
    if not target:
        return {"not_found": f"Run with ID {run_id} not found in session {raw['session_id']}"}
    if target.get("workflow_id") is not None:
        schema = WorkflowRunSchema.from_dict(target)
    elif target.get("team_id") is not None:
        schema = TeamRunSchema.from_dict(target)
    else:
        schema = RunSchema.from_dict(target, session=raw)
    return ONE_RUN.dump_json(ONE_RUN.validate_python(schema))


AGENTOS = {
    "list_item": agentos_list_item,
    "session_detail": agentos_detail,
    "session_runs": agentos_runs,
    "run_previews": agentos_previews,
    "single_run": agentos_single_run,
}


def case(name, fn, r, expected_from=None, **kwargs):
    if fn == "session_detail" and expected_from is None:
        expected_from = fill_stable_ids(r)  # a no-op unless some message lacks an id or created_at
    try:
        result = AGENTOS[fn](expected_from or r, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any exception is AgentOS's 500 "Internal server error (<type>)"
        return {"name": name, "fn": fn, "kwargs": kwargs, "row": r, "agentos_error": type(exc).__name__}
    out = {"name": name, "fn": fn, "kwargs": kwargs, "row": r}
    if isinstance(result, dict):
        out["not_found"] = result["not_found"]
    else:
        out["expected"] = result.decode()
    return out


def all_cases():
    cases = []
    agent, sdk, team, wf, media = agent_row(), sdk_agent_row(), team_row(), workflow_row(), media_row()
    edges, fixes = edge_rows(), fix_rows()
    every = [agent, sdk, team, wf, media, *edges]
    for r in every:
        sid = r["session_id"]
        cases.append(case(f"list:{sid}", "list_item", r))
        cases.append(case(f"detail:{sid}", "session_detail", r, session_type=None, keep_nulls=False))
        cases.append(case(f"detail-nulls:{sid}", "session_detail", r, session_type=None, keep_nulls=True))
        cases.append(case(f"runs:{sid}", "session_runs", r))
        cases.append(case(f"previews:{sid}", "run_previews", r))
        for run in r["runs"]:
            cases.append(case(f"run:{sid}:{run['run_id']}", "single_run", r, run_id=run["run_id"]))
    # explicit type that differs from the stored one
    cases.append(case("detail-as-team:agent-sess-1", "session_detail", agent, session_type="team", keep_nulls=False))
    cases.append(
        case("detail-as-workflow:team-sess-1", "session_detail", team, session_type="workflow", keep_nulls=True)
    )
    cases.append(case("detail-as-agent:wf-sess-1", "session_detail", wf, session_type="agent", keep_nulls=False))
    cases.append(case("runs-as-agent:team-sess-1", "session_runs", team, session_type="agent"))
    cases.append(case("runs-as-workflow:team-sess-1", "session_runs", team, session_type="workflow"))
    cases.append(case("previews-as-team:wf-sess-1", "run_previews", wf, session_type="team"))
    # windows and status filters
    cases.append(case("runs-window:agent-sess-1", "session_runs", agent, created_after=T0 + 1, created_before=T0 + 5))
    cases.append(case("runs-window-edges:team-sess-1", "session_runs", team, created_after=T0, created_before=T0 + 1))
    cases.append(case("runs-status:team-sess-1", "session_runs", team, statuses=["error", "Completed"]))
    cases.append(case("previews-status:wf-sess-1", "run_previews", wf, statuses=["PAUSED", "completed"]))
    cases.append(case("previews-window:wf-sess-1", "run_previews", wf, created_after=T0 + 20))
    cases.append(case("runs-zero-window:legacy", "session_runs", edges[1], created_after=0))
    # single-run lookups that fail
    cases.append(case("run-missing:agent-sess-1", "single_run", agent, run_id="nope"))
    cases.append(case("run-none:empty-sess", "single_run", edges[0], run_id="nope"))
    for r in name_rows():
        cases.append(case(f"list:{r['session_id']}", "list_item", r))
    # deliberate fixes: AgentOS 500s (or random values) recorded for the test to check our rule
    for r in fixes:
        sid = r["session_id"]
        cases.append(case(f"list:{sid}", "list_item", r))
        cases.append(case(f"detail:{sid}", "session_detail", r, session_type=None, keep_nulls=False))
        cases.append(case(f"runs:{sid}", "session_runs", r))
        cases.append(case(f"previews:{sid}", "run_previews", r))
    return cases


def main() -> int:
    cases = all_cases()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum("agentos_error" in c for c in cases)
    print(f"wrote {len(cases)} cases ({errors} AgentOS 500s) to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
