"""The scale features' figures, for `just bench-scale` (bench/scale.py calls these):

* name search p50 without and with the trigram index (`session-svc migrate --trigram`), over the
  same data, server restarted between, the two alternated (A B A B);
* a deep cursor page against page 1 and against the same depth by offset;
* read throughput with one primary and one streaming replica against the primary alone, and the
  share of reads the replica served (its own pg_stat_database counters).

Every figure comes from wrk against a real `session-svc serve` on this (shared, 2-core) machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg

from bench import servers, wrk

REPO = Path(__file__).resolve().parents[1]
SCHEMA = "ai"
TRIGRAM_INDEX = "idx_agno_sessions_session_name_trgm"
# Words of the template sessions' names (bench/seed.py): each is in many names (about 10 % of
# the rows for "budget"), so an index saves the scan but not the visits to every matching row.
NAME_PATTERNS = ("budget", "vector", "paris", "plan #00", "review")
# Digits of the session numbers grow() appends to names: a few hundred rows at 1 M, the kind of
# search a user types to find one conversation.
SPECIFIC_PATTERNS = ("4242", "13579", "77777", "90210")
SHORT_PATTERN = "pa"
PAGE_LIMIT = 20


def serve(label: str, port: int, out: Path, env: dict[str, str]) -> servers.Server:
    """This checkout's `session-svc serve` at its defaults (python -m, so the worktree's code runs)."""
    full_env = {
        "AGNO_SERVICE_PORT": str(port),
        "AGNO_SERVICE_HOST": "127.0.0.1",
        "AGNO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'tests'}",
        **env,
    }
    return servers.Server(label, [sys.executable, "-m", "session_svc", "serve"], port, full_env, "/health", out)


def measure(port: int, out: Path, name: str, paths: list[str], seconds: int, connections: int) -> wrk.WrkResult:
    script = out / "lua" / f"{name}.lua"
    script.write_text(wrk.cycle_script("GET", paths))
    url = f"http://127.0.0.1:{port}"
    wrk.run(url, script, 1, connections, 1)  # warm-up (pools, prepared statements), discarded
    return wrk.run(url, script, seconds, connections, min(2, connections))


def _row(feature: str, variant: str, size: int, result: wrk.WrkResult, **extra: Any) -> dict[str, Any]:
    return {
        "feature": feature, "variant": variant, "size": size, "rps": result.rps, "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms, "errors": result.errors, **extra,
    }  # fmt: skip


def _print(row: dict[str, Any]) -> None:
    print(
        f"  {row['size']:>9,} {row['feature']:8s} {row['variant']:28s} {row['rps']:8.1f} req/s  "
        f"p50 {row['p50_ms']:8.2f}  p99 {row['p99_ms']:8.2f} ms  err {row['errors']}",
        flush=True,
    )


def set_trigram(dsn: str, present: bool) -> None:
    if present:
        env = {**os.environ, "AGNO_PG_DSN": dsn, "AGNO_LOG_LEVEL": "WARNING", "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-m", "session_svc", "migrate", "--trigram"], env=env, check=True)
    else:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP INDEX IF EXISTS {SCHEMA}."{TRIGRAM_INDEX}"')
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"ANALYZE {SCHEMA}.agno_sessions")


def trigram(dsn: str, size: int, out: Path, port: int, seconds: int, connections: int) -> list[dict[str, Any]]:
    """Name search without / with the trigram index, alternated twice."""
    rows = []

    def paths(patterns: tuple[str, ...]) -> list[str]:
        return [f"/sessions?{urlencode({'session_name': w, 'limit': PAGE_LIMIT})}" for w in patterns]

    kinds = (
        ("specific, 4-5 chars", paths(SPECIFIC_PATTERNS)),
        ("common words", paths(NAME_PATTERNS)),
        ("2 chars", paths((SHORT_PATTERN,))),
    )
    for round_ in (1, 2):
        for present in (False, True):
            set_trigram(dsn, present)
            server = serve(f"trigram-{size}-{int(present)}-{round_}", port, out, {"AGNO_PG_DSN": dsn})
            server.start()
            try:
                label = "with trigram" if present else "without trigram"
                for kind, kind_paths in kinds:
                    name = f"trigram-{size}-{int(present)}-{kind.split(',')[0].replace(' ', '_')}"
                    result = measure(port, out, name, kind_paths, seconds, connections)
                    row = _row("name", f"{label}, {kind}", size, result, round=round_)
                    rows.append(row)
                    _print(row)
            finally:
                server.stop()
    set_trigram(dsn, False)
    return rows


def _cursor_at(dsn: str, depth: int) -> str:
    """The cursor GET /sessions?limit=20 gives for page `depth`, computed as the server computes it
    (same settings, so the same deployment key) instead of walking depth-1 pages."""
    sys.path.insert(0, str(REPO))
    from session_svc import cursor
    from session_svc.settings import load_settings

    settings = load_settings({"AGNO_PG_DSN": dsn})
    codec = cursor.CursorCodec(cursor.cursor_secret(settings, [(c.db_id, c.dsn) for c in settings.databases]))
    walk = cursor.fingerprint(("default", None, None, None, None, "created_at", True, PAGE_LIMIT))
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            f"SELECT created_at::text, session_id FROM {SCHEMA}.agno_sessions"
            " ORDER BY created_at DESC, session_id DESC OFFSET %s LIMIT 1",
            ((depth - 1) * PAGE_LIMIT - 1,),
        ).fetchone()
    assert row is not None
    return codec.encode(walk, cursor.Position(depth, row[0], row[1]))


def cursor_pages(dsn: str, size: int, out: Path, port: int, seconds: int, connections: int) -> list[dict[str, Any]]:
    depth = min(5000, size // PAGE_LIMIT)
    token = _cursor_at(dsn, depth)
    workloads = {
        "cursor page 1": f"/sessions?limit={PAGE_LIMIT}&cursor=",
        f"cursor page {depth:,}": f"/sessions?{urlencode({'limit': PAGE_LIMIT, 'cursor': token})}",
        f"offset page {depth:,}": f"/sessions?limit={PAGE_LIMIT}&page={depth}",
        "offset page 1": f"/sessions?limit={PAGE_LIMIT}&page=1",
    }
    rows = []
    server = serve(f"cursor-{size}", port, out, {"AGNO_PG_DSN": dsn})
    server.start()
    try:
        for round_ in (1, 2):
            for name, path in workloads.items():
                result = measure(port, out, f"cursor-{size}-{name.replace(' ', '_')}", [path], seconds, connections)
                row = _row("pages", name, size, result, round=round_)
                rows.append(row)
                _print(row)
    finally:
        server.stop()
    return rows


def _xacts(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").fetchone()
    assert row is not None
    return int(row[0])


def replica_throughput(
    sessions: int, out: Path, port: int, seconds: int, connections: int, users: int
) -> list[dict[str, Any]]:
    """One primary + one streaming replica (tests/support/replication.py) holding `sessions`
    agno-shaped sessions: read throughput of the service with AGNO_PG_READ_DSN against without."""
    sys.path.insert(0, str(REPO / "tests"))
    from support.replication import replicated_pair

    from bench.scale import grow, prepare_templates, scale_workloads

    rows: list[dict[str, Any]] = []
    with replicated_pair() as pair:
        pair.primary.execute('CREATE DATABASE "bench_replica"')
        primary, standby = pair.primary.dsn("bench_replica"), pair.standby.dsn("bench_replica")
        prepare_templates(primary)
        print(f"replica bench: growing to {sessions:,} sessions ...", flush=True)
        grow(primary, sessions, users)
        pair.wait_replayed(timeout=300)
        paths = scale_workloads(primary, sessions, users)
        configs = {
            "primary alone": {"AGNO_PG_DSN": primary},
            "primary + 1 replica": {"AGNO_PG_DSN": primary, "AGNO_PG_READ_DSN": standby},
        }
        for round_ in (1, 2):
            for label, env in configs.items():
                server = serve(f"replica-{label.replace(' ', '_')}-{round_}", port, out, env)
                server.start()
                try:
                    time.sleep(1.0)  # the lag probe marks the replica usable
                    for workload in ("detail", "list"):
                        before = (_xacts(primary), _xacts(standby))
                        result = measure(port, out, f"replica-{workload}", paths[workload], seconds, connections)
                        after = (_xacts(primary), _xacts(standby))
                        on_replica = after[1] - before[1]
                        # Statistics are flushed about once a second: the deltas are close, not exact.
                        share = min(1.0, on_replica / result.requests) if result.requests else 0.0
                        row = _row(
                            "replica", f"{label}, {workload}", sessions, result, round=round_,
                            replica_share=share if "replica" in label else 0.0,
                            primary_xacts=after[0] - before[0], replica_xacts=on_replica,
                        )  # fmt: skip
                        rows.append(row)
                        _print(row)
                        print(f"      replica served ~{row['replica_share']:.0%} of reads", flush=True)
                finally:
                    server.stop()
    return rows


def summary(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    lines = [
        "",
        "## Scale features (name search, cursor pages, replica)",
        "",
        (
            "wrk against `session-svc serve` at its defaults, two rounds each (A B A B); name search and pages over"
            " `--connections` (default 1), the replica run over `--replica-connections` (default 16). Shared 2-core"
            " machine: both PostgreSQL servers, the service and wrk share its two cores."
        ),
        "",
        "| sessions | feature | variant | round | req/s | p50 ms | p99 ms | errors | replica share |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        share = f"{r['replica_share']:.0%}" if "replica_share" in r else ""
        lines.append(
            f"| {r['size']:,} | {r['feature']} | {r['variant']} | {r.get('round', '')} | {r['rps']:.1f} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {share} |"
        )
    return "\n".join(lines) + "\n"
