"""The read-replica settings: which replica DSNs serve each database's reads, and their bounds.

AGNO_PG_READ_DSN goes with AGNO_PG_DSN (one database); AGNO_SESSION_READ_DSN_MAP with
AGNO_SESSION_DSN_MAP (`{"db_id": ["dsn", ...]}`, keys among the map's db_ids). A bad value stops
start-up with one line naming the variable, like every other setting (settings.py).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import psycopg

from .env import ConfigError, int_from_env, normalize_dsn, seconds_from_env

if TYPE_CHECKING:
    from .settings import DatabaseConfig

DEFAULT_MAX_LAG = 1.0

# Several URIs in one AGNO_PG_READ_DSN are split where a new URI starts, so the commas inside one
# multi-host URI (postgresql://h1,h2/db) or key/value DSN (host=a,b) stay with their DSN.
_URI_START = re.compile(r",\s*(?=postgres(?:ql)?(?:\+\w+)?://)")


@dataclasses.dataclass(frozen=True)
class ReplicaSettings:
    max_lag: float = DEFAULT_MAX_LAG
    pool_min_size: int = 2
    pool_max_size: int = 10


def split_read_dsns(raw: str) -> list[str]:
    raw = raw.strip()
    if not raw:
        return []
    if "://" not in raw:
        return [raw]  # one key/value DSN (its commas belong to multi-host lists)
    return [part.strip() for part in _URI_START.split(raw) if part.strip()]


def _checked(name: str, dsn: str) -> str:
    dsn = normalize_dsn(dsn.strip())
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        # The driver's message would echo the DSN, password included: name the variable only.
        raise ConfigError(f"{name} holds a DSN that is not a valid libpq connection string or URI") from None
    return dsn


def read_dsns(
    env: Mapping[str, str], databases: tuple[DatabaseConfig, ...], from_map: bool
) -> tuple[DatabaseConfig, ...]:
    """`databases` with their replica DSNs attached."""
    single = env.get("AGNO_PG_READ_DSN", "").strip()
    raw_map = env.get("AGNO_SESSION_READ_DSN_MAP", "").strip()
    if single and from_map:
        raise ConfigError(
            "AGNO_PG_READ_DSN goes with AGNO_PG_DSN; with AGNO_SESSION_DSN_MAP use AGNO_SESSION_READ_DSN_MAP"
        )
    if raw_map and not from_map:
        raise ConfigError(
            "AGNO_SESSION_READ_DSN_MAP goes with AGNO_SESSION_DSN_MAP; with AGNO_PG_DSN use AGNO_PG_READ_DSN"
        )
    if (single or raw_map) and not databases:
        name = "AGNO_PG_READ_DSN" if single else "AGNO_SESSION_READ_DSN_MAP"
        raise ConfigError(
            f"{name} needs a primary DSN (AGNO_PG_DSN or AGNO_SESSION_DSN_MAP); the embedded server has no replicas"
        )
    by_db: dict[str, tuple[str, ...]] = {}
    if single:
        by_db[databases[0].db_id] = tuple(_checked("AGNO_PG_READ_DSN", dsn) for dsn in split_read_dsns(single))
    if raw_map:
        try:
            mapping = json.loads(raw_map)
        except ValueError as exc:
            raise ConfigError(f"AGNO_SESSION_READ_DSN_MAP is not valid JSON: {exc}") from None
        if not isinstance(mapping, dict):
            raise ConfigError('AGNO_SESSION_READ_DSN_MAP must be a JSON object {"db_id": ["dsn", ...]}')
        known = {config.db_id for config in databases}
        for db_id, dsns in mapping.items():
            if db_id not in known:
                raise ConfigError(f"AGNO_SESSION_READ_DSN_MAP key {db_id!r} is not a db_id of AGNO_SESSION_DSN_MAP")
            if isinstance(dsns, str):
                dsns = [dsns]
            if not isinstance(dsns, list) or not all(isinstance(d, str) and d.strip() for d in dsns):
                raise ConfigError(f"AGNO_SESSION_READ_DSN_MAP entry {db_id!r} must be a list of DSN strings")
            by_db[db_id] = tuple(_checked("AGNO_SESSION_READ_DSN_MAP", dsn) for dsn in dsns)
    return tuple(dataclasses.replace(config, read_dsns=by_db.get(config.db_id, ())) for config in databases)


def replica_settings(env: Mapping[str, str], pool_min: int, pool_max: int) -> ReplicaSettings:
    read_min = int_from_env(env, "AGNO_READ_POOL_MIN_SIZE", pool_min)
    read_max = int_from_env(env, "AGNO_READ_POOL_MAX_SIZE", pool_max, minimum=1)
    if read_min > read_max:
        raise ConfigError(f"AGNO_READ_POOL_MIN_SIZE ({read_min}) exceeds AGNO_READ_POOL_MAX_SIZE ({read_max})")
    return ReplicaSettings(
        max_lag=seconds_from_env(env, "AGNO_REPLICA_MAX_LAG", DEFAULT_MAX_LAG),
        pool_min_size=read_min,
        pool_max_size=read_max,
    )
