"""`just bench-scale`: our list, detail and runs latency at 10 k, 100 k (and 1 M) sessions.

    python bench/scale.py [--sizes 10000,100000] [--seconds 5] [--users 1000]

Rows are shaped exactly like agno's: a few dozen template sessions (agent, team with member runs,
workflow with step runs) are written through agno 3.1.10's PostgresDb, then copied with SQL
`generate_series`, with new ids, users, names and timestamps, into agno's own tables. The data
grows in place from one size to the next (10 k, then +90 k, ...), so each size costs only its new
rows. At each size every workload runs twice with wrk: without the opt-in indexes, then after
`session-svc migrate --extra-indexes`. Latency is measured over one connection (wrk -c1), i.e.
unloaded, and the SQL cost of the list's exact `total_count` is read with EXPLAIN ANALYZE.

1 M sessions (about 4 M runs, ~12 GB with agno's JSON sizes) takes long on a 2-core machine: pass
`--sizes 10000,100000,1000000` and expect the 1 M insert to take tens of minutes.

At each size it also measures the scale features (bench/scale_features.py): the name search
without and with the trigram index, a deep cursor page against page 1 and the same offset page; and
once, on a separate primary + streaming replica pair with `--replica-sessions` sessions, read
throughput with the replica against the primary alone (`--replica-sessions 0` skips it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/: `contract`
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: `bench`, session_svc

import psycopg

from bench import report, servers, wrk
from bench.run import RESULTS, versions

SCHEMA = "ai"
TEMPLATE_SESSIONS = 40
BASE_EPOCH = 1_700_000_000
PORT = 18301


def extra_index_names() -> list[str]:
    from session_svc.db.migrate import EXTRA_SESSION_INDEXES, _index_name

    return [_index_name("agno_sessions", cols) for cols, _expression in EXTRA_SESSION_INDEXES]


def prepare_templates(dsn: str) -> None:
    """Seed template sessions through agno once and keep them aside in bench_tpl_* tables."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('public.bench_tpl_sessions') IS NOT NULL").fetchone()[0]:
            return
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    from agno.db.postgres import PostgresDb
    from contract.dsn import sqlalchemy_url

    from bench.seed import seed

    db = PostgresDb(id="bench-scale", db_url=sqlalchemy_url(dsn), db_schema=SCHEMA)
    seed(db, TEMPLATE_SESSIONS)
    db.db_engine.dispose()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE public.bench_tpl_sessions AS SELECT (row_number() OVER (ORDER BY session_id)) - 1 AS k, s.* "
            f"FROM {SCHEMA}.agno_sessions s"
        )
        conn.execute(
            f"CREATE TABLE public.bench_tpl_runs AS SELECT t.k, length(t.session_id) AS sid_len, r.* "
            f"FROM {SCHEMA}.agno_runs r JOIN public.bench_tpl_sessions t USING (session_id)"
        )
        conn.execute(f"TRUNCATE {SCHEMA}.agno_sessions CASCADE")
        conn.execute("CREATE TABLE IF NOT EXISTS public.bench_scale_size (n bigint)")
        conn.execute("DELETE FROM public.bench_scale_size")
        conn.execute("INSERT INTO public.bench_scale_size VALUES (0)")


def _columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (SCHEMA, table),
    ).fetchall()
    return [r[0] for r in rows]


def grow(dsn: str, target: int, users: int, chunk: int = 50_000) -> float:
    """Append sessions (and their runs) until the table holds `target` generated sessions."""
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        have = conn.execute("SELECT n FROM public.bench_scale_size").fetchone()[0]
        ntpl = conn.execute("SELECT count(*) FROM public.bench_tpl_sessions").fetchone()[0]
        sid = "'scale-' || lpad(i::text, 8, '0')"
        session_expr = {
            "session_id": sid,
            "user_id": f"'user-' || lpad(((i * 7919) %% {users})::text, 5, '0')",
            "session_data": "CASE WHEN t.session_data ? 'session_name' THEN jsonb_set(t.session_data, '{session_name}', "
            "to_jsonb((t.session_data ->> 'session_name') || ' ' || i)) ELSE t.session_data END",
            "created_at": f"{BASE_EPOCH} + i * 30",
            "updated_at": f"{BASE_EPOCH} + i * 30 + (i * 7919) %% 86400",
        }
        new_run_id = f"{sid} || substr(t.run_id, t.sid_len + 1)"
        run_expr = {
            "run_id": new_run_id,
            "session_id": sid,
            "user_id": f"'user-' || lpad(((i * 7919) %% {users})::text, 5, '0')",
            "parent_run_id": f"CASE WHEN t.parent_run_id IS NULL THEN NULL ELSE {sid} || substr(t.parent_run_id, t.sid_len + 1) END",
            "run_data": f"t.run_data || jsonb_build_object('run_id', {new_run_id}, 'session_id', {sid})"
            f" || CASE WHEN t.parent_run_id IS NULL THEN '{{}}'::jsonb ELSE jsonb_build_object('parent_run_id', {sid} || substr(t.parent_run_id, t.sid_len + 1)) END",
            "created_at": f"{BASE_EPOCH} + i * 30 + (t.created_at - ts.created_at)",
        }
        s_cols = _columns(conn, "agno_sessions")
        r_cols = _columns(conn, "agno_runs")
        insert_sessions = (
            f"INSERT INTO {SCHEMA}.agno_sessions ({', '.join(s_cols)}) SELECT "
            + ", ".join(session_expr.get(c, f"t.{c}") for c in s_cols)
            + f" FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) i JOIN public.bench_tpl_sessions t ON t.k = i %% {ntpl}"
        )
        insert_runs = (
            f"INSERT INTO {SCHEMA}.agno_runs ({', '.join(r_cols)}) SELECT "
            + ", ".join(run_expr.get(c, f"t.{c}") for c in r_cols)
            + f" FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) i JOIN public.bench_tpl_runs t ON t.k = i %% {ntpl}"
            " JOIN public.bench_tpl_sessions ts ON ts.k = t.k"
        )
        lo = have
        while lo < target:
            hi = min(lo + chunk, target) - 1
            with conn.transaction():
                conn.execute(insert_sessions, {"lo": lo, "hi": hi})
                conn.execute(insert_runs, {"lo": lo, "hi": hi})
                conn.execute("UPDATE public.bench_scale_size SET n = %s", (hi + 1,))
            lo = hi + 1
            print(f"  {lo:,} sessions ({time.monotonic() - started:.0f} s)", flush=True)
        conn.execute(f"VACUUM ANALYZE {SCHEMA}.agno_sessions")
        conn.execute(f"VACUUM ANALYZE {SCHEMA}.agno_runs")
    return time.monotonic() - started


def set_extra_indexes(dsn: str, present: bool) -> None:
    if present:
        env = {**os.environ, "AGNO_PG_DSN": dsn, "AGNO_LOG_LEVEL": "WARNING"}
        subprocess.run(
            [str(servers.VENV_BIN / "session-svc"), "migrate", "--extra-indexes"],
            env=env,
            check=True,
        )
    else:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for name in extra_index_names():
                conn.execute(f'DROP INDEX IF EXISTS {SCHEMA}."{name}"')
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"ANALYZE {SCHEMA}.agno_sessions")


def explain_ms(dsn: str, statement: str, params: tuple[Any, ...] = ()) -> float:
    with psycopg.connect(dsn, autocommit=True) as conn:
        plan = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params).fetchone()[0]
    return float(plan[0]["Execution Time"])


def scale_workloads(dsn: str, size: int, users: int) -> dict[str, list[str]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        sample = [
            r[0]
            for r in conn.execute(
                f"SELECT session_id FROM {SCHEMA}.agno_sessions TABLESAMPLE SYSTEM (1) LIMIT 200"
            ).fetchall()
        ]
        if len(sample) < 20:
            sample = [
                r[0]
                for r in conn.execute(
                    f"SELECT session_id FROM {SCHEMA}.agno_sessions ORDER BY random() LIMIT 200"
                ).fetchall()
            ]
    some_users = [f"user-{(k * 37) % users:05d}" for k in range(50)]
    return {
        "list": ["/sessions?limit=20"],
        "list_user": [f"/sessions?user_id={u}&sort_by=updated_at&limit=20" for u in some_users],
        "list_name": [
            f"/sessions?{urlencode({'session_name': w, 'limit': 20})}"
            for w in ("budget", "vector", "paris", "plan #00", "review")
        ],
        "detail": [f"/sessions/{s}" for s in sample],
        "runs": [f"/sessions/{s}/runs" for s in sample],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="comma-separated session counts, ascending (default 10000,100000)",
    )
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--users", type=int, default=1000, help="distinct user_ids (default 1000)")
    parser.add_argument(
        "--connections",
        type=int,
        default=1,
        help="wrk connections (default 1: unloaded latency)",
    )
    parser.add_argument(
        "--replica-sessions", type=int, default=20000, help="sessions for the replica throughput run (0 skips it)"
    )
    parser.add_argument(
        "--replica-connections", type=int, default=16, help="wrk connections for the replica run (default 16)"
    )
    parser.add_argument("--skip-base", action="store_true", help="only the scale features, not the base workloads")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    import scale_features  # beside this file

    feature_rows: list[dict[str, Any]] = []

    from session_svc.serve.embedded_pg import start_embedded_postgres

    started = datetime.datetime.now(datetime.UTC)
    out = RESULTS / f"scale-{started.strftime('%Y%m%dT%H%M%SZ')}"
    (out / "lua").mkdir(parents=True)
    dsn = start_embedded_postgres(RESULTS / "pg-scale")
    prepare_templates(dsn)
    results: list[dict[str, Any]] = []
    meta = {"started": started.isoformat(timespec="seconds"), "sizes": sizes, "users": args.users, "versions": versions(dsn),
            "load_start": Path("/proc/loadavg").read_text().strip()}  # fmt: skip
    for size in sizes:
        print(f"growing to {size:,} sessions ...", flush=True)
        grow_s = grow(dsn, size, args.users)
        with psycopg.connect(dsn, autocommit=True) as conn:
            db_size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
            runs_count = conn.execute(f"SELECT count(*) FROM {SCHEMA}.agno_runs").fetchone()[0]
        paths = scale_workloads(dsn, size, args.users)
        for indexed in (False, True) if not args.skip_base else ():
            set_extra_indexes(dsn, indexed)
            count_all = explain_ms(dsn, f"SELECT count(*) FROM {SCHEMA}.agno_sessions")
            count_user = explain_ms(
                dsn,
                f"SELECT count(*) FROM {SCHEMA}.agno_sessions WHERE user_id = %s",
                ("user-00037",),
            )
            server = servers.ours("ours-scale", PORT, dsn, out)
            server.start()
            try:
                for name, p in paths.items():
                    script = out / "lua" / f"{name}-{size}-{int(indexed)}.lua"
                    script.write_text(wrk.cycle_script("GET", p))
                    wrk.run(f"http://127.0.0.1:{PORT}", script, 1, args.connections, 1)  # warm-up, discarded
                    r = wrk.run(
                        f"http://127.0.0.1:{PORT}",
                        script,
                        args.seconds,
                        args.connections,
                        min(2, args.connections),
                    )
                    row = {"size": size, "extra_indexes": indexed, "workload": name, "rps": r.rps, "p50_ms": r.p50_ms, "p90_ms": r.p90_ms,
                           "p99_ms": r.p99_ms, "errors": r.errors, "count_all_sql_ms": count_all, "count_user_sql_ms": count_user,
                           "db_size": db_size, "runs": runs_count, "grow_seconds": grow_s}  # fmt: skip
                    results.append(row)
                    print(
                        f"  {size:>9,} idx={int(indexed)} {name:10s} {r.rps:8.1f} req/s  p50 {r.p50_ms:8.2f}  p99 {r.p99_ms:8.2f} ms  err {r.errors}",
                        flush=True,
                    )
            finally:
                server.stop()
        set_extra_indexes(dsn, True)
        feature_rows += scale_features.trigram(dsn, size, out, PORT, args.seconds, args.connections)
        feature_rows += scale_features.cursor_pages(dsn, size, out, PORT, args.seconds, args.connections)
        (out / "scale.json").write_text(
            json.dumps({"meta": meta, "results": results, "features": feature_rows}, indent=1)
        )
    if args.replica_sessions:
        feature_rows += scale_features.replica_throughput(
            args.replica_sessions, out, PORT, args.seconds, args.replica_connections, args.users
        )
    meta["load_end"] = Path("/proc/loadavg").read_text().strip()
    text = scale_summary(meta, results) + scale_features.summary(feature_rows)
    (out / "scale.json").write_text(json.dumps({"meta": meta, "results": results, "features": feature_rows}, indent=1))
    (out / "summary.md").write_text(text)
    print("\n" + text)
    return 0


def scale_summary(meta: dict[str, Any], results: list[dict[str, Any]]) -> str:
    lines = [
        f"# bench-scale {meta['started']}",
        "",
        (
            f"Our service at its defaults, wrk over one connection (p50/p99 in ms), {meta['users']} distinct users. "
            f"Load average at start / end: {meta['load_start']} / {meta.get('load_end')}."
        ),
        "",
        "| sessions | runs | DB size | extra indexes | workload | req/s | p50 ms | p99 ms | errors | SQL count(*) all / one user ms |",
        "|---:|---:|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['runs']:,} | {r['db_size']} | {'yes' if r['extra_indexes'] else 'no'} | {r['workload']} | "
            f"{report.fmt(r['rps'])} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {r['count_all_sql_ms']:.1f} / {r['count_user_sql_ms']:.2f} |"
        )
    smallest = min((r["size"] for r in results), default=None)
    largest = max((r["size"] for r in results), default=None)
    if smallest is not None and largest != smallest:
        lines += [
            "",
            f"## Growth {smallest:,} → {largest:,} (p50 ratio, with extra indexes)",
            "",
        ]
        for w in dict.fromkeys(r["workload"] for r in results):
            a = next(
                (r for r in results if r["size"] == smallest and r["workload"] == w and r["extra_indexes"]),
                None,
            )
            b = next(
                (r for r in results if r["size"] == largest and r["workload"] == w and r["extra_indexes"]),
                None,
            )
            if a and b:
                lines.append(
                    f"- {w}: {a['p50_ms']:.2f} → {b['p50_ms']:.2f} ms ({report.fmt(report.ratio(b['p50_ms'], a['p50_ms']), 2, '×')})"
                )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
