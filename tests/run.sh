#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a machine with only Python: makes .venv, installs the
# service with its test and contract extras (agno 3.1.10 for the contract suite), installs the
# deployment tools (helm, hadolint, compose-schema validator, locust, jq), then lints (ruff check,
# ruff format --check, mypy: a finding fails the run) and runs pytest.
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k list`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test,contract]'

tools="${AGNO_TOOLS_PREFIX:-$HOME/.cache/agno-session-tools}"
bash tests/deploy/install-tools.sh "$tools"
export PATH="$tools/bin:$PWD/.venv/bin:$PATH"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

exec .venv/bin/python -m pytest "$@"
