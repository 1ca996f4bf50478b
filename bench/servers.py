"""Server processes under test: start, wait until ready, measure (RSS, CPU, connections), stop.

Every server runs in its own session (process group) so that stopping it ends exactly the
processes this bench started, workers included, and nothing else.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent


@dataclass
class Server:
    label: str
    argv: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    health_path: str = "/health"
    log_dir: Path | None = None
    proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> None:
        # the checkout itself (the code under test, not an installed copy; `bench`), then tests/ (`contract`)
        env = {**os.environ, "PYTHONPATH": f"{REPO_DIR}{os.pathsep}{REPO_DIR / 'tests'}", **self.env}
        if self.log_dir:
            with open(self.log_dir / f"{self.label}.log", "wb") as log:  # the child keeps its own copy
                self.proc = subprocess.Popen(
                    self.argv,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        else:
            self.proc = subprocess.Popen(
                self.argv,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode} (see {self.label}.log)")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{self.health_path}", timeout=2) as r:
                    if r.status == 200:
                        time.sleep(0.5 if len(self.processes()) == 1 else 2.0)  # let every worker come up
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.label} not ready on :{self.port} after {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        pgid = self.proc.pid  # start_new_session: the group id is our child's pid
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                # workers may outlive the parent for a moment
                for _ in range(50):
                    if not _group_alive(pgid):
                        return
                    time.sleep(0.1)
            except subprocess.TimeoutExpired:
                continue

    # -- measurements --------------------------------------------------------------------------

    def processes(self) -> list[psutil.Process]:
        assert self.proc is not None
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss_bytes(self) -> list[int]:
        out = []
        for p in self.processes():
            try:
                out.append(p.memory_info().rss)
            except psutil.NoSuchProcess:
                pass
        return out

    def cpu_seconds(self) -> dict[int, float]:
        out = {}
        for p in self.processes():
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return out

    def connections_per_process(self) -> dict[int, int]:
        """Established client connections on our port, per process (shows how workers share load)."""
        out: dict[int, int] = {}
        for p in self.processes():
            try:
                conns = p.net_connections(kind="tcp")
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            n = sum(
                1
                for c in conns
                if c.laddr and c.laddr.port == self.port and c.raddr and c.status == psutil.CONN_ESTABLISHED
            )
            if n:
                out[p.pid] = n
        return out

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the children if there are any, else the root."""
        procs = self.processes()
        return [p.pid for p in procs[1:]] or [p.pid for p in procs]

    def tcp_nodelay(self) -> bool | None:
        """TCP_NODELAY on the server side of an accepted connection, read with pidfd_getfd."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as client:
            client.sendall(f"GET {self.health_path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
            client.recv(65536)
            local = client.getsockname()
            for p in self.processes():
                try:
                    conns = p.net_connections(kind="tcp")
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                for c in conns:
                    if c.raddr and (c.raddr.ip, c.raddr.port) == local and c.fd not in (-1, None):
                        return _getsockopt_nodelay(p.pid, c.fd)
        return None


def _group_alive(pgid: int) -> bool:
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.NoSuchProcess, PermissionError):
            continue
    return False


_SYS_PIDFD_GETFD = 438  # x86_64 and aarch64


def _getsockopt_nodelay(pid: int, fd: int) -> bool | None:
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        local_fd = libc.syscall(_SYS_PIDFD_GETFD, pidfd, fd, 0)
        if local_fd < 0:
            return None
        sock = socket.socket(fileno=local_fd)
        try:
            return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        finally:
            sock.detach()
            os.close(local_fd)
    finally:
        os.close(pidfd)


# -- the servers the bench knows -----------------------------------------------------------------


def ours(
    label: str,
    port: int,
    dsn: str,
    log_dir: Path,
    workers: int | None = None,
    worker_class: str | None = None,
    server: str = "hypercorn",
    loop: str = "asyncio",
    agno_server: str | None = None,
) -> Server:
    """Our service. On hypercorn through the real `session-svc serve` (defaults unless overridden);
    `agno_server="uvicorn"` is the product's option (AGNO_SERVER), also through `session-svc serve`."""
    env = {
        "AGNO_PG_DSN": dsn,
        "AGNO_SERVICE_PORT": str(port),
        "AGNO_SERVICE_HOST": "127.0.0.1",
    }
    if agno_server is not None:
        env["AGNO_SERVER"] = agno_server
    if workers is not None:
        env["AGNO_WORKERS"] = str(workers)
    if worker_class is not None:
        env["AGNO_WORKER_CLASS"] = worker_class
    if server == "hypercorn":
        argv = [str(VENV_BIN / "session-svc"), "serve"]
    else:
        argv = [
            sys.executable,
            str(BENCH_DIR / "serve_app.py"),
            server,
            loop,
            str(workers or 1),
            str(port),
            "session_svc.asgi:app",
        ]
    return Server(label, argv, port, env, "/health", log_dir)


def ceiling(
    label: str,
    port: int,
    dsn: str,
    log_dir: Path,
    server: str = "hypercorn",
    loop: str = "asyncio",
    workers: int = 1,
) -> Server:
    env = {"AGNO_PG_DSN": dsn}
    argv = [
        sys.executable,
        str(BENCH_DIR / "serve_app.py"),
        server,
        loop,
        str(workers),
        str(port),
        "bench.ceiling:app",
    ]
    return Server(label, argv, port, env, "/health", log_dir)


def agentos(label: str, port: int, dsn: str, log_dir: Path) -> Server:
    argv = [sys.executable, str(BENCH_DIR / "agentos_app.py"), str(port)]
    return Server(label, argv, port, {"AGNO_PG_DSN": dsn}, "/health", log_dir)
