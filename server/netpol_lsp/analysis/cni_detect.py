"""Which CNI the workspace runs: declared in the configuration, or seen in its DaemonSets.

Enforcement is decided by all the DaemonSets together, not the first one seen: Flannel
enforces nothing alone, but Canal, Calico's calico-node beside Flannel (policy-only mode),
and Flannel's own kube-network-policies container (its chart's netpol.enabled) do.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..cni import FLANNEL_POLICY_CONTROLLER, SIGNATURES, display_name
from ..model import Workload
from ..workspace import Workspace
from .databases import _images


@dataclass
class CniInfo:
    name: str
    source: str  # "configuration" | "detected"
    workload: Optional[Workload] = None  # the DaemonSet it was detected from
    evidence: str = ""  # what it was detected from, in words

    def how(self) -> str:
        """How the CNI is known, for messages: "declared in the configuration", "detected from ..."."""
        if self.source == "configuration":
            return "declared in the configuration"
        return self.evidence or "detected"


def detect_cni(workspace: Workspace) -> Optional[CniInfo]:
    if workspace.config.cni:
        return CniInfo(workspace.config.cni, "configuration")
    found: dict[str, Workload] = {}  # cni -> the first DaemonSet showing it
    for workload in workspace.workloads:
        if workload.kind != "DaemonSet":
            continue
        haystack = " ".join([workload.name] + _images(workload)).lower()
        for fragment, cni in SIGNATURES:
            if fragment in haystack:
                found.setdefault(cni, workload)
                break
    if not found:
        return None
    flannel = found.get("flannel")
    if flannel is not None:
        if any(FLANNEL_POLICY_CONTROLLER in image.lower() for image in _images(flannel)):
            return CniInfo("flannel-netpol", "detected", flannel,
                           f"detected from DaemonSet {_name(flannel)}, which runs a {FLANNEL_POLICY_CONTROLLER} "
                           "container")
        enforcer = next(((cni, w) for cni, w in found.items() if cni != "flannel"), None)
        if enforcer is not None:  # Calico policy-only (or another plugin) beside Flannel enforces
            cni, workload = enforcer
            return CniInfo(cni, "detected", workload,
                           f"detected from DaemonSet {_name(workload)}, which enforces policies beside Flannel's "
                           f"DaemonSet {_name(flannel)}")
        return CniInfo("flannel", "detected", flannel,
                       f"detected from DaemonSet {_name(flannel)}, with no {FLANNEL_POLICY_CONTROLLER} container "
                       "and no Calico beside it")
    cni, workload = next(iter(found.items()))
    return CniInfo(cni, "detected", workload, f"detected from DaemonSet {_name(workload)}")


def describe(info: CniInfo) -> str:
    """"Cilium (detected from DaemonSet kube-system/cilium)": the CNI and its evidence."""
    return f"{display_name(info.name)} ({info.how()})"


def _name(workload: Workload) -> str:
    return f"{workload.namespace}/{workload.name}"
