"""Reading environment variables: `ConfigError` and the parsers every setting goes through.

Each parser takes the environment mapping, the variable's name and its default; an empty or unset
variable is the default, and an unusable value raises ConfigError with a message that names the
variable, so start-up stops with one line (cli.py prints it) instead of failing later per request.
settings.py (the service), replica_settings.py and auth/config.py (auth) read their variables
with these.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ConfigError",
    "bool_from_env",
    "choice_from_env",
    "csv_from_env",
    "int_from_env",
    "normalize_dsn",
    "seconds_from_env",
]


class ConfigError(Exception):
    """A configuration value is unusable; the message names the variable."""


def int_from_env(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def seconds_from_env(env: Mapping[str, str], name: str, default: float, zero_is_off: bool = False) -> float:
    """A positive number of seconds (or 0 = "off" where `zero_is_off`)."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    hint = " (0 = off)" if zero_is_off else ""
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds{hint}, got {raw!r}") from None
    valid = (value >= 0 if zero_is_off else value > 0) and value != float("inf")
    if not valid:
        raise ConfigError(f"{name} must be {'zero or positive' if zero_is_off else 'positive'}, got {raw!r}")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def bool_from_env(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def csv_from_env(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())


def choice_from_env(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    """One of `choices`, compared lower-case."""
    value = env.get(name, "").strip().lower() or default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def normalize_dsn(dsn: str) -> str:
    """Accept SQLAlchemy-style URLs (postgresql+psycopg://...) as agno users write them."""
    scheme, sep, rest = dsn.partition("://")
    if sep and scheme.startswith("postgresql+"):
        return "postgresql://" + rest
    return dsn
