"""`just bench-cutover`: what the live comparison costs, measured with wrk on the bench data.

    python bench/cutover.py [--sessions N] [--seconds S] [--runs R]

Two pairs, each a discarded warm-up per server then measured runs alternating the servers:

* `verify` at AGNO_COMPARE_SAMPLE=1.0 against `off` (our defaults, AgentOS as upstream), on the
  detail workload: req/s of each (the comparisons run after the responses, bounded by
  AGNO_COMPARE_CONCURRENCY; the overflow is counted skipped), and the compare outcomes scraped from
  one worker;
* `shadow` against AgentOS alone, on the same workload: the p50/p99 it adds, at the bench's
  connections (both saturated: queueing dominates) and at one connection (the proxy hop itself).

Results go to bench-results/cutover-<UTC timestamp>/ (summary.md, summary.json, server logs).
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/: `contract`
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: `bench`, session_svc

from bench import servers, wrk
from bench.run import RESULTS, ensure_seeded, start_database

PORTS = {"agentos": 18201, "ours-off": 18202, "ours-verify": 18203, "ours-shadow": 18204}


def compare_counts(port: int) -> dict[str, float]:
    counts: dict[str, float] = {}
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("agno_session_compare_total{"):
                labels, value = line.rsplit(" ", 1)
                outcome = labels.split('outcome="', 1)[1].split('"', 1)[0]
                counts[outcome] = counts.get(outcome, 0) + float(value)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)

    started = datetime.datetime.now(datetime.UTC)
    out = RESULTS / f"cutover-{started.strftime('%Y%m%dT%H%M%SZ')}"
    (out / "logs").mkdir(parents=True)
    dsn, _ = start_database(args.sessions)
    seeded = ensure_seeded(dsn, args.sessions)
    paths = [f"/sessions/{sid}?type=agent" for sid in seeded.agent_sessions[:200]]
    script = out / "detail.lua"
    script.write_text(wrk.cycle_script("GET", paths))

    agentos = servers.agentos("agentos", PORTS["agentos"], dsn, out / "logs")
    upstream = f"http://127.0.0.1:{PORTS['agentos']}"
    group = {"agentos": agentos}
    for mode in ("off", "verify", "shadow"):
        server = servers.ours(f"ours-{mode}", PORTS[f"ours-{mode}"], dsn, out / "logs")
        server.env.update({"AGNO_AGENTOS_URL": upstream, "AGNO_COMPARE_MODE": mode, "AGNO_COMPARE_SAMPLE": "1.0",
                           "AGNO_LOG_LEVEL": "WARNING"})  # fmt: skip
        group[server.label] = server
    records: list[dict[str, Any]] = []

    def measure(label: str, phase: str, seconds: int, connections: int) -> None:
        threads = min(2, connections)
        result = wrk.run(f"http://127.0.0.1:{group[label].port}", script, seconds, connections, threads)
        record = {"server": label, "phase": phase, "connections": connections, "rps": result.rps,
                  "p50_ms": result.p50_ms, "p99_ms": result.p99_ms, "errors": result.non2xx + result.socket_errors}  # fmt: skip
        records.append(record)
        print(f"  {phase:8s} {label:12s} {result.rps:9.1f} req/s  p50 {result.p50_ms:7.2f}  p99 {result.p99_ms:7.2f} ms"
              f"  err {record['errors']}", flush=True)  # fmt: skip

    try:
        for server in group.values():
            server.start()
        pairs = (
            (("ours-off", "ours-verify"), args.connections),
            (("agentos", "ours-shadow"), args.connections),
            (("agentos", "ours-shadow"), 1),
        )
        for pair, connections in pairs:
            print(f"{pair[0]} vs {pair[1]}, {connections} connection(s):", flush=True)
            for label in pair:
                measure(label, "warmup", 2, connections)
            for _ in range(args.runs):
                for label in pair:
                    measure(label, "measured", args.seconds, connections)
        outcomes = {label: compare_counts(group[label].port) for label in ("ours-verify", "ours-shadow")}
    finally:
        for server in group.values():
            server.stop()

    def median(label: str, key: str, connections: int = args.connections) -> float:
        return statistics.median(
            r[key]
            for r in records
            if r["server"] == label and r["phase"] == "measured" and r["connections"] == connections
        )

    summary = {
        "started": started.isoformat(timespec="seconds"),
        "plan": vars(args),
        "loadavg_end": Path("/proc/loadavg").read_text().strip(),
        "verify_rps": median("ours-verify", "rps"),
        "off_rps": median("ours-off", "rps"),
        "agentos_p50_ms": median("agentos", "p50_ms"),
        "agentos_p99_ms": median("agentos", "p99_ms"),
        "shadow_p50_ms": median("ours-shadow", "p50_ms"),
        "shadow_p99_ms": median("ours-shadow", "p99_ms"),
        "agentos_c1_p50_ms": median("agentos", "p50_ms", 1),
        "agentos_c1_p99_ms": median("agentos", "p99_ms", 1),
        "shadow_c1_p50_ms": median("ours-shadow", "p50_ms", 1),
        "shadow_c1_p99_ms": median("ours-shadow", "p99_ms", 1),
        "compare_outcomes": outcomes,
        "records": records,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    lines = [
        (
            f"# cut-over cost ({summary['started']}, {args.sessions} sessions, detail workload, {args.connections}"
            f" connections, median of {args.runs} alternating {args.seconds} s runs; shared machine: figures are noisy)"
        ),
        "",
        "| measurement | value |",
        "|---|---|",
        f"| verify (sample 1.0, AGNO_COMPARE_CONCURRENCY 4) req/s | {summary['verify_rps']:,.0f} |",
        f"| off req/s | {summary['off_rps']:,.0f} |",
        f"| verify / off | {summary['verify_rps'] / summary['off_rps']:.2f} |",
        f"| AgentOS alone p50 / p99 ms | {summary['agentos_p50_ms']:.2f} / {summary['agentos_p99_ms']:.2f} |",
        f"| shadow p50 / p99 ms | {summary['shadow_p50_ms']:.2f} / {summary['shadow_p99_ms']:.2f} |",
        (
            f"| shadow adds p50 / p99 ms | {summary['shadow_p50_ms'] - summary['agentos_p50_ms']:+.2f} /"
            f" {summary['shadow_p99_ms'] - summary['agentos_p99_ms']:+.2f} |"
        ),
        f"| AgentOS alone, 1 connection, p50 / p99 ms | {summary['agentos_c1_p50_ms']:.2f} / {summary['agentos_c1_p99_ms']:.2f} |",
        f"| shadow, 1 connection, p50 / p99 ms | {summary['shadow_c1_p50_ms']:.2f} / {summary['shadow_c1_p99_ms']:.2f} |",
        (
            f"| shadow adds, 1 connection, p50 / p99 ms | {summary['shadow_c1_p50_ms'] - summary['agentos_c1_p50_ms']:+.2f} /"
            f" {summary['shadow_c1_p99_ms'] - summary['agentos_c1_p99_ms']:+.2f} |"
        ),
        f"| compare outcomes (scrape, summed over workers) | verify {outcomes['ours-verify']}, shadow {outcomes['ours-shadow']} |",
    ]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
