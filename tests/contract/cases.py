"""The case table: every route, filter, sort option, pagination edge, error path and write.

Read cases run against the seeded databases db-main and db-other, which no case modifies. Write cases
work in db-scratch on per-case copies of template sessions (see case.Case).
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import quote

from .case import NO_BODY, Case
from .compare import CLONE, NEW_UUID, NOW, Context, Normalisation

MAIN, OTHER, SCRATCH = "db-main", "db-other", "db-scratch"

# Sessions and how many rows agno_runs holds for each (checked against the seed at run time).
MAIN_SESSIONS = {
    "agent-sess-1": 2,
    "agent-sess-2": 1,
    "agent-sess-3": 4,
    "agent-sess-4": 2,
    "agent-sess-5": 2,
    "team-sess-1": 2,
    "team-sess-2": 4,
    "wf-sess-1": 1,
    "wf-sess-2": 2,
    "agent-up-1": 1,
    "team-up-1": 2,
    "wf-up-1": 3,
    "agent-up-empty": 0,
    "agent-up-framework": 2,
    "agent-up-nomsg": 2,
    "agent-sqlnull": 0,
    "agent-noindex": 4,
    "agent-paused": 1,
    "epoch0-team": 0,
}
OTHER_SESSIONS = {"other-sess-1": 2, "other-sess-2": 1, "other-legacy": 0, "other-legacy-text": 0, "other-legacy-wf": 0}
# Runs that exist only in the legacy `runs` column of db-other.
LEGACY_ONLY_RUNS = {
    "other-sess-1": ["run-o1-legacy"],
    "other-legacy": ["run-ol-1", "run-ol-2"],
    "other-legacy-text": ["run-olt-1"],
    "other-legacy-wf": ["run-olw-1"],
}
SESSION_COLUMNS = (
    "session_id",
    "session_type",
    "agent_id",
    "team_id",
    "workflow_id",
    "user_id",
    "session_data",
    "agent_data",
    "team_data",
    "workflow_data",
    "metadata",
    "summary",
    "created_at",
    "updated_at",
)
# Columns whose values are unique in the seeded databases: sorting by them has no ties.
UNIQUE_SORT_COLUMNS = ("session_id", "created_at", "updated_at")


LEGACY_RUN_AT = 1_790_000_005  # seed.BASE_EPOCH + 5, the stamp of runs copied into legacy columns


def session_created_at(db_id: str, session_id: str) -> int:
    """The created_at seed._fix_timestamps gives: sessions in session_id order, 1000 s apart."""
    from .seed import BASE_EPOCH, DB_IDS

    sessions = sorted(MAIN_SESSIONS if db_id == MAIN else OTHER_SESSIONS)
    return BASE_EPOCH + 100_000 * DB_IDS.index(db_id) + 1000 * (sessions.index(session_id) + 1)


# 9,000 characters PostgreSQL cannot compress below the btree limit (~2,700 bytes)
INCOMPRESSIBLE_ID = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(141))[:9000]


def _q(**params: str) -> str:
    return "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())


def _get(case_id: str, url: str, declared: str | None = None) -> Case:
    return Case(case_id, "GET", url, declared=declared)


def list_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    for db in (MAIN, OTHER):
        add(_get(f"list-{db}", f"/sessions?db_id={db}"))
        add(_get(f"list-{db}-trailing-slash", f"/sessions/?db_id={db}"))
        for session_type in ("agent", "team", "workflow"):
            add(_get(f"list-{db}-type-{session_type}", f"/sessions?db_id={db}&type={session_type}"))
    for component, session_type in [
        ("basic-agent", None),
        ("basic-agent", "agent"),
        ("basic-agent", "team"),
        ("basic-team", None),
        ("basic-team", "team"),
        ("basic-workflow", None),
        ("basic-workflow", "workflow"),
        ("basic-workflow", "agent"),
        ("ext-agent", "agent"),
        ("nobody", None),
    ]:
        query = f"db_id={MAIN}&component_id={component}" + (f"&type={session_type}" if session_type else "")
        add(_get(f"list-component-{component}-{session_type}", f"/sessions?{query}"))
    for user in ("user-1", "user-2", "user-3", "user-4", "user-5", "nobody", ""):
        add(_get(f"list-user-{user or 'empty'}", f"/sessions?db_id={MAIN}&user_id={user}"))
    add(_get("list-other-user-5", f"/sessions?db_id={OTHER}&user_id=user-5"))
    for label, name in [
        ("word", "Named"),
        ("lower", "named agent"),
        ("percent-wildcard", "%"),
        ("underscore-wildcard", "_"),
        ("percent-literal", "100%"),
        ("underscore-in-name", "100%_d"),
        ("empty", ""),
        ("derived-not-matched", "What is the weather"),
        ("no-match", "zzz"),
        ("unicode", "Café ☕"),
        ("legacy-other", "JSON string"),
    ]:
        db = OTHER if label == "legacy-other" else MAIN
        add(_get(f"list-name-{label}", f"/sessions?db_id={db}&{_q(session_name=name)}"))
    # pagination
    for limit, page in [
        (1, 1),
        (1, 2),
        (1, 15),
        (1, 16),
        (2, 3),
        (3, 5),
        (3, 6),
        (5, 1),
        (5, 4),
        (20, 2),
        (100, 1),
        (7, 2),
    ]:
        add(_get(f"list-limit{limit}-page{page}", f"/sessions?db_id={MAIN}&limit={limit}&page={page}"))
    add(_get("list-page-huge-empty", f"/sessions?db_id={MAIN}&limit=1&page=1000000"))
    add(_get("list-limit-huge", f"/sessions?db_id={MAIN}&limit=1000000000"))
    add(_get("list-repeated-limit-last-wins", f"/sessions?db_id={MAIN}&limit=1&limit=2"))
    add(_get("list-repeated-type-last-wins", f"/sessions?db_id={MAIN}&type=agent&type=team"))
    add(_get("list-other-limit2-page2", f"/sessions?db_id={OTHER}&limit=2&page=2"))
    # sorting: columns with unique values compare exactly; tied columns are the declared tie-breaker
    for column in SESSION_COLUMNS:
        for order in ("asc", "desc"):
            declared = None if column in UNIQUE_SORT_COLUMNS else "tie-breaker"
            add(
                _get(
                    f"list-sort-{column}-{order}",
                    f"/sessions?db_id={MAIN}&sort_by={column}&sort_order={order}&limit=100",
                    declared,
                )
            )
    add(_get("list-sort-order-asc-default-key", f"/sessions?db_id={MAIN}&sort_order=asc"))
    add(_get("list-sort-updated-asc-page2", f"/sessions?db_id={MAIN}&sort_by=updated_at&sort_order=asc&limit=4&page=2"))
    add(
        _get(
            "list-sort-session-id-asc-page3", f"/sessions?db_id={MAIN}&sort_by=session_id&sort_order=asc&limit=4&page=3"
        )
    )
    add(_get("list-other-sort-updated-asc", f"/sessions?db_id={OTHER}&sort_by=updated_at&sort_order=asc"))
    add(
        _get(
            "list-sort-order-other-value-is-desc", f"/sessions?db_id={MAIN}&sort_by=created_at&sort_order=desc&limit=3"
        )
    )
    for value in ("bogus", "", "runs"):
        add(
            _get(
                f"list-sort-unknown-{value or 'empty'}",
                f"/sessions?db_id={MAIN}&sort_by={value}&limit=100",
                "unknown-sort",
            )
        )
    add(_get("list-sort-unknown-asc", f"/sessions?db_id={MAIN}&sort_by=bogus&sort_order=asc&limit=100", "unknown-sort"))
    for attribute in ("keys", "values", "items", "get"):
        add(_get(f"list-sort-{attribute}", f"/sessions?db_id={MAIN}&sort_by={attribute}", "sort-attribute-500"))
    # combinations
    add(_get("list-combo-agent-user5-name", f"/sessions?db_id={MAIN}&type=agent&user_id=user-5&{_q(session_name='a')}"))
    add(
        _get(
            "list-combo-all-filters",
            f"/sessions?db_id={MAIN}&type=agent&component_id=basic-agent&user_id=user-4&session_name=Named"
            "&limit=5&page=1&sort_by=updated_at&sort_order=asc",
        )
    )
    add(_get("list-combo-user2-limit1-page2", f"/sessions?db_id={MAIN}&user_id=user-2&limit=1&page=2&sort_order=asc"))
    # database and table selection (agno/os/utils.py: get_db)
    add(_get("list-table-sessions", f"/sessions?db_id={MAIN}&table=agno_sessions"))
    add(_get("list-table-memories-selects-db", f"/sessions?db_id={OTHER}&table=agno_memories"))
    add(_get("list-table-unknown", f"/sessions?db_id={MAIN}&table=nope"))
    add(_get("list-table-without-db-id", "/sessions?table=agno_sessions"))
    add(_get("list-unknown-db-id", "/sessions?db_id=nope"))
    add(_get("list-empty-db-id", "/sessions?db_id=", "default-db"))
    add(_get("list-empty-table-is-absent", f"/sessions?db_id={MAIN}&table=&limit=2"))
    add(_get("list-empty-table-no-db-id", "/sessions?table=&limit=2", "default-db"))
    add(_get("get-empty-db-id-and-table", "/sessions/agent-sess-1?db_id=&table=", "default-db"))
    add(_get("list-no-db-id-default", "/sessions", "default-db"))
    add(_get("list-no-db-id-default-filtered", "/sessions?type=team&limit=1", "default-db"))
    # validation errors (422)
    for label, query in [
        ("type-bogus", "type=bogus"),
        ("type-empty", "type="),
        ("type-uppercase", "type=AGENT"),
        ("limit-zero", "limit=0"),
        ("limit-negative", "limit=-5"),
        ("limit-text", "limit=abc"),
        ("limit-empty", "limit="),
        ("limit-float", "limit=1.5"),
        ("page-text", "page=x"),
        ("page-empty", "page="),
        ("sort-order-upper", "sort_order=ASC"),
        ("sort-order-bogus", "sort_order=up"),
        ("two-errors", "limit=0&page=abc"),
        ("three-errors", "type=x&limit=x&sort_order=x"),
    ]:
        add(_get(f"list-422-{label}", f"/sessions?db_id={MAIN}&{query}"))
    add(_get("list-422-before-db-resolution", "/sessions?db_id=nope&limit=0"))
    # how FastAPI/pydantic parse query values (lax mode)
    for label, raw in [
        ("plus", "%2B5"),
        ("space-before", "%205"),
        ("space-after", "5%20"),
        ("leading-zero", "05"),
        ("exp", "1e1"),
        ("float-int", "2.0"),
        ("float", "2.5"),
        ("hex", "0x10"),
        ("underscore", "1_0"),
        ("arabic-digit", "%D9%A3"),
        ("bool", "true"),
        ("minus-zero", "-0"),
        ("huge-negative", "-99999999999999999999"),
        ("tab", "%093"),
    ]:
        add(_get(f"list-limit-parse-{label}", f"/sessions?db_id={MAIN}&limit={raw}"))
    for label, raw in [
        ("type-trailing-space", "type=agent%20"),
        ("type-capital", "type=Agent"),
        ("sort-order-space", "sort_order=asc%20"),
        ("page-plus", "page=%2B2&limit=3"),
        ("page-float", "page=2.0&limit=3"),
    ]:
        add(_get(f"list-parse-{label}", f"/sessions?db_id={MAIN}&{raw}"))
    for label, name in [("backslash", "\\"), ("backslash-percent", "\\%"), ("quote", "'"), ("newline", "a\nb")]:
        add(_get(f"list-name-{label}", f"/sessions?db_id={MAIN}&{_q(session_name=name)}"))
    add(_get("list-page-zero", f"/sessions?db_id={MAIN}&page=0", "page-zero"))
    add(_get("list-page-negative", f"/sessions?db_id={MAIN}&page=-1", "page-zero"))
    add(_get("list-limit-overflow", f"/sessions?db_id={MAIN}&limit=99999999999999999999", "page-overflow"))
    add(_get("list-nul-in-user-id", f"/sessions?db_id={MAIN}&user_id=a%00b", "nul-never-500"))
    add(_get("list-nul-in-session-name", f"/sessions?db_id={MAIN}&session_name=a%00b", "nul-never-500"))
    add(_get("list-page-overflow", f"/sessions?db_id={MAIN}&page=999999999999999999", "page-overflow"))
    return cases


def detail_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    for db, sessions in ((MAIN, MAIN_SESSIONS), (OTHER, OTHER_SESSIONS)):
        for session_id in sessions:
            add(_get(f"get-{session_id}", f"/sessions/{session_id}?db_id={db}"))
    for session_id, session_type in [
        ("agent-sess-1", "agent"),
        ("agent-sess-1", "team"),
        ("agent-sess-1", "workflow"),
        ("team-sess-1", "agent"),
        ("team-sess-1", "team"),
        ("wf-sess-1", "agent"),
        ("wf-sess-1", "workflow"),
        ("agent-up-1", "team"),
        ("team-up-1", "workflow"),
    ]:
        add(_get(f"get-{session_id}-as-{session_type}", f"/sessions/{session_id}?db_id={MAIN}&type={session_type}"))
    add(_get("get-user-match", f"/sessions/agent-sess-1?db_id={MAIN}&user_id=user-1"))
    add(_get("get-user-mismatch-404", f"/sessions/agent-sess-1?db_id={MAIN}&user_id=user-2"))
    add(_get("get-missing-404", f"/sessions/nope?db_id={MAIN}"))
    for session_type in ("agent", "team", "workflow"):
        add(_get(f"get-missing-typed-404-{session_type}", f"/sessions/nope?db_id={MAIN}&type={session_type}"))
    add(_get("get-other-db-404", f"/sessions/agent-sess-1?db_id={OTHER}"))
    add(_get("get-unknown-db-404", "/sessions/agent-sess-1?db_id=nope"))
    add(_get("get-table-without-db-400", "/sessions/agent-sess-1?table=agno_sessions"))
    add(_get("get-table-unknown-404", f"/sessions/agent-sess-1?db_id={MAIN}&table=nope"))
    add(_get("get-table-sessions", f"/sessions/other-sess-1?db_id={OTHER}&table=agno_sessions"))
    add(_get("get-table-memories-selects-db", f"/sessions/other-sess-1?db_id={OTHER}&table=agno_memories"))
    add(_get("runs-table-metrics-selects-db", f"/sessions/other-sess-1/runs?db_id={OTHER}&table=agno_metrics"))
    add(_get("run-table-evals-selects-db", f"/sessions/other-sess-1/runs/run-o1-1?db_id={OTHER}&table=agno_eval_runs"))
    add(
        _get(
            "previews-table-knowledge-selects-db",
            f"/sessions/agent-sess-1/run-previews?db_id={MAIN}&table=agno_knowledge",
        )
    )
    add(_get("get-table-runs-not-a-session-table-404", f"/sessions/agent-sess-1?db_id={MAIN}&table=agno_runs"))
    add(_get("get-table-learnings-selects-db", f"/sessions/agent-sess-1?db_id={MAIN}&table=agno_learnings"))
    add(_get("get-table-versions-404", f"/sessions/agent-sess-1?db_id={MAIN}&table=agno_schema_versions"))
    add(_get("get-type-bogus-422", f"/sessions/agent-sess-1?db_id={MAIN}&type=bogus"))
    add(_get("get-trailing-slash", f"/sessions/agent-sess-2/?db_id={MAIN}"))
    add(_get("get-encoded-id", f"/sessions/{quote('agent sess', safe='')}?db_id={MAIN}"))
    add(_get("get-no-db-id-default", "/sessions/agent-sess-1", "default-db"))
    add(_get("get-nul-in-id", f"/sessions/a%00b?db_id={MAIN}", "nul-never-500"))
    return cases


def run_list_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    for db, sessions in ((MAIN, MAIN_SESSIONS), (OTHER, OTHER_SESSIONS)):
        for session_id in sessions:
            add(_get(f"runs-{session_id}", f"/sessions/{session_id}/runs?db_id={db}"))
            add(_get(f"previews-{session_id}", f"/sessions/{session_id}/run-previews?db_id={db}"))
    # agent-sess-3 runs are at created_at = C+10, C+20, C+30, C+40 (seed._fix_timestamps)
    created = session_created_at(MAIN, "agent-sess-3")
    for route in ("runs", "run-previews"):
        for label, query in [
            ("after-inclusive", f"created_after={created + 20}"),
            ("before-inclusive", f"created_before={created + 20}"),
            ("window", f"created_after={created + 15}&created_before={created + 35}"),
            ("after-all", f"created_after={created + 100}"),
            ("before-none", f"created_before={created}"),
            ("status-completed", "status=COMPLETED"),
            ("status-lower", "status=completed"),
            ("status-two", "status=ERROR&status=completed"),
            ("status-error-none", "status=ERROR"),
            ("status-cancelled", "status=cancelled"),
        ]:
            add(_get(f"{route}-sess3-{label}", f"/sessions/agent-sess-3/{route}?db_id={MAIN}&{query}"))
        add(_get(f"{route}-nomsg-status-error", f"/sessions/agent-up-nomsg/{route}?db_id={MAIN}&status=error"))
        add(_get(f"{route}-paused-status", f"/sessions/agent-paused/{route}?db_id={MAIN}&status=paused"))
        # db-other/other-sess-1: table runs at C+10, C+20; its legacy-only run at BASE+5
        other_created = session_created_at(OTHER, "other-sess-1")
        add(
            _get(
                f"{route}-legacy-after",
                f"/sessions/other-sess-1/{route}?db_id={OTHER}&created_after={other_created + 10}",
            )
        )
        add(
            _get(
                f"{route}-legacy-before",
                f"/sessions/other-sess-1/{route}?db_id={OTHER}&created_before={LEGACY_RUN_AT + 5}",
            )
        )
        add(
            _get(
                f"{route}-legacy-status",
                f"/sessions/other-legacy/{route}?db_id={OTHER}&status=COMPLETED&created_after=1",
            )
        )
        add(_get(f"{route}-status-bogus-400", f"/sessions/agent-sess-3/{route}?db_id={MAIN}&status=BOGUS&status=done"))
        add(_get(f"{route}-status-bogus-before-db-400", f"/sessions/agent-sess-3/{route}?db_id=nope&status=bogus"))
        add(_get(f"{route}-status-empty-400", f"/sessions/agent-sess-3/{route}?db_id={MAIN}&status="))
        add(
            _get(
                f"{route}-created-after-text-422",
                f"/sessions/agent-sess-3/{route}?db_id={MAIN}&created_after=yesterday",
            )
        )
        add(
            _get(
                f"{route}-created-after-float",
                f"/sessions/agent-sess-3/{route}?db_id={MAIN}&created_after={created + 20}.0",
            )
        )
        add(
            _get(
                f"{route}-created-before-float-frac-422",
                f"/sessions/agent-sess-3/{route}?db_id={MAIN}&created_before=5.5",
            )
        )
        add(_get(f"{route}-created-after-negative", f"/sessions/agent-sess-3/{route}?db_id={MAIN}&created_after=-1"))
        add(_get(f"{route}-status-spaces-400", f"/sessions/agent-sess-3/{route}?db_id={MAIN}&status=%20COMPLETED"))
        add(_get(f"{route}-missing-404", f"/sessions/nope/{route}?db_id={MAIN}"))
        add(_get(f"{route}-user-mismatch-404", f"/sessions/agent-sess-3/{route}?db_id={MAIN}&user_id=user-2"))
        add(_get(f"{route}-user-match", f"/sessions/team-sess-2/{route}?db_id={MAIN}&user_id=user-3"))
        add(_get(f"{route}-agent-as-team", f"/sessions/agent-sess-1/{route}?db_id={MAIN}&type=team"))
        add(_get(f"{route}-team-as-agent", f"/sessions/team-sess-2/{route}?db_id={MAIN}&type=agent"))
        add(_get(f"{route}-team-as-workflow", f"/sessions/team-sess-1/{route}?db_id={MAIN}&type=workflow"))
        add(_get(f"{route}-wf-as-agent", f"/sessions/wf-sess-2/{route}?db_id={MAIN}&type=agent"))
        add(_get(f"{route}-unknown-db-404", f"/sessions/agent-sess-1/{route}?db_id=nope"))
        add(_get(f"{route}-no-db-id-default", f"/sessions/agent-sess-1/{route}", "default-db"))
    return cases


def single_run_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    for db, sessions in ((MAIN, MAIN_SESSIONS), (OTHER, OTHER_SESSIONS)):
        for session_id, count in sessions.items():
            for index in range(count):
                add(
                    _get(
                        f"run-{session_id}-{index}",
                        f"/sessions/{session_id}/runs/{{run:{db}/{session_id}:{index}}}?db_id={db}",
                    )
                )
    for session_id, run_ids in LEGACY_ONLY_RUNS.items():
        for run_id in run_ids:
            add(_get(f"run-legacy-{run_id}", f"/sessions/{session_id}/runs/{run_id}?db_id={OTHER}"))
    add(_get("run-type-ignored", f"/sessions/team-sess-1/runs/{{run:{MAIN}/team-sess-1:0}}?db_id={MAIN}&type=workflow"))
    add(_get("run-user-mismatch-404", f"/sessions/agent-sess-1/runs/run-a1-1?db_id={MAIN}&user_id=user-9"))
    add(_get("run-missing-run-404", f"/sessions/agent-sess-1/runs/nope?db_id={MAIN}"))
    add(_get("run-missing-session-404", f"/sessions/nope/runs/run-a1-1?db_id={MAIN}"))
    add(_get("run-no-runs-404", f"/sessions/agent-up-empty/runs/anything?db_id={MAIN}"))
    add(_get("run-of-other-session-404", f"/sessions/agent-sess-2/runs/run-a1-1?db_id={MAIN}"))
    add(_get("run-unknown-db-404", "/sessions/agent-sess-1/runs/run-a1-1?db_id=nope"))
    add(_get("run-no-db-id-default", "/sessions/agent-sess-1/runs/run-a1-1", "default-db"))
    return cases


CORS_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-max-age",
)


def routing_cases() -> list[Case]:
    origin = (("origin", "http://localhost:3000"),)
    preflight = origin + (
        ("access-control-request-method", "PATCH"),
        ("access-control-request-headers", "content-type"),
    )
    return [
        Case(
            "cors-preflight-allowed",
            "OPTIONS",
            f"/sessions/agent-sess-1?db_id={MAIN}",
            headers=preflight,
            compare_headers=CORS_HEADERS,
        ),
        Case(
            "cors-preflight-disallowed",
            "OPTIONS",
            f"/sessions?db_id={MAIN}",
            headers=(("origin", "https://evil.example"), ("access-control-request-method", "GET")),
            compare_headers=CORS_HEADERS,
        ),
        Case(
            "cors-simple-get",
            "GET",
            f"/sessions/agent-sess-2?db_id={MAIN}",
            headers=origin,
            compare_headers=CORS_HEADERS,
        ),
        Case(
            "cors-simple-get-other-origin",
            "GET",
            f"/sessions/agent-sess-2?db_id={MAIN}",
            headers=(("origin", "https://evil.example"),),
            compare_headers=CORS_HEADERS,
        ),
        Case(
            "cors-404-allowed-origin",
            "GET",
            f"/sessions/nope?db_id={MAIN}",
            headers=origin,
            compare_headers=CORS_HEADERS,
        ),
        Case("method-options-405", "OPTIONS", f"/sessions?db_id={MAIN}", compare_headers=("allow",)),
        Case("method-head-405", "HEAD", f"/sessions?db_id={MAIN}", compare_headers=("allow",)),
        _get("get-slash-encoded-id", f"/sessions/a%2Fb?db_id={MAIN}"),
        _get("get-encoded-dashes", f"/sessions/agent%2Dsess%2D1?db_id={MAIN}"),
        _get("list-plus-is-space", f"/sessions?db_id={MAIN}&session_name=Named+agent"),
        _get("list-many-trailing-slashes", f"/sessions///?db_id={MAIN}&limit=2"),
        _get("get-many-trailing-slashes", f"/sessions/agent-sess-2//?db_id={MAIN}"),
        _get("get-very-long-id", f"/sessions/{'x' * 5000}?db_id={MAIN}"),
        _get("path-sessions-prefix-404", f"/sessions-x?db_id={MAIN}"),
        _get("path-root", "/"),
        _get("path-unknown-404", "/sessionz"),
        _get("path-too-deep-404", f"/sessions/agent-sess-1/runs/run-a1-1/extra?db_id={MAIN}"),
        Case("method-put-list-405", "PUT", f"/sessions?db_id={MAIN}", compare_headers=("allow",)),
        Case("method-put-one-405", "PUT", f"/sessions/agent-sess-1?db_id={MAIN}"),
        Case("method-post-runs-405", "POST", f"/sessions/agent-sess-1/runs?db_id={MAIN}"),
        Case("method-get-rename-405", "GET", f"/sessions/agent-sess-1/rename?db_id={MAIN}"),
        Case("method-delete-run-405", "DELETE", f"/sessions/agent-sess-1/runs/run-a1-1?db_id={MAIN}"),
    ]


# ---------------------------------------------------------------------------------------------------
# Writes (db-scratch). {S} is the per-server copy suffix.

AGENT_TPL, TEAM_TPL, WF_TPL = "tpl-agent", "tpl-team", "tpl-wf"


def _detail(session_id: str) -> str:
    return f"/sessions/{session_id}?db_id={SCRATCH}"


def _reads(session_id: str) -> tuple[str, ...]:
    return (_detail(session_id), f"/sessions/{session_id}/runs?db_id={SCRATCH}")


def create_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append

    def create(
        case_id: str,
        query: str,
        body,
        sid: str | None,
        declared: str | None = None,
        list_user: str | None = None,
        **extra,
    ) -> None:
        url = f"/sessions?db_id={SCRATCH}" + (f"&{query}" if query else "")
        readbacks = (_detail(sid),) if sid else ()
        if list_user:  # the list view of what was written, through a user id unique to this copy
            readbacks += (f"/sessions?db_id={SCRATCH}&user_id={list_user}",)
        rows = (sid,) if sid else ()
        add(
            Case(
                case_id,
                "POST",
                url,
                json=body,
                readbacks=readbacks,
                rows=rows,
                normalise=(CLONE, NOW),
                declared=declared,
                **extra,
            )
        )

    create(
        "create-agent-full",
        "",
        {
            "session_id": "c-agent{S}",
            "session_name": "New Session",
            "session_state": {"k": "v", "zz": None, "b": [1, 2]},
            "metadata": {"m": 1, "Café": "☕"},
            "user_id": "user-9{S}",
            "agent_id": "scratch-agent",
        },
        "c-agent{S}",
        list_user="user-9{S}",
    )
    create("create-agent-minimal", "", {"session_id": "c-min{S}"}, "c-min{S}")
    create(
        "create-agent-explicit-type",
        "type=agent",
        {"session_id": "c-typed{S}", "agent_id": "a1", "team_id": "ignored"},
        "c-typed{S}",
    )
    create("create-team", "type=team", {"session_id": "c-team{S}", "team_id": "scratch-team"}, "c-team{S}")
    create(
        "create-team-full",
        "type=team",
        {
            "session_id": "c-team-full{S}",
            "team_id": "scratch-team",
            "session_name": "Team N",
            "session_state": {"s": 1},
            "metadata": {"a": {"b": None}},
            "user_id": "u-t{S}",
        },
        "c-team-full{S}",
        list_user="u-t{S}",
    )
    create(
        "create-workflow",
        "type=workflow",
        {"session_id": "c-wf{S}", "workflow_id": "scratch-workflow", "session_name": "WF"},
        "c-wf{S}",
    )
    create("create-workflow-bare", "type=workflow", {"session_id": "c-wf-bare{S}"}, "c-wf-bare{S}")
    create(
        "create-metadata-reserved-only",
        "",
        {
            "session_id": "c-res{S}",
            "metadata": {"agno_component_version": 1, "agno_dispatch_chain": [], "agno_dispatch_depth": 2},
        },
        "c-res{S}",
    )
    create(
        "create-metadata-reserved-mixed",
        "",
        {"session_id": "c-res2{S}", "metadata": {"agno_dispatch_depth": 2, "keep": True}},
        "c-res2{S}",
    )
    create(
        "create-control-chars",
        "",
        {
            "session_id": "c-ctl{S}",
            "session_name": "bell\u0007 nul\u0000 tab\t ok",
            "session_state": {"k\u0001": "v\u0000x"},
        },
        "c-ctl{S}",
    )
    create(
        "create-nul-in-key",
        "",
        {"session_id": "c-nulkey{S}", "session_state": {"k\u0000": 1}},
        "c-nulkey{S}",
        declared="nul-never-500",
    )
    create(
        "create-nul-in-metadata-key",
        "",
        {"session_id": "c-nulmeta{S}", "metadata": {"a\u0000": "v\u0000"}},
        "c-nulmeta{S}",
        declared="nul-never-500",
    )
    add(
        Case(
            "create-unicode-id",
            "POST",
            f"/sessions?db_id={SCRATCH}",
            json={"session_id": "c uni ☕{S}", "user_id": "ü"},
            readbacks=(f"/sessions/c%20uni%20%E2%98%95{{S}}?db_id={SCRATCH}",),
            rows=("c uni ☕{S}",),
            normalise=(CLONE, NOW),
        )
    )
    add(
        Case(
            "create-nan-in-metadata",
            "POST",
            f"/sessions?db_id={SCRATCH}",
            content=b'{"session_id": "c-nan{S}", "metadata": {"n": NaN}}',
            content_type="application/json",
            rows=("c-nan{S}",),
            normalise=(CLONE, NOW),
            declared="unstorable-json-422",
        )
    )
    add(
        Case(
            "create-preset-run-id-taken",
            "POST",
            f"/sessions?db_id={SCRATCH}",
            json={
                "session_id": "c-taken{S}",
                "runs": [{"run_id": "run-tpl-a-1", "agent_id": "scratch-agent", "created_at": 1790000000}],
            },
            normalise=(CLONE, NOW),
            declared="create-preset-conflict",
        )
    )
    add(
        Case(
            "create-id-too-long-for-index",
            "POST",
            f"/sessions?db_id={SCRATCH}",
            json={"session_id": INCOMPRESSIBLE_ID + "{S}"},
            normalise=(CLONE,),
            declared="index-row-too-big",
        )
    )
    create(
        "create-numbers",
        "",
        {"session_id": "c-num{S}", "session_state": {"big": 1e20, "f": 1.0, "neg": -0.5, "i": 12345678901234}},
        "c-num{S}",
    )
    create(
        "create-unknown-keys-ignored", "", {"session_id": "c-unk{S}", "bogus": 1, "session_data": {"x": 1}}, "c-unk{S}"
    )
    create(
        "create-empty-state-and-name",
        "",
        {"session_id": "c-empty{S}", "session_name": "", "session_state": {}},
        "c-empty{S}",
    )
    create(
        "create-null-fields",
        "",
        {"session_id": "c-null{S}", "session_name": None, "session_state": None, "metadata": None},
        "c-null{S}",
    )
    create("create-empty-metadata", "", {"session_id": "c-emeta{S}", "metadata": {}}, "c-emeta{S}")
    create(
        "create-team-ids-of-other-types-ignored",
        "type=team",
        {"session_id": "c-tx{S}", "agent_id": "x", "workflow_id": "y"},
        "c-tx{S}",
    )
    # collisions: the id exists (a clone made before the request)
    add(
        Case(
            "create-conflict-409",
            "POST",
            f"/sessions?db_id={SCRATCH}",
            json={"session_id": "c-dup{S}"},
            clones=((AGENT_TPL, "c-dup{S}"),),
            readbacks=_reads("c-dup{S}"),
            rows=("c-dup{S}",),
            normalise=(CLONE,),
        )
    )
    add(
        Case(
            "create-conflict-other-type-409",
            "POST",
            f"/sessions?db_id={SCRATCH}&type=team",
            json={"session_id": "c-dup2{S}"},
            clones=((AGENT_TPL, "c-dup2{S}"),),
            readbacks=_reads("c-dup2{S}"),
            rows=("c-dup2{S}",),
            normalise=(CLONE,),
        )
    )
    # generated ids
    add(
        Case(
            "create-no-body",
            "POST",
            f"/sessions?db_id={SCRATCH}&user_id=ignored{{S}}",
            normalise=(CLONE, NOW, NEW_UUID),
        )
    )
    add(
        Case(
            "create-empty-body", "POST", f"/sessions?db_id={SCRATCH}&x={{S}}", json={}, normalise=(CLONE, NOW, NEW_UUID)
        )
    )
    add(
        Case(
            "create-empty-session-id",
            "POST",
            f"/sessions?db_id={SCRATCH}",
            json={"session_id": "", "session_name": "gen{S}"},
            normalise=(CLONE, NOW, NEW_UUID),
        )
    )
    add(
        Case(
            "create-team-no-body",
            "POST",
            f"/sessions?db_id={SCRATCH}&type=team&x={{S}}",
            normalise=(CLONE, NOW, NEW_UUID),
        )
    )
    # validation errors: nothing is written
    for label, body, raw in [
        ("list-body", [1, 2], None),
        ("string-body", "text", None),
        ("state-not-dict", {"session_state": "notadict"}, None),
        ("metadata-list", {"metadata": [1]}, None),
        ("name-number", {"session_name": 5}, None),
        ("user-id-number", {"user_id": 7}, None),
        ("session-id-object", {"session_id": {"a": 1}}, None),
        ("two-errors", {"session_state": 1, "metadata": "x"}, None),
        ("malformed-json", None, b'{"session_id": '),
        ("trailing-garbage", None, b'{"session_id": "x"} extra'),
        ("null-json", None, b"null"),
    ]:
        if raw is not None:
            add(
                Case(
                    f"create-422-{label}",
                    "POST",
                    f"/sessions?db_id={SCRATCH}",
                    content=raw,
                    content_type="application/json",
                )
            )
        else:
            add(Case(f"create-422-{label}", "POST", f"/sessions?db_id={SCRATCH}", json=body))
    add(Case("create-422-type-bogus", "POST", f"/sessions?db_id={SCRATCH}&type=bogus", json={}))
    add(Case("create-422-type-empty", "POST", f"/sessions?db_id={SCRATCH}&type=", json={}))
    add(Case("create-unknown-db-404", "POST", "/sessions?db_id=nope", json={"session_id": "never"}))
    add(
        Case(
            "create-text-plain-body",
            "POST",
            f"/sessions?db_id={SCRATCH}",
            content=b'{"session_id": "c-plain{S}"}',
            content_type="text/plain",
            readbacks=(_detail("c-plain{S}"),),
            normalise=(CLONE, NOW, NEW_UUID),
        )
    )
    # extension beyond AgentOS: preset runs and summary
    add(
        Case(
            "create-preset-runs-summary",
            "POST",
            f"/sessions?db_id={SCRATCH}",
            json={
                "session_id": "c-preset{S}",
                "session_name": "Preset",
                "summary": {"summary": "preset summary", "topics": ["x"]},
                "runs": [
                    {
                        "run_id": "r-preset-1{S}",
                        "agent_id": "scratch-agent",
                        "status": "COMPLETED",
                        "created_at": 1790000000,
                        "input": {"input_content": "preset q"},
                        "content": "preset a",
                        "messages": [{"id": "pm1", "role": "user", "content": "preset q", "created_at": 1790000000}],
                    }
                ],
            },
            normalise=(CLONE, NOW),
            declared="create-preset-data",
        )
    )
    return cases


def patch_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append

    def patch(
        case_id: str, template: str, body, query: str = "", declared: str | None = None, raw: bytes | None = None
    ) -> None:
        sid = f"p-{case_id}{{S}}"
        url = f"/sessions/{sid}?db_id={SCRATCH}" + (f"&{query}" if query else "")
        kwargs = {"content": raw, "content_type": "application/json"} if raw is not None else {"json": body}
        add(
            Case(
                f"patch-{case_id}",
                "PATCH",
                url,
                clones=((template, sid),),
                readbacks=_reads(sid),
                rows=(sid,),
                normalise=(CLONE, NOW),
                declared=declared,
                **kwargs,
            )
        )

    patch("name", AGENT_TPL, {"session_name": "Renamed by PATCH"})
    patch("state", AGENT_TPL, {"session_state": {"step": "done", "list": [3, 2, 1]}})
    patch("metadata", AGENT_TPL, {"metadata": {"tags": ["a"], "z": None}})
    patch("metadata-reserved-only", AGENT_TPL, {"metadata": {"agno_dispatch_depth": 1}})
    patch("summary", AGENT_TPL, {"summary": {"summary": "S", "updated_at": "2025-10-21T14:30:00Z"}})
    patch("summary-topics", AGENT_TPL, {"summary": {"summary": "S2", "topics": ["a", "b"]}})
    patch(
        "all-fields",
        AGENT_TPL,
        {
            "session_name": "All",
            "session_state": {"x": 1},
            "metadata": {"m": 2},
            "summary": {"summary": "all"},
        },
    )
    patch("empty-body", AGENT_TPL, {})
    patch("nulls-ignored", AGENT_TPL, {"session_name": None, "session_state": None, "metadata": None, "summary": None})
    patch("control-chars", AGENT_TPL, {"session_name": "a\u0000b\u0007c", "session_state": {"k": "\u001fv"}})
    patch("nul-in-key", AGENT_TPL, {"session_state": {"\u0000": "x"}}, declared="nul-never-500")
    patch("duplicate-keys-last-wins", AGENT_TPL, None, raw=b'{"session_name": "first", "session_name": "second"}')
    patch("nan-in-state", AGENT_TPL, None, raw=b'{"session_state": {"x": NaN}}', declared="unstorable-json-422")
    patch(
        "infinity-in-state",
        AGENT_TPL,
        None,
        raw=b'{"session_state": {"x": Infinity, "y": -Infinity}}',
        declared="unstorable-json-422",
    )
    patch(
        "huge-float-in-state", AGENT_TPL, None, raw=b'{"session_state": {"x": 1e400}}', declared="unstorable-json-422"
    )
    patch("big-int-in-state", AGENT_TPL, None, raw=b'{"session_state": {"x": 123456789012345678901234567890}}')
    patch("bom-body", AGENT_TPL, None, raw=b'\xef\xbb\xbf{"session_name": "bom"}')
    patch("latin1-body", AGENT_TPL, None, raw='{"session_name": "caf\u00e9"}'.encode("latin-1"))
    patch("lone-surrogate", AGENT_TPL, None, raw=b'{"session_name": "a\\ud800b"}', declared="unstorable-json-422")
    patch("escaped-nul-name", AGENT_TPL, None, raw=b'{"session_name": "a\\u0000b"}')
    patch("unknown-keys", AGENT_TPL, {"bogus": 1, "session_name": "with unknown key"})
    patch("team-name", TEAM_TPL, {"session_name": "Team renamed"})
    patch("team-state-metadata", TEAM_TPL, {"session_state": {"t": 1}, "metadata": {"team": True}})
    patch("team-summary", TEAM_TPL, {"summary": {"summary": "team sum", "topics": ["t"]}})
    patch("workflow-name", WF_TPL, {"session_name": "WF renamed"})
    patch("workflow-state", WF_TPL, {"session_state": {"w": [1]}, "metadata": {"wm": 1}})
    patch("rich-name", "tpl-agent-rich", {"session_name": "Rich renamed"})
    patch("rich-metadata", "tpl-agent-rich", {"metadata": {"sdk": "forged", "k": 1}})
    patch(
        "rich-summary",
        "tpl-agent-rich",
        {"summary": {"summary": "new", "topics": [], "updated_at": "2026-01-02T03:04:05+01:00"}},
    )
    patch("sqlnull-name", "tpl-sqlnull", {"session_name": "from SQL NULL"}, declared="patch-field-wise")
    patch("sqlnull-state", "tpl-sqlnull", {"session_state": {"s": None}}, declared="patch-field-wise")
    patch("nulldata-name", "tpl-nulldata", {"session_name": "Named now"})
    patch("nulldata-state", "tpl-nulldata", {"session_state": {"a": 1}})
    patch("typed-agent", AGENT_TPL, {"session_name": "typed"}, query="type=agent")
    patch("user-match", AGENT_TPL, {"session_name": "mine"}, query="user_id=user-s")
    # errors: nothing is written, readbacks prove it
    patch("user-mismatch-404", AGENT_TPL, {"session_name": "not mine"}, query="user_id=someone-else")
    patch("no-body-422", AGENT_TPL, None, raw=b"")
    patch("malformed-422", AGENT_TPL, None, raw=b'{"session_name": "x"')
    patch("list-body-422", AGENT_TPL, [1])
    patch("state-type-422", AGENT_TPL, {"session_state": [1, 2]})
    patch("name-type-422", AGENT_TPL, {"session_name": {"a": 1}})
    patch("summary-type-422", AGENT_TPL, {"summary": "text"})
    patch("type-bogus-422", AGENT_TPL, {"session_name": "x"}, query="type=bogus")
    # deliberate fixes
    patch("summary-unknown-key", AGENT_TPL, {"summary": {"summary": "S", "bogus": 1}}, declared="patch-summary-keys")
    patch("summary-missing-key", AGENT_TPL, {"summary": {"topics": ["a"]}}, declared="patch-summary-keys")
    patch("workflow-keeps-summary", "tpl-wf-summary", {"session_name": "still summarised"}, declared="patch-field-wise")
    patch(
        "type-mismatch-field-wise",
        AGENT_TPL,
        {"session_name": "as team"},
        query="type=team",
        declared="patch-field-wise",
    )
    add(
        Case(
            "patch-missing-404",
            "PATCH",
            f"/sessions/nope{{S}}?db_id={SCRATCH}",
            json={"session_name": "x"},
            normalise=(CLONE,),
        )
    )
    add(Case("patch-unknown-db-404", "PATCH", "/sessions/tpl-agent?db_id=nope", json={"session_name": "x"}))
    return cases


def rename_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append

    def rename(
        case_id: str, template: str, body, query: str = "", declared: str | None = None, raw: bytes | None = None
    ) -> None:
        sid = f"r-{case_id}{{S}}"
        url = f"/sessions/{sid}/rename?db_id={SCRATCH}" + (f"&{query}" if query else "")
        kwargs = {"content": raw, "content_type": "application/json"} if raw is not None else {"json": body}
        add(
            Case(
                f"rename-{case_id}",
                "POST",
                url,
                clones=((template, sid),),
                readbacks=_reads(sid),
                rows=(sid,),
                normalise=(CLONE,),
                declared=declared,
                **kwargs,
            )
        )

    rename("agent", AGENT_TPL, {"session_name": "Renamed"})
    rename("team", TEAM_TPL, {"session_name": "Renamed team"})
    rename("workflow", WF_TPL, {"session_name": "Renamed wf"})
    rename("unicode", AGENT_TPL, {"session_name": "Café ☕ «»"})
    rename("rich", "tpl-agent-rich", {"session_name": "Rich renamed"})
    rename("empty-string", AGENT_TPL, {"session_name": ""})
    rename("control-chars", AGENT_TPL, {"session_name": "a\u0000b\u0008c\u000bd"})
    rename("typed-match", TEAM_TPL, {"session_name": "typed"}, query="type=team")
    rename("typed-mismatch-404", TEAM_TPL, {"session_name": "typed"}, query="type=agent")
    rename("user-match", AGENT_TPL, {"session_name": "mine"}, query="user_id=user-s")
    rename("user-mismatch-404", AGENT_TPL, {"session_name": "mine"}, query="user_id=other")
    rename("extra-keys", AGENT_TPL, {"session_name": "x", "other": 1})
    rename("missing-name-422", AGENT_TPL, {})
    rename("name-null-422", AGENT_TPL, {"session_name": None})
    rename("name-number-422", AGENT_TPL, {"session_name": 5})
    rename("no-body-422", AGENT_TPL, None, raw=b"")
    rename("malformed-422", AGENT_TPL, None, raw=b"{")
    rename("list-body-422", AGENT_TPL, ["x"])
    rename("json-null-data", "tpl-nulldata", {"session_name": "Named"}, declared="rename-null-data")
    rename("team-json-null-data", "tpl-team-nulldata", {"session_name": "Named team"}, declared="rename-null-data")
    rename("sql-null-data", "tpl-sqlnull", {"session_name": "Named"}, declared="rename-null-data")
    add(
        Case(
            "rename-missing-404",
            "POST",
            f"/sessions/nope{{S}}/rename?db_id={SCRATCH}",
            json={"session_name": "x"},
            normalise=(CLONE,),
        )
    )
    add(Case("rename-unknown-db-404", "POST", "/sessions/tpl-agent/rename?db_id=nope", json={"session_name": "x"}))
    return cases


def delete_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append

    def delete(case_id: str, template: str | None, query: str = "", declared: str | None = None) -> None:
        sid = f"d-{case_id}{{S}}"
        url = f"/sessions/{sid}?db_id={SCRATCH}" + (f"&{query}" if query else "")
        clones = ((template, sid),) if template else ()
        add(
            Case(
                f"delete-{case_id}",
                "DELETE",
                url,
                clones=clones,
                readbacks=_reads(sid),
                rows=(sid,),
                normalise=(CLONE,),
                declared=declared,
            )
        )

    delete("agent", AGENT_TPL)
    delete("rich", "tpl-agent-rich")
    delete("team", TEAM_TPL)
    delete("workflow", WF_TPL)
    delete("missing", None)
    delete("user-match", AGENT_TPL, "user_id=user-s")
    delete("user-mismatch-kept", AGENT_TPL, "user_id=other")
    delete("media-bogus-422", AGENT_TPL, "delete_media=maybe")
    delete("media-false", AGENT_TPL, "delete_media=false")
    delete("media-true-503", AGENT_TPL, "delete_media=true")
    for value in ("1", "yes", "on", "True", "t", "y"):
        delete(f"media-{value}-503", AGENT_TPL, f"delete_media={value}")
    for value in ("0", "no", "off", "FALSE", "f", "n"):
        delete(f"media-{value}-deletes", AGENT_TPL, f"delete_media={value}")
    for value in ("2", "", "maybe", "tru"):
        delete(f"media-{value or 'empty'}-422", AGENT_TPL, f"delete_media={value}")
    add(Case("delete-unknown-db-404", "DELETE", "/sessions/tpl-agent?db_id=nope"))
    add(
        Case(
            "delete-nul-id",
            "DELETE",
            f"/sessions/a%00b{{S}}?db_id={SCRATCH}",
            normalise=(CLONE,),
            declared="nul-never-500",
        )
    )
    add(
        Case(
            "bulk-nul-id",
            "DELETE",
            f"/sessions?db_id={SCRATCH}",
            json={"session_ids": ["a\u0000{S}"], "session_types": ["agent"]},
            normalise=(CLONE,),
            declared="nul-never-500",
        )
    )
    add(_get("run-nul-run-id", f"/sessions/agent-sess-1/runs/a%00b?db_id={MAIN}"))
    add(_get("runs-nul-session-id", f"/sessions/a%00b/runs?db_id={MAIN}", "nul-never-500"))
    add(Case("delete-table-without-db-400", "DELETE", "/sessions/tpl-agent?table=agno_sessions"))

    def bulk(
        case_id: str,
        body,
        templates: tuple[str, ...] = (),
        query: str = "",
        raw: bytes | None = None,
        declared: str | None = None,
    ) -> None:
        sids = tuple(f"b-{case_id}-{i}{{S}}" for i in range(len(templates)))
        url = f"/sessions?db_id={SCRATCH}" + (f"&{query}" if query else "")
        kwargs = {"content": raw, "content_type": "application/json"} if raw is not None else {"json": body}
        readbacks = tuple(_detail(sid) for sid in sids)
        add(
            Case(
                f"bulk-{case_id}",
                "DELETE",
                url,
                clones=tuple(zip(templates, sids, strict=True)),
                readbacks=readbacks,
                rows=sids,
                normalise=(CLONE,),
                declared=declared,
                **kwargs,
            )
        )

    bulk(
        "two", {"session_ids": ["b-two-0{S}", "b-two-1{S}"], "session_types": ["agent", "team"]}, (AGENT_TPL, TEAM_TPL)
    )
    bulk("types-ignored", {"session_ids": ["b-types-ignored-0{S}"], "session_types": ["workflow"]}, (AGENT_TPL,))
    bulk(
        "partly-missing",
        {"session_ids": ["b-partly-missing-0{S}", "nope{S}"], "session_types": ["agent", "agent"]},
        (AGENT_TPL,),
    )
    bulk(
        "user-filter",
        {"session_ids": ["b-user-filter-0{S}", "b-user-filter-1{S}"], "session_types": ["agent", "agent"]},
        (AGENT_TPL, "tpl-nulldata"),
        query="user_id=user-s",
    )
    bulk(
        "user-mismatch",
        {"session_ids": ["b-user-mismatch-0{S}"], "session_types": ["agent"]},
        (AGENT_TPL,),
        query="user_id=x",
    )
    bulk(
        "length-mismatch-400",
        {"session_ids": ["b-length-mismatch-400-0{S}"], "session_types": ["agent", "team"]},
        (AGENT_TPL,),
    )
    bulk("length-mismatch-unknown-db-400", {"session_ids": ["a{S}"], "session_types": []}, query="db_id=nope")
    bulk("empty-lists-422", {"session_ids": [], "session_types": []})
    bulk("bad-type-422", {"session_ids": ["b-bad-type-422-0{S}"], "session_types": ["robot"]}, (AGENT_TPL,))
    bulk("missing-types-422", {"session_ids": ["x{S}"]})
    bulk("ids-not-list-422", {"session_ids": "x{S}", "session_types": ["agent"]})
    bulk("no-body-422", None, raw=b"", query="x={S}")
    bulk("malformed-422", None, raw=b"[{", query="x={S}")
    bulk("list-body-422", [1, "{S}"])
    add(
        Case(
            "bulk-unknown-db-404",
            "DELETE",
            "/sessions?db_id=nope",
            json={"session_ids": ["x"], "session_types": ["agent"]},
        )
    )
    return cases


LEGACY = "db-legacy"


def legacy_layout_cases() -> list[Case]:
    """Reads and writes on db-legacy, whose sessions table still has the 2.x `runs` column."""
    cases: list[Case] = []
    add = cases.append
    for template in ("ltpl-both", "ltpl-only", "ltpl-nulldata"):
        add(_get(f"legacy-get-{template}", f"/sessions/{template}?db_id={LEGACY}"))
        add(_get(f"legacy-runs-{template}", f"/sessions/{template}/runs?db_id={LEGACY}"))
        add(_get(f"legacy-previews-{template}", f"/sessions/{template}/run-previews?db_id={LEGACY}"))
    for session_id, run_id in [
        ("ltpl-both", "run-ltpl-1"),
        ("ltpl-both", "run-ltpl-2"),
        ("ltpl-both", "run-ltpl-legacy"),
        ("ltpl-only", "run-lo-2"),
    ]:
        add(_get(f"legacy-run-{run_id}", f"/sessions/{session_id}/runs/{run_id}?db_id={LEGACY}"))

    def reads(sid: str) -> tuple[str, ...]:
        return (f"/sessions/{sid}?db_id={LEGACY}", f"/sessions/{sid}/runs?db_id={LEGACY}")

    def write(
        case_id: str,
        method: str,
        route: str,
        template: str | None,
        body,
        declared: str | None = None,
        normalise=(CLONE, NOW),
    ) -> None:
        sid = f"l-{case_id}{{S}}"
        clones = ((f"{LEGACY}/{template}", f"{LEGACY}/{sid}"),) if template else ()
        add(
            Case(
                f"legacy-{case_id}",
                method,
                route.format(sid=sid) + f"?db_id={LEGACY}",
                json=body,
                clones=clones,
                readbacks=reads(sid),
                rows=(f"{LEGACY}/{sid}",),
                normalise=normalise,
                declared=declared,
            )
        )

    write(
        "patch-both", "PATCH", "/sessions/{sid}", "ltpl-both", {"session_name": "Patched legacy", "metadata": {"l": 1}}
    )
    write("patch-only", "PATCH", "/sessions/{sid}", "ltpl-only", {"session_state": {"new": True}})
    write("patch-summary", "PATCH", "/sessions/{sid}", "ltpl-only", {"summary": {"summary": "legacy sum"}})
    write(
        "rename-both",
        "POST",
        "/sessions/{sid}/rename",
        "ltpl-both",
        {"session_name": "Renamed legacy"},
        normalise=(CLONE,),
    )
    write(
        "rename-only",
        "POST",
        "/sessions/{sid}/rename",
        "ltpl-only",
        {"session_name": "Renamed only-legacy"},
        normalise=(CLONE,),
    )
    write(
        "rename-json-null",
        "POST",
        "/sessions/{sid}/rename",
        "ltpl-nulldata",
        {"session_name": "N"},
        declared="rename-null-data",
        normalise=(CLONE,),
    )
    write("delete-both", "DELETE", "/sessions/{sid}", "ltpl-both", None, normalise=(CLONE,))
    write("delete-only", "DELETE", "/sessions/{sid}", "ltpl-only", None, normalise=(CLONE,))
    add(
        Case(
            "legacy-create",
            "POST",
            f"/sessions?db_id={LEGACY}",
            json={"session_id": "l-create{S}", "session_name": "L"},
            readbacks=reads("l-create{S}"),
            rows=(f"{LEGACY}/l-create{{S}}",),
            normalise=(CLONE, NOW),
        )
    )
    add(
        Case(
            "legacy-bulk-delete",
            "DELETE",
            f"/sessions?db_id={LEGACY}",
            json={"session_ids": ["l-bulk-0{S}", "l-bulk-1{S}"], "session_types": ["agent", "agent"]},
            clones=(
                (f"{LEGACY}/ltpl-both", f"{LEGACY}/l-bulk-0{{S}}"),
                (f"{LEGACY}/ltpl-only", f"{LEGACY}/l-bulk-1{{S}}"),
            ),
            readbacks=reads("l-bulk-0{S}") + reads("l-bulk-1{S}"),
            rows=(f"{LEGACY}/l-bulk-0{{S}}", f"{LEGACY}/l-bulk-1{{S}}"),
            normalise=(CLONE,),
        )
    )
    return cases


def chain_cases() -> list[Case]:
    """Rows created by one implementation, then changed by both (each on its copy) and read by both."""
    cases: list[Case] = []
    add = cases.append
    create_body = {
        "session_id": "{sid}",
        "session_name": "Chained",
        "session_state": {"n": 1, "z": None},
        "metadata": {"origin": "chain"},
        "user_id": "user-c",
        "agent_id": "scratch-agent",
    }
    preset = {
        **create_body,
        "summary": {"summary": "preset", "topics": ["p"]},
        "runs": [
            {
                "run_id": "r-chain-1{S}",
                "agent_id": "scratch-agent",
                "status": "COMPLETED",
                "created_at": 1790000100,
                "input": {"input_content": "chained question"},
                "content": "chained answer",
                "messages": [
                    {"id": "cm1", "role": "user", "content": "chained question", "created_at": 1790000100},
                    {"id": "cm2", "role": "assistant", "content": "chained answer", "created_at": 1790000101},
                ],
            },
            {
                "run_id": "r-chain-2{S}",
                "team_id": "scratch-team",
                "status": "ERROR",
                "created_at": 1790000200,
                "input": {"input_content": "team part"},
                "content": {"k": [1, 2]},
                "content_type": "dict",
            },
        ],
    }
    for writer in ("ours", "agentos"):

        def chain(
            name: str,
            method: str,
            route: str,
            body,
            query: str = "",
            create_query: str = "",
            created=create_body,
            normalise=(CLONE, NOW),
            writer: str = writer,  # bound now: chain() runs inside this loop iteration
        ) -> None:
            sid = f"ch-{name}-{writer}{{S}}"
            create = json.loads(json.dumps(created).replace("{sid}", sid))
            setup = (
                (writer, "POST", f"/sessions?db_id={SCRATCH}" + (f"&{create_query}" if create_query else ""), create),
            )
            add(
                Case(
                    f"chain-created-by-{writer}-{name}",
                    method,
                    route.format(sid=sid) + f"?db_id={SCRATCH}" + (f"&{query}" if query else ""),
                    json=body,
                    setup=setup,
                    readbacks=_reads(sid),
                    rows=(sid,),
                    normalise=normalise,
                )
            )

        chain("patch", "PATCH", "/sessions/{sid}", {"session_name": "Re-chained", "summary": {"summary": "s"}})
        chain("patch-state", "PATCH", "/sessions/{sid}", {"session_state": {"n": 2}, "metadata": {"m": 2}})
        chain("rename", "POST", "/sessions/{sid}/rename", {"session_name": "Renamed chain"}, normalise=(CLONE,))
        chain("delete", "DELETE", "/sessions/{sid}", None, normalise=(CLONE,))
        chain(
            "team-patch",
            "PATCH",
            "/sessions/{sid}",
            {"session_state": {"t": True}},
            query="type=team",
            create_query="type=team",
            created={"session_id": "{sid}", "team_id": "scratch-team"},
        )
        chain(
            "workflow-rename",
            "POST",
            "/sessions/{sid}/rename",
            {"session_name": "WF chain"},
            create_query="type=workflow",
            created={"session_id": "{sid}", "workflow_id": "scratch-workflow"},
            normalise=(CLONE,),
        )
    # runs stored by our create extension, read and then patched by AgentOS
    for name, method, route, body in [
        ("get", "GET", "/sessions/{sid}", None),
        ("runs", "GET", "/sessions/{sid}/runs", None),
        ("previews", "GET", "/sessions/{sid}/run-previews", None),
        ("run", "GET", "/sessions/{sid}/runs/r-run-chain-1{{S}}", None),
        ("patch", "PATCH", "/sessions/{sid}", {"session_name": "patched preset"}),
    ]:
        sid = f"ch-preset-{name}{{S}}"
        created = json.loads(json.dumps(preset).replace("{sid}", sid).replace("r-chain-", f"r-{name}-chain-"))
        add(
            Case(
                f"chain-ours-preset-runs-{name}",
                method,
                route.format(sid=sid) + f"?db_id={SCRATCH}",
                json=body if body else NO_BODY,
                setup=(("ours", "POST", f"/sessions?db_id={SCRATCH}", created),),
                readbacks=_reads(sid),
                rows=(sid,),
                normalise=(CLONE, NOW),
            )
        )
    return cases


def declared_only_cases() -> list[Case]:
    """Reads of db-scratch rows that AgentOS cannot render or orders arbitrarily (all declared)."""
    return [
        _get("odd-get-multimodal", f"/sessions/odd-multimodal?db_id={SCRATCH}", "render-odd-content"),
        _get("odd-runs-multimodal", f"/sessions/odd-multimodal/runs?db_id={SCRATCH}", "render-odd-content"),
        _get("odd-previews-multimodal", f"/sessions/odd-multimodal/run-previews?db_id={SCRATCH}", "render-odd-content"),
        _get("odd-run-multimodal", f"/sessions/odd-multimodal/runs/run-odd-mm-1?db_id={SCRATCH}", "render-odd-content"),
        _get("odd-list", f"/sessions?db_id={SCRATCH}&user_id=user-odd", "render-odd-content"),
        _get("odd-get-summary-extra-key", f"/sessions/odd-summary?db_id={SCRATCH}", "render-odd-content"),
        _get("odd-get-wf-list-input", f"/sessions/odd-wf-list-input?db_id={SCRATCH}"),
        _get("odd-get-no-message-ids", f"/sessions/odd-noid?db_id={SCRATCH}", "stable-message-ids"),
        _get("tie-list-created", f"/sessions?db_id={SCRATCH}&user_id=user-tie", "tie-breaker"),
        _get("tie-list-created-asc", f"/sessions?db_id={SCRATCH}&user_id=user-tie&sort_order=asc", "tie-breaker"),
        _get("tie-list-updated", f"/sessions?db_id={SCRATCH}&user_id=user-tie&sort_by=updated_at", "tie-breaker"),
    ]


def _health_time(body: bytes, ctx: Context) -> bytes:
    return re.sub(rb'"instantiated_at":"[^"]+"', b'"instantiated_at":"<start>"', body)


HEALTH_TIME = Normalisation("health-start-time", "instantiated_at is when each app object was built", _health_time)


def misc_cases() -> list[Case]:
    return [
        Case("health", "GET", "/health", normalise=(HEALTH_TIME,)),
        _get("odd-noid-runs-raw-messages", f"/sessions/odd-noid/runs?db_id={SCRATCH}"),
        _get("odd-summary-list", f"/sessions?db_id={SCRATCH}&user_id=user-odd&session_name=Odd"),
    ]


def all_cases() -> list[Case]:
    cases = (
        list_cases()
        + detail_cases()
        + run_list_cases()
        + single_run_cases()
        + routing_cases()
        + create_cases()
        + patch_cases()
        + rename_cases()
        + delete_cases()
        + legacy_layout_cases()
        + chain_cases()
        + declared_only_cases()
        + misc_cases()
    )
    ids = [case.id for case in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate case ids: {sorted(duplicates)}"
    return cases
