"""The service's pure-ASGI middleware (no BaseHTTPMiddleware: it buffers, copies contexts and
breaks cancellation). The order they are stacked in is documented and built in `app.py`.

* RequestContext   request id (X-Request-ID), real client IP, one JSON access-log line, metrics
* Recovery         an unhandled error becomes AgentOS's 500 `Internal server error (<Type>)`
* CORS             AgentOS's CORSMiddleware, without its per-request cost when there is no Origin
* StripTrailingSlash  AgentOS's TrailingSlashMiddleware
* BodyLimit        413 for bodies over AGNO_MAX_BODY_BYTES, never reading past the limit
* Deadline         504 after AGNO_REQUEST_TIMEOUT seconds, cancelling the handler (and its query)
* CaptureRoute     hands the matched route template back to RequestContext

State shared by the layers of one request lives in a `RequestInfo` object under the scope key
`agno.request`: layers copy the scope dict (to rewrite `path`, `client`), but they all hold the
same object.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import HTTPError
from .logging import request_id_var
from .metrics import UNMATCHED_ROUTE, Metrics

access_logger = logging.getLogger("session_svc.access")

SCOPE_KEY = "agno.request"
REQUEST_ID_HEADER = b"x-request-id"
MAX_REQUEST_ID_LENGTH = 128
# What CORSMiddleware adds to a response to a request without Origin (our app never sets Vary).
VARY_ORIGIN = (b"vary", b"Origin")
# Probes and scrapes succeed every few seconds; their access lines are DEBUG to keep logs useful.
# Logged and counted for a request cancelled before it answered (nginx's "client closed request").
CANCELLED_STATUS = 499
QUIET_PATHS = frozenset(("/healthz", "/readyz", "/metrics", "/health"))

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class RequestInfo:
    __slots__ = (
        "client_ip",
        "exc_info",
        "extra_headers",
        "peer",
        "request_id",
        "response_bytes",
        "route",
        "route_scope",
        "status",
    )

    def __init__(self, request_id: str, client_ip: str | None) -> None:
        self.request_id = request_id
        self.client_ip = client_ip
        self.peer: str | None = None  # the direct peer's address (client_ip may be a forwarded one)
        self.route: str | None = None
        # The scope the router fills in (CaptureRoute's), to read the route before the handler returns.
        self.route_scope: Scope | None = None
        self.status = 0
        self.response_bytes = 0
        self.exc_info: ExcInfo | None = None
        # Headers an inner layer wants on the response, appended by RequestContext's one `send`
        # wrapper (so that layer needs no wrapper of its own).
        self.extra_headers: list[tuple[bytes, bytes]] = []


def request_info(scope: Scope) -> RequestInfo | None:
    return scope.get(SCOPE_KEY)


def _track_start(scope: Scope, send: Send) -> tuple[Send, Callable[[], bool]]:
    """`send` and a test of whether the response has started. Under RequestContext its RequestInfo
    already knows (it records the status at the start); a layer used alone wraps `send`."""
    info = request_info(scope)
    if info is not None:
        return send, lambda: info.status != 0
    started = [False]

    async def tracking_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            started[0] = True
        await send(message)

    return tracking_send, lambda: started[0]


# -- request id -------------------------------------------------------------------------------------


def sane_request_id(raw: bytes | None) -> str | None:
    """The client's id if it is 1-128 printable ASCII characters (no spaces, no controls)."""
    if not raw or len(raw) > MAX_REQUEST_ID_LENGTH:
        return None
    if all(0x21 <= byte <= 0x7E for byte in raw):
        return raw.decode("ascii")
    return None


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


# -- client ip --------------------------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def client_ip(scope: Scope, trusted: tuple[Network, ...]) -> str | None:
    """The real client address: the direct peer, unless the peer is a trusted proxy; then the
    right-most X-Forwarded-For hop that is not itself a trusted proxy (X-Real-IP if there is no
    X-Forwarded-For). Forwarded headers from anyone else are ignored: they are trivial to forge."""
    peer = scope.get("client")
    peer_host = peer[0] if peer else None
    if not trusted or peer_host is None:
        return peer_host
    peer_ip = _parse_ip(peer_host)
    if peer_ip is None or not _is_trusted(peer_ip, trusted):
        return peer_host
    hops: list[str] = []
    for key, value in scope.get("headers", ()):
        if key == b"x-forwarded-for":
            hops.extend(part for part in value.decode("latin-1").split(",") if part.strip())
    if not hops:
        real = _header(scope, b"x-real-ip")
        address = _parse_ip(real.decode("latin-1")) if real else None
        return str(address) if address is not None else peer_host
    chosen = peer_host
    for hop in reversed(hops):
        address = _parse_ip(hop)
        if address is None:
            break  # garbage: trust nothing further left
        chosen = str(address)
        if not _is_trusted(address, trusted):
            break
    return chosen


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def _db_id(scope: Scope) -> str | None:
    query = scope.get("query_string", b"")
    if b"db_id=" not in query:
        return None
    value = None
    for key, item in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if key == "db_id":
            value = item  # the last one wins, as in validation
    return value


# -- CORS -------------------------------------------------------------------------------------------

# AgentOS's default origins (AgnoAPISettings.cors_origin_list), allowed besides CORS_ORIGIN_LIST.
AGENTOS_DEFAULT_ORIGINS = (
    "http://localhost:3000",
    "https://agno.com",
    "https://www.agno.com",
    "https://app.agno.com",
    "https://os-stg.agno.com",
    "https://os.agno.com",
)


def cors_allowed_origins(configured: Iterable[str]) -> list[str]:
    """AgentOS's list (contract §7): CORS_ORIGIN_LIST entries, then its defaults, without "*"
    (credentials are allowed, so a wildcard would be unsafe) and without duplicates."""
    return list(dict.fromkeys(o for o in (*configured, *AGENTOS_DEFAULT_ORIGINS) if o != "*"))


class CORS(CORSMiddleware):
    """Starlette's CORSMiddleware (AgentOS's), with a fast path for the common request that has no
    Origin header: the parent would parse the headers and wrap `send` only to add `Vary: Origin`,
    so under RequestContext that header is handed to its `send` wrapper instead."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        info = request_info(scope)
        if info is not None and scope["type"] == "http" and _header(scope, b"origin") is None:
            info.extra_headers.append(VARY_ORIGIN)
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


# -- the layers ---------------------------------------------------------------------------------------


class RequestContext:
    """Outermost layer: request id in, request id out, one access-log line and metrics per request."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, trusted_proxies: Iterable[str] = (), default_db_id: str = "") -> None:
        self.app = app
        self.metrics = metrics
        self.trusted = parse_networks(trusted_proxies)
        self.default_db_id = default_db_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = sane_request_id(_header(scope, REQUEST_ID_HEADER)) or uuid.uuid4().hex
        ip = client_ip(scope, self.trusted)
        info = RequestInfo(request_id, ip)
        info.peer = scope["client"][0] if scope.get("client") else None
        scope = dict(scope)
        scope[SCOPE_KEY] = info
        if ip is not None and scope.get("client") and ip != scope["client"][0]:
            scope["client"] = (ip, 0)
        token = request_id_var.set(request_id)
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))

        observed = False

        def observe() -> None:
            nonlocal observed
            if not observed:
                observed = True
                self.metrics.in_flight.dec()
                route = info.route or _routed_template(info) or UNMATCHED_ROUTE
                self.metrics.observe(route, scope["method"], info.status or 500, time.perf_counter() - started)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                info.status = message["status"]
                message = dict(message)
                message["headers"] = [*message.get("headers", ()), *info.extra_headers, header]
            elif message["type"] == "http.response.body":
                info.response_bytes += len(message.get("body", b""))
                if not message.get("more_body", False):
                    # Counted before the last byte leaves: a client that has its answer (and scrapes
                    # another worker next) always finds it counted.
                    observe()
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except asyncio.CancelledError:
            # The server cancelled the request (shutdown past the grace period): not an app error.
            if not info.status:
                info.status = CANCELLED_STATUS
            raise
        except BaseException:
            if info.exc_info is None:
                info.exc_info = sys.exc_info()  # type: ignore[assignment]
            if not info.status:
                info.status = 500
            raise
        finally:
            observe()
            self._log(scope, info, info.route or UNMATCHED_ROUTE, time.perf_counter() - started)
            request_id_var.reset(token)

    def _log(self, scope: Scope, info: RequestInfo, route: str, elapsed: float) -> None:
        path = scope["path"]
        status = info.status or 500
        if info.exc_info is not None or status >= 500:
            level = logging.ERROR
        elif status == CANCELLED_STATUS:
            level = logging.WARNING
        elif path in QUIET_PATHS:
            level = logging.DEBUG
        else:
            level = logging.INFO
        if not access_logger.isEnabledFor(level):
            return
        fields: dict[str, Any] = {
            "method": scope["method"],
            "route": route,
            "path": path,
            # Kept so `session-svc compare --access-log` can replay the request.
            "query": scope.get("query_string", b"").decode("latin-1"),
            "status": status,
            "duration_ms": round(elapsed * 1000, 3),
            "client_ip": info.client_ip,
            # The database a /sessions request addressed (its db_id, else the default one).
            "db_id": (_db_id(scope) or self.default_db_id) if path.startswith("/sessions") else None,
            "response_bytes": info.response_bytes,
        }
        access_logger.log(
            level, "%s %s %d", scope["method"], path, status, exc_info=info.exc_info, extra={"fields": fields}
        )


class Recovery:
    """An unhandled error becomes AgentOS's answer, 500 `{"detail":"Internal server error (<Type>)"}`:
    the class name only, never its message (it may hold a host, a user or SQL). The traceback goes
    into the request's access-log line. After the response has started the connection is aborted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracking_send, started = _track_start(scope, send)
        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            info = request_info(scope)
            if info is not None:
                info.exc_info = sys.exc_info()  # type: ignore[assignment]
            else:
                access_logger.exception("unhandled error")
            if started():
                raise
            await _send_error(send, HTTPError(500, f"Internal server error ({type(exc).__name__})"))


class StripTrailingSlash:
    """AgentOS's TrailingSlashMiddleware: `/sessions/` routes like `/sessions`, no redirect."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path != "/" and path.endswith("/"):
                stripped = path.rstrip("/")
                if stripped:
                    scope = dict(scope, path=stripped, raw_path=stripped.encode("utf-8"))
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPError):
    """Raised from `receive` once a streamed body passes the limit. An HTTPError, so a handler
    reading the body lets it through (validation re-raises ServiceErrors) and it renders as 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"Request body is larger than the limit of {max_bytes} bytes")


class BodyLimit:
    """413 for a body over `max_bytes`: at once when Content-Length says so (the body is never
    read), else as soon as the streamed chunks add up past the limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _error(self) -> HTTPError:
        return BodyTooLarge(self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_bytes
            except ValueError:
                too_large = False  # hypercorn rejects malformed lengths itself
            if too_large:
                await _send_error(send, self._error(), close=True)
                return
        received = 0
        tracking_send, started = _track_start(scope, send)

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:  # only when no exception handler rendered it on the way out
            if started():
                raise
            await _send_error(send, exc, close=True)


class Deadline:
    """504 `{"detail":"Request timed out"}` once a request has run `seconds`. The handler's task
    is cancelled, and psycopg answers a cancelled query with a cancel request to the server, so
    the statement stops too (AGNO_PG_STATEMENT_TIMEOUT is the server-side backstop)."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracking_send, started = _track_start(scope, send)
        deadline = asyncio.timeout(self.seconds)
        try:
            async with deadline:
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if started() or not deadline.expired():  # a TimeoutError of the handler's own is a 500
                raise
            await _send_error(send, HTTPError(504, "Request timed out"))


class CaptureRoute:
    """Innermost: after routing, tell RequestContext which route template answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        info = request_info(scope)
        if info is not None:
            info.route_scope = scope  # Starlette's router writes "route" into this very dict
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route")
            if info is not None and route is not None:
                info.route = getattr(route, "path", None)


def _routed_template(info: RequestInfo) -> str | None:
    """The matched route template while the handler still runs (CaptureRoute records it after)."""
    route = info.route_scope.get("route") if info.route_scope is not None else None
    return getattr(route, "path", None) if route is not None else None


async def _send_error(send: Send, error: HTTPError, close: bool = False) -> None:
    body = error.body()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))  # the unread body must not be parsed as a request
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
