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
        if workers > 1:
            return _own_listeners(config, target, workers)
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


def _own_listeners(config, target: str, workers: int) -> int:
    """Several hypercorn workers as `session-svc serve` runs them (session_svc/serve/__init__.py): each on
    its own SO_REUSEPORT listener, so the ceiling and our app share connections out the same way."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_one_worker, args=(config, target)) for _ in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return max(process.exitcode or 0 for process in processes)


def _one_worker(config, target: str) -> None:
    import asyncio
    import importlib

    from hypercorn.asyncio.run import worker_serve
    from hypercorn.utils import wrap_app

    module, _, attr = target.partition(":")
    app = getattr(importlib.import_module(module), attr)
    sockets = config.create_sockets()  # config.workers > 1: SO_REUSEPORT
    factory = None
    if config.worker_class == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(worker_serve(wrap_app(app, config.wsgi_max_body_size, "asgi"), config, sockets=sockets))


if __name__ == "__main__":
    sys.exit(main())
