"""`just bench`: our service against AgentOS 3.1.10 on the same agno-written data, measured with wrk.

    python bench/run.py [--quick] [--sessions N] [--servers] [--profile] [--no-overload]

Needs the bench venv (`pip install -e '.[test,contract]' psutil granian uvloop httptools py-spy`) and
wrk (`apt-get install -y wrk`). Starts an embedded PostgreSQL in bench-results/pg-<N> (reused when it
already holds this seed), seeds it through agno's PostgresDb, starts AgentOS (uvicorn, one worker,
as shipped), our service (`session-svc serve` at its defaults, and with AGNO_WORKERS=1 when the
default is more) and the pass-through ceiling, then runs every workload as: a discarded warm-up per
server, then measured runs alternating the servers (A B A B). Results go to
bench-results/<UTC timestamp>/ (summary.md, summary.json, server logs, Lua scripts, profiles).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/: `contract`, `support`
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: `bench`, session_svc

import psutil

from bench import report, servers, wrk
from bench.seed import SEED_VERSION, Seeded, load_seeded

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
PORTS = {
    "agentos": 18101,
    "ours": 18102,
    "ours-1w": 18103,
    "ceiling": 18104,
    "ours-pgopts": 18105,
    "ours-uvicorn": 18106,
}


@dataclass
class Plan:
    sessions: int
    warmup: int  # seconds
    seconds: int  # per measured run
    runs: int  # measured runs per server and workload
    connections: int = 16
    threads: int = 2


# -- database ------------------------------------------------------------------------------------


def start_database(sessions: int) -> tuple[str, Path]:
    from session_svc.serve.embedded_pg import start_embedded_postgres

    pg_dir = RESULTS / f"pg-{sessions}"
    return start_embedded_postgres(pg_dir), pg_dir


def ensure_seeded(dsn: str, sessions: int) -> Seeded:
    import psycopg

    marker = f"{SEED_VERSION}:{sessions}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS public.bench_seed (marker text PRIMARY KEY, seeded_at timestamptz DEFAULT now())"
        )
        if conn.execute("SELECT 1 FROM public.bench_seed WHERE marker = %s", (marker,)).fetchone():
            seeded = load_seeded(conn)
            print(
                f"reusing seeded database: {seeded.session_rows} sessions, {seeded.run_rows} runs",
                flush=True,
            )
            return seeded
        conn.execute("DROP SCHEMA IF EXISTS ai CASCADE")
        conn.execute("DELETE FROM public.bench_seed")
    from agno.db.postgres import PostgresDb
    from contract.dsn import sqlalchemy_url

    from bench.seed import seed

    started = time.monotonic()
    print(f"seeding {sessions} sessions through agno's PostgresDb ...", flush=True)
    db = PostgresDb(id="bench-db", db_url=sqlalchemy_url(dsn), db_schema="ai")
    seed(db, sessions)
    db.db_engine.dispose()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("INSERT INTO public.bench_seed (marker) VALUES (%s)", (marker,))
        seeded = load_seeded(conn)
    print(
        f"seeded {seeded.session_rows} sessions, {seeded.run_rows} runs in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return seeded


def delete_created(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM ai.agno_sessions WHERE session_id LIKE 'bench-new-%%'")
        conn.execute("DELETE FROM ai.agno_runs WHERE session_id LIKE 'bench-new-%%'")


def postgres_processes(pg_dir: Path) -> list[psutil.Process]:
    try:
        root = psutil.Process(int((pg_dir / "postmaster.pid").read_text().split()[0]))
        return [root, *root.children(recursive=True)]
    except (OSError, ValueError, psutil.NoSuchProcess):
        return []


def cpu_by_pid(procs: list[psutil.Process]) -> dict[int, float]:
    """CPU seconds per live process, plus (key -1) what the first process has reaped from exited
    children: backends that come and go (AgentOS's SQLAlchemy overflow connections close on
    return) would otherwise take their CPU time with them."""
    out = {}
    for i, p in enumerate(procs):
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
            if i == 0:
                out[-1] = t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two snapshots (processes born in between count from zero)."""
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


# -- workloads -----------------------------------------------------------------------------------


def workloads(seeded: Seeded) -> dict[str, dict[str, Any]]:
    """name -> {script(tag), connections?, threads?, mutates?}. Scripts are Lua text for wrk."""
    agent_ids = seeded.agent_sessions[:200]
    detail = [f"/sessions/{sid}?type=agent" for sid in agent_ids]
    pairs = sorted({seeded.owners[sid] for sid in seeded.agent_sessions})[:50]
    filtered = [f"/sessions?type=agent&user_id={u}&component_id={c}&sort_by=updated_at&limit=20" for u, c in pairs]
    one_run = [f"/sessions/{sid}/runs/{seeded.runs[sid][-1]}?type=agent" for sid in agent_ids if seeded.runs.get(sid)]
    targets = seeded.write_targets
    create_body = (
        '\'{"session_id":"bench-new-TAG-\' .. tid .. \'-\' .. k .. \'","session_name":"Bench session","user_id":"user-007",'
        '"agent_id":"bench-agent-0","session_state":{"step":1,"cart":["a","b"]},"metadata":{"channel":"web"}}\''
    )
    return {
        "detail": {
            "script": lambda tag: wrk.cycle_script("GET", detail),
            "paths": detail,
        },
        "list": {"script": lambda tag: wrk.cycle_script("GET", ["/sessions?type=agent&limit=20"])},
        "list_filtered": {"script": lambda tag: wrk.cycle_script("GET", filtered)},
        "runs": {"script": lambda tag: wrk.cycle_script("GET", [f"/sessions/{s}/runs?type=agent" for s in agent_ids])},
        "run_previews": {
            "script": lambda tag: wrk.cycle_script("GET", [f"/sessions/{s}/run-previews?type=agent" for s in agent_ids])
        },
        "one_run": {"script": lambda tag: wrk.cycle_script("GET", one_run)},
        "create": {
            "script": lambda tag: wrk.body_script("POST", ["/sessions?type=agent"], create_body.replace("TAG", tag)),
            "mutates": True,
        },
        "patch": {
            "script": lambda tag: wrk.body_script(
                "PATCH",
                [f"/sessions/{s}?type=agent" for s in targets],
                '\'{"session_state":{"step":\' .. k .. \',"cart":["x","y"]},"metadata":{"channel":"api","n":\' .. k .. \'}}\'',
            )
        },
        "rename": {
            "script": lambda tag: wrk.body_script(
                "POST",
                [f"/sessions/{s}/rename?type=agent" for s in targets],
                "'{\"session_name\":\"Renamed ' .. tid .. '-' .. k .. '\"}'",
            )
        },
        "detail_c1": {
            "script": lambda tag: wrk.cycle_script("GET", detail),
            "connections": 1,
            "threads": 1,
        },
    }


# -- measuring -----------------------------------------------------------------------------------


class Bench:
    def __init__(self, out: Path, plan: Plan, dsn: str, pg_dir: Path) -> None:
        self.out, self.plan, self.dsn, self.pg_dir = out, plan, dsn, pg_dir
        self.records: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}
        (out / "lua").mkdir(parents=True, exist_ok=True)
        self._n = 0

    def measure(
        self,
        server: servers.Server,
        workload: str,
        lua: str,
        phase: str,
        iteration: int,
        seconds: int,
        connections: int,
        threads: int,
        **tags: Any,
    ) -> dict[str, Any]:
        self._n += 1
        script = self.out / "lua" / f"{workload}-{server.label}-{phase}{iteration}.lua"
        script.write_text(lua)
        load = Path("/proc/loadavg").read_text().split()[:3]
        cpu0, pg0 = server.cpu_seconds(), cpu_by_pid(postgres_processes(self.pg_dir))
        samples: dict[str, Any] = {}

        def sample() -> None:
            # Peak RSS per process: sampled every 0.2 s over the run (big answers come and go).
            deadline = time.monotonic() + seconds
            peak: list[int] = []
            while time.monotonic() < deadline:
                now = server.rss_bytes()
                peak = [max(a, b) for a, b in zip(peak, now, strict=False)] + now[len(peak) :]
                if "conns" not in samples and time.monotonic() > deadline - seconds / 2:
                    samples["conns"] = server.connections_per_process()
                time.sleep(0.2)
            samples["rss"] = peak

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        result = wrk.run(f"http://127.0.0.1:{server.port}", script, seconds, connections, threads)
        sampler.join()
        cpu1, pg1 = server.cpu_seconds(), cpu_by_pid(postgres_processes(self.pg_dir))
        rss = samples.get("rss") or server.rss_bytes()
        after = server.rss_bytes()
        if sum(after) > sum(rss):
            rss = after
        requests = max(result.requests, 1)
        record = {
            "workload": workload,
            "server": server.label,
            "phase": phase,
            "iteration": iteration,
            "connections": connections,
            "seconds": result.seconds,
            "requests": result.requests,
            "rps": result.rps,
            "p50_ms": result.p50_ms,
            "p90_ms": result.p90_ms,
            "p99_ms": result.p99_ms,
            "max_ms": result.max_ms,
            "non2xx": result.non2xx,
            "socket_errors": result.socket_errors,
            "statuses": result.statuses,
            "bytes_per_request": round(result.bytes_per_request),
            "rss_mib_total": sum(rss) / 2**20,
            "rss_mib_procs": [round(r / 2**20, 1) for r in rss],
            "cpu_ms_per_req": 1000 * cpu_delta(cpu0, cpu1) / requests,
            "db_cpu_ms_per_req": 1000 * cpu_delta(pg0, pg1) / requests,
            "conns_per_process": list(samples.get("conns", {}).values()),
            "loadavg": load,
            **tags,
        }
        self.records.append(record)
        print(
            f"  {phase:8s} {workload:13s} {server.label:24s} {result.rps:9.1f} req/s  p50 {result.p50_ms:7.2f}  p99 {result.p99_ms:7.2f} ms"
            f"  err {result.non2xx + result.socket_errors}  cpu {record['cpu_ms_per_req']:.3f} ms/req  rss {record['rss_mib_total']:.0f} MiB",
            flush=True,
        )
        return record

    def compare(self, name: str, spec: dict[str, Any], group: list[servers.Server]) -> None:
        """Warm-up each server, then A B A B ... measured runs."""
        conns = spec.get("connections", self.plan.connections)
        threads = spec.get("threads", self.plan.threads)
        for s in group:
            self.measure(
                s,
                name,
                spec["script"](f"{s.label}-w"),
                "warmup",
                0,
                self.plan.warmup,
                conns,
                threads,
            )
            if spec.get("mutates"):
                delete_created(self.dsn)
        for i in range(1, self.plan.runs + 1):
            for s in group:
                self.measure(
                    s,
                    name,
                    spec["script"](f"{s.label}-{i}"),
                    "measured",
                    i,
                    self.plan.seconds,
                    conns,
                    threads,
                )
                if spec.get("mutates"):
                    delete_created(self.dsn)

    def save(self, meta: dict[str, Any]) -> None:
        data = {"meta": meta, "records": self.records, **self.extra}
        (self.out / "summary.json").write_text(json.dumps(data, indent=1, default=str))


def overload(bench: Bench, server: servers.Server, paths: list[str], seconds: int) -> dict[str, Any]:
    """Find the saturating concurrency on detail, then run 4x past it counting statuses."""
    detail_lua = wrk.cycle_script("GET", paths)
    curve = []
    for c in (1, 2, 4, 8, 16, 32):
        r = bench.measure(server, "saturation", detail_lua, "curve", c, seconds, c, min(2, c))
        curve.append((c, r["rps"]))
    best = max(rps for _, rps in curve)
    saturating = next(c for c, rps in curve if rps >= 0.9 * best)
    counting = wrk.cycle_script("GET", paths, count_statuses=True)
    runs = []
    # 4x the measured saturation point, and 4x the bench's 16 connections (the curve is noisy on a
    # shared machine, so both are reported).
    for connections in sorted({4 * saturating, 4 * bench.plan.connections}):
        heavy = bench.measure(
            server,
            "overload",
            counting,
            "measured",
            connections,
            max(seconds * 2, 5),
            connections,
            2,
        )
        admitted = sum(v for k, v in heavy["statuses"].items() if k.startswith("2"))
        runs.append(
            {
                "connections": connections,
                "statuses": heavy["statuses"],
                "count_503": heavy["statuses"].get("503", 0),
                "admitted": admitted,
                "p50_ms": heavy["p50_ms"],
                "p99_ms": heavy["p99_ms"],
                "max_ms": heavy["max_ms"],
                "rps": heavy["rps"],
                "socket_errors": heavy["socket_errors"],
            }
        )
    return {
        "curve": curve,
        "saturating_connections": saturating,
        "runs": runs,
        "note": "wrk's p99 covers every response: it is the p99 of admitted requests when no 503 was sent",
    }


# -- server comparison ------------------------------------------------------------


VARIANTS = [
    (server, loop, workers)
    for server in ("hypercorn", "uvicorn", "granian")
    for loop in ("asyncio", "uvloop")
    for workers in (1, 2)
]


def compare_servers(bench: Bench, specs: dict[str, dict[str, Any]], log_dir: Path) -> list[dict[str, Any]]:
    out = []
    port = 18200
    for server_name, loop, workers in VARIANTS:
        label = f"{server_name}-{loop}-{workers}w"
        port += 2
        if server_name == "hypercorn":
            ours = servers.ours(
                f"ours-{label}",
                port,
                bench.dsn,
                log_dir,
                workers=workers,
                worker_class=loop,
            )
        else:
            ours = servers.ours(
                f"ours-{label}",
                port,
                bench.dsn,
                log_dir,
                workers=workers,
                server=server_name,
                loop=loop,
            )
        ceil = servers.ceiling(
            f"ceiling-{label}",
            port + 1,
            bench.dsn,
            log_dir,
            server=server_name,
            loop=loop,
            workers=workers,
        )
        row: dict[str, Any] = {"server": server_name, "loop": loop, "workers": workers}
        try:
            ours.start()
            ceil.start()
            row["tcp_nodelay"] = ours.tcp_nodelay()
            row["tcp_nodelay_ceiling"] = ceil.tcp_nodelay()
            for name, s in (("detail", ours), ("list", ours), ("detail", ceil)):
                bench.measure(
                    s,
                    name,
                    specs[name]["script"]("w"),
                    "warmup",
                    0,
                    bench.plan.warmup,
                    bench.plan.connections,
                    bench.plan.threads,
                    variant=label,
                )
            for i in range(1, bench.plan.runs + 1):
                for name, s in (("detail", ours), ("detail", ceil), ("list", ours)):
                    bench.measure(
                        s,
                        name,
                        specs[name]["script"](str(i)),
                        "server-cmp",
                        i,
                        bench.plan.seconds,
                        bench.plan.connections,
                        bench.plan.threads,
                        variant=label,
                    )
            mine = [r for r in bench.records if r.get("variant") == label and r["phase"] == "server-cmp"]

            def mean(workload: str, who: str, key: str, mine: list[dict[str, Any]] = mine) -> float:
                vals = [r[key] for r in mine if r["workload"] == workload and r["server"] == who]
                return sum(vals) / len(vals)

            row.update(
                detail_rps=mean("detail", ours.label, "rps"),
                detail_p99_ms=mean("detail", ours.label, "p99_ms"),
                detail_cpu_ms=mean("detail", ours.label, "cpu_ms_per_req"),
                list_rps=mean("list", ours.label, "rps"),
                ceiling_rps=mean("detail", ceil.label, "rps"),
                rss_mib_procs=max(
                    (r["rss_mib_procs"] for r in mine if r["server"] == ours.label),
                    key=len,
                ),
                conns_per_process=[r["conns_per_process"] for r in mine if r["server"] == ours.label],
            )
        except Exception as exc:  # noqa: BLE001 - one failing variant must not lose the others
            row["error"] = f"{type(exc).__name__}: {exc}"
            print(f"  {label}: {row['error']}", flush=True)
        finally:
            ours.stop()
            ceil.stop()
        out.append(row)
    return out


# -- profiles ----------------------------------------------------------------------------------------


def profile(bench: Bench, server: servers.Server, specs: dict[str, dict[str, Any]], seconds: int) -> dict[str, str]:
    from bench import pyspy_tools

    out = {}
    for name in ("detail", "list"):
        for fmt, suffix in (("flamegraph", "svg"), ("raw", "txt")):
            target = bench.out / f"profile-{name}.{suffix if fmt == 'flamegraph' else 'collapsed.txt'}"
            spy = pyspy_tools.start(server.proc.pid, target, fmt, seconds)
            time.sleep(1.0)  # py-spy attaches
            bench.measure(
                server,
                name,
                specs[name]["script"]("p"),
                "profiled",
                1,
                seconds - 2,
                bench.plan.connections,
                bench.plan.threads,
            )
            _, err = spy.communicate(timeout=seconds + 60)
            if spy.returncode != 0:
                print(
                    f"  py-spy failed: {err.decode(errors='replace')[-300:]}",
                    flush=True,
                )
        collapsed = bench.out / f"profile-{name}.collapsed.txt"
        if collapsed.exists():
            text = pyspy_tools.digest(collapsed)
            (bench.out / f"profile-{name}.digest.txt").write_text(text)
            out[name] = text
    return out


# -- summary -----------------------------------------------------------------------------------------


def versions(dsn: str) -> dict[str, str]:
    import psycopg

    out = {
        "python": platform.python_version(),
        "kernel": platform.release(),
        "cpus": str(os.cpu_count()),
    }
    for dist in (
        "agno",
        "fastapi",
        "pydantic",
        "sqlalchemy",
        "uvicorn",
        "hypercorn",
        "granian",
        "uvloop",
        "httptools",
        "starlette",
        "psycopg",
        "msgspec",
        "orjson",
        "agno-session",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    with psycopg.connect(dsn) as conn:
        out["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # wrk -v exits 1
    out["wrk"] = (
        (wrk_version.stdout or wrk_version.stderr).splitlines()[0]
        if (wrk_version.stdout or wrk_version.stderr)
        else "?"
    )
    try:
        out["cpu_model"] = next(
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        )
    except StopIteration:
        pass
    return out


def write_summary(bench: Bench, meta: dict[str, Any], order: list[str]) -> str:
    agg = report.aggregate(bench.records)
    rows = report.ratio_rows(
        agg,
        order,
        one_worker=report.OURS if meta.get("ours_1w_is_default") else report.OURS_1W,
    )
    table = report.ratio_table(rows)
    lines = [
        f"# bench {meta['started']}",
        "",
        f"Command: `{meta['command']}`  ",
        f"Data: {meta['sessions_rows']} sessions, {meta['run_rows']} runs (seeded through agno {meta['versions'].get('agno')}'s PostgresDb).  ",
        (
            f"wrk: {bench.plan.connections} connections, {bench.plan.threads} threads, warm-up {bench.plan.warmup} s, "
            f"{bench.plan.runs} measured runs of {bench.plan.seconds} s per server, alternating.  "
        ),
        (
            f"Servers: AgentOS = `AgentOS.serve()` (uvicorn, 1 worker, {meta['agentos_flavour']}); ours = `session-svc serve` "
            f"({meta['ours_config']}); ceiling = pass-through endpoint on the same server and workers as ours.  "
        ),
        f"Load average at start / end: {meta['load_start']} / {meta.get('load_end')}",
        "",
        "## Ours / AgentOS",
        "",
        table,
        "## Targets",
        "",
        report.targets_table(report.targets(agg, rows)),
        "## Every server and workload",
        "",
        report.detail_table(agg),
    ]
    if any(w.startswith("big_") for w in order):
        from bench import big

        lines += ["## Big sessions (bench/big.py)", "", big.table(agg), ""]
    if "overload" in bench.extra:
        o = bench.extra["overload"]
        lines += [
            "## Overload (detail, ours at defaults)",
            "",
            (
                f"Throughput by connections: {', '.join(f'{c}: {r:,.0f}' for c, r in o['curve'])} req/s; saturating at "
                f"{o['saturating_connections']} connections ({o['note']})."
            ),
            "",
            "| connections | req/s | p50 ms | p99 ms | max ms | statuses | 503s | socket errors |",
            "|---:|---:|---:|---:|---:|---|---:|---:|",
            *(
                f"| {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.2f} | {r['statuses']} | "
                f"{r['count_503']} | {r['socket_errors']} |"
                for r in o["runs"]
            ),
            "",
        ]
    if "servers" in bench.extra:
        agentos_detail = agg.get(("detail", report.AGENTOS), {}).get("rps")
        lines += [
            "## Server comparison (our app and the ceiling on each server)",
            "",
            "| server | loop | workers | detail req/s | × AgentOS | ceiling req/s | share of ceiling | detail p99 ms | CPU ms/req | list req/s | RSS MiB per process | connections per process | TCP_NODELAY |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
        ]
        for r in bench.extra["servers"]:
            if "error" in r:
                lines.append(f"| {r['server']} | {r['loop']} | {r['workers']} | failed: {r['error']} |||||||||")
                continue
            lines.append(
                f"| {r['server']} | {r['loop']} | {r['workers']} | {r['detail_rps']:,.0f} | {report.fmt(report.ratio(r['detail_rps'], agentos_detail), 2, '×')} | "
                f"{r['ceiling_rps']:,.0f} | {100 * r['detail_rps'] / r['ceiling_rps']:.0f}% | {r['detail_p99_ms']:.2f} | {r['detail_cpu_ms']:.3f} | "
                f"{r['list_rps']:,.0f} | {r['rss_mib_procs']} | {r['conns_per_process']} | {r.get('tcp_nodelay')} |"
            )
        lines.append("")
    if "budget" in bench.extra:
        from bench import budget

        cpu = {w: (agg.get((w, report.OURS)) or {}).get("cpu_ms_per_req") for w in bench.extra["budget"]}
        lines += [
            "## CPU budget per request (ours, in-process, CPU time)",
            "",
            (
                "Measured after the wrk runs with `time.process_time` on the same rows (see bench/budget.py); "
                "`server + socket` = server CPU per request from the wrk runs minus the in-process app."
            ),
            "",
            budget.table(bench.extra["budget"], cpu),
        ]
    if "profiles" in bench.extra:
        lines += [
            "## Profiles",
            "",
            "py-spy flame graphs and digests beside this file: "
            + ", ".join(f"profile-{n}.svg" for n in bench.extra["profiles"]),
            "",
        ]
    lines += [
        "## Versions",
        "",
        "\n".join(f"- {k}: {v}" for k, v in meta["versions"].items()),
        "",
    ]
    text = "\n".join(lines)
    (bench.out / "summary.md").write_text(text)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="about two minutes: 200 sessions, 1 s warm-up, 2 runs of 2 s, no overload",
    )
    parser.add_argument("--sessions", type=int, help="sessions to seed (default 2000; 200 with --quick)")
    parser.add_argument(
        "--seconds",
        type=int,
        help="seconds per measured run (default 10; 2 with --quick)",
    )
    parser.add_argument("--runs", type=int, help="measured runs per server and workload (default 2)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workloads",
        help="comma-separated subset of: " + ", ".join(workloads(Seeded()).keys()),
    )
    parser.add_argument(
        "--servers",
        action="store_true",
        help="also compare hypercorn/uvicorn/granian, asyncio/uvloop, 1/2 workers",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy our detail and list paths (flame graphs + digests)",
    )
    parser.add_argument("--no-overload", action="store_true", help="skip the overload measurement")
    parser.add_argument(
        "--no-option", action="store_true", help="skip ours with AGNO_SERVER=uvicorn (the faster server option)"
    )
    parser.add_argument("--overload", action="store_true", help="measure overload even with --quick")
    parser.add_argument(
        "--big",
        action="store_true",
        help="also seed and measure big sessions (bench/big.py): list pages of 200-run sessions, "
        "a 1,000-run session's detail and runs at 4 connections, run pages",
    )
    parser.add_argument(
        "--pg-options",
        help="also run ours as 'ours-pgopts' with these libpq options, e.g. '-c plan_cache_mode=force_generic_plan'",
    )
    args = parser.parse_args(argv)

    quick = args.quick
    plan = Plan(
        sessions=args.sessions or (200 if quick else 2000),
        warmup=1 if quick else 3,
        seconds=args.seconds or (2 if quick else 10),
        runs=args.runs or 2,
        connections=args.connections,
    )
    started = datetime.datetime.now(datetime.UTC)
    out = RESULTS / started.strftime("%Y%m%dT%H%M%SZ")
    log_dir = out / "logs"
    log_dir.mkdir(parents=True)
    print(f"results: {out}", flush=True)

    dsn, pg_dir = start_database(plan.sessions)
    seeded = ensure_seeded(dsn, plan.sessions)
    specs = workloads(seeded)
    if args.big:
        from bench import big

        big.ensure_seeded_big(dsn)
        specs.update(big.workloads())
    order = [w for w in specs if not args.workloads or w in args.workloads.split(",")]

    from session_svc.settings import load_settings

    defaults = load_settings({})
    agentos = servers.agentos("agentos", PORTS["agentos"], dsn, log_dir)
    ours = servers.ours("ours", PORTS["ours"], dsn, log_dir)
    group = [agentos, ours]
    if defaults.workers != 1:
        group.append(servers.ours("ours-1w", PORTS["ours-1w"], dsn, log_dir, workers=1))
    if not args.no_option:
        group.append(servers.ours(report.OURS_UVICORN, PORTS[report.OURS_UVICORN], dsn, log_dir, agno_server="uvicorn"))
    if args.pg_options:
        from psycopg.conninfo import make_conninfo

        with_options = make_conninfo(dsn, options=args.pg_options)
        group.append(servers.ours("ours-pgopts", PORTS["ours-pgopts"], with_options, log_dir))
    ceiling = servers.ceiling("ceiling", PORTS["ceiling"], dsn, log_dir, workers=defaults.workers)
    meta: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "command": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "plan": plan.__dict__,
        "sessions_rows": seeded.session_rows,
        "run_rows": seeded.run_rows,
        "load_start": Path("/proc/loadavg").read_text().strip(),
        "versions": versions(dsn),
        "agentos_flavour": "uvloop/httptools"
        if os.environ.get("BENCH_AGENTOS_STANDARD") == "1"
        else "asyncio loop, h11, as `pip install agno[os]` installs",
        "ours_config": f"hypercorn, {defaults.workers} worker(s), worker class {os.environ.get('AGNO_WORKER_CLASS', 'asyncio')}, pool {defaults.pool_min_size}–{defaults.pool_max_size}",
    }
    bench = Bench(out, plan, dsn, pg_dir)
    running = [*group, ceiling]
    try:
        for s in running:
            s.start()
        meta["tcp_nodelay"] = {s.label: s.tcp_nodelay() for s in running}
        if defaults.workers == 1:
            # Our default is one worker: the equal-process comparison is the default run itself.
            meta["ours_1w_is_default"] = True
        for name in order:
            print(f"{name}:", flush=True)
            members = group + ([ceiling] if name == "detail" else [])
            if specs[name].get("ours_only"):  # an extension AgentOS does not have
                members = [s for s in group if s is not agentos]
            bench.compare(name, specs[name], members)
            bench.save(meta)
        if not args.no_overload and (args.overload or not quick):
            print("overload:", flush=True)
            bench.extra["overload"] = overload(bench, ours, specs["detail"]["paths"], plan.seconds)
            bench.save(meta)
        if args.profile:
            print("profiles:", flush=True)
            bench.extra["profiles"] = profile(bench, ours, specs, max(plan.seconds, 8))
    finally:
        for s in running:
            s.stop()
    try:
        import asyncio

        from bench import budget

        bench.extra["budget"] = asyncio.run(budget.measure(dsn, seeded.agent_sessions))
    except Exception as exc:  # noqa: BLE001 - the budget reaches into session_svc internals that may move
        bench.extra["budget_error"] = f"{type(exc).__name__}: {exc}"
        print(f"budget failed: {bench.extra['budget_error']}", flush=True)
    if args.servers:
        print("server comparison:", flush=True)
        # AgentOS's figure for the ratio comes from the main run above (same data, same run).
        bench.extra["servers"] = compare_servers(bench, specs, log_dir)
    meta["load_end"] = Path("/proc/loadavg").read_text().strip()
    bench.save(meta)
    table = write_summary(bench, meta, order)
    print("\n" + table)
    print(f"summary: {out / 'summary.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
