"""What the analysis reads of a manifest: the branches a lean parse keeps (manifests/compose.py).

`check` and the server's index of files that are not open build only these parts of each
document: a NetworkPolicy whole (the schema check and every policy rule read all of it), of
anything else the fields build.py, databases.py (images) and cni_detect.py read. Positions
stay exact; the rest of the document is simply not built. When a rule starts reading a new
field of a non-policy object, add it here (tests/test_compose_paths.py compares the findings
of lean and whole parses on a generated corpus, so a field missing here shows up there).
"""
from __future__ import annotations

from yaml.nodes import MappingNode, ScalarNode

from ..render.operators import group_of, is_custom_group

_CONTAINER = {"name": True, "image": True, "ports": True}
_POD_SPEC = {"hostNetwork": True, "containers": _CONTAINER, "initContainers": _CONTAINER}
_METADATA = {"name": True, "generateName": True, "namespace": True, "labels": True, "annotations": True,
             "ownerReferences": True}
_TEMPLATE = {"metadata": _METADATA, "spec": _POD_SPEC}

WHOLE_KINDS = ("NetworkPolicy", "NetworkPolicyList", "ClusterNetworkPolicy", "ClusterNetworkPolicyList",
               "AdminNetworkPolicy", "AdminNetworkPolicyList", "BaselineAdminNetworkPolicy",
               "BaselineAdminNetworkPolicyList")


def object_trie(node):
    """The trie for one object (a document's root or an item of a List), chosen by its kind."""
    if node.__class__ is not MappingNode:
        return True  # a scalar or a list at the top: nothing to trim, and small
    seen = 0
    for key, value in node.value:
        if key.__class__ is not ScalarNode or value.__class__ is not ScalarNode:
            continue
        if key.value == "kind":
            if value.value in WHOLE_KINDS:
                return True
            seen += 1
        elif key.value == "apiVersion":
            if "." in value.value and is_custom_group(group_of(value.value)):
                return True  # a custom resource: where an operator reads pod labels differs per kind
            seen += 1
        if seen == 2:
            break
    return _OBJECT


_OBJECT = {
    "apiVersion": True,
    "kind": True,
    "metadata": _METADATA,
    # Pods (spec is the pod spec), Services (spec.selector), controllers (spec.template),
    # CronJobs (spec.jobTemplate.spec.template)
    "spec": {**_POD_SPEC, "selector": True, "template": _TEMPLATE,
             "jobTemplate": {"spec": {"template": _TEMPLATE}}},
    "items": object_trie,
}
