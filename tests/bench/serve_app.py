"""Serve an ASGI app with hypercorn, uvicorn or granian, configured like `session-svc serve`.

    python serve_app.py SERVER LOOP WORKERS PORT MODULE:APP

Used for the pass-through ceiling (on every server) and for our app on uvicorn and granian (our
app on hypercorn always runs through the real `session-svc serve`). The module is imported by its
path from PYTHONPATH, so spawned workers find it too.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    server, loop, workers, port, target = (
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
        sys.argv[5],
    )
    if server == "hypercorn":
        from hypercorn.config import Config
        from hypercorn.run import run

        config = Config()
        config.application_path = target
        config.bind = [f"127.0.0.1:{port}"]
        config.workers = 0 if workers == 1 else workers  # as session-svc serve does
        config.worker_class = "uvloop" if loop == "uvloop" else "asyncio"
        config.keep_alive_timeout = 75
        config.accesslog = None
        config.errorlog = "-"
        return run(config)
    if server == "uvicorn":
        import uvicorn

        uvicorn.run(target, host="127.0.0.1", port=port, workers=workers, loop=loop, http="httptools",
                    access_log=False, log_level="warning", lifespan="on")  # fmt: skip
        return 0
    if server == "granian":
        args = ["granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                "--loop", loop, "--http", "1", "--log-level", "warning", target]  # fmt: skip
        os.execvp(os.path.join(os.path.dirname(sys.executable), "granian"), args)
    raise SystemExit(f"unknown server {server!r}")


if __name__ == "__main__":
    sys.exit(main())
