"""The chart's monitoring objects (metrics.serviceMonitor / prometheusRule / dashboard): rendered with
`helm template`, the alert rules checked and unit-tested with promtool (tests/deploy/alerts/), and
every metric the dashboard and the rules read checked against what a real `session-svc serve`
exports on /metrics, so a renamed metric cannot leave a dead panel or a silent alert behind.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from .promql import metric_names
from .support import REPO, ServiceProcess, find_tool, free_port, http_get, run, service_env
from .test_chart import CHART, FULLNAME, render

ALERT_TESTS = REPO / "tests" / "deploy" / "alerts" / "agno-session.test.yaml"
MONITORING = (
    "--set",
    "config.dsn=postgresql://a@db/agno",
    "--set",
    "metrics.serviceMonitor.enabled=true",
    "--set",
    "metrics.prometheusRule.enabled=true",
    "--set",
    "metrics.dashboard.enabled=true",
)
# Read by the readiness alert and exported by kube-state-metrics, not by this service.
KUBE_STATE_METRICS = {"kube_pod_status_ready"}


@pytest.fixture(scope="module")
def manifests() -> dict:
    return render(*MONITORING)


@pytest.fixture(scope="module")
def rules(manifests) -> list[dict]:
    spec = manifests[("PrometheusRule", FULLNAME)]["spec"]
    return [rule for group in spec["groups"] for rule in group["rules"]]


@pytest.fixture(scope="module")
def dashboard(manifests) -> dict:
    config_map = manifests[("ConfigMap", f"{FULLNAME}-dashboard")]
    [document] = config_map["data"].values()
    return json.loads(document)


def test_monitoring_is_off_by_default():
    kinds = {kind for kind, _ in render("--set", "config.dsn=postgresql://a@db/agno")}
    assert not {"ServiceMonitor", "PrometheusRule"} & kinds
    assert ("ConfigMap", f"{FULLNAME}-dashboard") not in render("--set", "config.dsn=postgresql://a@db/agno")


def test_service_monitor_scrapes_the_service_port(manifests):
    monitor = manifests[("ServiceMonitor", FULLNAME)]["spec"]
    service = manifests[("Service", FULLNAME)]
    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["namespaceSelector"] == {"matchNames": ["sessions"]}
    [endpoint] = monitor["endpoints"]
    assert endpoint["port"] == service["spec"]["ports"][0]["name"] and endpoint["path"] == "/metrics"


def test_dashboard_configmap_carries_the_sidecar_label(manifests, dashboard):
    labels = manifests[("ConfigMap", f"{FULLNAME}-dashboard")]["metadata"]["labels"]
    assert labels["grafana_dashboard"] == "1"
    assert dashboard["uid"] == "agno-session" and dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["targets"], f"panel {panel['title']!r} has no query"


def test_promtool_checks_the_rules(rules, manifests, tmp_path: Path):
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(manifests[("PrometheusRule", FULLNAME)]["spec"]))
    out = run([find_tool("promtool"), "check", "rules", str(path)])
    assert f"SUCCESS: {len(rules)} rules found" in out.stdout


def test_promtool_unit_tests_pass_and_cover_every_alert(rules, manifests, tmp_path: Path):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(manifests[("PrometheusRule", FULLNAME)]["spec"]))
    shutil.copy(ALERT_TESTS, tmp_path / ALERT_TESTS.name)
    out = run([find_tool("promtool"), "test", "rules", ALERT_TESTS.name], cwd=tmp_path)
    assert "SUCCESS" in out.stdout + out.stderr
    # Every alert has a case where it fires and one where it stays quiet.
    cases = [case for test in yaml.safe_load(ALERT_TESTS.read_text())["tests"] for case in test["alert_rule_test"]]
    alerts = {rule["alert"] for rule in rules}
    assert alerts == {case["alertname"] for case in cases if case["exp_alerts"]}
    assert alerts == {case["alertname"] for case in cases if not case["exp_alerts"]}


def test_unit_tests_fail_on_a_broken_rule(manifests, tmp_path: Path):
    """The same promtool call fails when a threshold changes, so its pass above means something."""
    spec = manifests[("PrometheusRule", FULLNAME)]["spec"]
    broken = json.loads(json.dumps(spec).replace("> 0.05", "> 0.5"))
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(broken))
    shutil.copy(ALERT_TESTS, tmp_path / ALERT_TESTS.name)
    out = run([find_tool("promtool"), "test", "rules", ALERT_TESTS.name], cwd=tmp_path, check=False)
    assert out.returncode != 0 and "AgnoSessionHighErrorRatio" in out.stdout + out.stderr


def test_rule_thresholds_and_selector_come_from_values():
    spec = render(
        *MONITORING,
        "--set-json",
        "metrics.prometheusRule.errorRatio=0.2",
        "--set",
        'metrics.prometheusRule.selector=service="sessions"',
    )[("PrometheusRule", FULLNAME)]["spec"]
    [error_ratio] = [r for g in spec["groups"] for r in g["rules"] if r["alert"] == "AgnoSessionHighErrorRatio"]
    assert "> 0.2" in error_ratio["expr"] and 'service="sessions"' in error_ratio["expr"]
    assert 'job="' not in error_ratio["expr"]


# ---- every metric read is one the service exports ----


def _queries(dashboard: dict, rules: list[dict]) -> dict[str, str]:
    """{where: expr} for every dashboard target, template variable and alert rule."""
    found = {f"alert {r['alert']}": r["expr"] for r in rules}
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            found[f"panel {panel['title']!r} {target['refId']}"] = target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            found[f"variable {variable['name']}"] = re.sub(
                r"^label_values\((.*),\s*\w+\)$", r"\1", variable["query"]["query"]
            )
    return found


@pytest.fixture(scope="module")
def exported(pg_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[str]]:
    """Sample names a real `session-svc serve` (two workers, the default) exposes after a request."""
    from prometheus_client.parser import text_string_to_metric_families

    workdir = tmp_path_factory.mktemp("metrics")
    env = service_env(pg_dsn, free_port(), AGNO_WORKERS="2", PYTHONPATH=str(REPO))
    service = ServiceProcess(["serve"], env, REPO, workdir / "service.log")
    try:
        service.wait_healthy()
        assert http_get(service.base_url + "/sessions?limit=1")[0] == 200
        assert http_get(service.base_url + "/sessions/no-such-session")[0] == 404
        with urllib.request.urlopen(service.base_url + "/metrics", timeout=5) as resp:
            text = resp.read().decode()
    finally:
        assert service.stop() == 0, service.log()
    yield {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}


def _declared_in_code() -> set[str]:
    """Metric names session_svc declares (a family appears in a scrape only once it has a sample:
    the comparison's counters need AGNO_COMPARE_MODE and an AgentOS, worker restarts a dead worker)."""
    names = set()
    for path in (REPO / "session_svc").rglob("*.py"):
        for base in re.findall(r'"(agno_session_[a-z0-9_]+)"', path.read_text()):
            names |= {base, base + "_total", base + "_bucket", base + "_sum", base + "_count"}
    return names


def _read_metrics() -> list[str]:
    """Metric names read by the dashboard file and the rule template's expressions, taken from the
    chart's files at collection time (one test per metric); test_static_names_match_the_rendered_ones
    checks this against the rendered objects."""
    dashboard = json.loads((CHART / "dashboards" / "agno-session.json").read_text())
    template = (CHART / "templates" / "prometheusrule.yaml").read_text()
    exprs = [re.sub(r"\{\{.*?\}\}", "", e) for e in re.findall(r"expr: \|\n((?:            .*\n)+)", template)]
    exprs += _queries(dashboard, []).values()
    return sorted(set().union(*(metric_names(e) for e in exprs)) - KUBE_STATE_METRICS)


def test_static_names_match_the_rendered_ones(dashboard, rules):
    rendered = set().union(*(metric_names(e) for e in _queries(dashboard, rules).values()))
    assert sorted(rendered - KUBE_STATE_METRICS) == _read_metrics()


def test_queries_name_metrics_at_all(dashboard, rules):
    """The name extraction finds the metrics of every query (an empty set would pass vacuously)."""
    for where, expr in _queries(dashboard, rules).items():
        assert metric_names(expr), f"no metric found in {where}: {expr}"


@pytest.mark.parametrize("metric", _read_metrics())
def test_every_metric_read_is_exported(metric: str, exported: set[str]):
    assert metric in exported or metric in _declared_in_code(), (
        f"{metric} is read by the dashboard or an alert but session_svc neither exports nor declares it"
    )
