"""Per-request CPU budget of our app, measured in-process (no HTTP server, no sockets to the client).

A wall-clock profile on a shared 2-core machine charges time spent runnable-but-not-running to the
frame after a syscall (socket writes, libpq sends), so this complements py-spy with CPU time
(`time.process_time`) of each phase on the same seeded rows:

* `app`: the whole ASGI app (middleware, routing, validation, one query, render, encode),
* `db`: the query function alone (pool checkout, round trip, jsonb decode, legacy-runs merge),
* `render`: the pure renderer on a row already fetched,
* `encode`: JSON encoding of the rendered body.

`server + socket` is then what the wrk runs measured per request minus `app`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any


async def _call(app: Any, path: str, query: str) -> tuple[int, bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"bench")], "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8080), "state": {},
    }  # fmt: skip
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    status, body = 0, bytearray()

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


def _per_call_us(fn: Any, n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        fn()
    return 1e6 * (time.process_time() - start) / n


async def _async_per_call_us(fn: Any, n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        await fn()
    return 1e6 * (time.process_time() - start) / n


async def measure(dsn: str, session_ids: list[str], n: int = 400) -> dict[str, dict[str, float]]:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from support.asgi import Lifespan

    from session_svc import render
    from session_svc.app import create_app
    from session_svc.db import listing
    from session_svc.db import sessions as queries
    from session_svc.jsonenc import dumps
    from session_svc.settings import load_settings

    app = create_app(load_settings({"AGNO_PG_DSN": dsn, "AGNO_LOG_LEVEL": "WARNING"}))
    lifespan = Lifespan(app)
    await lifespan.start()
    out: dict[str, dict[str, float]] = {}
    try:
        ids = session_ids[:50]
        k = 0

        def next_id() -> str:
            nonlocal k
            k += 1
            return ids[k % len(ids)]

        async def detail_app() -> None:
            status, _ = await _call(app, f"/sessions/{next_id()}", "type=agent")
            assert status == 200, status

        async def list_app() -> None:
            status, _ = await _call(app, "/sessions", "type=agent&limit=20")
            assert status == 200, status

        async def health_app() -> None:
            status, _ = await _call(app, "/health", "")
            assert status == 200, status

        for warm in (detail_app, list_app, health_app):
            await _async_per_call_us(warm, 50)
        db = await app.state.registry.resolve(None, None)
        await db.ensure_facts()

        async def detail_db() -> None:
            queries.decode_runs(await queries.get_session_detail(db, next_id(), None))

        page_args = {
            "session_type": "agent", "component_id": None, "user_id": None, "session_name": None,
            "sort_by": "created_at", "descending": True, "limit": 20, "offset": 0,
        }  # fmt: skip

        async def list_db() -> None:
            await listing.list_sessions(db, **page_args)

        rows = [queries.decode_runs(await queries.get_session_detail(db, sid, None)) for sid in ids]
        page, _, _ = await listing.list_sessions(db, **page_args)
        detail_bodies = [render.session_detail(r, "agent", keep_nulls=False) for r in rows]
        list_body = {
            "data": [render.list_item(r) for r in page],
            "meta": {
                "page": 1,
                "limit": 20,
                "total_pages": 1,
                "total_count": 1,
                "search_time_ms": 0.0,
            },
        }
        j = 0

        def detail_render() -> None:
            nonlocal j
            j += 1
            render.session_detail(rows[j % len(rows)], "agent", keep_nulls=False)

        def detail_encode() -> None:
            nonlocal j
            j += 1
            dumps(detail_bodies[j % len(detail_bodies)])

        health_us = await _async_per_call_us(health_app, n)
        ceiling_us = await _ceiling_us(dsn, ids, n)
        out["detail"] = {
            "app_us": await _async_per_call_us(detail_app, n),
            "db_us": await _async_per_call_us(detail_db, n),
            "render_us": _per_call_us(detail_render, n),
            "encode_us": _per_call_us(detail_encode, n),
            "body_bytes": sum(len(dumps(b)) for b in detail_bodies) / len(detail_bodies),
            "health_us": health_us,
            "ceiling_us": ceiling_us,
        }
        out["list"] = {
            "app_us": await _async_per_call_us(list_app, n // 2),
            "db_us": await _async_per_call_us(list_db, n // 2),
            "render_us": _per_call_us(lambda: [render.list_item(r) for r in page], n // 2),
            "encode_us": _per_call_us(lambda: dumps(list_body), n // 2),
            "body_bytes": len(dumps(list_body)),
            "health_us": health_us,
        }
    finally:
        await lifespan.stop()
    return out


async def _ceiling_us(dsn: str, ids: list[str], n: int) -> float:
    """The pass-through endpoint (bench/ceiling.py) in-process, for the same sessions."""
    import os

    os.environ.setdefault("AGNO_PG_DSN", dsn)
    from support.asgi import Lifespan

    from bench import ceiling

    lifespan = Lifespan(ceiling.app)
    await lifespan.start()
    try:
        k = 0

        async def one() -> None:
            nonlocal k
            k += 1
            status, _ = await _call(ceiling.app, f"/sessions/{ids[k % len(ids)]}", "")
            assert status == 200, status

        await _async_per_call_us(one, 50)
        return await _async_per_call_us(one, n)
    finally:
        await lifespan.stop()


def table(budget: dict[str, dict[str, float]], server_cpu_ms: dict[str, float | None]) -> str:
    lines = [
        "| workload | app in-process µs | of which db | render | encode | rest (middleware, routing, validation) | GET /health in-process µs | pass-through in-process µs | server CPU/req from wrk µs | server + socket µs | body bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, b in budget.items():
        rest = b["app_us"] - b["db_us"] - b["render_us"] - b["encode_us"]
        total = server_cpu_ms.get(name)
        total_us = total * 1000 if total is not None else None
        server = f"{total_us - b['app_us']:,.0f}" if total_us is not None else "–"
        ceiling = f"{b['ceiling_us']:,.0f}" if "ceiling_us" in b else "–"
        lines.append(
            f"| {name} | {b['app_us']:,.0f} | {b['db_us']:,.0f} | {b['render_us']:,.0f} | {b['encode_us']:,.0f} | {rest:,.0f} | {b['health_us']:,.0f} | {ceiling} | "
            f"{f'{total_us:,.0f}' if total_us is not None else '–'} | {server} | {b['body_bytes']:,.0f} |"
        )
    return "\n".join(lines) + "\n"
