"""Save AgentOS 3.1.10's OpenAPI document, cut down to its /sessions routes, as a test fixture.

Run under a virtualenv with agno 3.1.10 (the `contract` extra); no database is touched:

    python tests/capture/capture_agentos_openapi.py

Writes tests/golden/agentos-sessions-openapi.json: every `/sessions` path exactly as AgentOS
publishes it, and the components those paths reference (transitively). Schemathesis fuzzes our
service against it (tests/test_fuzz.py): the contract's routes, in AgentOS's own words.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent.parent / "golden" / "agentos-sessions-openapi.json"
REF_PREFIX = "#/components/schemas/"


def _refs(value: Any) -> set[str]:
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF_PREFIX):
                found.add(ref[len(REF_PREFIX) :])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def sessions_document(document: dict[str, Any]) -> dict[str, Any]:
    paths = {
        path: item for path, item in document["paths"].items() if path == "/sessions" or path.startswith("/sessions/")
    }
    paths = {path: item for path, item in paths.items() if "/media/" not in path}  # another router
    schemas = document.get("components", {}).get("schemas", {})
    wanted: set[str] = set()
    pending = _refs(paths)
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        wanted.add(name)
        pending |= _refs(schemas[name]) - wanted
    components = {"schemas": {name: schemas[name] for name in sorted(wanted)}}
    return {key: value for key, value in document.items() if key not in ("paths", "components")} | {
        "paths": paths,
        "components": components,
    }


def main() -> None:
    import psycopg  # noqa: F401  (the contract extra's driver; PostgresDb needs it importable)
    from agno.db.postgres import PostgresDb
    from agno.os import AgentOS

    logging.disable(logging.CRITICAL)
    # The URL is never connected to: building the app and its OpenAPI document needs no database.
    db = PostgresDb(db_url="postgresql+psycopg://postgres@127.0.0.1:1/unused", id="default")
    document = AgentOS(db=db).get_app().openapi()
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(sessions_document(document), indent=1, sort_keys=False) + "\n")
    print(f"{len(sessions_document(document)['paths'])} paths -> {FIXTURE}")


if __name__ == "__main__":
    main()
