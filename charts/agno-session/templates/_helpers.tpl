{{/* Chart name, cut to the 63 characters Kubernetes allows in names and labels. */}}
{{- define "agno-session.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: release name, plus the chart name unless the release already contains it. */}}
{{- define "agno-session.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "agno-session.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selects the server pods only (the migration Job's pod has component=migrate). */}}
{{- define "agno-session.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agno-session.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "agno-session.commonLabels" -}}
helm.sh/chart: {{ include "agno-session.chart" . }}
app.kubernetes.io/name: {{ include "agno-session.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: agno
{{- end }}

{{- define "agno-session.labels" -}}
{{ include "agno-session.commonLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{- define "agno-session.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "agno-session.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "agno-session.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/* Name of the Secret the pods read: the user's existing one or the chart-managed one. */}}
{{- define "agno-session.secretName" -}}
{{- if .Values.config.existingSecret }}
{{- .Values.config.existingSecret }}
{{- else }}
{{- include "agno-session.fullname" . }}
{{- end }}
{{- end }}

{{/*
Refuse configurations that cannot work, with a message saying what to set. Called from every
template that depends on them so `helm template` fails early.
*/}}
{{- define "agno-session.validate" -}}
{{- $c := .Values.config }}
{{- if and (not $c.existingSecret) (not $c.dsn) (not $c.dsnMap) }}
{{- fail "agno-session: set config.dsn, config.dsnMap or config.existingSecret (a container has no embedded PostgreSQL to fall back on)" }}
{{- end }}
{{- if and $c.dsn $c.dsnMap }}
{{- fail "agno-session: set only one of config.dsn and config.dsnMap" }}
{{- end }}
{{- if and $c.existingSecret (not $c.dsnKey) (not $c.dsnMapKey) }}
{{- fail "agno-session: with config.existingSecret, set config.dsnKey or config.dsnMapKey to the key holding the DSN" }}
{{- end }}
{{- if and $c.existingSecret (or $c.dsn $c.dsnMap $c.securityKey $c.jwtVerificationKey) }}
{{- fail "agno-session: config.existingSecret excludes config.dsn, config.dsnMap, config.securityKey and config.jwtVerificationKey; put those values in the existing Secret" }}
{{- end }}
{{- if and (gt (len $c.dsnMap) 1) (not $c.defaultDbId) }}
{{- fail "agno-session: with several databases in config.dsnMap, set config.defaultDbId (Helm does not keep a map's order, so there is no \"first\" one)" }}
{{- end }}
{{- if and $c.defaultDbId $c.dsnMap (not (hasKey $c.dsnMap $c.defaultDbId)) }}
{{- fail (printf "agno-session: config.defaultDbId %q is not a key of config.dsnMap" $c.defaultDbId) }}
{{- end }}
{{- $jwt := or $c.jwtVerificationKey $c.jwtVerificationKeyKey $c.jwksSecret }}
{{- if and .Values.settings.userIsolation (not $jwt) }}
{{- fail "agno-session: settings.userIsolation needs a JWT key: config.jwtVerificationKey, config.jwtVerificationKeyKey or config.jwksSecret" }}
{{- end }}
{{- if and (eq (toString .Values.settings.authorization) "true") (not $jwt) }}
{{- fail "agno-session: settings.authorization needs a JWT key: config.jwtVerificationKey, config.jwtVerificationKeyKey or config.jwksSecret" }}
{{- end }}
{{- $d := .Values.database }}
{{- if and $c.existingSecret (or $d.readDsn $d.readDsnMap) }}
{{- fail "agno-session: config.existingSecret excludes database.readDsn and database.readDsnMap; put them in the existing Secret and name their keys in database.readDsnKey / database.readDsnMapKey" }}
{{- end }}
{{- if and (not $c.existingSecret) (or $d.readDsnKey $d.readDsnMapKey) }}
{{- fail "agno-session: database.readDsnKey and database.readDsnMapKey name keys of config.existingSecret, which is not set" }}
{{- end }}
{{- if and $d.readDsn $c.dsnMap }}
{{- fail "agno-session: database.readDsn is for the single config.dsn; with config.dsnMap list replicas per db_id in database.readDsnMap" }}
{{- end }}
{{- range $dbId, $dsns := $d.readDsnMap }}
{{- if and $c.dsnMap (not (hasKey $c.dsnMap $dbId)) }}
{{- fail (printf "agno-session: database.readDsnMap key %q is not a key of config.dsnMap" $dbId) }}
{{- end }}
{{- end }}
{{- if and (ne (toString .Values.compare.mode) "off") (not .Values.agentos.url) }}
{{- fail "agno-session: compare.mode needs agentos.url (the AgentOS to compare with)" }}
{{- end }}
{{- if and .Values.canary.enabled (not (and .Values.ingress.enabled .Values.agentos.serviceName)) }}
{{- fail "agno-session: canary.enabled needs ingress.enabled and agentos.serviceName (the main Ingress routes to AgentOS)" }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "agno-session: httpRoute.enabled needs httpRoute.parentRefs (the Gateway to attach to)" }}
{{- end }}
{{- if and .Values.httpRoute.enabled (lt (int .Values.httpRoute.weight) 100) (not .Values.agentos.serviceName) }}
{{- fail "agno-session: an httpRoute.weight under 100 needs agentos.serviceName for the rest of the traffic" }}
{{- end }}
{{- if le (int (include "agno-session.terminationGracePeriodSeconds" .)) (int .Values.settings.requestTimeout) }}
{{- fail "agno-session: terminationGracePeriodSeconds must be longer than settings.requestTimeout, or in-flight requests are killed" }}
{{- end }}
{{- end }}

{{- define "agno-session.terminationGracePeriodSeconds" -}}
{{- if .Values.terminationGracePeriodSeconds }}
{{- .Values.terminationGracePeriodSeconds | int }}
{{- else }}
{{- add (int .Values.preStopSleepSeconds) (int .Values.settings.shutdownGrace) 10 }}
{{- end }}
{{- end }}

{{/*
Environment variables taken from the Secret (DSN, DSN map, security key, JWT key). Shared by the
Deployment and the migration Job; the Job passes its own Secret name because a pre-install hook
runs before the release's regular Secret exists.
Arguments: (dict "root" $ "secretName" <name> "auth" <bool: the serving pods, which also get OS_SECURITY_KEY,
JWT_VERIFICATION_KEY and the replica DSNs; the migration Job writes to the primary only>)
*/}}
{{- define "agno-session.secretEnv" -}}
{{- $root := .root }}
{{- $c := $root.Values.config }}
{{- $secret := .secretName }}
{{- if $c.existingSecret }}
{{- $pairs := list (list "AGNO_PG_DSN" $c.dsnKey) (list "AGNO_SESSION_DSN_MAP" $c.dsnMapKey) }}
{{- if .auth }}
{{- $d := $root.Values.database }}
{{- $pairs = concat $pairs (list (list "OS_SECURITY_KEY" $c.securityKeyKey) (list "JWT_VERIFICATION_KEY" $c.jwtVerificationKeyKey)) }}
{{- $pairs = concat $pairs (list (list "AGNO_PG_READ_DSN" $d.readDsnKey) (list "AGNO_SESSION_READ_DSN_MAP" $d.readDsnMapKey)) }}
{{- end }}
{{- range $pair := $pairs }}
{{- if index $pair 1 }}
- name: {{ index $pair 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ index $pair 1 }}
{{- end }}
{{- end }}
{{- else }}
{{- $pairs := list (list "AGNO_PG_DSN" $c.dsn) (list "AGNO_SESSION_DSN_MAP" $c.dsnMap) }}
{{- if .auth }}
{{- $d := $root.Values.database }}
{{- $pairs = concat $pairs (list (list "OS_SECURITY_KEY" $c.securityKey) (list "JWT_VERIFICATION_KEY" $c.jwtVerificationKey)) }}
{{- $pairs = concat $pairs (list (list "AGNO_PG_READ_DSN" $d.readDsn) (list "AGNO_SESSION_READ_DSN_MAP" $d.readDsnMap)) }}
{{- end }}
{{- range $pair := $pairs }}
{{- if index $pair 1 }}
- name: {{ index $pair 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ index $pair 0 }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* DSN keys of a chart-managed Secret (all the migration Job's hook Secret holds). */}}
{{- define "agno-session.dsnSecretData" -}}
{{- $c := .Values.config }}
{{- if $c.dsn }}
AGNO_PG_DSN: {{ $c.dsn | b64enc | quote }}
{{- end }}
{{- if $c.dsnMap }}
AGNO_SESSION_DSN_MAP: {{ $c.dsnMap | toJson | b64enc | quote }}
{{- end }}
{{- end }}

{{/* Data of the chart-managed Secret: only the keys that are set. */}}
{{- define "agno-session.secretData" -}}
{{- $c := .Values.config }}
{{ include "agno-session.dsnSecretData" . }}
{{- if $c.securityKey }}
OS_SECURITY_KEY: {{ $c.securityKey | b64enc | quote }}
{{- end }}
{{- if $c.jwtVerificationKey }}
JWT_VERIFICATION_KEY: {{ $c.jwtVerificationKey | b64enc | quote }}
{{- end }}
{{- with .Values.database.readDsn }}
AGNO_PG_READ_DSN: {{ . | b64enc | quote }}
{{- end }}
{{- with .Values.database.readDsnMap }}
AGNO_SESSION_READ_DSN_MAP: {{ . | toJson | b64enc | quote }}
{{- end }}
{{- end }}

{{/* Server and database settings: the ConfigMap (service) and the migration Job's inline env. */}}
{{- define "agno-session.settingsEnv" -}}
{{- $s := .Values.settings }}
AGNO_SERVICE_PORT: {{ $s.port | int64 | quote }}
AGNO_DB_SCHEMA: {{ $s.dbSchema | quote }}
AGNO_SESSION_TABLE: {{ $s.sessionTable | quote }}
AGNO_RUNS_TABLE: {{ $s.runsTable | quote }}
AGNO_WORKERS: {{ $s.workers | int64 | quote }}
AGNO_SERVER: {{ $s.server | quote }}
AGNO_POOL_MIN_SIZE: {{ $s.poolMinSize | int64 | quote }}
AGNO_POOL_MAX_SIZE: {{ $s.poolMaxSize | int64 | quote }}
AGNO_PG_CONNECT_TIMEOUT: {{ $s.connectTimeout | quote }}
AGNO_POOL_TIMEOUT: {{ $s.poolTimeout | quote }}
AGNO_PG_PREPARE: {{ $s.pgPrepare | quote }}
AGNO_LOG_LEVEL: {{ $s.logLevel | quote }}
AGNO_REQUEST_TIMEOUT: {{ $s.requestTimeout | int64 | quote }}
AGNO_MAX_BODY_BYTES: {{ $s.maxBodyBytes | int64 | quote }}
AGNO_SHUTDOWN_GRACE: {{ $s.shutdownGrace | int64 | quote }}
DOCS_ENABLED: {{ $s.docsEnabled | quote }}

{{- if not (eq (toString $s.deadTimeout) "") }}
AGNO_PG_DEAD_TIMEOUT: {{ $s.deadTimeout | toString | quote }}
{{- end }}
{{- with $s.trustedProxies }}
AGNO_TRUSTED_PROXIES: {{ . | quote }}
{{- end }}
{{- with $s.corsOriginList }}
CORS_ORIGIN_LIST: {{ . | quote }}
{{- end }}
{{- with .Values.config.defaultDbId }}
AGNO_DEFAULT_DB_ID: {{ . | quote }}
{{- end }}
{{- with .Values.config.dbId }}
AGNO_DB_ID: {{ . | quote }}
{{- end }}
{{- end }}

{{/* Auth settings: the service's ConfigMap only (the migration Job serves no requests, and
     AGNO_USER_ISOLATION without a JWT key would stop it at start-up). */}}
{{- define "agno-session.authSettingsEnv" -}}
{{- $s := .Values.settings }}
AGNO_USER_ISOLATION: {{ $s.userIsolation | quote }}
JWT_ALGORITHM: {{ $s.jwtAlgorithm | quote }}
{{- if not (eq (toString $s.authorization) "") }}
AGNO_AUTHORIZATION: {{ $s.authorization | toString | quote }}
{{- end }}
{{- end }}

{{/* Whether the pods get replica DSNs (inline or from the existing Secret). */}}
{{- define "agno-session.hasReplicas" -}}
{{- $d := .Values.database }}
{{- if or $d.readDsn $d.readDsnMap $d.readDsnKey $d.readDsnMapKey }}true{{ end }}
{{- end }}

{{/* Replica and cut-over settings: the service's ConfigMap only (the migration Job neither reads
     replicas nor talks to AgentOS). Rendered only when used, so a plain install sets nothing new. */}}
{{- define "agno-session.servingSettingsEnv" -}}
{{- if include "agno-session.hasReplicas" . }}
{{- $r := .Values.replica }}
AGNO_REPLICA_MAX_LAG: {{ $r.maxLag | toString | quote }}
{{- if not (eq (toString $r.poolMinSize) "") }}
AGNO_READ_POOL_MIN_SIZE: {{ $r.poolMinSize | int64 | quote }}
{{- end }}
{{- if not (eq (toString $r.poolMaxSize) "") }}
AGNO_READ_POOL_MAX_SIZE: {{ $r.poolMaxSize | int64 | quote }}
{{- end }}
{{- end }}
{{- with .Values.agentos.url }}
AGNO_AGENTOS_URL: {{ . | quote }}
AGNO_COMPARE_MODE: {{ $.Values.compare.mode | toString | quote }}
AGNO_COMPARE_SAMPLE: {{ $.Values.compare.sample | toString | quote }}
{{- end }}
{{- end }}

{{/* The AgentOS Service as an Ingress backend. */}}
{{- define "agno-session.agentosBackend" -}}
service:
  name: {{ .Values.agentos.serviceName }}
  port:
    number: {{ .Values.agentos.servicePort }}
{{- end }}
