"""The cut-over settings: the AgentOS upstream and the live comparison (README, "Cutting over")."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from urllib.parse import urlsplit

from ..env import ConfigError, bool_from_env, int_from_env, seconds_from_env

MODES = ("off", "shadow", "verify")


@dataclasses.dataclass(frozen=True)
class CutoverConfig:
    # AgentOS's base URL (http://agentos:7777). None: no upstream, nothing proxied or compared.
    agentos_url: str | None = None
    # Seconds for each step of an upstream exchange (connect, send, each read), as httpx applies them.
    agentos_timeout: float = 30.0
    mode: str = "off"
    sample: float = 1.0
    concurrency: int = 4
    log_bodies: bool = False
    max_bytes: int = 1024 * 1024

    @property
    def comparing(self) -> bool:
        return self.mode != "off" and self.sample > 0


def load_cutover_config(env: Mapping[str, str]) -> CutoverConfig:
    url = _agentos_url(env, ConfigError)
    mode = env.get("AGNO_COMPARE_MODE", "").strip().lower() or "off"
    if mode not in MODES:
        raise ConfigError(f"AGNO_COMPARE_MODE must be one of {', '.join(MODES)}, got {mode!r}")
    if mode != "off" and url is None:
        raise ConfigError(f"AGNO_COMPARE_MODE={mode} needs AGNO_AGENTOS_URL (the AgentOS to compare with)")
    return CutoverConfig(
        agentos_url=url,
        agentos_timeout=seconds_from_env(env, "AGNO_AGENTOS_TIMEOUT", 30.0),
        mode=mode,
        sample=_fraction(env, "AGNO_COMPARE_SAMPLE", 1.0, ConfigError),
        concurrency=int_from_env(env, "AGNO_COMPARE_CONCURRENCY", 4, minimum=1),
        log_bodies=bool_from_env(env, "AGNO_COMPARE_LOG_BODIES", False),
        max_bytes=int_from_env(env, "AGNO_COMPARE_MAX_BYTES", 1024 * 1024, minimum=1),
    )


def _agentos_url(env: Mapping[str, str], error: type[Exception]) -> str | None:
    raw = env.get("AGNO_AGENTOS_URL", "").strip()
    if not raw:
        return None
    problem = f"AGNO_AGENTOS_URL must be an http:// or https:// URL such as http://agentos:7777, got {raw!r}"
    try:
        parts = urlsplit(raw)
        port = parts.port  # raises on a port that is no number or out of range
    except ValueError:
        raise error(problem) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise error(problem)
    if parts.username or parts.password:
        raise error("AGNO_AGENTOS_URL must not hold credentials (AgentOS authenticates each forwarded request)")
    del port
    return raw.rstrip("/")


def _fraction(env: Mapping[str, str], name: str, default: float, error: type[Exception]) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise error(f"{name} must be a number from 0 to 1, got {raw!r}") from None
    if not 0 <= value <= 1:
        raise error(f"{name} must be a number from 0 to 1, got {raw!r}")
    return value
