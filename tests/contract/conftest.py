"""The contract harness: seed once, boot agno's AgentOS and our service on the same databases.

Both apps run in-process on one private event loop (see asgi.py). agno is imported lazily so that a
plain `pytest` run without the `contract` extra still collects the rest of the tests.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator

import pytest

from .runner import Harness

# Outcomes of the contract cases in this run, for the one-line summary.
STATS = {"cases": 0, "identical": 0, "declared": 0}


def agno_available() -> bool:
    try:
        import agno.os  # noqa: F401
    except ImportError:
        return False
    return True


def build_agentos(seeded):
    from agno.os import AgentOS

    # Every database is registered under its explicit id through the agents/teams/workflows holding
    # it; db= names db-main too (agno/os/utils.py: get_db). No security key: auth is out of this suite's scope.
    agent_os = AgentOS(
        agents=seeded.agents,
        teams=seeded.teams,
        workflows=seeded.workflows,
        db=seeded.dbs["db-main"],
        telemetry=False,
    )
    app = agent_os.get_app()
    registered = sorted(agent_os.dbs)
    assert registered == ["db-legacy", "db-main", "db-other", "db-scratch"], registered
    return app


def build_ours(seeded):
    from session_svc.app import create_app
    from session_svc.settings import load_settings

    settings = load_settings(
        {
            "AGNO_SESSION_DSN_MAP": json.dumps(seeded.dsns),
            "AGNO_DEFAULT_DB_ID": "db-main",
            "AGNO_DB_SCHEMA": "ai",
            "AGNO_POOL_MIN_SIZE": "1",
            "AGNO_POOL_MAX_SIZE": "4",
        }
    )
    return create_app(settings)


@pytest.fixture(scope="session")
def contract_harness(pg_server_dsn: str) -> Iterator[Harness]:
    from .asgi import InProcessServer
    from .seed import seed

    for name in ("OS_SECURITY_KEY", "JWT_VERIFICATION_KEY", "JWT_JWKS_FILE"):
        if os.environ.get(name):
            pytest.fail(f"{name} is set: AgentOS would require auth and every answer would be a 401")
    os.environ.setdefault("AGNO_TELEMETRY", "false")
    seeded = seed(pg_server_dsn)
    loop = asyncio.new_event_loop()
    agentos = InProcessServer("agentos", build_agentos(seeded), loop)
    ours = InProcessServer("ours", build_ours(seeded), loop)
    agentos.start()
    ours.start()
    try:
        yield Harness(seeded, agentos, ours)
    finally:
        ours.stop()
        agentos.stop()
        for db in {id(d): d for d in seeded.dbs.values()}.values():
            db.close()
        loop.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if STATS["cases"]:
        undeclared = STATS["cases"] - STATS["identical"] - STATS["declared"]
        terminalreporter.write_line(
            f"contract: {STATS['cases']} cases, {STATS['identical']} identical,"
            f" {STATS['declared']} declared differences"
            + (f", {undeclared} UNDECLARED differences" if undeclared else "")
        )
