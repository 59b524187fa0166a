"""Which policy objects the analysis models, and which it knows only by name.

The Kubernetes NetworkPolicy is modelled in every version an old manifest may carry: the API
server serves it as networking.k8s.io/v1 only, and the removed versions are analysed as v1
(NP093 says they will not apply). Other CNIs' and vendors' policy kinds also allow and deny
traffic, but the analysis does not model them: each one found is named (NP094), so no result
that ignores them looks complete. policy.networking.k8s.io (AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy) is the network-policy-api's and is modelled
on its own: it is not listed here.
"""
from __future__ import annotations

from typing import Optional

SERVED_POLICY_GROUP = "networking.k8s.io"
# apiVersion -> why the API server rejects a NetworkPolicy written in it
REMOVED_POLICY_VERSIONS = {
    "extensions/v1beta1": "extensions/v1beta1 NetworkPolicy is no longer served since Kubernetes 1.16",
    "networking.k8s.io/v1beta1": "the API server serves no NetworkPolicy in networking.k8s.io/v1beta1 "
                                 "(networking.k8s.io has it as v1 only)",
}

# (API group, kind) -> who enforces it. Staged Calico policies are left out: they only preview.
FOREIGN_POLICY_KINDS = {
    ("cilium.io", "CiliumNetworkPolicy"): "Cilium",
    ("cilium.io", "CiliumClusterwideNetworkPolicy"): "Cilium",
    ("projectcalico.org", "NetworkPolicy"): "Calico",
    ("projectcalico.org", "GlobalNetworkPolicy"): "Calico",
    ("crd.projectcalico.org", "NetworkPolicy"): "Calico",
    ("crd.projectcalico.org", "GlobalNetworkPolicy"): "Calico",
    ("crd.antrea.io", "NetworkPolicy"): "Antrea",
    ("crd.antrea.io", "ClusterNetworkPolicy"): "Antrea",
    ("security.antrea.tanzu.vmware.com", "NetworkPolicy"): "Antrea",
    ("security.antrea.tanzu.vmware.com", "ClusterNetworkPolicy"): "Antrea",
    ("networking.gke.io", "FQDNNetworkPolicy"): "GKE",
    ("k8s.ovn.org", "EgressFirewall"): "OVN-Kubernetes",
}

CLUSTER_SCOPED_KINDS = ("CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy", "ClusterNetworkPolicy")


def api_group(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def is_kubernetes_policy(kind: str, api_version: str) -> bool:
    """A Kubernetes NetworkPolicy, in a served or a removed version (both are analysed as v1)."""
    return kind == "NetworkPolicy" and (api_group(api_version) == SERVED_POLICY_GROUP
                                        or api_version in REMOVED_POLICY_VERSIONS)


def foreign_policy_vendor(kind: str, api_version: str) -> Optional[str]:
    """Who enforces a policy kind the analysis does not model; None for any other kind."""
    return FOREIGN_POLICY_KINDS.get((api_group(api_version), kind))
