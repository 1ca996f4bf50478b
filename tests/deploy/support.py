"""Helpers for the deployment checks: external tools, HTTP, and the service as a process.

Tools (helm, hadolint, check-jsonschema, locust, jq, shellcheck, promtool, nginx) are found on PATH or
in the prefix tests/deploy/install-tools.sh fills. Missing outside CI: the test is skipped with the install line.
Missing with CI set (any value): the test fails, because a green run must mean the check really ran.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS_PREFIX = Path(os.environ.get("AGNO_TOOLS_PREFIX", Path.home() / ".cache" / "agno-session-tools"))
INSTALL_HINT = "run tests/deploy/install-tools.sh"


def find_tool(name: str) -> str:
    """Absolute path of a tool, or skip (locally) / fail (under CI) when it is missing."""
    found = shutil.which(name) or shutil.which(name, path=str(TOOLS_PREFIX / "bin"))
    if found:
        return found
    message = f"{name} not found on PATH or in {TOOLS_PREFIX}/bin: {INSTALL_HINT}"
    if "CI" in os.environ:  # under CI a skipped check would be a silent pass
        pytest.fail(message)
    pytest.skip(message)


def run(argv: list[str], *, check: bool = True, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """Run a command and keep its output; on an unexpected exit code show that output."""
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


# ---- the service as a process ----


class ServiceProcess:
    """`python -m session_svc ARGS` in its own process group, with its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.port = int(env["AGNO_SERVICE_PORT"])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "session_svc", *args],
            env=env,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"service exited {self.proc.returncode} during start-up:\n{self.log()}")
            try:
                if http_get(self.base_url + "/healthz", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"service not healthy after {timeout}s:\n{self.log()}")

    def stop(self, timeout: float = 40.0) -> int:
        """SIGTERM, the way Docker and Kubernetes stop it; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
                pytest.fail(f"service ignored SIGTERM for {timeout}s:\n{self.log()}")
        self._log.close()
        return self.proc.returncode


def service_env(dsn: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGNO_", "OS_SECURITY", "JWT_"))}
    env.update(
        AGNO_PG_DSN=dsn,
        AGNO_SERVICE_PORT=str(port),
        AGNO_SERVICE_HOST="127.0.0.1",  # tests never listen beyond loopback
        AGNO_SHUTDOWN_GRACE="5",
        AGNO_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def service_reads(variable: str) -> bool:
    """Whether session_svc's source mentions an environment variable by name: a variable the chart
    or compose file sets but the service never reads is a typo or a promise nobody keeps."""
    return any(f'"{variable}"' in path.read_text() for path in (REPO / "session_svc").rglob("*.py"))
