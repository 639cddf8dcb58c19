{{/* Names. */}}
{{- define "flotilla.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "flotilla.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The application components, in the order they are rendered. */}}
{{- define "flotilla.components" -}}edge gateway users fleet translation stats{{- end -}}
{{/* The domain services: each owns a database. */}}
{{- define "flotilla.domainServices" -}}users fleet translation stats{{- end -}}

{{/* A component's Service (and Deployment) name. Call with (list $ "gateway"). */}}
{{- define "flotilla.componentName" -}}
{{- printf "%s-%s" (include "flotilla.fullname" (index . 0)) (index . 1) -}}
{{- end -}}

{{/* http://<service>:8080 as the Node services expect their peers (USERS_URL, ...). */}}
{{- define "flotilla.componentUrl" -}}
{{- printf "http://%s:8080" (include "flotilla.componentName" .) -}}
{{- end -}}

{{- define "flotilla.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: flotilla
app.kubernetes.io/version: {{ include "flotilla.tag" $root | quote }}
{{ include "flotilla.selectorLabels" . }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels that select a component's pods. Call with (list $ "gateway"). */}}
{{- define "flotilla.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flotilla.name" (index . 0) }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Every pod of this release (the default-deny NetworkPolicy selects these). */}}
{{- define "flotilla.releaseSelector" -}}
app.kubernetes.io/name: {{ include "flotilla.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Images. */}}
{{- define "flotilla.tag" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag | toString -}}
{{- if eq $tag "latest" -}}
{{- fail "image.tag: `latest` is not allowed; use a release version (the chart's appVersion by default) or image.digests" -}}
{{- end -}}
{{- $tag -}}
{{- end -}}

{{- define "flotilla.image" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $repo := printf "%s/%s-%s" ($root.Values.image.registry | trimSuffix "/") $root.Values.image.prefix $component -}}
{{- with index $root.Values.image.digests $component -}}
{{- printf "%s@%s" $repo . -}}
{{- else -}}
{{- printf "%s:%s" $repo (include "flotilla.tag" $root) -}}
{{- end -}}
{{- end -}}

{{- define "flotilla.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "flotilla.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Secrets. Their keys are the file names Compose uses under /run/secrets. */}}
{{- define "flotilla.appSecretName" -}}
{{- default (printf "%s-app" (include "flotilla.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "flotilla.databaseSecretName" -}}
{{- if and (eq .Values.postgresql.mode "external") .Values.postgresql.external.existingSecret -}}
{{- .Values.postgresql.external.existingSecret -}}
{{- else -}}
{{- printf "%s-database" (include "flotilla.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The in-chart database: its Service (statefulset) or CloudNativePG cluster. */}}
{{- define "flotilla.postgresqlName" -}}
{{- printf "%s-postgresql" (include "flotilla.fullname" .) -}}
{{- end -}}
{{- define "flotilla.cnpgClusterName" -}}
{{- printf "%s-db" (include "flotilla.fullname" .) -}}
{{- end -}}

{{/*
A password kept across upgrades: the value already in the named Secret when there is one
(`lookup` sees the cluster on install and upgrade; `helm template` sees nothing), otherwise a new
random one. Call with (list $ secretName key).
*/}}
{{- define "flotilla.keptValue" -}}
{{- $root := index . 0 -}}
{{- $existing := lookup "v1" "Secret" $root.Release.Namespace (index . 1) -}}
{{- if and $existing $existing.data (hasKey $existing.data (index . 2)) -}}
{{- index $existing.data (index . 2) | b64dec -}}
{{- else -}}
{{- randAlphaNum 40 -}}
{{- end -}}
{{- end -}}

{{/*
What each component mounts from Secrets: "secret-kind:key" pairs; the file is /run/secrets/<key>,
exactly as in Compose. secret-kind is app (secrets.existingSecret or the generated one) or db
(the per-service database URLs).
*/}}
{{- define "flotilla.secretFiles" -}}
{{- $files := dict
  "edge" (list)
  "gateway" (list "app:gateway_secret")
  "users" (list "db:users_database_url" "app:signing_key" "app:admin_password" "app:gateway_secret")
  "fleet" (list "db:fleet_database_url")
  "translation" (list "db:translation_database_url" "db:translation_console_database_url")
  "stats" (list "db:stats_database_url")
-}}
{{- toJson (index $files .) -}}
{{- end -}}

{{/* The environment of a Node service, as a JSON object (Compose's `environment:`). */}}
{{- define "flotilla.env" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $v := index $root.Values $c -}}
{{- $env := dict "HOST" "0.0.0.0" "PORT" "8080" "LOG_LEVEL" $v.logLevel -}}
{{- /* Metrics on their own port; traces only when enabled (otherwise no OpenTelemetry code loads). */ -}}
{{- $_ := set $env "METRICS_PORT" ($root.Values.metrics.port | toString) -}}
{{- if $root.Values.tracing.enabled -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" (required "tracing.endpoint is required with tracing.enabled" $root.Values.tracing.endpoint) -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_PROTOCOL" $root.Values.tracing.protocol -}}
{{- $_ := set $env "OTEL_TRACES_SAMPLER" $root.Values.tracing.sampler -}}
{{- if $root.Values.tracing.samplerArg }}{{ $_ := set $env "OTEL_TRACES_SAMPLER_ARG" $root.Values.tracing.samplerArg }}{{ end -}}
{{- end -}}
{{- if eq $c "gateway" -}}
{{- $_ := set $env "USERS_URL" (include "flotilla.componentUrl" (list $root "users")) -}}
{{- $_ := set $env "FLEET_URL" (include "flotilla.componentUrl" (list $root "fleet")) -}}
{{- $_ := set $env "TRANSLATION_URL" (include "flotilla.componentUrl" (list $root "translation")) -}}
{{- $_ := set $env "STATS_URL" (include "flotilla.componentUrl" (list $root "stats")) -}}
{{- $_ := set $env "UPSTREAM_TIMEOUT_MS" ($v.upstreamTimeoutMs | toString) -}}
{{- $_ := set $env "TRUST_PROXY" $v.trustProxy -}}
{{- if $v.allowedOrigins }}{{ $_ := set $env "ALLOWED_ORIGINS" $v.allowedOrigins }}{{ end -}}
{{- $_ := set $env "GATEWAY_SECRET_FILE" "/run/secrets/gateway_secret" -}}
{{- else if eq $c "users" -}}
{{- $_ := set $env "DATABASE_URL_FILE" "/run/secrets/users_database_url" -}}
{{- $_ := set $env "SIGNING_KEY_FILE" "/run/secrets/signing_key" -}}
{{- $_ := set $env "FLOTILLA_ADMIN_PASSWORD_FILE" "/run/secrets/admin_password" -}}
{{- $_ := set $env "GATEWAY_SECRET_FILE" "/run/secrets/gateway_secret" -}}
{{- else -}}
{{- $_ := set $env "DATABASE_URL_FILE" (printf "/run/secrets/%s_database_url" $c) -}}
{{- $_ := set $env "USERS_URL" (include "flotilla.componentUrl" (list $root "users")) -}}
{{- end -}}
{{- if eq $c "translation" -}}
{{- $_ := set $env "CONSOLE_DATABASE_URL_FILE" "/run/secrets/translation_console_database_url" -}}
{{- $_ := set $env "TRANSLATION_MODEL_DIR" "/var/lib/flotilla/translation-model" -}}
{{- $_ := set $env "DICTIONARY_PATH" "/usr/share/trans/de-en" -}}
{{- $_ := set $env "TRANSLATION_ENGINE" $v.engine -}}
{{- $_ := set $env "TRANSLATION_WORKERS" ($v.workers | toString) -}}
{{- /* auto: download the model unless a NetworkPolicy keeps the pod from its host. */ -}}
{{- $np := $root.Values.networkPolicy -}}
{{- $blocked := and $np.enabled (not $np.egress.translation.enabled) -}}
{{- $_ := set $env "TRANSLATION_FETCH" (ternary (ternary "off" "on" $blocked) $v.fetch (eq $v.fetch "auto")) -}}
{{- end -}}
{{- range $name, $value := $v.env -}}
{{- if hasKey $env $name -}}
{{- fail (printf "%s.env.%s: the chart sets %s itself; use the chart's own value for it" $c $name $name) -}}
{{- end -}}
{{- if regexMatch "(PASSWORD|SECRET|DATABASE_URL|SIGNING_KEY|TOKEN)$" $name -}}
{{- fail (printf "%s.env.%s: looks like a secret; secrets come from Secrets as files, never from values" $c $name) -}}
{{- end -}}
{{- $_ := set $env $name ($value | toString) -}}
{{- end -}}
{{- toJson $env -}}
{{- end -}}

{{/*
The port of tracing.endpoint (the scheme's default when it names none): what NetworkPolicies open.
*/}}
{{- define "flotilla.tracingPort" -}}
{{- $url := urlParse .Values.tracing.endpoint -}}
{{- $host := $url.host -}}
{{- if regexMatch ":[0-9]+$" $host -}}
{{- regexFind "[0-9]+$" $host -}}
{{- else -}}
{{- ternary "443" "80" (eq $url.scheme "https") -}}
{{- end -}}
{{- end -}}

{{/*
The edge's gateway.conf, mounted over the image's deploy/nginx/gateway.conf (Compose's): the
cluster's DNS server instead of Docker's, and this release's gateway Service instead of the Compose
name `gateway` (fully qualified: nginx's own resolver does not use the pod's search domains).
*/}}
{{- define "flotilla.edgeGatewayConf" -}}
{{- $fqdn := printf "%s.%s.svc.%s" (include "flotilla.componentName" (list . "gateway")) .Release.Namespace .Values.clusterDomain -}}
resolver {{ .Values.edge.dnsResolver }} valid=10s ipv6=off;
set $flotilla_gateway http://{{ $fqdn }}:8080;
{{- end -}}

{{/* Hardening every container gets (the "restricted" Pod Security Standard). */}}
{{- define "flotilla.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Pod-level hardening; call with a uid (the image's own user). */}}
{{- define "flotilla.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Scheduling shared by every pod; call with (list $ "component"). */}}
{{- define "flotilla.scheduling" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $v := index $root.Values $c | default dict -}}
{{- with merge (deepCopy ($v.nodeSelector | default dict)) $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with concat ($v.tolerations | default list) $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with ($v.affinity | default $root.Values.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  - maxSkew: {{ $root.Values.topologySpread.maxSkew }}
    topologyKey: {{ $root.Values.topologySpread.topologyKey }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "flotilla.selectorLabels" (list $root $c) | nindent 8 }}
{{- end }}
{{- end -}}
