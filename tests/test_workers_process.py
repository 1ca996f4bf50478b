"""Several workers under a real `session-svc serve` (AGNO_WORKERS=2) on a real PostgreSQL.

* metrics: whichever worker a scrape reaches, the counters are the sums over all workers, exactly,
  on every scrape, and never go down, not even when a worker is killed and replaced;
* supervision: `kill -9` of one worker under steady load (what the OOM killer does): only requests
  in flight on it may fail, a replacement serves within 2 s, readiness stays 200;
* a crash loop (a worker that dies at once on every start) stops the service with exit code 1
  and one ERROR line.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import test_ops_process
from conftest import create_database
from prometheus_client.parser import text_string_to_metric_families
from test_ops_process import Service, _children, _free_port, _socket_inodes, _tcp_sockets_on_port, _wait_for

from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc")

REQUESTS = 120
start_service = test_ops_process.start_service  # the fixture: processes stopped by PID afterwards


@pytest.fixture(scope="module")
def ops_dsn(pg_server_dsn: str) -> str:
    dsn = create_database(pg_server_dsn, "session_svc_workers_process")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    return dsn


def _listening_workers(service: Service) -> dict[int, set[int]]:
    """worker pid -> its listening sockets on the service's port (it listens once its app started)."""
    states = _tcp_sockets_on_port(service.port)
    found = {}
    for pid in _children(service.proc.pid):
        inodes = {inode for inode in _socket_inodes(pid) if states.get(inode) == "0A"}
        if inodes:
            found[pid] = inodes
    return found


def _get(port: int, path: str) -> tuple[int, bytes]:
    """One request on a fresh connection, so the kernel picks a worker for each."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = _get(port, "/metrics")
    assert status == 200
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> float:
    return sum(value for (sample, _), value in samples.items() if sample == name)


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def _replaced(service: Service, victim: int) -> bool:
    """Two workers listen again, none of them `victim` (one snapshot: a dying victim's sockets
    vanish between two looks)."""
    workers = _listening_workers(service)
    return len(workers) == 2 and victim not in workers


def _start_two_workers(start_service: Callable[[dict[str, str]], Service], dsn: str) -> Service:
    service = start_service({"AGNO_PG_DSN": dsn, "AGNO_WORKERS": "2"})
    assert _wait_for(lambda: len(_listening_workers(service)) == 2, 30), service.log_text()
    return service


def test_metrics_are_summed_over_workers_and_survive_a_replacement(
    ops_dsn: str, start_service: Callable[[dict[str, str]], Service]
) -> None:
    service = _start_two_workers(start_service, ops_dsn)
    port = service.port
    counted = "agno_session_http_requests_total"
    before = _total(_scrape(port), counted)
    for i in range(REQUESTS):
        assert _get(port, "/sessions/no-such-session" if i % 2 else "/healthz")[0] in (200, 404)
    totals = []
    for scrape in range(10):  # each on a new connection: both workers answer some of them
        samples = _scrape(port)
        totals.append(_total(samples, counted))
        # everything before it: the requests, the first scrape and the scrapes of this loop
        assert totals[-1] == before + 1 + REQUESTS + scrape, (scrape, totals)
    assert totals == sorted(totals)

    # Pool figures add up over the workers: each has its own pool of AGNO_POOL_MAX_SIZE (10).
    assert _wait_for(
        lambda: _value(_scrape(port), "agno_session_db_pool_size", db_id="default", pool="primary") >= 4, 5
    )
    samples = _scrape(port)
    assert _value(samples, "agno_session_db_pool_max", db_id="default", pool="primary") == 20
    size = _value(samples, "agno_session_db_pool_size", db_id="default", pool="primary")
    in_use = _value(samples, "agno_session_db_pool_in_use", db_id="default", pool="primary")
    idle = _value(samples, "agno_session_db_pool_idle", db_id="default", pool="primary")
    assert in_use + idle == size
    assert _value(samples, "agno_session_db_up", db_id="default", pool="primary") == 1
    assert _value(samples, "agno_session_worker_restarts_total") == 0
    assert _value(samples, "agno_session_http_requests_in_flight") == 1  # this scrape

    # A killed worker's counts stay in the sums; its replacement adds to them.
    last = _total(_scrape(port), counted)
    victim = next(iter(_listening_workers(service)))
    os.kill(victim, signal.SIGKILL)
    assert _wait_for(lambda: _replaced(service, victim), 10)
    for scrape in range(6):
        samples = _scrape(port)
        assert _total(samples, counted) == last + 1 + scrape
        assert _value(samples, "agno_session_worker_restarts_total") == 1
        assert _value(samples, "agno_session_db_pool_max", db_id="default", pool="primary") == 20  # the dead one's left


class SteadyLoad:
    """A client sending one request after another, each on a fresh connection, recording
    (start, end, outcome) for every request."""

    def __init__(self, port: int, path: str) -> None:
        self.port = port
        self.path = path
        self.results: list[tuple[float, float, int | str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                outcome: int | str = _get(self.port, self.path)[0]
            except OSError as exc:
                outcome = type(exc).__name__
            self.results.append((started, time.monotonic(), outcome))
            time.sleep(0.005)

    def stop(self) -> list[tuple[float, float, int | str]]:
        self._stop.set()
        self._thread.join(15)
        return self.results


def test_a_killed_worker_is_replaced_while_the_other_keeps_serving(
    ops_dsn: str, start_service: Callable[[dict[str, str]], Service]
) -> None:
    service = _start_two_workers(start_service, ops_dsn)
    reads = SteadyLoad(service.port, "/sessions?limit=5")
    readiness = SteadyLoad(service.port, "/readyz")
    time.sleep(1)
    first_workers = set(_listening_workers(service))
    victim = next(iter(first_workers))
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    # The kernel drops its listener once the process is torn down (slower on a loaded machine);
    # connections queued on it until then were on the dead worker too.
    assert _wait_for(lambda: victim not in _listening_workers(service), 5, 0.002)
    gone_after = time.monotonic() - killed_at
    replaced = _wait_for(lambda: _replaced(service, victim), 10, 0.02)
    replaced_after = time.monotonic() - killed_at
    assert replaced, service.log_text()
    # It serves: connections keep arriving until one is accepted by the new worker and answered.
    (newcomer,) = set(_listening_workers(service)) - first_workers
    served_by_new = False
    for _ in range(64):
        conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=5)
        conn.request("GET", "/sessions?limit=1")
        response = conn.getresponse()
        assert response.status == 200
        response.read()
        states = _tcp_sockets_on_port(service.port)  # the answering worker still holds the connection
        on_new = any(states.get(inode) == "01" for inode in _socket_inodes(newcomer))
        conn.close()
        if on_new:
            served_by_new = True
            break
    serving_after = time.monotonic() - killed_at
    time.sleep(1)
    results = reads.stop() + readiness.stop()
    assert replaced_after < 2 and served_by_new and serving_after < 2.5, (replaced_after, serving_after)

    # Only requests in flight on the worker when it died may fail (their connection was on it).
    failed = [(start - killed_at, outcome) for start, end, outcome in results if outcome != 200]
    assert all(start <= gone_after + 0.01 for start, _ in failed), (gone_after, failed)
    assert len(failed) <= 4, failed
    assert sum(1 for start, _, outcome in results if start > killed_at and outcome == 200) > 20
    lines = service.log_lines()
    assert any(
        line.get("message", "").startswith(f"worker {victim} exited unexpectedly with exit code -9") for line in lines
    ), lines
    service.terminate()
    assert service.proc.wait(20) == 0


def test_a_crash_loop_stops_the_service_with_one_line(ops_dsn: str, tmp_path: Path) -> None:
    # A worker that dies at once on every start. Workers are forked (os.fork) by the fork server;
    # nothing else in the service uses os.fork (subprocesses are fork-exec'd), so this
    # sitecustomize kills exactly the workers, before they run anything of ours. (Where workers
    # are spawned instead, they run `python -c ... --multiprocessing-fork`.)
    (tmp_path / "sitecustomize.py").write_text(
        "import os, signal, sys\n"
        "def _die():\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.register_at_fork(after_in_child=_die)\n"
        "if '--multiprocessing-fork' in sys.argv:\n"
        "    _die()\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("AGNO_")}
    env.update(
        PYTHONPATH=str(tmp_path),
        AGNO_PG_DSN=ops_dsn,
        AGNO_WORKERS="2",
        AGNO_SERVICE_HOST="127.0.0.1",
        AGNO_SERVICE_PORT=str(_free_port()),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "session_svc", "serve"], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1, proc.stderr
    crash_lines = [line for line in proc.stderr.splitlines() if "crash loop" in line]
    assert len(crash_lines) == 1, proc.stderr
    assert "5 worker exits within 60 s" in crash_lines[0] and "stopping the service" in crash_lines[0]
    assert '"level":"ERROR"' in crash_lines[0].replace(" ", "")
