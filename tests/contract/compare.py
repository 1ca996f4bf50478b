"""Answers, normalisations and a precise description of the first difference between two answers."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from session_svc.compare.verdict import json_difference


@dataclass(frozen=True)
class Answer:
    """What the suite compares: status, content type and the exact body bytes."""

    status: int
    content_type: str | None
    body: bytes
    headers: tuple[tuple[str, str | None], ...] = ()  # only those a case asks to compare

    @classmethod
    def of(cls, response: httpx.Response, compare_headers: tuple[str, ...] = ()) -> Answer:
        picked = tuple((name, response.headers.get(name)) for name in compare_headers)
        return cls(response.status_code, response.headers.get("content-type"), response.content, picked)

    def json(self) -> Any:
        return json.loads(self.body)

    def replace(self, body: bytes) -> Answer:
        return Answer(self.status, self.content_type, body, self.headers)

    def __str__(self) -> str:
        text = self.body.decode("utf-8", "replace")
        return f"{self.status} {self.content_type} {text[:600]}{'…' if len(text) > 600 else ''}"


def first_difference(agentos: Answer, ours: Answer) -> str | None:
    """None when identical; else a one-paragraph description of where the answers part."""
    if agentos.status != ours.status:
        return f"status: AgentOS {agentos.status}, ours {ours.status}\n  AgentOS: {agentos}\n  ours:    {ours}"
    if agentos.content_type != ours.content_type:
        return f"content-type: AgentOS {agentos.content_type!r}, ours {ours.content_type!r}"
    if agentos.headers != ours.headers:
        return f"headers: AgentOS {dict(agentos.headers)}, ours {dict(ours.headers)}"
    if agentos.body == ours.body:
        return None
    try:
        a, o = json.loads(agentos.body), json.loads(ours.body)
    except ValueError:
        return f"body bytes differ\n  AgentOS: {agentos}\n  ours:    {ours}"
    where = _json_difference(a, o, "$")
    if where is None:
        # Same values and key order, different bytes: spacing, escaping or number spelling.
        index = _common_prefix(agentos.body, ours.body)
        return (
            f"JSON equal but bytes differ at byte {index}: AgentOS …{agentos.body[max(0, index - 40) : index + 40]!r}…,"
            f" ours …{ours.body[max(0, index - 40) : index + 40]!r}…"
        )
    return where


def _common_prefix(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "…"


def _json_difference(a: Any, o: Any, path: str) -> str | None:
    """The first difference (session_svc.compare.verdict finds it, as the live comparator does), in words."""
    found = json_difference(a, o, path)
    if found is None:
        return None
    where, value_a, value_o = found
    if where.endswith(" (keys)"):
        where = where.removesuffix(" (keys)")
        if set(value_a) == set(value_o):
            return f"{where}: key order differs: AgentOS {value_a}, ours {value_o}"
        missing, extra = [k for k in value_a if k not in value_o], [k for k in value_o if k not in value_a]
        return f"{where}: keys differ: only AgentOS {missing}, only ours {extra} (AgentOS {value_a}, ours {value_o})"
    if where.endswith(" (length)"):
        return f"{where.removesuffix(' (length)')}: length AgentOS {value_a}, ours {value_o}"
    return f"{where}: AgentOS {_short(value_a)}, ours {_short(value_o)}"


# ---------------------------------------------------------------------------------------------------
# Normalisations. Each one names what it replaces and why it cannot match; cases opt in explicitly.


@dataclass(frozen=True)
class Normalisation:
    name: str
    reason: str
    apply: Callable[[bytes, Context], bytes]


@dataclass
class Context:
    """Facts a normalisation needs: the clone suffix of this side and the request's wall-clock window."""

    suffix: str
    started: float
    finished: float


CLONE_SUFFIXES = {"agentos": "~a", "ours": "~o"}
_ISO = re.compile(rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"')


def _clone_suffix(body: bytes, ctx: Context) -> bytes:
    return body.replace(ctx.suffix.encode(), b"~S")


def _wall_clock_iso(body: bytes, ctx: Context) -> bytes:
    from datetime import datetime

    def swap(match: re.Match) -> bytes:
        stamp = datetime.fromisoformat(match.group(1).decode().replace("Z", "+00:00")).timestamp()
        return b'"<now>"' if ctx.started - 1 <= stamp <= ctx.finished + 1 else match.group(0)

    return _ISO.sub(swap, body)


_UUID = re.compile(rb'"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})"')


def _generated_uuid(body: bytes, ctx: Context) -> bytes:
    seen: dict[bytes, bytes] = {}

    def swap(match: re.Match) -> bytes:
        value = match.group(1)
        uuid.UUID(value.decode())
        seen.setdefault(value, b'"<uuid%d>"' % len(seen))
        return seen[value]

    return _UUID.sub(swap, body)


CLONE = Normalisation(
    "clone-suffix",
    "a write runs once per server on its own copy of the session: ids end in ~a (AgentOS) or ~o (ours)",
    _clone_suffix,
)
NOW = Normalisation(
    "wall-clock-now",
    "created_at/updated_at stamped by the server at request time: replaced only if within the request window",
    _wall_clock_iso,
)
NEW_UUID = Normalisation(
    "generated-uuid",
    "session ids and message ids generated with uuid4 by the server cannot match",
    _generated_uuid,
)


def normalise(answer: Answer, normalisations: tuple[Normalisation, ...], ctx: Context) -> Answer:
    body = answer.body
    for normalisation in normalisations:
        body = normalisation.apply(body, ctx)
    return answer.replace(body)
