"""Prometheus metrics, served at `/metrics` in the text exposition format (prometheus-client).

Request metrics are labelled by the route *template* (`/sessions/{session_id}`), never the raw
path, so label cardinality stays fixed; requests that match no route share `route="unmatched"`.
Pool and fault figures are read from the pools at scrape time (psycopg_pool's `get_stats()`).

Each app has its own registry (tests build many apps in one process). With AGNO_WORKERS > 1 every
worker process has its own figures and a scrape reaches one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
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
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._databases: Callable[[], Iterable[Database]] = lambda: ()
        self.registry.register(_DatabaseCollector(lambda: self._databases()))

    def watch_databases(self, databases: Callable[[], Iterable[Database]]) -> None:
        """Report pool and fault figures of whatever databases `databases()` returns at scrape time."""
        self._databases = databases

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
        return generate_latest(self.registry)


class _DatabaseCollector(Collector):
    def __init__(self, databases: Callable[[], Iterable[Database]]) -> None:
        self._databases = databases

    def describe(self) -> Iterable[object]:
        return ()  # figures exist only once databases are registered; nothing to pre-declare

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        size = GaugeMetricFamily("agno_session_db_pool_size", "Connections in the pool (open or opening).", labels=["db_id"])
        in_use = GaugeMetricFamily("agno_session_db_pool_in_use", "Pooled connections checked out by requests.", labels=["db_id"])
        idle = GaugeMetricFamily("agno_session_db_pool_idle", "Pooled connections ready for use.", labels=["db_id"])
        maximum = GaugeMetricFamily("agno_session_db_pool_max", "AGNO_POOL_MAX_SIZE.", labels=["db_id"])
        waiting = GaugeMetricFamily("agno_session_db_pool_waiting", "Requests waiting for a pooled connection.", labels=["db_id"])
        up = GaugeMetricFamily("agno_session_db_up", "1 while the database answers, 0 while it is marked down.", labels=["db_id"])
        errors = CounterMetricFamily(
            "agno_session_db_errors",
            "Database errors by kind: unavailable, pool_timeout, statement_timeout, other.",
            labels=["db_id", "kind"],
        )
        for db in self._databases():
            stats = db.pool.get_stats()
            pool_size = stats.get("pool_size", 0)
            available = stats.get("pool_available", 0)
            size.add_metric([db.db_id], pool_size)
            idle.add_metric([db.db_id], available)
            in_use.add_metric([db.db_id], max(0, pool_size - available))
            maximum.add_metric([db.db_id], stats.get("pool_max", 0))
            waiting.add_metric([db.db_id], stats.get("requests_waiting", 0))
            up.add_metric([db.db_id], 0 if db.health.down else 1)
            for kind in ("unavailable", "pool_timeout", "statement_timeout", "other"):
                errors.add_metric([db.db_id, kind], db.fault_counts.get(kind, 0))
        yield from (size, in_use, idle, maximum, waiting, up, errors)


async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(metrics.exposition(), media_type=CONTENT_TYPE)
