"""containers/Dockerfile: hadolint, the runtime contract the chart relies on, and the image's
entrypoint run for real.

No Docker engine is available here, so the image itself is not built. What would break it is
checked instead: the linter, every COPY source present and not excluded from the build context,
and the exact command the image runs (`session-svc serve`, as `python -m session_svc serve` with
the image's environment) serving /healthz, passing the image's HEALTHCHECK script, writing nothing
outside its temp dir, and exiting 0 on SIGTERM.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import yaml

from .support import REPO, ServiceProcess, find_tool, free_port, http_get, run, service_env

DOCKERFILE = REPO / "containers" / "Dockerfile"
DOCKERIGNORE = REPO / "containers" / "Dockerfile.dockerignore"
HEALTHCHECK_SCRIPT = REPO / "containers" / "healthcheck.py"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    kept = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(kept))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions(DOCKERFILE.read_text())
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def _image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, args in _final_stage():
        if word == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def _one(word: str) -> str:
    values = [args for w, args in _final_stage() if w == word]
    assert len(values) == 1, f"expected one {word} in the runtime stage, got {values}"
    return values[0]


# ---- lint ----


def test_hadolint_passes_with_style_rules_as_failures():
    hadolint = find_tool("hadolint")
    run([hadolint, "--failure-threshold", "style", str(DOCKERFILE)])


def test_hadolint_really_lints(tmp_path: Path):
    """The same invocation rejects a Dockerfile with known faults, so a pass above means something."""
    hadolint = find_tool("hadolint")
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install starlette\nCMD session-svc serve\n")
    proc = run([hadolint, "--failure-threshold", "style", "--format", "json", str(bad)], check=False)
    assert proc.returncode != 0
    codes = {finding["code"] for finding in json.loads(proc.stdout)}
    assert {"DL3007", "DL3013", "DL3025"} <= codes, codes


def test_shell_scripts_pass_shellcheck():
    shellcheck = find_tool("shellcheck")
    scripts = [
        REPO / "scripts" / "smoke" / "test-session-api.sh",
        REPO / "scripts" / "load" / "run-load.sh",
        REPO / "tests" / "deploy" / "install-tools.sh",
    ]
    run([shellcheck, *map(str, scripts)])


# ---- what the chart and compose file rely on ----


def test_runtime_stage_is_non_root_with_fixed_uid_matching_the_chart():
    user = _one("USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0, "USER must be numeric so Kubernetes can check runAsNonRoot"
    values = yaml.safe_load((REPO / "charts" / "agno-session" / "values.yaml").read_text())
    assert values["podSecurityContext"]["runAsUser"] == int(uid)
    assert values["podSecurityContext"]["runAsGroup"] == int(gid)


def test_entrypoint_is_the_packaged_console_script_in_exec_form():
    entrypoint, cmd = json.loads(_one("ENTRYPOINT")), json.loads(_one("CMD"))
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint == ["session-svc"] and entrypoint[0] in scripts
    assert cmd == ["serve"]
    # Docker's default stop signal is SIGTERM, which starts the service's graceful drain.
    assert [args for word, args in _final_stage() if word == "STOPSIGNAL"] in ([], ["SIGTERM"])


def test_every_writable_location_points_into_tmp():
    env = _image_env()
    for name in (
        "HOME",
        "XDG_CACHE_HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_RUNTIME_DIR",
        "TMPDIR",
        "AGNO_EMBEDDED_PG_DIR",
    ):
        assert env.get(name, "").startswith("/tmp"), f"{name}={env.get(name)!r} is not under /tmp"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_port_is_the_same_in_image_chart_and_compose():
    port = int(_image_env()["AGNO_SERVICE_PORT"])
    assert int(_one("EXPOSE")) == port
    values = yaml.safe_load((REPO / "charts" / "agno-session" / "values.yaml").read_text())
    assert values["settings"]["port"] == port


def test_healthcheck_runs_the_shipped_script_with_python():
    healthcheck = _one("HEALTHCHECK")
    exec_form = json.loads(healthcheck.split("CMD", 1)[1])
    assert exec_form[0] == "python" and exec_form[1] == "/opt/agno/healthcheck.py"
    copies = [args.split() for word, args in _final_stage() if word == "COPY"]
    assert ["containers/healthcheck.py", "/opt/agno/healthcheck.py"] in copies


def _dockerignore_patterns() -> list[str]:
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule for the patterns used here: the last matching pattern wins, `!` re-includes,
    a pattern matching a directory covers its contents, `**/x` matches x at any depth."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern.lstrip("!").rstrip("/")
        if pat.startswith("**/"):
            hit = any(fnmatch.fnmatch(part, pat[3:]) for part in parts)
        else:
            hit = any(fnmatch.fnmatch(prefix, pat) for prefix in prefixes)
        if hit:
            ignored = not negate
    return ignored


def test_every_copy_source_exists_and_is_in_the_build_context():
    patterns = _dockerignore_patterns()
    sources = []
    for word, args in _instructions(DOCKERFILE.read_text()):
        if word == "COPY" and not args.startswith("--from"):
            sources.extend(args.split()[:-1])
    assert sources, "no COPY found"
    for source in sources:
        assert (REPO / source).exists(), f"COPY source {source} does not exist (the build would fail)"
        assert not _ignored(source, patterns), f"COPY source {source} is excluded by {DOCKERIGNORE.name}"
    # and the allow-list really excludes things (tests, charts) from the context
    assert _ignored("tests/deploy/test_container.py", patterns)
    assert _ignored("charts/agno-session/values.yaml", patterns)


# ---- the entrypoint, run ----


def test_image_command_serves_health_passes_healthcheck_and_stops_cleanly(fresh_db_dsn: str, tmp_path: Path):
    """Runs what the image runs, with the image's environment: /tmp is mapped to a scratch dir and
    the working directory must stay empty (a read-only root filesystem allows no other writes)."""
    scratch, cwd = tmp_path / "tmp", tmp_path / "rootfs"
    scratch.mkdir()
    cwd.mkdir()
    image_env = {
        k: v.replace("/tmp", str(scratch), 1) if v.startswith("/tmp") else v
        for k, v in _image_env().items()
        if k != "PATH"
    }
    port = free_port()
    env = service_env(fresh_db_dsn, port, **{**image_env, "AGNO_SERVICE_PORT": str(port)})
    argv = json.loads(_one("CMD"))
    service = ServiceProcess(argv, env, cwd, tmp_path / "service.log")
    try:
        service.wait_healthy()
        status, body = http_get(service.base_url + "/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok"}
        status, body = http_get(service.base_url + "/readyz")
        assert status == 200, body
        assert f"agno-session listening on :{port}" in service.log()

        probe = subprocess.run([sys.executable, str(HEALTHCHECK_SCRIPT)], env=env, timeout=10)
        assert probe.returncode == 0
    finally:
        code = service.stop()
    assert code == 0, f"exit code {code} after SIGTERM (expected a clean drain):\n{service.log()}"
    assert list(cwd.iterdir()) == [], "the service wrote into its working directory"

    probe = subprocess.run(
        [sys.executable, str(HEALTHCHECK_SCRIPT)], env=env, timeout=10, capture_output=True, text=True
    )
    assert probe.returncode == 1, "the healthcheck must fail when nothing listens"
    assert "healthcheck:" in probe.stderr


def test_migrate_command_of_the_hook_job_is_idempotent(fresh_db_dsn: str, tmp_path: Path):
    """The Helm hook Job and the compose `migrate` service run `session-svc migrate`."""
    import psycopg

    env = service_env(fresh_db_dsn, free_port())
    for args in (["migrate"], ["migrate", "--extra-indexes"]):  # the second run meets existing tables
        proc = subprocess.run(
            [sys.executable, "-m", "session_svc", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
    with psycopg.connect(fresh_db_dsn) as conn:
        tables = {
            r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'ai'")
        }
        versions = dict(conn.execute("SELECT table_name, version FROM ai.agno_schema_versions").fetchall())
    assert {"agno_sessions", "agno_runs", "agno_schema_versions"} <= tables
    assert versions.get("agno_sessions") == "3.0.0" and versions.get("agno_runs") == "3.0.0"


def test_serve_without_reachable_database_still_answers_liveness(tmp_path: Path):
    """In a pod the database may be down at start: liveness stays 200 (no restart loop) while
    readiness is 503, which is what the chart's probe split relies on."""
    port = free_port()
    # A closed loopback port: connection refused at once.
    dead_dsn = f"postgresql://agno:agno@127.0.0.1:{free_port()}/agno"
    env = service_env(dead_dsn, port, AGNO_PG_CONNECT_TIMEOUT="1")
    service = ServiceProcess(["serve"], env, tmp_path, tmp_path / "service.log")
    try:
        service.wait_healthy()
        status, body = http_get(service.base_url + "/readyz", timeout=5)
        assert status == 503, body
        assert "default" in json.loads(body).get("failing_db_ids", []), body
    finally:
        assert service.stop() == 0, service.log()


# ---- the wheel the image's build stage makes ----


def _copy_build_context(dest: Path) -> None:
    """Copy what `docker build .` would send, as filtered by the dockerignore allow-list."""
    patterns = _dockerignore_patterns()
    reincluded = [p.lstrip("!").rstrip("/") for p in patterns if p.startswith("!")]
    for root, dirs, files in os.walk(REPO):
        rel_root = Path(root).relative_to(REPO).as_posix()
        rel_root = "" if rel_root == "." else rel_root + "/"
        # Skip directories that are excluded and hold nothing re-included (keeps .git, .venv out).
        dirs[:] = [
            d
            for d in dirs
            if not _ignored(rel_root + d, patterns) or any(r.startswith(rel_root + d + "/") for r in reincluded)
        ]
        for name in files:
            rel = rel_root + name
            if not _ignored(rel, patterns):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / rel, dest / rel)


def test_wheel_built_from_the_image_context_installs_and_migrates(fresh_db_dsn: str, tmp_path: Path):
    """The build stage's `pip wheel .` on exactly the files the dockerignore lets through: the
    wheel must carry the SQL files and the console script, and its code must run `migrate`."""
    context, wheels, site = tmp_path / "context", tmp_path / "wheels", tmp_path / "site"
    context.mkdir()
    _copy_build_context(context)
    run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(context)],
        timeout=180,
    )
    [wheel] = wheels.glob("agno_session-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert any(n.startswith("session_svc/sql/") and n.endswith(".sql") for n in names)
    assert re.search(r"^session-svc\s*=\s*session_svc\.cli:main$", entry_points, re.M), entry_points
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)])

    env = service_env(fresh_db_dsn, free_port(), PYTHONPATH=str(site))
    where = run([sys.executable, "-c", "import session_svc; print(session_svc.__file__)"], env=env, cwd=tmp_path)
    assert where.stdout.strip().startswith(str(site)), "the test must exercise the installed wheel"
    run([sys.executable, "-m", "session_svc", "migrate"], env=env, cwd=tmp_path)
    import psycopg

    with psycopg.connect(fresh_db_dsn) as conn:
        count = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ai'").fetchone()
    assert count[0] >= 3
