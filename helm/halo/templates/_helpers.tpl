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
The agent image: agent.image, or the operator's repository with "-agent" and the same tag, as
`make image` names the two images it builds (halo:<tag> and halo-agent:<tag>).
*/}}
{{- define "halo.agentImage" -}}
{{- $derived := printf "%s-agent:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- default $derived .Values.agent.image -}}
{{- end -}}

{{/*
The permissions the operator needs on the objects of the groups it reconciles, and nothing more:
RbacIT records every call the operator makes in the integration tests and checks these rules
against them (see README, "RBAC").
*/}}
{{- define "halo.groupRules" -}}
# The groups: informer (list, watch), the SDK's finalizer and removing a handled
# halo.dev/switchover request (get, patch).
- apiGroups: ["halo.dev"]
  resources: ["highavailabilitygroups"]
  verbs: ["get", "list", "watch", "patch"]
# Status is written through the status subresource only.
- apiGroups: ["halo.dev"]
  resources: ["highavailabilitygroups/status"]
  verbs: ["patch"]
# Pods: informer; one per replica, role labels, deleted on failure, scale-down and rollouts,
# all of a group's pods deleted with it.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "patch", "delete", "deletecollection"]
# The master and standby Services; a changed selector is put back.
- apiGroups: [""]
  resources: ["services"]
  verbs: ["list", "watch", "create", "update", "delete", "deletecollection"]
# The group's PodDisruptionBudget.
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["list", "watch", "create", "deletecollection"]
# A site's master Service sent to a master on another site (spec.site.remoteMasterService:
# EndpointSlice): the slice listing its address; the Service's other slices are read first.
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["list", "watch", "create", "update", "delete", "deletecollection"]
# Events on the groups (MasterElected, Failover, InvalidSpec, ...).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
