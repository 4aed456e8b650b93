{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "rtc-cdn-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. Truncated to 52 characters: StatefulSet pods
add "-<ordinal>" and a controller-revision-hash label of 11 more characters.
*/}}
{{- define "rtc-cdn-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "rtc-cdn-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rtc-cdn-exporter.labels" -}}
helm.sh/chart: {{ include "rtc-cdn-exporter.chart" . }}
{{ include "rtc-cdn-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rtc-cdn-exporter
{{- end }}

{{- define "rtc-cdn-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rtc-cdn-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "rtc-cdn-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rtc-cdn-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "rtc-cdn-exporter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* True when the StatefulSet (sharded) form is rendered. */}}
{{- define "rtc-cdn-exporter.sharded" -}}
{{- if gt (int .Values.shards) 1 }}true{{ end }}
{{- end }}

{{/* The Secret the pod reads credentials from, or "" when there is none. */}}
{{- define "rtc-cdn-exporter.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else if and .Values.secret.create .Values.secret.data }}
{{- include "rtc-cdn-exporter.fullname" . }}
{{- end }}
{{- end }}

{{/* The rendered config file. */}}
{{- define "rtc-cdn-exporter.configYaml" -}}
{{- toYaml .Values.config }}
{{- end }}

{{/*
Fails the render when the config references ${VAR} (no default) and nothing provides VAR:
the pod would otherwise crash-loop with exit code 2. Skipped for an existingSecret or
extraEnvFrom, whose keys the chart cannot see, and in demo mode.
*/}}
{{- define "rtc-cdn-exporter.checkConfigVars" -}}
{{- if not (or .Values.demo .Values.existingSecret .Values.extraEnvFrom) }}
{{- $provided := dict }}
{{- if .Values.secret.create }}
{{- range $k, $_ := .Values.secret.data }}{{ $_ := set $provided $k true }}{{ end }}
{{- end }}
{{- range .Values.extraEnv }}{{ $_ := set $provided .name true }}{{ end }}
{{- $text := include "rtc-cdn-exporter.configYaml" . | replace "$$" "" }}
{{- $missing := list }}
{{- range regexFindAll "\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}" $text -1 }}
{{- $var := trimSuffix "}" (trimPrefix "${" .) }}
{{- if not (hasKey $provided $var) }}{{ $missing = append $missing $var }}{{ end }}
{{- end }}
{{- if $missing }}
{{- fail (printf "config references %s, but neither secret.data nor extraEnv sets them: add them to secret.data, or set existingSecret to a Secret that has them (or set demo: true to try the chart without credentials)" (join ", " (uniq $missing))) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The project's alert rules (files/alerts.yaml) with every number marked
"# threshold: <key>" and every duration marked "# for: <key>" replaced from
prometheusRule.thresholds / prometheusRule.for. A value numerically equal to the
file's keeps the file's spelling, so default values reproduce the file exactly.
Returns the rules file text.
*/}}
{{- define "rtc-cdn-exporter.alertRules" -}}
{{- $raw := .Files.Get "files/alerts.yaml" }}
{{- if not $raw }}{{ fail "prometheusRule.enabled: the chart has no files/alerts.yaml" }}{{ end }}
{{- $thresholds := .Values.prometheusRule.thresholds | default dict }}
{{- $for := .Values.prometheusRule.for | default dict }}
{{- $numberRe := "^(.*[^0-9A-Za-z_.]|)([0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)(\\s+#\\s*threshold:\\s*([A-Za-z][A-Za-z0-9]*)\\s*)$" }}
{{- $forRe := "^(\\s*(?:-\\s+)?for:\\s*)(\\S+)(\\s+#\\s*for:\\s*([A-Za-z][A-Za-z0-9]*)\\s*)$" }}
{{- $seenThresholds := dict }}
{{- $seenFor := dict }}
{{- $lines := list }}
{{- range $line := splitList "\n" $raw }}
{{- if regexMatch $numberRe $line }}
{{- $key := regexReplaceAll $numberRe $line "${4}" }}
{{- $_ := set $seenThresholds $key true }}
{{- if hasKey $thresholds $key }}
{{- $old := regexReplaceAll $numberRe $line "${2}" }}
{{- $new := get $thresholds $key }}
{{- $num := float64 $new }}
{{- if ne (float64 $old) $num }}
{{- /* Whole numbers as integers: a float64 would print 1e+10. */}}
{{- $text := ternary (printf "%d" (int64 $num)) (toString $new) (eq $num (floor $num)) }}
{{- $line = regexReplaceAll $numberRe $line (printf "${1}%s${3}" $text) }}
{{- end }}
{{- end }}
{{- else if regexMatch $forRe $line }}
{{- $key := regexReplaceAll $forRe $line "${4}" }}
{{- $_ := set $seenFor $key true }}
{{- if hasKey $for $key }}
{{- $line = regexReplaceAll $forRe $line (printf "${1}%s${3}" (get $for $key)) }}
{{- end }}
{{- end }}
{{- $lines = append $lines $line }}
{{- end }}
{{- range $key, $_ := $thresholds }}
{{- if not (hasKey $seenThresholds $key) }}{{ fail (printf "prometheusRule.thresholds.%s: files/alerts.yaml has no number marked \"# threshold: %s\" (known: %s)" $key $key (keys $seenThresholds | sortAlpha | join ", ")) }}{{ end }}
{{- end }}
{{- range $key, $_ := $for }}
{{- if not (hasKey $seenFor $key) }}{{ fail (printf "prometheusRule.for.%s: files/alerts.yaml has no duration marked \"# for: %s\" (known: %s)" $key $key (keys $seenFor | sortAlpha | join ", ")) }}{{ end }}
{{- end }}
{{- join "\n" $lines }}
{{- end }}
