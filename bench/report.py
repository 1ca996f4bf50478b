"""Summaries of bench runs: aggregation, ratios against AgentOS, the performance targets, markdown.

Pure functions over plain dicts (one dict per wrk run), so tests/test_bench_tools.py can check them
without servers.
"""

from __future__ import annotations

import statistics
from typing import Any

AGENTOS = "agentos"
OURS = "ours"
OURS_1W = "ours-1w"
# The same service with AGNO_SERVER=uvicorn (the documented faster option), default workers.
OURS_UVICORN = "ours-uvicorn"
CEILING = "ceiling"
# target: "if a faster server is offered as an option, detail >= 12x with it"
OPTION_DETAIL_TARGET = 12.0
READ_WORKLOADS = (
    "detail",
    "list",
    "list_filtered",
    "runs",
    "run_previews",
    "one_run",
    "detail_c1",
)
# targets at 16 connections: workload -> minimum ours/AgentOS req/s ratio
RATIO_TARGETS = {"detail": 8.0, "runs": 8.0, "list": 10.0}


def aggregate(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Measured runs grouped by (workload, server): mean req/s, median latencies, summed errors."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        if r.get("phase") == "measured":
            groups.setdefault((r["workload"], r["server"]), []).append(r)
    out = {}
    for key, runs in groups.items():
        cpu = [r["cpu_ms_per_req"] for r in runs if r.get("cpu_ms_per_req") is not None]
        db_cpu = [r["db_cpu_ms_per_req"] for r in runs if r.get("db_cpu_ms_per_req") is not None]
        out[key] = {
            "runs": len(runs),
            "rps": statistics.fmean(r["rps"] for r in runs),
            "rps_min": min(r["rps"] for r in runs),
            "rps_max": max(r["rps"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p90_ms": statistics.median(r["p90_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "errors": sum(r["non2xx"] + r["socket_errors"] for r in runs),
            "rss_mib": max(r["rss_mib_total"] for r in runs),
            "processes": max(len(r["rss_mib_procs"]) for r in runs),
            "rss_mib_max_process": max(max(r["rss_mib_procs"] or [0]) for r in runs),
            "cpu_ms_per_req": statistics.fmean(cpu) if cpu else None,
            "db_cpu_ms_per_req": statistics.fmean(db_cpu) if db_cpu else None,
            "bytes_per_request": statistics.fmean(r.get("bytes_per_request", 0) for r in runs),
        }
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or not b:
        return None
    return a / b


def fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def ratio_rows(
    agg: dict[tuple[str, str], dict[str, Any]],
    workloads: list[str],
    ours: str = OURS,
    one_worker: str = OURS_1W,
) -> list[dict[str, Any]]:
    """One row per workload measured on both AgentOS and ours. `one_worker` names the run of ours
    with one worker (ours itself when that is the default)."""
    rows = []
    for w in workloads:
        a, o = agg.get((w, AGENTOS)), agg.get((w, ours))
        if not a or not o:
            continue
        one = agg.get((w, one_worker))
        option = agg.get((w, OURS_UVICORN))
        ceil = agg.get((w, CEILING))
        rows.append(
            {
                "workload": w,
                "agentos_rps": a["rps"],
                "ours_rps": o["rps"],
                "ratio": ratio(o["rps"], a["rps"]),
                "ratio_1w": ratio(one["rps"], a["rps"]) if one else None,
                "ratio_option": ratio(option["rps"], a["rps"]) if option else None,
                "option_p99": option["p99_ms"] if option else None,
                "option_errors": option["errors"] if option else 0,
                "ceiling_share": ratio(o["rps"], ceil["rps"]) if ceil else None,
                "agentos_p50": a["p50_ms"],
                "agentos_p99": a["p99_ms"],
                "ours_p50": o["p50_ms"],
                "ours_p99": o["p99_ms"],
                "ours_errors": o["errors"],
                "agentos_errors": a["errors"],
                "ours_cpu": o["cpu_ms_per_req"],
                "agentos_cpu": a["cpu_ms_per_req"],
            }
        )
    return rows


def ratio_table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| workload | AgentOS req/s | ours req/s | ours/AgentOS | 1 worker each | share of ceiling | "
        "AgentOS p50 / p99 ms | ours p50 / p99 ms | errors (ours/AgentOS) | CPU ms/req (ours/AgentOS) | "
        "AGNO_SERVER=uvicorn: × AgentOS, p99 ms |\n"
        "|---|---:|---:|---:|---:|---:|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r['workload']} | {fmt(r['agentos_rps'])} | {fmt(r['ours_rps'])} | {fmt(r['ratio'], 2, '×')} | "
        f"{fmt(r['ratio_1w'], 2, '×')} | {fmt(r['ceiling_share'] * 100 if r['ceiling_share'] is not None else None, 0, '%')} | "
        f"{fmt(r['agentos_p50'], 2)} / {fmt(r['agentos_p99'], 2)} | {fmt(r['ours_p50'], 2)} / {fmt(r['ours_p99'], 2)} | "
        f"{r['ours_errors']} / {r['agentos_errors']} | {fmt(r['ours_cpu'], 3)} / {fmt(r['agentos_cpu'], 3)} | "
        f"{fmt(r.get('ratio_option'), 2, '×')}, {fmt(r.get('option_p99'), 2)} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def detail_table(agg: dict[tuple[str, str], dict[str, Any]]) -> str:
    head = (
        "| workload | server | runs | req/s (min–max) | p50 / p90 / p99 ms | errors | RSS MiB (procs, max proc) | "
        "server CPU ms/req | PostgreSQL CPU ms/req | bytes/response |\n|---|---|---:|---|---|---:|---|---:|---:|---:|\n"
    )
    lines = []
    for (w, s), a in sorted(agg.items()):
        lines.append(
            f"| {w} | {s} | {a['runs']} | {fmt(a['rps'])} ({fmt(a['rps_min'], 0)}–{fmt(a['rps_max'], 0)}) | "
            f"{fmt(a['p50_ms'], 2)} / {fmt(a['p90_ms'], 2)} / {fmt(a['p99_ms'], 2)} | {a['errors']} | "
            f"{fmt(a['rss_mib'])} ({a['processes']}, {fmt(a['rss_mib_max_process'])}) | {fmt(a['cpu_ms_per_req'], 3)} | "
            f"{fmt(a['db_cpu_ms_per_req'], 3)} | {fmt(a['bytes_per_request'], 0)} |"
        )
    return head + "\n".join(lines) + "\n"


def targets(
    agg: dict[tuple[str, str], dict[str, Any]], rows: list[dict[str, Any]]
) -> list[tuple[str, bool | None, str]]:
    """(target, met?, measured) for each issue-7 target this run can judge."""
    by = {r["workload"]: r for r in rows}
    out: list[tuple[str, bool | None, str]] = []
    for w, want in RATIO_TARGETS.items():
        r = by.get(w)
        if r and r["ratio"] is not None:
            out.append((f"{w} ≥ {want:g}× AgentOS", r["ratio"] >= want, f"{r['ratio']:.2f}×"))
    errors = sum(r["ours_errors"] for r in rows)
    out.append(("zero errors (ours, all workloads)", errors == 0, str(errors)))
    d = by.get("detail")
    if d and d["ceiling_share"] is not None:
        out.append(
            (
                "detail ≥ 75% of the pass-through ceiling",
                d["ceiling_share"] >= 0.75,
                f"{d['ceiling_share'] * 100:.0f}%",
            )
        )
    slow = [r["workload"] for r in rows if r["workload"] in READ_WORKLOADS and r["ours_p99"] >= r["agentos_p50"]]
    reads = [r for r in rows if r["workload"] in READ_WORKLOADS]
    if reads:
        out.append(
            (
                "ours p99 < AgentOS p50 on every read",
                not slow,
                "all reads" if not slow else "missed: " + ", ".join(slow),
            )
        )
    if d and d["ratio_1w"] is not None:
        out.append(
            (
                "detail ≥ 6× at one worker each",
                d["ratio_1w"] >= 6,
                f"{d['ratio_1w']:.2f}×",
            )
        )
    if d and d.get("ratio_option") is not None:
        out.append(
            (
                f"detail ≥ {OPTION_DETAIL_TARGET:g}× with the faster server option (AGNO_SERVER=uvicorn)",
                d["ratio_option"] >= OPTION_DETAIL_TARGET,
                f"{d['ratio_option']:.2f}×",
            )
        )
        option_slow = [
            r["workload"] for r in reads if r["option_p99"] is not None and r["option_p99"] >= r["agentos_p50"]
        ]
        option_errors = sum(r["option_errors"] for r in rows)
        out.append(
            (
                "with AGNO_SERVER=uvicorn: zero errors, p99 < AgentOS p50 on every read",
                not option_slow and option_errors == 0,
                f"{option_errors} errors; " + ("all reads" if not option_slow else "missed: " + ", ".join(option_slow)),
            )
        )
    a, o = agg.get(("detail", AGENTOS)), agg.get(("detail", OURS))
    if a and o:
        per_worker = o["rss_mib_max_process"]
        out.append(
            (
                "RSS per worker ≤ 1/3 of AgentOS's",
                per_worker <= a["rss_mib_max_process"] / 3,
                f"{per_worker:.0f} MiB vs {a['rss_mib_max_process']:.0f} MiB",
            )
        )
    return out


def targets_table(items: list[tuple[str, bool | None, str]]) -> str:
    mark = {True: "met", False: "**missed**", None: "–"}
    return (
        "| target | result | measured |\n|---|---|---|\n"
        + "\n".join(f"| {t} | {mark[ok]} | {m} |" for t, ok, m in items)
        + "\n"
    )
