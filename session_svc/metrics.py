"""Prometheus metrics, served at `/metrics` in the text exposition format (prometheus-client).

Request metrics are labelled by the route *template* (`/sessions/{session_id}`), never the raw
path, so label cardinality stays fixed; requests that match no route share `route="unmatched"`.

**One worker** (AGNO_WORKERS=1, and every app a test builds): each app has its own registry, and
pool and fault figures are read from the pools at scrape time (psycopg_pool's `get_stats()`).

**Several workers**: a scrape reaches one worker, but must report the whole service. We use
prometheus-client's multiprocess mode rather than having the parent aggregate its workers: every
worker writes its counters and histograms into memory-mapped files in one directory (a fresh one
per start, made by the supervisor, `PROMETHEUS_MULTIPROC_DIR`), and whichever worker is scraped
sums all of them. That needs no extra channel between processes and no scrape fan-out, and the
files of a worker that died stay in the directory, so its counts stay in the sums: counters never
go down while the service runs. Gauges use "live" modes, whose files the supervisor deletes when a
worker exits (`mark_process_dead`): the request and pool gauges are summed over the live workers
(`livesum`), `db_up` is the minimum (0 when any worker sees the database down). Pool figures cannot
be read at scrape time from other processes, so each worker writes its own every
POOL_REFRESH_SECONDS (and just before answering a scrape).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from .db.database import Database

UNMATCHED_ROUTE = "unmatched"
STANDARD_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"))
# The classic text format, which every Prometheus version parses (generate_latest writes it).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# prometheus-client reads this variable when a metric is created: set by the supervisor before
# any worker starts (supervisor.metrics_directory), absent for one in-process worker.
MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
POOL_REFRESH_SECONDS = 1.0
RESTARTS_NAME = "agno_session_worker_restarts"
RESTARTS_HELP = "Workers started to replace one that exited unexpectedly."

# The labels of every agno_session_db_* family, and (name, help, multiprocess mode) of its gauges.
# `pool` is "primary", or "replica-N" for the N-th configured read replica (db/replicas.py).
DB_LABELS = ("db_id", "pool")
DB_GAUGES: tuple[tuple[str, str, Literal["livesum", "livemin"]], ...] = (
    ("agno_session_db_pool_size", "Connections in the pool (open or opening).", "livesum"),
    ("agno_session_db_pool_in_use", "Pooled connections checked out by requests.", "livesum"),
    ("agno_session_db_pool_idle", "Pooled connections ready for use.", "livesum"),
    ("agno_session_db_pool_max", "AGNO_POOL_MAX_SIZE (summed over workers).", "livesum"),
    ("agno_session_db_pool_waiting", "Requests waiting for a pooled connection.", "livesum"),
    ("agno_session_db_up", "1 while the database answers, 0 while it is marked down.", "livemin"),
)
# Replicas only; the worst worker's view in multiprocess mode (each worker runs its own probe).
LAG_NAME = "agno_session_db_replica_lag_seconds"
LAG_HELP = (
    "0 while the replica has replayed the newest primary WAL position sampled, else the age of the newest one"
    " it has replayed (NaN until measured)."
)
DB_ERRORS_NAME = "agno_session_db_errors"
DB_ERRORS_HELP = "Database errors by kind: unavailable, pool_timeout, statement_timeout, other."
FAULT_KINDS = ("unavailable", "pool_timeout", "statement_timeout", "other")


def multiprocess_directory() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_ENV) or None


def database_figures(db: Database) -> Iterator[tuple[tuple[str, ...], tuple[float, ...]]]:
    """(labels, values in DB_GAUGES order) of each pool of one database, read from the pools now."""
    for pool_label, pool, is_up, _ in db.pools():
        stats = pool.get_stats()
        size = stats.get("pool_size", 0)
        idle = stats.get("pool_available", 0)
        values = (size, max(0, size - idle), idle, stats.get("pool_max", 0), stats.get("requests_waiting", 0))
        yield (db.db_id, pool_label), (*values, 1 if is_up else 0)


def database_errors(db: Database) -> Iterator[tuple[tuple[str, ...], int]]:
    """(labels with kind, count so far) of each pool's faults."""
    for pool_label, _, _, fault_counts in db.pools():
        for kind in FAULT_KINDS:
            yield (db.db_id, pool_label, kind), fault_counts.get(kind, 0)


def replica_lags(db: Database) -> Iterator[tuple[tuple[str, ...], float]]:
    for replica in db.replicas.replicas if db.replicas is not None else ():
        yield (db.db_id, replica.pool_label), replica.lag if replica.lag is not None else math.nan


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "agno_session_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "agno_session_http_request_duration_seconds",
            "Time from the request's arrival to the end of its response, in seconds.",
            ("route", "method", "status"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "agno_session_http_requests_in_flight",
            "Requests being served right now.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        # Incremented by the supervisor (another process): 0 here, summed in multiprocess mode.
        Counter(RESTARTS_NAME, RESTARTS_HELP, registry=self.registry)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._databases: Callable[[], Iterable[Database]] = lambda: ()
        directory = multiprocess_directory()
        self._pool_figures: _SharedDatabaseFigures | None = None
        self._refresh_task: asyncio.Task[None] | None = None
        if directory is None:
            self._scrape_registry = self.registry
            self.registry.register(_DatabaseCollector(lambda: self._databases()))
        else:
            from prometheus_client.multiprocess import MultiProcessCollector

            # Only the files: the per-app registry's metrics are in them already.
            self._scrape_registry = CollectorRegistry()
            MultiProcessCollector(self._scrape_registry, path=directory)
            self._pool_figures = _SharedDatabaseFigures(self.registry)

    def watch_databases(self, databases: Callable[[], Iterable[Database]]) -> None:
        """Report pool and fault figures of whatever databases `databases()` returns. In
        multiprocess mode this starts writing them every POOL_REFRESH_SECONDS (call from the loop)."""
        self._databases = databases
        if self._pool_figures is not None and self._refresh_task is None:
            self._refresh_task = asyncio.get_running_loop().create_task(self._refresh_periodically())

    async def close(self) -> None:
        task, self._refresh_task = self._refresh_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _refresh_periodically(self) -> None:
        while True:
            self._refresh()
            await asyncio.sleep(POOL_REFRESH_SECONDS)

    def _refresh(self) -> None:
        if self._pool_figures is not None:
            self._pool_figures.update(self._databases())

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        # `labels()` validates and hashes on every call; the label sets are few (route templates
        # x methods x statuses), so their children are looked up once.
        if method not in STANDARD_METHODS:
            method = "OTHER"  # clients may send any token as a method: keep the label set bounded
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            labels = (route, method, str(status))
            children = self._children[key] = (self.requests.labels(*labels), self.latency.labels(*labels))
        children[0].inc()
        children[1].observe(seconds)

    def exposition(self) -> bytes:
        self._refresh()  # this worker's own pool figures as of now
        return generate_latest(self._scrape_registry)


class _DatabaseCollector(Collector):
    """One process: the figures straight from the pools at scrape time."""

    def __init__(self, databases: Callable[[], Iterable[Database]]) -> None:
        self._databases = databases

    def describe(self) -> Iterable[object]:
        return ()  # figures exist only once databases are registered; nothing to pre-declare

    def collect(self) -> Iterator[Metric]:
        gauges = [GaugeMetricFamily(name, help_text, labels=list(DB_LABELS)) for name, help_text, _ in DB_GAUGES]
        errors = CounterMetricFamily(DB_ERRORS_NAME, DB_ERRORS_HELP, labels=[*DB_LABELS, "kind"])
        lag = GaugeMetricFamily(LAG_NAME, LAG_HELP, labels=list(DB_LABELS))
        for db in self._databases():
            for labels, values in database_figures(db):
                for gauge, value in zip(gauges, values, strict=True):
                    gauge.add_metric(list(labels), value)
            for error_labels, count in database_errors(db):
                errors.add_metric(list(error_labels), count)
            for lag_labels, seconds in replica_lags(db):
                lag.add_metric(list(lag_labels), seconds)
        yield from (*gauges, errors, lag)


class _SharedDatabaseFigures:
    """Several workers: this worker's pool figures written into its multiprocess files (gauges set,
    the fault counter advanced by what was counted since the last update)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._gauges = [
            Gauge(name, help_text, DB_LABELS, registry=registry, multiprocess_mode=mode)
            for name, help_text, mode in DB_GAUGES
        ]
        self._errors = Counter(DB_ERRORS_NAME, DB_ERRORS_HELP, (*DB_LABELS, "kind"), registry=registry)
        self._lag = Gauge(LAG_NAME, LAG_HELP, DB_LABELS, registry=registry, multiprocess_mode="livemax")
        self._errors_written: dict[tuple[str, ...], int] = {}

    def update(self, databases: Iterable[Database]) -> None:
        for db in databases:
            for labels, values in database_figures(db):
                for gauge, value in zip(self._gauges, values, strict=True):
                    gauge.labels(*labels).set(value)
            for lag_labels, seconds in replica_lags(db):
                if not math.isnan(seconds):  # not measured yet: livemax would compare NaN
                    self._lag.labels(*lag_labels).set(seconds)
            for error_labels, count in database_errors(db):
                written = self._errors_written.get(error_labels)
                if written is None or count > written:
                    self._errors.labels(*error_labels).inc(count - (written or 0))
                    self._errors_written[error_labels] = count


def supervisor_restart_counter() -> Counter:
    """The restart counter of the supervising process, in the workers' multiprocess directory
    (MULTIPROCESS_DIR_ENV must be set): the workers' scrapes add it to theirs."""
    from prometheus_client import values

    # The value class is chosen when prometheus_client is imported; the supervisor may have
    # imported it before the directory existed.
    if not getattr(values.ValueClass, "_multiprocess", False):
        values.ValueClass = values.MultiProcessValue()
    return Counter(RESTARTS_NAME, RESTARTS_HELP, registry=None)


async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(metrics.exposition(), media_type=CONTENT_TYPE)
