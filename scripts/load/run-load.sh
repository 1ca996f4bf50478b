#!/usr/bin/env bash
# Runs the locust load profile headless against a running service and prints locust's summary
# (requests, failures and latency percentiles per route). Exits non-zero when any request failed
# or none was sent.
#
#   scripts/load/run-load.sh BASE_URL [SECONDS=30] [USERS=10]
#
# Environment: LOCUST (the locust command; default: locust on PATH, else the one
# tests/deploy/install-tools.sh installed), LOAD_AUTH_TOKEN, LOAD_DB_ID (see locustfile.py),
# LOAD_CSV=prefix to also write locust's CSV files.
set -euo pipefail

if (($# < 1)); then
    echo "usage: $0 BASE_URL [SECONDS] [USERS]" >&2
    exit 2
fi
BASE_URL="${1%/}"
SECONDS_TO_RUN="${2:-30}"
USERS="${3:-10}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

locust_cmd="${LOCUST:-}"
if [[ -z "$locust_cmd" ]]; then
    if command -v locust >/dev/null; then
        locust_cmd=locust
    else
        locust_cmd="${AGNO_TOOLS_PREFIX:-$HOME/.cache/agno-session-tools}/bin/locust"
    fi
fi
[[ -x "$(command -v "$locust_cmd")" ]] || {
    echo "load: locust not found; run tests/deploy/install-tools.sh" >&2
    exit 2
}

args=(
    -f "$HERE/locustfile.py" --headless --host "$BASE_URL"
    --users "$USERS" --spawn-rate "$USERS" --run-time "${SECONDS_TO_RUN}s"
    --stop-timeout 5 --only-summary --loglevel WARNING
)
[[ -n "${LOAD_CSV:-}" ]] && args+=(--csv "$LOAD_CSV")

echo "load: $USERS users for ${SECONDS_TO_RUN}s against $BASE_URL"
exec "$locust_cmd" "${args[@]}"
