{{/*
Names
*/}}
{{- define "movieweb.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "movieweb.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "movieweb.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of a component's objects: <fullname>-<component>. Call with (dict "root" $ "component" "movies"). */}}
{{- define "movieweb.componentName" -}}
{{- printf "%s-%s" (include "movieweb.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of a component. */}}
{{- define "movieweb.selectorLabels" -}}
app.kubernetes.io/name: {{ include "movieweb.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Standard labels of every object; pass component "" for release-wide objects. */}}
{{- define "movieweb.labels" -}}
helm.sh/chart: {{ include "movieweb.chart" .root }}
app.kubernetes.io/name: {{ include "movieweb.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: movieweb
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Image tag shared by every Movieweb image; "latest" is refused. */}}
{{- define "movieweb.imageTag" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString }}
{{- if eq $tag "latest" }}
{{- fail "image.tag must be a fixed version, not \"latest\"" }}
{{- end }}
{{- $tag }}
{{- end }}

{{/* Image of a Movieweb component: <registry>/<component>:<tag>. */}}
{{- define "movieweb.image" -}}
{{- printf "%s/%s:%s" (.root.Values.image.registry | trimSuffix "/") .component (include "movieweb.imageTag" .root) }}
{{- end }}

{{/* Effective autoscaling settings of a component: global defaults merged with its overrides. */}}
{{- define "movieweb.autoscaling" -}}
{{- $defaults := omit .root.Values.autoscaling "enabled" }}
{{- $merged := merge (deepCopy (.overrides | default dict)) $defaults }}
{{- toYaml $merged }}
{{- end }}

{{/* Pod-level scheduling and security shared by every pod. */}}
{{- define "movieweb.podCommon" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
{{- range .root.Values.topologySpread.topologyKeys }}
  - maxSkew: {{ $.root.Values.topologySpread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $.root.Values.topologySpread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "movieweb.selectorLabels" (dict "root" $.root "component" $.component) | nindent 8 }}
{{- end }}
{{- end }}
{{- end }}

{{/* Internal URL of a component's HTTP port. */}}
{{- define "movieweb.url" -}}
{{- printf "http://%s:8000" (include "movieweb.componentName" .) }}
{{- end }}

{{/* Redis URL used by the gateway. */}}
{{- define "movieweb.redisUrl" -}}
{{- if .Values.redis.enabled }}
{{- printf "redis://%s:6379/0" (include "movieweb.componentName" (dict "root" . "component" "redis")) }}
{{- else }}
{{- required "redis.externalUrl is required when redis.enabled is false" .Values.redis.externalUrl }}
{{- end }}
{{- end }}

{{/* Name of the JWT signing key Secret. */}}
{{- define "movieweb.jwtSecretName" -}}
{{- .Values.auth.existingSecret | default (include "movieweb.componentName" (dict "root" . "component" "jwt")) }}
{{- end }}

{{/* Shards of a service's ShardSet. Call with (dict "root" $ "service" "movies"). */}}
{{- define "movieweb.shards" -}}
{{- $svc := index .root.Values.services .service }}
{{- if $svc.shards }}{{ $svc.shards | int }}{{ else }}{{ .root.Values.database.shardSet.shards | int }}{{ end }}
{{- end }}

{{/* Name of a service's ShardSet (also the prefix of what the operator creates for it). */}}
{{- define "movieweb.shardSetName" -}}
{{- $name := include "movieweb.componentName" (dict "root" .root "component" .service) }}
{{- if gt (len $name) 40 }}
{{- fail (printf "ShardSet name %q is longer than 40 characters (its shard pods <name>-<i>-0 must fit in 63): use a shorter release name or fullnameOverride" $name) }}
{{- end }}
{{- $name }}
{{- end }}

{{/* Whether a service is an enabled backend. */}}
{{- define "movieweb.backends" -}}
{{- $out := list }}
{{- range $name := list "movies" "users" "reviews" "relations" }}
{{- if (index $.Values.services $name).enabled }}
{{- $out = append $out $name }}
{{- end }}
{{- end }}
{{- toJson $out }}
{{- end }}
