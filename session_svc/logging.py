"""Structured logs: every line on stderr is one JSON object, through stdlib `logging`.

    {"time":"2026-11-29T07:10:00.123Z","level":"INFO","logger":"session_svc.access",
     "message":"GET /sessions 200","request_id":"...","method":"GET",...}

* The request id of the request being served (a context variable set by the request middleware)
  is added to every line logged while that request runs, from any logger.
* Structured fields travel in `extra={"fields": {...}}` and become top-level keys.
* An exception's type and traceback go into the same line (`error`, `traceback`): a log shipper
  never has to stitch multi-line tracebacks together.
* `AGNO_LOG_LEVEL` sets the root level; hypercorn's error log is routed through the same handler.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
import sys
import traceback
from typing import Any

import orjson

# The id of the request the current task serves; "" outside requests (start-up, pool workers).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("agno_request_id", default="")

# Record attributes that are not extra fields; uvicorn's `color_message` is its console-only copy
# of the message (with ANSI codes).
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """One compact JSON object per record; never raises on odd values (they are str()-ed)."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _time(self, created: float) -> str:
        # One access line per request: the date part is formatted once per second, not per line.
        second = int(created)
        if second != self._second:
            moment = datetime.datetime.fromtimestamp(second, datetime.UTC)
            self._second, self._second_text = second, moment.strftime("%Y-%m-%dT%H:%M:%S.")
        return f"{self._second_text}{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            line["request_id"] = request_id
        attrs = record.__dict__
        fields = attrs.get("fields")
        if isinstance(fields, dict):
            line.update(fields)
        # Plain `extra={...}` keys are kept too (libraries use them), in the order they were given.
        extra = attrs.keys() - _STANDARD_ATTRS
        extra.discard("fields")
        if extra:
            for key, value in attrs.items():
                if key in extra and key not in line:
                    line[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            line["traceback"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return orjson.dumps(line, default=str).decode("utf-8")


class _JsonLinesHandler(logging.StreamHandler[Any]):
    """The handler configure_logging installs, told apart so that a second call replaces it."""


def configure_logging(level: str = "INFO", stream: Any = None) -> logging.Handler:
    """Send every logger's records, as JSON lines, to `stream` (stderr); idempotent."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _JsonLinesHandler):
            root.removeHandler(handler)
    handler = _JsonLinesHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # Records need no caller file/line (the JSON line never shows them): skip logging's stack walk.
    logging._srcfile = None
    # psycopg_pool logs every checkout at INFO; keep its warnings (failed reconnects) only.
    logging.getLogger("psycopg.pool").setLevel(max(logging.WARNING, root.level))
    return handler
