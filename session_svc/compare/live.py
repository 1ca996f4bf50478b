"""The live comparison (AGNO_COMPARE_MODE=shadow|verify): for a sampled share of GETs, this
service's answer and AgentOS's are compared in a background task, after the client has its answer.

Memory and work are bounded: a request takes one of AGNO_COMPARE_CONCURRENCY slots before anything is
copied (no slot free: counted `skipped`, never queued), copies at most AGNO_COMPARE_MAX_BYTES per
side, and gives the slot back when its comparison ends. A mismatch is checked by asking AgentOS once
more: if AgentOS disagrees with itself the difference is `noise` (Twitter's Diffy does the same).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from .answer import Answer, Asked
from .verdict import Verdict, compare, cut

if TYPE_CHECKING:
    from ..upstream.client import Outgoing, Upstream
    from ..upstream.config import CutoverConfig

logger = logging.getLogger("session_svc.compare")

OUTCOMES = ("match", "mismatch", "noise", "error", "skipped")
SIDES = ("ours", "agentos")
DURATION_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# At most this many mismatch lines per window per worker; the rest are counted and reported.
LOG_BURST = 10
LOG_WINDOW_SECONDS = 60.0
VALUE_CHARS = 200


class CompareMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.total = Counter(
            "agno_session_compare",
            "Live comparisons with AgentOS by route template and outcome (match, mismatch, noise, error, skipped).",
            ("route", "outcome"),
            registry=registry,
        )
        self.duration = Histogram(
            "agno_session_compare_duration_seconds",
            "Time each side took to answer a compared request, in seconds (side = ours or agentos).",
            ("side",),
            buckets=DURATION_BUCKETS,
            registry=registry,
        )


class MismatchLog:
    """One JSON line per mismatch, at most LOG_BURST per LOG_WINDOW_SECONDS."""

    def __init__(self, log_bodies: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.log_bodies = log_bodies
        self.clock = clock
        self.window_start = -LOG_WINDOW_SECONDS
        self.lines = 0
        self.suppressed = 0

    def write(self, asked: Asked, verdict: Verdict, agentos: Answer, ours: Answer) -> None:
        now = self.clock()
        if now - self.window_start >= LOG_WINDOW_SECONDS:
            self.window_start, self.lines = now, 0
        if self.lines >= LOG_BURST:
            self.suppressed += 1
            return
        self.lines += 1
        fields: dict[str, Any] = {
            "route": asked.route,
            "path": asked.path,
            "query": asked.query_string,
            "json_path": verdict.path,
            "agentos": cut(verdict.agentos, VALUE_CHARS),
            "ours": cut(verdict.ours, VALUE_CHARS),
        }
        if self.suppressed:
            fields["suppressed_since_last"], self.suppressed = self.suppressed, 0
        if self.log_bodies:
            fields["agentos_body"] = agentos.body.decode("utf-8", "replace")
            fields["ours_body"] = ours.body.decode("utf-8", "replace")
        logger.warning("compare mismatch on %s at %s", asked.route, verdict.path, extra={"fields": fields})


class LiveComparator:
    def __init__(self, config: CutoverConfig, upstream: Upstream, registry: CollectorRegistry) -> None:
        self.sample = config.sample
        self.max_bytes = config.max_bytes
        self.upstream = upstream
        self.free = config.concurrency
        self.metrics = CompareMetrics(registry)
        self.log = MismatchLog(config.log_bodies)
        self.tasks: set[asyncio.Task[None]] = set()
        self._counters: dict[tuple[str, str], Any] = {}

    # -- slots --------------------------------------------------------------------------------------

    def take(self, route: str) -> bool:
        """True if this request is sampled and got a slot (give it back with `release` or `submit`)."""
        if self.sample < 1 and random.random() >= self.sample:
            return False
        if self.free <= 0:
            self.count(route, "skipped")
            return False
        self.free -= 1
        return True

    def release(self) -> None:
        self.free += 1

    def submit(self, job: Coroutine[Any, Any, None]) -> None:
        """Run a comparison in the background; its slot is released when it ends."""
        task = asyncio.get_running_loop().create_task(job)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.release()
        if not task.cancelled() and task.exception() is not None:
            logger.error("comparison failed", exc_info=task.exception())

    async def drain(self, timeout: float = 5.0) -> None:
        """At shutdown: let running comparisons end (they are bounded by the slots), then cancel."""
        if not self.tasks:
            return
        _, pending = await asyncio.wait(set(self.tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    def count(self, route: str, outcome: str) -> None:
        key = (route, outcome)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self.metrics.total.labels(route, outcome)
        counter.inc()

    # -- the two modes ------------------------------------------------------------------------------

    async def verify(self, asked: Asked, out: Outgoing, ours: Answer, ours_seconds: float) -> None:
        """verify: we answered the client with `ours`; now ask AgentOS the same and compare."""
        self.metrics.duration.labels("ours").observe(ours_seconds)
        agentos = await self._ask_agentos(asked, out)
        if agentos is not None:
            await self._judge(asked, out, agentos, ours)

    async def shadow(self, asked: Asked, out: Outgoing, agentos: Answer, agentos_seconds: float,
                     ours: Callable[[], Awaitable[Answer | None]]) -> None:  # fmt: skip
        """shadow: the client got AgentOS's `agentos`; now compute ours for the same request and compare."""
        self.metrics.duration.labels("agentos").observe(agentos_seconds)
        started = time.perf_counter()
        try:
            answer = await ours()
        except Exception:
            logger.exception("compare: this service failed on %s", asked.route)
            self.count(asked.route, "error")
            return
        self.metrics.duration.labels("ours").observe(time.perf_counter() - started)
        if answer is None:  # larger than AGNO_COMPARE_MAX_BYTES
            self.count(asked.route, "skipped")
            return
        await self._judge(asked, out, agentos, answer)

    async def _ask_agentos(self, asked: Asked, out: Outgoing, timed: bool = True) -> Answer | None:
        from ..upstream.client import TooLarge, UpstreamError

        started = time.perf_counter()
        try:
            answer = await self.upstream.fetch(out, self.max_bytes)
        except TooLarge:
            self.count(asked.route, "skipped")
            return None
        except UpstreamError as exc:
            logger.info("compare: AgentOS did not answer %s (%s)", asked.route, exc)
            self.count(asked.route, "error")
            return None
        if timed:
            self.metrics.duration.labels("agentos").observe(time.perf_counter() - started)
        return answer

    async def _judge(self, asked: Asked, out: Outgoing, agentos: Answer, ours: Answer) -> None:
        verdict = compare(asked, agentos, ours)
        if verdict.matched:
            self.count(asked.route, "match")
            return
        again = await self._ask_agentos(asked, out, timed=False)
        if again is None:
            return  # counted as error or skipped
        if not compare(asked, agentos, again, rules=()).matched:
            self.count(asked.route, "noise")
            return
        self.count(asked.route, "mismatch")
        self.log.write(asked, verdict, agentos, ours)
