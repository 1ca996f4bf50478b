"""Seed three PostgreSQL databases with data written by agno 3.1.10 itself.

* ``db-main``: real Agent, Team (with member runs) and Workflow (with steps) runs executed by agno with
  tools, the OpenAI API answered by respx; plus sessions written through ``PostgresDb.upsert_session``
  with state, metadata, summaries and metrics.
* ``db-other``: a sessions table in agno 2.x layout (legacy ``runs`` JSONB column) that agno 3.1.10
  opened and wrote to; some runs live only in the legacy column, some in both, some only in agno_runs.
* ``db-scratch``: templates for the mutating cases (cloned per case), sessions AgentOS fails to render,
  and sessions with tied timestamps. Read-only cases never list it unfiltered, so the order in which
  mutating cases run cannot change a read-only answer.
* ``db-legacy``: like db-scratch, but in the 2.x layout of db-other, for writes on a table that still has
  the legacy ``runs`` column (templates whose runs live only there, or in both places).

Timestamps are fixed afterwards with SQL (agno stamps wall-clock time): every session and run gets a
distinct, known epoch so that orderings and ``created_after``/``created_before`` filters are stable.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import respx

from .dsn import recreate_database, sqlalchemy_url
from .fake_openai import CHAT_URL, FakeChatCompletions

SCHEMA = "ai"
BASE_EPOCH = 1_790_000_000  # 2026-09-21T…Z; sessions are 1000 s apart, runs 10 s apart inside a session
DB_IDS = ("db-main", "db-other", "db-scratch", "db-legacy")
DB_NAMES = {
    "db-main": "contract_main",
    "db-other": "contract_other",
    "db-scratch": "contract_scratch",
    "db-legacy": "contract_legacy",
}
LEGACY_LAYOUT = ("db-other", "db-legacy")

# agno 2.x created the sessions table with the runs array inline (agno/db/postgres/schemas.py @ 2.9.0).
LEGACY_SESSIONS_DDL = """
CREATE SCHEMA IF NOT EXISTS ai;
CREATE TABLE ai.agno_sessions (
    session_id VARCHAR NOT NULL,
    session_type VARCHAR NOT NULL,
    agent_id VARCHAR,
    team_id VARCHAR,
    workflow_id VARCHAR,
    user_id VARCHAR,
    session_data JSONB,
    agent_data JSONB,
    team_data JSONB,
    workflow_data JSONB,
    metadata JSONB,
    runs JSONB,
    summary JSONB,
    created_at BIGINT NOT NULL,
    updated_at BIGINT,
    PRIMARY KEY (session_id)
);
CREATE INDEX idx_agno_sessions_session_type ON ai.agno_sessions (session_type);
CREATE INDEX idx_agno_sessions_created_at ON ai.agno_sessions (created_at);
"""


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny in {city}"


@dataclass
class Seeded:
    """What the suite needs to know about the seeded data."""

    dsns: dict[str, str]  # db_id -> libpq DSN
    dbs: dict[str, Any]  # db_id -> agno PostgresDb
    agents: list[Any]
    teams: list[Any]
    workflows: list[Any]
    run_ids: dict[str, list[str]] = field(default_factory=dict)  # "db_id/session_id" -> run ids in stored order

    def connect(self, db_id: str) -> psycopg.Connection:
        return psycopg.connect(self.dsns[db_id], autocommit=True)


def seed(server_dsn: str) -> Seeded:
    from agno.db.postgres import PostgresDb

    dsns = {db_id: recreate_database(server_dsn, DB_NAMES[db_id]) for db_id in DB_IDS}
    for db_id in LEGACY_LAYOUT:
        with psycopg.connect(dsns[db_id], autocommit=True) as conn:
            conn.execute(LEGACY_SESSIONS_DDL)
    dbs = {db_id: PostgresDb(id=db_id, db_url=sqlalchemy_url(dsns[db_id]), db_schema=SCHEMA) for db_id in DB_IDS}

    fake = FakeChatCompletions()
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.post(CHAT_URL).mock(side_effect=fake)
        components = _run_components(dbs, fake)
    _upsert_sessions(dbs)
    seeded = Seeded(dsns=dsns, dbs=dbs, **components)
    _write_legacy_runs(seeded)
    _make_scratch_templates(seeded)
    _make_legacy_templates(seeded)
    _write_foreign_rows(seeded)
    for db_id in DB_IDS:
        _fix_timestamps(seeded, db_id)
    _collect_run_ids(seeded)
    return seeded


def _model():
    from agno.models.openai import OpenAIChat

    # A plain httpx client: respx intercepts it (the OpenAI SDK's own default client is httpx2).
    return OpenAIChat(id="gpt-4o", api_key="sk-contract", http_client=httpx.Client())


def _run_components(dbs: dict[str, Any], fake: FakeChatCompletions) -> dict[str, list[Any]]:
    from agno.agent import Agent
    from agno.media import Image
    from agno.team import Team
    from agno.workflow import Step, StepInput, StepOutput, Workflow

    def format_step(step_input: StepInput) -> StepOutput:
        return StepOutput(content=f"Formatted: {step_input.previous_step_content}")

    main, other, scratch, legacy = dbs["db-main"], dbs["db-other"], dbs["db-scratch"], dbs["db-legacy"]
    # instructions put a system message in every run; history puts from_history messages in later runs
    agent = Agent(
        id="basic-agent",
        name="Basic Agent",
        model=_model(),
        db=main,
        tools=[get_weather],
        instructions="Answer briefly.",
        add_history_to_context=True,
        num_history_runs=2,
        telemetry=False,
    )
    researcher = Agent(id="researcher", name="Researcher", model=_model(), tools=[get_weather], telemetry=False)
    # the team and the workflow store their run events, so `events` is non-empty in some run schemas
    team = Team(
        id="basic-team",
        name="Basic Team",
        model=_model(),
        members=[researcher],
        db=main,
        store_events=True,
        telemetry=False,
    )
    wf_agent = Agent(id="wf-agent", name="Workflow Agent", model=_model(), telemetry=False)
    workflow = Workflow(
        id="basic-workflow",
        name="Basic Workflow",
        db=main,
        steps=[Step(name="research", agent=wf_agent), Step(name="format", executor=format_step)],
        store_events=True,
        telemetry=False,
    )
    # a tool that needs the user's confirmation: agno pauses the run (status PAUSED, requirements)
    from agno.tools import tool

    guarded_weather = tool(requires_confirmation=True)(get_weather)
    guarded = Agent(
        id="guarded-agent", name="Guarded Agent", model=_model(), db=main, tools=[guarded_weather], telemetry=False
    )
    other_agent = Agent(id="other-agent", name="Other Agent", model=_model(), db=other, telemetry=False)
    scratch_agent = Agent(
        id="scratch-agent", name="Scratch Agent", model=_model(), db=scratch, tools=[get_weather], telemetry=False
    )
    legacy_agent = Agent(id="legacy-agent", name="Legacy Agent", model=_model(), db=legacy, telemetry=False)
    scratch_member = Agent(id="scratch-member", name="Scratch Member", model=_model(), telemetry=False)
    scratch_team = Team(
        id="scratch-team", name="Scratch Team", model=_model(), members=[scratch_member], db=scratch, telemetry=False
    )
    scratch_wf_agent = Agent(id="scratch-wf-agent", name="Scratch WF Agent", model=_model(), telemetry=False)
    scratch_workflow = Workflow(
        id="scratch-workflow",
        name="Scratch Workflow",
        db=scratch,
        steps=[Step(name="only", agent=scratch_wf_agent)],
        telemetry=False,
    )

    # db-main: agent sessions
    agent.run("What is the weather in Paris?", session_id="agent-sess-1", user_id="user-1", run_id="run-a1-1")
    agent.run("Second question", session_id="agent-sess-1", user_id="user-1", run_id="run-a1-2")
    agent.run(
        "Hello with state",
        session_id="agent-sess-2",
        user_id="user-2",
        run_id="run-a2-1",
        session_state={"counter": 1, "items": ["a", "b"], "nested": {"z": None, "k": "v"}},
        metadata={"source": "contract", "n": 1},
    )
    for i, text in enumerate(["First message", "Second message", "Third message", "Fourth message"], start=1):
        agent.run(text, session_id="agent-sess-3", user_id="user-1", run_id=f"run-a3-{i}")
    agent.run({"question": "dict input", "n": 2}, session_id="agent-sess-4", user_id="user-3", run_id="run-a4-1")
    # longer than the 280-character previews, with multi-byte characters across the cut
    agent.run("Long question ☕ " * 25, session_id="agent-sess-4", user_id="user-3", run_id="run-a4-2")
    agent.run("Café ☕ unicode — ünïcødé", session_id="agent-sess-5", user_id="user-2", run_id="run-a5-1")
    agent.run(
        "Describe this image",
        images=[Image(url="https://example.com/cat.png", id="img-1")],
        session_id="agent-sess-5",
        user_id="user-2",
        run_id="run-a5-2",
    )

    guarded.run("What is the weather in Rome?", session_id="agent-paused", user_id="user-3", run_id="run-p-1")

    # db-main: team sessions (the leader delegates to the member: the member run has parent_run_id)
    fake.delegate_to = "researcher"
    team.run("Team question", session_id="team-sess-1", user_id="user-1", run_id="run-t1-1")
    team.run("What is the weather for the team?", session_id="team-sess-2", user_id="user-3", run_id="run-t2-1")
    team.run("Follow-up team question", session_id="team-sess-2", user_id="user-3", run_id="run-t2-2")

    # db-main: workflow sessions
    workflow.run("Workflow input", session_id="wf-sess-1", user_id="user-2", run_id="run-w1-1")
    workflow.run({"topic": "dict workflow input"}, session_id="wf-sess-2", user_id="user-2", run_id="run-w2-1")
    workflow.run("Second workflow run", session_id="wf-sess-2", user_id="user-2", run_id="run-w2-2")

    # db-other (legacy layout): agno 3.1.10 writes runs to agno_runs beside the old column
    other_agent.run("Other database question", session_id="other-sess-1", user_id="user-1", run_id="run-o1-1")
    other_agent.run("Other follow-up", session_id="other-sess-1", user_id="user-1", run_id="run-o1-2")
    other_agent.run("Only in the runs table", session_id="other-sess-2", user_id="user-2", run_id="run-o2-1")

    # db-scratch: templates for mutating cases
    scratch_agent.run(
        "What is the weather in Paris?",
        session_id="tpl-agent",
        user_id="user-s",
        run_id="run-tpl-a-1",
        session_state={"step": "start"},
    )
    scratch_agent.run("Template follow-up", session_id="tpl-agent", user_id="user-s", run_id="run-tpl-a-2")
    fake.delegate_to = "scratch-member"
    scratch_team.run("Template team question", session_id="tpl-team", user_id="user-s", run_id="run-tpl-t-1")
    scratch_workflow.run("Template workflow input", session_id="tpl-wf", user_id="user-s", run_id="run-tpl-w-1")
    legacy_agent.run("Legacy template question", session_id="ltpl-both", user_id="user-l", run_id="run-ltpl-1")
    legacy_agent.run("Legacy template follow-up", session_id="ltpl-both", user_id="user-l", run_id="run-ltpl-2")

    return {
        "agents": [agent, guarded, other_agent, scratch_agent, legacy_agent],
        "teams": [team, scratch_team],
        "workflows": [workflow, scratch_workflow],
    }


def _summary(text: str, topics: list[str] | None = None):
    from agno.session.summary import SessionSummary

    return SessionSummary(summary=text, topics=topics, updated_at=datetime(2025, 10, 21, 14, 30, tzinfo=UTC))


def _rich_run(run_id: str, session_id: str) -> dict[str, Any]:
    image = {"id": "img-in", "url": "https://example.com/in.png", "format": "png", "detail": "low", "alt_text": "alt"}
    return {
        "run_id": run_id,
        "agent_id": "basic-agent",
        "session_id": session_id,
        "user_id": "user-4",
        "status": "CANCELLED",
        "cancellation_stage": "model",
        "input": {"input_content": "rich question", "images": [image]},
        "content": "rich answer",
        "content_type": "str",
        "reasoning_content": "thinking it over",
        "reasoning_steps": [{"title": "step", "reasoning": "because"}],
        "references": [{"query": "q", "references": [{"doc": 1}], "time": 0.5}],
        "citations": {"raw": None, "urls": [{"url": "https://example.com", "title": "Example"}]},
        "images": [{"id": "img-out", "url": "https://example.com/out.png"}],
        "followups": ["What next?"],
        "forked_from_run_id": "run-a1-1",
        "forked_from_message_index": 2,
        "forked_from_session_id": "agent-sess-1",
        "regenerated_from": "run-a1-2",
        "last_checkpoint_at_message_index": 1,
        "metadata": {"run_meta": True},
        "session_state": {"at_run": 1},
        "metrics": {"input_tokens": 3, "output_tokens": 0, "total_tokens": 3, "duration": 0.0},
        "created_at": BASE_EPOCH,
        "messages": [
            {"id": "rm1", "role": "system", "content": "be rich", "created_at": BASE_EPOCH},
            {
                "id": "rm2",
                "role": "user",
                "content": "rich question",
                "images": [image],
                "files": [
                    {
                        "id": "f1",
                        "url": "https://example.com/f.pdf",
                        "mime_type": "application/pdf",
                        "filename": "f.pdf",
                    }
                ],
                "created_at": BASE_EPOCH,
            },
            {
                "id": "rm3",
                "role": "assistant",
                "content": "rich answer",
                "reasoning_content": "thinking",
                "name": "bot",
                "tool_calls": [],
                "provider_data": {},
                "temporary": False,
                "metrics": {
                    "input_tokens": 0,
                    "output_tokens": 3,
                    "total_tokens": 3,
                    "cost": 0.0,
                    "duration": 0.5,
                    "provider_metrics": {},
                    "not_a_metric": 9,
                },
                "created_at": BASE_EPOCH,
            },
            {"id": "rm4", "role": "developer", "content": "developer note", "created_at": BASE_EPOCH},
            {"id": "rm5", "role": "user", "content": "", "from_history": False, "created_at": BASE_EPOCH},
            {
                "id": "rm6",
                "role": "assistant",
                "content": None,
                "redacted_reasoning_content": "redacted",
                "metrics": {"input_tokens": 0, "provider_metrics": {}},
                "created_at": BASE_EPOCH,
            },
            {"id": "rm7", "role": "tool", "content": "tool out", "tool_call_id": "c1", "created_at": BASE_EPOCH},
            {"id": "rm8", "role": "assistant", "content": "old", "from_history": True, "created_at": BASE_EPOCH},
        ],
    }


def _upsert_sessions(dbs: dict[str, Any]) -> None:
    """Sessions written through agno's own db API, as agno's runtime and AgentOS do."""
    from agno.session import AgentSession, TeamSession, WorkflowSession

    main, scratch = dbs["db-main"], dbs["db-scratch"]
    metrics = {"input_tokens": 40, "output_tokens": 12, "total_tokens": 52, "details": {"model": []}}
    main.upsert_session(
        AgentSession(
            session_id="agent-up-1",
            agent_id="basic-agent",
            user_id="user-4",
            session_data={
                "session_name": "Named agent session",
                "session_state": {"zz": None, "b": 2, "a": 1, "long_key_name": [1, 2.5, 1e20, True]},
                "session_metrics": metrics,
            },
            agent_data={"name": "Basic Agent", "agent_id": "basic-agent", "sdk": "agno-python"},
            metadata={"tags": ["a", "b"], "Café": "☕", "nested": {"k": None}},
            summary=_summary("A summary of the agent session", ["weather", "paris"]),
            created_at=BASE_EPOCH,
        )
    )
    main.upsert_session(
        TeamSession(
            session_id="team-up-1",
            team_id="basic-team",
            user_id="user-4",
            session_data={"session_name": "100%_done team", "session_state": {"phase": 2}, "session_metrics": metrics},
            team_data={"name": "Basic Team", "team_id": "basic-team"},
            metadata={"owner": "ops"},
            summary=_summary("Team summary"),
            created_at=BASE_EPOCH,
        )
    )
    main.upsert_session(
        WorkflowSession(
            session_id="wf-up-1",
            workflow_id="basic-workflow",
            user_id="user-4",
            session_data={"session_state": {"wf": True}},
            workflow_data={"name": "Basic Workflow", "workflow_id": "basic-workflow"},
            metadata={"kind": "batch"},
            created_at=BASE_EPOCH,
        )
    )
    main.upsert_session(
        AgentSession(session_id="agent-up-empty", agent_id="basic-agent", user_id="user-5", created_at=BASE_EPOCH)
    )
    main.upsert_session(
        AgentSession(
            session_id="agent-up-framework",
            agent_id="ext-agent",
            user_id="user-5",
            session_data={"session_name": "External framework – Café ☕"},
            agent_data={"name": "External", "framework": "langgraph"},
            created_at=BASE_EPOCH,
        )
    )
    # Runs attached to upserted sessions, to exercise run classification and the sdk label (agno/os/schema.py: _agent_metadata).
    for index, run in enumerate(
        [
            {
                "run_id": "run-fw-1",
                "agent_id": "ext-agent",
                "status": "COMPLETED",
                "metadata": {"k": 1},
                "input": {"input_content": "framework question"},
                "content": "framework answer",
            },
            {
                "run_id": "run-fw-2",
                "agent_id": "another-agent",
                "status": "RUNNING",
                "input": {"input_content": "other agent"},
                "content": "partial",
            },
        ]
    ):
        main.upsert_run(
            {**run, "session_id": "agent-up-framework", "created_at": BASE_EPOCH},
            session_id="agent-up-framework",
            user_id="user-5",
            run_index=index,
        )
    for index, run in enumerate(
        [
            {
                "run_id": "run-tu-1",
                "team_id": "basic-team",
                "status": "COMPLETED",
                "input": {"input_content": "upserted team run"},
                "content": {"structured": True},
                "content_type": "dict",
                "messages": [
                    {"id": "tu-m1", "role": "system", "content": "sys", "created_at": BASE_EPOCH},
                    {"id": "tu-m2", "role": "user", "content": "upserted team run", "created_at": BASE_EPOCH},
                    {
                        "id": "tu-m3",
                        "role": "assistant",
                        "content": "ok",
                        "created_at": BASE_EPOCH,
                        "from_history": True,
                    },
                ],
            },
            {
                "run_id": "run-tu-2",
                "status": "COMPLETED",
                "input": {"input_content": "no component ids"},
                "content": "x",
            },
        ]
    ):
        main.upsert_run(
            {**run, "session_id": "team-up-1", "created_at": BASE_EPOCH},
            session_id="team-up-1",
            user_id="user-4",
            run_index=index,
        )
    for index, run in enumerate(
        [
            {
                "run_id": "run-wu-1",
                "agent_id": "wf-agent",
                "status": "COMPLETED",
                "input": {"input_content": "step agent run"},
                "content": "step",
            },
            {
                "run_id": "run-wu-2",
                "team_id": "basic-team",
                "status": "COMPLETED",
                "input": {"input_content": "step team run"},
                "content": "team step",
            },
            {
                "run_id": "run-wu-3",
                "workflow_id": "basic-workflow",
                "status": "COMPLETED",
                "input": {"topic": "upserted workflow"},
                "content": "done",
                "content_type": "str",
            },
        ]
    ):
        main.upsert_run(
            {**run, "session_id": "wf-up-1", "created_at": BASE_EPOCH},
            session_id="wf-up-1",
            user_id="user-4",
            run_index=index,
        )
    # One run holding every field the run and message renderers know, as agno's to_dict stores them.
    main.upsert_run(_rich_run("run-rich-1", "agent-up-1"), session_id="agent-up-1", user_id="user-4", run_index=0)
    # A run stored without messages: AgentOS derives the name from the stored input wrapper.
    main.upsert_session(
        AgentSession(session_id="agent-up-nomsg", agent_id="basic-agent", user_id="user-5", created_at=BASE_EPOCH)
    )
    main.upsert_run(
        {
            "run_id": "run-nomsg-1",
            "agent_id": "basic-agent",
            "session_id": "agent-up-nomsg",
            "user_id": "user-5",
            "status": "COMPLETED",
            "input": {"input_content": "Hi there"},
            "content": {"answer": 42, "items": [1, 2]},
            "content_type": "dict",
            "created_at": BASE_EPOCH,
        },
        session_id="agent-up-nomsg",
        user_id="user-5",
        run_index=0,
    )
    main.upsert_run(
        {
            "run_id": "run-nomsg-2",
            "agent_id": "basic-agent",
            "session_id": "agent-up-nomsg",
            "user_id": "user-5",
            "status": "ERROR",
            "input": {"input_content": "Failing input"},
            "content": "x" * 600,
            "created_at": BASE_EPOCH,
        },
        session_id="agent-up-nomsg",
        user_id="user-5",
        run_index=1,
    )

    # db-scratch: sessions AgentOS cannot render (declared differences) and tied timestamps
    scratch.upsert_session(
        AgentSession(session_id="tpl-nulldata", agent_id="scratch-agent", user_id="user-s", created_at=BASE_EPOCH)
    )
    scratch.upsert_session(
        TeamSession(session_id="tpl-team-nulldata", team_id="scratch-team", user_id="user-s", created_at=BASE_EPOCH)
    )
    scratch.upsert_session(
        WorkflowSession(
            session_id="tpl-wf-summary",
            workflow_id="scratch-workflow",
            user_id="user-s",
            session_data={"session_name": "Workflow with summary"},
            created_at=BASE_EPOCH,
        )
    )
    for name in ("tie-b", "tie-a", "tie-c"):
        scratch.upsert_session(
            AgentSession(
                session_id=name,
                agent_id="scratch-agent",
                user_id="user-tie",
                session_data={"session_name": f"Tie {name}"},
                created_at=BASE_EPOCH,
            )
        )
    scratch.upsert_session(
        AgentSession(session_id="odd-multimodal", agent_id="scratch-agent", user_id="user-odd", created_at=BASE_EPOCH)
    )
    scratch.upsert_run(
        {
            "run_id": "run-odd-mm-1",
            "agent_id": "scratch-agent",
            "session_id": "odd-multimodal",
            "status": "COMPLETED",
            "input": {"input_content": [{"role": "user", "content": "list input"}]},
            "messages": [
                {
                    "id": "m-odd-1",
                    "role": "user",
                    "content": [{"type": "text", "text": "multimodal question"}],
                    "created_at": BASE_EPOCH,
                },
                {"id": "m-odd-2", "role": "assistant", "content": "plain answer", "created_at": BASE_EPOCH},
            ],
            "content": ["list", "content"],
            "created_at": BASE_EPOCH,
        },
        session_id="odd-multimodal",
        user_id="user-odd",
        run_index=0,
    )
    scratch.upsert_session(
        AgentSession(
            session_id="odd-noid",
            agent_id="scratch-agent",
            user_id="user-odd",
            session_data={"session_name": "Messages without ids"},
            created_at=BASE_EPOCH,
        )
    )
    scratch.upsert_run(
        {
            "run_id": "run-odd-noid-1",
            "agent_id": "scratch-agent",
            "session_id": "odd-noid",
            "status": "COMPLETED",
            "input": {"input_content": "no ids"},
            "messages": [
                {"role": "user", "content": "no ids", "created_at": BASE_EPOCH},
                {"role": "assistant", "content": "answer without id", "created_at": BASE_EPOCH},
            ],
            "content": "answer without id",
            "created_at": BASE_EPOCH,
        },
        session_id="odd-noid",
        user_id="user-odd",
        run_index=0,
    )


def _write_foreign_rows(seeded: Seeded) -> None:
    """Rows agno reads but did not write this way: SQL NULLs (other writers) and a created_at of 0."""
    with seeded.connect("db-main") as conn:
        conn.execute(
            "INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, user_id, created_at, updated_at)"
            " VALUES ('agent-sqlnull', 'agent', 'basic-agent', 'user-5', %s, NULL)",
            (BASE_EPOCH,),
        )
        conn.execute(
            "INSERT INTO ai.agno_sessions (session_id, session_type, team_id, user_id, session_data, created_at, updated_at)"
            " VALUES ('epoch0-team', 'team', 'basic-team', 'user-5', '{\"session_name\": \"Epoch zero\"}', 0, 0)"
        )
        # runs without run_index (written before agno backfilled it): ordered after indexed runs, by
        # created_at, then run_id (single session) — copies of agent-sess-1's runs under new ids
        conn.execute(
            "INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, user_id, session_data, agent_data,"
            " created_at, updated_at) SELECT 'agent-noindex', session_type, agent_id, 'user-5', session_data,"
            " agent_data, created_at, updated_at FROM ai.agno_sessions WHERE session_id = 'agent-sess-1'"
        )
        for run_id, run_index, created in [
            ("run-ni-c", None, 30),
            ("run-ni-a", None, 20),
            ("run-ni-b", None, 20),
            ("run-ni-0", 0, 90),
        ]:
            conn.execute(
                "INSERT INTO ai.agno_runs (run_id, session_id, run_type, agent_id, user_id, status, run_index, run_data,"
                " created_at, updated_at) SELECT %(new)s::varchar, 'agent-noindex', run_type, agent_id, 'user-5', status, %(idx)s::bigint,"
                " jsonb_set(jsonb_set(run_data, '{run_id}', to_jsonb(%(new)s::varchar)), '{created_at}', to_jsonb(%(ts)s::bigint)),"
                " %(ts)s, %(ts)s FROM ai.agno_runs WHERE run_id = %(src)s",
                {
                    "new": run_id,
                    "idx": run_index,
                    "ts": BASE_EPOCH + created,
                    "src": "run-a1-1" if run_id.endswith("a") else "run-a1-2",
                },
            )
    scratch = seeded.dbs["db-scratch"]
    from agno.session import AgentSession, WorkflowSession

    # the agent-up-1 shape (summary, sdk label, metrics) as a write template
    scratch.upsert_session(
        AgentSession(
            session_id="tpl-agent-rich",
            agent_id="scratch-agent",
            user_id="user-s",
            session_data={"session_name": "Rich", "session_state": {"a": 1}, "session_metrics": {"total_tokens": 9}},
            agent_data={"name": "Scratch Agent", "agent_id": "scratch-agent", "sdk": "agno-python"},
            metadata={"tags": ["x"]},
            summary=_summary("Rich summary", ["r"]),
            created_at=BASE_EPOCH,
        )
    )
    # a workflow with SQL-NULL workflow_data whose first run input is a list: AgentOS cannot name it
    scratch.upsert_session(
        WorkflowSession(
            session_id="odd-wf-list-input", workflow_id="scratch-workflow", user_id="user-odd", created_at=BASE_EPOCH
        )
    )
    scratch.upsert_run(
        {
            "run_id": "run-odd-wf-1",
            "workflow_id": "scratch-workflow",
            "session_id": "odd-wf-list-input",
            "status": "COMPLETED",
            "input": ["a", "list"],
            "content": "ok",
            "created_at": BASE_EPOCH,
        },
        session_id="odd-wf-list-input",
        user_id="user-odd",
        run_index=0,
    )
    with seeded.connect("db-scratch") as conn:
        conn.execute("UPDATE ai.agno_sessions SET workflow_data=NULL WHERE session_id='odd-wf-list-input'")


def _rows(conn: psycopg.Connection, sql: str, params: Any = None) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def _write_legacy_runs(seeded: Seeded) -> None:
    """Runs in the 2.x ``runs`` column, as agno 2.x wrote them (a JSON array of RunOutput dicts)."""
    from agno.session import AgentSession, WorkflowSession

    other = seeded.dbs["db-other"]
    with seeded.connect("db-other") as conn:
        (run1,), (run2,) = _rows(
            conn, "SELECT run_data FROM ai.agno_runs WHERE session_id='other-sess-1' ORDER BY run_index"
        )
    stale_copy = copy.deepcopy(run1)
    stale_copy["content"] = "STALE legacy copy: agno_runs wins"
    legacy_only = _renamed_run(run2, "run-o1-legacy", "Legacy only question")
    # other-sess-1: [in both (table wins), legacy only, not a dict, no run_id]; run-o1-2 is table only
    legacy_1 = [stale_copy, legacy_only, 42, {"content": "no run id"}]

    other.upsert_session(
        AgentSession(
            session_id="other-legacy",
            agent_id="other-agent",
            user_id="user-5",
            session_data={"session_state": {"migrated": False}},
            agent_data={"name": "Other Agent", "agent_id": "other-agent"},
            created_at=BASE_EPOCH,
        )
    )
    legacy_2 = [
        _renamed_run(run1, "run-ol-1", "Legacy first question", session_id="other-legacy"),
        _renamed_run(run2, "run-ol-2", "Legacy second question", session_id="other-legacy"),
    ]
    other.upsert_session(
        AgentSession(
            session_id="other-legacy-text",
            agent_id="other-agent",
            user_id="user-5",
            session_data={"session_name": "Legacy runs stored as a JSON string"},
            created_at=BASE_EPOCH,
        )
    )
    legacy_3 = [_renamed_run(run1, "run-olt-1", "Legacy text question", session_id="other-legacy-text")]

    with seeded.connect("db-main") as conn:
        (wf_run,) = _rows(conn, "SELECT run_data FROM ai.agno_runs WHERE run_id='run-w1-1'")[0]
    other.upsert_session(
        WorkflowSession(
            session_id="other-legacy-wf",
            workflow_id="basic-workflow",
            user_id="user-2",
            workflow_data={"name": "Basic Workflow", "workflow_id": "basic-workflow"},
            created_at=BASE_EPOCH,
        )
    )
    wf_legacy = copy.deepcopy(wf_run)
    wf_legacy["run_id"] = "run-olw-1"
    wf_legacy["session_id"] = "other-legacy-wf"
    wf_legacy["input"] = "Legacy workflow input"

    with seeded.connect("db-other") as conn:
        conn.execute(
            "UPDATE ai.agno_sessions SET runs=%s::jsonb WHERE session_id='other-sess-1'", (json.dumps(legacy_1),)
        )
        conn.execute(
            "UPDATE ai.agno_sessions SET runs=%s::jsonb WHERE session_id='other-legacy'", (json.dumps(legacy_2),)
        )
        # a 2.x row that was never touched again: updated_at NULL
        conn.execute("UPDATE ai.agno_sessions SET updated_at=NULL WHERE session_id='other-legacy'")
        conn.execute(
            "UPDATE ai.agno_sessions SET runs=to_jsonb(%s::text) WHERE session_id='other-legacy-text'",
            (json.dumps(legacy_3),),
        )
        conn.execute(
            "UPDATE ai.agno_sessions SET runs=%s::jsonb WHERE session_id='other-legacy-wf'", (json.dumps([wf_legacy]),)
        )


def _renamed_run(run: dict, run_id: str, question: str, session_id: str | None = None) -> dict:
    """A copy of an agno-written run under a new id and question (ids and text only, shape untouched)."""
    run = copy.deepcopy(run)
    run["run_id"] = run_id
    if session_id:
        run["session_id"] = session_id
    run["input"] = {"input_content": question}
    run["content"] = f"Echo: {question}"
    run["created_at"] = BASE_EPOCH + 5  # legacy copies keep a fixed stamp (seed._fix_timestamps only sees agno_runs)
    for i, message in enumerate(run.get("messages") or []):
        message["id"] = f"{run_id}-m{i}"
        if message.get("role") == "user":
            message["content"] = question
        elif message.get("role") == "assistant" and message.get("content"):
            message["content"] = f"Echo: {question}"
    return run


def _make_scratch_templates(seeded: Seeded) -> None:
    """Give templates a summary/metadata through agno's API and prepare SQL-only edge rows."""
    scratch = seeded.dbs["db-scratch"]
    session = scratch.get_session(session_id="tpl-agent", session_type=_session_type("agent"))
    session.summary = _summary("Template summary", ["t"])
    session.metadata = {"env": "test"}
    scratch.upsert_session(session)
    with seeded.connect("db-scratch") as conn:
        # AgentOS's own POST /sessions stores JSON null; SQL NULL is what other writers leave behind.
        conn.execute(
            "INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, user_id, session_data, created_at, updated_at)"
            " VALUES ('tpl-sqlnull', 'agent', 'scratch-agent', 'user-s', NULL, %s, %s)",
            (BASE_EPOCH, BASE_EPOCH),
        )
        # A workflow session holding a summary (agno's WorkflowSession has no field for it).
        conn.execute(
            "UPDATE ai.agno_sessions SET summary=%s::jsonb WHERE session_id='tpl-wf-summary'",
            (json.dumps({"summary": "kept", "updated_at": "2025-10-21T14:30:00+00:00"}),),
        )
        # A stored summary with a key SessionSummary does not know.
        conn.execute(
            "INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, user_id, session_data, summary, created_at, updated_at)"
            " VALUES ('odd-summary', 'agent', 'scratch-agent', 'user-odd', '{\"session_name\":\"Odd summary\"}', %s::jsonb, %s, %s)",
            (json.dumps({"summary": "s", "extra": 1}), BASE_EPOCH, BASE_EPOCH),
        )


def _make_legacy_templates(seeded: Seeded) -> None:
    """db-legacy templates: runs in both places (one stale legacy copy), and runs only in the column."""
    from agno.session import AgentSession

    legacy = seeded.dbs["db-legacy"]
    with seeded.connect("db-legacy") as conn:
        (run1,), (run2,) = _rows(
            conn, "SELECT run_data FROM ai.agno_runs WHERE session_id='ltpl-both' ORDER BY run_index"
        )
    stale = copy.deepcopy(run1)
    stale["content"] = "STALE legacy copy"
    only_legacy = _renamed_run(run2, "run-ltpl-legacy", "Legacy-only template question")
    legacy.upsert_session(
        AgentSession(
            session_id="ltpl-only",
            agent_id="legacy-agent",
            user_id="user-l",
            session_data={"session_state": {"old": True}},
            agent_data={"name": "Legacy Agent", "agent_id": "legacy-agent"},
            created_at=BASE_EPOCH,
        )
    )
    only = [
        _renamed_run(run1, "run-lo-1", "Only-legacy first", session_id="ltpl-only"),
        _renamed_run(run2, "run-lo-2", "Only-legacy second", session_id="ltpl-only"),
    ]
    legacy.upsert_session(
        AgentSession(session_id="ltpl-nulldata", agent_id="legacy-agent", user_id="user-l", created_at=BASE_EPOCH)
    )
    with seeded.connect("db-legacy") as conn:
        conn.execute(
            "UPDATE ai.agno_sessions SET runs=%s::jsonb WHERE session_id='ltpl-both'",
            (json.dumps([stale, only_legacy]),),
        )
        conn.execute("UPDATE ai.agno_sessions SET runs=%s::jsonb WHERE session_id='ltpl-only'", (json.dumps(only),))


def _session_type(name: str):
    from agno.db.base import SessionType

    return SessionType(name)


def _fix_timestamps(seeded: Seeded, db_id: str) -> None:
    """Distinct, known epochs: session i (by session_id) at BASE+1000*i, its runs 10 s apart."""
    offset = 100_000 * DB_IDS.index(db_id)
    with seeded.connect(db_id) as conn:
        sessions = [r[0] for r in _rows(conn, "SELECT session_id FROM ai.agno_sessions ORDER BY session_id")]
        for i, session_id in enumerate(sessions):
            created = BASE_EPOCH + offset + 1000 * (i + 1)
            if session_id.startswith("epoch0-"):
                continue  # keeps created_at = 0 on purpose
            tied = session_id.startswith("tie-")
            if tied:
                created = BASE_EPOCH + offset
            conn.execute(
                "UPDATE ai.agno_sessions SET created_at=%s,"
                " updated_at=CASE WHEN updated_at IS NULL THEN NULL ELSE %s END WHERE session_id=%s",
                (created, created if tied else created + 500 - 7 * i, session_id),
            )
            if session_id == "agent-noindex":
                continue  # its run stamps are part of what it tests
            runs = _rows(
                conn,
                "SELECT run_id FROM ai.agno_runs WHERE session_id=%s ORDER BY run_index, created_at, run_id",
                (session_id,),
            )
            for j, (run_id,) in enumerate(runs):
                run_created = created + 10 * (j + 1)
                conn.execute(
                    "UPDATE ai.agno_runs SET created_at=%s, updated_at=%s,"
                    " run_data=jsonb_set(run_data, '{created_at}', to_jsonb(%s::bigint)) WHERE run_id=%s",
                    (run_created, run_created, run_created, run_id),
                )


def _collect_run_ids(seeded: Seeded) -> None:
    for db_id in DB_IDS:
        with seeded.connect(db_id) as conn:
            for session_id, run_id in _rows(
                conn, "SELECT session_id, run_id FROM ai.agno_runs ORDER BY session_id, run_index, created_at, run_id"
            ):
                seeded.run_ids.setdefault(f"{db_id}/{session_id}", []).append(run_id)
