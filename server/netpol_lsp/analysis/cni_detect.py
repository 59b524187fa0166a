"""Which CNI the workspace runs: declared in the configuration, or seen in its DaemonSets."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..cni import SIGNATURES
from ..model import Workload
from ..workspace import Workspace
from .databases import _images


@dataclass
class CniInfo:
    name: str
    source: str  # "configuration" | "detected"
    workload: Optional[Workload] = None


def detect_cni(workspace: Workspace) -> Optional[CniInfo]:
    if workspace.config.cni:
        return CniInfo(workspace.config.cni, "configuration")
    for workload in workspace.workloads:
        if workload.kind != "DaemonSet":
            continue
        haystack = " ".join([workload.name] + _images(workload)).lower()
        for fragment, cni in SIGNATURES:
            if fragment in haystack:
                return CniInfo(cni, "detected", workload)
    return None
