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

# Compare every answer with a live agno 3.1.10 AgentOS on the same databases
[group('test')]
contract-test *ARGS: setup
    {{python}} -m pytest -m contract tests/contract {{ARGS}}
