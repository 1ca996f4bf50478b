"""Request validation (session_svc.validation) against FastAPI 0.165 / pydantic 2.14.4's real answers.

Pure: no database, no agno, no FastAPI. `fastapi_validation_cases.py` holds FastAPI's answers to ~900
malformed (and some valid) requests, captured from agno 3.1.10's own router by
tests/capture/capture_fastapi_validation.py. Every one is replayed: where FastAPI validated (422, or its
400 for an unreadable body) our status and body bytes must be identical; where FastAPI let the request
through, ours must pass too; the deliberate differences are listed in DELIBERATE, and each one also
has a test of its own below with the exact body we send.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from golden.fastapi_validation_cases import CASES
from starlette.requests import Request

from session_svc import validation as v
from session_svc.errors import HTTPError, RequestValidationError, ServiceError
from session_svc.schemas import (
    CreateSessionRequest,
    DeleteSessionRequest,
    ListSessionsQuery,
    RenameSessionRequest,
    SessionRunsQuery,
    UpdateSessionRequest,
)

SPECS = {
    "list": v.LIST_SESSIONS,
    "create": v.CREATE_SESSION,
    "get": v.GET_SESSION,
    "runs": v.GET_RUNS,
    "run_previews": v.GET_RUNS,
    "run": v.GET_RUN,
    "delete": v.DELETE_SESSION,
    "delete_many": v.DELETE_SESSIONS,
    "rename": v.RENAME_SESSION,
    "update": v.UPDATE_SESSION,
}
JSON = "application/json"
BODY_PARSE_ERROR = b'{"detail":"There was an error parsing the body"}'
INT64_MAX = 2**63 - 1

# (route, query, content_type, body) -> (our status, ((error type, loc), ...)) where we differ from
# FastAPI on purpose: page >= 1 and bigint-sized limit/offset (AgentOS: 500 from PostgreSQL),
# non-finite floats and lone surrogates (AgentOS: 500), PATCH summary checked (AgentOS: 500), kept
# values deeper than MAX_VALUE_DEPTH (400), and echoes FastAPI fails to render (NaN, bad UTF-8: 500).
DELIBERATE = {
    ("list", "limit=99999999999999999999", None, None): (422, (("less_than_equal", ("query", "limit")),)),
    ("list", "limit=9223372036854775808", None, None): (422, (("less_than_equal", ("query", "limit")),)),
    ("list", "limit=1111111111111111111_1", None, None): (422, (("less_than_equal", ("query", "limit")),)),
    ("list", "page=0", None, None): (422, (("greater_than_equal", ("query", "page")),)),
    ("list", "page=-1", None, None): (422, (("greater_than_equal", ("query", "page")),)),
    ("list", "page=-0", None, None): (422, (("greater_than_equal", ("query", "page")),)),
    ("list", "page=99999999999999999999", None, None): (422, (("less_than_equal", ("query", "page")),)),
    ("list", "page=-99999999999999999999", None, None): (422, (("greater_than_equal", ("query", "page")),)),
    ("list", "page=9223372036854775807", None, None): (422, (("less_than_equal", ("query", "page")),)),
    ("list", "page=9223372036854775808", None, None): (422, (("less_than_equal", ("query", "page")),)),
    ("list", "page=1111111111111111111_1", None, None): (422, (("less_than_equal", ("query", "page")),)),
    ("list", "page=-1.0", None, None): (422, (("greater_than_equal", ("query", "page")),)),
    ("list", "page=0.0", None, None): (422, (("greater_than_equal", ("query", "page")),)),
    ("list", "page=0-5", None, None): (422, (("greater_than_equal", ("query", "page")),)),
    ("list", "page=00-5", None, None): (422, (("greater_than_equal", ("query", "page")),)),
    ("list", "page=%09-0_1.000%0A", None, None): (422, (("greater_than_equal", ("query", "page")),)),
    ("list", "limit=0&page=-1&type=x&sort_order=ASC", None, None): (
        422,
        (
            ("enum", ("query", "type")),
            ("greater_than_equal", ("query", "limit")),
            ("greater_than_equal", ("query", "page")),
            ("enum", ("query", "sort_order")),
        ),
    ),
    ("create", "", "application/json", b"NaN"): (422, (("model_attributes_type", ("body",)),)),
    ("update", "", "application/json", b"NaN"): (422, (("model_attributes_type", ("body",)),)),
    ("create", "", "application/json", b"Infinity"): (422, (("model_attributes_type", ("body",)),)),
    ("update", "", "application/json", b"Infinity"): (422, (("model_attributes_type", ("body",)),)),
    ("create", "", "application/json", b"-Infinity"): (422, (("model_attributes_type", ("body",)),)),
    ("update", "", "application/json", b"-Infinity"): (422, (("model_attributes_type", ("body",)),)),
    ("create", "", "application/json", b"1e999"): (422, (("model_attributes_type", ("body",)),)),
    ("update", "", "application/json", b"1e999"): (422, (("model_attributes_type", ("body",)),)),
    ("create", "", "text/plain", b'"\xff"'): (422, (("model_attributes_type", ("body",)),)),
    ("create", "", None, b"\xff"): (422, (("model_attributes_type", ("body",)),)),
    ("update", "", "text/plain", b'"\xff"'): (422, (("model_attributes_type", ("body",)),)),
    ("update", "", None, b"\xff"): (422, (("model_attributes_type", ("body",)),)),
    ("delete_many", "", "text/plain", b'"\xff"'): (422, (("model_attributes_type", ("body",)),)),
    ("delete_many", "", None, b"\xff"): (422, (("model_attributes_type", ("body",)),)),
    ("create", "", "application/json", b'{"session_id":1E400}'): (422, (("string_type", ("body", "session_id")),)),
    ("create", "", "application/json", b'{"session_name":1E400}'): (422, (("string_type", ("body", "session_name")),)),
    ("create", "", "application/json", b'{"user_id":1E400}'): (422, (("string_type", ("body", "user_id")),)),
    ("create", "", "application/json", b'{"agent_id":1E400}'): (422, (("string_type", ("body", "agent_id")),)),
    ("create", "", "application/json", b'{"team_id":1E400}'): (422, (("string_type", ("body", "team_id")),)),
    ("create", "", "application/json", b'{"workflow_id":1E400}'): (422, (("string_type", ("body", "workflow_id")),)),
    ("create", "", "application/json", b'{"session_state":1E400}'): (422, (("dict_type", ("body", "session_state")),)),
    ("create", "", "application/json", b'{"metadata":1E400}'): (422, (("dict_type", ("body", "metadata")),)),
    ("update", "", "application/json", b'{"session_name":1E400}'): (422, (("string_type", ("body", "session_name")),)),
    ("update", "", "application/json", b'{"session_state":1E400}'): (422, (("dict_type", ("body", "session_state")),)),
    ("update", "", "application/json", b'{"metadata":1E400}'): (422, (("dict_type", ("body", "metadata")),)),
    ("update", "", "application/json", b'{"summary":{}}'): (422, (("missing", ("body", "summary", "summary")),)),
    ("update", "", "application/json", b'{"summary":{"k":1}}'): (
        422,
        (("missing", ("body", "summary", "summary")), ("extra_forbidden", ("body", "summary", "k"))),
    ),
    ("update", "", "application/json", b'{"summary":1E400}'): (422, (("dict_type", ("body", "summary")),)),
    ("rename", "", "application/json", b'{"session_name":1E400}'): (422, (("string_type", ("body", "session_name")),)),
    ("delete_many", "", "application/json", b'{"session_ids":1E400,"session_types":["agent"]}'): (
        422,
        (("list_type", ("body", "session_ids")),),
    ),
    ("delete_many", "", "application/json", b'{"session_ids":["a"],"session_types":1E400}'): (
        422,
        (("list_type", ("body", "session_types")),),
    ),
    ("delete_many", "", "application/json", b'{"session_ids":[1E400],"session_types":["agent"]}'): (
        422,
        (("string_type", ("body", "session_ids", 0)),),
    ),
    ("delete_many", "", "application/json", b'{"session_ids":["a"],"session_types":[1E400]}'): (
        422,
        (("enum", ("body", "session_types", 0)),),
    ),
    ("create", "", "application/json", b'{"session_state":{"a":NaN}}'): (
        422,
        (("finite_number", ("body", "session_state", "a")),),
    ),
    ("create", "", "application/json", b'{"session_state":{"a":Infinity}}'): (
        422,
        (("finite_number", ("body", "session_state", "a")),),
    ),
    ("create", "", "application/json", b'{"session_state":{"a":-Infinity}}'): (
        422,
        (("finite_number", ("body", "session_state", "a")),),
    ),
    ("create", "", "application/json", b'{"session_state":{"a":1e999}}'): (
        422,
        (("finite_number", ("body", "session_state", "a")),),
    ),
    ("create", "", "application/json", b'{"session_state":[NaN]}'): (422, (("dict_type", ("body", "session_state")),)),
    ("create", "", "application/json", b'{"session_name":NaN}'): (422, (("string_type", ("body", "session_name")),)),
    ("create", "", "application/json", b'{"session_name":1e999}'): (422, (("string_type", ("body", "session_name")),)),
    ("create", "", "application/json", b'{"session_id":"\\ud800"}'): (
        422,
        (("string_unicode", ("body", "session_id")),),
    ),
    ("create", "", "application/json", b'{"session_id":"\\udc00x"}'): (
        422,
        (("string_unicode", ("body", "session_id")),),
    ),
    ("create", "", "application/json", b'{"session_state":{"\\ud800":1}}'): (
        422,
        (("string_unicode", ("body", "session_state", "\\ud800")),),
    ),
    ("create", "", "application/json", b'{"session_state":{"k":"\\ud800"}}'): (
        422,
        (("string_unicode", ("body", "session_state", "k")),),
    ),
    ("create", "", "application/json", b'{"session_name":["\\ud800"]}'): (
        422,
        (("string_type", ("body", "session_name")),),
    ),
    ("update", "", "application/json", b'{"summary":{"x":1}}'): (
        422,
        (("missing", ("body", "summary", "summary")), ("extra_forbidden", ("body", "summary", "x"))),
    ),
    ("update", "", "application/json", b'{"summary":{"summary":"s","updated_at":"bogus"}}'): (
        422,
        (("datetime_parsing", ("body", "summary", "updated_at")),),
    ),
    ("list", "limit=" + "1" * 4300, None, None): (422, (("less_than_equal", ("query", "limit")),)),
    ("list", "limit=%20" + "1" * 4300, None, None): (422, (("less_than_equal", ("query", "limit")),)),
    ("list", "page=" + "1" * 4300, None, None): (422, (("less_than_equal", ("query", "page")),)),
    ("list", "page=%20" + "1" * 4300, None, None): (422, (("less_than_equal", ("query", "page")),)),
    ("create", "", JSON, b'{"session_state":' + b'{"a":' * 300 + b"1" + b"}" * 300 + b"}"): (
        400,
        "There was an error parsing the body",
    ),
    ("create", "", JSON, b'{"session_state":' + b"[" * 900 + b"]" * 900 + b"}"): (
        400,
        "There was an error parsing the body",
    ),
}


def run(route: str, query: str = "", body: bytes | None = None, content_type: str | None = JSON):
    """(status, body bytes) of our answer, or ("pass", (query struct, body struct))."""
    try:
        parsed = v.validate_parts(query, body or b"", content_type, SPECS[route])
    except ServiceError as exc:
        return exc.status, exc.body()
    return "pass", parsed


def errors_of(route: str, query: str = "", body: bytes | None = None, content_type: str | None = JSON) -> list:
    status, answer = run(route, query, body, content_type)
    assert status == 422, (status, answer)
    return json.loads(answer)["detail"]


def summarize(answer: bytes):
    detail = json.loads(answer)["detail"]
    if isinstance(detail, str):
        return detail
    return tuple((e["type"], tuple(e["loc"])) for e in detail)


def _case_id(case) -> str:
    route, query, content_type, body = case[:4]
    return f"{route}?{query[:40]}|{content_type}|{(body or b'')[:40]!r}"


# --- replay of FastAPI's captured answers ------------------------------------------------------------


def test_the_capture_covers_what_the_brief_asks_for():
    routes = {case[0] for case in CASES}
    assert routes == set(SPECS)
    statuses = {case[4] for case in CASES}
    assert {400, 422, 500} <= statuses
    assert len(CASES) > 800
    # Every deliberate difference still names a captured case (the capture and this file agree).
    keys = {case[:4] for case in CASES}
    assert set(DELIBERATE) <= keys


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fastapi_answer_replayed(case):
    route, query, content_type, body, status, answer = case
    ours = run(route, query, body, content_type)
    key = (route, query, content_type, body)
    if key in DELIBERATE:
        expected_status, expected = DELIBERATE[key]
        assert ours[0] == expected_status
        assert summarize(ours[1]) == expected
        return
    fastapi_validated = status == 422 or (status == 400 and answer == BODY_PARSE_ERROR)
    if fastapi_validated:
        assert ours == (status, answer)
    else:
        # FastAPI let it through (the route then answered without a database, or failed later):
        # we must not refuse it.
        assert status != 500, "a FastAPI 500 must be a deliberate difference"
        assert ours[0] == "pass", ours


# --- parsed values: what a valid request turns into ----------------------------------------------------


def test_defaults_of_every_route():
    assert run("list")[1][0] == ListSessionsQuery(
        session_type=None,
        component_id=None,
        user_id=None,
        session_name=None,
        limit=20,
        page=1,
        sort_by="created_at",
        sort_order="desc",
        db_id=None,
        table=None,
    )
    query, body = run("create")[1]
    assert (query.session_type, query.db_id) == ("agent", None)
    assert body == CreateSessionRequest()  # a missing body is {}
    assert run("get")[1] == (v.GET_SESSION.query.struct(), None)
    runs_query = run("runs")[1][0]
    assert runs_query == SessionRunsQuery()
    assert runs_query.status is None and runs_query.created_after is None
    delete_query = run("delete")[1][0]
    assert delete_query.delete_media is False


@pytest.mark.parametrize(
    "raw, value",
    [
        ("7", 7),
        ("+5", 5),
        (" 5 ", 5),
        ("%C2%A07", 7),
        ("5_0", 50),
        ("1.00", 1),
        ("00012", 12),
        ("0-5", -5),
        ("0__7", 7),
        ("%09-0_1.000%0A", -1),
        ("99999999999999999999", 99999999999999999999),
        ("-" + "9" * 30, -int("9" * 30)),
    ],
)
def test_int_parameters_parse_like_pydantic(raw, value):
    # created_after has no bounds: pydantic's lax str -> int, quirks included ("0-5" is -5).
    assert run("runs", f"created_after={raw}")[1][0].created_after == value


@pytest.mark.parametrize("raw", ["true", "1", "yes", "on", "t", "y", "TRUE", "YeS", "oN", "T"])
def test_delete_media_true_words(raw):
    assert run("delete", f"delete_media={raw}")[1][0].delete_media is True


@pytest.mark.parametrize("raw", ["false", "0", "no", "off", "f", "n", "FALSE", "No", "oFF", "F"])
def test_delete_media_false_words(raw):
    assert run("delete", f"delete_media={raw}")[1][0].delete_media is False


def test_repeated_scalar_parameters_take_the_last_value():
    assert run("list", "limit=1&limit=2")[1][0].limit == 2
    assert run("list", "limit=x&limit=3")[1][0].limit == 3
    assert run("list", "type=x&type=team")[1][0].session_type == "team"
    assert run("delete", "delete_media=x&delete_media=true")[1][0].delete_media is True


def test_status_is_repeatable_and_raw():
    assert run("runs", "status=completed&status=BOGUS&status=")[1][0].status == ["completed", "BOGUS", ""]
    assert run("runs", "user_id=u")[1][0].status is None


def test_strings_pass_through_untouched():
    query = run("list", "user_id=&sort_by=keys&session_name=%00x&component_id=a%20b&table=t&db_id=d")[1][0]
    assert (query.user_id, query.sort_by, query.session_name, query.component_id) == ("", "keys", "\x00x", "a b")
    assert (query.table, query.db_id) == ("t", "d")
    assert run("list", "session_type=bogus&unknown=1")[1][0].session_type is None  # only `type` counts


def test_enum_values():
    for value in ("agent", "team", "workflow"):
        assert run("get", f"type={value}")[1][0].session_type == value
    assert run("list", "sort_order=asc")[1][0].sort_order == "asc"


def test_query_parameters_accepted_as_mapping_string_or_bytes():
    from starlette.datastructures import QueryParams

    for source in ("limit=5&page=2", b"limit=5&page=2", QueryParams("limit=5&page=2")):
        query, _ = v.validate_parts(source, b"", None, v.LIST_SESSIONS)
        assert (query.limit, query.page, query.offset) == (5, 2, 5)


def test_bodies_parse_into_structs():
    query, body = run(
        "create",
        "type=team&db_id=d",
        b'{"session_id":"s","session_state":{"k":[1,2.5,null]},'
        b'"metadata":{"m":1},"team_id":"t","unknown":[1],"user_id":null}',
    )[1]
    assert query.session_type == "team"
    assert body == CreateSessionRequest(
        session_id="s", session_state={"k": [1, 2.5, None]}, metadata={"m": 1}, team_id="t"
    )
    assert run("update", body=b"{}")[1][1] == UpdateSessionRequest()
    assert run("delete_many", body=b'{"session_ids":["a","b"],"session_types":["agent","team"]}')[1][
        1
    ] == DeleteSessionRequest(session_ids=["a", "b"], session_types=["agent", "team"])
    assert run("rename", body=b'{"session_name":"N","extra":1}')[1][1] == RenameSessionRequest(session_name="N")


def test_json_parsing_is_pythons():
    # BOMs and UTF-16 are sniffed like json.loads(bytes); duplicate keys: the last wins; big ints kept.
    assert run("update", body=b"\xef\xbb\xbf{}")[0] == "pass"
    assert run("update", body='{"session_name":"x"}'.encode("utf-16"))[1][1].session_name == "x"
    assert run("update", body=b'{"session_name":1,"session_name":"x"}')[1][1].session_name == "x"
    state = run("update", body=b'{"session_state":{"n":99999999999999999999999,"f":1e20,"z":-0.0}}')[1][1].session_state
    assert state == {"n": 99999999999999999999999, "f": 1e20, "z": -0.0}


def test_nul_and_control_characters_are_valid_here():
    body = b'{"session_id":"a\\u0000b","session_name":"\\u0007","session_state":{"k\\u0000":"\\u0001"}}'
    parsed = run("create", body=body)[1][1]
    assert parsed.session_id == "a\x00b" and parsed.session_name == "\x07"
    assert parsed.session_state == {"k\x00": "\x01"}


# --- error order ------------------------------------------------------------------------------------


def test_query_errors_follow_declaration_order_then_body_errors():
    detail = errors_of("delete_many", "delete_media=x&user_id=u", b'{"session_types":["x"],"session_ids":[1]}')
    assert [(e["type"], e["loc"]) for e in detail] == [
        ("bool_parsing", ["query", "delete_media"]),
        ("string_type", ["body", "session_ids", 0]),
        ("enum", ["body", "session_types", 0]),
    ]
    detail = errors_of("list", "sort_order=x&page=x&limit=x&type=x")
    assert [e["loc"][1] for e in detail] == ["type", "limit", "page", "sort_order"]


def test_invalid_json_hides_query_errors():
    detail = errors_of("update", "type=bogus", b'{"a":1')
    assert detail == [
        {
            "type": "json_invalid",
            "loc": ["body", 6],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "Expecting ',' delimiter"},
        }
    ]


# --- deliberate differences, with the exact bodies we send ----------------------------------------------


def test_page_zero_is_a_422():
    status, answer = run("list", "page=0")
    assert (status, answer) == (
        422,
        b'{"detail":[{"type":"greater_than_equal","loc":["query","page"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]}',
    )


def test_limit_beyond_bigint_is_a_422():
    assert run("list", "limit=9223372036854775807")[1][0].limit == INT64_MAX
    status, answer = run("list", "limit=99999999999999999999")
    assert (status, answer) == (
        422,
        b'{"detail":[{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 9223372036854775807","input":"99999999999999999999","ctx":{"le":9223372036854775807}}]}',
    )


def test_offset_beyond_bigint_blames_page_with_the_largest_page_that_fits():
    largest = INT64_MAX // 20 + 1
    query = run("list", f"page={largest}")[1][0]
    assert query.offset == (largest - 1) * 20 <= INT64_MAX
    status, answer = run("list", f"page={largest + 1}")
    assert status == 422
    assert json.loads(answer)["detail"] == [
        {
            "type": "less_than_equal",
            "loc": ["query", "page"],
            "msg": f"Input should be less than or equal to {largest}",
            "input": str(largest + 1),
            "ctx": {"le": largest},
        }
    ]
    assert run("list", f"limit=1&page={2**63}")[1][0].offset == INT64_MAX
    assert json.loads(run("list", f"limit={INT64_MAX}&page=3")[1])["detail"][0]["ctx"] == {"le": 2}
    # When limit itself is wrong, only limit is reported.
    assert [e["loc"] for e in errors_of("list", f"limit=0&page={2**70}")] == [["query", "limit"]]


def test_non_finite_numbers_in_kept_values_are_422():
    detail = errors_of(
        "update", body=b'{"session_state":{"a":[1,NaN,{"b":-Infinity}],"c":1e999},"metadata":{"m":Infinity}}'
    )
    assert detail == [
        {
            "type": "finite_number",
            "loc": ["body", "session_state", "a", 1],
            "msg": "Input should be a finite number",
            "input": "NaN",
        },
        {
            "type": "finite_number",
            "loc": ["body", "session_state", "a", 2, "b"],
            "msg": "Input should be a finite number",
            "input": "-Infinity",
        },
        {
            "type": "finite_number",
            "loc": ["body", "session_state", "c"],
            "msg": "Input should be a finite number",
            "input": "Infinity",
        },
        {
            "type": "finite_number",
            "loc": ["body", "metadata", "m"],
            "msg": "Input should be a finite number",
            "input": "Infinity",
        },
    ]
    # Ignored keys may hold anything JSON-parsable, as in FastAPI.
    assert run("create", body=b'{"ignored":NaN}')[0] == "pass"


def test_lone_surrogates_are_422_and_render():
    status, answer = run("create", body=b'{"session_id":"\\ud800","session_state":{"k\\udc00":"\\ud83d\\ude00"}}')
    assert status == 422
    assert answer == (
        b'{"detail":[{"type":"string_unicode","loc":["body","session_id"],"msg":"Input should be a valid string, unable to parse raw data as a unicode string","input":"\\\\ud800"},'
        b'{"type":"string_unicode","loc":["body","session_state","k\\\\udc00"],"msg":"Input should be a valid string, unable to parse raw data as a unicode string","input":"k\\\\udc00"}]}'
    )
    answer.decode("utf-8")  # always encodable
    # A raw UTF-8-encoded surrogate (json.loads accepts it with surrogatepass) is caught too.
    assert [e["type"] for e in errors_of("rename", body=b'{"session_name":"\xed\xa0\x80"}')] == ["string_unicode"]
    assert [
        e["loc"]
        for e in errors_of("delete_many", body=b'{"session_ids":["ok","\\udfff"],"session_types":["agent","team"]}')
    ] == [["body", "session_ids", 1]]
    # A proper pair is one character and fine.
    assert run("create", body=b'{"session_name":"\\ud83d\\ude00"}')[1][1].session_name == "\U0001f600"


def test_summary_is_checked_like_agnos_session_summary():
    detail = errors_of("update", body=b'{"summary":{"topics":"t","updated_at":5,"extra":1,"more":null}}')
    assert detail == [
        {
            "type": "missing",
            "loc": ["body", "summary", "summary"],
            "msg": "Field required",
            "input": {"topics": "t", "updated_at": 5, "extra": 1, "more": None},
        },
        {
            "type": "list_type",
            "loc": ["body", "summary", "topics"],
            "msg": "Input should be a valid list",
            "input": "t",
        },
        {
            "type": "datetime_type",
            "loc": ["body", "summary", "updated_at"],
            "msg": "Input should be a valid datetime",
            "input": 5,
        },
        {
            "type": "extra_forbidden",
            "loc": ["body", "summary", "extra"],
            "msg": "Extra inputs are not permitted",
            "input": 1,
        },
        {
            "type": "extra_forbidden",
            "loc": ["body", "summary", "more"],
            "msg": "Extra inputs are not permitted",
            "input": None,
        },
    ]
    detail = errors_of("update", body=b'{"summary":{"summary":null,"topics":["a",1],"updated_at":"yesterday"}}')
    assert [(e["type"], e["loc"]) for e in detail] == [
        ("string_type", ["body", "summary", "summary"]),
        ("string_type", ["body", "summary", "topics", 1]),
        ("datetime_parsing", ["body", "summary", "updated_at"]),
    ]
    assert detail[2]["ctx"] == {"error": "invalid ISO 8601 format"}


def test_summary_arrives_normalized_as_agno_stores_it():
    patch = run("update", body=b'{"summary":{"summary":"S","updated_at":"2025-10-21T14:30:00Z"}}')[1][1]
    assert patch.summary == {"summary": "S", "updated_at": "2025-10-21T14:30:00+00:00"}
    patch = run("update", body=b'{"summary":{"summary":"","topics":[],"updated_at":""}}')[1][1]
    assert patch.summary == {"summary": "", "topics": []}  # falsy updated_at dropped, like to_dict()
    patch = run("update", body=b'{"summary":{"summary":"S","topics":null,"updated_at":"2025-10-21 14:30"}}')[1][1]
    assert patch.summary == {"summary": "S", "updated_at": "2025-10-21T14:30:00"}
    assert run("update", body=b'{"summary":null}')[1][1].summary is None


def test_create_extension_runs_and_summary():
    body = run(
        "create", body=b'{"runs":[{"run_id":"r1","status":"COMPLETED"},{"run_id":"r2"}],"summary":{"summary":"s"}}'
    )[1][1]
    assert body.runs == [{"run_id": "r1", "status": "COMPLETED"}, {"run_id": "r2"}]
    assert body.summary == {"summary": "s"}
    detail = errors_of("create", body=b'{"runs":[1,{"x":1},{"run_id":2},{"run_id":"r","v":NaN}],"summary":{}}')
    assert [(e["type"], e["loc"]) for e in detail] == [
        ("dict_type", ["body", "runs", 0]),
        ("missing", ["body", "runs", 1, "run_id"]),
        ("string_type", ["body", "runs", 2, "run_id"]),
        ("finite_number", ["body", "runs", 3, "v"]),
        ("missing", ["body", "summary", "summary"]),
    ]
    assert [e["type"] for e in errors_of("create", body=b'{"runs":{}}')] == ["list_type"]


def _nested(depth: int) -> bytes:
    return b'{"session_state":' + b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1) + b"}"


def test_nesting_limit_of_kept_values():
    assert run("update", body=_nested(v.MAX_VALUE_DEPTH))[0] == "pass"
    assert run("update", body=_nested(v.MAX_VALUE_DEPTH + 1)) == (400, BODY_PARSE_ERROR)
    deep_list = b'{"metadata":{"x":' + b"[" * 250 + b"]" * 250 + b"}}"
    assert run("create", body=deep_list) == (400, BODY_PARSE_ERROR)


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
def test_absurd_nesting_is_a_clean_400(depth):
    for route in ("create", "update", "delete_many", "rename"):
        assert run(route, body=b"[" * depth + b"]" * depth) == (400, BODY_PARSE_ERROR)
        if depth >= 5_000:  # unclosed: Python's parser gives up on depth before it sees the end
            assert run(route, body=b'{"x":' + b"[" * depth) == (400, BODY_PARSE_ERROR)


def test_non_json_body_echo_is_always_utf8():
    status, answer = run("update", body=b'{"\xff":1}', content_type="text/plain")
    assert status == 422
    assert json.loads(answer)["detail"][0]["input"] == '{"\ufffd":1}'


def test_every_error_renders_as_valid_json():
    nasty = [b"NaN", b"[Infinity]", b'{"session_name":[1e999,"\\ud800"]}', b'"\\udfff"', b"1e999"]
    for body in nasty:
        for route in ("create", "update", "delete_many", "rename"):
            status, answer = run(route, body=body)
            assert status == 422
            json.loads(answer.decode("utf-8"))  # strict: no NaN literals, valid UTF-8


# --- errors.py -------------------------------------------------------------------------------------


def test_http_error_renders_detail():
    error = HTTPError(404, "Session with id 'x' not found")
    response = error.to_response()
    assert (response.status_code, response.body) == (404, b'{"detail":"Session with id \'x\' not found"}')
    assert response.headers["content-type"] == "application/json"
    assert HTTPError(400, "caf\u00e9 \ud800").body() == '{"detail":"caf\u00e9 \\\\ud800"}'.encode()


def test_validation_error_renders_like_fastapi():
    error = RequestValidationError([{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
    assert error.status == 422
    assert error.body() == b'{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}'
    assert isinstance(error, ServiceError) and isinstance(HTTPError(400, "x"), ServiceError)


# --- validate(request) --------------------------------------------------------------------------------


def _request(method: str, query: bytes, body: bytes, headers: list[tuple[bytes, bytes]]) -> Request:
    chunks = [body[:3], body[3:]]

    async def receive():
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    scope = {"type": "http", "method": method, "path": "/sessions", "query_string": query, "headers": headers}
    return Request(scope, receive)


def test_validate_reads_a_starlette_request():
    request = _request("POST", b"type=workflow", b'{"session_id":"s"}', [(b"content-type", b"application/json")])
    query, body = asyncio.run(v.validate(request, v.CREATE_SESSION))
    assert (query.session_type, body.session_id) == ("workflow", "s")

    request = _request("POST", b"", b'{"session_id":"s"}', [])  # no content-type: not JSON for FastAPI
    with pytest.raises(RequestValidationError) as raised:
        asyncio.run(v.validate(request, v.CREATE_SESSION))
    assert raised.value.errors[0]["type"] == "model_attributes_type"


def test_validate_ignores_bodies_of_routes_without_one():
    async def receive():
        raise AssertionError("a GET route must not read the body")

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/sessions",
        "query_string": b"limit=3",
        "headers": [(b"content-type", b"application/json")],
    }
    query, body = asyncio.run(v.validate(Request(scope, receive), v.LIST_SESSIONS))
    assert (query.limit, body) == (3, None)


# --- speed -------------------------------------------------------------------------------------------


def test_common_requests_are_cheap():
    from starlette.datastructures import QueryParams

    params = QueryParams("type=agent&user_id=u1&limit=20&page=2&sort_by=updated_at&sort_order=asc")
    body = b'{"session_name":"n","session_state":{"step":"done","items":[1,2,3]},"metadata":{"tags":["a"]}}'
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        v.validate_parts(params, b"", None, v.LIST_SESSIONS)
    query_cost = (time.perf_counter() - start) / rounds
    start = time.perf_counter()
    for _ in range(rounds):
        v.validate_parts(QueryParams(""), body, JSON, v.UPDATE_SESSION)
    body_cost = (time.perf_counter() - start) / rounds
    # Typically ~5 us and ~10 us; the bounds leave room for a slow, shared CI machine.
    assert query_cost < 100e-6, query_cost
    assert body_cost < 200e-6, body_cost


@pytest.mark.parametrize(
    "route, body",
    [
        ("create", b'{"session_state":' + b"[" * 600 + b"]" * 600 + b"}"),  # dict_type echoing a deep list
        ("update", b"[" * 600 + b"]" * 600),  # model_attributes_type echoing the whole body
        ("delete_many", b'{"ignored":' + b"[" * 600 + b"]" * 600 + b"}"),  # missing echoes the body dict
        ("rename", b'{"session_name":' + b"[" * 600 + b"]" * 600 + b"}"),  # string_type
    ],
)
def test_deep_inputs_are_never_echoed(route, body):
    # Echoing them would make the 422 itself too deep to encode safely; the 400 is FastAPI's answer
    # for nesting too deep, given at our lower limit.
    assert run(route, body=body) == (400, BODY_PARSE_ERROR)


def test_deep_ignored_keys_are_still_ignored_like_fastapi():
    assert run("create", body=b'{"ignored":' + b"[" * 600 + b"]" * 600 + b"}")[0] == "pass"


def test_a_body_that_cannot_be_read_is_a_400_but_a_size_limit_propagates():
    from starlette.exceptions import HTTPException
    from starlette.requests import ClientDisconnect

    def request_failing_with(exc: Exception) -> Request:
        async def receive():
            raise exc

        scope = {
            "type": "http",
            "method": "PATCH",
            "path": "/sessions/s",
            "query_string": b"",
            "headers": [(b"content-type", b"application/json")],
        }
        return Request(scope, receive)

    with pytest.raises(HTTPError) as raised:
        asyncio.run(v.validate(request_failing_with(ClientDisconnect()), v.UPDATE_SESSION))
    assert (raised.value.status, raised.value.body()) == (400, BODY_PARSE_ERROR)
    with pytest.raises(HTTPException) as too_large:
        asyncio.run(v.validate(request_failing_with(HTTPException(413, "Content Too Large")), v.UPDATE_SESSION))
    assert too_large.value.status_code == 413
