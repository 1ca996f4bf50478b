"""RequestContext, the outermost layer: request id (X-Request-ID), the real client IP, one JSON
access-log line and the metrics of every request; and `RequestInfo`, the state the layers of one
request share under the scope key `agno.request` (layers copy the scope dict to rewrite `path` or
`client`, but they all hold the same object)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..logging import request_id_var
from ..metrics import UNMATCHED_ROUTE, Metrics

access_logger = logging.getLogger("session_svc.access")

SCOPE_KEY = "agno.request"
REQUEST_ID_HEADER = b"x-request-id"
MAX_REQUEST_ID_LENGTH = 128
# Probes and scrapes succeed every few seconds; their access lines are DEBUG to keep logs useful.
# Logged and counted for a request cancelled before it answered (nginx's "client closed request").
CANCELLED_STATUS = 499
QUIET_PATHS = frozenset(("/healthz", "/readyz", "/metrics", "/health"))

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class RequestInfo:
    __slots__ = (
        "answered",
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
        # Set by RequestContext: an inner layer that holds the end of a complete answer back
        # (lingering.py) calls it when the client has the answer, for the metrics and the log.
        self.answered: Callable[[], None] | None = None
        self.status = 0
        self.response_bytes = 0
        self.exc_info: ExcInfo | None = None
        # Headers an inner layer wants on the response, appended by RequestContext's one `send`
        # wrapper (so that layer needs no wrapper of its own).
        self.extra_headers: list[tuple[bytes, bytes]] = []


def request_info(scope: Scope) -> RequestInfo | None:
    return scope.get(SCOPE_KEY)


def track_start(scope: Scope, send: Send) -> tuple[Send, Callable[[], bool]]:
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


def header_value(scope: Scope, name: bytes) -> bytes | None:
    """The first value of header `name` (lower-case bytes). No `.lower()` per header: the ASGI
    spec has servers lower-case header names, and hypercorn, uvicorn and httpx's test transport do."""
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    for key, value in headers:
        if key == name:
            return value
    return None


# -- client ip --------------------------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
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
    peer_host: str | None = peer[0] if peer else None
    if not trusted or peer_host is None:
        return peer_host
    peer_ip = parse_ip(peer_host)
    if peer_ip is None or not is_trusted(peer_ip, trusted):
        return peer_host
    hops: list[str] = []
    for key, value in scope.get("headers", ()):
        if key == b"x-forwarded-for":
            hops.extend(part for part in value.decode("latin-1").split(",") if part.strip())
    if not hops:
        real = header_value(scope, b"x-real-ip")
        address = parse_ip(real.decode("latin-1")) if real else None
        return str(address) if address is not None else peer_host
    chosen = peer_host
    for hop in reversed(hops):
        address = parse_ip(hop)
        if address is None:
            break  # garbage: trust nothing further left
        chosen = str(address)
        if not is_trusted(address, trusted):
            break
    return chosen


def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[Network, ...]) -> bool:
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


class RequestContext:
    """Outermost layer: request id in, request id out, one access-log line and metrics per request."""

    def __init__(
        self, app: ASGIApp, *, metrics: Metrics, trusted_proxies: Iterable[str] = (), default_db_id: str = ""
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.trusted = parse_networks(trusted_proxies)
        self.default_db_id = default_db_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = sane_request_id(header_value(scope, REQUEST_ID_HEADER)) or uuid.uuid4().hex
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

        info.answered = observe

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
        except BaseException as exc:
            if info.exc_info is None:
                info.exc_info = (type(exc), exc, exc.__traceback__)
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


def _routed_template(info: RequestInfo) -> str | None:
    """The matched route template while the handler still runs (CaptureRoute records it after)."""
    route = info.route_scope.get("route") if info.route_scope is not None else None
    return getattr(route, "path", None) if route is not None else None
