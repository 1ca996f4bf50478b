"""THE table of declared differences between AgentOS 3.1.10 and this service, for reads.

Each rule is a deliberate fix (README, "Differences from AgentOS") and says what AgentOS does and what
we do instead. The contract suite (tests/contract/declared.py) proves each one against a live AgentOS
and takes its texts from here; the live comparator (compare/verdict.py) uses the same rules to accept
those differences, so a difference is declared once.

A rule either `excuses` a whole pair of answers (AgentOS fails where we answer) or `normalises` both
JSON bodies (an order or an id AgentOS cannot keep stable), or both.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from typing import Any

from ..schemas import SORTABLE_COLUMNS  # anything else sorts in the default order
from .answer import Answer, Asked

Excuse = Callable[[Asked, Answer, Answer], bool]
# (asked, agentos JSON, ours JSON): takes the declared difference out of both bodies, in place;
# True if it changed anything.
Normaliser = Callable[[Asked, Any, Any], bool]

LIST_ROUTE = "/sessions"
SESSION_ROUTE = "/sessions/{session_id}"
# Names FastAPI resolves to a method of the ORM row: agno's getattr(table.c, sort_by) then fails.
ATTRIBUTE_SORT_KEYS = frozenset(("keys", "values", "items", "get"))


@dataclasses.dataclass(frozen=True)
class Rule:
    key: str
    fix: str  # what the difference fixes
    agentos: str  # what AgentOS 3.1.10 does
    ours: str  # what we do
    excuses: Excuse | None = None
    normalise: Normaliser | None = None


# -- helpers -----------------------------------------------------------------------------------------


def _detail(answer: Answer) -> Any:
    try:
        body = json.loads(answer.body)
    except ValueError:
        return None
    return body.get("detail") if isinstance(body, dict) else None


def _internal_error(answer: Answer, *kinds: str) -> bool:
    return answer.status == 500 and _detail(answer) in {f"Internal server error ({kind})" for kind in kinds}


def _error_locs(answer: Answer) -> list[tuple[tuple[Any, ...], Any]]:
    detail = _detail(answer)
    if not isinstance(detail, list):
        return []
    return [(tuple(d.get("loc", ())), d.get("type")) for d in detail if isinstance(d, dict)]


def _int_param(asked: Asked, name: str) -> int | None:
    raw = asked.param(name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


# -- the rules ---------------------------------------------------------------------------------------


def _page_zero(asked: Asked, a: Answer, o: Answer) -> bool:
    page = _int_param(asked, "page")
    if page is None or page >= 1 or o.status != 422:
        return False
    agentos_ok = _internal_error(a, "ValueError") if page == 0 else a.status == 422
    return agentos_ok and _error_locs(o) == [(("query", "page"), "greater_than_equal")]


def _page_overflow(asked: Asked, a: Answer, o: Answer) -> bool:
    locs = _error_locs(o)
    return (
        _internal_error(a, "DataError")
        and o.status == 422
        and len(locs) == 1
        and locs[0] in ((("query", "page"), "less_than_equal"), (("query", "limit"), "less_than_equal"))
    )


def _sort_attribute(asked: Asked, a: Answer, o: Answer) -> bool:
    return asked.param("sort_by") in ATTRIBUTE_SORT_KEYS and _internal_error(a, "AttributeError") and o.status == 200


def _by_session_id(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda item: str(item.get("session_id")) if isinstance(item, dict) else "")


def _list_data(asked: Asked, a: Any, o: Any, reorder: Callable[[list[Any]], list[Any]]) -> bool:
    if asked.route != LIST_ROUTE:
        return False
    changed = False
    for body in (a, o):
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            before = body["data"]
            body["data"] = reorder(before)
            changed = changed or any(x is not y for x, y in zip(before, body["data"], strict=False))
    return changed


def _partial_page(body: Any) -> bool:
    """A list page that does not hold every matching row: which rows AgentOS puts on it is not
    determined when its order is not (list_sessions pages with LIMIT/OFFSET)."""
    meta = body.get("meta") if isinstance(body, dict) else None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(meta, dict) or not isinstance(data, list):
        return False
    total = meta.get("total_count")
    return isinstance(total, int) and total > len(data)


def _count_only(asked: Asked, a: Any, o: Any) -> bool:
    """Keep only the number of rows on each side: their choice is arbitrary."""
    return _list_data(asked, a, o, lambda items: [len(items)])


def _unknown_sort(asked: Asked, a: Any, o: Any) -> bool:
    sort_by = asked.param("sort_by")
    if sort_by is None or sort_by in SORTABLE_COLUMNS:
        return False
    if _partial_page(a) or _partial_page(o):
        return _count_only(asked, a, o)
    return _list_data(asked, a, o, _by_session_id)


def _sort_value(item: Any, sort_by: str) -> Any:
    if not isinstance(item, dict):
        return None
    if sort_by == "updated_at":  # db/listing.py orders by coalesce(updated_at, created_at)
        return item.get("updated_at") or item.get("created_at")
    return item.get(sort_by)


def _ties_by_session_id(asked: Asked, a: Any, o: Any) -> bool:
    sort_by = asked.param("sort_by") or "created_at"
    if sort_by not in SORTABLE_COLUMNS or sort_by == "session_id":
        return False
    partial = _partial_page(a) or _partial_page(o)
    if sort_by not in ("created_at", "updated_at"):
        # The key is not in a list item: the rows are compared as a set (a partial page: by count).
        return _count_only(asked, a, o) if partial else _list_data(asked, a, o, _by_session_id)

    def reorder(items: list[Any]) -> list[Any]:
        runs: list[list[Any]] = []
        for item in items:
            if runs and _sort_value(item, sort_by) == _sort_value(runs[-1][0], sort_by):
                runs[-1].append(item)
            else:
                runs.append([item])
        if partial and len(runs) > 1:
            # Ties cut by the page's edges: AgentOS may have put other rows of the same key there.
            runs = runs[1:-1] if runs else runs
        elif partial:
            runs = []
        return [item for run in runs for item in _by_session_id(run)]

    return _list_data(asked, a, o, reorder)


def _default_db(asked: Asked, a: Answer, o: Answer) -> bool:
    return (
        not asked.param("db_id")
        and a.status == 400
        and _detail(a) == "The db_id query parameter is required when using multiple databases"
        and o.status < 500
    )


RENDER_FAILURES = ("ValidationError", "TypeError", "AttributeError")


def _render_odd(asked: Asked, a: Answer, o: Answer) -> bool:
    return _internal_error(a, *RENDER_FAILURES) and o.status == 200 and o.content_type == "application/json"


def _uuid_version(value: Any) -> int | None:
    if not isinstance(value, str) or len(value) != 36:
        return None
    try:
        return uuid.UUID(value).version
    except ValueError:
        return None


def _stable_ids(asked: Asked, a: Any, o: Any) -> bool:
    """Where AgentOS made a fresh uuid4 (agno's Message default) and we a uuid5 (render/messages.py),
    ours takes AgentOS's value: ids stored by agno are passed through by both and still compared."""

    changed = False

    def walk(x: Any, y: Any) -> None:
        nonlocal changed
        if isinstance(x, dict) and isinstance(y, dict):
            for key, value in y.items():
                if key not in x:
                    continue
                if key == "id" and x[key] != value and _uuid_version(x[key]) == 4 and _uuid_version(value) == 5:
                    y[key] = x[key]
                    changed = True
                else:
                    walk(x[key], value)
        elif isinstance(x, list) and isinstance(y, list):
            for i in range(min(len(x), len(y))):
                walk(x[i], y[i])

    walk(a, o)
    return changed


def _nul(asked: Asked, a: Answer, o: Answer) -> bool:
    from urllib.parse import unquote

    asked_text = unquote(asked.path) + unquote(asked.query_string)
    return "\x00" in asked_text and _internal_error(a, "DataError") and o.status < 500


def _cursor(asked: Asked, a: Answer, o: Answer) -> bool:
    return asked.route == LIST_ROUTE and asked.param("cursor") is not None


RULES: dict[str, Rule] = {
    rule.key: rule
    for rule in (
        Rule(
            "page-zero",
            "page=0 gives a 422 in the FastAPI shape, not a 500 (so the bound is ge=1 for every page < 1)",
            "page=0: 500 Internal server error (ValueError); page<0: 422 ge=0",
            "422 greater_than_equal ge=1 on query.page",
            excuses=_page_zero,
        ),
        Rule(
            "page-overflow",
            "offsets (and limits) that overflow a bigint give a 422, not a 500",
            "500 Internal server error (DataError) from PostgreSQL",
            "422 less_than_equal on query.page or query.limit",
            excuses=_page_overflow,
        ),
        Rule(
            "sort-attribute-500",
            "sort_by=keys|values|items|get is an unknown column: default order, never a 500",
            "500 Internal server error (AttributeError)",
            "200, the same answer as without sort_by",
            excuses=_sort_attribute,
        ),
        Rule(
            "unknown-sort",
            "sort_by that is no column of the sessions table means the default order",
            "200 with no ORDER BY at all: the same rows in arbitrary order",
            "200, the same answer as without sort_by",
            normalise=_unknown_sort,
        ),
        Rule(
            "tie-breaker",
            "every list order ends with session_id, so pages never repeat or skip rows",
            "200 ordered by the key only; ties in arbitrary order",
            "200 ordered by the key, then session_id in the same direction",
            normalise=_ties_by_session_id,
        ),
        Rule(
            "default-db",
            "a request without db_id goes to the default database (AGNO_DEFAULT_DB_ID)",
            "400 The db_id query parameter is required when using multiple databases",
            "the answer AgentOS gives with db_id set to the default database",
            excuses=_default_db,
        ),
        Rule(
            "render-odd-content",
            "content AgentOS fails to render (multimodal lists, odd types, odd stored summaries) is rendered",
            "500 Internal server error (ValidationError|TypeError|AttributeError)",
            "200 with JSON",
            excuses=_render_odd,
        ),
        Rule(
            "stable-message-ids",
            "messages stored without an id get a stable id across reads",
            "a fresh uuid4 per message on every read",
            "the same ids on every read; otherwise the same answer",
            normalise=_stable_ids,
        ),
        Rule(
            "nul-never-500",
            "a \\u0000 in any field must not become a 500",
            "500: PostgreSQL rejects NUL in text/jsonb (DataError, or 'Failed to create session: …' on create)",
            "NUL removed or never matched: 2xx/404 as for any other value",
            excuses=_nul,
        ),
        Rule(
            "cursor-extension",
            "(extension) GET /sessions?cursor= pages by keyset (session_svc/cursor.py)",
            "ignores the unknown parameter: the offset page",
            "the keyset page, with meta.next_cursor: not comparable, accepted as declared",
            excuses=_cursor,
        ),
    )
}
