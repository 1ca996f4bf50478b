"""DSN plumbing: one PostgreSQL server, several databases, spelled for libpq and for SQLAlchemy."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def database_dsn(server_dsn: str, dbname: str) -> str:
    """libpq DSN (key=value form) for another database on the same server."""
    return make_conninfo(server_dsn, dbname=dbname)


def sqlalchemy_url(dsn: str) -> str:
    """The same connection as a SQLAlchemy URL for agno's PostgresDb (psycopg3 driver)."""
    from sqlalchemy.engine import URL

    parts = conninfo_to_dict(dsn)
    host = parts.get("host") or ""
    query = {}
    if host.startswith("/"):
        # unix socket directory: libpq takes it as host, SQLAlchemy as a query parameter
        query["host"] = host
        host = ""
    url = URL.create(
        "postgresql+psycopg",
        username=parts.get("user"),
        password=parts.get("password") or None,
        host=host or None,
        port=int(parts["port"]) if parts.get("port") else None,
        database=parts.get("dbname"),
        query=query,
    )
    return url.render_as_string(hide_password=False)


def recreate_database(server_dsn: str, dbname: str) -> str:
    """Drop and create a database; returns its libpq DSN."""
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    return database_dsn(server_dsn, dbname)
