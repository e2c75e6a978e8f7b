{{/* Name of the release's objects: the release name when it already says odoo-operator. */}}
{{- define "odoo-operator.fullname" -}}
{{- if contains "odoo-operator" .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-odoo-operator" .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels every object of the chart carries. */}}
{{- define "odoo-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: odoo-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selects the operator pods of this release. */}}
{{- define "odoo-operator.selectorLabels" -}}
app.kubernetes.io/name: odoo-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "odoo-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The Secret holding the webhook's serving certificate. */}}
{{- define "odoo-operator.webhookSecret" -}}
{{- if .Values.webhook.certManager.enabled -}}
{{- printf "%s-webhook-tls" (include "odoo-operator.fullname" .) -}}
{{- else -}}
{{- required (include "odoo-operator.noCertManager" .) .Values.webhook.secretName -}}
{{- end -}}
{{- end -}}

{{- define "odoo-operator.webhookService" -}}
{{- printf "%s-webhook" (include "odoo-operator.fullname" .) -}}
{{- end -}}

{{- define "odoo-operator.noCertManager" -}}
webhook.certManager.enabled is false: set webhook.secretName (a pre-made TLS Secret) and webhook.caBundle (base64 PEM of its CA)
{{- end -}}
