{{/* The release's full name: "<release>" when it already says halo, else "<release>-halo". */}}
{{- define "halo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "halo.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "halo.labels" -}}
{{ include "halo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "halo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "halo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "halo.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
The permissions the operator needs on the objects of the groups it reconciles. Each rule is
checked against the API calls the operator makes in the integration tests (RbacIT).
*/}}
{{- define "halo.groupRules" -}}
- apiGroups: ["halo.dev"]
  resources: ["highavailabilitygroups"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["halo.dev"]
  resources: ["highavailabilitygroups/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "patch", "delete", "deletecollection"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "update", "delete", "deletecollection"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "create", "deletecollection"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
