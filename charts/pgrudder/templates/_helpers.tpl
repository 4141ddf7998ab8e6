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

{{/* The rendered pgcat.toml (values.config through tpl). */}}
{{- define "pgrudder.config" -}}
{{- tpl .Values.config . }}
{{- end }}

{{/*
An integer key of the rendered pgcat.toml, e.g. (list $ "shutdown_timeout" 60000).
Matches `key = 123` at the start of a line (so comments do not count); the default
when the key is absent is pgcat's code default, passed in.
*/}}
{{- define "pgrudder.configInt" -}}
{{- $root := index . 0 }}
{{- $key := index . 1 }}
{{- $default := index . 2 }}
{{- $line := regexFind (printf "(?m)^[ \t]*%s[ \t]*=[ \t]*[0-9_]+" $key) (include "pgrudder.config" $root) }}
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
