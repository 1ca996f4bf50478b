"""Seed realistic sessions through agno 3.1.10's own storage API (needs the `contract` extra).

Running real agents would take minutes, so the runs are built directly with agno's classes
(RunOutput, TeamRunOutput with member runs, WorkflowRunOutput with step runs, Message with metrics,
ToolExecution, RunMetrics, SessionSummary) and written with `PostgresDb.upsert_sessions` and
`PostgresDb.upsert_run`, exactly as agno's runtime writes them. Every id, text and timestamp comes
from a seeded `random.Random`, so two seeds of the same size hold the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

BASE_EPOCH = 1_780_000_000
SEED_VERSION = "bench-seed-2"  # bump when the shape of the seeded data changes
USERS = [f"user-{i:03d}" for i in range(60)]
AGENTS = [
    ("bench-agent-0", "Travel Agent"),
    ("bench-agent-1", "Support Agent"),
    ("bench-agent-2", "Research Agent"),
    ("bench-agent-3", "Coder"),
]
TEAMS = [("bench-team-0", "Research Team"), ("bench-team-1", "Ops Team")]
MEMBERS = [("bench-member-0", "Researcher"), ("bench-member-1", "Writer")]
WORKFLOWS = [
    ("bench-workflow-0", "Report Workflow"),
    ("bench-workflow-1", "Triage Workflow"),
]
WRITE_TARGETS = 64  # agent sessions that PATCH and rename cycle over (never read by other workloads)

WORDS = [
    "weather",
    "flight",
    "hotel",
    "booking",
    "refund",
    "invoice",
    "deploy",
    "database",
    "index",
    "latency",
    "cache",
    "python",
    "agent",
    "summary",
    "report",
    "customer",
    "order",
    "shipping",
    "paris",
    "berlin",
    "tokyo",
    "budget",
    "schedule",
    "meeting",
    "review",
    "plan",
    "error",
    "retry",
    "timeout",
    "memory",
    "vector",
    "search",
    "embedding",
    "ticket",
    "priority",
    "escalation",
    "contract",
]
SYSTEM_PROMPT = (
    "You are a helpful assistant working for Example Corp. Answer concisely, cite the tools you used, "
    "and never invent facts. When the user asks about travel, use the weather and flight tools. "
    "<instructions>\n- Be polite\n- Use markdown for lists\n- Ask a follow-up question when unsure\n</instructions>"
)


def _text(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


@dataclass
class Seeded:
    """What the workloads need, read back from the database (so a reused database works too)."""

    agent_sessions: list[str] = field(default_factory=list)
    team_sessions: list[str] = field(default_factory=list)
    workflow_sessions: list[str] = field(default_factory=list)
    write_targets: list[str] = field(default_factory=list)
    runs: dict[str, list[str]] = field(default_factory=dict)  # session_id -> top-level run ids
    owners: dict[str, tuple[str, str]] = field(default_factory=dict)  # session_id -> (user_id, component_id)
    session_rows: int = 0
    run_rows: int = 0


def load_seeded(conn: Any, schema: str = "ai") -> Seeded:
    """The seeded ids as stored (`conn` is a psycopg connection)."""
    out = Seeded()
    rows = conn.execute(
        f"SELECT session_id, session_type, user_id, coalesce(agent_id, team_id, workflow_id) FROM {schema}.agno_sessions "
        "WHERE session_id LIKE 'bench-%%' AND session_id NOT LIKE 'bench-new-%%' ORDER BY session_id"
    ).fetchall()
    for session_id, kind, user_id, component_id in rows:
        target = out.write_targets if session_id.startswith("bench-write-") else getattr(out, f"{kind}_sessions")
        target.append(session_id)
        out.owners[session_id] = (user_id, component_id)
    for session_id, run_id in conn.execute(
        f"SELECT session_id, run_id FROM {schema}.agno_runs WHERE parent_run_id IS NULL ORDER BY session_id, run_index"
    ):
        out.runs.setdefault(session_id, []).append(run_id)
    out.session_rows = conn.execute(f"SELECT count(*) FROM {schema}.agno_sessions").fetchone()[0]
    out.run_rows = conn.execute(f"SELECT count(*) FROM {schema}.agno_runs").fetchone()[0]
    return out


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        from agno.metrics import (
            MessageMetrics,
            ModelMetrics,
            RunMetrics,
            ToolCallMetrics,
        )
        from agno.models.message import Message
        from agno.models.response import ToolExecution

        self.rng = rng
        self.Message, self.MessageMetrics, self.ModelMetrics = (
            Message,
            MessageMetrics,
            ModelMetrics,
        )
        self.RunMetrics, self.ToolExecution, self.ToolCallMetrics = (
            RunMetrics,
            ToolExecution,
            ToolCallMetrics,
        )

    def message_metrics(self, i: int, o: int) -> Any:
        d = round(self.rng.uniform(0.3, 4.0), 6)
        return self.MessageMetrics(
            input_tokens=i,
            output_tokens=o,
            total_tokens=i + o,
            duration=d,
            time_to_first_token=round(d / 3, 6),
        )

    def run_metrics(self, i: int, o: int) -> Any:
        d = round(self.rng.uniform(0.5, 9.0), 6)
        model = self.ModelMetrics(
            id="gpt-4o",
            provider="OpenAI Chat",
            input_tokens=i,
            output_tokens=o,
            total_tokens=i + o,
        )
        return self.RunMetrics(
            input_tokens=i,
            output_tokens=o,
            total_tokens=i + o,
            duration=d,
            time_to_first_token=round(d / 4, 6),
            details={"model": [model]},
        )

    def conversation(
        self, run_id: str, t: int, question: str, history: list[Any], with_tool: bool
    ) -> tuple[list[Any], list[Any], str, int, int]:
        """Messages of one agent run (system, history, user, tool round, answer), tools, content, tokens."""
        M, rng = self.Message, self.rng
        answer = _text(rng, 40, 140)
        messages = [M(id=f"{run_id}-sys", role="system", content=SYSTEM_PROMPT, created_at=t)]
        for old in history:
            messages.append(
                M(
                    id=old.id,
                    role=old.role,
                    content=old.content,
                    created_at=old.created_at,
                    from_history=True,
                )
            )
        messages.append(M(id=f"{run_id}-u", role="user", content=question, created_at=t))
        tools: list[Any] = []
        tokens_in, tokens_out = rng.randint(300, 1800), rng.randint(40, 400)
        if with_tool:
            call_id = f"call_{run_id[-12:]}"
            city = rng.choice(["Paris", "Berlin", "Tokyo", "Lisbon"])
            args = {"city": city, "days": rng.randint(1, 7)}
            result = f'{{"city": "{city}", "forecast": "{_text(rng, 8, 20)}", "temperature_c": {rng.randint(-5, 35)}}}'
            messages.append(
                M(
                    id=f"{run_id}-a0",
                    role="assistant",
                    created_at=t + 1,
                    tool_calls=[
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {
                                "name": "get_weather",
                                "arguments": f'{{"city": "{city}", "days": {args["days"]}}}',
                            },
                        }
                    ],
                    metrics=self.message_metrics(tokens_in // 2, 18),
                    provider_data={"id": f"chatcmpl-{run_id[-10:]}a"},
                )
            )
            messages.append(
                M(
                    id=f"{run_id}-t0",
                    role="tool",
                    content=result,
                    created_at=t + 2,
                    tool_call_id=call_id,
                    tool_name="get_weather",
                    tool_args=args,
                    tool_call_error=False,
                )
            )
            tools.append(
                self.ToolExecution(
                    tool_call_id=call_id,
                    tool_name="get_weather",
                    tool_args=args,
                    result=result,
                    tool_call_error=False,
                    created_at=t + 2,
                    metrics=self.ToolCallMetrics(duration=round(rng.uniform(0.01, 0.5), 6)),
                )
            )
        messages.append(
            M(
                id=f"{run_id}-a",
                role="assistant",
                content=answer,
                created_at=t + 3,
                metrics=self.message_metrics(tokens_in, tokens_out),
                provider_data={"id": f"chatcmpl-{run_id[-10:]}"},
            )
        )
        return messages, tools, answer, tokens_in, tokens_out


def _summary(rng: random.Random) -> Any:
    from agno.session.summary import SessionSummary

    return SessionSummary(
        summary=_text(rng, 25, 60),
        topics=rng.sample(WORDS, 3),
        updated_at=datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
    )


def _session_metrics(tokens: list[tuple[int, int]]) -> dict[str, Any]:
    i = sum(t[0] for t in tokens)
    o = sum(t[1] for t in tokens)
    return {
        "input_tokens": i,
        "output_tokens": o,
        "total_tokens": i + o,
        "details": {
            "model": [
                {
                    "id": "gpt-4o",
                    "provider": "OpenAI Chat",
                    "input_tokens": i,
                    "output_tokens": o,
                    "total_tokens": i + o,
                }
            ]
        },
    }


def _state(rng: random.Random, k: int) -> dict[str, Any]:
    return {
        "step": k,
        "cart": [rng.choice(WORDS) for _ in range(rng.randint(0, 4))],
        "prefs": {"lang": rng.choice(["en", "fr", "de"]), "units": "metric"},
    }


def _agent_session(b: _Builder, session_id: str, t0: int, named: bool) -> tuple[Any, list[tuple[Any, int]], str, str]:
    from agno.run.agent import RunInput, RunOutput
    from agno.run.base import RunStatus
    from agno.session import AgentSession

    rng = b.rng
    agent_id, agent_name = rng.choice(AGENTS)
    user_id = rng.choice(USERS)
    runs: list[tuple[Any, int]] = []
    history: list[Any] = []
    tokens = []
    for j in range(rng.randint(2, 5)):
        run_id = f"{session_id}-r{j}"
        t = t0 + 60 * j
        question = _text(rng, 6, 30)
        messages, tools, answer, ti, to = b.conversation(
            run_id, t, question, history[-4:], with_tool=rng.random() < 0.6
        )
        tokens.append((ti, to))
        status = RunStatus.completed if rng.random() < 0.93 else RunStatus.error
        run = RunOutput(
            run_id=run_id, agent_id=agent_id, agent_name=agent_name, session_id=session_id, user_id=user_id,
            input=RunInput(input_content=question), content=answer, model="gpt-4o", model_provider="OpenAI",
            messages=messages, metrics=b.run_metrics(ti, to), tools=tools or None, status=status,
            session_state=_state(rng, j), created_at=t,
        )  # fmt: skip
        runs.append((run, j))
        history.extend(m for m in messages if m.role in ("user", "assistant") and m.content and not m.from_history)
    session = AgentSession(
        session_id=session_id, agent_id=agent_id, user_id=user_id,
        session_data={**({"session_name": f"{_text(rng, 2, 5)[:-1]} #{session_id[-4:]}"} if named else {}), "session_state": _state(rng, len(runs)), "session_metrics": _session_metrics(tokens)},
        agent_data={"name": agent_name, "agent_id": agent_id, "model": {"id": "gpt-4o", "name": "OpenAIChat", "provider": "OpenAI"}},
        metadata={"channel": rng.choice(["web", "slack", "api"]), "tags": rng.sample(WORDS, 2)},
        summary=_summary(rng) if rng.random() < 0.4 else None, created_at=t0, updated_at=t0 + 60 * len(runs) + rng.randint(0, 5000),
    )  # fmt: skip
    return session, runs, user_id, agent_id


def _team_session(b: _Builder, session_id: str, t0: int, named: bool) -> tuple[Any, list[tuple[Any, int]], str, str]:
    from agno.run.agent import RunInput, RunOutput
    from agno.run.base import RunStatus
    from agno.run.team import TeamRunInput, TeamRunOutput
    from agno.session import TeamSession

    rng = b.rng
    team_id, team_name = rng.choice(TEAMS)
    user_id = rng.choice(USERS)
    runs: list[tuple[Any, int]] = []
    tokens = []
    history: list[Any] = []
    for j in range(rng.randint(2, 4)):
        team_run_id = f"{session_id}-r{j}"
        t = t0 + 120 * j
        question = _text(rng, 6, 30)
        member_id, member_name = rng.choice(MEMBERS)
        member_run_id = f"{team_run_id}-m"
        task = _text(rng, 5, 15)
        m_messages, m_tools, m_answer, mi, mo = b.conversation(
            member_run_id, t + 1, task, [], with_tool=rng.random() < 0.5
        )
        member = RunOutput(
            run_id=member_run_id, agent_id=member_id, agent_name=member_name, session_id=session_id, user_id=user_id,
            parent_run_id=team_run_id, input=RunInput(input_content=task), content=m_answer, model="gpt-4o",
            model_provider="OpenAI", messages=m_messages, metrics=b.run_metrics(mi, mo), tools=m_tools or None,
            status=RunStatus.completed, created_at=t + 1,
        )  # fmt: skip
        messages, _, answer, ti, to = b.conversation(team_run_id, t, question, history[-4:], with_tool=False)
        team_run = TeamRunOutput(
            run_id=team_run_id, team_id=team_id, team_name=team_name, session_id=session_id, user_id=user_id,
            input=TeamRunInput(input_content=question), content=answer, model="gpt-4o", model_provider="OpenAI",
            messages=messages, metrics=b.run_metrics(ti + mi, to + mo), member_responses=[member],
            status=RunStatus.completed, session_state=_state(rng, j), created_at=t,
        )  # fmt: skip
        tokens.append((ti + mi, to + mo))
        runs.append((member, 2 * j))  # agno persists the member run, then the team run
        runs.append((team_run, 2 * j + 1))
        history.extend(m for m in messages if m.role in ("user", "assistant") and m.content and not m.from_history)
    session = TeamSession(
        session_id=session_id, team_id=team_id, user_id=user_id,
        session_data={**({"session_name": f"{_text(rng, 2, 5)[:-1]} #{session_id[-4:]}"} if named else {}), "session_state": _state(rng, len(runs)), "session_metrics": _session_metrics(tokens)},
        team_data={"name": team_name, "team_id": team_id, "mode": "coordinate"},
        metadata={"channel": rng.choice(["web", "slack"])},
        summary=_summary(rng) if rng.random() < 0.3 else None, created_at=t0, updated_at=t0 + 120 * len(runs) + rng.randint(0, 5000),
    )  # fmt: skip
    return session, runs, user_id, team_id


def _workflow_session(
    b: _Builder, session_id: str, t0: int, named: bool
) -> tuple[Any, list[tuple[Any, int]], str, str]:
    from agno.run.agent import RunInput, RunOutput
    from agno.run.base import RunStatus
    from agno.run.workflow import WorkflowRunOutput
    from agno.session import WorkflowSession
    from agno.workflow.types import StepMetrics, StepOutput, WorkflowMetrics

    rng = b.rng
    workflow_id, workflow_name = rng.choice(WORKFLOWS)
    user_id = rng.choice(USERS)
    runs: list[tuple[Any, int]] = []
    for j in range(rng.randint(2, 4)):
        wf_run_id = f"{session_id}-r{j}"
        step_run_id = f"{wf_run_id}-s"
        t = t0 + 90 * j
        topic = _text(rng, 4, 12)
        messages, _, answer, ti, to = b.conversation(step_run_id, t, topic, [], with_tool=rng.random() < 0.4)
        step_metrics = b.run_metrics(ti, to)
        step_run = RunOutput(
            run_id=step_run_id, agent_id="bench-step-agent", agent_name="Step Agent", session_id=session_id,
            user_id=user_id, parent_run_id=wf_run_id, workflow_id=workflow_id, input=RunInput(input_content=topic),
            content=answer, model="gpt-4o", model_provider="OpenAI", messages=messages, metrics=step_metrics,
            status=RunStatus.completed, created_at=t,
        )  # fmt: skip
        formatted = f"Formatted: {answer}"
        wf_run = WorkflowRunOutput(
            run_id=wf_run_id, workflow_id=workflow_id, workflow_name=workflow_name, session_id=session_id, user_id=user_id,
            input=topic, content=formatted,
            step_results=[
                StepOutput(step_name="research", step_id=f"{wf_run_id}-st0", step_type="Step", executor_type="agent", executor_name="Step Agent", content=answer, step_run_id=step_run_id, metrics=step_metrics),
                StepOutput(step_name="format", step_id=f"{wf_run_id}-st1", step_type="Step", executor_type="function", executor_name="format_step", content=formatted),
            ],
            step_executor_runs=[step_run],
            metrics=WorkflowMetrics(steps={"research": StepMetrics(step_name="research", executor_type="agent", executor_name="Step Agent", metrics=step_metrics)}, duration=round(rng.uniform(1, 12), 6)),
            status=RunStatus.completed, created_at=t + 1,
        )  # fmt: skip
        runs.append((step_run, 2 * j))
        runs.append((wf_run, 2 * j + 1))
    session = WorkflowSession(
        session_id=session_id, workflow_id=workflow_id, user_id=user_id,
        session_data={**({"session_name": f"{_text(rng, 2, 5)[:-1]} #{session_id[-4:]}"} if named else {}), "session_state": _state(rng, len(runs))},
        workflow_data={"name": workflow_name, "workflow_id": workflow_id, "steps": [{"name": "research", "type": "Step"}, {"name": "format", "type": "Step"}]},
        metadata={"kind": "batch"}, created_at=t0, updated_at=t0 + 90 * len(runs) + rng.randint(0, 5000),
    )  # fmt: skip
    return session, runs, user_id, workflow_id


_BUILDERS = {
    "agent": _agent_session,
    "team": _team_session,
    "workflow": _workflow_session,
}


def plan(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(session_id, type) for `count` sessions: half agent, a quarter team, a quarter workflow."""
    out = []
    for i in range(count):
        kind = "agent" if i % 4 in (0, 2) else ("team" if i % 4 == 1 else "workflow")
        out.append((f"bench-{kind}-{i:06d}", kind))
    return out


def seed(db: Any, count: int, seed: int = 7, batch: int = 200) -> int:
    """Write `count` sessions (plus the PATCH/rename targets) through agno's PostgresDb `db`;
    returns the number of run rows written."""
    rng = random.Random(seed)
    builder = _Builder(rng)
    run_rows = 0
    items = plan(count, seed) + [(f"bench-write-{i:03d}", "write") for i in range(WRITE_TARGETS)]
    pending_sessions: list[Any] = []
    pending_runs: list[tuple[Any, str, str, int]] = []

    def flush() -> None:
        db.upsert_sessions(pending_sessions, preserve_updated_at=True)
        for run, session_id, user_id, index in pending_runs:
            db.upsert_run(run, session_id=session_id, user_id=user_id, run_index=index)
        pending_sessions.clear()
        pending_runs.clear()

    for i, (session_id, kind) in enumerate(items):
        t0 = BASE_EPOCH + 600 * i
        build = _BUILDERS["agent" if kind == "write" else kind]
        session, runs, user_id, _ = build(builder, session_id, t0, named=rng.random() < 0.7)
        pending_sessions.append(session)
        pending_runs.extend((run, session_id, user_id, index) for run, index in runs)
        run_rows += len(runs)
        if len(pending_sessions) >= batch:
            flush()
    if pending_sessions:
        flush()
    return run_rows
