"""Run one case against both servers: clone, request, normalise, compare, read back, compare rows."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from .asgi import InProcessServer
from .case import Case, expand
from .compare import CLONE, CLONE_SUFFIXES, Answer, Context, first_difference, normalise
from .seed import Seeded

SCRATCH = "db-scratch"


class ContractMismatch(AssertionError):
    pass


@dataclass
class Exchange:
    """One request as each server saw it: the answer and the wall-clock window around it."""

    answer: Answer
    url: str
    ctx: Context


@dataclass
class Harness:
    seeded: Seeded
    agentos: InProcessServer
    ours: InProcessServer
    stats: dict[str, int] = field(default_factory=lambda: {"cases": 0, "identical": 0, "declared": 0})

    def servers(self) -> tuple[tuple[str, InProcessServer], ...]:
        return (("agentos", self.agentos), ("ours", self.ours))

    def send(self, server: InProcessServer, side: str, case: Case, since: float | None = None) -> Exchange:
        """`since` widens the wall-clock window back to the case's setup, whose writes are stamped too."""
        suffix = CLONE_SUFFIXES[side] if case.is_write else ""
        url = case.render_url(suffix, self.seeded.run_ids)
        started = time.time() if since is None else since
        response = server.request(case.method, url, **case.request_kwargs(suffix, self.seeded.run_ids))
        return Exchange(Answer.of(response, case.compare_headers), url, Context(suffix, started, time.time()))

    def get(self, server: InProcessServer, url: str) -> Answer:
        return Answer.of(server.request("GET", url))

    def sql(self, db_id: str, query: str, params: Any = None) -> list[tuple]:
        with psycopg.connect(self.seeded.dsns[db_id], autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    # -- the case -----------------------------------------------------------------------------------

    def run(self, case: Case) -> str:
        """Returns "identical" or "declared"; raises ContractMismatch on any undeclared difference."""
        from .declared import DECLARED

        case_started = time.time()
        if case.is_write:
            for side in ("agentos", "ours"):
                for template, new_id in case.clones:
                    clone_session(self, template, expand(new_id, CLONE_SUFFIXES[side], {}))
                self.run_setup(case, side)
        a = self.send(self.agentos, "agentos", case, case_started)
        o = self.send(self.ours, "ours", case, case_started)
        if case.declared:
            DECLARED[case.declared].verify(self, case, a, o)
            return "declared"
        problems = []
        diff = first_difference(normalise(a.answer, case.normalise, a.ctx), normalise(o.answer, case.normalise, o.ctx))
        if diff:
            problems.append(f"{case.method} {o.url}\n  {diff}")
        if case.is_write:
            problems += self.cross_reads(case)
            problems += self.compare_rows(case, a.ctx, o.ctx)
        if problems:
            raise ContractMismatch("\n".join(problems))
        return "identical"

    def run_setup(self, case: Case, side: str) -> None:
        suffix = CLONE_SUFFIXES[side]
        for writer, method, url, body in case.setup:
            server = self.agentos if writer == "agentos" else self.ours
            step = Case(f"{case.id}/setup", method, url, json=body)
            response = server.request(
                method, expand(url, suffix, self.seeded.run_ids), **step.request_kwargs(suffix, self.seeded.run_ids)
            )
            if response.status_code >= 300:
                raise RuntimeError(
                    f"setup {writer} {method} {url} failed: {response.status_code} {response.text[:300]}"
                )

    def cross_reads(self, case: Case) -> list[str]:
        """What each server wrote, both servers must read identically."""
        problems = []
        for side in ("agentos", "ours"):
            for template in case.readbacks:
                url = expand(template, CLONE_SUFFIXES[side], self.seeded.run_ids)
                diff = first_difference(self.get(self.agentos, url), self.get(self.ours, url))
                if diff:
                    problems.append(f"readback of what {side} wrote: GET {url}\n  {diff}")
        return problems

    def compare_rows(self, case: Case, a_ctx: Context, o_ctx: Context) -> list[str]:
        window = Context("", min(a_ctx.started, o_ctx.started), max(a_ctx.finished, o_ctx.finished))
        problems = []
        for template in case.rows:
            stored = {}
            for side in ("agentos", "ours"):
                suffix = CLONE_SUFFIXES[side]
                session_id = expand(template, suffix, {})
                snapshot = stored_rows(self, session_id, window)
                stored[side] = CLONE.apply(snapshot.encode(), Context(suffix, 0, 0)).decode()
            if stored["agentos"] != stored["ours"]:
                problems.append(
                    f"stored rows of {template} differ:\n  AgentOS wrote: {stored['agentos']}\n  ours wrote:    {stored['ours']}"
                )
        return problems


SESSION_SNAPSHOT = """
SELECT session_id, session_type, agent_id, team_id, workflow_id, user_id,
       session_data::text, agent_data::text, team_data::text, workflow_data::text, metadata::text, summary::text,
       created_at, updated_at
  FROM ai.agno_sessions WHERE session_id = %s
"""
RUNS_SNAPSHOT = """
SELECT run_id, run_type, agent_id, team_id, workflow_id, user_id, parent_run_id, status, run_index,
       run_data::text, created_at, updated_at
  FROM ai.agno_runs WHERE session_id = %s ORDER BY run_index, run_id
"""


def split_ref(ref: str) -> tuple[str, str]:
    """ "db-legacy/ltpl-both" -> ("db-legacy", "ltpl-both"); a bare session id lives in db-scratch."""
    db_id, sep, session_id = ref.partition("/")
    return (db_id, session_id) if sep else (SCRATCH, ref)


def has_legacy_runs_column(harness: Harness, db_id: str) -> bool:
    return bool(
        harness.sql(
            db_id,
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_schema = 'ai' AND table_name = 'agno_sessions' AND column_name = 'runs'",
        )
    )


def stored_rows(harness: Harness, ref: str, window: Context) -> str:
    """The stored session row and its runs as text; SQL NULL is None, JSON null is "null"."""

    def epoch(value: Any) -> Any:
        # columns stamped with the server's wall clock at write time
        if isinstance(value, int) and window.started - 1 <= value <= window.finished + 1:
            return "<now>"
        return value

    db_id, session_id = split_ref(ref)
    sessions = harness.sql(db_id, SESSION_SNAPSHOT, (session_id,))
    runs = harness.sql(db_id, RUNS_SNAPSHOT, (session_id,))
    rows = {
        "session": [list(row[:12]) + [epoch(row[12]), epoch(row[13])] for row in sessions],
        "runs": [list(row[:10]) + [epoch(row[10]), epoch(row[11])] for row in runs],
    }
    if has_legacy_runs_column(harness, db_id):
        rows["legacy_runs"] = harness.sql(
            db_id, "SELECT runs::text FROM ai.agno_sessions WHERE session_id = %s", (session_id,)
        )
    return json.dumps(rows, ensure_ascii=False)


def clone_session(harness: Harness, template_ref: str, new_ref: str) -> None:
    """Copy a session and its runs (table and legacy column) under a new id in the same database.

    Run ids become "<run_id>.<new_id>" so that every copy's runs are unique.
    """
    db_id, template = split_ref(template_ref)
    new_db_id, new_id = split_ref(new_ref)
    assert db_id == new_db_id, (template_ref, new_ref)
    legacy = has_legacy_runs_column(harness, db_id)
    with psycopg.connect(harness.seeded.dsns[db_id], autocommit=False) as conn:
        copied = conn.execute(
            "INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, team_id, workflow_id, user_id,"
            " session_data, agent_data, team_data, workflow_data, metadata, summary, created_at, updated_at)"
            " SELECT %s, session_type, agent_id, team_id, workflow_id, user_id, session_data, agent_data, team_data,"
            " workflow_data, metadata, summary, created_at, updated_at FROM ai.agno_sessions WHERE session_id = %s",
            (new_id, template),
        ).rowcount
        if copied != 1:
            raise RuntimeError(f"template session {template!r} not found in {db_id}")
        runs = conn.execute(
            "SELECT run_id, run_type, agent_id, team_id, workflow_id, user_id, parent_run_id, status, run_index,"
            " run_data::text, created_at, updated_at FROM ai.agno_runs WHERE session_id = %s",
            (template,),
        ).fetchall()
        run_ids = [run[0] for run in runs]
        legacy_text = None
        if legacy:
            legacy_text = conn.execute(
                "SELECT runs::text FROM ai.agno_sessions WHERE session_id = %s", (template,)
            ).fetchone()[0]
            for item in json.loads(legacy_text or "null") or []:
                if isinstance(item, dict) and item.get("run_id"):
                    run_ids.append(item["run_id"])
        renames = {f'"{run_id}"': f'"{run_id}.{new_id}"' for run_id in run_ids}
        renames[f'"{template}"'] = f'"{new_id}"'
        if legacy_text is not None:
            for old, new in renames.items():
                legacy_text = legacy_text.replace(old, new)
            conn.execute("UPDATE ai.agno_sessions SET runs = %s::jsonb WHERE session_id = %s", (legacy_text, new_id))
        for run in runs:
            data = run[9]
            for old, new in renames.items():
                data = data.replace(old, new)
            parent = run[6]
            conn.execute(
                "INSERT INTO ai.agno_runs (run_id, session_id, run_type, agent_id, team_id, workflow_id, user_id,"
                " parent_run_id, status, run_index, run_data, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)",
                (
                    f"{run[0]}.{new_id}",
                    new_id,
                    run[1],
                    run[2],
                    run[3],
                    run[4],
                    run[5],
                    f"{parent}.{new_id}" if parent else parent,
                    run[7],
                    run[8],
                    data,
                    run[10],
                    run[11],
                ),
            )
        conn.commit()
