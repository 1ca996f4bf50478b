"""Record AgentOS 3.1.10's answer to every hostile case (tests/support/hostile_cases.py).

Run under a virtualenv with agno 3.1.10 (the `contract` extra), against any PostgreSQL server:

    python tests/capture/capture_agentos_hostile.py 'postgresql://postgres@/postgres?host=/path/to/socket'

It creates a scratch database, starts `AgentOS(db=PostgresDb(id="default", ...)).get_app()` in-process
and sends each case's exact bytes to a freshly seeded database, then writes
tests/golden/agentos-hostile-answers.json (status, content-type and body; bodies over 64 KiB as a
size and a SHA-256, since only their status matters for the test).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from support.asgi import InProcessApp  # noqa: E402  (found through the sys.path entry above)
from support.hostile_cases import CASES, reset  # noqa: E402

FIXTURE = HERE.parent / "golden" / "agentos-hostile-answers.json"
SCRATCH_DB = "agentos_hostile_capture"
MAX_INLINE_BODY = 64 * 1024


def _sqlalchemy_url(dsn: str) -> str:
    from sqlalchemy.engine import URL

    parts = conninfo_to_dict(dsn)
    host = parts.get("host") or ""
    query = {"host": host} if host.startswith("/") else {}
    return URL.create(
        "postgresql+psycopg",
        username=parts.get("user"),
        password=parts.get("password") or None,
        host=None if host.startswith("/") or not host else host,
        port=int(parts["port"]) if parts.get("port") else None,
        database=parts.get("dbname"),
        query=query,
    ).render_as_string(hide_password=False)


def _record(answer) -> dict:
    entry = {"status": answer.status, "content_type": answer.headers.get("content-type")}
    if len(answer.body) <= MAX_INLINE_BODY:
        try:
            entry["body"] = answer.body.decode("utf-8")
        except UnicodeDecodeError:
            entry["body_hex"] = answer.body.hex()
    else:
        entry["body_size"] = len(answer.body)
        entry["body_sha256"] = hashlib.sha256(answer.body).hexdigest()
    return entry


def main(server_dsn: str) -> None:
    import agno
    from agno.db.postgres import PostgresDb
    from agno.os import AgentOS

    logging.disable(logging.CRITICAL)  # AgentOS logs every 500 with a traceback
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    dsn = make_conninfo(server_dsn, dbname=SCRATCH_DB)
    db = PostgresDb(db_url=_sqlalchemy_url(dsn), id="default")
    db._get_table("sessions", create_table_if_not_found=True)
    db._get_table("runs", create_table_if_not_found=True)
    app = AgentOS(db=db).get_app()
    answers = {}
    with psycopg.connect(dsn, autocommit=True) as conn, InProcessApp(app, timeout=120) as client:
        for case in CASES:
            reset(conn)
            answers[case.id] = _record(client.request(case.method, case.target, case.body, case.headers))
    document = {"agno": agno.__version__ if hasattr(agno, "__version__") else "3.1.10", "answers": answers}
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(document, indent=1, ensure_ascii=True, sort_keys=True) + "\n")
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
    print(f"{len(answers)} answers -> {FIXTURE}")


if __name__ == "__main__":
    main(sys.argv[1])
