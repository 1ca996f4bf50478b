"""containers/compose.yml: valid against the Compose Specification's JSON schema (check-jsonschema's
vendored copy of compose-spec's schema, `--builtin-schema vendor.compose-spec`), and wired the way
the stack needs: PostgreSQL healthy before migrate, migrate done before the service, the DSN
pointing at the postgres service with its credentials, read-only root filesystem with /tmp.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from .support import REPO, find_tool, run, service_reads_or_pending

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
        (lambda c: c["services"]["session"].update(depends_onn=c["services"]["session"].pop("depends_on")),
         "depends_onn"),
        (lambda c: c["services"]["session"]["depends_on"]["postgres"].update(condition="service_ready"),
         "service_ready"),
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
            assert service_reads_or_pending(variable), f"{name} sets {variable}, which session_svc never reads"
