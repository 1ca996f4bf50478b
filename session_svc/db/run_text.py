"""A session's runs as the run statements return them: each run's JSON text, joined by RS.

sql/get_session.sql, get_session_detail.sql and get_session_for_previews.sql aggregate each run's
text with `string_agg(..., E'\\x1e')` rather than `json_agg`: PostgreSQL then only concatenates the
texts it has to write anyway (json_agg re-scans and re-copies every value: 62 against 52 ms of
PostgreSQL time, EXPLAIN ANALYZE SERIALIZE, on bench/big.py's 1,000-run session). RS (U+001E) can
never occur in that text unescaped - jsonb's output escapes every control character (tested in
tests/test_run_text.py) - so one `str.split` finds the runs' boundaries, and a big session is
decoded one run at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import msgspec

SEPARATOR = "\x1e"

# jsonb text decodes as the pools decode jsonb (database.py: _json_decode): msgspec keeps the key
# order and integers wider than 64 bits.
decode_json: Callable[[str | bytes], Any] = msgspec.json.Decoder().decode


def decoded(text: str) -> list[Any]:
    return [decode_json(item) for item in text.split(SEPARATOR)]


def iter_decoded(text: str) -> Iterator[Any]:
    """One run at a time, so a big session is never held decoded at once."""
    return (decode_json(item) for item in text.split(SEPARATOR))
