"""Two workspaces compared: the connectivity diff, each change's policies and its place.

What `netpol-lsp diff` prints and the server's lens counts. `namespaces` limits the work to
pairs with a workload of those namespaces at one end: a change confined to some namespaces
(their policies, workloads and Namespace objects) cannot alter any other pair, so the diff
restricted to them is the whole diff (changed_namespaces says which they are; a changed
kustomization or chart file may move objects of other files, so it means every namespace).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from ..model import K8sObject, Namespace, NetworkPolicy, Service, Workload
from ..span import Span
from ..workspace import SourceFile, Workspace
from .conndiff import ConnectivityDiff, PairChange, diff_connections
from .connectivity import Engine, Interrupted
from .diff_blame import DiffSide, blame



RENDER_INPUTS = {"kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml"}


@dataclass
class Comparison:
    diff: ConnectivityDiff
    old: DiffSide
    new: DiffSide
    policies: list[list[str]] = field(default_factory=list)  # per change: the policies it goes through
    places: list[Optional[tuple[str, Span]]] = field(default_factory=list)  # per change: where to point

    def by_policy(self) -> dict[str, list[PairChange]]:
        out: dict[str, list[PairChange]] = {}
        for change, names in zip(self.diff.changes, self.policies):
            for name in names:
                out.setdefault(name, []).append(change)
        return out


def side(workspace: Workspace, namespaces: Optional[set[str]] = None, engine: Optional[Engine] = None):
    """A DiffSide and its connections (all, or those touching `namespaces`)."""
    engine = engine or Engine(workspace)
    result = engine.compute(namespaces)
    return DiffSide(workspace, result.endpoints, engine), result.connections


def compare(old: Workspace, new: Workspace, namespaces: Optional[set[str]] = None) -> Comparison:
    old_side, old_connections = side(old, namespaces)
    new_side, new_connections = side(new, namespaces)
    return compare_sides(old_side, old_connections, new_side, new_connections)


def compare_sides(old_side: DiffSide, old_connections, new_side: DiffSide, new_connections,
                  stop: Optional[Callable[[], bool]] = None) -> Comparison:
    diff = diff_connections(old_connections, new_connections)
    comparison = Comparison(diff, old_side, new_side)
    for change in diff.changes:
        if stop is not None and stop():
            raise Interrupted()
        names = blame(change, old_side, new_side)
        comparison.policies.append(names)
        comparison.places.append(_place(change, names, old_side, new_side))
    return comparison


def _place(change: PairChange, names: list[str], old: DiffSide, new: DiffSide) -> Optional[tuple[str, Span]]:
    """The first policy the change goes through (as it is now, else as it was), else the
    destination's (or the source's) manifest."""
    for name in names:
        for found in (new.policies.get(name), old.policies.get(name)):
            if found is not None:
                return found.path, found.kind_span
    for endpoint in (change.dst, change.src):
        for view in (new, old):
            pods = view.pods(endpoint)
            if pods:
                return pods[0].path, pods[0].kind_span
    return None


def differing_files(old_files: dict[str, SourceFile], new_files: dict[str, SourceFile]):
    """(old, new) sources of the paths whose text differs (None where a side lacks the file)."""
    for path in old_files.keys() | new_files.keys():
        before, after = old_files.get(path), new_files.get(path)
        if before is None or after is None or before.text != after.text:
            yield before, after


def changed_namespaces(differing: Iterable[tuple[Optional[SourceFile], Optional[SourceFile]]]) -> Optional[set[str]]:
    """The namespaces of the objects in files that differ (both versions of each), or None when
    one of them is a cluster-scoped object other than a Namespace (it may reach every namespace)."""
    namespaces: set[str] = set()
    for pair in differing:
        for source in pair:
            if source is None:
                continue
            if is_render_input(source.path):
                return None
            for obj in source.objects:
                found = _namespace_of(obj)
                if found is None:
                    return None
                namespaces.add(found)
    return namespaces


def is_render_input(path: str) -> bool:
    """A file that may change objects other than its own once rendered (a kustomization, a
    chart, its values or templates): a change there is compared over every namespace."""
    name = os.path.basename(path)
    return name in RENDER_INPUTS or (name.startswith("values") and name.endswith((".yaml", ".yml"))) \
        or "/templates/" in path.replace(os.sep, "/")


def _namespace_of(obj: K8sObject) -> Optional[str]:
    if isinstance(obj, Namespace):
        return obj.name
    if isinstance(obj, (NetworkPolicy, Workload, Service)):  # act only through their namespace
        return obj.namespace
    return None  # another kind (a cluster-wide policy tier, ...) may reach every namespace
