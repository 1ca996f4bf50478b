"""JSON encoding of responses and of jsonb values we write.

orjson's output matches pydantic-core's (what FastAPI 0.165 emits for response models) byte for
byte, floats included (1e+20, 1.5e-7, 0.00001), and it is the fastest encoder available. It refuses
integers wider than 64 bits, which jsonb can hold (docs/contract.md, Wire format: 1e20 stored reads back as
100000000000000000000); those are rare, so they take a slower path that writes them as fragments.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_orjson_dumps = orjson.dumps
_Fragment = orjson.Fragment


def dumps(obj: Any) -> bytes:
    try:
        return _orjson_dumps(obj)
    except TypeError as exc:
        if "Recursion limit" in str(exc):
            # orjson stops at 254 levels; agno's own writers never nest that deep, but a database
            # may hold anything, and an answer beats a 500 (floats may then print as Python does).
            return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        return _orjson_dumps(_wide_ints_as_fragments(obj))


def _wide_ints_as_fragments(obj: Any) -> Any:
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, int):
        if -(2**63) <= obj < 2**64:
            return obj
        return _Fragment(str(obj).encode())
    if isinstance(obj, dict):
        return {key: _wide_ints_as_fragments(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_wide_ints_as_fragments(value) for value in obj]
    return obj


def utf8_encodable(s: str) -> bool:
    """Whether `s` can be written as UTF-8 (False for lone surrogates, which JSON escapes allow)."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
