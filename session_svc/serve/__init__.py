"""Running the app under hypercorn with a graceful shutdown sequence, for one worker
(in this process) and for several (spawned processes sharing the listening sockets).

On SIGTERM (or SIGINT), in every worker:

1. `app.state.shutting_down` is set: /readyz answers 503 at once;
2. the listener stays open for AGNO_SHUTDOWN_DELAY seconds, so a load balancer polling readiness
   stops routing here before connections are refused;
3. hypercorn closes the listener and idle keep-alive connections, and gives in-flight requests
   the rest of AGNO_SHUTDOWN_GRACE;
4. the lifespan shutdown closes the pools, and the process exits 0.

hypercorn's own `run()` closes the listener at once and has no readiness flag, so it is not used
for asyncio/uvloop workers. It remains the fallback for the trio worker class.

AGNO_SERVER=uvicorn swaps only the HTTP server inside each worker (serve/uvicorn.py): the
listeners, the worker processes and this shutdown sequence stay the same.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from multiprocessing.synchronize import Event
from typing import Any

from ..settings import Settings

logger = logging.getLogger("session_svc")

POLL_INTERVAL = 0.1  # seconds between a worker's checks of the shared stop event


def _delays(settings: Settings) -> tuple[float, float]:
    """(seconds the listener stays open after the signal, seconds in-flight requests get after)."""
    delay = min(settings.shutdown_delay, settings.shutdown_grace)
    return delay, max(0.0, settings.shutdown_grace - delay)


def _loop_factory(worker_class: str, settings: Settings) -> Callable[[], asyncio.AbstractEventLoop] | None:
    # uvicorn runs on uvloop (measured with it; both come with the `uvicorn` extra).
    if worker_class == "uvloop" or settings.server == "uvicorn":
        import uvloop

        return uvloop.new_event_loop
    return None


async def _serve(
    app: Any, config: Any, settings: Settings, stop_requested: Callable[[], Awaitable[object]], sockets: Any = None
) -> None:
    """Serve `app` in this process until the shutdown sequence (module docstring) has run."""
    delay, _ = _delays(settings)

    async def shutdown_trigger() -> None:
        await stop_requested()
        app.state.shutting_down = True
        logger.info(
            "shutting down: readiness is 503; listener closes in %.1f s, in-flight requests get %.1f s more",
            delay,
            config.graceful_timeout,
        )
        if delay:
            await asyncio.sleep(delay)

    if settings.server == "uvicorn":
        from .uvicorn import serve_uvicorn

        await serve_uvicorn(app, config, sockets or config.create_sockets(), shutdown_trigger)
        return
    from hypercorn.asyncio.run import worker_serve
    from hypercorn.utils import wrap_app

    await worker_serve(
        wrap_app(app, config.wsgi_max_body_size, "asgi"), config, sockets=sockets, shutdown_trigger=shutdown_trigger
    )


def serve_in_process(config: Any, settings: Settings) -> int:
    """AGNO_WORKERS=1: the worker runs in this process, which handles the signals itself."""
    from ..app import create_app

    app = create_app(settings)
    config.graceful_timeout = _delays(settings)[1]

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await _serve(app, config, settings, stop.wait)

    with asyncio.Runner(loop_factory=_loop_factory(config.worker_class, settings)) as runner:
        runner.run(main())
    logger.info("stopped")
    return 0


def serve_workers(config: Any, settings: Settings) -> int:
    """AGNO_WORKERS > 1: spawned workers, each on its own listener; this process supervises them
    (serve/supervisor.py: replaces a worker that dies, stops on a crash loop) and turns a signal into
    their shared stop event."""
    from .supervisor import Supervisor, metrics_directory

    context = _worker_context(settings)
    sockets = config.create_sockets()
    # The parent's sockets reserve the port (and fail fast if it is taken). Each worker then
    # listens on its own SO_REUSEPORT socket, so the kernel spreads new connections over the
    # workers: on one shared socket, asyncio's accept loop lets whichever worker wakes first take a
    # whole burst (measured: all 16 of wrk's connections on one worker, half the throughput).
    own_listeners = _reuse_port_binds(config, sockets)
    if own_listeners is not None:
        config.bind = own_listeners
        shared = None
    else:
        shared = sockets
    stop = context.Event()
    config.graceful_timeout = _delays(settings)[1]

    def new_worker() -> Any:
        return context.Process(target=_worker_main, kwargs={"config": config, "sockets": shared, "stop": stop})

    try:
        with metrics_directory() as metrics_dir:
            # grace, plus pool close and process exit
            supervisor = Supervisor(new_worker, settings.workers, stop, settings.shutdown_grace + 15, metrics_dir)
            return supervisor.run()
    finally:
        for sock in (*sockets.secure_sockets, *sockets.insecure_sockets):
            sock.close()


def _worker_context(settings: Settings) -> Any:
    """Workers fork from a fork server that has imported the app once (where the platform has one),
    so a replacement worker serves in a fraction of a second: a freshly spawned interpreter spent
    1.5-3.5 s importing on the loaded 2-core test machine. The fork server is started by the first
    worker's start, after the parent has exported the embedded DSN and the metrics directory, and
    it imports only modules: no event loop, thread or connection exists there to be forked."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    preload = ["session_svc.app", "session_svc.serve", "hypercorn.asyncio.run"]
    if settings.server == "uvicorn":
        preload += ["session_svc.serve.uvicorn", "uvloop"]
    context.set_forkserver_preload(preload)
    return context


def _reuse_port_binds(config: Any, sockets: Any) -> list[str] | None:
    """The parent's bound TCP addresses (port 0 resolved) for workers to bind again with
    SO_REUSEPORT, or None when that is not possible (TLS, unix or fd:// binds, no SO_REUSEPORT):
    then the workers share the parent's sockets."""
    if sockets.secure_sockets or not hasattr(socket, "SO_REUSEPORT"):
        return None
    binds = []
    for sock in sockets.insecure_sockets:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or not sock.getsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEPORT
        ):
            return None
        host, port = sock.getsockname()[:2]
        binds.append(f"[{host}]:{port}" if sock.family == socket.AF_INET6 else f"{host}:{port}")
    return binds


def _worker_main(config: Any, sockets: Any, stop: Event) -> None:
    """One spawned worker: settings from the environment (the parent exported the embedded
    server's DSN), its own pools, its own listener (see serve_workers) unless `sockets` are shared,
    and a shutdown trigger that polls the shared stop event."""
    from ..app import create_app
    from ..logging import configure_logging
    from ..settings import load_settings

    parent = os.getppid()  # the supervisor, or the fork server (which exits with it)
    # Started with SIGINT/SIGTERM ignored and blocked (supervisor.py): keep them ignored, unblocked.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGINT, signal.SIGTERM))
    if sockets is None:
        sockets = config.create_sockets()  # SO_REUSEPORT on the parent's address

    settings = load_settings()
    configure_logging(settings.log_level)
    app = create_app(settings)

    async def stop_requested() -> None:
        # Also stop if the parent is gone (killed): no orphaned workers holding the port.
        while not stop.is_set() and os.getppid() == parent:
            await asyncio.sleep(POLL_INTERVAL)

    with asyncio.Runner(loop_factory=_loop_factory(config.worker_class, settings)) as runner:
        runner.run(_serve(app, config, settings, stop_requested, sockets))
