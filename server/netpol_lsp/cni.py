"""The known CNI plugins and whether each enforces NetworkPolicy: the one table of it."""
from __future__ import annotations

# name -> (display name, enforces NetworkPolicy)
CNIS = {
    "calico": ("Calico", True),
    "cilium": ("Cilium", True),
    "weave": ("Weave Net", True),
    "kube-router": ("Kube-router", True),
    "romana": ("Romana", True),
    "antrea": ("Antrea", True),
    "canal": ("Canal", True),  # Flannel for the network, Calico for policy
    "ovn-kubernetes": ("OVN-Kubernetes", True),
    "gke-dataplane-v2": ("GKE Dataplane V2", True),
    "azure-npm": ("Azure Network Policy Manager", True),
    "aws-vpc-cni": ("Amazon VPC CNI", True),  # enforces since 1.14 with its network policy agent
    "k3s": ("k3s (Flannel with its embedded network policy controller)", True),
    # Flannel's chart with netpol.enabled runs kube-network-policies in the flannel DaemonSet
    "flannel-netpol": ("Flannel with kube-network-policies", True),
    "flannel": ("Flannel", False),
    "unknown": ("an unknown CNI", True),
}

# image or DaemonSet name fragments that reveal a CNI in the manifests
SIGNATURES = (
    ("canal", "canal"),  # before flannel and calico: Canal ships both images
    ("flannel", "flannel"),
    ("calico", "calico"),
    ("cilium", "cilium"),
    ("weave", "weave"),
    ("kube-router", "kube-router"),
    ("antrea", "antrea"),
    ("romana", "romana"),
    ("ovnkube", "ovn-kubernetes"),
    ("ovn-kubernetes", "ovn-kubernetes"),
)

# the image fragment of the network policy controller Flannel's chart adds (netpol.enabled)
FLANNEL_POLICY_CONTROLLER = "kube-network-policies"

# How some CNIs depart from the API's policyTypes semantics: (cni, direction of the ignored
# rules) -> what that CNI does with them.
POLICY_TYPES_DEPARTURES = {
    ("cilium", "ingress"): ("enforces ingress rules even when policyTypes leaves Ingress out (a known Cilium "
                            "bug, cilium/cilium#48703), so on this cluster the selected pods are isolated for ingress"),
    ("aws-vpc-cni", "ingress"): ("whose network policy controller ignores policyTypes, enforces the rules as "
                                 "written, so on this cluster the selected pods are isolated for ingress"),
    ("aws-vpc-cni", "egress"): ("whose network policy controller ignores policyTypes, enforces the rules as "
                                "written, so on this cluster the selected pods are isolated for egress"),
}


def display_name(cni: str) -> str:
    return CNIS.get(cni, (cni, True))[0]


def enforces(cni: str) -> bool:
    return CNIS.get(cni, (cni, True))[1]
