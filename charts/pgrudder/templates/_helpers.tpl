{{/* Chart name, at most 63 characters. */}}
{{- define "pgrudder.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, with the chart name unless it already contains it. */}}
{{- define "pgrudder.fullname" -}}
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

{{- define "pgrudder.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pgrudder.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pgrudder.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pgrudder.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "pgrudder.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The rendered pgcat.toml: values.config verbatim, or through `tpl` when configTemplate is
true (opt-in: a `{{` anywhere in a pgcat.toml, even in a comment, would break the render).
*/}}
{{- define "pgrudder.config" -}}
{{- if .Values.configTemplate }}
{{- tpl .Values.config . }}
{{- else }}
{{- .Values.config }}
{{- end }}
{{- end }}

{{/*
The [general] table of the rendered pgcat.toml: from its header to the next table header
(`[x]` or `[[x]]`, not an array value such as `["h", 5432, "primary"]`) or the end. The
chart's own keys are read from here only, so a `host` or `port` of a pool never counts.
*/}}
{{- define "pgrudder.generalSection" -}}
{{- regexFind `(?ms)^[ \t]*\[general\][ \t]*(?:#[^\n]*)?$.*?(?:^[ \t]*\[\[?[A-Za-z_]|\z)` (include "pgrudder.config" .) }}
{{- end }}

{{/*
An integer key of [general] in the rendered pgcat.toml, e.g. (list $ "shutdown_timeout" 60000).
Matches `key = 123` at the start of a line (so comments do not count); the default
when the key is absent is pgcat's code default, passed in.
*/}}
{{- define "pgrudder.configInt" -}}
{{- $root := index . 0 }}
{{- $key := index . 1 }}
{{- $default := index . 2 }}
{{- $line := regexFind (printf "(?m)^[ \t]*%s[ \t]*=[ \t]*[0-9_]+" $key) (include "pgrudder.generalSection" $root) }}
{{- if $line }}
{{- regexReplaceAll "[^0-9]" (regexReplaceAll "^[^=]*=" $line "") "" }}
{{- else }}
{{- $default }}
{{- end }}
{{- end }}

{{- define "pgrudder.port" -}}
{{- include "pgrudder.configInt" (list . "port" 5432) }}
{{- end }}

{{- define "pgrudder.metricsPort" -}}
{{- include "pgrudder.configInt" (list . "prometheus_exporter_port" 9930) }}
{{- end }}

{{/*
terminationGracePeriodSeconds: preStop sleep, then SIGTERM; pgrudder keeps accepting for
shutdown_grace_period and closes the rest at shutdown_timeout. Computed with 10 s to spare
when not set; an explicit value below the minimum (5 s to spare) fails the render.
*/}}
{{- define "pgrudder.terminationGracePeriodSeconds" -}}
{{- $timeoutMs := include "pgrudder.configInt" (list . "shutdown_timeout" 60000) | int64 }}
{{- $graceMs := include "pgrudder.configInt" (list . "shutdown_grace_period" 5000) | int64 }}
{{- $preStop := .Values.preStopSleepSeconds | int64 }}
{{- $drainSeconds := div (add $timeoutMs $graceMs 999) 1000 }}
{{- $minimum := add $preStop $drainSeconds 5 }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $preStop $drainSeconds 10 }}
{{- else }}
{{- $given := .Values.terminationGracePeriodSeconds | int64 }}
{{- if lt $given $minimum }}
{{- fail (printf "terminationGracePeriodSeconds=%d is too short: preStopSleepSeconds (%d) + shutdown_grace_period (%d ms) + shutdown_timeout (%d ms) need at least %d; raise it or leave it empty to have it computed" $given $preStop $graceMs $timeoutMs $minimum) }}
{{- end }}
{{- $given }}
{{- end }}
{{- end }}

{{- define "pgrudder.secretName" -}}
{{- if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret }}
{{- else if .Values.secret.values }}
{{- include "pgrudder.fullname" . }}
{{- end }}
{{- end }}

{{/*
A string key of [general] in the rendered pgcat.toml, e.g. (list $ "host" "0.0.0.0"):
`key = "value"` or `key = 'value'` at the start of a line; the default when absent.
*/}}
{{- define "pgrudder.configString" -}}
{{- $root := index . 0 }}
{{- $key := index . 1 }}
{{- $default := index . 2 }}
{{- $line := regexFind (printf `(?m)^[ \t]*%s[ \t]*=[ \t]*("[^"\n]*"|'[^'\n]*')` $key) (include "pgrudder.generalSection" $root) }}
{{- if $line }}
{{- regexReplaceAll `^[^=]*=[ \t]*["']|["']$` $line "" }}
{{- else }}
{{- $default }}
{{- end }}
{{- end }}

{{/*
Fails the render when pgrudder would listen on loopback only: [general] `host` is also the
bind address of the metrics port, so the kubelet's probes (which hit the pod IP), the
Service and Prometheus would never reach it.
*/}}
{{- define "pgrudder.checkListenHost" -}}
{{- $host := include "pgrudder.configString" (list . "host" "0.0.0.0") | lower }}
{{- if or (eq $host "localhost") (hasSuffix ".localhost" $host) (hasPrefix "127." $host) (eq $host "::1") (eq $host "[::1]") (eq $host "0:0:0:0:0:0:0:1") }}
{{- fail (printf "config: [general] host = %q is a loopback address: the probes, the Service and the metrics scrape reach the pod IP, so the pods would never become ready. Use host = \"0.0.0.0\" (pgcat's default) or \"::\"" $host) }}
{{- end }}
{{- end }}

{{/*
"true" when the rendered pgcat.toml holds a literal password: a password,
auth_query_password, admin_password or server_password whose value is not empty and not
exactly "${ENV_NAME}" (an md5 or SCRAM hash counts: it is enough to log in).
*/}}
{{- define "pgrudder.configHasLiteralPassword" -}}
{{- $found := false }}
{{- range regexFindAll `(?m)^[ \t]*(password|auth_query_password|admin_password|server_password)[ \t]*=[ \t]*("[^"\n]*"|'[^'\n]*')` (include "pgrudder.config" .) -1 }}
{{- if not (regexMatch `=[ \t]*(""|''|"\$\{[A-Za-z_][A-Za-z0-9_]*\}"|'\$\{[A-Za-z_][A-Za-z0-9_]*\}')$` .) }}
{{- $found = true }}
{{- end }}
{{- end }}
{{- if $found }}true{{ end }}
{{- end }}

{{/*
Which object holds pgcat.toml: ConfigMap, Secret (chart-made, named <fullname>-config), or
existingSecret (configSecret.existingSecret, made by you). configSecret.create: auto picks
the Secret when the config holds a literal password.
*/}}
{{- define "pgrudder.configKind" -}}
{{- $create := toString .Values.configSecret.create }}
{{- if .Values.configSecret.existingSecret }}
{{- "existingSecret" }}
{{- else if eq $create "true" }}
{{- "Secret" }}
{{- else if eq $create "false" }}
{{- "ConfigMap" }}
{{- else if eq $create "auto" }}
{{- if include "pgrudder.configHasLiteralPassword" . }}Secret{{ else }}ConfigMap{{ end }}
{{- else }}
{{- fail (printf "configSecret.create must be auto, true or false, not %q" $create) }}
{{- end }}
{{- end }}

{{- define "pgrudder.configSecretName" -}}
{{- if .Values.configSecret.existingSecret }}
{{- .Values.configSecret.existingSecret }}
{{- else }}
{{- printf "%s-config" (include "pgrudder.fullname" . | trunc 56 | trimSuffix "-") }}
{{- end }}
{{- end }}

{{/*
sha256 of the object that holds pgcat.toml, for the pods' checksum/config annotation; empty
for a Secret the chart does not manage (roll the pods yourself, e.g. with podAnnotations).
*/}}
{{- define "pgrudder.configChecksum" -}}
{{- $kind := include "pgrudder.configKind" . }}
{{- if eq $kind "ConfigMap" }}
{{- include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- else if eq $kind "Secret" }}
{{- include (print .Template.BasePath "/config-secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/* "true" when the cluster serves the Prometheus operator's API (helm template: --api-versions). */}}
{{- define "pgrudder.hasMonitoringApi" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}true{{ end }}
{{- end }}

{{/*
resources.limits.memory in MiB (rounded down), or empty without a limit. Accepts the
Kubernetes quantities a memory limit is written in: plain bytes, k/M/G/T and Ki/Mi/Gi/Ti.
*/}}
{{- define "pgrudder.memoryLimitMiB" -}}
{{- $limit := dig "limits" "memory" "" (.Values.resources | default dict) }}
{{- if kindIs "float64" $limit }}
{{- $limit = int64 $limit | toString }}
{{- end }}
{{- $limit = toString $limit }}
{{- if $limit }}
{{- if not (regexMatch `^[0-9]+(k|M|G|T|Ki|Mi|Gi|Ti)?$` $limit) }}
{{- fail (printf "resources.limits.memory=%q: write it as an integer with k, M, G, T, Ki, Mi, Gi or Ti (the chart sizes -XX:MaxDirectMemorySize from it)" $limit) }}
{{- end }}
{{- $n := regexFind `^[0-9]+` $limit | int64 }}
{{- $unit := trimPrefix (toString $n) $limit }}
{{- $bytes := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 }}
{{- div (mul $n (index $bytes $unit)) 1048576 }}
{{- end }}
{{- end }}

{{/*
JAVA_OPTS: heap and Netty's direct memory sized from the memory limit (see jvm in
values.yaml), then javaOpts (the JVM takes the last of a repeated flag, so javaOpts wins).
*/}}
{{- define "pgrudder.javaOpts" -}}
{{- $opts := list (printf "-XX:MaxRAMPercentage=%v" .Values.jvm.maxRAMPercentage) }}
{{- $limitMiB := include "pgrudder.memoryLimitMiB" . }}
{{- if $limitMiB }}
{{- if gt (add (int .Values.jvm.maxRAMPercentage) (int .Values.jvm.maxDirectMemoryPercentage)) 80 }}
{{- fail (printf "jvm.maxRAMPercentage (%v) + jvm.maxDirectMemoryPercentage (%v) is over 80: metaspace, code cache and thread stacks need the rest of the memory limit" .Values.jvm.maxRAMPercentage .Values.jvm.maxDirectMemoryPercentage) }}
{{- end }}
{{- $opts = append $opts (printf "-XX:MaxDirectMemorySize=%dm" (div (mul (int64 $limitMiB) (int64 .Values.jvm.maxDirectMemoryPercentage)) 100)) }}
{{- end }}
{{- with .Values.javaOpts }}
{{- $opts = append $opts . }}
{{- end }}
{{- join " " $opts }}
{{- end }}

{{- define "pgrudder.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pgrudder.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- .Values.serviceAccount.name }}
{{- end }}
{{- end }}
