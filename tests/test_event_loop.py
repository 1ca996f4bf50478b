"""Event-loop health: a slow read never stalls the worker's other requests.

One real worker (AGNO_WORKERS=1). A session with 2,000 runs (seeded in SQL) is read again and again
through /runs, /run-previews and the detail route; meanwhile /healthz on the same worker is probed.
AgentOS made its database calls synchronously inside async handlers and stalled /health for 1.1 s
behind one slow read. Bounds are generous for a loaded 2-core machine: every probe < 200 ms, median
< 50 ms; and the probes must really have overlapped the reads.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from conftest import create_database
from psycopg.types.json import Jsonb
from support.server import ServedApp

from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings

pytestmark = pytest.mark.slow

RUNS = 2_000
SLOW_SESSION = "slow-session"
PROBE_INTERVAL = 0.01
MAX_PROBE_SECONDS = 0.2
MEDIAN_PROBE_SECONDS = 0.05


def _run(index: int) -> dict:
    text = f"message {index} " + "lorem ipsum dolor sit amet " * 20
    return {
        "run_id": f"run-{index:05d}",
        "agent_id": "agent-1",
        "user_id": "user-1",
        "status": "COMPLETED",
        "content": text,
        "created_at": 1795545569 + index,
        "session_id": SLOW_SESSION,
        "input": {"input_content": f"question {index}"},
        "metrics": {"input_tokens": 12, "output_tokens": 5, "total_tokens": 17},
        "messages": [
            {"id": f"u{index}", "role": "user", "content": f"question {index}", "created_at": 1795545569 + index},
            {"id": f"a{index}", "role": "assistant", "content": text, "created_at": 1795545569 + index},
        ],
    }


@pytest.fixture(scope="module")
def slow_dsn(pg_server_dsn: str) -> str:
    dsn = create_database(pg_server_dsn, "session_svc_event_loop")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, user_id, session_data, created_at, updated_at)"
            " VALUES (%s, 'agent', 'agent-1', 'user-1', 'null', 1795545569, 1795545569)",
            [SLOW_SESSION],
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO ai.agno_runs (run_id, session_id, run_type, agent_id, user_id, status, run_index,"
                " run_data, created_at) VALUES (%s, %s, 'agent', 'agent-1', 'user-1', 'COMPLETED', %s, %s, %s)",
                [
                    (run["run_id"], SLOW_SESSION, i, Jsonb(run), run["created_at"])
                    for i, run in enumerate(map(_run, range(RUNS)))
                ],
            )
    return dsn


@pytest.fixture(scope="module")
def server(slow_dsn: str) -> Iterator[ServedApp]:
    with ServedApp(slow_dsn, workers=1) as served:
        yield served


_READER = """
import sys, time, httpx
url, paths = sys.argv[1], sys.argv[2:]
with httpx.Client(base_url=url, timeout=60) as client:
    for path in paths:
        started = time.monotonic()
        response = client.get(path)
        print(started, time.monotonic(), response.status_code, flush=True)
"""
READ_PATHS = [
    f"/sessions/{SLOW_SESSION}{suffix}" for suffix in ("/runs", "/run-previews", "", "/runs", "/run-previews", "")
]


def _probe_while_reading(url: str) -> tuple[list[float], list[float]]:
    """Probe /healthz while slow reads are in flight; returns the latencies of the probes made
    entirely inside a read, and the read durations.

    The reads run in another process (so this process's clock measures the server, not its own GIL
    or parsing); time.monotonic() is the same clock in both.
    """
    reader = subprocess.Popen([sys.executable, "-c", _READER, url, *READ_PATHS], stdout=subprocess.PIPE, text=True)
    samples: list[tuple[float, float]] = []
    with httpx.Client(base_url=url, timeout=60) as prober:
        prober.get("/healthz")  # open the probe connection before measuring
        while reader.poll() is None:
            started = time.monotonic()
            response = prober.get("/healthz")
            samples.append((started, time.monotonic()))
            assert response.status_code == 200 and response.json() == {"status": "ok"}
            time.sleep(PROBE_INTERVAL)
    output, _ = reader.communicate(timeout=60)
    reads = [tuple(map(float, line.split())) for line in output.splitlines()]
    assert reader.returncode == 0 and len(reads) == len(READ_PATHS), output
    assert all(int(status) == 200 for _, _, status in reads), output
    inside = [end - start for start, end in samples if any(r0 <= start and end <= r1 for r0, r1, _ in reads)]
    return inside, [r1 - r0 for r0, r1, _ in reads]


def test_the_slow_read_returns_every_run(server: ServedApp) -> None:
    runs = httpx.get(f"{server.url}/sessions/{SLOW_SESSION}/runs", timeout=60).json()
    assert len(runs) == RUNS and runs[0]["run_id"] == "run-00000" and runs[-1]["run_id"] == f"run-{RUNS - 1:05d}"


def test_healthz_answers_fast_while_slow_reads_are_in_flight(server: ServedApp) -> None:
    """CPU-heavy reads (decode, render and encode 2,000 runs, ~3.4 MB): rendering runs off the loop."""
    probes, reads = _probe_while_reading(server.url)
    # The reads must be slow enough that probes really ran beside them.
    assert len(probes) >= 10, f"only {len(probes)} probes overlapped reads of {[round(r, 3) for r in reads]}"
    worst, median = max(probes), statistics.median(probes)
    report = f"{len(probes)} probes: median {median * 1000:.1f} ms, max {worst * 1000:.1f} ms; reads {[round(r, 3) for r in reads]}"
    assert worst < MAX_PROBE_SECONDS, report
    assert median < MEDIAN_PROBE_SECONDS, report


def test_healthz_answers_fast_while_a_read_waits_on_the_database(server: ServedApp, slow_dsn: str) -> None:
    """A read stuck in PostgreSQL (here: behind a table lock held for LOCK_SECONDS) must not hold the
    worker: that is AgentOS's failure (a synchronous database call inside an async handler)."""
    lock_seconds = 1.5
    read_result: dict[str, float | int] = {}

    def blocked_read() -> None:
        started = time.perf_counter()
        response = httpx.get(f"{server.url}/sessions/{SLOW_SESSION}/run-previews", timeout=60)
        read_result.update(status=response.status_code, seconds=time.perf_counter() - started)

    with psycopg.connect(slow_dsn) as locker:
        locker.execute("LOCK TABLE ai.agno_runs IN ACCESS EXCLUSIVE MODE")
        reader = threading.Thread(target=blocked_read)
        probes: list[float] = []
        with httpx.Client(base_url=server.url, timeout=10) as prober:
            prober.get("/healthz")
            reader.start()
            time.sleep(0.1)  # the read is now waiting for the lock
            deadline = time.perf_counter() + lock_seconds
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                assert prober.get("/healthz").status_code == 200
                probes.append(time.perf_counter() - started)
                time.sleep(PROBE_INTERVAL)
        assert reader.is_alive(), "the read did not wait for the lock: nothing was proven"
        locker.rollback()  # release the lock
    reader.join(timeout=30)
    assert read_result["status"] == 200 and read_result["seconds"] >= lock_seconds
    report = f"{len(probes)} probes: median {statistics.median(probes) * 1000:.1f} ms, max {max(probes) * 1000:.1f} ms"
    assert max(probes) < MAX_PROBE_SECONDS / 2, report
    assert statistics.median(probes) < MEDIAN_PROBE_SECONDS / 5, report
