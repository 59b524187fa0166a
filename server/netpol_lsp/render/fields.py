"""Which fields Kustomize's built-in transformers write, per kind (its fieldspecs, for what the
analysis reads): labels into metadata, pod templates and selectors; the namespace into
namespaced objects. Checked against `kubectl kustomize` by tests/test_kustomize_agreement.py."""
from __future__ import annotations

# kinds without a namespace: the namespace transformer leaves them alone (a Namespace is renamed)
CLUSTER_SCOPED = frozenset({
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
    "StorageClass", "Node", "PriorityClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "APIService", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode",
    "VolumeAttachment", "PodSecurityPolicy", "ClusterNetworkPolicy", "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy", "ComponentStatus", "CertificateSigningRequest", "ClusterIssuer",
    "GlobalNetworkPolicy", "GlobalNetworkSet", "CiliumClusterwideNetworkPolicy", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
})

_TEMPLATE = [(("spec", "template", "metadata", "labels"), True)]
# pod template labels (`labels` with includeTemplates, and commonLabels)
TEMPLATE_LABELS = {
    "Deployment": _TEMPLATE, "ReplicaSet": _TEMPLATE, "DaemonSet": _TEMPLATE, "StatefulSet": _TEMPLATE,
    "Job": _TEMPLATE, "ReplicationController": _TEMPLATE,
    "CronJob": [(("spec", "jobTemplate", "metadata", "labels"), True),
                (("spec", "jobTemplate", "spec", "template", "metadata", "labels"), True)],
}
_MATCH = [(("spec", "selector", "matchLabels"), True)]
# selectors (commonLabels, and `labels` with includeSelectors); "[]" walks every item of a list.
# The bool: whether a missing field is created (Kustomize's `create`).
SELECTOR_LABELS = {
    "Service": [(("spec", "selector"), True)],
    "ReplicationController": [(("spec", "selector"), True)],
    "Deployment": _MATCH, "ReplicaSet": _MATCH, "DaemonSet": _MATCH, "StatefulSet": _MATCH,
    "Job": [(("spec", "selector", "matchLabels"), False)],
    "CronJob": [(("spec", "jobTemplate", "spec", "selector", "matchLabels"), False)],
    "PodDisruptionBudget": [(("spec", "selector", "matchLabels"), False)],
    "NetworkPolicy": [(("spec", "podSelector", "matchLabels"), False),
                      (("spec", "ingress", "[]", "from", "[]", "podSelector", "matchLabels"), False),
                      (("spec", "egress", "[]", "to", "[]", "podSelector", "matchLabels"), False)],
}
