{{- define "palisade.name" -}}palisade{{- end -}}

{{- define "palisade.fullname" -}}
{{- if contains "palisade" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-palisade" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "palisade.labels" -}}
app.kubernetes.io/name: palisade
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "palisade.selectorLabels" -}}
app.kubernetes.io/name: palisade
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: admission-webhook
{{- end -}}

{{- define "palisade.tlsSecret" -}}
{{- if .Values.tls.generate -}}
{{ include "palisade.fullname" . }}-tls
{{- else -}}
{{ required "tls.existingSecret is required when tls.generate is false" .Values.tls.existingSecret }}
{{- end -}}
{{- end -}}

{{- define "palisade.namespaceSelector" -}}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values:
        {{- range (concat .Values.excludedNamespaces (list .Release.Namespace) | uniq) }}
        - {{ . | quote }}
        {{- end }}
{{- end -}}
