"""`compare(asked, agentos, ours)`: are two answers the same, once the declared differences
(compare/rules.py) are taken out? If not, where do they first part (a JSON path) and with what values."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .answer import Answer, Asked
from .rules import RULES, Rule

MATCH = "match"
MISMATCH = "mismatch"


@dataclasses.dataclass(frozen=True)
class Verdict:
    outcome: str  # MATCH or MISMATCH
    path: str | None = None  # "status", "content-type", "body" or a JSON path such as $.data[2].session_name
    agentos: Any = None
    ours: Any = None
    rule: str | None = None  # the declared difference that made the answers equal, if one did

    @property
    def matched(self) -> bool:
        return self.outcome == MATCH


def compare(asked: Asked, agentos: Answer, ours: Answer, rules: tuple[Rule, ...] | None = None) -> Verdict:
    table = tuple(RULES.values()) if rules is None else rules
    for rule in table:
        if rule.excuses is not None and rule.excuses(asked, agentos, ours):
            return Verdict(MATCH, rule=rule.key)
    if agentos.status != ours.status:
        return Verdict(MISMATCH, "status", agentos.status, ours.status)
    if agentos.content_type != ours.content_type:
        return Verdict(MISMATCH, "content-type", agentos.content_type, ours.content_type)
    if agentos.body == ours.body:
        return Verdict(MATCH)
    try:
        a, o = json.loads(agentos.body), json.loads(ours.body)
    except ValueError:
        return Verdict(MISMATCH, "body", _text(agentos.body), _text(ours.body))
    applied = None
    for rule in table:
        if rule.normalise is not None and rule.normalise(asked, a, o):
            applied = rule.key
    found = json_difference(a, o)
    if found is not None:
        return Verdict(MISMATCH, *found)
    if applied is None:
        # Same values in the same key order, different bytes: escaping, spacing or number spelling.
        return Verdict(MISMATCH, "body", _text(agentos.body), _text(ours.body))
    return Verdict(MATCH, rule=applied)


def json_difference(a: Any, o: Any, path: str = "$") -> tuple[str, Any, Any] | None:
    """(JSON path, AgentOS's value, ours) where two JSON values first differ; key order counts."""
    if type(a) is not type(o):
        return path, a, o
    if isinstance(a, dict):
        if list(a) != list(o):
            return f"{path} (keys)", list(a), list(o)
        for key in a:
            found = json_difference(a[key], o[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, o, strict=False)):
            found = json_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        if len(a) != len(o):
            return f"{path} (length)", len(a), len(o)
        return None
    return None if a == o else (path, a, o)


def _text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


def cut(value: Any, limit: int = 200) -> str:
    """A value as JSON text, at most `limit` characters (for log lines)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
