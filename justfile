# agno-session tasks. `just` lists them; the comment above each recipe is its help.
# Install just itself with `pip install rust-just` (the test script puts it in .venv).

set shell := ["bash", "-euo", "pipefail", "-c"]

venv := ".venv"
python := venv / "bin/python"

# List the recipes
default:
    @just --list

# Make .venv with the service and its test + contract extras
[group('dev')]
setup:
    test -x {{python}} || python3 -m venv {{venv}}
    {{python}} -m pip install -q -e '.[test,contract]'

# Serve the API on :8080 (embedded PostgreSQL in ./.data/pg unless AGNO_PG_DSN is set)
[group('dev')]
up:
    test -x {{venv}}/bin/session-svc || (python3 -m venv {{venv}} && {{python}} -m pip install -q -e .)
    {{venv}}/bin/session-svc serve

# Create agno's tables and indexes where missing (add --extra-indexes for the opt-in ones)
[group('dev')]
migrate *ARGS:
    {{venv}}/bin/session-svc migrate {{ARGS}}

# Run the whole test suite exactly as CI does (README's test line)
[group('test')]
test *ARGS:
    bash tests/run.sh {{ARGS}}

# Long Schemathesis run: both documents, 1,000 examples per operation, fresh embedded PostgreSQL, 2 workers
[group('test')]
fuzz *ARGS: setup
    {{python}} tests/support/fuzz.py {{ARGS}}

# Mixed workload for MINUTES against a local 2-worker service, printing each worker's RSS and the errors
[group('test')]
soak MINUTES="30" *ARGS: setup
    {{python}} tests/support/soak.py {{MINUTES}} {{ARGS}}

# Compare every answer with a live agno 3.1.10 AgentOS on the same databases
[group('test')]
contract-test *ARGS: setup
    {{python}} -m pytest -m contract tests/contract {{ARGS}}

tools := env("AGNO_TOOLS_PREFIX", env("HOME") / ".cache/agno-session-tools")

# Install helm, hadolint, check-jsonschema, locust (+ jq, psql, shellcheck, promtool, nginx) for the deploy checks
[group('deploy')]
tools:
    bash tests/deploy/install-tools.sh {{tools}} >/dev/null

# Smoke-test a running service, checking values on every route: just smoke http://localhost:8080
[group('deploy')]
smoke BASE_URL="http://localhost:8080":
    bash scripts/smoke/test-session-api.sh {{BASE_URL}}

# Load-test a running service with locust (headless) and print the summary: just load URL 30 10
[group('deploy')]
load BASE_URL="http://localhost:8080" SECONDS="30" USERS="10": tools
    LOCUST={{tools}}/bin/locust bash scripts/load/run-load.sh {{BASE_URL}} {{SECONDS}} {{USERS}}

# Lint as CI does (ruff check, ruff format --check, mypy), then Dockerfiles, shell scripts, compose file, chart, nginx config
[group('test')]
lint: setup tools
    {{venv}}/bin/ruff check .
    {{venv}}/bin/ruff format --check .
    {{venv}}/bin/mypy
    {{tools}}/bin/hadolint --failure-threshold style containers/Dockerfile
    {{tools}}/bin/hadolint --failure-threshold style containers/agentos/Dockerfile
    shellcheck scripts/smoke/test-session-api.sh scripts/load/run-load.sh tests/deploy/install-tools.sh
    {{tools}}/bin/check-jsonschema --builtin-schema vendor.compose-spec containers/compose.yml
    for f in charts/agno-session/ci/*-values.yaml; do {{tools}}/bin/helm lint --strict charts/agno-session -f "$f" >/dev/null; done
    PATH="{{tools}}/bin:$PATH" {{python}} -m pytest -q tests/deploy/test_compose.py -k nginx

# helm lint --strict and helm template over every ci/*-values.yaml, then the chart's tests (promtool
# unit tests of the alerts, dashboard queries against a live scrape)
[group('deploy')]
chart: tools
    for f in charts/agno-session/ci/*-values.yaml; do {{tools}}/bin/helm lint --strict charts/agno-session -f "$f" >/dev/null; {{tools}}/bin/helm template agno-session charts/agno-session -f "$f" >/dev/null; echo "ok $f"; done
    PATH="{{tools}}/bin:$PATH" {{python}} -m pytest -q tests/deploy/test_chart.py tests/deploy/test_monitoring.py

# Build the container image (needs a Docker engine): just image agno-session:dev
[group('deploy')]
image TAG="agno-session:dev":
    docker build -f containers/Dockerfile -t {{TAG}} .

bench_venv := ".venv-bench"
bench_python := bench_venv / "bin/python"

# Bench venv (agno 3.1.10 contract extra + psutil, granian, uvloop, httptools, py-spy; never runtime deps) and wrk
[group('bench')]
bench-setup:
    test -x {{bench_python}} || python3 -m venv {{bench_venv}}
    {{bench_python}} -m pip install -q -e '.[test,contract]' psutil granian uvloop httptools py-spy
    command -v wrk >/dev/null || { test "$(id -u)" = 0 && (apt-get install -y wrk || (apt-get update && apt-get install -y wrk)); } || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

# Ours vs AgentOS 3.1.10 on 2,000 agno-written sessions, plus server comparison and py-spy profiles (~30 min)
[group('bench')]
bench *ARGS: bench-setup
    {{bench_python}} bench/run.py --servers --profile {{ARGS}}

# The same in a few minutes (200 sessions, 2 s runs) for development
[group('bench')]
bench-quick *ARGS: bench-setup
    {{bench_python}} bench/run.py --quick {{ARGS}}

# List/detail/runs latency at 10k and 100k sessions, with and without --extra-indexes (1M: --sizes 10000,100000,1000000)
[group('bench')]
bench-scale *ARGS: bench-setup
    {{bench_python}} bench/scale.py {{ARGS}}

# What the live comparison costs: verify at sample 1.0 vs off (req/s), shadow vs AgentOS alone (p50/p99)
[group('bench')]
bench-cutover *ARGS: bench-setup
    {{bench_python}} bench/cutover.py {{ARGS}}

# The whole cut-over topology locally until Ctrl-C: embedded PostgreSQL seeded by agno, AgentOS, this
# service and the nginx ingress (prints the URLs; ingress on :8000)
[group('dev')]
demo *ARGS: setup tools
    {{python}} scripts/demo.py {{ARGS}}
