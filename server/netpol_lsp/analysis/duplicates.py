"""Two definitions of one object (group, kind, namespace, name) in one view: the same, or not.

Compared on what the analysis reads, whatever the key order or the style the files are written
in (a pre-rendered bundle sorts its keys; its source does not)."""
from __future__ import annotations

from ..manifests.nodes import to_python
from ..model import K8sObject, Namespace, NetworkPolicy, Service, Workload


# the kinds whose copies are compared (facts() says what of them the analysis reads)
MERGED_KINDS = (Workload, NetworkPolicy, Service, Namespace)


def identity(obj: K8sObject) -> tuple:
    """(API group, kind, namespace, name); kept on the object (objects never change)."""
    found = obj._identity
    if found is None:
        group = obj.api_version.split("/")[0] if "/" in obj.api_version else ""
        found = obj._identity = (group, obj.kind, obj.namespace, obj.name)
    return found


def facts(obj: K8sObject) -> tuple:
    """What other objects' findings read of it (its interface, analysis/interface.py), so a
    change elsewhere that could change this comparison re-checks the file in an incremental
    analysis too."""
    base = (obj.kind,)
    if isinstance(obj, Workload):
        ports = frozenset((p.container, p.number, p.name, p.protocol) for p in obj.ports)
        return base + (obj.template_labels, ports, obj.host_network, obj.owner)
    if isinstance(obj, NetworkPolicy):
        try:
            return base + (to_python(obj.node.get("spec")),)
        except ValueError:  # too large to expand: compared by position instead
            return base + (id(obj),)
    if isinstance(obj, Service):
        return base + (obj.selector,)
    if isinstance(obj, Namespace):
        return base + (obj.labels,)
    return base
