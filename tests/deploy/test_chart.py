"""charts/agno-session: `helm lint --strict` and `helm template` over every ci/*-values.yaml, and
assertions on the rendered manifests (probes, env, secret references, security context, hooks,
selectors), plus the configurations the chart must refuse.
"""

from __future__ import annotations

import base64
import functools
import json
import re

import pytest
import yaml

from .support import REPO, find_tool, run, service_reads

CHART = REPO / "charts" / "agno-session"
SCENARIOS = sorted(p.name for p in (CHART / "ci").glob("*-values.yaml"))
VALUES = yaml.safe_load((CHART / "values.yaml").read_text())
RELEASE = "rel"
FULLNAME = f"{RELEASE}-agno-session"


def helm(*args: str, check: bool = True):
    return run([find_tool("helm"), *args], check=check)


def render(*args: str) -> dict[tuple[str, str], dict]:
    """helm template → {(kind, name): manifest}."""
    out = helm("template", RELEASE, str(CHART), "--namespace", "sessions", *args).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    manifests = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    assert len(manifests) == len(docs), "two manifests share a kind and name"
    return manifests


@functools.cache
def scenario(name: str) -> dict[tuple[str, str], dict]:
    """Rendered once per run; tests only read the result."""
    return render("-f", str(CHART / "ci" / name))


def scenario_values(name: str) -> dict:
    return yaml.safe_load((CHART / "ci" / name).read_text())


def container(manifests: dict, kind: str = "Deployment", name: str = FULLNAME) -> dict:
    [only] = manifests[(kind, name)]["spec"]["template"]["spec"]["containers"]
    return only


def env_of(c: dict) -> dict[str, dict]:
    return {e["name"]: e for e in c.get("env", [])}


def secret_value(manifests: dict, ref: dict) -> str:
    key_ref = ref["valueFrom"]["secretKeyRef"]
    secret = manifests[("Secret", key_ref["name"])]
    return base64.b64decode(secret["data"][key_ref["key"]]).decode()


# ---- lint and render every scenario ----


@pytest.mark.parametrize("values_file", SCENARIOS)
def test_helm_lint_strict(values_file: str):
    helm("lint", "--strict", str(CHART), "-f", str(CHART / "ci" / values_file))


@pytest.mark.parametrize("values_file", SCENARIOS)
def test_every_scenario_renders_a_consistent_workload(values_file: str):
    manifests = scenario(values_file)
    deployment = manifests[("Deployment", FULLNAME)]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    service = manifests[("Service", FULLNAME)]
    assert service["spec"]["selector"] == selector
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    if ("PodDisruptionBudget", FULLNAME) in manifests:
        assert manifests[("PodDisruptionBudget", FULLNAME)]["spec"]["selector"]["matchLabels"] == selector

    c = container(manifests)
    assert c["args"] == ["serve"]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    config = manifests[("ConfigMap", FULLNAME)]["data"]
    assert ports["http"] == int(config["AGNO_SERVICE_PORT"])
    assert c["envFrom"] == [{"configMapRef": {"name": FULLNAME}}]
    # Every secret reference points at a Secret the chart renders, or at the user's existing one.
    existing = scenario_values(values_file).get("config", {}).get("existingSecret")
    for entry in c["env"]:
        ref = entry.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            if existing:
                assert ref["name"] == existing
            else:
                assert ref["key"] in manifests[("Secret", ref["name"])]["data"]
    assert any(e["name"] in ("AGNO_PG_DSN", "AGNO_SESSION_DSN_MAP") for e in c["env"]), "no DSN reaches the pod"


@pytest.mark.parametrize("values_file", SCENARIOS)
def test_probes_split_liveness_from_readiness(values_file: str):
    c = container(scenario(values_file))
    assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    # The startup probe gives the process time; liveness must not kill a slow start.
    startup = c["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 30


@pytest.mark.parametrize("values_file", SCENARIOS)
def test_security_context_is_locked_down(values_file: str):
    manifests = scenario(values_file)
    pod = manifests[("Deployment", FULLNAME)]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    c = container(manifests)
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    # A read-only root needs a writable /tmp, and the image points HOME/XDG there.
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert c["resources"]["requests"] and c["resources"]["limits"]


@pytest.mark.parametrize("values_file", SCENARIOS)
def test_shutdown_outlasts_the_request_timeout(values_file: str):
    manifests = scenario(values_file)
    pod = manifests[("Deployment", FULLNAME)]["spec"]["template"]["spec"]
    config = manifests[("ConfigMap", FULLNAME)]["data"]
    grace = pod["terminationGracePeriodSeconds"]
    [sleep, seconds] = container(manifests)["lifecycle"]["preStop"]["exec"]["command"]
    assert sleep == "sleep"
    assert grace > int(config["AGNO_REQUEST_TIMEOUT"])
    assert grace > int(seconds) + int(config["AGNO_SHUTDOWN_GRACE"])


@pytest.mark.parametrize("values_file", SCENARIOS)
def test_every_variable_set_is_one_the_service_reads(values_file: str):
    manifests = scenario(values_file)
    names = set(manifests[("ConfigMap", FULLNAME)]["data"]) | set(env_of(container(manifests)))
    unknown = {n for n in names if not service_reads(n)}
    assert not unknown, f"the chart sets variables session_svc never reads: {sorted(unknown)}"


def test_notes_render_for_every_scenario():
    for values_file in SCENARIOS:
        values = str(CHART / "ci" / values_file)
        out = helm("install", RELEASE, str(CHART), "--dry-run=client", "-f", values).stdout
        notes = out.split("NOTES:", 1)[1]
        assert f"rollout status deployment/{FULLNAME}" in notes
        assert "scripts/smoke/test-session-api.sh" in notes
        if values_file == "canary-values.yaml":
            assert "Canary: 10% of /sessions" in notes and "Roll back: --set canary.weight=0" in notes
            assert "Monitoring: ServiceMonitor, PrometheusRule" in notes
        if values_file == "replicas-values.yaml":
            assert "Fallback: while no pod of this service is ready" in notes


# ---- scenario specifics ----


def test_single_dsn_goes_through_the_managed_secret_and_the_migration_hook():
    values = scenario_values("single-dsn-values.yaml")
    manifests = scenario("single-dsn-values.yaml")
    env = env_of(container(manifests))
    assert env["AGNO_PG_DSN"]["valueFrom"]["secretKeyRef"] == {"name": FULLNAME, "key": "AGNO_PG_DSN"}
    assert secret_value(manifests, env["AGNO_PG_DSN"]) == values["config"]["dsn"]
    assert "value" not in env["AGNO_PG_DSN"], "the DSN must not appear in the pod spec in clear"
    assert container(manifests)["image"] == "registry.example.com/agno-session:0.1.0"

    job = manifests[("Job", f"{FULLNAME}-migrate")]
    hook_secret = manifests[("Secret", f"{FULLNAME}-migrate")]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert hook_secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    # The hook Secret must exist before the Job: a lower weight is created first.
    assert int(hook_secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        job["metadata"]["annotations"]["helm.sh/hook-weight"]
    )
    job_container = container(manifests, "Job", f"{FULLNAME}-migrate")
    assert job_container["args"] == ["migrate"]
    job_env = env_of(job_container)
    assert secret_value(manifests, job_env["AGNO_PG_DSN"]) == values["config"]["dsn"]
    assert job_env["AGNO_DB_SCHEMA"]["value"] == "ai"
    assert job_container["securityContext"]["readOnlyRootFilesystem"] is True
    # The Job's pod must never be picked up by the Service or the PDB.
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    selector = manifests[("Service", FULLNAME)]["spec"]["selector"]
    assert not selector.items() <= job_labels.items()
    assert manifests[("Deployment", FULLNAME)]["spec"]["replicas"] == VALUES["replicaCount"]
    assert ("Ingress", FULLNAME) not in manifests and ("HorizontalPodAutoscaler", FULLNAME) not in manifests


def test_dsn_map_auth_autoscaling_and_ingress():
    values = scenario_values("dsn-map-values.yaml")
    manifests = scenario("dsn-map-values.yaml")
    c = container(manifests)
    env = env_of(c)
    assert json.loads(secret_value(manifests, env["AGNO_SESSION_DSN_MAP"])) == values["config"]["dsnMap"]
    assert secret_value(manifests, env["OS_SECURITY_KEY"]) == values["config"]["securityKey"]
    assert "AGNO_PG_DSN" not in env
    config = manifests[("ConfigMap", FULLNAME)]["data"]
    assert config["AGNO_DEFAULT_DB_ID"] == "main"
    assert config["AGNO_WORKERS"] == "2" and config["AGNO_SERVER"] == "uvicorn"
    assert config["CORS_ORIGIN_LIST"] == "https://app.example.com"
    assert config["AGNO_TRUSTED_PROXIES"] == "10.0.0.0/8"

    hpa = manifests[("HorizontalPodAutoscaler", FULLNAME)]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": FULLNAME}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 12)
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["metrics"]}
    assert targets == {"cpu": 60, "memory": 80}
    assert "replicas" not in manifests[("Deployment", FULLNAME)]["spec"], "the HPA owns the replica count"

    ingress = manifests[("Ingress", FULLNAME)]["spec"]
    assert ingress["ingressClassName"] == "nginx"
    paths = {p["path"]: p for p in ingress["rules"][0]["http"]["paths"]}
    assert paths["/sessions"]["pathType"] == "Prefix"
    assert paths["/sessions"]["backend"]["service"] == {"name": FULLNAME, "port": {"name": "http"}}
    assert ingress["tls"] == [{"secretName": "sessions-tls", "hosts": ["sessions.example.com"]}]

    pod = manifests[("Deployment", FULLNAME)]["spec"]["template"]
    assert pod["spec"]["imagePullSecrets"] == [{"name": "regcred"}]
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    job_container = container(manifests, "Job", f"{FULLNAME}-migrate")
    assert job_container["args"] == ["migrate", "--extra-indexes"]
    job_map = secret_value(manifests, env_of(job_container)["AGNO_SESSION_DSN_MAP"])
    assert json.loads(job_map) == values["config"]["dsnMap"]
    # The hook Secret carries the DSNs only; the Job never sees auth credentials.
    assert set(manifests[("Secret", f"{FULLNAME}-migrate")]["data"]) == {"AGNO_SESSION_DSN_MAP"}
    assert "OS_SECURITY_KEY" not in env_of(job_container)


def test_existing_secret_is_referenced_by_key_and_nothing_secret_is_rendered():
    values = scenario_values("existing-secret-values.yaml")["config"]
    database = scenario_values("existing-secret-values.yaml")["database"]
    manifests = scenario("existing-secret-values.yaml")
    assert not [key for key in manifests if key[0] == "Secret"], "no Secret may be rendered"
    env = env_of(container(manifests))
    refs = {name: e["valueFrom"]["secretKeyRef"] for name, e in env.items() if "valueFrom" in e}
    assert refs == {
        "AGNO_SESSION_DSN_MAP": {"name": values["existingSecret"], "key": values["dsnMapKey"]},
        "OS_SECURITY_KEY": {"name": values["existingSecret"], "key": values["securityKeyKey"]},
        "JWT_VERIFICATION_KEY": {"name": values["existingSecret"], "key": values["jwtVerificationKeyKey"]},
        "AGNO_SESSION_READ_DSN_MAP": {"name": values["existingSecret"], "key": database["readDsnMapKey"]},
    }
    job_env = env_of(container(manifests, "Job", f"{FULLNAME}-migrate"))
    assert job_env["AGNO_SESSION_DSN_MAP"]["valueFrom"]["secretKeyRef"]["name"] == values["existingSecret"]
    assert ("ServiceAccount", FULLNAME) not in manifests
    pod = manifests[("Deployment", FULLNAME)]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "agno-runtime"
    job_pod = manifests[("Job", f"{FULLNAME}-migrate")]["spec"]["template"]["spec"]
    assert job_pod["serviceAccountName"] == "agno-migrator"
    assert manifests[("PodDisruptionBudget", FULLNAME)]["spec"]["minAvailable"] == 1
    assert manifests[("ConfigMap", FULLNAME)]["data"]["AGNO_USER_ISOLATION"] == "true"
    # The migration Job gets neither auth settings nor keys: isolation without a key would stop it.
    assert not {"AGNO_USER_ISOLATION", "JWT_VERIFICATION_KEY", "OS_SECURITY_KEY", "JWT_ALGORITHM"} & set(job_env)
    # Replicas are read by the serving pods only; the migration writes to the primary.
    assert "AGNO_SESSION_READ_DSN_MAP" not in job_env
    assert manifests[("ConfigMap", FULLNAME)]["data"]["AGNO_REPLICA_MAX_LAG"] == "1"


def test_pgbouncer_settings_and_explicit_grace():
    manifests = scenario("pgbouncer-values.yaml")
    config = manifests[("ConfigMap", FULLNAME)]["data"]
    assert config["AGNO_PG_PREPARE"] == "false"
    assert (config["AGNO_DB_SCHEMA"], config["AGNO_SESSION_TABLE"], config["AGNO_RUNS_TABLE"]) == (
        "agents",
        "team_sessions",
        "team_sessions_runs",
    )
    assert config["AGNO_DB_ID"] == "main-db"
    assert config["AGNO_LOG_LEVEL"] == "WARNING"
    deployment = manifests[("Deployment", FULLNAME)]["spec"]
    assert deployment["replicas"] == 3
    assert deployment["template"]["spec"]["terminationGracePeriodSeconds"] == 45
    assert not [key for key in manifests if key[0] == "Job"], "migrations are off"
    # JWT from a mounted JWKS document, scopes enforced.
    assert (config["JWT_ALGORITHM"], config["AGNO_AUTHORIZATION"]) == ("ES256", "true")
    c = container(manifests)
    assert env_of(c)["JWT_JWKS_FILE"]["value"] == "/etc/agno-session/jwks/keys.json"
    mount = next(m for m in c["volumeMounts"] if m["mountPath"] == "/etc/agno-session/jwks")
    assert mount["readOnly"] is True
    volume = next(v for v in deployment["template"]["spec"]["volumes"] if v["name"] == mount["name"])
    assert volume["secret"] == {"secretName": "agno-jwks", "items": [{"key": "keys.json", "path": "keys.json"}]}
    assert ("PodDisruptionBudget", FULLNAME) not in manifests


def test_canary_sends_sessions_to_agentos_with_this_service_as_the_canary():
    values = scenario_values("canary-values.yaml")
    manifests = scenario("canary-values.yaml")
    main = manifests[("Ingress", f"{FULLNAME}-agentos")]
    canary = manifests[("Ingress", FULLNAME)]
    assert "nginx.ingress.kubernetes.io/canary" not in (main["metadata"].get("annotations") or {})
    assert canary["metadata"]["annotations"] == {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": "10",
        "nginx.ingress.kubernetes.io/canary-by-header": "X-Agno-Session-Canary",
    }

    # ingress-nginx pairs a canary with the main Ingress of the same host and path.
    def routes(ingress):
        return [
            (r["host"], p["path"], p["pathType"], json.dumps(p["backend"], sort_keys=True))
            for r in ingress["spec"]["rules"]
            for p in r["http"]["paths"]
        ]

    assert (
        [r[:3] for r in routes(main)]
        == [r[:3] for r in routes(canary)]
        == [("agents.example.com", "/sessions", "Prefix")]
    )
    assert main["spec"]["rules"][0]["http"]["paths"][0]["backend"] == {
        "service": {"name": "agentos", "port": {"number": 7777}}
    }
    assert canary["spec"]["rules"][0]["http"]["paths"][0]["backend"] == {
        "service": {"name": FULLNAME, "port": {"name": "http"}}
    }
    assert main["spec"]["tls"] == canary["spec"]["tls"] and main["spec"]["ingressClassName"] == "nginx"

    config = manifests[("ConfigMap", FULLNAME)]["data"]
    assert (config["AGNO_AGENTOS_URL"], config["AGNO_COMPARE_MODE"], config["AGNO_COMPARE_SAMPLE"]) == (
        values["agentos"]["url"],
        "verify",
        "0.25",
    )
    # The migration Job neither compares nor proxies.
    job_env = env_of(container(manifests, "Job", f"{FULLNAME}-migrate"))
    assert not {"AGNO_AGENTOS_URL", "AGNO_COMPARE_MODE"} & set(job_env)


def test_http_route_splits_sessions_by_weight_and_header():
    route = scenario("canary-values.yaml")[("HTTPRoute", FULLNAME)]["spec"]
    assert route["parentRefs"] == [{"name": "public", "namespace": "gateway"}]
    assert route["hostnames"] == ["agents.example.com"]
    by_header, weighted = route["rules"]
    assert by_header["matches"][0]["headers"] == [{"type": "Exact", "name": "X-Agno-Session-Canary", "value": "always"}]
    assert by_header["backendRefs"] == [{"name": FULLNAME, "port": 8080}]
    assert weighted["matches"] == [{"path": {"type": "PathPrefix", "value": "/sessions"}}]
    assert {(b["name"], b["port"], b["weight"]) for b in weighted["backendRefs"]} == {
        (FULLNAME, 8080, 10),
        ("agentos", 7777, 90),
    }
    # All traffic to this service: no AgentOS backendRef at all.
    full = render(
        "--set", "config.dsn=x", "--set", "httpRoute.enabled=true", "--set", "httpRoute.parentRefs[0].name=public"
    )[("HTTPRoute", FULLNAME)]["spec"]
    assert full["rules"][-1]["backendRefs"] == [{"name": FULLNAME, "port": 8080, "weight": 100}]


def test_replicas_dead_timeout_and_the_agentos_fallback():
    values = scenario_values("replicas-values.yaml")
    manifests = scenario("replicas-values.yaml")
    env = env_of(container(manifests))
    assert json.loads(secret_value(manifests, env["AGNO_SESSION_READ_DSN_MAP"])) == values["database"]["readDsnMap"]
    assert "value" not in env["AGNO_SESSION_READ_DSN_MAP"], "replica DSNs carry credentials: Secret only"
    assert "AGNO_PG_READ_DSN" not in env
    config = manifests[("ConfigMap", FULLNAME)]["data"]
    assert (config["AGNO_REPLICA_MAX_LAG"], config["AGNO_READ_POOL_MAX_SIZE"], config["AGNO_PG_DEAD_TIMEOUT"]) == (
        "2",
        "5",
        "3",
    )
    assert "AGNO_READ_POOL_MIN_SIZE" not in config, "unset keeps the primary's size"
    job_env = env_of(container(manifests, "Job", f"{FULLNAME}-migrate"))
    assert "AGNO_SESSION_READ_DSN_MAP" not in job_env and job_env["AGNO_PG_DEAD_TIMEOUT"]["value"] == "3"
    assert set(manifests[("Secret", f"{FULLNAME}-migrate")]["data"]) == {"AGNO_SESSION_DSN_MAP"}
    # Full cut-over: this service takes /sessions, AgentOS answers while it has no ready endpoint.
    ingress = manifests[("Ingress", FULLNAME)]
    assert ingress["metadata"]["annotations"] == {"nginx.ingress.kubernetes.io/default-backend": "agentos"}
    assert ("Ingress", f"{FULLNAME}-agentos") not in manifests
    single = render("--set", "config.dsn=x", "--set", "database.readDsn=postgresql://ro-1/a\\,postgresql://ro-2/a")
    single_env = env_of(container(single))
    assert secret_value(single, single_env["AGNO_PG_READ_DSN"]) == "postgresql://ro-1/a,postgresql://ro-2/a"
    # No replicas, no upstream: none of the new variables appear.
    plain = scenario("single-dsn-values.yaml")[("ConfigMap", FULLNAME)]["data"]
    assert not {"AGNO_REPLICA_MAX_LAG", "AGNO_AGENTOS_URL", "AGNO_COMPARE_MODE", "AGNO_PG_DEAD_TIMEOUT"} & set(plain)


def test_a_settings_change_rolls_the_pods():
    base = manifests_checksum(render("--set", "config.dsn=postgresql://a@db/agno"))
    changed = manifests_checksum(
        render("--set", "config.dsn=postgresql://a@db/agno", "--set", "settings.logLevel=DEBUG")
    )
    new_dsn = manifests_checksum(render("--set", "config.dsn=postgresql://b@db/agno"))
    assert base["checksum/config"] != changed["checksum/config"]
    assert base["checksum/secret"] != new_dsn["checksum/secret"]


def manifests_checksum(manifests: dict) -> dict:
    return manifests[("Deployment", FULLNAME)]["spec"]["template"]["metadata"]["annotations"]


# ---- what the chart refuses ----


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "set config.dsn, config.dsnMap or config.existingSecret"),
        (("--set", "config.dsn=x", "--set", "config.dsnMap.a=y"), "only one of config.dsn and config.dsnMap"),
        (("--set", "config.existingSecret=s", "--set", "config.dsnKey="), "set config.dsnKey or config.dsnMapKey"),
        (("--set", "config.existingSecret=s", "--set", "config.dsn=x"), "config.existingSecret excludes"),
        (("--set", "config.dsnMap.a=x", "--set", "config.defaultDbId=b"), 'config.defaultDbId "b" is not a key'),
        (("--set", "config.dsnMap.a=x", "--set", "config.dsnMap.b=y"), "set config.defaultDbId"),
        (("--set", "config.dsn=x", "--set", "settings.userIsolation=true"), "settings.userIsolation needs a JWT key"),
        (("--set", "config.dsn=x", "--set", "settings.authorization=true"), "settings.authorization needs a JWT key"),
        (
            ("--set", "config.dsn=x", "--set", "terminationGracePeriodSeconds=60"),
            "must be longer than settings.requestTimeout",
        ),
        (("--set", "config.dsn=x", "--set", "settings.workers=0"), "/settings/workers"),
        (("--set", "config.dsn=x", "--set", "settings.server=granian"), "/settings/server"),
        (("--set", "config.dsn=x", "--set", "probe=1"), "additional properties 'probe' not allowed"),
        (("--set", "config.dsn=x", "--set", "readinessProbe.httpGet.path=readyz"), "/readinessProbe/httpGet/path"),
        (("--set", "config.dsn=x", "--set", "compare.mode=verify"), "compare.mode needs agentos.url"),
        (("--set", "config.dsn=x", "--set", "compare.mode=always"), "/compare/mode"),
        (("--set", "config.dsn=x", "--set", "agentos.url=agentos:7777"), "/agentos/url"),
        (
            ("--set", "config.dsn=x", "--set", "ingress.enabled=true", "--set", "canary.enabled=true"),
            "canary.enabled needs ingress.enabled and agentos.serviceName",
        ),
        (("--set", "config.dsn=x", "--set", "canary.weight=101"), "/canary/weight"),
        (("--set", "config.dsn=x", "--set", "httpRoute.enabled=true"), "httpRoute.enabled needs httpRoute.parentRefs"),
        (
            (
                "--set",
                "config.dsn=x",
                "--set",
                "httpRoute.enabled=true",
                "--set",
                "httpRoute.parentRefs[0].name=g",
                "--set",
                "httpRoute.weight=10",
            ),
            "httpRoute.weight under 100 needs agentos.serviceName",
        ),
        (
            ("--set", "config.dsnMap.a=x", "--set", "database.readDsn=y"),
            "database.readDsn is for the single config.dsn",
        ),
        (("--set", "config.dsnMap.a=x", "--set", "database.readDsnMap.b[0]=y"), 'database.readDsnMap key "b"'),
        (("--set", "config.dsn=x", "--set", "database.readDsnKey=k"), "name keys of config.existingSecret"),
        (("--set", "config.existingSecret=s", "--set", "database.readDsn=y"), "excludes database.readDsn"),
        (("--set", "config.dsn=x", "--set", "settings.deadTimeout=soon"), "/settings/deadTimeout"),
    ],
    ids=[
        "no-dsn",
        "dsn-and-map",
        "existing-without-key",
        "existing-and-inline",
        "default-not-in-map",
        "map-without-default",
        "isolation-without-jwt",
        "authorization-without-jwt",
        "grace-too-short",
        "schema-minimum",
        "schema-enum",
        "schema-unknown-key",
        "schema-path",
        "compare-without-agentos",
        "compare-mode-enum",
        "agentos-url-scheme",
        "canary-without-agentos",
        "canary-weight-max",
        "route-without-parent",
        "route-split-without-agentos",
        "read-dsn-with-map",
        "read-map-unknown-db",
        "read-key-without-secret",
        "existing-secret-and-read-dsn",
        "dead-timeout-type",
    ],
)
def test_refuses_unworkable_values(args: tuple[str, ...], message: str):
    proc = helm("template", RELEASE, str(CHART), *args, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr


# ---- values.yaml is documented and typed ----


def test_every_value_is_documented_and_in_the_schema():
    """A top-level key has a comment right above it, or else (a section such as `settings:`) each
    of its keys has one. The schema lists exactly the keys values.yaml has (additionalProperties is
    false, so a misspelt --set fails)."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    undocumented = []
    section = None  # the undocumented top-level key whose children must be documented
    for i, line in enumerate(lines):
        m = re.match(r"^( *)([A-Za-z][A-Za-z0-9]*):", line)
        if not m or len(m.group(1)) > 2:
            continue
        commented = i > 0 and lines[i - 1].lstrip().startswith("#")
        if not m.group(1):
            section = None if commented else m.group(2)
            if not commented and not isinstance(VALUES[m.group(2)], dict):
                undocumented.append(m.group(2))
        elif section and not commented:
            undocumented.append(f"{section}.{m.group(2)}")
    assert not undocumented, f"keys without a comment above them in values.yaml: {undocumented}"

    props = json.loads((CHART / "values.schema.json").read_text())["properties"]
    assert set(VALUES) <= set(props)
    for name, value in VALUES.items():
        if isinstance(value, dict) and props[name].get("additionalProperties") is False:
            assert set(value) == set(props[name]["properties"]), name
