"""The cut-over topology as real processes on loopback ports: agno's AgentOS 3.1.10 under uvicorn
(containers/agentos/app.py), `session-svc serve`, and nginx running containers/ingress/nginx.conf
with its marked addresses rewritten. Used by tests/deploy/test_ingress_e2e.py and scripts/demo.py.
Every process runs in its own session and is stopped by its PID.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NGINX_CONF = REPO / "containers" / "ingress" / "nginx.conf"
AGENTOS_APP_DIR = REPO / "containers" / "agentos"


class Process:
    """A child process in its own session with its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path, cwd: Path = REPO) -> None:
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_http(self, url: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode} during start-up:\n{self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=1):
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} not answering {url} after {timeout}s:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: the group is its own
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def seed_with_agno(dsn: str, media_dir: Path, *, sessions: int, user_id: str, image: bytes) -> tuple[str, str]:
    """Sessions of every type through agno's storage API (bench/seed.py), plus one real agent
    run given an image, with the OpenAI API answered by respx (tests/contract/fake_openai.py): agno
    offloads the image to LocalMediaStorage in media_dir (agno/utils/media_offload.py). Returns that
    run's session id and the image's storage key. Needs the `contract` and `test` extras."""
    import httpx
    import respx
    from agno.agent import Agent
    from agno.db.postgres import PostgresDb
    from agno.media import Image
    from agno.media.storage.local import LocalMediaStorage
    from agno.models.openai import OpenAIChat

    for folder in (REPO / "tests", REPO):  # bench/ and contract/ live under tests/ (or at the top)
        if str(folder) not in sys.path:
            sys.path.append(str(folder))
    from contract.dsn import sqlalchemy_url
    from contract.fake_openai import CHAT_URL, FakeChatCompletions

    from bench.seed import seed

    db = PostgresDb(id="agno-db", db_url=sqlalchemy_url(dsn), db_schema="ai")
    seed(db, sessions)
    model = OpenAIChat(id="gpt-4o", api_key="sk-unused", http_client=httpx.Client())
    agent = Agent(id="bench-agent-0", name="Travel Agent", db=db, media_storage=LocalMediaStorage(str(media_dir)),
                  model=model, telemetry=False)  # fmt: skip
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.post(CHAT_URL).mock(side_effect=FakeChatCompletions())
        agent.run("What is in this picture?", images=[Image(content=image, mime_type="image/png")],
                  session_id="media-session", user_id=user_id)  # fmt: skip
    db.db_engine.dispose()
    import psycopg

    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT run_data::text FROM ai.agno_runs WHERE session_id = 'media-session'").fetchall()
    keys = {str(key) for (text,) in rows for key in _values_of(json.loads(text), "storage_key")}
    if len(keys) != 1:
        raise AssertionError(f"expected the run to hold one offloaded image, found {keys}")
    return "media-session", keys.pop()


def _values_of(value: object, key: str) -> Iterator[object]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield v
            else:
                yield from _values_of(v, key)
    elif isinstance(value, list):
        for item in value:
            yield from _values_of(item, key)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGNO_", "OS_SECURITY", "JWT_", "AGENTOS_"))}
    env.update(AGNO_TELEMETRY="false", PYTHONPATH=str(REPO))
    env.update(extra)
    return env


def start_agentos(dsn: str, port: int, log_dir: Path, media_dir: Path | None = None) -> Process:
    extra = {"AGNO_PG_DSN": dsn}
    if media_dir is not None:
        extra["AGENTOS_MEDIA_DIR"] = str(media_dir)
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(AGENTOS_APP_DIR),
        "app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = Process("agentos", argv, clean_env(**extra), log_dir / "agentos.log")
    process.wait_http(f"http://127.0.0.1:{port}/health")
    return process


def start_session_service(dsn: str, port: int, log_dir: Path, agentos_url: str, **settings: str) -> Process:
    env = clean_env(
        AGNO_PG_DSN=dsn,
        AGNO_SERVICE_HOST="127.0.0.1",
        AGNO_SERVICE_PORT=str(port),
        AGNO_AGENTOS_URL=agentos_url,
        AGNO_SHUTDOWN_GRACE="5",
        **settings,
    )
    process = Process("session-svc", [sys.executable, "-m", "session_svc", "serve"], env, log_dir / "session-svc.log")
    process.wait_http(f"http://127.0.0.1:{port}/healthz")
    return process


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def rewrite_nginx_conf(text: str, *, ingress: int, session: int, agentos: int, workdir: Path) -> str:
    """containers/ingress/nginx.conf with its "address:" lines pointed at loopback ports, logs and
    temporary files under workdir. Fails loudly if the file no longer has the marked lines."""
    targets = {
        "ingress": f"127.0.0.1:{ingress}",
        "agno-session": f"127.0.0.1:{session}",
        "AgentOS": f"127.0.0.1:{agentos}",
    }
    seen = set()

    def point(match: re.Match[str]) -> str:
        directive, _old, rest, role = match.groups()
        seen.add(role)
        return f"{directive}{targets[role]}{rest}# address: {role}"

    text = re.sub(
        r"^([ \t]*(?:server|listen)[ \t]+)(\S+?)((?:[ \t]+[^;#\s]+)*;[ \t]*)# address: (ingress|agno-session|AgentOS)$",
        point,
        text,
        flags=re.MULTILINE,
    )
    if seen != set(targets):
        raise AssertionError(f"nginx.conf lost its marked address lines: found {sorted(seen)}")
    logs = (
        f"    access_log {workdir}/access.log;\n    client_body_temp_path {workdir}/body;\n"
        f"    proxy_temp_path {workdir}/proxy;\n    fastcgi_temp_path {workdir}/fastcgi;\n"
        f"    uwsgi_temp_path {workdir}/uwsgi;\n    scgi_temp_path {workdir}/scgi;\n"
    )
    text = text.replace("    access_log /dev/stdout;\n", logs, 1)
    text = text.replace("error_log /dev/stderr warn;", f"error_log {workdir}/error.log warn;", 1)
    return text


def nginx_workdir() -> Path:
    """A folder nginx's workers can write to: as root they run as nobody, who cannot enter pytest's
    0700 temporary folders."""
    path = Path(tempfile.mkdtemp(prefix="agno-session-nginx-"))
    os.chmod(path, 0o777)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (path / sub).mkdir(mode=0o777)
        os.chmod(path / sub, 0o777)
    return path


def start_nginx(conf_path: Path, workdir: Path, port: int) -> Process:
    nginx = nginx_binary()
    if nginx is None:
        raise FileNotFoundError("nginx not found: run tests/deploy/install-tools.sh")
    argv = [nginx, "-p", str(workdir), "-c", str(conf_path), "-g", f"daemon off; pid {workdir}/nginx.pid;"]
    process = Process("nginx", argv, clean_env(), workdir / "nginx.out")
    process.wait_http(f"http://127.0.0.1:{port}/health")
    return process
