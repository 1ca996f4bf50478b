"""A real `python -m session_svc serve` (hypercorn) in a subprocess, on a free port.

Used where in-process tests cannot prove anything: several worker processes on one database
(concurrency), and the event loop of a real worker (health while a slow read runs).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedApp:
    """`with ServedApp(dsn, workers=2) as server:` then `server.url`. Stops the whole process group."""

    def __init__(self, dsn: str, workers: int = 1, env: dict[str, str] | None = None, ready_timeout: float = 30.0):
        self.dsn = dsn
        self.workers = workers
        self.extra_env = env or {}
        self.ready_timeout = ready_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="session-svc-", suffix=".log", delete=False)

    def __enter__(self) -> ServedApp:
        env = {
            **os.environ,
            "AGNO_PG_DSN": self.dsn,
            "AGNO_WORKERS": str(self.workers),
            "AGNO_SERVICE_HOST": "127.0.0.1",
            "AGNO_SERVICE_PORT": str(self.port),
            "AGNO_SHUTDOWN_DELAY": "0",
            "AGNO_SHUTDOWN_GRACE": "3",
            "AGNO_LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        env.pop("AGNO_SESSION_DSN_MAP", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "session_svc", "serve"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers stop with it
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"server not ready after {self.ready_timeout}s:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        """The worker processes: children of the fork server the serve process started (or, where
        workers are spawned, its children running spawn_main; not the resource tracker)."""
        assert self.process is not None

        def children(pid: int) -> list[int]:
            return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

        workers = []
        for child in children(self.process.pid):
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"multiprocessing.forkserver" in cmdline:
                workers += children(child)
            elif b"spawn_main" in cmdline:
                workers.append(child)
        return workers

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")[-5000:]

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        try:  # the group too: workers must not outlive a parent that already exited
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self._log.close()
        os.unlink(self._log.name)
        self.process = None
