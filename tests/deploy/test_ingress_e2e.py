"""The production topology end to end: a real nginx running containers/ingress/nginx.conf (addresses
rewritten to loopback ports), agno's AgentOS 3.1.10 under uvicorn (containers/agentos/app.py, with
agno's LocalMediaStorage), `session-svc serve` with AGNO_AGENTOS_URL, and one PostgreSQL seeded by
agno. agno's own client (agno.client.os.AgentOSClient) drives every session method through the
ingress and must get what it gets from AgentOS alone; with the service stopped, the ingress falls
back to AgentOS.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from .support import find_tool, free_port, run
from .topology import (
    NGINX_CONF,
    Process,
    nginx_workdir,
    rewrite_nginx_conf,
    seed_with_agno,
    start_agentos,
    start_nginx,
    start_session_service,
)

agno = pytest.importorskip("agno.client.os", reason="needs the contract extra (agno 3.1.10)")

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 256  # 64 KiB: more than nginx's in-memory proxy buffers
USER = "ingress-user"


@dataclass
class Topology:
    dsn: str
    media_dir: Path
    media_session: str
    media_key: str
    agentos: Process
    service: Process
    nginx: Process
    agentos_url: str
    service_url: str
    ingress_url: str


@pytest.fixture(scope="module")
def topology(pg_server_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    find_tool("nginx")
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(pg_server_dsn, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "deploy_ingress" WITH (FORCE)')
        conn.execute('CREATE DATABASE "deploy_ingress"')
    dsn = make_conninfo(pg_server_dsn, dbname="deploy_ingress")
    logs = tmp_path_factory.mktemp("ingress")
    media_dir = logs / "media"
    media_session, media_key = seed_with_agno(dsn, media_dir, sessions=12, user_id=USER, image=PNG)
    ports = {"agentos": free_port(), "service": free_port(), "ingress": free_port()}
    workdir = nginx_workdir()
    started: list[Process] = []
    try:
        agentos = start_agentos(dsn, ports["agentos"], logs, media_dir)
        started.append(agentos)
        agentos_url = f"http://127.0.0.1:{ports['agentos']}"
        # One worker: its /metrics then counts every request it answered (the routing test reads it).
        service = start_session_service(dsn, ports["service"], logs, agentos_url, AGNO_WORKERS="1")
        started.append(service)
        conf = workdir / "nginx.conf"
        conf.write_text(
            rewrite_nginx_conf(
                NGINX_CONF.read_text(),
                ingress=ports["ingress"],
                session=ports["service"],
                agentos=ports["agentos"],
                workdir=workdir,
            )
        )
        run([find_tool("nginx"), "-t", "-p", str(workdir), "-c", str(conf), "-g", f"pid {workdir}/nginx.pid;"])
        nginx = start_nginx(conf, workdir, ports["ingress"])
        started.append(nginx)
        yield Topology(
            dsn,
            media_dir,
            media_session,
            media_key,
            agentos,
            service,
            nginx,
            agentos_url,
            f"http://127.0.0.1:{ports['service']}",
            f"http://127.0.0.1:{ports['ingress']}",
        )
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def _served_by_us(topology: Topology) -> float:
    """Requests this service has answered so far (its own /metrics, scraped directly)."""
    _, _, body = _get(topology.service_url + "/metrics")
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.decode().splitlines()
        if line.startswith("agno_session_http_requests_total{") and 'route="/metrics"' not in line
    )


def _with_agno_client(scenario):
    """Run a coroutine of AgentOSClient calls on a fresh loop. The client shares one process-wide
    httpx.AsyncClient (agno/utils/http.py: get_default_async_client), bound to the loop that made
    it: close it before the loop goes, or the next test's loop inherits a dead one."""
    from agno.utils.http import aclose_default_clients

    async def wrapped():
        try:
            return await scenario()
        finally:
            await aclose_default_clients()

    return asyncio.run(wrapped())


def _dump(value):
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


# ---- routing ----


def test_nginx_accepts_the_config(topology: Topology):
    """`nginx -t` ran on the rewritten copy in the fixture; the shipped file differs only in the
    marked addresses, which the rewrite checked were all present."""
    assert topology.nginx.proc.poll() is None


def test_sessions_reach_this_service_and_the_rest_reaches_agentos(topology: Topology):
    before = _served_by_us(topology)
    status, _, _ = _get(topology.ingress_url + "/sessions?limit=1")
    assert status == 200
    assert _served_by_us(topology) == before + 1
    # Not under /sessions: AgentOS answers, this service never sees it.
    status, _, body = _get(topology.ingress_url + "/config")
    assert status == 200 and json.loads(body)["os_id"] == "agno-session-demo-os"
    status, _, _ = _get(topology.ingress_url + "/sessionsx")
    assert status == 404
    assert _served_by_us(topology) == before + 1


# ---- every session method of agno's client: through the ingress == AgentOS alone ----


def test_agno_client_reads_through_the_ingress_match_agentos(topology: Topology):
    from agno.client.os import AgentOSClient
    from agno.db.base import SessionType

    async def both(method: str, **kwargs):
        via = await getattr(AgentOSClient(topology.ingress_url), method)(**kwargs)
        direct = await getattr(AgentOSClient(topology.agentos_url), method)(**kwargs)
        return _dump(via), _dump(direct)

    async def scenario() -> int:
        compared = 0
        for kind in (None, SessionType.AGENT, SessionType.TEAM, SessionType.WORKFLOW):
            via, direct = (
                await both("get_sessions", session_type=kind, limit=50)
                if kind
                else await both("get_sessions", limit=50)
            )
            assert via == direct, kind
            compared += 1
            for session in direct["data"][:3] if kind else []:  # the unfiltered list names no type
                sid, stype = session["session_id"], kind
                via, direct_s = await both("get_session", session_id=sid, session_type=stype)
                assert via == direct_s, sid
                via, direct_runs = await both("get_session_runs", session_id=sid, session_type=stype)
                assert via == direct_runs, sid
                via, direct_p = await both("aget_session_run_previews", session_id=sid, session_type=stype)
                assert via == direct_p, sid
                for one_run in direct_runs[:1]:
                    via, direct_r = await both(
                        "get_session_run", session_id=sid, run_id=one_run["run_id"], session_type=stype
                    )
                    assert via == direct_r, (sid, one_run["run_id"])
                compared += 4
        # Filters and pages.
        for kwargs in (
            {"user_id": USER},
            {"session_name": "a"},
            {"limit": 3, "page": 2},
            {"sort_by": "updated_at", "sort_order": "asc"},
        ):
            via, direct = await both("get_sessions", **kwargs)
            assert via == direct, kwargs
            compared += 1
        return compared

    assert _with_agno_client(scenario) > 20


def test_agno_client_writes_through_the_ingress_match_agentos(topology: Topology):
    """Each write goes once through the ingress and once to AgentOS directly, on twin sessions."""
    from agno.client.os import AgentOSClient
    from agno.db.base import SessionType

    via, direct = AgentOSClient(topology.ingress_url), AgentOSClient(topology.agentos_url)

    def normalised(answer, session_id: str) -> dict:
        """The answer with the twin's own id and the write's wall-clock stamps taken out."""
        data = json.loads(json.dumps(_dump(answer)).replace(json.dumps(session_id), '"<twin>"'))
        return {k: v for k, v in data.items() if k not in ("created_at", "updated_at")}

    async def scenario() -> None:
        for kind, component in (
            (SessionType.AGENT, {"agent_id": "bench-agent-1"}),
            (SessionType.TEAM, {"team_id": "bench-team-0"}),
            (SessionType.WORKFLOW, {"workflow_id": "bench-workflow-0"}),
        ):
            ids = {}
            answers = {}
            for name, client in (("via", via), ("direct", direct)):
                created = await client.create_session(
                    session_type=kind,
                    session_id=f"e2e-{kind.value}-{name}",
                    user_id=USER,
                    session_name="twin",
                    session_state={"step": 1},
                    metadata={"origin": "e2e"},
                    **component,
                )
                sid = ids[name] = created.session_id
                answers[name] = [normalised(created, sid)]
                answers[name].append(normalised(await client.rename_session(sid, "renamed", session_type=kind), sid))
                answers[name].append(
                    normalised(
                        await client.update_session(
                            sid, session_type=kind, session_state={"step": 2}, metadata={"origin": "e2e", "n": 2}
                        ),
                        sid,
                    )
                )
                answers[name].append(normalised(await client.get_session(sid, session_type=kind), sid))
            assert answers["via"] == answers["direct"], kind
            # Delete one twin through the ingress, the other directly: both gone for both paths.
            await via.delete_session(ids["via"])
            await direct.delete_session(ids["direct"])
            for client in (via, direct):
                for sid in ids.values():
                    with pytest.raises(Exception, match="404|not found"):
                        await client.get_session(sid, session_type=kind)
        # Bulk delete through the ingress.
        for n in range(2):
            await via.create_session(
                session_type=SessionType.AGENT, session_id=f"e2e-bulk-{n}", user_id=USER, agent_id="bench-agent-1"
            )
        await via.delete_sessions(["e2e-bulk-0", "e2e-bulk-1"], [SessionType.AGENT, SessionType.AGENT])
        remaining = await direct.get_sessions(user_id=USER, limit=100)
        assert not {"e2e-bulk-0", "e2e-bulk-1"} & {s.session_id for s in remaining.data}

    _with_agno_client(scenario)


# ---- media: AgentOS's alone, passed through by this service (AGNO_AGENTOS_URL) ----


def test_media_through_the_ingress_matches_agentos(topology: Topology):
    path = f"/sessions/{topology.media_session}/media/{topology.media_key}"
    direct = _get(topology.agentos_url + path)
    assert direct[0] == 200 and direct[2] == PNG, "AgentOS itself must serve the stored image"
    via = _get(topology.ingress_url + path)
    assert via[0] == 200
    assert via[2] == direct[2]
    assert via[1]["content-type"] == direct[1]["content-type"]


def test_delete_media_through_the_ingress_removes_the_file(topology: Topology):
    stored = topology.media_dir / topology.media_key
    assert stored.exists()
    status, _, body = _get_delete(topology.ingress_url + f"/sessions/{topology.media_session}?delete_media=true")
    assert status == 204, body
    assert not stored.exists()
    assert _get(topology.agentos_url + f"/sessions/{topology.media_session}")[0] == 404


def _get_delete(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method="DELETE")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


# ---- fallback: this service down, AgentOS answers /sessions* (runs last: it stops the service) ----


def test_ingress_falls_back_to_agentos_when_the_service_is_down(topology: Topology):
    expected = _get(topology.agentos_url + "/sessions?limit=5")
    assert expected[0] == 200
    assert topology.service.stop() == 0, topology.service.log()
    for _ in range(3):  # the first request finds the refusal and retries; later ones skip the dead peer
        status, _, body = _get(topology.ingress_url + "/sessions?limit=5")
        assert (status, body) == (expected[0], expected[2])
    status, _, _ = _get(topology.ingress_url + "/sessions/no-such-session")
    assert status == 404
    # A write while the service is down is created by AgentOS (the request never reached the service,
    # so nginx may send it on), exactly once.
    request = urllib.request.Request(
        topology.ingress_url + "/sessions?type=agent",
        data=json.dumps({"session_id": "fallback-write", "agent_id": "bench-agent-1", "user_id": USER}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 201
    with psycopg.connect(topology.dsn) as conn:
        [(count,)] = conn.execute("SELECT count(*) FROM ai.agno_sessions WHERE session_id = 'fallback-write'")
    assert count == 1
    assert _get(topology.agentos_url + "/sessions/fallback-write?type=agent")[0] == 200
