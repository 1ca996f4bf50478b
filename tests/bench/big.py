"""Big sessions for the benchmark, written through agno 3.1.10's storage API like seed.py's.

* `big-unnamed-NN` / `big-named-NN`: 40 + 40 agent sessions of 200 runs each (~5 KB per run), the
  same conversations in both sets; only the named set stores a `session_name` (agno leaves it unset
  unless a session is renamed, so the list derives it from the runs). Agent ids `big-unnamed` and
  `big-named`, so `GET /sessions?type=agent&component_id=big-unnamed&limit=20` is a page of 20
  unnamed 200-run sessions.
* `big-1000`: one agent session of 1,000 runs (~5 MB of run_data).
* `big-20`: one agent session of 20 runs, the size of a `/runs?limit=20` page.

Their ids do not start with `bench-`, so seed.load_seeded never hands them to other workloads, and
they are older than every seeded session, so they are never on the other list workloads' first page.
"""

from __future__ import annotations

import random
from typing import Any

from .seed import AGENTS, USERS, _Builder, _session_metrics, _text

BIG_EPOCH = 1_700_000_000  # before seed.BASE_EPOCH
LIST_SESSIONS = 40  # per set; a list page shows 20 of them
LIST_RUNS = 200
HUGE_RUNS = 1000
SMALL_RUNS = 20
UNNAMED_AGENT, NAMED_AGENT = "big-unnamed", "big-named"
HUGE_SESSION, SMALL_SESSION = "big-1000", "big-20"


def _conversation_runs(b: _Builder, session_id: str, agent_id: str, user_id: str, t0: int, count: int) -> list[Any]:
    """`count` agent runs of one conversation: each run carries the last exchanges as history,
    as agno stores runs with add_history_to_context (so a run is ~5 KB of run_data)."""
    from agno.run.agent import RunInput, RunOutput
    from agno.run.base import RunStatus

    rng = b.rng
    runs: list[Any] = []
    history: list[Any] = []
    for j in range(count):
        run_id = f"{session_id}-r{j:04d}"
        t = t0 + 60 * j
        question = _text(rng, 6, 30)
        messages, tools, answer, ti, to = b.conversation(
            run_id, t, question, history[-4:], with_tool=rng.random() < 0.6
        )
        run = RunOutput(
            run_id=run_id, agent_id=agent_id, agent_name="Big Agent", session_id=session_id, user_id=user_id,
            input=RunInput(input_content=question), content=answer, model="gpt-4o", model_provider="OpenAI",
            messages=messages, metrics=b.run_metrics(ti, to), tools=tools or None,
            status=RunStatus.completed if rng.random() < 0.93 else RunStatus.error, created_at=t,
        )  # fmt: skip
        runs.append(run)
        history.extend(m for m in messages if m.role in ("user", "assistant") and m.content and not m.from_history)
    return runs


def _session(session_id: str, agent_id: str, user_id: str, t0: int, runs: list[Any], name: str | None) -> Any:
    from agno.session import AgentSession

    tokens = [(r.metrics.input_tokens, r.metrics.output_tokens) for r in runs]
    session_data: dict[str, Any] = {"session_state": {"step": len(runs)}, "session_metrics": _session_metrics(tokens)}
    if name is not None:
        session_data = {"session_name": name, **session_data}
    return AgentSession(
        session_id=session_id, agent_id=agent_id, user_id=user_id, session_data=session_data,
        agent_data={"name": "Big Agent", "agent_id": agent_id, "model": {"id": "gpt-4o", "name": "OpenAIChat", "provider": "OpenAI"}},
        metadata={"channel": "web"}, created_at=t0, updated_at=t0 + 60 * len(runs),
    )  # fmt: skip


def plan() -> list[tuple[str, str, int, bool]]:
    """(session_id, agent_id, runs, named) of every big session."""
    out = []
    for i in range(LIST_SESSIONS):
        out.append((f"big-unnamed-{i:02d}", UNNAMED_AGENT, LIST_RUNS, False))
        out.append((f"big-named-{i:02d}", NAMED_AGENT, LIST_RUNS, True))
    out.append((HUGE_SESSION, AGENTS[0][0], HUGE_RUNS, False))
    out.append((SMALL_SESSION, AGENTS[0][0], SMALL_RUNS, False))
    return out


def seed_big(db: Any, seed: int = 11) -> int:
    """Write every big session through agno's PostgresDb `db`; returns the run rows written."""
    from agno.db.base import SessionType

    written = 0
    for index, (session_id, agent_id, count, named) in enumerate(plan()):
        # The named and unnamed set hold the same conversations: the same generator per pair.
        pair = index // 2 if index < 2 * LIST_SESSIONS else 1000 + index
        b = _Builder(random.Random(seed * 100_003 + pair))
        user_id = b.rng.choice(USERS)
        t0 = BIG_EPOCH + 100_000 * index
        runs = _conversation_runs(b, session_id, agent_id, user_id, t0, count)
        name = f"Big session {pair:02d}" if named else None
        db.upsert_sessions([_session(session_id, agent_id, user_id, t0, runs, name)], preserve_updated_at=True)
        for run_index, run in enumerate(runs):
            db.upsert_run(run, session_id=session_id, user_id=user_id, run_index=run_index)
        written += len(runs)
    assert db.get_session(HUGE_SESSION, SessionType.AGENT) is not None
    return written
