"""AGNO_WORKERS > 1: the parent process keeps the configured number of workers running.

* A worker that exits while the service is not stopping (the OOM killer's SIGKILL, a crash) is
  replaced after a short backoff that doubles with each death in the crash window; the others keep
  serving, and the replacement listens on the same address in the same way as the first workers
  (its own SO_REUSEPORT socket, or the parent's shared sockets; see server.serve_workers).
* CRASH_LOOP_DEATHS deaths within CRASH_LOOP_WINDOW seconds is a crash loop: replacing workers
  would only hide it, so the service stops (the survivors drain as on SIGTERM) and exits 1 after
  one ERROR line saying so.
* On SIGTERM/SIGINT the shared stop event tells every worker to run the shutdown sequence
  (serve/__init__.py); nothing is replaced from then on.

It also owns the metrics directory the workers share (metrics.py explains the multiprocess mode):
a fresh one per start, so counters start at 0 with the service and never go down while it runs;
a dead worker's live gauges are dropped (`mark_process_dead`) and its counters kept.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event

logger = logging.getLogger("session_svc")

CRASH_LOOP_DEATHS = 5
CRASH_LOOP_WINDOW = 60.0  # seconds
FIRST_BACKOFF = 0.1  # seconds before the first replacement; doubled for each death in the window
MAX_BACKOFF = 5.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def metrics_directory() -> Iterator[str]:
    """A fresh multiprocess-metrics directory, exported to the workers for the block's duration."""
    from ..metrics import MULTIPROCESS_DIR_ENV

    directory = tempfile.mkdtemp(prefix="agno-session-metrics-")
    previous = os.environ.get(MULTIPROCESS_DIR_ENV)
    os.environ[MULTIPROCESS_DIR_ENV] = directory
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(MULTIPROCESS_DIR_ENV, None)
        else:
            os.environ[MULTIPROCESS_DIR_ENV] = previous
        shutil.rmtree(directory, ignore_errors=True)


class Supervisor:
    def __init__(
        self,
        new_worker: Callable[[], BaseProcess],
        count: int,
        stop: Event,
        stop_timeout: float,
        metrics_dir: str,
    ) -> None:
        self._new_worker = new_worker
        self._count = count
        self._stop = stop
        self._stop_timeout = stop_timeout  # per worker, after the stop event
        self._metrics_dir = metrics_dir
        self._workers: list[BaseProcess] = []
        self._deaths: collections.deque[float] = collections.deque()
        self._restarts_due: list[float] = []
        self._stopping = False
        # The signal handler only sets a flag and writes a byte here: it must not take the stop
        # event's lock, which the main loop may hold at that moment.
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)

    def run(self) -> int:
        """Start the workers and supervise them until a signal or a crash loop; the exit code."""
        from ..metrics import supervisor_restart_counter

        self._restarts = supervisor_restart_counter()
        try:
            for _ in range(self._count):
                self._start_worker()
            crash_loop = self._supervise()
        finally:
            self._stop.set()
            codes = self._stop_workers()
            os.close(self._wake_read)
            os.close(self._wake_write)
        if crash_loop:
            return 1
        if any(code != 0 for code in codes):
            logger.error("worker exit codes: %s", codes)
            return 1
        logger.info("stopped")
        return 0

    # -- starting ------------------------------------------------------------------------------------

    def _start_worker(self) -> None:
        """Start one worker with SIGINT/SIGTERM ignored (they inherit that: a Ctrl-C or a signal to
        the whole process group must not kill them mid-request; the stop event drives their
        shutdown). The signals are blocked meanwhile, so one arriving now is not lost to "ignore"."""
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            for signum in STOP_SIGNALS:
                signal.signal(signum, signal.SIG_IGN)
            process = self._new_worker()
            process.start()
        finally:
            for signum in STOP_SIGNALS:
                signal.signal(signum, self._on_signal)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        self._workers.append(process)

    def _on_signal(self, signum: int, frame: object) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    # -- supervising ---------------------------------------------------------------------------------

    def _supervise(self) -> bool:
        """Wait for exits and signals; True when it ended in a crash loop."""
        while not self._stopping:
            now = time.monotonic()
            timeout = max(0.0, min(self._restarts_due) - now) if self._restarts_due else None
            wait([self._wake_read, *(process.sentinel for process in self._workers)], timeout)
            if self._stopping:
                return False
            now = time.monotonic()
            for process in [process for process in self._workers if process.exitcode is not None]:
                self._workers.remove(process)
                if self._died(process, now):
                    return True
            for due in sorted(self._restarts_due):
                if due <= now and not self._stopping:
                    self._restarts_due.remove(due)
                    try:
                        self._start_worker()
                    except (OSError, EOFError) as exc:  # the fork server went away: a failed start is a death
                        if self._book_death(now, f"could not start a worker ({exc})", f"error {exc}"):
                            return True
                        continue
                    self._restarts.inc()
                    logger.info("started worker %s to replace one that exited", self._workers[-1].pid)
        return False

    def _died(self, process: BaseProcess, now: float) -> bool:
        """Book a worker's unexpected exit; True when it completes a crash loop."""
        self._forget(process)
        what = f"worker {process.pid} exited unexpectedly with exit code {process.exitcode}"
        return self._book_death(now, what, f"pid {process.pid}, with exit code {process.exitcode}")

    def _book_death(self, now: float, what: str, last: str) -> bool:
        """Count a death at `now` and schedule a replacement; True when it completes a crash loop."""
        self._deaths.append(now)
        while self._deaths and self._deaths[0] < now - CRASH_LOOP_WINDOW:
            self._deaths.popleft()
        if len(self._deaths) >= CRASH_LOOP_DEATHS:
            logger.error(
                "crash loop: %d worker exits within %.0f s (the last, %s); stopping the service",
                len(self._deaths),
                CRASH_LOOP_WINDOW,
                last,
            )
            return True
        backoff = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (len(self._deaths) - 1))
        logger.error("%s; replacing it in %.1f s", what, backoff)
        self._restarts_due.append(now + backoff)
        return False

    def _forget(self, process: BaseProcess) -> None:
        """A gone worker: its live gauges leave the sums, its counters stay (metrics.py)."""
        from prometheus_client.multiprocess import mark_process_dead

        process.join()
        if process.pid is not None:
            mark_process_dead(process.pid, self._metrics_dir)

    # -- stopping ------------------------------------------------------------------------------------

    def _stop_workers(self) -> list[int | None]:
        """After the stop event: wait for every worker's shutdown sequence, terminating stragglers."""
        codes = []
        for process in self._workers:
            process.join(self._stop_timeout)
            if process.is_alive():
                logger.error("worker %s did not stop in time; terminating it", process.pid)
                process.terminate()
                process.join(5)
                if process.is_alive():
                    process.kill()
                    process.join()
            codes.append(process.exitcode)
            self._forget(process)
        return codes
