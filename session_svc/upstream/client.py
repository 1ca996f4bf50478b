"""The AgentOS upstream: one pooled httpx.AsyncClient per worker, opened in the app's lifespan.

`forward` reverse-proxies an ASGI request and streams the answer back chunk by chunk (media can be
large: nothing is buffered whole); `fetch` asks AgentOS for one answer, read up to a size limit, for
the live comparison.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
from starlette.types import Message, Receive, Scope, Send

from ..compare.answer import Answer
from ..errors import HTTPError
from .config import CutoverConfig

# RFC 9110 7.6.1: hop-by-hop headers are the connection's, not the message's, and are never
# forwarded; Host is the upstream's own (the caller's goes in X-Forwarded-Host).
HOP_BY_HOP = frozenset(
    (b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"proxy-connection", b"te",
     b"trailer", b"transfer-encoding", b"upgrade", b"host")
)  # fmt: skip
FORWARDED = frozenset((b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"))
# The server in front of the client writes its own Date and Server headers.
RESPONSE_DROPPED = HOP_BY_HOP | {b"date", b"server"}

# Below uvicorn's default keep-alive timeout (5 s, AgentOS's server): a connection AgentOS is about to
# close is not reused, which would fail the request sent on it.
KEEPALIVE_EXPIRY = 2.0

UNAVAILABLE = HTTPError(502, "AgentOS upstream unavailable")
TIMED_OUT = HTTPError(504, "AgentOS upstream timed out")


class UpstreamError(Exception):
    """AgentOS could not be asked: `error` is the answer a client gets instead (502 or 504)."""

    def __init__(self, error: HTTPError) -> None:
        super().__init__(error.detail)
        self.error = error


class TooLarge(Exception):
    """An answer to compare is larger than AGNO_COMPARE_MAX_BYTES."""


@dataclasses.dataclass(frozen=True)
class Outgoing:
    """What is sent upstream: method, raw path and query exactly as received, end-to-end headers."""

    method: str
    raw_path: bytes
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    has_body: bool = False


def outgoing(scope: Scope, peer: str | None, trusted_peer: bool) -> Outgoing:
    """The request to send AgentOS for this ASGI request. X-Forwarded-For gains the direct peer;
    -Proto and -Host are ours unless the peer is a trusted proxy that already set them."""
    raw_headers: list[tuple[bytes, bytes]] = list(scope.get("headers", ()))
    named_by_connection = {
        token.strip().lower()
        for key, value in raw_headers
        if key == b"connection"
        for token in value.split(b",")
        if token.strip()
    }
    headers: list[tuple[bytes, bytes]] = []
    forwarded: dict[bytes, bytes] = {}
    for key, value in raw_headers:
        if key in HOP_BY_HOP or key in named_by_connection:
            continue
        if key in FORWARDED:
            if trusted_peer:
                forwarded[key] = forwarded[key] + b", " + value if key in forwarded else value
            continue
        headers.append((key, value))
    host = next((value for key, value in raw_headers if key == b"host"), None)
    chain = forwarded.get(b"x-forwarded-for")
    if peer:
        chain = chain + b", " + peer.encode("latin-1") if chain else peer.encode("latin-1")
    if chain:
        headers.append((b"x-forwarded-for", chain))
    headers.append((b"x-forwarded-proto", forwarded.get(b"x-forwarded-proto") or scope.get("scheme", "http").encode()))
    forwarded_host = forwarded.get(b"x-forwarded-host") or host
    if forwarded_host:
        headers.append((b"x-forwarded-host", forwarded_host))
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    return Outgoing(scope["method"], raw_path, scope.get("query_string", b""), headers, _has_body(raw_headers))


class Upstream:
    def __init__(self, config: CutoverConfig) -> None:
        assert config.agentos_url is not None
        self.base = httpx.URL(config.agentos_url)
        self.prefix = self.base.raw_path.rstrip(b"/")  # AgentOS mounted under a path
        self.timeout = httpx.Timeout(config.agentos_timeout)
        self.client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        # trust_env=False: no proxy or .netrc from the environment in front of AgentOS.
        self.client = httpx.AsyncClient(
            timeout=self.timeout,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY),
            follow_redirects=False,
            trust_env=False,
        )

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    def url(self, raw_path: bytes, query_string: bytes) -> httpx.URL:
        target = self.prefix + raw_path + (b"?" + query_string if query_string else b"")
        return self.base.copy_with(raw_path=target)

    def _request(self, out: Outgoing, content: AsyncIterator[bytes] | bytes | None) -> httpx.Request:
        assert self.client is not None, "Upstream.open() runs in the app's lifespan"
        return self.client.build_request(
            out.method, self.url(out.raw_path, out.query_string), headers=out.headers, content=content
        )

    async def forward(self, out: Outgoing, receive: Receive, send: Send, tee: Tee | None = None) -> int:
        """Proxy the request, stream AgentOS's answer to `send`; returns its status. Raises
        UpstreamError (nothing sent yet) when AgentOS cannot be reached or does not answer in time."""
        assert self.client is not None
        request = self._request(out, _body(receive) if out.has_body else None)
        try:
            response = await self.client.send(request, stream=True)
        except httpx.TimeoutException:
            raise UpstreamError(TIMED_OUT) from None
        except httpx.HTTPError:
            raise UpstreamError(UNAVAILABLE) from None
        try:
            headers = [(k.lower(), v) for k, v in response.headers.raw if k.lower() not in RESPONSE_DROPPED]
            await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
            if tee is not None:
                tee.start(
                    response.status_code, response.headers.get("content-type"), "content-encoding" in response.headers
                )
            # aiter_raw: the bytes as AgentOS sent them (still compressed if they were).
            async for chunk in response.aiter_raw():
                if tee is not None:
                    tee.add(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()
        return response.status_code

    async def fetch(self, out: Outgoing, max_bytes: int) -> Answer:
        """AgentOS's answer to a body-less request, read whole up to `max_bytes` (else TooLarge).
        A GET is safe to send again: once more if the pooled connection was closed under it."""
        try:
            return await self._fetch(out, max_bytes)
        except UpstreamError as exc:
            if not isinstance(exc.__cause__, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
                raise
        return await self._fetch(out, max_bytes)

    async def _fetch(self, out: Outgoing, max_bytes: int) -> Answer:
        assert self.client is not None
        request = self._request(out, None)
        try:
            response = await self.client.send(request, stream=True)
            try:
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise TooLarge()
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise TooLarge()
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise UpstreamError(TIMED_OUT) from None
        except httpx.HTTPError as exc:
            raise UpstreamError(UNAVAILABLE) from exc
        return Answer(response.status_code, response.headers.get("content-type"), bytes(body))


class Tee:
    """A copy of an answer being streamed to the client, kept only up to `max_bytes`."""

    __slots__ = ("body", "content_type", "encoded", "max_bytes", "status", "too_large")

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.status = 0
        self.content_type: str | None = None
        self.body = bytearray()
        self.too_large = False
        self.encoded = False  # compressed (Content-Encoding): not compared

    def start(self, status: int, content_type: str | None, encoded: bool = False) -> None:
        self.status, self.content_type, self.encoded = status, content_type, encoded

    def add(self, chunk: bytes) -> None:
        if self.too_large:
            return
        if len(self.body) + len(chunk) > self.max_bytes:
            self.too_large = True
            self.body = bytearray()  # never hold more than the limit
            return
        self.body += chunk

    def answer(self) -> Answer:
        return Answer(self.status, self.content_type, bytes(self.body))


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for key, value in headers:
        if key == b"content-length":
            return value.strip() != b"0"
    return any(key == b"transfer-encoding" for key, _ in headers)


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    """The client's request body, passed on as it arrives."""
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return
