"""What agno strips before PostgreSQL sees a value (contract §5.5), and the NUL test for lookups.

agno removes `[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]` from every string inside the jsonb values
it writes (PostgreSQL's text and jsonb cannot hold NUL). It leaves dict keys alone, so a NUL in a key
is a 500 there; here keys lose their NULs and nothing else, so they are stored as agno stores them.
"""

from __future__ import annotations

import re
from typing import Any

_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_sub = _INVALID.sub


def clean_text(value: str) -> str:
    return _sub("", value) if _INVALID.search(value) else value


def clean_json(value: Any) -> Any:
    """A copy of a JSON value with the characters agno strips removed from every string."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean_key(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    return value


def _clean_key(key: Any) -> Any:
    # agno leaves keys alone (so do we, to store what it stores) except NUL, which PostgreSQL refuses.
    return key.replace("\x00", "") if isinstance(key, str) and "\x00" in key else key


def has_nul(*values: str | None) -> bool:
    """Whether any value holds NUL: such an id or filter cannot match anything stored."""
    return any(value is not None and "\x00" in value for value in values)
