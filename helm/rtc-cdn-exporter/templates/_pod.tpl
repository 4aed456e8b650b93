{{/* The pod template shared by the Deployment (shards: 1) and the StatefulSet (shards > 1). */}}
{{- define "rtc-cdn-exporter.podTemplate" -}}
{{- $secretName := include "rtc-cdn-exporter.secretName" . -}}
{{- $webSecret := include "rtc-cdn-exporter.webConfigSecretName" . -}}
metadata:
  labels:
    {{- include "rtc-cdn-exporter.selectorLabels" . | nindent 4 }}
    {{- with .Values.commonLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include "rtc-cdn-exporter.configYaml" . | sha256sum }}
    {{- if and $secretName (not .Values.existingSecret) }}
    checksum/secret: {{ toJson .Values.secret.data | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "rtc-cdn-exporter.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  enableServiceLinks: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  containers:
    - name: exporter
      image: {{ include "rtc-cdn-exporter.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - --config.file=/etc/rtc-cdn-exporter/config.yaml
        - --web.listen-address=:{{ .Values.port }}
        - --log.level={{ .Values.logLevel }}
        {{- if include "rtc-cdn-exporter.sharded" . }}
        - --shard.count={{ .Values.shards }}
        - --shard.index=$(POD_NAME)
        {{- end }}
        {{- if $webSecret }}
        - --web.config.file={{ include "rtc-cdn-exporter.webConfigDir" . }}/web-config.yml
        {{- end }}
        {{- if .Values.demo }}
        - --demo
        {{- end }}
        {{- range .Values.extraArgs }}
        - {{ . | quote }}
        {{- end }}
      ports:
        - name: http
          containerPort: {{ .Values.port }}
          protocol: TCP
      env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if or $secretName .Values.extraEnvFrom }}
      envFrom:
        {{- if $secretName }}
        - secretRef:
            name: {{ $secretName }}
        {{- end }}
        {{- with .Values.extraEnvFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      {{- with .Values.startupProbe }}
      startupProbe:
        {{- include "rtc-cdn-exporter.probe" (list $ .) | nindent 8 }}
      {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- include "rtc-cdn-exporter.probe" (list $ .) | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- include "rtc-cdn-exporter.probe" (list $ .) | nindent 8 }}
      {{- end }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /etc/rtc-cdn-exporter/config.yaml
          subPath: config.yaml
          readOnly: true
        {{- if $secretName }}
        - name: secret
          mountPath: {{ .Values.secretMountPath }}
          readOnly: true
        {{- end }}
        {{- if $webSecret }}
        - name: web-config
          mountPath: {{ include "rtc-cdn-exporter.webConfigDir" . }}
          readOnly: true
        {{- end }}
        - name: tmp
          mountPath: /tmp
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    {{- with .Values.extraContainers }}
    {{- tpl (toYaml .) $ | nindent 4 }}
    {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "rtc-cdn-exporter.fullname" . }}
    {{- if $secretName }}
    - name: secret
      secret:
        secretName: {{ $secretName }}
        defaultMode: 0440
    {{- end }}
    {{- if $webSecret }}
    - name: web-config
      secret:
        secretName: {{ $webSecret }}
        defaultMode: 0440
    {{- end }}
    - name: tmp
      emptyDir:
        sizeLimit: 16Mi
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- tpl (toYaml .) $ | nindent 4 }}
  {{- end }}
{{- end }}
