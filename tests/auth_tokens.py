"""Real credentials for the auth tests: RSA/HMAC keys made here, JWTs signed with PyJWT, a JWKS
file, and service-account rows written into agno's `agno_service_accounts` table the way agno
3.1.10 writes them (schema from agno/db/postgres/schemas.py, token format and SHA-256 hash from
agno/os/service_accounts.py).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import psycopg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from psycopg.types.json import Jsonb

HS_SECRET = "hs256-test-secret-that-is-long-enough-0123456789"  # >= 32 bytes: no PyJWT key warning


class RSAKey:
    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = (
            self.private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def jwk(self, kid: str | None) -> dict[str, Any]:
        entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        entry["alg"] = "RS256"
        entry["use"] = "sig"
        if kid is not None:
            entry["kid"] = kid
        return entry


def write_jwks(path: Path, keys: dict[str | None, RSAKey]) -> str:
    path.write_text(json.dumps({"keys": [key.jwk(kid) for kid, key in keys.items()]}))
    return str(path)


_UNSET: Any = object()


def mint(
    key: Any,
    algorithm: str = "RS256",
    *,
    sub: Any = "user-1",
    scopes: Any = _UNSET,
    expires_in: int = 3600,
    aud: Any = _UNSET,
    kid: str | None = None,
    **claims: Any,
) -> str:
    """A signed JWT. `sub=None` leaves the subject out; `scopes` defaults to none at all."""
    now = int(time.time())
    payload: dict[str, Any] = {"iat": now, "exp": now + expires_in}
    if sub is not None:
        payload["sub"] = sub
    if scopes is not _UNSET:
        payload["scopes"] = scopes
    if aud is not _UNSET:
        payload["aud"] = aud
    payload.update(claims)
    signing_key = key.private if isinstance(key, RSAKey) else key
    return jwt.encode(payload, signing_key, algorithm=algorithm, headers={"kid": kid} if kid else None)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- service accounts ------------------------------------------------------------------------------

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_pat() -> str:
    """A token as agno's generate_token makes one: agno_pat_ + base62 of 32 random bytes."""
    number = int.from_bytes(secrets.token_bytes(32), "big")
    chars = []
    while number:
        number, rem = divmod(number, 62)
        chars.append(_BASE62[rem])
    return "agno_pat_" + "".join(reversed(chars or ["0"]))


def create_service_accounts_table(conn: psycopg.Connection, schema: str = "ai") -> None:
    """agno 3.1.10's SERVICE_ACCOUNT_TABLE_SCHEMA as its PostgresDb creates it."""
    conn.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {schema}.agno_service_accounts (
            id VARCHAR NOT NULL PRIMARY KEY,
            name VARCHAR NOT NULL,
            user_id VARCHAR,
            token_hash VARCHAR NOT NULL UNIQUE,
            token_prefix VARCHAR NOT NULL,
            scopes JSONB NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT,
            last_used_at BIGINT,
            revoked_at BIGINT,
            created_by VARCHAR
        )"""
    )
    conn.execute(
        f"CREATE INDEX IF NOT EXISTS idx_agno_service_accounts_token_hash ON {schema}.agno_service_accounts (token_hash)"
    )
    conn.execute(
        f"CREATE UNIQUE INDEX IF NOT EXISTS uq_active_name ON {schema}.agno_service_accounts (name) WHERE revoked_at IS NULL"
    )


def insert_service_account(
    conn: psycopg.Connection,
    name: str,
    scopes: list[str],
    *,
    expires_at: int | None = None,
    revoked_at: int | None = None,
    schema: str = "ai",
) -> str:
    """Mint a token for a new account (as agno's POST /service-accounts stores it); returns the
    plaintext token, which is never stored."""
    token = new_pat()
    conn.execute(
        f"""INSERT INTO {schema}.agno_service_accounts
            (id, name, user_id, token_hash, token_prefix, scopes, created_at, expires_at, last_used_at,
             revoked_at, created_by)
            VALUES (%s, %s, NULL, %s, %s, %s, %s, %s, NULL, %s, 'test')""",
        (
            str(uuid.uuid4()),
            name,
            hashlib.sha256(token.encode()).hexdigest(),
            token[:16],
            Jsonb(scopes),
            int(time.time()),
            expires_at,
            revoked_at,
        ),
    )
    return token
