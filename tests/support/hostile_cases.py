"""The hostile inputs: one table of byte-exact requests, shared by the test and the AgentOS capture.

Every case is sent to a database holding exactly `SEED` (reset before each case). The capture script
(tests/capture/capture_agentos_hostile.py, run under agno's virtualenv) records AgentOS 3.1.10's
answer to each case in tests/golden/agentos-hostile-answers.json; tests/test_hostile.py sends the
same bytes to our app and holds it to:

* AgentOS's answer (status and body, ids and times normalised) where AgentOS answers sanely (< 500)
  and the case declares no deliberate difference (`ours` + `why`);
* `ours` when set (a deliberate fix, or where AgentOS fails);
* otherwise any 4xx; never a 5xx; every error body is `{"detail": ...}`;
* for a 2xx write, `stored`: the stored session read back (GET and the row) equals the answer.

Standard library and psycopg only (both virtualenvs have them).
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field
from typing import Any

JSON = "application/json"


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    target: bytes | str  # the request-target as on the wire (percent-encoded path and query)
    body: bytes = b""
    content_type: str | None = JSON  # None: no content-type header at all
    ours: int | None = None  # our status when it is not AgentOS's (deliberate) or AgentOS fails
    why: str = ""  # required when `ours` differs from a sane AgentOS answer
    stored: str | None = None  # a 2xx stored this session id: it must read back as answered
    gone: tuple[str, ...] = ()  # after the request, these seeded sessions no longer exist
    kept: tuple[str, ...] = ()  # after the request, these seeded sessions still exist unchanged
    compare_body: bool = True  # False where AgentOS's body is arbitrary (unordered lists)
    tags: tuple[str, ...] = field(default=())

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return [] if self.content_type is None else [(b"content-type", self.content_type.encode("latin-1"))]


def body(value: Any) -> bytes:
    """JSON as Python writes it (NaN, Infinity and lone-surrogate escapes allowed)."""
    return json.dumps(value).encode()


# -- seed data: identical rows in both databases ------------------------------------------------------

SEED_RUN = {
    "run_id": "run-1",
    "agent_id": "a1",
    "user_id": "u1",
    "status": "COMPLETED",
    "content": "Echo: hi",
    "created_at": 1795545569,
    "session_id": "r1",
    "input": {"input_content": "hi"},
    "messages": [
        {"id": "m1", "role": "user", "content": "hi", "created_at": 1795545569},
        {"id": "m2", "role": "assistant", "content": "Echo: hi", "created_at": 1795545569},
    ],
}

# (session_id, session_type, agent_id, team_id, user_id, session_data, metadata, created_at)
SEED = (
    ("s1", "agent", "a1", None, "u1", {"session_name": "Seeded", "session_state": {"k": "v"}}, {"m": 1}, 1795545569),
    ("s2", "team", None, "t1", "u2", {"session_name": "Team"}, None, 1795545570),
    ("bare", "agent", None, None, None, None, None, 1795545571),
    ("r1", "agent", "a1", None, "u1", {"session_name": "With run"}, None, 1795545572),
)
SEED_IDS = tuple(row[0] for row in SEED)


def reset(conn: Any, schema: str = "ai") -> None:
    """Empty both tables and write the seed rows (JSON null, as agno writes None, for absent jsonb)."""
    from psycopg.types.json import Jsonb

    conn.execute(f"TRUNCATE {schema}.agno_sessions, {schema}.agno_runs")
    for session_id, kind, agent_id, team_id, user_id, data, metadata, created in SEED:
        conn.execute(
            f"INSERT INTO {schema}.agno_sessions (session_id, session_type, agent_id, team_id, user_id,"
            " session_data, agent_data, team_data, metadata, summary, created_at, updated_at)"
            " VALUES (%s,%s,%s,%s,%s,%s,'null','null',%s,'null',%s,%s)",
            [session_id, kind, agent_id, team_id, user_id, Jsonb(data), Jsonb(metadata), created, created],
        )
    conn.execute(
        f"INSERT INTO {schema}.agno_runs (run_id, session_id, run_type, agent_id, user_id, status, run_index,"
        " run_data, created_at) VALUES ('run-1','r1','agent','a1','u1','COMPLETED',0,%s,1795545569)",
        [Jsonb(SEED_RUN)],
    )


# -- building blocks ------------------------------------------------------------------------------------


def _random_text(size: int, seed: int) -> str:
    """Incompressible ASCII text: PostgreSQL cannot shrink it below its index-row limit."""
    rnd = random.Random(seed)
    return "".join(rnd.choices(string.ascii_letters + string.digits, k=size))


MB = 1 << 20
MB_TEXT = _random_text(MB, 1)
MB_REPEAT = "x" * MB
INT64_MAX = 2**63 - 1


def _nested(depth: int, leaf: Any = 0, as_object: bool = False) -> bytes:
    opener, closer = ('{"a":', "}") if as_object else ("[", "]")
    return (opener * depth + json.dumps(leaf) + closer * depth).encode()


def _bulk(ids: list[str], types: list[str] | None = None) -> bytes:
    return body({"session_ids": ids, "session_types": types if types is not None else ["agent"] * len(ids)})


BULK_65536 = [f"bulk-{i}" for i in range(65_535)] + ["s1"]

DEEP_OK = 150  # within our MAX_VALUE_DEPTH (200)
DEEP_REFUSED = 210  # beyond it: stored by AgentOS, refused here (our encoders must write it back)

_WHY_DEPTH = (
    "values nested deeper than 200 containers are refused with FastAPI's body-parse 400: orjson (254 "
    "levels) must be able to write any stored value back out inside a response"
)
_WHY_EXTENSION = "create's `runs` and `summary` are this service's extension; AgentOS ignores them"
_NUL_MATCHES_NOTHING = (
    "a filter or id holding NUL can match nothing stored: empty result / nothing deleted (AgentOS: 500)"
)
_WHY_SORT = "sort_by accepts only the 14 session columns (deliberate fix, docs/contract.md): unknown -> default order"


# -- the cases ------------------------------------------------------------------------------------------

CASES: tuple[Case, ...] = (
    # NUL anywhere: PostgreSQL text and jsonb cannot hold it. Ids and owners with NUL can match
    # nothing stored (404 / empty / 204); stored text has it stripped like agno strips it.
    Case("nul-create-session-id", "POST", "/sessions", body({"session_id": "a\x00b"})),
    Case("nul-create-user-id", "POST", "/sessions", body({"session_id": "nu", "user_id": "u\x00"})),
    Case("nul-create-agent-id", "POST", "/sessions", body({"session_id": "na", "agent_id": "\x00"})),
    Case(
        "nul-create-workflow-id", "POST", "/sessions?type=workflow", body({"session_id": "nw", "workflow_id": "w\x00"})
    ),
    Case(
        "nul-create-name", "POST", "/sessions", body({"session_id": "n1", "session_name": "a\x00b\x07c"}), stored="n1"
    ),
    Case(
        "nul-create-state-keys-and-values",
        "POST",
        "/sessions",
        body({"session_id": "n2", "session_state": {"k\x00": "v\x00", "deep": [{"x\x00y": ["\x00", {"\x00": 1}]}]}}),
        ours=201,
        stored="n2",
    ),
    Case(
        "nul-create-metadata-key",
        "POST",
        "/sessions",
        body({"session_id": "n3", "metadata": {"m\x00": "\x00"}}),
        ours=201,
        stored="n3",
    ),
    Case(
        "nul-create-summary",
        "POST",
        "/sessions",
        body({"session_id": "n4", "summary": {"summary": "s\x00", "topics": ["t\x00"]}}),
        ours=201,
        stored="n4",
        why=_WHY_EXTENSION,
        compare_body=False,
    ),
    Case(
        "nul-create-runs",
        "POST",
        "/sessions",
        body({"session_id": "n5", "runs": [{"run_id": "nr\x00", "content": "c\x00", "agent_id": "a\x00"}]}),
        ours=201,
        stored="n5",
        why=_WHY_EXTENSION,
        compare_body=False,
    ),
    Case(
        "nul-patch-state",
        "PATCH",
        "/sessions/s1",
        body({"session_state": {"a\x00": "b\x00", "\x00": ["\x00"]}}),
        ours=200,
        stored="s1",
    ),
    Case("nul-patch-name", "PATCH", "/sessions/s1", body({"session_name": "x\x00y"}), stored="s1"),
    Case("nul-patch-metadata", "PATCH", "/sessions/s1", body({"metadata": {"\x00k": "\x00v"}}), ours=200, stored="s1"),
    Case(
        "nul-patch-summary",
        "PATCH",
        "/sessions/s1",
        body({"summary": {"summary": "a\x00b", "topics": ["t\x00"]}}),
        stored="s1",
    ),
    Case("nul-rename", "POST", "/sessions/s1/rename", body({"session_name": "x\x00y"}), stored="s1"),
    Case(
        "nul-rename-bare", "POST", "/sessions/bare/rename", body({"session_name": "\x00named"}), ours=200, stored="bare"
    ),
    Case("nul-path-get", "GET", "/sessions/s1%00"),
    Case("nul-path-runs", "GET", "/sessions/r1%00/runs"),
    Case("nul-path-run-previews", "GET", "/sessions/%00/run-previews"),
    Case("nul-path-run-id", "GET", "/sessions/r1/runs/run-1%00"),
    Case("nul-path-patch", "PATCH", "/sessions/s1%00", body({"session_name": "x"}), kept=("s1",)),
    Case("nul-path-rename", "POST", "/sessions/s1%00/rename", body({"session_name": "x"}), kept=("s1",)),
    Case("nul-path-delete", "DELETE", "/sessions/s1%00", kept=("s1",), ours=204, why=_NUL_MATCHES_NOTHING),
    Case("nul-query-user-id-list", "GET", "/sessions?user_id=u1%00", ours=200, why=_NUL_MATCHES_NOTHING),
    Case("nul-query-user-id-get", "GET", "/sessions/s1?user_id=%00"),
    Case(
        "nul-query-user-id-delete",
        "DELETE",
        "/sessions/s1?user_id=u1%00",
        kept=("s1",),
        ours=204,
        why=_NUL_MATCHES_NOTHING,
    ),
    Case(
        "nul-query-user-id-bulk-delete",
        "DELETE",
        "/sessions?user_id=%00",
        _bulk(["s1"]),
        kept=("s1",),
        ours=204,
        why=_NUL_MATCHES_NOTHING,
    ),
    Case("nul-query-user-id-patch", "PATCH", "/sessions/s1?user_id=u1%00", body({"session_name": "x"}), kept=("s1",)),
    Case("nul-query-session-name", "GET", "/sessions?session_name=%00", ours=200, why=_NUL_MATCHES_NOTHING),
    Case(
        "nul-query-component-id", "GET", "/sessions?component_id=a1%00&type=agent", ours=200, why=_NUL_MATCHES_NOTHING
    ),
    Case("nul-query-sort-by", "GET", "/sessions?sort_by=created_at%00", ours=200, why=_WHY_SORT, compare_body=False),
    Case("nul-query-sort-order", "GET", "/sessions?sort_order=asc%00"),
    Case("nul-query-type", "GET", "/sessions?type=agent%00"),
    Case("nul-query-db-id", "GET", "/sessions?db_id=%00"),
    Case("nul-query-table", "GET", "/sessions?db_id=default&table=agno_sessions%00"),
    Case("nul-query-status", "GET", "/sessions/r1/runs?status=COMPLETED%00"),
    Case("nul-query-limit", "GET", "/sessions?limit=1%00"),
    Case("nul-query-key", "GET", "/sessions?%00=1&user%00_id=x"),
    Case(
        "nul-bulk-delete-ids",
        "DELETE",
        "/sessions",
        _bulk(["s1", "s2\x00", "\x00"]),
        gone=("s1",),
        kept=("s2",),
        ours=204,
        why=_NUL_MATCHES_NOTHING,
    ),
    Case(
        "nonchars-stripped",
        "POST",
        "/sessions",
        body({"session_id": "n6", "session_name": "a\ufffeb\uffffc\x1fd", "session_state": {"\ufffe": "\uffff"}}),
        ours=201,
        stored="n6",
    ),
    Case(
        "escaped-backslash-u0000-is-text",
        "POST",
        "/sessions",
        b'{"session_id":"n7","session_name":"a\\\\u0000b","session_state":{"k":"\\\\u0000"}}',
        stored="n7",
    ),
    Case(
        "line-separators-and-astral",
        "POST",
        "/sessions",
        body(
            {
                "session_id": "n8",
                "session_name": "\u2028\u2029\U0001f600\u202e\u200b",
                "metadata": {"\U0001d11e": ["\u0301"]},
            }
        ),
        stored="n8",
    ),
    # Lone surrogates: valid in a Python str, not encodable as UTF-8 (so not storable).
    Case("surrogate-escape-name", "POST", "/sessions", b'{"session_id":"su1","session_name":"a\\ud800b"}'),
    Case("surrogate-escape-key", "POST", "/sessions", b'{"session_id":"su2","session_state":{"\\udfff":1}}'),
    Case("surrogate-escape-session-id", "POST", "/sessions", b'{"session_id":"\\ud800"}'),
    Case("surrogate-escape-user-id", "POST", "/sessions", b'{"session_id":"su3","user_id":"\\udbff"}'),
    Case("surrogate-escape-patch", "PATCH", "/sessions/s1", b'{"session_state":{"x":["\\ud800"]}}', kept=("s1",)),
    Case("surrogate-escape-metadata", "PATCH", "/sessions/s1", b'{"metadata":{"k":"\\udc00"}}', kept=("s1",)),
    Case("surrogate-escape-rename", "POST", "/sessions/s1/rename", b'{"session_name":"\\ud800"}', kept=("s1",)),
    Case(
        "surrogate-escape-bulk-ids",
        "DELETE",
        "/sessions",
        b'{"session_ids":["s1","\\ud800"],"session_types":["agent","agent"]}',
    ),
    Case("surrogate-raw-bytes-body", "POST", "/sessions", b'{"session_id":"su4","session_name":"\xed\xa0\x80"}'),
    Case(
        "surrogate-pair-is-fine",
        "POST",
        "/sessions",
        b'{"session_id":"su5","session_name":"\\ud83d\\ude00 ok"}',
        stored="su5",
    ),
    Case("surrogate-query", "GET", "/sessions?session_name=%ED%A0%80&user_id=%ED%B0%80"),
    Case("surrogate-path", "GET", "/sessions/%ED%A0%80"),
    # Invalid UTF-8: bodies (FastAPI: 400 "There was an error parsing the body") and query bytes.
    Case("utf8-invalid-create", "POST", "/sessions", b'{"session_id":"bad","session_name":"\xff\xfe"}'),
    Case("utf8-invalid-rename", "POST", "/sessions/s1/rename", b'{"session_name":"\xc3\x28"}', kept=("s1",)),
    Case("utf8-invalid-patch", "PATCH", "/sessions/s1", b'{"session_state":{"k":"\x80"}}', kept=("s1",)),
    Case(
        "utf8-invalid-bulk-delete",
        "DELETE",
        "/sessions",
        b'{"session_ids":["s1\xff"],"session_types":["agent"]}',
        kept=("s1",),
    ),
    Case("utf8-overlong", "POST", "/sessions", b'{"session_id":"\xc0\xaf"}'),
    Case("utf8-truncated", "POST", "/sessions", b'{"session_id":"\xe2\x82"}'),
    Case(
        "utf16-with-bom",
        "POST",
        "/sessions",
        b"\xff\xfe" + '{"session_id":"u16","session_name":"sixteen"}'.encode("utf-16-le"),
        stored="u16",
    ),
    Case("utf8-bom", "POST", "/sessions", b"\xef\xbb\xbf" + b'{"session_id":"bom"}'),
    Case("utf8-raw-query-bytes", "GET", b"/sessions?user_id=\xff\xfe&session_name=\xc3"),
    Case("utf8-percent-query", "GET", "/sessions?session_name=%FF%FE&component_id=%C3"),
    Case("utf8-percent-path", "GET", "/sessions/%FF%FE"),
    Case("utf8-percent-db-id", "GET", "/sessions?db_id=%FF"),
    # Numbers: non-finite values cannot be stored; big and odd finite ones round-trip through jsonb.
    Case("nan-state", "POST", "/sessions", b'{"session_id":"f1","session_state":{"x":NaN}}'),
    Case("infinity-state", "POST", "/sessions", b'{"session_id":"f2","session_state":{"x":[Infinity]}}'),
    Case("neg-infinity-metadata", "POST", "/sessions", b'{"session_id":"f3","metadata":{"x":-Infinity}}'),
    Case("overflow-1e999-state", "POST", "/sessions", b'{"session_id":"f4","session_state":{"x":1e999}}'),
    Case("overflow-neg-1e999-patch", "PATCH", "/sessions/s1", b'{"session_state":{"x":-1e999}}', kept=("s1",)),
    Case("nan-patch-metadata", "PATCH", "/sessions/s1", b'{"metadata":{"x":NaN}}', kept=("s1",)),
    Case("nan-rename", "POST", "/sessions/s1/rename", b'{"session_name":NaN}', kept=("s1",)),
    Case("nan-summary-topic", "PATCH", "/sessions/s1", b'{"summary":{"summary":"s","topics":[NaN]}}', kept=("s1",)),
    Case("nan-session-id", "POST", "/sessions", b'{"session_id":NaN}'),
    Case("nan-unknown-key-ignored", "POST", "/sessions", b'{"session_id":"f5","ignored":NaN}', stored="f5"),
    Case(
        "numbers-round-trip",
        "POST",
        "/sessions",
        b'{"session_id":"f6","session_state":{"a":1e20,"b":1.0,"c":-0.0,"d":1.5e-7,"e":0.1,"f":1.5e300,'
        b'"g":123456789012345678901234567890,"h":-9223372036854775809,"i":18446744073709551616,'
        b'"j":9223372036854775807,"k":1E+2,"l":2.50}}',
        stored="f6",
    ),
    Case(
        "numbers-underflow",
        "POST",
        "/sessions",
        b'{"session_id":"f7","session_state":{"tiny":1e-400,"neg":-1e-400}}',
        stored="f7",
    ),
    Case(
        "numbers-4000-digits",
        "POST",
        "/sessions",
        b'{"session_id":"f8","session_state":{"n":' + b"7" * 4000 + b"}}",
        stored="f8",
    ),
    Case("numbers-5000-digits", "POST", "/sessions", b'{"session_id":"f9","session_state":{"n":' + b"7" * 5000 + b"}}"),
    Case(
        "numbers-metadata-big-int",
        "PATCH",
        "/sessions/s1",
        b'{"metadata":{"n":99999999999999999999999999}}',
        stored="s1",
    ),
    # Integers past int64 in the query.
    Case("query-limit-int64-max", "GET", f"/sessions?limit={INT64_MAX}", ours=200),
    Case("query-limit-past-int64", "GET", f"/sessions?limit={INT64_MAX + 1}"),
    Case("query-limit-huge", "GET", "/sessions?limit=" + "9" * 40),
    Case("query-limit-5000-digits", "GET", "/sessions?limit=" + "9" * 5000),
    Case("query-page-past-int64", "GET", f"/sessions?page={INT64_MAX + 1}"),
    Case("query-offset-overflow", "GET", f"/sessions?limit=2&page={INT64_MAX // 2 + 2}"),
    Case("query-offset-at-limit", "GET", f"/sessions?limit=2&page={INT64_MAX // 2 + 1}", ours=200),
    Case("query-page-zero", "GET", "/sessions?page=0"),
    Case(
        "query-page-negative",
        "GET",
        "/sessions?page=-1",
        ours=422,
        why="page must be >= 1 (deliberate fix of page=0, docs/contract.md): the error names ge=1",
        compare_body=False,
    ),
    Case("query-limit-zero", "GET", "/sessions?limit=0"),
    Case("query-limit-negative-huge", "GET", "/sessions?limit=-" + "9" * 30),
    Case("query-limit-float", "GET", "/sessions?limit=1e3"),
    Case("query-limit-empty", "GET", "/sessions?limit="),
    Case("query-created-after-huge", "GET", "/sessions/r1/runs?created_after=" + "9" * 30),
    Case("query-created-before-neg-huge", "GET", "/sessions/r1/run-previews?created_before=-" + "9" * 30),
    Case("query-created-after-nan", "GET", "/sessions/r1/runs?created_after=NaN"),
    Case("query-delete-media-odd", "DELETE", "/sessions/s1?delete_media=maybe", kept=("s1",)),
    # Nesting.
    Case(
        "nesting-1000-lists", "POST", "/sessions", b'{"session_id":"d1","session_state":{"x":' + _nested(1000) + b"}}"
    ),
    Case(
        "nesting-1000-objects",
        "PATCH",
        "/sessions/s1",
        b'{"session_state":' + _nested(1000, as_object=True) + b"}",
        kept=("s1",),
    ),
    Case(
        "nesting-100000",
        "POST",
        "/sessions",
        b'{"session_id":"d2","metadata":' + _nested(100_000, as_object=True) + b"}",
    ),
    Case("nesting-1000-ignored-key", "POST", "/sessions", b'{"session_id":"d3","junk":' + _nested(1000) + b"}"),
    Case(
        "nesting-150-stored",
        "POST",
        "/sessions",
        b'{"session_id":"d4","session_state":{"x":' + _nested(DEEP_OK) + b"}}",
        stored="d4",
    ),
    Case(
        "nesting-210-refused",
        "POST",
        "/sessions",
        b'{"session_id":"d5","session_state":{"x":' + _nested(DEEP_REFUSED) + b"}}",
        ours=400,
        why=_WHY_DEPTH,
    ),
    Case(
        "nesting-210-patch-refused",
        "PATCH",
        "/sessions/s1",
        b'{"metadata":' + _nested(DEEP_REFUSED, as_object=True) + b"}",
        ours=400,
        why=_WHY_DEPTH,
        kept=("s1",),
    ),
    Case(
        "wide-object-100k-keys",
        "POST",
        "/sessions",
        body({"session_id": "w1", "session_state": {f"k{i}": i for i in range(100_000)}}),
        stored="w1",
    ),
    Case("wide-array-500k", "PATCH", "/sessions/s1", body({"metadata": {"a": [0] * 500_000}}), stored="s1"),
    Case("many-query-params", "GET", "/sessions?" + "&".join(f"p{i}=x" for i in range(5_000)) + "&limit=2"),
    Case("repeated-status-params", "GET", "/sessions/r1/runs?" + "&".join(["status=completed"] * 5_000)),
    Case("repeated-limit-last-wins", "GET", "/sessions?limit=abc&limit=1"),
    # Megabyte strings.
    Case("mb-session-name", "POST", "/sessions", body({"session_id": "m1", "session_name": MB_TEXT}), stored="m1"),
    Case(
        "mb-state-value",
        "POST",
        "/sessions",
        body({"session_id": "m2", "session_state": {"big": MB_TEXT}}),
        stored="m2",
    ),
    Case("mb-state-key", "PATCH", "/sessions/s1", body({"session_state": {MB_TEXT: 1}}), stored="s1"),
    Case("mb-rename", "POST", "/sessions/s1/rename", body({"session_name": MB_TEXT}), stored="s1"),
    Case("mb-session-id-compressible", "POST", "/sessions", body({"session_id": MB_REPEAT}), ours=400),
    Case("mb-session-id-random", "POST", "/sessions", body({"session_id": MB_TEXT}), ours=400),
    Case("mb-user-id-random", "POST", "/sessions", body({"session_id": "m3", "user_id": MB_TEXT}), stored="m3"),
    Case(
        "mb-run-id-random",
        "POST",
        "/sessions",
        body({"session_id": "m4", "runs": [{"run_id": MB_TEXT}]}),
        ours=400,
        why=_WHY_EXTENSION,
    ),
    Case(
        "mb-run-agent-id-random",
        "POST",
        "/sessions",
        body({"session_id": "m5", "runs": [{"run_id": "m5r", "agent_id": MB_TEXT}]}),
        ours=400,
        why=_WHY_EXTENSION,
    ),
    Case("mb-path-id", "GET", "/sessions/" + MB_TEXT),
    Case("mb-query-user-id", "GET", "/sessions?user_id=" + MB_TEXT),
    Case("mb-query-sort-by", "GET", "/sessions?sort_by=" + MB_TEXT, ours=200, why=_WHY_SORT, compare_body=False),
    Case("mb-bulk-id", "DELETE", "/sessions", _bulk([MB_TEXT, "s1"]), gone=("s1",)),
    # Content types: FastAPI parses JSON only for application/json and application/*+json.
    Case("ct-missing-create", "POST", "/sessions", body({"session_id": "c1"}), content_type=None),
    Case("ct-text-create", "POST", "/sessions", body({"session_id": "c2"}), content_type="text/plain"),
    Case("ct-form-create", "POST", "/sessions", b"session_id=c3", content_type="application/x-www-form-urlencoded"),
    Case(
        "ct-multipart-create",
        "POST",
        "/sessions",
        b'--b\r\nContent-Disposition: form-data; name="session_id"\r\n\r\nc4\r\n--b--\r\n',
        content_type="multipart/form-data; boundary=b",
    ),
    Case(
        "ct-json-charset",
        "POST",
        "/sessions",
        body({"session_id": "c5"}),
        content_type="application/json; charset=utf-8",
        stored="c5",
    ),
    Case(
        "ct-json-latin1-param",
        "POST",
        "/sessions",
        body({"session_id": "c6"}),
        content_type="application/json; charset=latin-1",
        stored="c6",
    ),
    Case(
        "ct-vendor-json",
        "POST",
        "/sessions",
        body({"session_id": "c7"}),
        content_type="application/vnd.api+json",
        stored="c7",
    ),
    Case(
        "ct-upper-case", "POST", "/sessions", body({"session_id": "c8"}), content_type="APPLICATION/JSON", stored="c8"
    ),
    Case("ct-garbage", "POST", "/sessions", body({"session_id": "c9"}), content_type=";;==\x7f"),
    Case("ct-missing-patch", "PATCH", "/sessions/s1", body({"session_name": "x"}), content_type=None, kept=("s1",)),
    Case(
        "ct-text-rename",
        "POST",
        "/sessions/s1/rename",
        body({"session_name": "x"}),
        content_type="text/plain",
        kept=("s1",),
    ),
    Case("ct-missing-bulk-delete", "DELETE", "/sessions", _bulk(["s1"]), content_type=None, kept=("s1",)),
    Case("ct-json-empty-body-create", "POST", "/sessions", b"", stored="*"),
    Case("ct-json-empty-body-patch", "PATCH", "/sessions/s1", b"", kept=("s1",)),
    Case("ct-json-not-json", "POST", "/sessions", b"{session_id: 1}"),
    Case("ct-json-array-body", "POST", "/sessions", b"[1,2]"),
    Case("ct-json-null-body", "PATCH", "/sessions/s1", b"null", kept=("s1",)),
    Case("ct-json-string-body", "POST", "/sessions/s1/rename", b'"name"', kept=("s1",)),
    Case("ct-json-trailing-garbage", "POST", "/sessions", b'{"session_id":"c10"} x'),
    Case("ct-json-duplicate-keys", "POST", "/sessions", b'{"session_id":"dup1","session_id":"dup2"}', stored="dup2"),
    Case("ct-json-whitespace-only", "PATCH", "/sessions/s1", b"  \n ", kept=("s1",)),
    # Huge id lists (AgentOS binds one parameter per id: 65,536 break its driver).
    Case("bulk-65536-ids", "DELETE", "/sessions", _bulk(BULK_65536), ours=204, gone=("s1",), kept=("s2", "r1")),
    Case("bulk-mismatched-lengths", "DELETE", "/sessions", _bulk(["s1", "s2"], ["agent"]), kept=("s1", "s2")),
    Case("bulk-bad-type", "DELETE", "/sessions", _bulk(["s1"], ["robot"]), kept=("s1",)),
    Case(
        "bulk-non-string-ids",
        "DELETE",
        "/sessions",
        body({"session_ids": [1, None, {"a": 1}], "session_types": ["agent"] * 3}),
    ),
    Case("bulk-duplicate-ids", "DELETE", "/sessions", _bulk(["s1", "s1", "s1"]), gone=("s1",)),
    Case("bulk-empty-lists", "DELETE", "/sessions", _bulk([], [])),
    Case(
        "bulk-ids-not-a-list",
        "DELETE",
        "/sessions",
        body({"session_ids": "s1", "session_types": "agent"}),
        kept=("s1",),
    ),
    # sort_by naming Python attributes, SQLAlchemy collection methods or SQL fragments.
    *(
        Case(f"sort-by-{name}", "GET", f"/sessions?sort_by={quoted}", ours=200, why=_WHY_SORT, compare_body=False)
        for name, quoted in (
            ("keys", "keys"),
            ("values", "values"),
            ("items", "items"),
            ("get", "get"),
            ("dunder-class", "__class__"),
            ("dunder-dict", "__dict__"),
            ("dunder-len", "__len__"),
            ("columns", "columns"),
            ("c", "c"),
            ("empty", ""),
            ("upper", "CREATED_AT"),
            ("sql-semicolon", "created_at%3B%20DROP%20TABLE%20ai.agno_sessions"),
            ("sql-desc", "created_at%20desc"),
            ("sql-comment", "session_id)--"),
            ("sql-subquery", "(SELECT%201)"),
            ("number", "1"),
            ("quote", "%22session_id%22"),
            ("dotted", "ai.agno_sessions.session_id"),
            ("unicode", "cr%C3%A9ated_at"),
        )
    ),
    Case("sort-by-real-column-jsonb", "GET", "/sessions?sort_by=session_data&sort_order=asc", compare_body=False),
    Case("sort-by-updated-at", "GET", "/sessions?sort_by=updated_at&sort_order=asc"),
    Case("sort-order-upper", "GET", "/sessions?sort_order=ASC"),
    Case("sort-order-sql", "GET", "/sessions?sort_order=asc%3B--"),
    # Unknown db_id / type / table.
    Case("db-id-unknown-list", "GET", "/sessions?db_id=nope"),
    Case("db-id-unknown-get", "GET", "/sessions/s1?db_id=nope"),
    Case("db-id-unknown-create", "POST", "/sessions?db_id=nope", body({"session_id": "x"})),
    Case("db-id-unknown-patch", "PATCH", "/sessions/s1?db_id=nope", body({"session_name": "x"}), kept=("s1",)),
    Case("db-id-unknown-delete", "DELETE", "/sessions/s1?db_id=nope", kept=("s1",)),
    Case("db-id-unknown-bulk-delete", "DELETE", "/sessions?db_id=nope", _bulk(["s1"]), kept=("s1",)),
    Case("db-id-unknown-rename", "POST", "/sessions/s1/rename?db_id=nope", body({"session_name": "x"}), kept=("s1",)),
    Case("db-id-unknown-runs", "GET", "/sessions/r1/runs?db_id=nope"),
    Case("db-id-sql", "GET", "/sessions?db_id=%27%20OR%201%3D1--"),
    Case("db-id-empty", "GET", "/sessions?db_id="),
    Case("db-id-empty-with-table", "GET", "/sessions?db_id=&table=agno_sessions"),
    Case("table-empty", "GET", "/sessions?table="),
    Case("db-id-and-table-empty", "DELETE", "/sessions/s1?db_id=&table=", gone=("s1",)),
    Case("table-without-db-id", "GET", "/sessions?table=agno_sessions"),
    Case("table-unknown", "GET", "/sessions?db_id=default&table=nope"),
    Case("table-sql", "GET", "/sessions/s1?db_id=default&table=agno_sessions%3B%20DROP%20TABLE%20x"),
    Case("table-known", "GET", "/sessions/s1?db_id=default&table=agno_sessions"),
    Case("type-unknown", "GET", "/sessions?type=robot"),
    Case("type-upper", "GET", "/sessions/s1?type=AGENT"),
    Case("type-empty", "POST", "/sessions?type=", body({"session_id": "x"})),
    Case("type-repeated-last-wins", "GET", "/sessions?type=robot&type=team"),
    Case("type-mismatch-get", "GET", "/sessions/s1?type=team"),
    Case("type-mismatch-rename", "POST", "/sessions/s1/rename?type=team", body({"session_name": "x"}), kept=("s1",)),
    # Paths: encoded slashes, dot segments, odd characters.
    Case("path-encoded-slash", "GET", "/sessions/a%2Fb"),
    Case("path-encoded-slash-into-route", "GET", "/sessions/r1%2Fruns"),
    Case("path-dot-segments", "GET", "/sessions/%2e%2e"),
    Case("path-traversal", "GET", "/sessions/..%2F..%2Fhealth"),
    Case("path-double-slash", "GET", "/sessions//s1"),
    Case("path-trailing-slashes", "GET", "/sessions/s1///"),
    Case("path-space", "GET", "/sessions/%20"),
    Case("path-percent", "GET", "/sessions/%25"),
    Case("path-bad-percent", "GET", "/sessions/%zz"),
    Case("path-semicolon", "GET", "/sessions/s1;x=1"),
    Case("path-unicode", "GET", "/sessions/caf%C3%A9"),
    Case("path-upper-case-route", "GET", "/SESSIONS"),
    Case("path-run-id-slash", "GET", "/sessions/r1/runs/run-1%2Fx"),
    Case(
        "path-create-odd-id",
        "POST",
        "/sessions",
        body({"session_id": "a b?c#d%e/f\\g\u00e9\u2603"}),
        stored="a b?c#d%e/f\\g\u00e9\u2603",
    ),
    Case("path-create-empty-id", "POST", "/sessions", body({"session_id": ""})),
    Case("method-put", "PUT", "/sessions"),
    Case("method-head", "HEAD", "/sessions"),
    Case("method-trace", "TRACE", "/sessions/s1"),
    Case("method-post-on-item", "POST", "/sessions/s1", body({})),
    # Wrong JSON types for every body field.
    Case("types-create-state-list", "POST", "/sessions", body({"session_state": [1]})),
    Case("types-create-id-number", "POST", "/sessions", body({"session_id": 5})),
    Case("types-create-name-object", "POST", "/sessions", body({"session_name": {"a": 1}})),
    Case("types-patch-metadata-string", "PATCH", "/sessions/s1", body({"metadata": "m"}), kept=("s1",)),
    Case(
        "types-patch-summary-extra", "PATCH", "/sessions/s1", body({"summary": {"summary": "s", "x": 1}}), kept=("s1",)
    ),
    Case("types-patch-summary-missing", "PATCH", "/sessions/s1", body({"summary": {"topics": []}}), kept=("s1",)),
    Case("types-rename-number", "POST", "/sessions/s1/rename", body({"session_name": 1}), kept=("s1",)),
    Case("types-rename-null", "POST", "/sessions/s1/rename", body({"session_name": None}), kept=("s1",)),
    Case(
        "types-runs-not-objects",
        "POST",
        "/sessions",
        body({"session_id": "ty1", "runs": [1, "x"]}),
        ours=422,
        why=_WHY_EXTENSION,
    ),
    Case(
        "types-runs-without-id",
        "POST",
        "/sessions",
        body({"session_id": "ty2", "runs": [{"content": "c"}]}),
        ours=422,
        why=_WHY_EXTENSION,
    ),
    Case(
        "runs-duplicate-ids",
        "POST",
        "/sessions",
        body({"session_id": "ty3", "runs": [{"run_id": "d"}, {"run_id": "d"}]}),
        ours=409,
        why=_WHY_EXTENSION,
    ),
    Case(
        "runs-id-of-another-session",
        "POST",
        "/sessions",
        body({"session_id": "ty4", "runs": [{"run_id": "run-1"}]}),
        ours=409,
        why=_WHY_EXTENSION,
    ),
    Case(
        "runs-created-at-text",
        "POST",
        "/sessions",
        body({"session_id": "ty5", "runs": [{"run_id": "c1", "created_at": "abc"}]}),
        ours=422,
        why=_WHY_EXTENSION,
    ),
    Case(
        "runs-created-at-float",
        "POST",
        "/sessions",
        body({"session_id": "ty6", "runs": [{"run_id": "c2", "created_at": 1.5}]}),
        ours=422,
        why=_WHY_EXTENSION,
    ),
    Case(
        "runs-created-at-past-int64",
        "POST",
        "/sessions",
        body({"session_id": "ty7", "runs": [{"run_id": "c3", "created_at": 10**30}]}),
        ours=422,
        why=_WHY_EXTENSION,
    ),
    Case(
        "runs-created-at-null",
        "POST",
        "/sessions",
        body({"session_id": "ty8", "runs": [{"run_id": "c4", "created_at": None}]}),
        ours=201,
        stored="ty8",
        why=_WHY_EXTENSION,
        compare_body=False,
    ),
    Case(
        "runs-ids-equal-after-nul-strip",
        "POST",
        "/sessions",
        body({"session_id": "ty9", "runs": [{"run_id": "e\x00"}, {"run_id": "e"}]}),
        ours=409,
        why=_WHY_EXTENSION,
    ),
)


def by_id() -> dict[str, Case]:
    cases = {case.id: case for case in CASES}
    assert len(cases) == len(CASES), "case ids must be unique"
    return cases
