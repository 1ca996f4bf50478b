"""`GET /metrics`: request counters and latency by route template, and the per-database pool gauges."""

from __future__ import annotations

from conftest import app_client


def test_metrics_exposition(pg_dsn: str) -> None:
    with app_client({"AGNO_PG_DSN": pg_dsn}) as client:
        client.get("/sessions/one")
        client.get("/sessions/two")
        client.get("/no/such/path")
        for method in ("BREW", "PROPFIND"):  # any token is a method to the server: one label for all
            client.request(method, "/sessions/one")
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'agno_session_http_requests_total{method="GET",route="/sessions/{session_id}",status="404"} 2.0' in text
    assert 'agno_session_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert 'agno_session_http_requests_total{method="OTHER",route="/sessions/{session_id}",status="405"} 2.0' in text
    assert "BREW" not in text and "PROPFIND" not in text
    assert (
        'agno_session_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/sessions/{session_id}",status="404"}'
        in text
    )
    for name in ("pool_size", "pool_in_use", "pool_idle", "pool_max", "pool_waiting"):
        assert f'agno_session_db_{name}{{db_id="default",pool="primary"}}' in text
    assert 'agno_session_db_pool_max{db_id="default",pool="primary"} 10.0' in text
    assert 'agno_session_db_errors_total{db_id="default",kind="unavailable",pool="primary"} 0.0' in text
