"""THE table of declared differences between AgentOS 3.1.10 and our service.

The read differences are declared once, in session_svc/compare/rules.py (the live comparator's
table): their entries here take their texts from there, and every GET case that names one also
checks that the live comparator accepts the pair of answers. Every entry is a deliberate fix listed in docs/contract.md, Declared differences (or the default-database routing and the create
extension of items 5 and 4). A case that names an entry must show *both* sides: what AgentOS does
(asserted, so a future agno that changes behaviour is noticed) and what we do instead. Any difference
not listed here fails the suite.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from session_svc.compare import RULES, Asked, compare
from session_svc.compare import Answer as LiveAnswer
from session_svc.compare.replay import route_of

from .case import Case, expand
from .compare import CLONE_SUFFIXES, Answer, first_difference, normalise
from .runner import Exchange, Harness, stored_rows

Check = Callable[[Harness, Case, Exchange, Exchange], None]


@dataclass(frozen=True)
class Declared:
    key: str
    fix: str  # what we answer instead, and why
    agentos: str  # what AgentOS 3.1.10 does
    ours: str  # what we do
    check_agentos: Check
    check_ours: Check

    def verify(self, harness: Harness, case: Case, a: Exchange, o: Exchange) -> None:
        try:
            self.check_agentos(harness, case, a, o)
        except AssertionError as exc:
            raise AssertionError(
                f"[{self.key}] AgentOS no longer does what the table says ({self.agentos}): {exc}"
            ) from None
        try:
            self.check_ours(harness, case, a, o)
        except AssertionError as exc:
            raise AssertionError(f"[{self.key}] ours does not do what the table says ({self.ours}): {exc}") from None
        if self.key in RULES and case.method == "GET":
            parts = urlsplit(o.url)
            asked = Asked(route_of(parts.path) or "unmatched", parts.path, parts.query)
            verdict = compare(asked, _live(a.answer), _live(o.answer))
            assert verdict.matched, f"[{self.key}] the live comparator (session_svc/compare/rules.py) sees {verdict}"


def _live(answer: Answer) -> LiveAnswer:
    return LiveAnswer(answer.status, answer.content_type, answer.body)


def _rule(key: str, check_agentos: Check, check_ours: Check) -> Declared:
    """An entry whose texts are session_svc/compare/rules.py's: declared there, proven here."""
    rule = RULES[key]
    return Declared(key, rule.fix, rule.agentos, rule.ours, check_agentos, check_ours)


# -- helpers -----------------------------------------------------------------------------------------


def _status(answer: Answer, status: int, body: dict | None = None) -> None:
    assert answer.status == status, f"expected {status}, got {answer}"
    if body is not None:
        assert answer.json() == body, f"expected body {body}, got {answer}"


def _internal_error(kind: str) -> Check:
    def check(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
        _status(a.answer, 500, {"detail": f"Internal server error ({kind})"})

    return check


def _query_value(url: str, name: str) -> str | None:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)).get(name)


def _agentos_page_below_one(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    if _query_value(a.url, "page") == "0":
        _status(a.answer, 500, {"detail": "Internal server error (ValueError)"})
    else:  # negative pages fail FastAPI's ge=0
        _status(a.answer, 422)
        assert [(d["loc"], d["ctx"]) for d in a.answer.json()["detail"]] == [(["query", "page"], {"ge": 0})], a.answer


def _ours_page_ge_1(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(o.answer, 422)
    detail = o.answer.json()["detail"]
    page = _query_value(o.url, "page")
    expected = {
        "type": "greater_than_equal",
        "loc": ["query", "page"],
        "msg": "Input should be greater than or equal to 1",
        "input": page,
        "ctx": {"ge": 1},
    }
    assert detail == [expected], detail


def _ours_bigint_422(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(o.answer, 422)
    detail = o.answer.json()["detail"]
    param = "limit" if _query_value(o.url, "limit") and len(_query_value(o.url, "limit")) > 18 else "page"
    assert [(d["loc"], d["type"]) for d in detail] == [(["query", param], "less_than_equal")], detail


def _agentos_nul_500(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    assert a.answer.status == 500, a.answer
    detail = a.answer.json()["detail"]
    assert detail == "Internal server error (DataError)" or (
        detail.startswith("Failed to create session: (psycopg.errors.UntranslatableCharacter)")
    ), detail


def _ours_nul_handled(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    assert o.answer.status < 500 and o.answer.content_type == "application/json", o.answer
    if case.method == "DELETE":
        _status(o.answer, 204)
    elif case.method == "GET" and "/sessions/" in o.url:
        _status(o.answer, 404)
    elif case.method == "GET":
        _status(o.answer, 200)
        assert o.answer.json()["data"] == [], o.answer
    else:
        assert o.answer.status in (200, 201), o.answer
        assert "\\u0000" not in o.answer.body.decode(), o.answer


def _with_query(url: str, drop: tuple[str, ...] = (), add: dict[str, str] | None = None) -> str:
    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop]
    params += list((add or {}).items())
    return parts.path + ("?" + urlencode(params) if params else "")


def _same_as(h: Harness, server_name: str, url: str, answer: Answer) -> None:
    server = h.agentos if server_name == "agentos" else h.ours
    diff = first_difference(h.get(server, url), answer)
    assert diff is None, f"differs from {server_name} GET {url}: {diff}"


def _items(answer: Answer) -> list[bytes]:
    return sorted(json.dumps(item, ensure_ascii=False).encode() for item in answer.json()["data"])


def _sort_spec(url: str) -> tuple[str, str, str, dict[str, str]]:
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    key = query.get("sort_by", "created_at")
    expr = "coalesce(updated_at, created_at)" if key == "updated_at" else key
    direction = "ASC" if query.get("sort_order") == "asc" else "DESC"
    return query["db_id"], expr, direction, query


def _sql_filter(query: dict[str, str]) -> tuple[str, tuple]:
    if "user_id" in query:
        return "WHERE user_id = %s", (query["user_id"],)
    return "", ()


def _agentos_sorted_by_key(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    """AgentOS orders by the key only: ties come back in whatever order PostgreSQL produces."""
    _status(a.answer, 200)
    assert a.answer.json()["meta"] == o.answer.json()["meta"], (a.answer, o.answer)
    assert _items(a.answer) == _items(o.answer), "AgentOS and ours return different rows"
    db_id, expr, direction, query = _sort_spec(a.url)
    where, params = _sql_filter(query)
    ranks = dict(
        h.sql(
            db_id,
            f"SELECT session_id, dense_rank() OVER (ORDER BY {expr} {direction}) FROM ai.agno_sessions {where}",
            params,
        )
    )
    order = [ranks[item["session_id"]] for item in a.answer.json()["data"]]
    assert order == sorted(order), f"AgentOS order is not sorted by {expr} {direction}: {order}"


def _ours_tie_broken(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    """Ours orders by the key, then session_id in the same direction, so pages never overlap."""
    _status(o.answer, 200)
    db_id, expr, direction, query = _sort_spec(o.url)
    where, params = _sql_filter(query)
    expected = [
        r[0]
        for r in h.sql(
            db_id,
            f"SELECT session_id FROM ai.agno_sessions {where} ORDER BY {expr} {direction}, session_id {direction}",
            params,
        )
    ]
    got = [item["session_id"] for item in o.answer.json()["data"]]
    assert got == expected, f"ours {got}, expected {expected}"


def _agentos_same_rows_any_order(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(a.answer, 200)
    assert a.answer.json()["meta"] == o.answer.json()["meta"]
    assert _items(a.answer) == _items(o.answer), "AgentOS and ours return different rows"


def _ours_as_default_order(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _same_as(h, "ours", _with_query(o.url, drop=("sort_by",)), o.answer)


def _agentos_needs_db_id(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(a.answer, 400, {"detail": "The db_id query parameter is required when using multiple databases"})


def _ours_uses_default_db(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    # an empty db_id is no db_id for AgentOS too (it tests `if db_id:`)
    _same_as(h, "agentos", _with_query(o.url, drop=("db_id",), add={"db_id": "db-main"}), o.answer)


def _ours_renders(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    assert o.answer.status == 200 and o.answer.content_type == "application/json", o.answer
    o.answer.json()


def _agentos_renders_some_500(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    assert a.answer.status == 500, a.answer
    assert a.answer.json()["detail"] in (
        "Internal server error (ValidationError)",  # list content where a str is required
        "Internal server error (TypeError)",  # SessionSummary(**stored) with an unknown key
        "Internal server error (AttributeError)",  # workflow name derivation on SQL-NULL workflow_data
    ), a.answer


def _without_message_ids(answer: Answer) -> str:
    body = answer.json()
    for message in body.get("chat_history", []):
        message["id"] = "<id>"
    return json.dumps(body, ensure_ascii=False)


def _agentos_new_ids_per_read(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(a.answer, 200)
    again = h.get(h.agentos, a.url)
    first = [m["id"] for m in a.answer.json()["chat_history"]]
    second = [m["id"] for m in again.json()["chat_history"]]
    assert first and all(x != y for x, y in zip(first, second, strict=False)), (
        f"ids did not change between reads: {first} {second}"
    )
    assert _without_message_ids(a.answer) == _without_message_ids(o.answer), "answers differ beyond message ids"


def _ours_stable_ids(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(o.answer, 200)
    again = h.get(h.ours, o.url)
    assert again.body == o.answer.body, "ours gave different answers to the same read"


def _rows_of(h: Harness, case: Case, ex: Exchange, side: str) -> dict:
    return json.loads(stored_rows(h, expand(case.rows[0], CLONE_SUFFIXES[side], {}), ex.ctx))


def _session_data_name(h: Harness, case: Case, ex: Exchange, side: str) -> str | None:
    row = _rows_of(h, case, ex, side)["session"][0]
    data = row[6]
    return None if data is None else (json.loads(data) or {}).get("session_name")


def _agentos_rename_null_data(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    template = case.clones[0][0]
    if template == "tpl-sqlnull":
        # jsonb_set on SQL NULL yields NULL: 200, but nothing is stored and the name is derived ("")
        _status(a.answer, 200)
        assert a.answer.json()["session_name"] == "", a.answer
        assert _session_data_name(h, case, a, "agentos") is None
    else:
        _status(a.answer, 500, {"detail": "Internal server error (DataError)"})


def _ours_rename_null_data(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(o.answer, 200)
    wanted = json.loads(case.request_kwargs("", {})["content"])["session_name"]
    assert o.answer.json()["session_name"] == wanted, o.answer
    assert _session_data_name(h, case, o, "ours") == wanted


def _ours_patch_summary_422(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(o.answer, 422)
    locs = [d["loc"][:2] for d in o.answer.json()["detail"]]
    assert locs and all(loc == ["body", "summary"] for loc in locs), o.answer
    template = json.loads(stored_rows(h, case.clones[0][0], o.ctx))
    after = _rows_of(h, case, o, "ours")
    assert after["session"][0][1:] == template["session"][0][1:], "a refused PATCH changed the stored row"


# stored-row columns (runner.SESSION_SNAPSHOT order) and the PATCH fields that write them
SESSION_DATA_COL, METADATA_COL, SUMMARY_COL, UPDATED_AT_COL = 6, 10, 11, 13
PATCHED_COLUMNS = {
    "session_name": SESSION_DATA_COL,
    "session_state": SESSION_DATA_COL,
    "metadata": METADATA_COL,
    "summary": SUMMARY_COL,
}


def _named_columns(case: Case) -> set[int]:
    body = json.loads(case.request_kwargs("", {})["content"])
    return {PATCHED_COLUMNS[k] for k, v in body.items() if k in PATCHED_COLUMNS and v is not None} | {UPDATED_AT_COL}


def _template_row(h: Harness, case: Case, ex: Exchange) -> list:
    return json.loads(stored_rows(h, case.clones[0][0], ex.ctx))["session"][0]


def _agentos_patch_rewrites_row(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    """AgentOS writes back the whole decoded row: columns the PATCH did not name change too."""
    _status(a.answer, 200)
    template, ra = _template_row(h, case, a), _rows_of(h, case, a, "agentos")["session"][0]
    rewritten = [i for i in range(1, len(ra)) if i not in _named_columns(case) and ra[i] != template[i]]
    assert rewritten, "AgentOS changed only the named fields"


def _ours_patch_field_wise(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    """Same answer as AgentOS; unnamed columns keep their stored value, named ones equal AgentOS's."""
    diff = first_difference(normalise(a.answer, case.normalise, a.ctx), normalise(o.answer, case.normalise, o.ctx))
    assert diff is None, diff
    template = _template_row(h, case, o)
    ra, ro = _rows_of(h, case, a, "agentos")["session"][0], _rows_of(h, case, o, "ours")["session"][0]
    named = _named_columns(case)
    for i in range(1, len(ro)):
        if i in named:
            assert ro[i] == ra[i], f"column {i}: AgentOS wrote {ra[i]!r}, ours {ro[i]!r}"
        else:
            assert ro[i] == template[i], f"column {i} not named by the PATCH changed: {template[i]!r} -> {ro[i]!r}"


def _agentos_unstorable_500(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    assert a.answer.status == 500, a.answer
    detail = a.answer.json()["detail"]
    assert detail == "Internal server error (DataError)" or detail.startswith("Failed to create session: "), detail


def _ours_unstorable_422(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(o.answer, 422)
    detail = o.answer.json()["detail"]
    assert detail and all(d["type"] in ("finite_number", "string_unicode") and d["loc"][0] == "body" for d in detail), (
        detail
    )
    after = _rows_of(h, case, o, "ours")
    if case.clones:
        template = json.loads(stored_rows(h, case.clones[0][0], o.ctx))
        assert after["session"][0][1:] == template["session"][0][1:], "a refused write changed the stored row"
    else:
        assert after["session"] == [], "a refused create stored a row"


def _agentos_created_ignoring_runs(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(a.answer, 201)
    assert a.answer.json()["chat_history"] == [], a.answer


def _ours_preset_conflict_409(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(o.answer, 409)
    session_id = json.loads(case.request_kwargs(CLONE_SUFFIXES["ours"], {})["content"])["session_id"]
    assert h.sql("db-scratch", "SELECT 1 FROM ai.agno_sessions WHERE session_id = %s", (session_id,)) == [], (
        "session stored"
    )


def _agentos_index_row_500(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    assert a.answer.status == 500, a.answer
    detail = a.answer.json()["detail"]
    assert detail.startswith("Failed to create session: (psycopg.errors.ProgramLimitExceeded) index row"), detail


def _ours_index_row_400(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(o.answer, 400)
    assert isinstance(o.answer.json()["detail"], str) and "session_id" in o.answer.json()["detail"], o.answer
    session_id = json.loads(case.request_kwargs(CLONE_SUFFIXES["ours"], {})["content"])["session_id"]
    assert h.sql("db-scratch", "SELECT 1 FROM ai.agno_sessions WHERE session_id = %s", (session_id,)) == []


def _agentos_ignores_preset(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(a.answer, 201)
    body = a.answer.json()
    assert body["chat_history"] == [] and "session_summary" not in body, a.answer


def _ours_stores_preset(h: Harness, case: Case, a: Exchange, o: Exchange) -> None:
    _status(o.answer, 201)
    body = o.answer.json()
    assert [m["content"] for m in body["chat_history"]] == ["preset q"], o.answer
    assert body["session_summary"]["summary"] == "preset summary", o.answer
    runs = h.sql("db-scratch", "SELECT run_id FROM ai.agno_runs WHERE session_id = 'c-preset~o'")
    assert runs == [("r-preset-1~o",)], runs


DECLARED: dict[str, Declared] = {
    d.key: d
    for d in [
        _rule("page-zero", _agentos_page_below_one, _ours_page_ge_1),
        _rule("page-overflow", _internal_error("DataError"), _ours_bigint_422),
        _rule("sort-attribute-500", _internal_error("AttributeError"), _ours_as_default_order),
        _rule("unknown-sort", _agentos_same_rows_any_order, _ours_as_default_order),
        _rule("tie-breaker", _agentos_sorted_by_key, _ours_tie_broken),
        _rule("default-db", _agentos_needs_db_id, _ours_uses_default_db),
        Declared(
            "rename-null-data",
            "rename works when session_data is SQL NULL or JSON null",
            "JSON null: 500 DataError; SQL NULL: 200 but the name is not stored",
            "200 and the name is stored",
            _agentos_rename_null_data,
            _ours_rename_null_data,
        ),
        Declared(
            "patch-summary-keys",
            "a PATCH summary with unknown or missing keys is a 422",
            "500 Internal server error (TypeError)",
            "422 on body.summary, nothing written",
            _internal_error("TypeError"),
            _ours_patch_summary_422,
        ),
        Declared(
            "patch-field-wise",
            "PATCH changes only the fields it is given, atomically (a workflow keeps its summary; a type mismatch"
            " or SQL-NULL columns rewrite nothing else)",
            "rewrites the whole decoded row: workflow summary -> null, team_data written on type=team,"
            " SQL NULL -> JSON null",
            "same answer; only the given fields change in the row",
            _agentos_patch_rewrites_row,
            _ours_patch_field_wise,
        ),
        _rule("render-odd-content", _agentos_renders_some_500, _ours_renders),
        _rule("stable-message-ids", _agentos_new_ids_per_read, _ours_stable_ids),
        _rule("nul-never-500", _agentos_nul_500, _ours_nul_handled),
        Declared(
            "unstorable-json-422",
            "values PostgreSQL cannot store (NaN, ±Infinity, lone surrogates) are refused up front, never a 500",
            "500: PostgreSQL rejects the jsonb (DataError, or 'Failed to create session: …' on create)",
            "422 finite_number / string_unicode on the body field, nothing written",
            _agentos_unstorable_500,
            _ours_unstorable_422,
        ),
        Declared(
            "create-preset-conflict",
            "(extension) preset runs whose run_id is taken are refused whole (one transaction)",
            "201: the runs key is ignored",
            "409, nothing stored",
            _agentos_created_ignoring_runs,
            _ours_preset_conflict_409,
        ),
        Declared(
            "index-row-too-big",
            "a session_id too long for a PostgreSQL btree index is refused with a 400 naming the cause",
            "500 Failed to create session: (psycopg.errors.ProgramLimitExceeded) index row size … exceeds …",
            "400 naming session_id, nothing stored",
            _agentos_index_row_500,
            _ours_index_row_400,
        ),
        Declared(
            "create-preset-data",
            "POST /sessions also accepts runs and summary (extension)",
            "ignores both keys",
            "stores them: chat_history and session_summary in the answer, runs in agno_runs",
            _agentos_ignores_preset,
            _ours_stores_preset,
        ),
    ]
}
