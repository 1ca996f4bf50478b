"""Schemathesis against a real server: our own /openapi.json and AgentOS 3.1.10's
/sessions document (tests/golden/agentos-sessions-openapi.json).

All four phases (examples, coverage, fuzzing, stateful with create -> read/patch/rename/runs/delete
links), checks not_a_server_error, status_code_conformance and response_schema_conformance, a fixed
seed and a bounded number of examples per operation. `just fuzz` runs the same with many more
(tests/support/fuzz.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import create_database
from support import fuzz
from support.server import ServedApp

from session_svc.db.migrate import migrate_database
from session_svc.settings import DatabaseConfig, load_settings

pytest.importorskip("schemathesis")
pytestmark = pytest.mark.slow

SEED = 20261129
MAX_EXAMPLES = 10


@pytest.fixture(scope="module")
def server(pg_server_dsn: str) -> Iterator[ServedApp]:
    dsn = create_database(pg_server_dsn, "session_svc_fuzz")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    with ServedApp(dsn, workers=1) as served:
        yield served


def _fuzz(server: ServedApp, document: dict, report_dir: Path) -> None:
    result = fuzz.run(document, server.url, max_examples=MAX_EXAMPLES, seed=SEED, report_dir=report_dir)
    assert result.returncode == 0, f"{result.stdout[-15000:]}\n{result.stderr[-3000:]}"
    # It must really have tested every operation, and the stateful phase must have followed links.
    assert "❌" not in result.stdout, result.stdout[-15000:]
    links = re.search(r"API Links:\s+(\d+) covered", result.stdout)
    assert links and int(links.group(1)) > 0, result.stdout[-6000:]


def test_schemathesis_against_our_own_openapi(server: ServedApp, tmp_path: Path) -> None:
    document = httpx.get(server.url + "/openapi.json", timeout=10).json()
    _fuzz(server, document, tmp_path)


def test_schemathesis_against_the_agentos_sessions_routes(server: ServedApp, tmp_path: Path) -> None:
    _fuzz(server, fuzz.agentos_document(), tmp_path)


def test_the_agentos_document_covers_every_sessions_route() -> None:
    operations = {(method.upper(), path) for path, item in fuzz.agentos_document()["paths"].items() for method in item}
    assert len(operations) == 10 and ("POST", "/sessions/{session_id}/rename") in operations
