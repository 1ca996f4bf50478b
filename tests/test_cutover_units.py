"""Unit-level checks of the cut-over pieces: settings, the upstream client (respx), the comparator's
bounds and the rules. The parity itself is tested against a real AgentOS in tests/test_cutover.py."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Coroutine
from typing import Any

import httpx
import pytest
import respx
from prometheus_client import CollectorRegistry

from session_svc.compare import Answer, Asked, compare
from session_svc.compare.live import LOG_BURST, LiveComparator, MismatchLog
from session_svc.compare.verdict import Verdict
from session_svc.settings import ConfigError, load_settings
from session_svc.upstream.client import Outgoing, TooLarge, Upstream, UpstreamError, outgoing
from session_svc.upstream.config import CutoverConfig

UPSTREAM = "http://127.0.0.1:7777"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"AGNO_AGENTOS_URL": "agentos:7777"}, "AGNO_AGENTOS_URL"),
        ({"AGNO_AGENTOS_URL": "ftp://agentos"}, "AGNO_AGENTOS_URL"),
        ({"AGNO_AGENTOS_URL": "http://agentos:77777"}, "AGNO_AGENTOS_URL"),
        ({"AGNO_AGENTOS_URL": "http://u:p@agentos"}, "AGNO_AGENTOS_URL"),
        ({"AGNO_AGENTOS_URL": "http://agentos?x=1"}, "AGNO_AGENTOS_URL"),
        ({"AGNO_AGENTOS_URL": UPSTREAM, "AGNO_COMPARE_MODE": "mirror"}, "AGNO_COMPARE_MODE"),
        ({"AGNO_COMPARE_MODE": "verify"}, "AGNO_COMPARE_MODE"),
        ({"AGNO_AGENTOS_URL": UPSTREAM, "AGNO_COMPARE_SAMPLE": "1.5"}, "AGNO_COMPARE_SAMPLE"),
        ({"AGNO_AGENTOS_URL": UPSTREAM, "AGNO_COMPARE_CONCURRENCY": "0"}, "AGNO_COMPARE_CONCURRENCY"),
        ({"AGNO_AGENTOS_URL": UPSTREAM, "AGNO_COMPARE_MAX_BYTES": "big"}, "AGNO_COMPARE_MAX_BYTES"),
        ({"AGNO_AGENTOS_URL": UPSTREAM, "AGNO_COMPARE_LOG_BODIES": "maybe"}, "AGNO_COMPARE_LOG_BODIES"),
        ({"AGNO_AGENTOS_URL": UPSTREAM, "AGNO_AGENTOS_TIMEOUT": "-1"}, "AGNO_AGENTOS_TIMEOUT"),
    ],
)
def test_bad_cutover_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings(env)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"AGNO_AGENTOS_URL": "agentos:7777"}, "AGNO_AGENTOS_URL"),
        ({"AGNO_AGENTOS_URL": UPSTREAM, "AGNO_COMPARE_MODE": "on"}, "AGNO_COMPARE_MODE"),
    ],
)
def test_bad_cutover_setting_stops_serve_with_one_line(env: dict[str, str], variable: str) -> None:
    full = {**os.environ, "AGNO_PG_DSN": "postgresql://127.0.0.1:1/x", **env}
    done = subprocess.run(
        [sys.executable, "-m", "session_svc", "serve"],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], done.stderr


def test_defaults_keep_todays_behaviour() -> None:
    assert load_settings({}).cutover == CutoverConfig()
    loaded = load_settings({"AGNO_AGENTOS_URL": "http://agentos:7777/", "AGNO_COMPARE_MODE": "Shadow"}).cutover
    assert (loaded.agentos_url, loaded.mode, loaded.sample, loaded.concurrency) == (
        "http://agentos:7777",
        "shadow",
        1.0,
        4,
    )


def test_no_upstream_no_httpx_import() -> None:
    code = "import sys; from session_svc.app import create_app; from session_svc.settings import load_settings; " \
           "create_app(load_settings({})); print('httpx' in sys.modules)"  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert done.stdout.strip() == "False"


# -- the upstream client -------------------------------------------------------------------------------


def _scope(headers: list[tuple[bytes, bytes]], client: str = "10.0.0.5") -> dict:
    return {"type": "http", "method": "GET", "path": "/sessions/a b", "raw_path": b"/sessions/a%20b",
            "query_string": b"x=%ff", "headers": headers, "scheme": "https", "client": (client, 1)}  # fmt: skip


def test_outgoing_drops_hop_by_hop_and_sets_forwarded_headers() -> None:
    headers = [
        (b"host", b"api.example"), (b"authorization", b"Bearer t"), (b"connection", b"keep-alive, x-private"),
        (b"x-private", b"1"), (b"te", b"trailers"), (b"x-forwarded-for", b"6.6.6.6"), (b"accept", b"*/*"),
    ]  # fmt: skip
    out = outgoing(_scope(headers), "10.0.0.5", trusted_peer=False)
    assert out.raw_path == b"/sessions/a%20b" and out.query_string == b"x=%ff"
    assert out.headers == [
        (b"authorization", b"Bearer t"), (b"accept", b"*/*"), (b"x-forwarded-for", b"10.0.0.5"),
        (b"x-forwarded-proto", b"https"), (b"x-forwarded-host", b"api.example"),
    ]  # fmt: skip
    trusted = outgoing(_scope(headers + [(b"x-forwarded-proto", b"http")]), "10.0.0.5", trusted_peer=True)
    assert (b"x-forwarded-for", b"6.6.6.6, 10.0.0.5") in trusted.headers
    assert (b"x-forwarded-proto", b"http") in trusted.headers


def _run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


@respx.mock
def test_fetch_refuses_bodies_over_the_limit_and_maps_failures() -> None:
    upstream = Upstream(CutoverConfig(agentos_url=UPSTREAM + "/os", agentos_timeout=1))
    out = Outgoing("GET", b"/sessions/s", b"a=1", [(b"authorization", b"Bearer t")])
    respx.get(UPSTREAM + "/os/sessions/s?a=1").mock(return_value=httpx.Response(200, content=b"x" * 100))
    respx.get(UPSTREAM + "/os/sessions/slow").mock(side_effect=httpx.ReadTimeout("slow"))
    respx.get(UPSTREAM + "/os/sessions/down").mock(side_effect=httpx.ConnectError("refused"))

    async def scenario() -> None:
        await upstream.open()
        try:
            answer = await upstream.fetch(out, 100)
            assert answer == Answer(200, None, b"x" * 100)
            assert respx.calls.last.request.headers["authorization"] == "Bearer t"
            with pytest.raises(TooLarge):
                await upstream.fetch(out, 99)
            with pytest.raises(UpstreamError) as timed_out:
                await upstream.fetch(Outgoing("GET", b"/sessions/slow", b"", []), 100)
            assert timed_out.value.error.status == 504
            with pytest.raises(UpstreamError) as down:
                await upstream.fetch(Outgoing("GET", b"/sessions/down", b"", []), 100)
            assert down.value.error.status == 502 and "127.0.0.1" not in down.value.error.detail
        finally:
            await upstream.close()

    _run(scenario())


# -- the comparator's bounds -----------------------------------------------------------------------------


def test_overflow_is_skipped_never_queued() -> None:
    comparator = LiveComparator(
        CutoverConfig(agentos_url=UPSTREAM, mode="verify", concurrency=2),
        Upstream(CutoverConfig(agentos_url=UPSTREAM)),
        CollectorRegistry(),
    )
    assert comparator.take("/sessions") and comparator.take("/sessions")
    assert not comparator.take("/sessions")
    assert comparator.metrics.total.labels("/sessions", "skipped")._value.get() == 1
    comparator.release()
    assert comparator.take("/sessions")


def test_mismatch_lines_are_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = MismatchLog(log_bodies=True, clock=lambda: now[0])
    asked = Asked("/sessions/{session_id}", "/sessions/s", "type=agent")
    verdict = Verdict("mismatch", "$.session_name", "a" * 500, "b")
    with caplog.at_level("WARNING", logger="session_svc.compare"):
        for _ in range(LOG_BURST + 5):
            log.write(asked, verdict, Answer(200, "application/json", b"{}"), Answer(200, "application/json", b"[]"))
        assert len(caplog.records) == LOG_BURST
        now[0] = 61.0
        log.write(asked, verdict, Answer(200, None, b"{}"), Answer(200, None, b"[]"))
    fields = caplog.records[-1].fields  # type: ignore[attr-defined]
    assert fields["suppressed_since_last"] == 5 and len(fields["agentos"]) == 200
    assert fields["json_path"] == "$.session_name" and fields["ours_body"] == "[]"


# -- the rules --------------------------------------------------------------------------------------------


def _json(status: int, body: object) -> Answer:
    return Answer(status, "application/json", json.dumps(body).encode())


def test_declared_differences_match_and_others_do_not() -> None:
    lists = Asked("/sessions", "/sessions", "page=0")
    page_zero = _json(
        422,
        {
            "detail": [
                {"type": "greater_than_equal", "loc": ["query", "page"], "msg": "m", "input": "0", "ctx": {"ge": 1}}
            ]
        },
    )
    assert compare(lists, _json(500, {"detail": "Internal server error (ValueError)"}), page_zero).rule == "page-zero"
    assert not compare(lists, _json(500, {"detail": "Internal server error (KeyError)"}), page_zero).matched
    detail = Asked("/sessions/{session_id}", "/sessions/s", "")
    a = {"chat_history": [{"id": "2b0fbbd7-2b8c-4a3f-9d6c-111111111111", "content": "hi"}]}
    o = {"chat_history": [{"id": "9a4d5b9e-1c2b-5d3e-8f4a-222222222222", "content": "hi"}]}
    assert compare(detail, _json(200, a), _json(200, o)).rule == "stable-message-ids"
    o["chat_history"][0]["content"] = "hello"
    verdict = compare(detail, _json(200, a), _json(200, o))
    assert (verdict.outcome, verdict.path, verdict.agentos, verdict.ours) == (
        "mismatch",
        "$.chat_history[0].content",
        "hi",
        "hello",
    )
    ties = Asked("/sessions", "/sessions", "")
    rows = [{"session_id": s, "created_at": "2026-01-01T00:00:00Z"} for s in ("a", "b")]
    meta = {"page": 1, "limit": 20, "total_pages": 1, "total_count": 2}
    assert (
        compare(ties, _json(200, {"data": rows, "meta": meta}), _json(200, {"data": rows[::-1], "meta": meta})).rule
        == "tie-breaker"
    )
    assert compare(detail, _json(200, {"a": 1}), Answer(200, "text/plain", b'{"a": 1}')).path == "content-type"
    keyset = Asked("/sessions", "/sessions", "cursor=&limit=2")
    assert compare(keyset, _json(200, {"data": [1]}), _json(200, {"data": [2]})).rule == "cursor-extension"
    assert compare(detail, _json(200, {"a": 1, "b": 2}), _json(200, {"b": 2, "a": 1})).path == "$ (keys)"


@respx.mock
def test_agentos_disagreeing_with_itself_is_noise_and_oversized_is_skipped() -> None:
    config = CutoverConfig(agentos_url=UPSTREAM, mode="verify", max_bytes=64)
    upstream = Upstream(config)
    comparator = LiveComparator(config, upstream, CollectorRegistry())
    route = "/sessions/{session_id}"
    ours = _json(200, {"n": 0})
    respx.get(UPSTREAM + "/sessions/flaky").mock(side_effect=[_response({"n": 1}), _response({"n": 2})])
    respx.get(UPSTREAM + "/sessions/steady").mock(return_value=_response({"n": 1}))
    respx.get(UPSTREAM + "/sessions/same").mock(return_value=_response({"n": 0}))
    respx.get(UPSTREAM + "/sessions/big").mock(return_value=_response({"n": "x" * 100}))

    async def scenario() -> None:
        await upstream.open()
        try:
            for name in ("flaky", "steady", "same", "big"):
                out = Outgoing("GET", f"/sessions/{name}".encode(), b"", [])
                await comparator.verify(Asked(route, f"/sessions/{name}", ""), out, ours, 0.001)
        finally:
            await upstream.close()

    _run(scenario())
    counted = {
        o: comparator.metrics.total.labels(route, o)._value.get() for o in ("noise", "mismatch", "match", "skipped")
    }
    assert counted == {"noise": 1, "mismatch": 1, "match": 1, "skipped": 1}


def _response(body: object) -> httpx.Response:
    """The bytes `_json` makes: the comparison is byte-exact where no declared difference applies."""
    return httpx.Response(200, content=json.dumps(body).encode(), headers={"content-type": "application/json"})
