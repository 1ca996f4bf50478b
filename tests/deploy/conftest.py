"""Fixtures for the deployment checks. The PostgreSQL server is the suite's shared one
(`pg_server_dsn` in tests/conftest.py: the embedded wheel, or SESSION_SVC_TEST_DSN)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import make_conninfo


@pytest.fixture()
def fresh_db_dsn(pg_server_dsn: str, request: pytest.FixtureRequest) -> str:
    """An empty database of its own for one test, so `migrate` really creates the tables."""
    name = "deploy_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:40]
    with psycopg.connect(pg_server_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_conninfo(pg_server_dsn, dbname=name)
