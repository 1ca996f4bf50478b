"""Capture FastAPI's real answers to malformed /sessions requests (ground truth for test_validation.py).

Run with the agno environment (agno 3.1.10, fastapi 0.165, pydantic 2.14.4), never from the suite:

    /work/agnovenv/bin/python tests/capture/capture_fastapi_validation.py > tests/golden/fastapi_validation_cases.py

It mounts agno's own session router (no database: a request that passes validation reaches the route
and gets 400 "No database is configured on this AgentOS", or the route's own pre-database 400) behind
AgentOS's exception handlers, sends every case below through TestClient and prints a Python module
with the cases and FastAPI's status and body. The test module replays each case through our validator.
"""

from __future__ import annotations

import sys
from urllib.parse import quote

from agno.os.routers.session.session import get_session_router
from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

JSON = "application/json"
BIG = "99999999999999999999"


def make_app() -> FastAPI:
    app = FastAPI()
    app.include_router(get_session_router(dbs={}))

    # The handlers AgentOS installs (agno/os/app.py), reduced to what shapes the body.
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return await request_validation_exception_handler(request, exc)

    @app.exception_handler(HTTPException)
    async def _http(_, exc: HTTPException):
        return JSONResponse(status_code=exc.status_code, content={"detail": str(exc.detail)})

    @app.exception_handler(Exception)
    async def _other(_, exc: Exception):
        status_code = getattr(exc, "status_code", 500)
        detail = str(exc) if status_code < 500 else f"Internal server error ({type(exc).__name__})"
        return JSONResponse(status_code=status_code, content={"detail": detail})

    return app


def q(route: str, query: str) -> tuple:
    """A query-only case: (route, query, content_type, body)."""
    return (route, query, None, None)


def enc(value: str) -> str:
    """Percent-encode a query value so the query string is plain ASCII (what a client sends)."""
    return quote(value, safe="")


def b(route: str, body: bytes | None, content_type: str | None = JSON, query: str = "") -> tuple:
    return (route, query, content_type, body)


ROUTES = {
    # route name -> (method, path)
    "list": ("GET", "/sessions"),
    "create": ("POST", "/sessions"),
    "get": ("GET", "/sessions/s1"),
    "runs": ("GET", "/sessions/s1/runs"),
    "run_previews": ("GET", "/sessions/s1/run-previews"),
    "run": ("GET", "/sessions/s1/runs/r1"),
    "delete": ("DELETE", "/sessions/s1"),
    "delete_many": ("DELETE", "/sessions"),
    "rename": ("POST", "/sessions/s1/rename"),
    "update": ("PATCH", "/sessions/s1"),
}

INT_VALUES = [
    "abc",
    "",
    "1.5",
    "1.0",
    "0",
    "-1",
    "-0",
    "+5",
    " 5 ",
    "5_0",
    "5__0",
    "0x10",
    "1e3",
    "5.",
    ".5",
    "\u00a07",
    "\u0663",
    "nan",
    BIG,
    "-" + BIG,
    "9223372036854775807",
    "9223372036854775808",
    "1" * 4300,
    "1" * 4301,
    " " + "1" * 4300,
    "00000000000000000000001",
    "1_" * 10 + "1",
    "1" * 19 + "_1",
    "1.00",
    "-1.0",
    "1.01",
    "0.0",
    "1\x00",
    "\x1c5",
    "\u30005",
    "\u200b5",
    "\u00851",
    "1\u2029",
    "\u180e1",
    "0-5",
    "0__7",
    "00-5",
    "0_",
    "+-1",
    "-+1",
    "--1",
    "1" * 4301 + ".0",
    "-" + "1" * 4301,
    "0" + "1" * 4301,
    "\t-0_1.000\n",
]

CASES: list[tuple] = []

# --- query parameters ---------------------------------------------------------------------------
for name in ("limit", "page"):
    for v in INT_VALUES:
        CASES.append(q("list", f"{name}={enc(v)}"))
for name in ("created_after", "created_before"):
    for v in ["abc", "", "1.5", "-1", "0", BIG, "-" + BIG, "1" * 4301, "7.0"]:
        CASES.append(q("runs", f"{name}={enc(v)}"))
        CASES.append(q("run_previews", f"{name}={enc(v)}"))
for v in ["agent", "team", "workflow", "Agent", "AGENT", "", "bogus", " agent", "agent ", "sessiontype.agent", "AGENT"]:
    for route in ("list", "create", "get", "runs", "run_previews", "run", "rename", "update"):
        CASES.append(q(route, f"type={enc(v)}"))
for v in ["asc", "desc", "ASC", "Desc", "", " asc", "ascending", "1"]:
    CASES.append(q("list", f"sort_order={enc(v)}"))
for v in [
    "true",
    "false",
    "1",
    "0",
    "yes",
    "no",
    "on",
    "off",
    "t",
    "f",
    "y",
    "n",
    "TRUE",
    "YeS",
    "oFF",
    "T",
    "",
    "2",
    " true",
    "true ",
    "truthy",
    "none",
    "null",
    "\u00a0true",
    "tru\u0435",
]:
    CASES.append(q("delete", f"delete_media={enc(v)}"))
    CASES.append(q("delete_many", f"delete_media={enc(v)}"))
CASES += [
    q("list", "limit=0&page=-1&type=x&sort_order=ASC"),
    q("list", "sort_order=x&page=x&limit=x&type=x"),
    q("list", "limit=1&limit=x"),
    q("list", "limit=x&limit=1"),
    q("list", "type=x&type=agent"),
    q("list", "type=agent&type=x"),
    q("list", "limit=%20"),
    q("list", "limit=5&unknown=1&session_type=bogus"),
    q("list", "limit"),
    q("list", "limit=&page="),
    q("list", "sort_by=keys&user_id=&component_id=&session_name="),
    q("runs", "created_after=x&created_before=y&type=z"),
    q("runs", "status=x&status=y&created_after=x"),
    q("runs", "status="),
    q("run_previews", "created_before=1&created_after=2&status=bogus&status=running"),
    q("delete", "delete_media=x&delete_media=true"),
    q("delete", "delete_media=true&delete_media=x"),
    q("create", "type=x&type=team&db_id=1"),
]

# --- bodies ------------------------------------------------------------------------------------
GARBAGE = [
    b"",
    b" ",
    b"{",
    b"{bad",
    b'{"a":',
    b'{"a":1',
    b'{"a":1}x',
    b'{"a":1} ',
    b"[1,2",
    b'"abc',
    b"nul",
    b"tru",
    b"{}{}",
    b"{,}",
    b'{"a" 1}',
    b"{'a':1}",
    b'{"a":1,}',
    b"[1,]",
    b"01",
    b"-",
    b"1.",
    b".5",
    b"+1",
    b'"\\x"',
    b'"\\u12"',
    b'"\\uzzzz"',
    b'"a\x01b"',
    b'"a\nb"',
    b'"a\x00b"',
    b"\x00",
    b"\xff",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf{}",
    b"\xef\xbb\xbf",
    b'{"a":"\xff"}',
    b'{"a":"\xc3"}',
    b'{"a":"\xed\xa0\x80"}',
    b"{\x00}",
    b'{"a":1}\x00',
    b"\x00{\x00}",
    b"{\x00\x00\x00}\x00\x00\x00",
    b"[" * 5000,
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"nan",
    b"inf",
    b"1e999",
    b" \t\r\n{}",
    b"{} \t\r\n",
    b"\x0c{}",
    b"\xc2\xa0{}",
    # json_invalid positions count characters of the decoded text, not bytes
    b'{"\xc3\xa9\xe2\x82\xac":1,}',
    b'\xef\xbb\xbf{"a":}',
    b'{"a":"\\ud800',
    '{"a":}'.encode("utf-16"),
    b'{"a":"\xf0\x9f\x98\x80" x}',
]
for body in GARBAGE:
    CASES.append(b("create", body))
    CASES.append(b("update", body))
for body in [b"{bad", b"[1,2]", b"", b"{}"]:
    CASES.append(b("delete_many", body))
    CASES.append(b("rename", body))
    CASES.append(b("create", body, query="type=x&db_id=1"))
    CASES.append(b("update", body, query="type=x"))

NON_OBJECTS = [b"[1,2]", b"[]", b'"x"', b'""', b"1", b"1.5", b"0", b"true", b"false", b"null", b'[{"a":1}]']
for body in NON_OBJECTS:
    for route in ("create", "update", "delete_many", "rename"):
        CASES.append(b(route, body))

# missing / empty bodies and content types
for route in ("create", "update", "delete_many", "rename"):
    CASES.append(b(route, None, None))
    CASES.append(b(route, b"", JSON))
    CASES.append(b(route, b"", "text/plain"))
    for ct in [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "APPLICATION/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=latin-1",
        "application/vnd.api+json",
        "application/merge-patch+json",
        "application/jsonx",
        "application/x-json",
        "text/json",
        "application/ld+json; q=1",
        "application",
        "json",
        "*/*",
        "",
        "application/+json",
        "application/json, text/plain",
        " application/json",
        "application/ json",
        "Application/Json",
        "multipart/form-data; boundary=x",
        'application/json; charset="utf-8"',
    ]:
        body = {
            "create": b'{"session_id":"x"}',
            "update": b'{"session_name":"x"}',
            "delete_many": b'{"session_ids":["a"],"session_types":["agent"]}',
            "rename": b'{"session_name":"x"}',
        }[route]
        CASES.append(b(route, body, ct))
    CASES.append(b(route, b'"\xff"', "text/plain"))
    CASES.append(b(route, b"{bad", "text/plain"))
    CASES.append(b(route, b"{bad", None))
    CASES.append(b(route, b"\xff", None))

# wrong field types
TYPE_VALUES = [
    b"1",
    b"1.5",
    b"true",
    b"null",
    b'"s"',
    b'""',
    b"[]",
    b"[1]",
    b'["a"]',
    b"{}",
    b'{"k":1}',
    b"99999999999999999999",
    b"1e20",
    b"-0.0",
    b"1E400",
]
for field in (
    "session_id",
    "session_name",
    "user_id",
    "agent_id",
    "team_id",
    "workflow_id",
    "session_state",
    "metadata",
):
    for v in TYPE_VALUES:
        CASES.append(b("create", b'{"%s":%s}' % (field.encode(), v)))
for field in ("session_name", "session_state", "metadata", "summary"):
    for v in TYPE_VALUES:
        CASES.append(b("update", b'{"%s":%s}' % (field.encode(), v)))
for v in TYPE_VALUES:
    CASES.append(b("rename", b'{"session_name":%s}' % v))
    CASES.append(b("delete_many", b'{"session_ids":%s,"session_types":["agent"]}' % v))
    CASES.append(b("delete_many", b'{"session_ids":["a"],"session_types":%s}' % v))
    CASES.append(b("delete_many", b'{"session_ids":[%s],"session_types":["agent"]}' % v))
    CASES.append(b("delete_many", b'{"session_ids":["a"],"session_types":[%s]}' % v))
CASES += [
    b("delete_many", b"{}"),
    b("delete_many", b'{"session_ids":[]}'),
    b("delete_many", b'{"session_types":[]}'),
    b("delete_many", b'{"session_ids":[],"session_types":[]}'),
    b("delete_many", b'{"session_ids":["a","b"],"session_types":["agent"]}'),
    b("delete_many", b'{"session_ids":["a"],"session_types":["AGENT"]}'),
    b("delete_many", b'{"session_ids":["a"],"session_types":["agent","bad",""]}'),
    b("delete_many", b'{"session_ids":[1,"a",null],"session_types":["x",1,null]}'),
    b("delete_many", b'{"session_types":["x"],"session_ids":[1]}'),
    b("delete_many", b'{"session_ids":["a"],"session_types":["agent"],"extra":1}'),
    b("delete_many", b'{"session_ids":"a","session_types":"agent"}'),
    b("delete_many", b'{"session_ids":{"a":1},"session_types":["agent"]}'),
    b("delete_many", b'{"session_ids":["a"],"session_types":["agent"]}', query="delete_media=x"),
    b("delete_many", b'{"session_ids":[],"session_types":[]}', query="delete_media=x&user_id=u"),
    b("delete_many", b'{"session_ids":["a","a"],"session_types":["agent","team"]}'),
    b("rename", b'{"session_name":"x","extra":1}'),
    b("rename", b'{"session_name":"x","session_name":1}'),
    b("rename", b'{"session_name":1,"session_name":"x"}'),
    b("rename", b'{"name":"x"}'),
    b("rename", b'{"session_name":"x"}', query="type=bogus"),
    b("rename", b"{}", query="type=bogus"),
    b("rename", b'{"session_name":"\\u0000\\u0007"}'),
    b(
        "create",
        b'{"session_id":"a","session_name":1,"session_state":[],"metadata":"m","user_id":2,"agent_id":3,'
        b'"team_id":4,"workflow_id":5}',
    ),
    b("create", b'{"workflow_id":5,"session_id":1}'),
    b("create", b'{"unknown":1,"session_id":"x"}'),
    b("create", b'{"session_id":"x","session_id":1}'),
    b("create", b'{"session_id":1,"session_id":"x"}'),
    b("create", b'{"session_state":{"a":NaN}}'),
    b("create", b'{"session_state":{"a":Infinity}}'),
    b("create", b'{"session_state":{"a":-Infinity}}'),
    b("create", b'{"session_state":{"a":1e999}}'),
    b("create", b'{"session_state":[NaN]}'),
    b("create", b'{"session_name":NaN}'),
    b("create", b'{"session_name":1e999}'),
    b("create", b'{"session_id":"\\ud800"}'),
    b("create", b'{"session_id":"\\udc00x"}'),
    b("create", b'{"session_id":"\\ud83d\\ude00"}'),
    b("create", b'{"session_state":{"\\ud800":1}}'),
    b("create", b'{"session_state":{"k":"\\ud800"}}'),
    b("create", b'{"session_name":["\\ud800"]}'),
    b("create", b'{"session_id":"a\\u0000b","session_state":{"a\\u0000":"\\u0000"}}'),
    b("create", b'{"session_state":' + b'{"a":' * 300 + b"1" + b"}" * 300 + b"}"),
    b("create", b'{"session_state":' + b"[" * 900 + b"]" * 900 + b"}"),
    b("create", b'{"session_state":{"a":' + b"1" * 5000 + b"}}"),
    b("create", b'{"session_state":{"a":99999999999999999999}}'),
    b("update", b'{"summary":{"x":1}}'),
    b("update", b'{"summary":{}}'),
    b("update", b'{"summary":{"summary":"s","updated_at":"bogus"}}'),
    b("update", b'{"session_name":1,"session_state":1,"metadata":1,"summary":1}'),
    b("update", b'{"session_name":1}', query="type=x"),
    b("update", b'{"session_name":1}', query="type=x&user_id=u"),
    b("update", b"{}", query="type=x"),
]


def main() -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    results = []
    seen = set()
    for route, query, content_type, body in CASES:
        key = (route, query, content_type, body)
        if key in seen:
            continue
        seen.add(key)
        method, path = ROUTES[route]
        headers = {} if content_type is None else {"content-type": content_type}
        url = path + ("?" + query if query else "")
        response = client.request(method, url, content=body, headers=headers)
        results.append((route, query, content_type, body, response.status_code, response.content))
    out = sys.stdout
    out.write('"""FastAPI 0.165 / pydantic 2.14.4 answers to malformed /sessions requests.\n\n')
    out.write(
        "Generated by tests/capture/capture_fastapi_validation.py against agno 3.1.10's own router; do not edit.\n"
    )
    out.write("Each case: (route, query_string, content_type, body, status, response_body_bytes).\n")
    out.write('"""\n\n')
    out.write("# fmt: off\nCASES = [\n")
    for case in results:
        out.write(f"    {case!r},\n")
    out.write("]\n")


if __name__ == "__main__":
    main()
