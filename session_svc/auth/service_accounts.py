"""Service-account tokens (`agno_pat_...`), verified against agno's own table as agno 3.1.10 does
(`agno/os/service_accounts.py`).

Only the token's SHA-256 hex digest is stored (column `token_hash`); a row with `revoked_at` set or
`expires_at <= now` is refused. A verified account is the principal `sa:<name>` with its stored
`scopes`. Like agno: verifications are cached for a short TTL (expiry re-checked on every hit),
`last_used_at` is written at most once a minute per account, a client with 20 failed lookups in a
minute gets 429, and a database error fails closed (503) without counting as a failure.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from ..db.database import Database


logger = logging.getLogger("session_svc.auth")

TOKEN_PREFIX = "agno_pat_"
PRINCIPAL_PREFIX = "sa:"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Status(enum.Enum):
    OK = "ok"
    INVALID = "invalid"  # unknown, revoked or expired
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"


# What each failed status answers, word for word as agno's `authenticate_service_account_request`.
FAILURES: dict[Status, tuple[int, str]] = {
    Status.INVALID: (401, "Invalid or expired service account token"),
    Status.THROTTLED: (429, "Too many failed authentication attempts"),
    Status.UNAVAILABLE: (503, "Authentication is temporarily unavailable"),
}


@dataclasses.dataclass(frozen=True)
class ServiceAccount:
    id: str
    name: str
    scopes: tuple[Any, ...]
    expires_at: int | None
    revoked: bool

    @property
    def principal(self) -> str:
        return f"{PRINCIPAL_PREFIX}{self.name}"

    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= int(time.time())

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ServiceAccount:
        scopes = row["scopes"]
        return cls(
            id=row["id"],
            name=row["name"],
            scopes=tuple(scopes) if isinstance(scopes, list) else (),
            expires_at=int(row["expires_at"]) if row["expires_at"] is not None else None,
            revoked=row["revoked_at"] is not None,
        )


_K = TypeVar("_K")
_V = TypeVar("_V")


class _Bounded(OrderedDict[_K, _V]):
    """An LRU dict that forgets its oldest entries beyond `limit`."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: _K, value: _V) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


class ServiceAccountVerifier:
    MAX_FAILURES = 20
    FAILURE_WINDOW = 60.0
    TOUCH_INTERVAL = 60.0

    def __init__(self, table: str, cache_ttl: int) -> None:
        self.table = table
        self.cache_ttl = cache_ttl
        self._cache: _Bounded[str, tuple[ServiceAccount, float]] = _Bounded(2048)  # token hash -> (account, cached at)
        self._failures: _Bounded[str, list[float]] = _Bounded(1024)  # client -> recent failure times
        self._touched: _Bounded[str, float] = _Bounded(2048)  # account id -> last last_used_at write

    async def verify(self, db: Database, token: str, client: str | None) -> tuple[Status, ServiceAccount | None]:
        token_hash = hash_token(token)
        account = self._cached(token_hash)
        if account is None:
            try:
                row = await self._lookup_service_account(db, token_hash)
            except Exception:
                logger.exception("service account lookup failed")
                return Status.UNAVAILABLE, None
            if row is not None:
                found = ServiceAccount.from_row(row)
                if not (found.revoked or found.is_expired()):
                    account = found
                    if self.cache_ttl > 0:
                        self._cache.put(token_hash, (found, time.monotonic()))
                else:
                    self._cache.pop(token_hash, None)
        if account is not None:
            await self._touch_service_account(db, account)
            return Status.OK, account
        return self._failure(client or "unknown"), None

    def _cached(self, token_hash: str) -> ServiceAccount | None:
        entry = self._cache.get(token_hash)
        if entry is None:
            return None
        account, cached_at = entry
        if time.monotonic() - cached_at > self.cache_ttl or account.is_expired():
            self._cache.pop(token_hash, None)
            return None
        self._cache.move_to_end(token_hash)
        return account

    def _failure(self, client: str) -> Status:
        """A lookup failed: INVALID, or THROTTLED once this client failed too often (a valid
        token is never throttled, since it never gets here)."""
        cutoff = time.monotonic() - self.FAILURE_WINDOW
        recent = [t for t in self._failures.get(client, ()) if t > cutoff]
        if len(recent) >= self.MAX_FAILURES:
            self._failures[client] = recent
            return Status.THROTTLED
        recent.append(time.monotonic())
        self._failures.put(client, recent)
        return Status.INVALID

    def _statement(self, db: Database, name: str) -> sql.Composed:
        return db.statement(name, service_accounts=sql.Identifier(db.schema, self.table))

    async def _lookup_service_account(self, db: Database, token_hash: str) -> dict[str, Any] | None:
        async with db.pool.connection() as conn:
            try:
                cur = await conn.execute(self._statement(db, "lookup_service_account"), {"token_hash": token_hash})
            except psycopg.errors.UndefinedTable:
                return None  # agno: no service-accounts table yet means no such token
            return await cur.fetchone()

    async def _touch_service_account(self, db: Database, account: ServiceAccount) -> None:
        now = time.monotonic()
        last = self._touched.get(account.id)
        if last is not None and now - last < self.TOUCH_INTERVAL:
            return
        self._touched.put(account.id, now)
        try:
            async with db.pool.connection() as conn:
                await conn.execute(
                    self._statement(db, "touch_service_account"), {"id": account.id, "now": int(time.time())}
                )
        except Exception:
            logger.warning("could not record last_used_at for service account %r", account.name, exc_info=True)
