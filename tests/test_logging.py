"""JSON log lines: the formatter, one access line per request, and the log settings' checks."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from conftest import app_client

from session_svc.logging import JsonFormatter, request_id_var
from session_svc.settings import ConfigError, load_settings


def test_json_formatter_puts_request_id_fields_and_traceback_in_one_line() -> None:
    record_logger = logging.getLogger("session_svc.test")
    formatter = JsonFormatter()
    token = request_id_var.set("rid-1")
    try:
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            record = record_logger.makeRecord(
                "session_svc.test",
                logging.ERROR,
                __file__,
                1,
                "failed %s",
                ("here",),
                exc_info=__import__("sys").exc_info(),
                extra={"fields": {"db_id": "main"}},
            )
    finally:
        request_id_var.reset(token)
    token = request_id_var.set("rid-1")
    try:
        text = formatter.format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in text
    line = json.loads(text)
    assert line["level"] == "ERROR" and line["message"] == "failed here" and line["request_id"] == "rid-1"
    assert line["db_id"] == "main" and line["error"] == "ValueError"
    assert "Traceback" in line["traceback"] and "boom\nsecond line" in line["traceback"]
    assert line["time"].endswith("Z")


def test_access_log_line_per_request(log_lines: Callable[[], list[dict[str, Any]]], pg_dsn: str) -> None:
    with app_client({"AGNO_PG_DSN": pg_dsn}) as client:
        client.get("/sessions/abc/runs/", params={"db_id": "default"}, headers={"X-Request-ID": "log-1"})
    access = [line for line in log_lines() if line["logger"] == "session_svc.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "log-1"
    assert line["method"] == "GET" and line["status"] == 404
    assert line["route"] == "/sessions/{session_id}/runs" and line["path"] == "/sessions/abc/runs/"
    assert line["db_id"] == "default" and line["client_ip"] == "testclient"
    assert line["response_bytes"] > 0 and line["duration_ms"] >= 0


def test_log_level_and_bad_values_are_checked() -> None:
    assert load_settings({"AGNO_LOG_LEVEL": "warn"}).log_level == "WARNING"
    with pytest.raises(ConfigError, match="AGNO_LOG_LEVEL"):
        load_settings({"AGNO_LOG_LEVEL": "chatty"})
    with pytest.raises(ConfigError, match="AGNO_TRUSTED_PROXIES"):
        load_settings({"AGNO_TRUSTED_PROXIES": "10.0.0.0/8,not-an-ip"})
    with pytest.raises(ConfigError, match="AGNO_SHUTDOWN_DELAY"):
        load_settings({"AGNO_SHUTDOWN_DELAY": "-1"})
    assert load_settings({}).server == "hypercorn" and load_settings({"AGNO_SERVER": " Uvicorn "}).server == "uvicorn"
    with pytest.raises(ConfigError, match="AGNO_SERVER must be one of hypercorn, uvicorn, got 'granian'"):
        load_settings({"AGNO_SERVER": "granian"})
    settings = load_settings({"AGNO_REQUEST_TIMEOUT": "10", "CORS_ORIGIN_LIST": '["https://a.example", "*"]'})
    assert settings.statement_timeout == 15 and settings.cors_origins == ("https://a.example", "*")
    assert load_settings({"AGNO_PG_STATEMENT_TIMEOUT": "0"}).statement_timeout == 0
