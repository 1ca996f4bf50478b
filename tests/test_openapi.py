"""`/openapi.json`, `/docs` and `/redoc`, and our document against AgentOS 3.1.10's own."""

from __future__ import annotations

import json
from typing import Any

from conftest import app_client

from session_svc.openapi import build_openapi


def test_openapi_and_docs_are_served_and_can_be_switched_off() -> None:
    with app_client({"AGNO_PG_DSN": "postgresql://127.0.0.1:1/none"}) as client:
        document = client.get("/openapi.json")
        assert document.status_code == 200 and document.json()["openapi"] == "3.1.0"
        docs = client.get("/docs")
        assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
        assert "swagger-ui" in docs.text and "/openapi.json" in docs.text
        assert "/openapi.json" in client.get("/redoc").text
    with app_client({"AGNO_PG_DSN": "postgresql://127.0.0.1:1/none", "DOCS_ENABLED": "false"}) as client:
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert client.get(path).status_code == 404


def _structure(document: dict[str, Any]) -> dict[str, Any]:
    """What must match AgentOS: per operation its id, parameters (name, in, required, type) and body."""

    def kind(schema: dict[str, Any]) -> Any:
        # A query value is never JSON null: `Optional[int]` and `int` take the same wire values.
        if "anyOf" in schema:
            kinds = [kind(s) for s in schema["anyOf"] if s.get("type") != "null"]
            return kinds[0] if len(kinds) == 1 else sorted(map(str, kinds))
        return schema.get("$ref", "").rsplit("/", 1)[-1] or schema.get("type")

    out: dict[str, Any] = {}
    for path, operations in document["paths"].items():
        if not path.startswith("/sessions") or "/media/" in path:
            continue
        for method, op in operations.items():
            body = op.get("requestBody")
            out[f"{method.upper()} {path}"] = {
                "operationId": op["operationId"],
                # ours marks its extensions (openapi.EXTENSION_PARAMETERS); checked apart below
                "parameters": [
                    (p["name"], p["in"], p["required"], kind(p["schema"]))
                    for p in op.get("parameters", [])
                    if not p.get("x-extension")
                ],
                "body": None
                if body is None
                else (body.get("required", False), body["content"]["application/json"]["schema"]["$ref"]),
                "success": sorted(code for code in op["responses"] if code.startswith("2")),
                # ours adds its operational answers: 413 body limit, 503 database, 504 deadline
                "errors": sorted(
                    code for code in op["responses"] if not code.startswith("2") and code not in ("413", "503", "504")
                ),
            }
    return out


def test_openapi_matches_agentos_sessions_routes() -> None:
    """Against AgentOS 3.1.10's own document (tests/golden/agentos-sessions-openapi.json, made by
    tests/capture/capture_agentos_openapi.py): same operations, parameters and request bodies."""
    from pathlib import Path

    golden = json.loads((Path(__file__).parent / "golden" / "agentos-sessions-openapi.json").read_text())
    ours = build_openapi()
    assert _structure(ours) == _structure(golden)
    # The extension parameters: exactly the declared ones, optional (integers, or the string
    # cursor), none in AgentOS's.
    from session_svc.openapi import EXTENSION_PARAMETERS

    by_id = {op["operationId"]: op for ops in ours["paths"].values() for op in ops.values()}
    golden_ids = {op["operationId"]: op for ops in golden["paths"].values() for op in ops.values()}
    for operation_id, names in EXTENSION_PARAMETERS.items():
        marked = [p for p in by_id[operation_id]["parameters"] if p.get("x-extension")]
        assert [p["name"] for p in marked] == list(names)
        kinds = [{"type": "string"} if p["name"] == "cursor" else {"type": "integer"} for p in marked]
        assert all(not p["required"] and k in p["schema"]["anyOf"] for p, k in zip(marked, kinds, strict=True))
        assert not set(names) & {p["name"] for p in golden_ids[operation_id]["parameters"]}
    # Request body components: the same fields, the same required ones (ours may add extensions).
    for name in ("CreateSessionRequest", "UpdateSessionRequest", "DeleteSessionRequest", "Body_rename_session"):
        theirs = golden["components"]["schemas"][name]
        mine = ours["components"]["schemas"][name]
        assert set(theirs["properties"]) <= set(mine["properties"]), name
        assert set(theirs.get("required", ())) == set(mine.get("required", ())), name
    assert ours["info"] == golden["info"]
    assert (
        ours["components"]["schemas"]["SessionType"]["enum"] == golden["components"]["schemas"]["SessionType"]["enum"]
    )
