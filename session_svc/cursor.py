"""Opaque, tamper-checked cursors for `GET /sessions?cursor=` (an extension beyond AgentOS).

A cursor names the position after the last row of a page: that row's sort key (as PostgreSQL's
text of it, or null) and its session_id, plus the page number it leads to and a fingerprint of the
walk it belongs to (database, filters, scoped user, sort, limit). The next page is then a keyset
query (`sql/list_sessions.sql` with its `{after}` slot), whose cost does not grow with depth.

The token is `base64url(JSON payload) "." base64url(HMAC-SHA256(payload)[:16])`. The HMAC key is
one per deployment, so every pod and worker accepts every other's cursors: AGNO_CURSOR_SECRET when
set, else derived from what all of a deployment's pods already share, its database DSNs (which hold
the database password) and auth secrets. A token that does not verify, or belongs to another walk,
is a 422 (FastAPI's shape, `loc: ["query", "cursor"]`). The HMAC is integrity, not secrecy: the
payload is readable, and it holds nothing the caller did not see on the page.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
from typing import Any

import msgspec

from .errors import RequestValidationError
from .settings import Settings

VERSION = 1
_MAC_BYTES = 16


@dataclasses.dataclass(frozen=True)
class Position:
    page: int  # the page number this cursor leads to (meta.page)
    key: str | None  # PostgreSQL's text of the last row's sort key; None for SQL NULL
    session_id: str


def cursor_secret(settings: Settings, dsns: list[tuple[str, str]]) -> bytes:
    """The deployment's HMAC key: AGNO_CURSOR_SECRET, else derived from (db_id, primary DSN) of
    every database and OS_SECURITY_KEY, which all pods of one deployment are configured with."""
    if settings.cursor_secret:
        material = ["secret", settings.cursor_secret]
    else:
        material = [*(f"{db_id}={dsn}" for db_id, dsn in dsns), settings.auth.security_key or ""]
    return hashlib.sha256(("agno-session cursor\0" + "\0".join(material)).encode()).digest()


def fingerprint(parts: tuple[Any, ...]) -> str:
    """A short digest of the walk (filters, scoped user, sort, limit, db_id)."""
    return hashlib.sha256(msgspec.json.encode(list(parts))).hexdigest()[:16]


def invalid_cursor(token: str) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ["query", "cursor"],
                "msg": "Value error, Invalid cursor: it must be a meta.next_cursor of this listing",
                "input": token,
                "ctx": {"error": {}},
            }
        ]
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, walk: str, position: Position) -> str:
        payload = msgspec.json.encode([VERSION, walk, position.page, position.key, position.session_id])
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def decode(self, token: str, walk: str) -> Position:
        """The position in `token`, or a 422 when it is not a cursor of this walk."""
        try:
            encoded, _, mac = token.partition(".")
            payload = _unb64(encoded)
            if not hmac.compare_digest(_unb64(mac), self._mac(payload)):
                raise ValueError("bad mac")
            version, token_walk, page, key, session_id = msgspec.json.decode(payload)
        except (ValueError, TypeError, binascii.Error, msgspec.DecodeError, UnicodeEncodeError):
            raise invalid_cursor(token) from None
        valid = (
            version == VERSION
            and token_walk == walk
            and type(page) is int
            and page >= 2
            and (key is None or isinstance(key, str))
            and isinstance(session_id, str)
        )
        if not valid:
            raise invalid_cursor(token)
        return Position(page, key, session_id)
