"""The layer that puts AgentOS behind this service (AGNO_AGENTOS_URL set).

It sits right under Recovery, above CORS and Auth, and decides per /sessions request:

* pass-through: what this service does not serve (no route for the path or the method, a delete
  with delete_media, agno's media route) and, in shadow mode, everything under /sessions goes to
  AgentOS as it came; AgentOS authenticates and answers it (our Auth never sees it, so it cannot
  refuse what AgentOS would serve; what we serve keeps our 401s). Logged and counted as
  route="proxied".
* verify mode: a sampled GET we serve is answered by us as usual, a copy of the answer kept; once
  the response is sent, a background task asks AgentOS the same and compares (compare/live.py).
* shadow mode: a sampled GET that AgentOS answered with a 2xx is then answered by us in-process,
  for the same caller, compared, and discarded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..compare.answer import Answer, Asked
from ..compare.live import LiveComparator
from ..middleware.context import (
    SCOPE_KEY,
    RequestInfo,
    header_value,
    is_trusted,
    parse_ip,
    parse_networks,
    request_info,
)
from ..middleware.recovery import send_error as _send_error
from ..validation.lax import LAX_FALSE_WORDS
from .client import Outgoing, Tee, Upstream, UpstreamError, outgoing

PROXIED_ROUTE = "proxied"
SESSIONS = "/sessions"
# The delete routes that, with delete_media=true, need AgentOS's media storage.
DELETE_ROUTES = frozenset(("/sessions", "/sessions/{session_id}"))


class Cutover:
    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Sequence[BaseRoute],
        upstream: Upstream,
        comparator: LiveComparator | None = None,
        mode: str = "off",
        max_bytes: int = 1024 * 1024,
        trusted_proxies: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.routes = [route for route in routes if isinstance(route, Route) and route.path.startswith(SESSIONS)]
        self.upstream = upstream
        self.comparator = comparator
        self.shadow = mode == "shadow" and comparator is not None
        self.verify = mode == "verify" and comparator is not None
        self.max_bytes = max_bytes
        self.trusted = parse_networks(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _under_sessions(scope["path"]):
            await self.app(scope, receive, send)
            return
        route = self.served_by(scope)
        if route is None or self.shadow or (scope["method"] == "DELETE" and _deletes_media(scope, route)):
            await self._proxy(scope, receive, send, route)
        elif self.verify and self.comparator is not None and scope["method"] == "GET" and self.comparator.take(route):
            await self._verify(scope, receive, send, route)
        else:
            await self.app(scope, receive, send)

    def served_by(self, scope: Scope) -> str | None:
        """Our route template for this request's path and method, None if we do not serve it. A CORS
        preflight (OPTIONS) is ours when any route has the path: CORS answers it below."""
        path = scope["path"]
        if path != "/" and path.endswith("/"):
            path = path.rstrip("/") or "/"  # as StripTrailingSlash will route it
        probe = {"type": "http", "path": path, "method": scope["method"], "root_path": scope.get("root_path", "")}
        for route in self.routes:
            match, _ = route.matches(probe)
            if match is Match.FULL or (match is Match.PARTIAL and scope["method"] == "OPTIONS"):
                return route.path
        return None

    def _outgoing(self, scope: Scope) -> Outgoing:
        info = request_info(scope)
        peer = info.peer if info is not None else (scope["client"][0] if scope.get("client") else None)
        address = parse_ip(peer) if peer and self.trusted else None
        return outgoing(scope, peer, address is not None and is_trusted(address, self.trusted))

    # -- pass-through ---------------------------------------------------------------------------------

    async def _proxy(self, scope: Scope, receive: Receive, send: Send, route: str | None) -> None:
        info = request_info(scope)
        if info is not None:
            info.route = PROXIED_ROUTE
        out = self._outgoing(scope)
        comparator = self.comparator
        compared = (
            self.shadow
            and route is not None
            and scope["method"] == "GET"
            and comparator is not None
            and comparator.take(route)
        )
        tee = Tee(self.max_bytes) if compared else None
        submitted = False
        started = time.perf_counter()
        try:
            try:
                status = await self.upstream.forward(out, receive, send, tee)
            except UpstreamError as exc:
                if compared and comparator is not None and route is not None:
                    comparator.count(route, "error")
                await _send_error(send, exc.error)
                return
            if tee is None or not 200 <= status < 300:
                return
            assert comparator is not None and route is not None
            if tee.too_large or tee.encoded:
                comparator.count(route, "skipped")
                return
            asked = _asked(scope, route)
            comparator.submit(
                comparator.shadow(asked, out, tee.answer(), time.perf_counter() - started, lambda: self._ours(scope))
            )
            submitted = True
        finally:
            if compared and comparator is not None and not submitted:
                comparator.release()

    async def _ours(self, scope: Scope) -> Answer | None:
        """Our answer to a GET, computed in-process through CORS, Auth and the router as if the
        client had asked us; None when it is larger than AGNO_COMPARE_MAX_BYTES."""
        own = dict(scope)
        info = RequestInfo(own[SCOPE_KEY].request_id if SCOPE_KEY in own else "", None)
        own[SCOPE_KEY] = info
        own["state"] = dict(scope.get("state") or {})
        tee = Tee(self.max_bytes)
        asked_once = False

        async def receive() -> Message:
            nonlocal asked_once
            if asked_once:
                return {"type": "http.disconnect"}
            asked_once = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                info.status = message["status"]
                tee.start(message["status"], _content_type(message))
            elif message["type"] == "http.response.body":
                tee.add(message.get("body", b""))

        await self.app(own, receive, capture)
        return None if tee.too_large else tee.answer()

    # -- verify -------------------------------------------------------------------------------------

    async def _verify(self, scope: Scope, receive: Receive, send: Send, route: str) -> None:
        comparator = self.comparator
        assert comparator is not None
        tee = Tee(self.max_bytes)

        async def teeing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                tee.start(message["status"], _content_type(message))
            elif message["type"] == "http.response.body":
                tee.add(message.get("body", b""))
            await send(message)

        submitted = False
        started = time.perf_counter()
        try:
            await self.app(scope, receive, teeing_send)
            if not tee.status:
                return
            if tee.too_large:
                comparator.count(route, "skipped")
                return
            out = self._outgoing(scope)
            # The task runs after our response is complete: the client never waits for AgentOS.
            comparator.submit(comparator.verify(_asked(scope, route), out, tee.answer(), time.perf_counter() - started))
            submitted = True
        finally:
            if not submitted:
                comparator.release()


def _under_sessions(path: str) -> bool:
    return path == SESSIONS or path.startswith("/sessions/")


def _deletes_media(scope: Scope, route: str) -> bool:
    """DELETE with delete_media that is not a false word: AgentOS's media storage is needed (or its
    422 for a value that is no boolean); agno/os/routers/session/session.py: delete_session."""
    if route not in DELETE_ROUTES or b"delete_media" not in scope.get("query_string", b""):
        return False
    value = _asked(scope, route).param("delete_media")
    return value is not None and value.lower() not in LAX_FALSE_WORDS


def _asked(scope: Scope, route: str) -> Asked:
    return Asked(route, scope["path"], scope.get("query_string", b"").decode("latin-1"))


def _content_type(message: Message) -> str | None:
    value = header_value(message, b"content-type")  # a response start message has "headers" too
    return value.decode("latin-1") if value is not None else None
