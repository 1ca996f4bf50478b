"""Write tests/golden/openapi/agentos-sessions.json: AgentOS 3.1.10's own OpenAPI document, cut to
its /sessions operations (responses reduced to their status codes) and the request-body and enum
components they use. tests/test_middleware.py compares our generated document with it.

Run with the `contract` extra installed (agno==3.1.10):  python tests/golden/make_openapi_golden.py
No database is contacted: AgentOS only builds its routes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from agno.agent import Agent
from agno.db.postgres import PostgresDb
from agno.os import AgentOS

OUT = Path(__file__).parent / "openapi" / "agentos-sessions.json"
KEPT_COMPONENTS = (
    "CreateSessionRequest",
    "UpdateSessionRequest",
    "DeleteSessionRequest",
    "Body_rename_session",
    "SessionType",
    "SortOrder",
)


def main() -> None:
    db = PostgresDb(db_url="postgresql+psycopg://postgres@127.0.0.1:1/agno", id="main-db")
    document = AgentOS(agents=[Agent(name="golden", db=db)], db=db).get_app().openapi()
    paths = {}
    for path, operations in document["paths"].items():
        if path != "/sessions" and not path.startswith("/sessions/"):
            continue
        paths[path] = {
            method: {
                **{key: value for key, value in op.items() if key != "responses"},
                "responses": {code: {"description": r.get("description", "")} for code, r in op["responses"].items()},
            }
            for method, op in operations.items()
        }
    schemas = document["components"]["schemas"]
    used = set(re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", json.dumps(paths)))
    golden = {
        "openapi": document["openapi"],
        "info": document["info"],
        "paths": paths,
        "components": {"schemas": {name: schemas[name] for name in KEPT_COMPONENTS if name in used}},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT} ({len(paths)} paths)")


if __name__ == "__main__":
    main()
