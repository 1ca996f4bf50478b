"""The shape of one contract case and the placeholders its URLs and bodies may use."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .compare import Normalisation

NO_BODY = object()

# {run:<db_id>/<session_id>:<index>} -> the run id agno stored at that position (member runs have
# uuid4 ids agno generates; we cannot choose them)
_RUN_REF = re.compile(r"\{run:([^}:]+):(-?\d+)\}")


@dataclass(frozen=True)
class Case:
    """One request sent to both servers.

    A case whose URL or body contains ``{S}`` is a *write*: it runs once per server, each on its own
    copy of the data (``{S}`` becomes ``~a`` for AgentOS and ``~o`` for ours), then every readback URL
    is read for both copies from *both* servers (what AgentOS wrote we must read identically, and the
    other way round), and the stored rows of both copies are compared.
    """

    id: str
    method: str
    url: str
    json: Any = NO_BODY
    content: bytes | None = None
    content_type: str | None = None
    clones: tuple[tuple[str, str], ...] = ()  # (template session in db-scratch, new session id with {S})
    readbacks: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()  # session ids (with {S}) in db-scratch whose stored rows must agree
    normalise: tuple[Normalisation, ...] = ()
    declared: str | None = None  # key of the declared difference this case demonstrates
    # requests sent before the case, per copy, by the named server ("agentos" or "ours"): the case then
    # works on rows the *other* (or the same) implementation wrote
    setup: tuple[tuple[str, str, str, Any], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers
    compare_headers: tuple[str, ...] = ()  # response headers compared too (besides content-type)

    @property
    def is_write(self) -> bool:
        return "{S}" in self.url or "{S}" in self._body_text()

    def _body_text(self) -> str:
        if self.content is not None:
            return self.content.decode("utf-8", "replace")
        return "" if self.json is NO_BODY else json.dumps(self.json)

    def render_url(self, suffix: str, run_ids: dict[str, list[str]]) -> str:
        return expand(self.url, suffix, run_ids)

    def request_kwargs(self, suffix: str, run_ids: dict[str, list[str]]) -> dict[str, Any]:
        kwargs = self._body_kwargs(suffix, run_ids)
        if self.headers:
            kwargs["headers"] = {**dict(self.headers), **kwargs.get("headers", {})}
        return kwargs

    def _body_kwargs(self, suffix: str, run_ids: dict[str, list[str]]) -> dict[str, Any]:
        headers = {}
        if self.content is not None:
            content = expand(self.content.decode("utf-8", "surrogateescape"), suffix, run_ids).encode(
                "utf-8", "surrogateescape"
            )
            if self.content_type:
                headers["content-type"] = self.content_type
            return {"content": content, "headers": headers}
        if self.json is NO_BODY:
            return {}
        body = expand(json.dumps(self.json, ensure_ascii=False), suffix, run_ids)
        return {"content": body.encode("utf-8"), "headers": {"content-type": "application/json"}}


def expand(text: str, suffix: str, run_ids: dict[str, list[str]]) -> str:
    def run_ref(match: re.Match) -> str:
        runs = run_ids[match.group(1)]
        return runs[int(match.group(2))]

    return _RUN_REF.sub(run_ref, text).replace("{S}", suffix)
