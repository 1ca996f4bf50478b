"""JWT verification with PyJWT, step for step as agno 3.1.10's `JWTValidator.validate_token`.

The same library and the same order give the same answers and the same PyJWT messages in the
401 bodies: JWKS keys first (chosen by the token's `kid`, else the file's key without a `kid`),
then the static `JWT_VERIFICATION_KEY`; 10 s of leeway; the audience checked by hand afterwards
with agno's own messages. Keys are parsed once at start-up, never per request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import jwt

from ..env import ConfigError

logger = logging.getLogger("session_svc.auth")

LEEWAY_SECONDS = 10
_NO_KID = "_default"  # agno's slot for a JWKS key without a kid


class JWTVerifier:
    def __init__(
        self, algorithm: str, static_keys: list[Any], jwks_keys: dict[str, jwt.PyJWK], issuer: str | None = None
    ) -> None:
        self.algorithm = algorithm
        self.issuer = issuer
        self.static_keys = static_keys
        self.jwks_keys = jwks_keys
        self._decode_kwargs: dict[str, Any] = {
            "algorithms": [algorithm],
            "leeway": LEEWAY_SECONDS,
            # The audience is compared afterwards, for agno's clearer messages.
            "options": {"verify_aud": False},
        }

    def decode(self, token: str, expected_audience: str | None) -> dict[str, Any]:
        """The verified claims; raises PyJWT's errors exactly where agno's validator does."""
        payload: dict[str, Any] | None = None
        last_error: Exception | None = None
        if self.jwks_keys:
            try:
                kid = jwt.get_unverified_header(token).get("kid")
                jwk = self.jwks_keys.get(kid) if kid else None
                if jwk is None:
                    jwk = self.jwks_keys.get(_NO_KID)
                if jwk is not None:
                    payload = jwt.decode(token, jwk.key, **self._decode_kwargs)
            except jwt.ExpiredSignatureError:
                raise
            except jwt.InvalidTokenError as exc:
                if not self.static_keys:
                    raise
                last_error = exc
        if payload is None:
            for key in self.static_keys:
                try:
                    payload = jwt.decode(token, key, **self._decode_kwargs)
                    break
                except jwt.ExpiredSignatureError:
                    raise
                except jwt.InvalidTokenError as exc:
                    last_error = exc
        if payload is None:
            if last_error is not None:
                raise last_error
            # A kid matching no JWKS key, with no fallback key: agno's wording.
            raise jwt.InvalidTokenError("No verification keys configured")
        if expected_audience:
            _check_audience(payload, expected_audience)
        if self.issuer:
            _check_issuer(payload, self.issuer)
        return payload


def _check_audience(payload: Mapping[str, Any], expected: str) -> None:
    token_audience = payload.get("aud")
    if token_audience is None:
        raise jwt.InvalidTokenError(
            'Token is missing the "aud" claim. Audience verification requires this claim to be present in the token.'
        )
    if isinstance(token_audience, str):
        audiences = [token_audience]
    elif isinstance(token_audience, list):
        audiences = token_audience
    else:
        audiences = [token_audience] if token_audience else []
    if expected not in audiences:
        raise jwt.InvalidAudienceError(f"Invalid audience. Expected one of: {[expected]}, got: {audiences}")


def _check_issuer(payload: Mapping[str, Any], expected: str) -> None:
    token_issuer = payload.get("iss")
    if token_issuer is None:
        raise jwt.InvalidTokenError(
            'Token is missing the "iss" claim. Issuer verification requires this claim to be present in the token.'
        )
    if token_issuer != expected:
        raise jwt.InvalidIssuerError(f"Invalid issuer. Expected: {expected}, got: {token_issuer}")


def load_jwt_verifier(
    verification_key: str | None, jwks_file: str | None, algorithm: str, issuer: str | None = None
) -> JWTVerifier:
    """Parse the configured keys; any unusable setting is a ConfigError naming its variable."""
    try:
        algorithm_impl = jwt.get_algorithm_by_name(algorithm)
    except NotImplementedError:
        raise ConfigError(f"JWT_ALGORITHM {algorithm!r} is not an algorithm PyJWT supports") from None
    static_keys: list[Any] = []
    if verification_key:
        try:
            prepared = algorithm_impl.prepare_key(verification_key)
        except Exception as exc:  # PyJWT and cryptography raise several types for a bad key
            raise ConfigError(f"JWT_VERIFICATION_KEY is not a usable {algorithm} key: {exc}") from None
        weak = algorithm_impl.check_key_length(prepared)
        if weak:
            logger.warning("JWT_VERIFICATION_KEY: %s", weak)
        static_keys.append(prepared)
    jwks_keys = _load_jwks(jwks_file) if jwks_file else {}
    if not static_keys and not jwks_keys:
        raise ConfigError(f"JWT_JWKS_FILE {jwks_file!r} holds no usable key")
    return JWTVerifier(algorithm, static_keys, jwks_keys, issuer)


def _load_jwks(path: str) -> dict[str, jwt.PyJWK]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ConfigError(f"JWT_JWKS_FILE {path!r} cannot be read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigError(f"JWT_JWKS_FILE {path!r} is not valid JSON: {exc}") from None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list):
        raise ConfigError(f'JWT_JWKS_FILE {path!r} has no "keys" list')
    parsed: dict[str, jwt.PyJWK] = {}
    for entry in keys:
        # agno skips (with a warning) a key it cannot parse and keeps the others.
        try:
            jwk = jwt.PyJWK.from_dict(entry)
        except Exception as exc:
            logger.warning("JWT_JWKS_FILE: skipping a key that cannot be parsed: %s", exc)
            continue
        kid = entry.get("kid")
        parsed[kid if kid else _NO_KID] = jwk
    return parsed
