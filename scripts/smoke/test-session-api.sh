#!/usr/bin/env bash
# jq filters are single-quoted on purpose: $names in them are jq variables passed with --arg.
# shellcheck disable=SC2016
# Smoke test of a running agno-session (or agno AgentOS) /sessions API: every route once, checking the
# values in each answer, not only the status. Cleans up what it creates. Needs curl and jq.
#
#   scripts/smoke/test-session-api.sh http://localhost:8080
#
# Optional environment:
#   SMOKE_AUTH_TOKEN   sent as `Authorization: Bearer <token>` (for OS_SECURITY_KEY deployments)
#   SMOKE_DB_ID        sent as ?db_id= on every sessions request
#   SMOKE_PG_DSN       libpq DSN of the same database: the script then also inserts one session with
#                      two runs the way agno's runtime stores them (the API cannot create runs) and
#                      checks /runs, /run-previews, /runs/{id}, chat_history and the derived name.
#                      Needs psql. SMOKE_DB_SCHEMA / SMOKE_SESSION_TABLE / SMOKE_RUNS_TABLE default to
#                      agno's ai / agno_sessions / agno_runs.
#   SMOKE_SKIP_OPS=1   skip /healthz and /readyz (agno AgentOS has only /health). With it, the script
#                      also passes against agno 3.1.10's own AgentOS: the expected values are AgentOS's.
set -euo pipefail

BASE_URL="${1:-${BASE_URL:-http://localhost:8080}}"
BASE_URL="${BASE_URL%/}"
TAG="smoke-$(date +%s)-$$-${RANDOM}"
WORK="$(mktemp -d)"
BODY="$WORK/body"
STATUS=""
CHECKS=0
CREATED=()

for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "smoke: $tool is required" >&2; exit 2; }
done

cleanup() {
    # Best effort: remove whatever this run created even when a check failed half way.
    local id
    for id in "${CREATED[@]}"; do
        curl -sS -o /dev/null -X DELETE "${AUTH[@]}" "$BASE_URL/sessions/$id$(db_query '?')" || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

AUTH=()
if [[ -n "${SMOKE_AUTH_TOKEN:-}" ]]; then
    AUTH=(-H "Authorization: Bearer ${SMOKE_AUTH_TOKEN}")
fi

# "?db_id=x" or "&db_id=x" (first argument is the separator), or nothing.
db_query() {
    if [[ -n "${SMOKE_DB_ID:-}" ]]; then printf '%sdb_id=%s' "$1" "$SMOKE_DB_ID"; fi
}

# req METHOD PATH [JSON_BODY] -> sets STATUS, writes the body to $BODY
req() {
    local method="$1" path="$2" data="${3-}"
    local sep='?'
    [[ "$path" == *\?* ]] && sep='&'
    [[ "$path" == /sessions* ]] && path="$path$(db_query "$sep")"
    local args=(-sS -o "$BODY" -w '%{http_code}' -X "$method" "${AUTH[@]}")
    if [[ -n "$data" ]]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$data")
    fi
    STATUS="$(curl "${args[@]}" "$BASE_URL$path")"
    LAST="$method $path"
}

fail() {
    echo "smoke: FAIL after $CHECKS checks: $LAST: $*" >&2
    echo "smoke: status $STATUS, body:" >&2
    head -c 2000 "$BODY" >&2 || true
    echo >&2
    exit 1
}

expect_status() {
    [[ "$STATUS" == "$1" ]] || fail "expected HTTP $1, got $STATUS"
    CHECKS=$((CHECKS + 1))
}

# expect 'jq boolean filter' [jq --arg/--argjson pairs...]: the filter must yield true on the body.
expect() {
    local filter="$1"
    shift
    jq -e "$@" "$filter" "$BODY" >/dev/null 2>&1 || fail "expected: $filter $*"
    CHECKS=$((CHECKS + 1))
}

expect_empty_body() {
    [[ ! -s "$BODY" ]] || fail "expected an empty body"
    CHECKS=$((CHECKS + 1))
}

ISO_Z='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
AGENT_ID="$TAG-agent"
TEAM_ID="$TAG-team"
WF_ID="$TAG-wf"

echo "smoke: $BASE_URL (tag $TAG)"

# ---- health ----
req GET /health
expect_status 200
expect '.status == "ok" and (.instantiated_at | type == "string")'
if [[ "${SMOKE_SKIP_OPS:-}" != 1 ]]; then
    req GET /healthz
    expect_status 200
    expect '.status == "ok"'
    req GET /readyz
    expect_status 200
    expect '.status == "ok"'
fi

# ---- list before: nothing carries this run's tag ----
req GET "/sessions?session_name=$TAG"
expect_status 200
expect '.data == [] and .meta.total_count == 0 and .meta.total_pages == 0 and .meta.page == 1 and .meta.limit == 20'

# ---- create one session of each type ----
req POST "/sessions?type=agent" "$(jq -nc --arg id "$AGENT_ID" --arg tag "$TAG" '{
    session_id: $id, session_name: ("Agent " + $tag), session_state: {step: "init"},
    metadata: {suite: "smoke"}, user_id: ($tag + "-user"), agent_id: "smoke-agent"}')"
expect_status 201
CREATED+=("$AGENT_ID")
expect '.session_id == $id and .agent_session_id == $id and .session_name == ("Agent " + $tag)' --arg id "$AGENT_ID" --arg tag "$TAG"
expect '.session_state == {step: "init"} and .metadata == {suite: "smoke"} and .agent_id == "smoke-agent"'
expect '.user_id == ($tag + "-user") and .chat_history == [] and .metrics == {}' --arg tag "$TAG"
expect '(.created_at | test($re)) and .updated_at == .created_at' --arg re "$ISO_Z"
AGENT_CREATED_AT="$(jq -r .created_at "$BODY")"

req POST "/sessions?type=team" "$(jq -nc --arg id "$TEAM_ID" --arg tag "$TAG" '{
    session_id: $id, session_name: ("Team " + $tag), team_id: "smoke-team", agent_id: "ignored-for-teams"}')"
expect_status 201
CREATED+=("$TEAM_ID")
expect '.session_id == $id and .team_id == "smoke-team" and (has("agent_id") | not) and (has("agent_session_id") | not)' --arg id "$TEAM_ID"

req POST "/sessions?type=workflow" "$(jq -nc --arg id "$WF_ID" --arg tag "$TAG" '{
    session_id: $id, session_name: ("Workflow " + $tag), workflow_id: "smoke-wf"}')"
expect_status 201
CREATED+=("$WF_ID")
expect '.workflow_id == "smoke-wf" and .workflow_data == {} and .metadata == {} and .session_data == {session_name: ("Workflow " + $tag)}' --arg tag "$TAG"

# A second create with the same id must not overwrite it (the original Go service did).
req POST "/sessions?type=agent" "$(jq -nc --arg id "$AGENT_ID" '{session_id: $id, session_name: "overwrite"}')"
expect_status 409
expect '.detail == $want' --arg want "Session with id '$AGENT_ID' already exists. Use PATCH /sessions/$AGENT_ID to update it."

# No id: one is generated (a UUID).
req POST "/sessions"
expect_status 201
GENERATED_ID="$(jq -r .session_id "$BODY")"
CREATED+=("$GENERATED_ID")
expect '(.session_id | test("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")) and .session_name == "" and .chat_history == []'

# ---- list: filters, pagination, meta ----
req GET "/sessions?session_name=$TAG&limit=2&page=1&sort_by=created_at&sort_order=asc"
expect_status 200
expect '.meta == {page: 1, limit: 2, total_pages: 2, total_count: 3, search_time_ms: 0}'
expect '(.data | length) == 2'
req GET "/sessions?session_name=$TAG&limit=2&page=2"
expect_status 200
expect '(.data | length) == 1 and .meta.page == 2 and .meta.total_count == 3'
req GET "/sessions?type=team&session_name=$TAG"
expect_status 200
expect '.meta.total_count == 1 and .data[0].session_id == $id and .data[0].session_type == "team" and .data[0].team_id == "smoke-team"' --arg id "$TEAM_ID"
req GET "/sessions?type=agent&component_id=smoke-agent&user_id=$TAG-user"
expect_status 200
expect '.meta.total_count == 1 and .data[0].session_id == $id and .data[0].session_state == {step: "init"} and .data[0].metadata == {suite: "smoke"}' --arg id "$AGENT_ID"
expect '.data[0] | (.created_at | test($re)) and .session_type == "agent" and .agent_id == "smoke-agent"' --arg re "$ISO_Z"

# ---- read one; the type is detected when ?type= is absent ----
req GET "/sessions/$AGENT_ID"
expect_status 200
expect '.session_id == $id and .session_name == ("Agent " + $tag) and .session_state == {step: "init"} and .created_at == $created' \
    --arg id "$AGENT_ID" --arg tag "$TAG" --arg created "$AGENT_CREATED_AT"
req GET "/sessions/$TEAM_ID"
expect_status 200
expect '.team_id == "smoke-team" and .session_name == ("Team " + $tag) and (has("agent_session_id") | not)' --arg tag "$TAG"
req GET "/sessions/$WF_ID"
expect_status 200
expect '.workflow_id == "smoke-wf" and .session_data.session_name == ("Workflow " + $tag)' --arg tag "$TAG"

# ---- rename: answer keeps nulls (no exclude_none) and does not touch updated_at ----
req POST "/sessions/$AGENT_ID/rename" "$(jq -nc --arg tag "$TAG" '{session_name: ("Renamed " + $tag)}')"
expect_status 200
expect '.session_name == ("Renamed " + $tag) and has("session_summary") and .session_summary == null and .updated_at == $created' \
    --arg tag "$TAG" --arg created "$AGENT_CREATED_AT"
expect '.session_state == {step: "init"} and .metadata == {suite: "smoke"}'

# ---- patch: state and metadata replaced, summary normalised, name kept ----
req PATCH "/sessions/$AGENT_ID" '{"session_state":{"step":"done","n":2},"metadata":{"tags":["a","b"]},"summary":{"summary":"S","updated_at":"2025-10-21T14:30:00Z"}}'
expect_status 200
expect '.session_state == {step: "done", n: 2} and .metadata == {tags: ["a", "b"]} and .session_name == ("Renamed " + $tag)' --arg tag "$TAG"
expect '.session_summary == {summary: "S", updated_at: "2025-10-21T14:30:00+00:00"}'
req GET "/sessions/$AGENT_ID"
expect_status 200
expect '.session_state == {step: "done", n: 2} and .metadata == {tags: ["a", "b"]} and .session_summary.summary == "S" and .session_name == ("Renamed " + $tag)' --arg tag "$TAG"

# ---- runs of a session without runs ----
req GET "/sessions/$AGENT_ID/runs"
expect_status 200
expect '. == []'
req GET "/sessions/$AGENT_ID/run-previews"
expect_status 200
expect '. == []'
req GET "/sessions/$AGENT_ID/runs/no-such-run"
expect_status 404
expect '.detail == ("Session with ID " + $id + " has no runs")' --arg id "$AGENT_ID"

# ---- runs written the way agno's runtime writes them (optional: needs SMOKE_PG_DSN) ----
if [[ -n "${SMOKE_PG_DSN:-}" ]]; then
    command -v psql >/dev/null || { echo "smoke: SMOKE_PG_DSN needs psql" >&2; exit 2; }
    SEED_ID="$TAG-seeded"
    CREATED+=("$SEED_ID")
    psql "$SMOKE_PG_DSN" -q -v ON_ERROR_STOP=1 \
        -v schema="${SMOKE_DB_SCHEMA:-ai}" -v sessions="${SMOKE_SESSION_TABLE:-agno_sessions}" \
        -v runs="${SMOKE_RUNS_TABLE:-agno_runs}" -v sid="$SEED_ID" -v user="$TAG-seed-user" <<'SQL' >/dev/null
INSERT INTO :"schema".:"sessions" (session_id, session_type, agent_id, user_id, session_data, created_at, updated_at)
VALUES (:'sid', 'agent', 'smoke-agent', :'user', '{"session_state": {"seeded": true}}', 1795545569, 1795545579);
INSERT INTO :"schema".:"runs" (run_id, session_id, run_type, agent_id, user_id, status, run_index, run_data, created_at)
VALUES
 (:'sid' || '-r1', :'sid', 'agent', 'smoke-agent', :'user', 'COMPLETED', 0,
  jsonb_build_object('run_id', :'sid' || '-r1', 'session_id', :'sid', 'agent_id', 'smoke-agent', 'user_id', :'user',
    'status', 'COMPLETED', 'content', 'Echo: first question', 'content_type', 'str', 'created_at', 1795545569,
    'input', jsonb_build_object('input_content', 'first question'),
    'messages', jsonb_build_array(
      jsonb_build_object('id', 'm1', 'role', 'user', 'content', 'first question', 'created_at', 1795545569),
      jsonb_build_object('id', 'm2', 'role', 'assistant', 'content', 'Echo: first question', 'created_at', 1795545569))),
  1795545569),
 (:'sid' || '-r2', :'sid', 'agent', 'smoke-agent', :'user', 'ERROR', 1,
  jsonb_build_object('run_id', :'sid' || '-r2', 'session_id', :'sid', 'agent_id', 'smoke-agent', 'user_id', :'user',
    'status', 'ERROR', 'content', 'boom', 'content_type', 'str', 'created_at', 1795545579,
    'input', jsonb_build_object('input_content', 'second question'),
    'messages', jsonb_build_array(
      jsonb_build_object('id', 'm3', 'role', 'user', 'content', 'second question', 'created_at', 1795545579))),
  1795545579);
SQL
    req GET "/sessions/$SEED_ID"
    expect_status 200
    # No stored name: agno names the session after the first user message of its runs.
    expect '.session_name == "first question" and .session_state == {seeded: true} and .updated_at == "2026-11-24T18:39:39Z"'
    expect '[.chat_history[] | [.role, .content]] == [["user", "first question"], ["assistant", "Echo: first question"], ["user", "second question"]]'
    req GET "/sessions/$SEED_ID/runs"
    expect_status 200
    expect '[.[].run_id] == [$sid + "-r1", $sid + "-r2"]' --arg sid "$SEED_ID"
    expect '.[0] | .run_input == "first question" and .content == "Echo: first question" and .status == "COMPLETED" and .created_at == "2026-11-24T18:39:29Z" and .parent_run_id == "" and .run_response_format == "text"'
    expect '.[1] | .status == "ERROR" and .run_input == "second question" and (has("tools") | not)'
    req GET "/sessions/$SEED_ID/runs?status=error"
    expect_status 200
    expect '[.[].run_id] == [$sid + "-r2"]' --arg sid "$SEED_ID"
    req GET "/sessions/$SEED_ID/runs?created_after=1795545570"
    expect_status 200
    expect '[.[].run_id] == [$sid + "-r2"]' --arg sid "$SEED_ID"
    req GET "/sessions/$SEED_ID/run-previews"
    expect_status 200
    expect '[.[] | [.run_id, .run_input, .content_preview, .status]] == [[$sid + "-r1", "first question", "Echo: first question", "COMPLETED"], [$sid + "-r2", "second question", "boom", "ERROR"]]' --arg sid "$SEED_ID"
    req GET "/sessions/$SEED_ID/runs/$SEED_ID-r2"
    expect_status 200
    # The single-run answer keeps nulls.
    expect '.run_id == ($sid + "-r2") and .content == "boom" and has("tools") and .tools == null and .metadata == null' --arg sid "$SEED_ID"
    req GET "/sessions/$SEED_ID/runs/missing"
    expect_status 404
    expect '.detail == ("Run with ID missing not found in session " + $sid)' --arg sid "$SEED_ID"
    req GET "/sessions?user_id=$TAG-seed-user"
    expect_status 200
    expect '.meta.total_count == 1 and .data[0].session_name == "first question" and .data[0].session_id == $sid' --arg sid "$SEED_ID"
fi

# ---- error answers: AgentOS's bodies, not only the codes ----
req GET "/sessions?type=bogus"
expect_status 422
expect '.detail[0].type == "enum" and .detail[0].loc == ["query", "type"] and .detail[0].input == "bogus"'
req GET "/sessions?limit=0"
expect_status 422
expect '.detail[0].type == "greater_than_equal" and .detail[0].loc == ["query", "limit"]'
req GET "/sessions?limit=abc"
expect_status 422
expect '.detail[0].type == "int_parsing" and .detail[0].input == "abc"'
req GET "/sessions/$TAG-missing"
expect_status 404
expect '.detail == $want' --arg want "Session with id '$TAG-missing' not found"
req GET "/sessions/$TAG-missing?type=team"
expect_status 404
expect '.detail == $want' --arg want "Team Session with id '$TAG-missing' not found"
req GET "/sessions/$TAG-missing/runs"
expect_status 404
expect '.detail == ("Session with ID " + $id + " not found")' --arg id "$TAG-missing"
req GET "/sessions/$AGENT_ID/runs?status=BOGUS"
expect_status 400
expect '.detail | startswith($want)' --arg want "Invalid status value(s) ['BOGUS']; expected one of "
req POST "/sessions/$AGENT_ID/rename" '{}'
expect_status 422
expect '.detail[0].type == "missing" and .detail[0].loc == ["body", "session_name"]'
req POST "/sessions?type=agent" '{"session_state": "notadict"}'
expect_status 422
expect '.detail[0].type == "dict_type" and .detail[0].loc == ["body", "session_state"]'
req POST "/sessions?type=agent" '{not json'
expect_status 422
expect '.detail[0].type == "json_invalid"'
req DELETE /sessions '{"session_ids": ["a", "b"], "session_types": ["agent"]}'
expect_status 400
expect '.detail == "Session IDs and session types must have the same length"'
req DELETE /sessions '{"session_ids": [], "session_types": []}'
expect_status 422
expect '[.detail[].type] == ["too_short", "too_short"]'
if [[ -z "${SMOKE_DB_ID:-}" ]]; then
    req GET "/sessions?db_id=$TAG-nodb"
    expect_status 404
    expect '.detail == $want' --arg want "No database found with id '$TAG-nodb'"
fi
req GET "/no-such-path-$TAG"
expect_status 404
expect '. == {detail: "Not Found"}'
req PUT "/sessions/$AGENT_ID"
expect_status 405
expect '. == {detail: "Method Not Allowed"}'

# ---- delete one: 204 with an empty body, then gone; deleting again is still 204 ----
req DELETE "/sessions/$AGENT_ID"
expect_status 204
expect_empty_body
req GET "/sessions/$AGENT_ID"
expect_status 404
req DELETE "/sessions/$AGENT_ID"
expect_status 204

# ---- bulk delete ----
req DELETE /sessions "$(jq -nc --arg t "$TEAM_ID" --arg w "$WF_ID" --arg g "$GENERATED_ID" \
    '{session_ids: [$t, $w, $g], session_types: ["team", "workflow", "agent"]}')"
expect_status 204
expect_empty_body
req GET "/sessions?session_name=$TAG"
expect_status 200
expect '.meta.total_count == 0 and .data == []'
req GET "/sessions/$TEAM_ID"
expect_status 404
req GET "/sessions/$GENERATED_ID"
expect_status 404

if [[ -n "${SMOKE_PG_DSN:-}" ]]; then
    req DELETE "/sessions/$SEED_ID"
    expect_status 204
    req GET "/sessions/$SEED_ID/runs"
    expect_status 404
fi

echo "smoke: ${CHECKS} passed, 0 failed"
