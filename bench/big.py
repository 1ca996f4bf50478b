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


SEED_MARKER = "big-sessions-1"


def ensure_seeded_big(dsn: str) -> None:
    """Seed the big sessions once per database (marked in public.bench_seed, as run.py does)."""
    import time

    import psycopg
    from agno.db.postgres import PostgresDb
    from contract.dsn import sqlalchemy_url

    with psycopg.connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM public.bench_seed WHERE marker = %s", (SEED_MARKER,)).fetchone():
            print("reusing the seeded big sessions", flush=True)
            return
    started = time.monotonic()
    print("seeding big sessions through agno's PostgresDb ...", flush=True)
    db = PostgresDb(id="bench-db", db_url=sqlalchemy_url(dsn), db_schema="ai")
    runs = seed_big(db)
    db.db_engine.dispose()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ai.agno_runs")
        conn.execute("INSERT INTO public.bench_seed (marker) VALUES (%s)", (SEED_MARKER,))
        size = conn.execute(
            "SELECT sum(length(run_data::text)) FROM ai.agno_runs WHERE session_id = %s", (HUGE_SESSION,)
        ).fetchone()[0]
    print(
        f"seeded {runs} big runs in {time.monotonic() - started:.0f} s; {HUGE_SESSION}: {size / 1e6:.1f} MB of run_data",
        flush=True,
    )


def workloads() -> dict[str, dict[str, Any]]:
    """The big-session workloads, in run.py's spec shape (`ours_only`: AgentOS has no such route)."""
    from . import wrk

    def get(*paths: str) -> Any:
        return lambda tag: wrk.cycle_script("GET", list(paths))

    huge = f"/sessions/{HUGE_SESSION}"
    return {
        "big_list_unnamed": {"script": get(f"/sessions?type=agent&component_id={UNNAMED_AGENT}&limit=20")},
        "big_list_named": {"script": get(f"/sessions?type=agent&component_id={NAMED_AGENT}&limit=20")},
        "big_detail_1000": {"script": get(f"{huge}?type=agent"), "connections": 4},
        "big_runs_1000": {"script": get(f"{huge}/runs?type=agent"), "connections": 4},
        "big_previews_1000": {"script": get(f"{huge}/run-previews?type=agent"), "connections": 4},
        "big_run_of_1000": {"script": get(f"{huge}/runs/{HUGE_SESSION}-r0500?type=agent"), "connections": 4},
        "big_runs_1000_page20": {
            "script": get(f"{huge}/runs?type=agent&limit=20"),
            "connections": 4,
            "ours_only": True,
        },
        "big_runs_20": {"script": get(f"/sessions/{SMALL_SESSION}/runs?type=agent"), "connections": 4},
    }


def table(agg: dict[tuple[str, str], dict[str, Any]]) -> str:
    """The big-session workloads: req/s against AgentOS, latencies, and each server's peak RSS."""
    from .report import AGENTOS, OURS, OURS_UVICORN, fmt, ratio

    labels = {
        "big_list_unnamed": "list page, 20 unnamed sessions × 200 runs, 16 conn.",
        "big_list_named": "list page, the same 20 sessions named, 16 conn.",
        "big_detail_1000": "detail of the 1,000-run session, 4 conn.",
        "big_runs_1000": "`/runs` of the 1,000-run session, 4 conn.",
        "big_previews_1000": "`/run-previews` of the 1,000-run session, 4 conn.",
        "big_run_of_1000": "one run of the 1,000-run session, 4 conn.",
        "big_runs_1000_page20": "`/runs?limit=20` of the 1,000-run session, 4 conn.",
        "big_runs_20": "`/runs` of a 20-run session, 4 conn.",
    }
    lines = [
        (
            "| workload | AgentOS req/s | ours req/s | ours / AgentOS | `uvicorn` / AgentOS | AgentOS p50 / p99 ms "
            "| ours p50 / p99 ms | peak RSS MiB: ours largest process (all) / AgentOS | errors ours / AgentOS |"
        ),
        "|---|---:|---:|---:|---:|---|---|---|---|",
    ]
    for workload, label in labels.items():
        o, a, u = agg.get((workload, OURS)), agg.get((workload, AGENTOS)), agg.get((workload, OURS_UVICORN))
        if not o:
            continue
        lines.append(
            f"| {label} | {fmt(a['rps'] if a else None)} | {fmt(o['rps'])} | {fmt(ratio(o['rps'], a['rps'] if a else None), 1, '×')} "
            f"| {fmt(ratio(u['rps'], a['rps']) if u and a else None, 1, '×')} "
            f"| {fmt(a['p50_ms'] if a else None)} / {fmt(a['p99_ms'] if a else None)} | {fmt(o['p50_ms'])} / {fmt(o['p99_ms'])} "
            f"| {fmt(o['rss_mib_max_process'], 0)} ({fmt(o['rss_mib'], 0)}) / {fmt(a['rss_mib_max_process'] if a else None, 0)} "
            f"| {o['errors']} / {a['errors'] if a else '–'} |"
        )
    page, small = agg.get(("big_runs_1000_page20", OURS)), agg.get(("big_runs_20", OURS))
    unnamed, named = agg.get(("big_list_unnamed", OURS)), agg.get(("big_list_named", OURS))
    notes = []
    if page and small:
        notes.append(
            f"`/runs?limit=20` p50 / `/runs` of 20 runs p50: {fmt(ratio(page['p50_ms'], small['p50_ms']), 2, '×')}"
        )
    if unnamed and named:
        notes.append(f"unnamed / named list page p50: {fmt(ratio(unnamed['p50_ms'], named['p50_ms']), 2, '×')}")
    return "\n".join(lines) + ("\n\n" + "; ".join(notes) + "." if notes else "")
