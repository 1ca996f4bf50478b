"""The bench's pure helpers: wrk result parsing, aggregation, ratios and the issue-7 target checks.

No servers, no wrk: these run in the default suite in milliseconds.
"""

from __future__ import annotations

from bench import report, wrk


def _run(server: str, workload: str, rps: float, p50: float, p99: float, **kw) -> dict:
    base = {
        "workload": workload, "server": server, "phase": "measured", "rps": rps, "p50_ms": p50, "p90_ms": p99 / 2,
        "p99_ms": p99, "non2xx": 0, "socket_errors": 0, "rss_mib_total": 60.0, "rss_mib_procs": [60.0],
        "cpu_ms_per_req": 0.5, "db_cpu_ms_per_req": 0.2,
    }  # fmt: skip
    return {**base, **kw}


def test_parse_reads_the_done_hook_line():
    line = (
        'BENCH_RESULT {"requests":2000,"duration_us":2000000,"bytes":1,"connect":1,"read":2,"write":0,'
        '"status":3,"timeout":4,"p50":1500,"p90":2500,"p99":9000,"mean":1700.5,"max":12000,"statuses":{"200":1997,"503":3}}'
    )
    r = wrk.parse(line)
    assert (r.rps, r.p50_ms, r.p90_ms, r.p99_ms) == (1000.0, 1.5, 2.5, 9.0)
    assert (r.non2xx, r.socket_errors, r.errors) == (3, 7, 10)
    assert r.statuses == {"200": 1997, "503": 3}


def test_scripts_cycle_paths_and_count_statuses_only_when_asked():
    plain = wrk.cycle_script("GET", ["/a", "/b"])
    assert '"/a"' in plain and '"/b"' in plain and "BENCH_RESULT" in plain
    assert "response = function" not in plain
    assert "response = function" in wrk.cycle_script("GET", ["/a"], count_statuses=True)


def test_aggregate_skips_warmups_and_ratios_compare_with_agentos():
    records = [
        _run("agentos", "detail", 100, 100, 250, phase="warmup"),
        _run("agentos", "detail", 140, 100, 250),
        _run("agentos", "detail", 160, 110, 260),
        _run("ours", "detail", 1500, 8, 20, non2xx=1),
        _run("ours", "detail", 1700, 9, 22),
        _run("ceiling", "detail", 2000, 7, 15),
        _run("ours-uvicorn", "detail", 1950, 6, 120),
    ]
    agg = report.aggregate(records)
    assert agg[("detail", "agentos")]["rps"] == 150
    assert agg[("detail", "agentos")]["runs"] == 2
    rows = report.ratio_rows(agg, ["detail", "list"], one_worker="ours")
    assert len(rows) == 1  # list was not measured on both
    row = rows[0]
    assert row["ratio"] == 1600 / 150 and row["ceiling_share"] == 0.8 and row["ours_errors"] == 1
    assert "10.67×" in report.ratio_table(rows) and "80%" in report.ratio_table(rows)
    results = {name: ok for name, ok, _ in report.targets(agg, rows)}
    assert results["detail ≥ 8× AgentOS"] is True
    assert results["zero errors (ours, all workloads)"] is False
    assert results["detail ≥ 75% of the pass-through ceiling"] is True
    assert results["ours p99 < AgentOS p50 on every read"] is True
    assert results["detail ≥ 12× with the faster server option (AGNO_SERVER=uvicorn)"] is True  # 13×
    assert results["with AGNO_SERVER=uvicorn: zero errors, p99 < AgentOS p50 on every read"] is False  # 120 ms
    assert "13.00×, 120.00" in report.ratio_table(rows)


def test_targets_report_misses():
    agg = report.aggregate([_run("agentos", "list", 70, 200, 450), _run("ours", "list", 300, 210, 300)])
    rows = report.ratio_rows(agg, ["list"])
    results = {name: (ok, measured) for name, ok, measured in report.targets(agg, rows)}
    assert results["list ≥ 10× AgentOS"] == (False, "4.29×")
    assert results["ours p99 < AgentOS p50 on every read"] == (False, "missed: list")


def test_scale_names_the_indexes_migrate_creates():
    from bench import scale
    from session_svc.db.migrate import EXTRA_SESSION_INDEXES

    names = scale.extra_index_names()
    assert len(names) == len(EXTRA_SESSION_INDEXES)
    assert names[0] == "idx_agno_sessions_user_id_updated_at"
