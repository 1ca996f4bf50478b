"""containers/compose.yml: valid against the Compose Specification's JSON schema (check-jsonschema's
vendored copy of compose-spec's schema, `--builtin-schema vendor.compose-spec`), and wired the way
the stack needs: PostgreSQL healthy before migrate, migrate done before the service, the DSN
pointing at the postgres service with its credentials, read-only root filesystem with /tmp.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from .support import REPO, find_tool, run, service_reads

COMPOSE = REPO / "containers" / "compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _validate(path: Path, check: bool = True):
    validator = find_tool("check-jsonschema")
    return run([validator, "--builtin-schema", "vendor.compose-spec", str(path)], check=check)


def test_compose_file_matches_the_compose_specification():
    _validate(COMPOSE)


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            lambda c: c["services"]["session"].update(depends_onn=c["services"]["session"].pop("depends_on")),
            "depends_onn",
        ),
        (
            lambda c: c["services"]["session"]["depends_on"]["postgres"].update(condition="service_ready"),
            "service_ready",
        ),
        (lambda c: c["services"]["session"].update(depends_on="postgres"), "is not of type 'array'"),
    ],
    ids=["misspelt-key", "bad-condition", "bad-type"],
)
def test_validator_rejects_broken_compose_files(compose: dict, tmp_path: Path, mutation, expected: str):
    """The same validator call fails on typical mistakes, so its pass above is meaningful."""
    broken = yaml.safe_load(COMPOSE.read_text())
    mutation(broken)
    path = tmp_path / "compose.yml"
    path.write_text(yaml.safe_dump(broken))
    proc = _validate(path, check=False)
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr


def test_postgres_has_a_pg_isready_healthcheck(compose: dict):
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    test = " ".join(postgres["healthcheck"]["test"])
    assert "pg_isready" in test


def test_startup_order_waits_for_a_healthy_database_and_the_migration(compose: dict):
    services = compose["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["session"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["session"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["migrate"]
    assert services["session"]["command"] == ["serve"]


def test_dsn_points_at_the_postgres_service_with_its_credentials(compose: dict):
    services = compose["services"]
    pg_env = services["postgres"]["environment"]
    for name in ("migrate", "session"):
        dsn = urlparse(services[name]["environment"]["AGNO_PG_DSN"])
        assert dsn.hostname == "postgres" and (dsn.port or 5432) == 5432
        assert dsn.username == pg_env["POSTGRES_USER"] and dsn.password == pg_env["POSTGRES_PASSWORD"]
        assert dsn.path.lstrip("/") == pg_env["POSTGRES_DB"]


def test_service_port_is_published_and_matches_its_setting(compose: dict):
    session = compose["services"]["session"]
    port = session["environment"]["AGNO_SERVICE_PORT"]
    assert f"{port}:{port}" in session["ports"]


def test_containers_run_read_only_with_tmp_and_a_long_enough_stop_grace(compose: dict):
    for name in ("migrate", "session"):
        service = compose["services"][name]
        assert service["read_only"] is True and "/tmp" in service["tmpfs"]
        build = service["build"]
        assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == REPO / "containers" / "Dockerfile"
    session = compose["services"]["session"]
    grace = int(session["stop_grace_period"].rstrip("s"))
    assert grace > int(session["environment"]["AGNO_SHUTDOWN_GRACE"])


def test_every_variable_set_is_one_the_service_reads(compose: dict):
    for name in ("migrate", "session"):
        for variable in compose["services"][name]["environment"]:
            assert service_reads(variable), f"{name} sets {variable}, which session_svc never reads"


# ---- the ingress in front of AgentOS and the service (containers/ingress/nginx.conf) ----

NGINX_CONF = REPO / "containers" / "ingress" / "nginx.conf"


def _marked_addresses() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in NGINX_CONF.read_text().splitlines():
        m = re.match(r"\s*(?:server|listen)\s+(\S+?)[\s;].*# address: (\S+)$", line)
        if m:
            found.setdefault(m.group(2), []).append(m.group(1))
    return found


def test_ingress_routes_to_the_compose_services(compose: dict):
    services = compose["services"]
    ingress = services["ingress"]
    assert ingress["image"].startswith("nginx:")
    assert "./ingress/nginx.conf:/etc/nginx/nginx.conf:ro" in ingress["volumes"]
    assert set(ingress["depends_on"]) == {"agentos", "session"}
    addresses = _marked_addresses()
    session_port = services["session"]["environment"]["AGNO_SERVICE_PORT"]
    assert addresses["agno-session"] == [f"session:{session_port}"]
    assert addresses["AgentOS"] == ["agentos:7777", "agentos:7777"]
    [listen] = addresses["ingress"]
    assert f"{listen}:{listen}" in ingress["ports"]
    # The pass-through target is the same AgentOS.
    assert services["session"]["environment"]["AGNO_AGENTOS_URL"] == "http://agentos:7777"
    agentos = services["agentos"]
    assert "7777" in (COMPOSE.parent / agentos["build"]["context"] / agentos["build"]["dockerfile"]).read_text()
    assert agentos["environment"]["AGNO_PG_DSN"] == services["session"]["environment"]["AGNO_PG_DSN"]


def test_nginx_accepts_the_ingress_config(tmp_path: Path):
    """`nginx -t` on the shipped file with its marked addresses pointed at loopback (the compose
    names do not resolve here); the rewrite refuses a file that lost a marked line."""
    from .topology import nginx_workdir, rewrite_nginx_conf

    nginx = find_tool("nginx")
    workdir = nginx_workdir()
    try:
        conf = workdir / "nginx.conf"
        conf.write_text(
            rewrite_nginx_conf(NGINX_CONF.read_text(), ingress=18000, session=18080, agentos=17777, workdir=workdir)
        )
        run([nginx, "-t", "-p", str(workdir), "-c", str(conf), "-g", f"pid {workdir}/nginx.pid;"])
        conf.write_text(conf.read_text().replace("location / {", "location / {{"))
        assert (
            run(
                [nginx, "-t", "-p", str(workdir), "-c", str(conf), "-g", f"pid {workdir}/nginx.pid;"], check=False
            ).returncode
            != 0
        )
        with pytest.raises(AssertionError, match="lost its marked address lines"):
            rewrite_nginx_conf(
                NGINX_CONF.read_text().replace("# address: ingress", ""),
                ingress=1,
                session=2,
                agentos=3,
                workdir=workdir,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_agentos_dockerfile_passes_hadolint():
    run([find_tool("hadolint"), "--failure-threshold", "style", str(REPO / "containers" / "agentos" / "Dockerfile")])
