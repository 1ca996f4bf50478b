"""Configuration, read once from the environment at start-up and passed explicitly.

Every variable is documented in README.md ("Configuration"). A bad value stops start-up with a
one-line `ConfigError` (env.py, re-exported here) that names the variable, never a traceback deep
inside a request.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
from collections.abc import Mapping

from .auth.config import AuthConfig, load_auth_config
from .env import (
    ConfigError,
    bool_from_env,
    choice_from_env,
    csv_from_env,
    int_from_env,
    normalize_dsn,
    seconds_from_env,
)
from .replica_settings import ReplicaSettings, read_dsns, replica_settings
from .upstream.config import CutoverConfig, load_cutover_config

__all__ = ["ConfigError", "DatabaseConfig", "Settings", "load_settings", "normalize_dsn"]

DEFAULT_PORT = 8080
DEFAULT_EMBEDDED_DIR = "./.data/pg"


@dataclasses.dataclass(frozen=True)
class DatabaseConfig:
    db_id: str
    dsn: str
    # Read replicas of this database (AGNO_PG_READ_DSN / AGNO_SESSION_READ_DSN_MAP), in order.
    read_dsns: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Settings:
    # Databases in configuration order; `default_db_id` answers requests without `db_id`.
    # Empty when no DSN is configured: `serve` then starts an embedded PostgreSQL.
    databases: tuple[DatabaseConfig, ...] = ()
    default_db_id: str = "default"
    port: int = DEFAULT_PORT
    host: str = "0.0.0.0"
    # Two hypercorn workers measured 1.6x one on a 2-core machine (bench: detail 966 vs 609 req/s).
    workers: int = 2
    # "hypercorn" (the default, a runtime dependency) or "uvicorn" (uvicorn + uvloop + httptools from
    # the `uvicorn` extra: same app and shutdown sequence, less CPU per request; README, Performance).
    server: str = "hypercorn"
    db_schema: str = "ai"
    session_table: str = "agno_sessions"
    runs_table: str = "agno_runs"
    embedded_pg_dir: str = DEFAULT_EMBEDDED_DIR
    pool_min_size: int = 2
    pool_max_size: int = 10
    # Seconds to wait for a new connection; keeps an unreachable database a fast 503, not a hang.
    connect_timeout: float = 2.0
    # Seconds a request may wait for a free pooled connection before a 503 with Retry-After.
    pool_timeout: float = 5.0
    # Seconds after which a database that stopped answering (a black-holed network) is marked down:
    # TCP keepalives and tcp_user_timeout on every connection, and a heartbeat (db/liveness.py).
    pg_dead_timeout: float = 5.0
    # False for PgBouncer in transaction mode, where server-side prepared statements break.
    pg_prepare: bool = True
    log_level: str = "INFO"
    request_timeout: float = 60.0
    # Server-side backstop for the request deadline (SET statement_timeout); 0 turns it off.
    statement_timeout: float = 65.0
    max_body_bytes: int = 10 * 1024 * 1024
    trusted_proxies: tuple[str, ...] = ()
    shutdown_grace: float = 30.0
    # Seconds between SIGTERM and closing the listener, answering /readyz 503 meanwhile, so a load
    # balancer stops routing here before connections are refused. Counted inside the grace period.
    shutdown_delay: float = 0.0
    cors_origins: tuple[str, ...] = ()
    docs_enabled: bool = True
    # JWT / security key / service accounts / user isolation (auth/config.py).
    auth: AuthConfig = dataclasses.field(default_factory=lambda: load_auth_config({}))
    # HMAC key of GET /sessions cursors (cursor.py); None derives one from the DSNs.
    cursor_secret: str | None = None
    # AGNO_REPLICA_MAX_LAG and the replica pools' sizes (replica_settings.py).
    replicas: ReplicaSettings = dataclasses.field(default_factory=lambda: replica_settings({}, 2, 10))
    # AGNO_AGENTOS_URL and AGNO_COMPARE_* (upstream/config.py): pass-through and live comparison.
    cutover: CutoverConfig = dataclasses.field(default_factory=lambda: load_cutover_config({}))

    @property
    def embedded(self) -> bool:
        return not self.databases

    def with_databases(self, databases: tuple[DatabaseConfig, ...]) -> Settings:
        return dataclasses.replace(self, databases=databases, default_db_id=databases[0].db_id)


def _origin_list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """AgentOS reads CORS_ORIGIN_LIST with pydantic-settings, i.e. as a JSON array; a plain
    comma-separated list is accepted too."""
    raw = env.get(name, "").strip()
    if raw.startswith("["):
        try:
            values = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"{name} is not a valid JSON array: {exc}") from None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{name} must be a JSON array of strings or a comma-separated list")
        return tuple(v.strip() for v in values if v.strip())
    return csv_from_env(env, name)


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDRs, each checked here rather than per request."""
    entries = csv_from_env(env, name)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(f"{name}: {entry!r} is not an IP address or CIDR") from None
    return entries


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(env: Mapping[str, str]) -> str:
    level = (env.get("AGNO_LOG_LEVEL", "").strip() or "INFO").upper()
    if level == "WARN":
        level = "WARNING"
    if level not in _LOG_LEVELS:
        raise ConfigError(f"AGNO_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {level!r}")
    return level


def _databases(env: Mapping[str, str]) -> tuple[tuple[DatabaseConfig, ...], str]:
    """The configured databases and the default db_id (README, Configuration)."""
    raw_map = env.get("AGNO_SESSION_DSN_MAP", "").strip()
    if raw_map:
        try:
            mapping = json.loads(raw_map)  # dicts keep the JSON text's key order
        except ValueError as exc:
            raise ConfigError(f"AGNO_SESSION_DSN_MAP is not valid JSON: {exc}") from None
        if not isinstance(mapping, dict) or not mapping:
            raise ConfigError('AGNO_SESSION_DSN_MAP must be a non-empty JSON object {"db_id": "dsn"}')
        for db_id, dsn in mapping.items():
            if not db_id or not isinstance(dsn, str) or not dsn.strip():
                raise ConfigError(f"AGNO_SESSION_DSN_MAP entry {db_id!r} must map a db_id to a DSN string")
        databases = tuple(DatabaseConfig(db_id, dsn.strip()) for db_id, dsn in mapping.items())
        default = env.get("AGNO_DEFAULT_DB_ID", "").strip() or databases[0].db_id
        if default not in mapping:
            raise ConfigError(f"AGNO_DEFAULT_DB_ID {default!r} is not a key of AGNO_SESSION_DSN_MAP")
        return databases, default
    dsn = env.get("AGNO_PG_DSN", "").strip() or env.get("DATABASE_URL", "").strip()
    db_id = env.get("AGNO_DB_ID", "").strip() or "default"
    if not dsn:
        return (), db_id
    return (DatabaseConfig(db_id, normalize_dsn(dsn)),), db_id


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    databases, default_db_id = _databases(env)
    pool_min = int_from_env(env, "AGNO_POOL_MIN_SIZE", 2)
    pool_max = int_from_env(env, "AGNO_POOL_MAX_SIZE", 10, minimum=1)
    if pool_min > pool_max:
        raise ConfigError(f"AGNO_POOL_MIN_SIZE ({pool_min}) exceeds AGNO_POOL_MAX_SIZE ({pool_max})")
    request_timeout = seconds_from_env(env, "AGNO_REQUEST_TIMEOUT", 60.0)

    databases = tuple(DatabaseConfig(d.db_id, normalize_dsn(d.dsn)) for d in databases)
    return Settings(
        databases=read_dsns(env, databases, from_map=bool(env.get("AGNO_SESSION_DSN_MAP", "").strip())),
        default_db_id=default_db_id,
        port=int_from_env(env, "AGNO_SERVICE_PORT", DEFAULT_PORT, minimum=0),
        host=env.get("AGNO_SERVICE_HOST", "").strip() or "0.0.0.0",
        workers=int_from_env(env, "AGNO_WORKERS", 2, minimum=1),
        server=_server(env),
        db_schema=env.get("AGNO_DB_SCHEMA", "").strip() or "ai",
        session_table=env.get("AGNO_SESSION_TABLE", "").strip() or "agno_sessions",
        runs_table=_runs_table(env),
        embedded_pg_dir=env.get("AGNO_EMBEDDED_PG_DIR", "").strip() or DEFAULT_EMBEDDED_DIR,
        pool_min_size=pool_min,
        pool_max_size=pool_max,
        connect_timeout=seconds_from_env(env, "AGNO_PG_CONNECT_TIMEOUT", 2.0),
        pool_timeout=seconds_from_env(env, "AGNO_POOL_TIMEOUT", 5.0),
        pg_dead_timeout=seconds_from_env(env, "AGNO_PG_DEAD_TIMEOUT", 5.0),
        pg_prepare=bool_from_env(env, "AGNO_PG_PREPARE", True),
        log_level=_log_level(env),
        request_timeout=request_timeout,
        statement_timeout=seconds_from_env(env, "AGNO_PG_STATEMENT_TIMEOUT", request_timeout + 5, zero_is_off=True),
        max_body_bytes=int_from_env(env, "AGNO_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1),
        trusted_proxies=_networks(env, "AGNO_TRUSTED_PROXIES"),
        shutdown_grace=seconds_from_env(env, "AGNO_SHUTDOWN_GRACE", 30.0),
        shutdown_delay=seconds_from_env(env, "AGNO_SHUTDOWN_DELAY", 0.0, zero_is_off=True),
        cors_origins=_origin_list(env, "CORS_ORIGIN_LIST"),
        docs_enabled=bool_from_env(env, "DOCS_ENABLED", True),
        auth=load_auth_config(env),
        replicas=replica_settings(env, pool_min, pool_max),
        cursor_secret=env.get("AGNO_CURSOR_SECRET", "").strip() or None,
        cutover=load_cutover_config(env),
    )


SERVERS = ("hypercorn", "uvicorn")


def _server(env: Mapping[str, str]) -> str:
    return choice_from_env(env, "AGNO_SERVER", SERVERS, "hypercorn")


def _runs_table(env: Mapping[str, str]) -> str:
    """agno's rule (agno/db/base.py: BaseDb.__init__, runs_table_name): an explicit runs table, else
    `<session_table>_runs` for a customised session table, else `agno_runs`."""
    explicit = env.get("AGNO_RUNS_TABLE", "").strip()
    if explicit:
        return explicit
    session_table = env.get("AGNO_SESSION_TABLE", "").strip()
    if session_table and session_table != "agno_sessions":
        return f"{session_table}_runs"
    return "agno_runs"
