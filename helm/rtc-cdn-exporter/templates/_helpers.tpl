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
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
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

{{/* registry/repository:tag or @digest; global.imageRegistry wins over image.registry, as in prometheus-community charts. */}}
{{- define "rtc-cdn-exporter.image" -}}
{{- $registry := (.Values.global).imageRegistry | default .Values.image.registry }}
{{- $repository := ternary (printf "%s/%s" $registry .Values.image.repository) .Values.image.repository (ne $registry "") }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (.Values.image.tag | default .Chart.AppVersion) }}
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

{{/*
The rendered config file: values `config` taken whole, or files/default-config.yaml when it is
empty. Never a merge of the two: Helm deep-merges maps, and a user's AK/SK block merged into a
default api_key block is a config the exporter refuses (exit 2) in a pod that then crash-loops.
*/}}
{{- define "rtc-cdn-exporter.configYaml" -}}
{{- if .Values.config }}
{{- toYaml .Values.config }}
{{- else }}
{{- .Files.Get "files/default-config.yaml" | trim }}
{{- end }}
{{- end }}

{{/*
Fails the render on the credential mistakes the exporter would refuse at start (exit 2, a
crash-looping pod), where the chart can see them: a key given both inline and as <key>_file,
a Wangsu auth block mixing the api_key and aksk schemes, a Huawei auth block with other than
exactly one of aksk, token, iam. Everything else the exporter checks (--config.check).
*/}}
{{- define "rtc-cdn-exporter.checkConfig" -}}
{{- if not .Values.demo }}
{{- $config := include "rtc-cdn-exporter.configYaml" . | fromYaml }}
{{- if hasKey $config "Error" }}{{ fail (printf "config: not YAML: %s" $config.Error) }}{{ end }}
{{- include "rtc-cdn-exporter.checkFilePairs" (list "config" $config) }}
{{- range $source := list "huawei_rtc" "wangsu_cdn" }}
{{- $block := get $config $source }}
{{- if and (kindIs "map" $block) (not (kindIs "map" (get $block "auth"))) }}
{{- fail (printf "config.%s.auth: missing; config.example.yaml shows each scheme" $source) }}
{{- end }}
{{- end }}
{{- $wangsu := get $config "wangsu_cdn" }}
{{- if kindIs "map" $wangsu }}
{{- $auth := get $wangsu "auth" }}
{{- $schemes := dict "api_key" (list "username" "api_key") "aksk" (list "access_key" "secret_key") }}
{{- $mode := get $auth "mode" | toString }}
{{- if not (hasKey $schemes $mode) }}
{{- fail (printf "config.wangsu_cdn.auth.mode: %q is not a mode; set api_key (username + api_key) or aksk (access_key + secret_key)" $mode) }}
{{- end }}
{{- $allowed := list "mode" }}
{{- range get $schemes $mode }}{{ $allowed = concat $allowed (list . (printf "%s_file" .)) }}{{ end }}
{{- $foreign := list }}
{{- range $k, $_ := $auth }}{{ if not (has $k $allowed) }}{{ $foreign = append $foreign $k }}{{ end }}{{ end }}
{{- if $foreign }}
{{- fail (printf "config.wangsu_cdn.auth: mode %s takes %s (each also as <key>_file); remove %s" $mode (join " and " (get $schemes $mode)) (join ", " (sortAlpha $foreign))) }}
{{- end }}
{{- end }}
{{- $huawei := get $config "huawei_rtc" }}
{{- if kindIs "map" $huawei }}
{{- $auth := get $huawei "auth" }}
{{- $set := list }}
{{- range $scheme := list "aksk" "token" "iam" }}
{{- if or (hasKey $auth $scheme) (hasKey $auth (printf "%s_file" $scheme)) }}{{ $set = append $set $scheme }}{{ end }}
{{- end }}
{{- if ne (len $set) 1 }}
{{- fail (printf "config.huawei_rtc.auth: set exactly one of aksk, token (or token_file), iam; found %s" (ternary "none" (join ", " $set) (empty $set))) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* (list path value): fails when a map of value, at any depth, has both <key> and <key>_file. */}}
{{- define "rtc-cdn-exporter.checkFilePairs" -}}
{{- $path := index . 0 }}
{{- $value := index . 1 }}
{{- if kindIs "map" $value }}
{{- range $k, $v := $value }}
{{- if and (hasSuffix "_file" $k) (hasKey $value (trimSuffix "_file" $k)) }}
{{- fail (printf "%s: set %s or %s, not both" $path (trimSuffix "_file" $k) $k) }}
{{- end }}
{{- include "rtc-cdn-exporter.checkFilePairs" (list (printf "%s.%s" $path $k) $v) }}
{{- end }}
{{- else if kindIs "slice" $value }}
{{- range $i, $v := $value }}
{{- include "rtc-cdn-exporter.checkFilePairs" (list (printf "%s[%d]" $path $i) $v) }}
{{- end }}
{{- end }}
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
The project's alert rules (files/alerts.yaml) with values substituted, line by line:
  - a number at the end of a line marked "# threshold: <key>", and a number opening a
    Prometheus template action that is followed (after a unit such as B/s, if any) by a
    template comment action holding "threshold: <key>" (a description stating the rule's
    own number):
    prometheusRule.thresholds.<key>;
  - a duration after "for:" marked "# for: <key>", and a duration followed by a template
    comment action holding "for: <key>": prometheusRule.for.<key>;
  - the last quoted string of a line marked "# regex: <key>": prometheusRule.regexes.<key>;
  - the part of a runbook_url before "#": prometheusRule.runbookBaseUrl.
A value equal to the file's keeps the file's spelling, so default values reproduce the file
exactly. Returns the rules file text.
*/}}
{{- define "rtc-cdn-exporter.alertRules" -}}
{{- $raw := .Files.Get "files/alerts.yaml" }}
{{- if not $raw }}{{ fail "prometheusRule.enabled: the chart has no files/alerts.yaml" }}{{ end }}
{{- $thresholds := .Values.prometheusRule.thresholds | default dict }}
{{- $for := .Values.prometheusRule.for | default dict }}
{{- $regexes := .Values.prometheusRule.regexes | default dict }}
{{- $runbookBase := .Values.prometheusRule.runbookBaseUrl | default "" }}
{{- $num := "[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?" }}
{{- $dur := "[0-9]+(?:ms|[smhdwy])(?:[0-9]+(?:ms|[smhdwy]))*" }}
{{- $key := "([A-Za-z][A-Za-z0-9]*)" }}
{{- $numberRe := printf "^(.*[^0-9A-Za-z_.]|)(%s)(\\s+#\\s*threshold:\\s*%s\\s*)$" $num $key }}
{{- $inlineNumberRe := printf "(\\{\\{\\s*)(%s)((?:\\s*\\|[^{}]*)?\\s*\\}\\}[^{}\\s]*\\{\\{/\\*\\s*threshold:\\s*%s\\s*\\*/\\}\\})" $num $key }}
{{- $forRe := printf "^(\\s*(?:-\\s+)?for:\\s*)(\\S+)(\\s+#\\s*for:\\s*%s\\s*)$" $key }}
{{- $inlineForRe := printf "()(%s)(\\{\\{/\\*\\s*for:\\s*%s\\s*\\*/\\}\\})" $dur $key }}
{{- $regexRe := printf "^(.*\")((?:[^\"\\\\]|\\\\.)*)(\"[^\"]*#\\s*regex:\\s*%s\\s*)$" $key }}
{{- $runbookRe := "^(\\s*runbook_url:\\s*\"?)([^\"#\\s]*)(#[^\"\\s]*\"?\\s*)$" }}
{{- $seenThresholds := dict }}
{{- $seenFor := dict }}
{{- $seenRegexes := dict }}
{{- $lines := list }}
{{- range $line := splitList "\n" $raw }}
{{- if regexMatch $numberRe $line }}
{{- $k := regexReplaceAll $numberRe $line "${4}" }}
{{- $_ := set $seenThresholds $k true }}
{{- if hasKey $thresholds $k }}
{{- $old := regexReplaceAll $numberRe $line "${2}" }}
{{- $text := include "rtc-cdn-exporter.thresholdText" (list (get $thresholds $k) $old) }}
{{- if $text }}{{ $line = regexReplaceAll $numberRe $line (printf "${1}%s${3}" $text) }}{{ end }}
{{- end }}
{{- else if regexMatch $forRe $line }}
{{- $k := regexReplaceAll $forRe $line "${4}" }}
{{- $_ := set $seenFor $k true }}
{{- if hasKey $for $k }}
{{- $line = regexReplaceAll $forRe $line (printf "${1}%s${3}" (get $for $k)) }}
{{- end }}
{{- else if regexMatch $regexRe $line }}
{{- $k := regexReplaceAll $regexRe $line "${4}" }}
{{- $_ := set $seenRegexes $k true }}
{{- if hasKey $regexes $k }}
{{- /* A PromQL double-quoted string: escape backslashes and quotes; "$" is literal for regexReplaceAll as "$$". */}}
{{- $value := get $regexes $k | toString | replace "\\" "\\\\" | replace "\"" "\\\"" | replace "$" "$$" }}
{{- $line = regexReplaceAll $regexRe $line (printf "${1}%s${3}" $value) }}
{{- end }}
{{- else if and $runbookBase (regexMatch $runbookRe $line) }}
{{- $line = regexReplaceAll $runbookRe $line (printf "${1}%s${3}" (replace "$" "$$" $runbookBase)) }}
{{- end }}
{{- range $m := regexFindAll $inlineNumberRe $line -1 }}
{{- $k := regexReplaceAll $inlineNumberRe $m "${4}" }}
{{- $_ := set $seenThresholds $k true }}
{{- if hasKey $thresholds $k }}
{{- $text := include "rtc-cdn-exporter.thresholdText" (list (get $thresholds $k) (regexReplaceAll $inlineNumberRe $m "${2}")) }}
{{- if $text }}{{ $line = replace $m (regexReplaceAll $inlineNumberRe $m (printf "${1}%s${3}" $text)) $line }}{{ end }}
{{- end }}
{{- end }}
{{- range $m := regexFindAll $inlineForRe $line -1 }}
{{- $k := regexReplaceAll $inlineForRe $m "${4}" }}
{{- $_ := set $seenFor $k true }}
{{- if hasKey $for $k }}
{{- $line = replace $m (regexReplaceAll $inlineForRe $m (printf "${1}%s${3}" (get $for $k))) $line }}
{{- end }}
{{- end }}
{{- $lines = append $lines $line }}
{{- end }}
{{- range $k, $_ := $thresholds }}
{{- if not (hasKey $seenThresholds $k) }}{{ fail (printf "prometheusRule.thresholds.%s: files/alerts.yaml has no number marked \"# threshold: %s\" (known: %s)" $k $k (keys $seenThresholds | sortAlpha | join ", ")) }}{{ end }}
{{- end }}
{{- range $k, $_ := $for }}
{{- if not (hasKey $seenFor $k) }}{{ fail (printf "prometheusRule.for.%s: files/alerts.yaml has no duration marked \"# for: %s\" (known: %s)" $k $k (keys $seenFor | sortAlpha | join ", ")) }}{{ end }}
{{- end }}
{{- range $k, $_ := $regexes }}
{{- if not (hasKey $seenRegexes $k) }}{{ fail (printf "prometheusRule.regexes.%s: files/alerts.yaml has no string marked \"# regex: %s\" (known: %s)" $k $k (keys $seenRegexes | sortAlpha | join ", ")) }}{{ end }}
{{- end }}
{{- join "\n" $lines }}
{{- end }}

{{/*
(list value fileText) → the text that replaces a marked number, or "" when the value equals
the file's number (which keeps the file's spelling). Whole numbers print as integers: a
float64 would print 1e+10.
*/}}
{{- define "rtc-cdn-exporter.thresholdText" -}}
{{- $new := index . 0 }}
{{- $num := float64 $new }}
{{- if ne (float64 (index . 1)) $num }}
{{- ternary (printf "%d" (int64 $num)) (toString $new) (eq $num (floor $num)) }}
{{- end }}
{{- end }}

{{/* Where the web config and the files beside it are mounted. */}}
{{- define "rtc-cdn-exporter.webConfigDir" -}}/etc/rtc-cdn-exporter/web{{- end }}

{{/* The Secret holding web-config.yml, or "" when the exporter serves plain HTTP without auth. */}}
{{- define "rtc-cdn-exporter.webConfigSecretName" -}}
{{- if .Values.webConfig.existingSecret }}
{{- .Values.webConfig.existingSecret }}
{{- else if .Values.webConfig.config }}
{{- printf "%s-web-config" (include "rtc-cdn-exporter.fullname" .) }}
{{- end }}
{{- end }}

{{/*
How the kubelet can probe the exporter: "http"; "https" when the web config serves TLS; "tcp"
when the exporter asks for what the kubelet never sends (basic auth, a client certificate) or the
web config is in an existingSecret the chart cannot read. The exporter applies the web config to
every path, /-/healthy and /-/ready included.
*/}}
{{- define "rtc-cdn-exporter.probeMode" -}}
{{- $web := .Values.webConfig }}
{{- if $web.existingSecret }}tcp
{{- else if $web.config }}
{{- $tls := $web.config.tls_server_config }}
{{- $clientAuth := ($tls | default dict).client_auth_type | default "" }}
{{- if or $web.config.basic_auth_users (has $clientAuth (list "RequireAnyClientCert" "RequireAndVerifyClientCert")) }}tcp
{{- else if $tls }}https
{{- else }}http
{{- end }}
{{- else }}http
{{- end }}
{{- end }}

{{/* True when the exporter serves HTTPS (for the ServiceMonitor's default scheme). */}}
{{- define "rtc-cdn-exporter.webTls" -}}
{{- if or (and .Values.webConfig.existingSecret .Values.webConfig.tls) (and (not .Values.webConfig.existingSecret) (.Values.webConfig.config | default dict).tls_server_config) }}true{{ end }}
{{- end }}

{{/* (list root probe) → the probe as the kubelet can run it (see probeMode); other probe kinds as given. */}}
{{- define "rtc-cdn-exporter.probe" -}}
{{- $root := index . 0 }}
{{- $probe := deepCopy (index . 1) }}
{{- $mode := include "rtc-cdn-exporter.probeMode" $root }}
{{- if and $probe.httpGet (eq $mode "tcp") }}
{{- $_ := set $probe "tcpSocket" (dict "port" $probe.httpGet.port) }}
{{- $_ := unset $probe "httpGet" }}
{{- else if and $probe.httpGet (eq $mode "https") (not $probe.httpGet.scheme) }}
{{- $_ := set $probe.httpGet "scheme" "HTTPS" }}
{{- end }}
{{- toYaml $probe }}
{{- end }}
