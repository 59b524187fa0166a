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


def display_name(cni: str) -> str:
    return CNIS.get(cni, (cni, True))[0]


def enforces(cni: str) -> bool:
    return CNIS.get(cni, (cni, True))[1]
