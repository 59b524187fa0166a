"""A file's interface: the parts of its objects that findings on OTHER files can depend on.

When an edit leaves a file's interface as it was (a comment, a ConfigMap value, lines moved),
no other file's findings can change, except through a position (see below), so the
incremental analysis (incremental.py) re-checks the edited file alone. When only the facts of
objects change, and the kind of object limits their reach to a namespace
(`reaches_only_its_namespace`), it re-checks that namespace and what selects into it.

What the rules and analysis/ read of other files' objects (keep this in step when a rule starts
reading something new across files):

- an object's shape, in file order: class, kind, name and namespace: the index's order (messages
  name "the first" workload, did-you-mean picks the first best label), the namespaces objects
  imply (NP003), "Deployment ns/name" in messages. The index breaks ties between objects of one
  file by doc_index, which grows with the file order, so the order of the tuple stands for it
  (and a document without objects typed above them changes nothing);
- its facts, for a Workload: pod template labels (every selector), container ports with their names and
  protocols (NP040 named ports, NP020/NP021 database ports), container images (database ports by
  image, the CNI detected from a DaemonSet for NP030), hostNetwork and owner (connectivity);
- a Namespace: its labels (namespaceSelector, NP002's did-you-mean);
- a Service: its selector (no rule reads it today: cheap to include);
- a cluster policy (ClusterNetworkPolicy, Admin/BaselineAdminNetworkPolicy): its tier, priority,
  subject and rules; it reaches every namespace, and while the workspace has one, any change of
  facts is analysed whole (incremental.py), since its rules read workloads everywhere;
- a NetworkPolicy: its spec as plain data: which pods it selects and isolates (NP011, NP012,
  NP013, NP021, NP022) and every rule (NP070 compares the policies of a namespace, NP012 and
  NP013 look for DNS in the others' egress rules).

Across namespaces: NP004 reads the workloads of the namespaces a namespaceSelector matches (the
files selecting into a changed namespace are re-checked, as for NP002); NP025 compares the
isolation of every namespace with its sisters, so incremental.py re-checks the file each
namespace's NP025 would be reported in whenever a changed namespace became isolated or open.

Left out on purpose: annotations and metadata.labels of other kinds (only suppressions read
annotations, and they act within their own file) and every position. A finding on another file
carries a position of this one only as a Related location (NP001's workloads, NP020's database,
NP030's DaemonSet, NP070's covering rule); the incremental analysis re-checks the files whose
findings point into an edited file.
"""
from __future__ import annotations

import dataclasses
import weakref
from typing import Any, NamedTuple

from ..manifests.nodes import Node
from ..model import ClusterPolicy, K8sObject, Namespace, NetworkPolicy, Service, Workload
from ..workspace import SourceFile
from .databases import _images

class ObjectInterface(NamedTuple):
    shape: tuple  # (class, kind, name, namespace): where the object sits in the index
    facts: tuple  # what else other files' findings read of it


Interface = tuple  # of ObjectInterface, in file order

# one computation per version of a file (SourceFiles are never changed once built)
_cache: "weakref.WeakKeyDictionary[SourceFile, Interface]" = weakref.WeakKeyDictionary()


# and per object: an edited buffer's next version keeps the objects of the documents the edit
# did not touch (workspace.load_source)
_by_object: "weakref.WeakKeyDictionary[K8sObject, ObjectInterface]" = weakref.WeakKeyDictionary()


def interface(source: SourceFile) -> Interface:
    found = _cache.get(source)
    if found is None:
        found = _cache[source] = tuple(_object_interface_kept(obj) for obj in source.objects)
    return found


def _object_interface_kept(obj: K8sObject) -> ObjectInterface:
    found = _by_object.get(obj)
    if found is None:
        found = _by_object[obj] = object_interface(obj)
    return found


def reaches_only_its_namespace(shape: tuple) -> bool:
    """Whether a change of the facts of an object of this shape can change findings only on
    the policies and workloads of its own namespace, and on the policies whose
    namespaceSelectors match that namespace (their peers resolve to its pods). True for
    workloads (labels, ports, images: the namespace's own selectors, and namespaceSelector
    peers reaching in), policies (which select and isolate pods of their own namespace only,
    NP070 compares a namespace's policies), and services (which no rule reads). Not for a
    Namespace (its labels answer every namespaceSelector) nor for a DaemonSet (the CNI detected
    from it is the workspace's: NP030 on every policy)."""
    cls, kind = shape[0], shape[1]
    return cls in ("Workload", "NetworkPolicy", "Service") and kind != "DaemonSet"


def object_interface(obj: K8sObject) -> ObjectInterface:
    shape = (type(obj).__name__, obj.kind, obj.name, obj.namespace)
    if isinstance(obj, Workload):
        ports = tuple((p.container, p.number, p.name, p.protocol) for p in obj.ports)
        facts = (_pairs(obj.template_labels), ports, tuple(_images(obj)), obj.host_network, obj.owner)
    elif isinstance(obj, NetworkPolicy):
        facts = (plain(obj.pod_selector), plain(obj.policy_types), plain(obj.ingress), plain(obj.egress))
    elif isinstance(obj, ClusterPolicy):  # cluster-scoped: a change of it reaches every namespace
        facts = (obj.tier, obj.priority, obj.subject_valid, plain(obj.subject_namespaces), plain(obj.subject_pods),
                 plain(obj.ingress), plain(obj.egress))
    elif isinstance(obj, Namespace):
        facts = (_pairs(obj.labels),)
    elif isinstance(obj, Service):
        facts = (_pairs(obj.selector),)
    else:
        facts = ()
    return ObjectInterface(shape, facts)


def _pairs(labels: dict[str, str]) -> tuple:
    return tuple(labels.items())  # in written order: messages list labels as written


def plain(value: Any) -> Any:
    """A model value as comparable plain data, without its YAML nodes (positions)."""
    cls = type(value)
    if cls in _ATOMS:
        return value
    names = _FIELDS.get(cls)
    if names is None and dataclasses.is_dataclass(value):
        # compare=False: what analysis caches on it (model/objects.py), not a fact
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.compare)
    if names is not None:
        return (cls.__name__, *[plain(getattr(value, name)) for name in names])
    if isinstance(value, Node):
        return None
    if isinstance(value, (list, tuple)):
        return tuple([plain(item) for item in value])
    if isinstance(value, dict):
        return tuple([(key, plain(item)) for key, item in value.items()])
    return value


_ATOMS = frozenset((str, int, bool, float, type(None)))
_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass's field names
