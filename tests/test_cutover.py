"""Cutting over from AgentOS: pass-through, live comparison (shadow, verify) and `session-svc compare`,
against a real AgentOS 3.1.10 served by uvicorn (bench/agentos_app.py) over the same PostgreSQL,
with agno's LocalMediaStorage, and a real `session-svc serve` process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from conftest import create_database
from contract.conftest import agno_available
from support.delay_proxy import DelayProxy
from support.server import ServedApp, free_port

if not agno_available():
    if os.environ.get("CI") == "true":
        raise ImportError("agno is not importable but CI=true: install the `contract` extra")
    pytest.skip("agno not installed: pip install -e '.[contract]'", allow_module_level=True)

pytestmark = [pytest.mark.contract, pytest.mark.slow]

TESTS = Path(__file__).parent
KEY = "cutover-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
MEDIA = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 512  # ~128 KiB: several chunks through the proxy
CHANGED_NAME = "renamed only in database b"


# -- fixtures -----------------------------------------------------------------------------------------


def _media_session(db, media_dir: Path, session_id: str) -> str:
    """A session whose run holds an image offloaded to LocalMediaStorage, as agno's media offload
    leaves it (agno/utils/media_offload.py: _attach_reference); returns its storage key."""
    from agno.media import Image
    from agno.media.reference import MediaReference
    from agno.run.agent import RunInput, RunOutput
    from agno.session import AgentSession

    key = f"{session_id}/picture.png"
    (media_dir / session_id).mkdir(parents=True, exist_ok=True)
    (media_dir / key).write_bytes(MEDIA)
    ref = MediaReference(
        media_id=f"{session_id}-img", storage_key=key, session_id=session_id, storage_backend="local",
        bucket=str(media_dir.resolve()), mime_type="image/png", size=len(MEDIA), media_type="image",
    )  # fmt: skip
    image = Image(id=f"{session_id}-img", media_reference=ref)
    run = RunOutput(
        run_id=f"{session_id}-r0", agent_id="bench-agent-0", session_id=session_id, user_id="user-media",
        input=RunInput(input_content="look", images=[image]), content="a picture", images=[image], created_at=1_780_000_000,
    )  # fmt: skip
    session = AgentSession(
        session_id=session_id, agent_id="bench-agent-0", user_id="user-media", session_data={"session_name": "media"},
        created_at=1_780_000_000, updated_at=1_780_000_100,
    )  # fmt: skip
    db.upsert_sessions([session], preserve_updated_at=True)
    db.upsert_run(run, session_id=session_id, user_id="user-media", run_index=0)
    return key


class Seeded:
    def __init__(self, dsn_a: str, dsn_b: str, media_dir: Path, media_keys: dict[str, str], changed: str):
        self.dsn_a, self.dsn_b, self.media_dir, self.media_keys, self.changed = (
            dsn_a,
            dsn_b,
            media_dir,
            media_keys,
            changed,
        )
        with psycopg.connect(dsn_a) as conn:
            self.sessions = conn.execute(
                "SELECT session_id, session_type FROM ai.agno_sessions WHERE session_id NOT LIKE 'media-%%'"
                " AND session_id NOT LIKE 'bench-write-%%' ORDER BY session_id"
            ).fetchall()
            self.runs = dict(
                conn.execute("SELECT session_id, min(run_id) FROM ai.agno_runs GROUP BY session_id").fetchall()
            )

    def session_targets(self) -> list[str]:
        """Every per-session GET route, for every seeded session."""
        out = []
        for session_id, kind in self.sessions:
            out += [
                f"/sessions/{session_id}?type={kind}",
                f"/sessions/{session_id}/runs?type={kind}",
                f"/sessions/{session_id}/run-previews?type={kind}",
            ]
            if session_id in self.runs:
                out.append(f"/sessions/{session_id}/runs/{self.runs[session_id]}?type={kind}")
        return out

    def list_targets(self) -> list[str]:
        return [
            "/sessions",
            "/sessions?type=team",
            "/sessions?type=workflow",
            "/sessions?limit=3&page=2",
            "/sessions?sort_by=updated_at&sort_order=asc",
            "/sessions?sort_by=user_id",
            "/sessions?sort_by=bogus",
            "/sessions?page=0",
            "/sessions/no-such-session",
        ]


@pytest.fixture(scope="module")
def seeded(pg_server_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    from agno.db.postgres import PostgresDb
    from contract.dsn import sqlalchemy_url

    from bench.seed import seed

    media_dir = tmp_path_factory.mktemp("media")
    dsn_a = create_database(pg_server_dsn, "cutover_a")
    db = PostgresDb(id="bench-db", db_url=sqlalchemy_url(dsn_a), db_schema="ai")
    seed(db, 9)
    keys = {sid: _media_session(db, media_dir, sid) for sid in ("media-get", "media-del", "media-bulk")}
    db.db_engine.dispose()
    with psycopg.connect(dsn_a) as conn:
        changed = conn.execute(
            "SELECT session_id FROM ai.agno_sessions WHERE session_type = 'agent' AND session_id LIKE 'bench-%%'"
            " AND session_id NOT LIKE 'bench-write-%%' ORDER BY session_id LIMIT 1"
        ).fetchone()[0]
    with psycopg.connect(pg_server_dsn, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "cutover_b" WITH (FORCE)')
        conn.execute('CREATE DATABASE "cutover_b" TEMPLATE "cutover_a"')
    dsn_b = psycopg.conninfo.make_conninfo(dsn_a, dbname="cutover_b")
    with psycopg.connect(dsn_b, autocommit=True) as conn:
        conn.execute(
            "UPDATE ai.agno_sessions SET session_data = jsonb_set(session_data, '{session_name}', to_jsonb(%s::text))"
            " WHERE session_id = %s",
            (CHANGED_NAME, changed),
        )
    return Seeded(dsn_a, dsn_b, media_dir, keys, changed)


class AgentOSProcess:
    """bench/agentos_app.py (AgentOS 3.1.10 under uvicorn) in its own process group."""

    def __init__(self, dsn: str, media_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "AGNO_PG_DSN": dsn, "AGENTOS_MEDIA_DIR": str(media_dir), "OS_SECURITY_KEY": KEY,
               "AGNO_TELEMETRY": "false"}  # fmt: skip
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process, closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, str(TESTS.parent / "bench" / "agentos_app.py"), str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"AgentOS exited: {self.log.read().decode()[-3000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("AgentOS did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


@pytest.fixture(scope="module")
def agentos_a(seeded: Seeded) -> Iterator[AgentOSProcess]:
    server = AgentOSProcess(seeded.dsn_a, seeded.media_dir)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def agentos_b(seeded: Seeded) -> Iterator[AgentOSProcess]:
    server = AgentOSProcess(seeded.dsn_b, seeded.media_dir)
    yield server
    server.stop()


def ours(dsn: str, agentos_url: str, **env: str) -> ServedApp:
    return ServedApp(
        dsn,
        env={"AGNO_AGENTOS_URL": agentos_url, "OS_SECURITY_KEY": KEY, "AGNO_LOG_LEVEL": "INFO",
             "AGNO_COMPARE_SAMPLE": "1", "AGNO_COMPARE_CONCURRENCY": "32", **env},
    )  # fmt: skip


@pytest.fixture(scope="module")
def verifying(seeded: Seeded, agentos_a: AgentOSProcess) -> Iterator[ServedApp]:
    with ours(seeded.dsn_a, agentos_a.url, AGNO_COMPARE_MODE="verify") as server:
        yield server


def compare_counts(server: ServedApp) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith("agno_session_compare_total{"):
            labels, value = line[len("agno_session_compare_total{") :].rsplit("} ", 1)
            fields = dict(part.split("=", 1) for part in labels.split(","))
            counts[(fields["route"].strip('"'), fields["outcome"].strip('"'))] += int(float(value))
    return counts


def wait_for_counts(server: ServedApp, total: int, timeout: float = 30) -> Counter[tuple[str, str]]:
    deadline = time.monotonic() + timeout
    while True:
        counts = compare_counts(server)
        if sum(counts.values()) >= total or time.monotonic() > deadline:
            return counts
        time.sleep(0.1)


def outcomes(counts: Counter[tuple[str, str]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for (_, outcome), n in counts.items():
        out[outcome] += n
    return out


def log_lines(server: ServedApp, logger: str) -> list[dict]:
    lines = []
    for text in Path(server._log.name).read_text(errors="replace").splitlines():
        if text.startswith("{"):
            record = json.loads(text)
            if record.get("logger") == logger:
                lines.append(record)
    return lines


def same(a: httpx.Response, b: httpx.Response) -> None:
    assert (a.status_code, a.headers.get("content-type"), a.content) == (
        b.status_code,
        b.headers.get("content-type"),
        b.content,
    )


# -- pass-through ------------------------------------------------------------------------------------


def test_media_route_passes_through(seeded: Seeded, agentos_a: AgentOSProcess, verifying: ServedApp) -> None:
    path = f"/sessions/media-get/media/{seeded.media_keys['media-get']}"
    direct = httpx.get(agentos_a.url + path, headers=AUTH)
    via = httpx.get(verifying.url + path, headers=AUTH)
    assert direct.status_code == 200 and direct.content == MEDIA
    same(direct, via)
    assert via.headers["content-type"] == "image/png" and via.headers["x-content-type-options"] == "nosniff"
    # AgentOS authenticates what it serves: its own 401, not ours
    same(httpx.get(agentos_a.url + path), httpx.get(verifying.url + path))
    # ... and what we serve keeps our 401
    assert httpx.get(verifying.url + "/sessions").status_code == 401
    proxied = [line for line in log_lines(verifying, "session_svc.access") if line["path"] == path]
    assert proxied and all(line["route"] == "proxied" for line in proxied), proxied
    metrics = httpx.get(verifying.url + "/metrics").text
    assert 'agno_session_http_requests_total{method="GET",route="proxied",status="200"} 1.0' in metrics


def test_delete_media_passes_through(seeded: Seeded, agentos_a: AgentOSProcess, verifying: ServedApp) -> None:
    one = seeded.media_dir / seeded.media_keys["media-del"]
    assert one.exists()
    response = httpx.delete(verifying.url + "/sessions/media-del?delete_media=true", headers=AUTH)
    assert response.status_code == 204, response.text
    assert not one.exists()
    assert httpx.get(agentos_a.url + "/sessions/media-del", headers=AUTH).status_code == 404
    bulk = seeded.media_dir / seeded.media_keys["media-bulk"]
    body = {"session_ids": ["media-bulk"], "session_types": ["agent"]}
    response = httpx.request("DELETE", verifying.url + "/sessions?delete_media=true", json=body, headers=AUTH)
    assert response.status_code == 204, response.text
    assert not bulk.exists()
    # delete_media=false is ours (and a missing session is a 204 either way)
    response = httpx.delete(verifying.url + "/sessions/no-such?delete_media=false", headers=AUTH)
    assert response.status_code == 204


def test_bad_input_through_the_proxy_as_agentos_answers_it(agentos_a: AgentOSProcess, verifying: ServedApp) -> None:
    big = b"x" * (11 * 1024 * 1024)  # over our AGNO_MAX_BODY_BYTES: AgentOS decides, not us
    cases = [
        ("PUT", "/sessions/abc", {}, b"{}"),
        ("POST", "/sessions/abc/media/k.png", {}, big),
        ("DELETE", "/sessions?delete_media=true", {"content-type": "application/json"}, b"{not json"),
        ("DELETE", "/sessions?delete_media=true", {"content-type": "application/json"}, big),
        ("DELETE", "/sessions/abc?delete_media=maybe", {}, b""),
        ("GET", "/sessions/abc/media/%ZZ%00", {}, b""),
        ("GET", "/sessions/abc/media/../../etc/passwd", {}, b""),
        ("GET", "/sessions/abc/unknown/route?x=%ff", {}, b""),
        ("HEAD", "/sessions", {}, b""),
    ]
    for method, path, headers, body in cases:
        direct = httpx.request(method, agentos_a.url + path, headers={**AUTH, **headers}, content=body, timeout=30)
        via = httpx.request(method, verifying.url + path, headers={**AUTH, **headers}, content=body, timeout=30)
        assert (via.status_code, via.headers.get("content-type"), via.content) == (
            direct.status_code, direct.headers.get("content-type"), direct.content,
        ), (method, path)  # fmt: skip


def test_agentos_down_gives_502_and_verify_counts_errors(seeded: Seeded, verifying: ServedApp) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with ours(seeded.dsn_a, dead, AGNO_COMPARE_MODE="verify") as server:
        response = httpx.get(server.url + "/sessions/x/media/y", headers=AUTH)
        assert response.status_code == 502 and response.json() == {"detail": "AgentOS upstream unavailable"}
        targets = seeded.session_targets()[:8]
        for target in targets:
            same(httpx.get(verifying.url + target, headers=AUTH), httpx.get(server.url + target, headers=AUTH))
        counts = outcomes(wait_for_counts(server, len(targets)))
        assert counts == Counter({"error": len(targets)}), counts


def test_agentos_timeout_gives_504(seeded: Seeded, agentos_a: AgentOSProcess) -> None:
    with (
        DelayProxy(agentos_a.port, 2.0) as slow,
        ours(seeded.dsn_a, f"http://127.0.0.1:{slow.port}", AGNO_AGENTOS_TIMEOUT="0.5") as server,
    ):
        response = httpx.get(server.url + "/sessions/x/media/y", headers=AUTH)
        assert response.status_code == 504 and response.json() == {"detail": "AgentOS upstream timed out"}


# -- live comparison ------------------------------------------------------------------------------------


def test_verify_on_identical_data_matches_every_get_route(seeded: Seeded, verifying: ServedApp) -> None:
    before = compare_counts(verifying)
    targets = seeded.list_targets() + seeded.session_targets()
    for target in targets:
        assert httpx.get(verifying.url + target, headers=AUTH).status_code < 500, target
    counts = wait_for_counts(verifying, sum(before.values()) + len(targets)) - before
    assert outcomes(counts) == Counter({"match": len(targets)}), json.dumps(log_lines(verifying, "session_svc.compare"))
    routes = {route for route, _ in counts}
    assert routes == {"/sessions", "/sessions/{session_id}", "/sessions/{session_id}/runs",
                      "/sessions/{session_id}/run-previews", "/sessions/{session_id}/runs/{run_id}"}  # fmt: skip


def test_shadow_on_identical_data_matches_and_answers_as_agentos(seeded: Seeded, agentos_a: AgentOSProcess) -> None:
    targets = seeded.list_targets() + seeded.session_targets()
    with ours(seeded.dsn_a, agentos_a.url, AGNO_COMPARE_MODE="shadow") as server:
        compared = 0
        for target in targets:
            via = httpx.get(server.url + target, headers=AUTH)
            same(httpx.get(agentos_a.url + target, headers=AUTH), via)
            compared += 200 <= via.status_code < 300
        counts = wait_for_counts(server, compared)
        assert outcomes(counts) == Counter({"match": compared}), counts
        lines = [line for line in log_lines(server, "session_svc.access") if line["path"].startswith("/sessions")]
        assert lines and {line["route"] for line in lines} == {"proxied"}


def test_verify_against_a_differing_agentos_names_the_session_and_path(
    seeded: Seeded, agentos_b: AgentOSProcess
) -> None:
    targets = seeded.session_targets()
    with ours(seeded.dsn_a, agentos_b.url, AGNO_COMPARE_MODE="verify") as server:
        for target in targets:
            httpx.get(server.url + target, headers=AUTH)
        counts = wait_for_counts(server, len(targets))
        mismatches = log_lines(server, "session_svc.compare")
    kinds = {kind for sid, kind in seeded.sessions if sid == seeded.changed}
    assert outcomes(counts) == Counter({"match": len(targets) - 1, "mismatch": 1}), counts
    assert counts[("/sessions/{session_id}", "mismatch")] == 1
    assert len(mismatches) == 1, mismatches
    line = mismatches[0]
    assert line["path"] == f"/sessions/{seeded.changed}" and line["query"] == f"type={kinds.pop()}"
    assert line["json_path"] == "$.session_name" and line["agentos"] == CHANGED_NAME
    assert line["route"] == "/sessions/{session_id}" and line["request_id"]
    assert "agentos_body" not in line  # bodies only with AGNO_COMPARE_LOG_BODIES


def test_verify_does_not_wait_for_a_slow_agentos(seeded: Seeded, agentos_a: AgentOSProcess) -> None:
    targets = seeded.session_targets()[:4]
    with (
        DelayProxy(agentos_a.port, 2.0) as slow,
        ours(seeded.dsn_a, f"http://127.0.0.1:{slow.port}", AGNO_COMPARE_MODE="verify") as server,
    ):
        for target in targets:
            started = time.monotonic()
            assert httpx.get(server.url + target, headers=AUTH).status_code == 200
            assert time.monotonic() - started < 1.5, "the client waited for AgentOS"  # AgentOS takes >= 2 s
        counts = wait_for_counts(server, len(targets))
        assert outcomes(counts) == Counter({"match": len(targets)}), counts


def test_shadow_never_waits_for_or_fails_on_our_side(
    seeded: Seeded, agentos_a: AgentOSProcess, pg_server_dsn: str
) -> None:
    """Our database slowed by 2 s past AGNO_REQUEST_TIMEOUT: our shadow answers are slow 504s, yet the
    client gets AgentOS's answers at once."""
    info = psycopg.conninfo.conninfo_to_dict(seeded.dsn_a)
    socket_file = f"{info['host']}/.s.PGSQL.{info.get('port') or 5432}"
    if not str(info.get("host", "")).startswith("/"):
        pytest.skip("needs the embedded PostgreSQL's unix socket")
    targets = seeded.session_targets()[:4]
    with DelayProxy(None, 0.0, unix_socket=socket_file) as slow_db:
        dsn = psycopg.conninfo.make_conninfo(seeded.dsn_a, host="127.0.0.1", port=str(slow_db.port))
        with ours(dsn, agentos_a.url, AGNO_COMPARE_MODE="shadow", AGNO_REQUEST_TIMEOUT="1") as server:
            slow_db.delay = 2.0
            for target in targets:
                started = time.monotonic()
                same(httpx.get(agentos_a.url + target, headers=AUTH), httpx.get(server.url + target, headers=AUTH))
                assert time.monotonic() - started < 1.5, "the client waited for our shadow answer"
            counts = wait_for_counts(server, len(targets))
            slow_db.delay = 0.0
    assert outcomes(counts) == Counter({"mismatch": len(targets)}), counts  # our 504 against AgentOS's 200


# -- offline replay -------------------------------------------------------------------------------------


def _compare_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "session_svc", "compare", *args, "--header", f"Authorization: Bearer {KEY}"],
        check=False, capture_output=True, text=True, timeout=120, cwd=TESTS.parent,
    )  # fmt: skip


def test_compare_cli_replays_a_recorded_access_log(
    seeded: Seeded, agentos_a: AgentOSProcess, agentos_b: AgentOSProcess, verifying: ServedApp, tmp_path: Path
) -> None:
    for target in seeded.list_targets()[:4] + seeded.session_targets():
        httpx.get(verifying.url + target, headers=AUTH)
    ours_log = tmp_path / "access.jsonl"
    ours_log.write_text(Path(verifying._log.name).read_text())
    same_data = _compare_cli(agentos_a.url, verifying.url, "--access-log", str(ours_log))
    assert same_data.returncode == 0, same_data.stdout + same_data.stderr
    assert "/sessions/{session_id}/runs/{run_id}" in same_data.stdout
    # uvicorn's access-log lines, as AgentOS writes them, against the AgentOS whose data differs
    uvicorn_log = tmp_path / "uvicorn.log"
    uvicorn_log.write_text(
        "".join(f'INFO:     127.0.0.1:50000 - "GET {t} HTTP/1.1" 200 OK\n' for t in seeded.session_targets())
        + 'INFO:     127.0.0.1:50000 - "POST /sessions HTTP/1.1" 201 Created\n'
    )
    differs = _compare_cli(agentos_b.url, verifying.url, "--access-log", str(uvicorn_log))
    assert differs.returncode == 1, differs.stdout + differs.stderr
    assert f"GET /sessions/{seeded.changed}?" in differs.stdout and "$.session_name" in differs.stdout
    assert CHANGED_NAME in differs.stdout
