"""Nodes -> typed Kubernetes objects, each keeping the nodes (and so the spans) it was built from."""
from .objects import (
    ContainerPort, ForeignPolicy, IPBlock, K8sObject, ModelProblem, Namespace, NetworkPolicy, Peer, PortSpec,
    Requirement, Rule, Selector, Service, Workload, WORKLOAD_KINDS,
)
from .build import build_objects
from .cluster import ClusterPolicy, TierPeer, TierPort, TierRule

__all__ = [
    "ContainerPort", "ForeignPolicy", "IPBlock", "K8sObject", "ModelProblem", "Namespace", "NetworkPolicy", "Peer",
    "PortSpec", "Requirement", "Rule", "Selector", "Service", "Workload", "WORKLOAD_KINDS",
    "build_objects", "ClusterPolicy", "TierPeer", "TierPort", "TierRule",
]
