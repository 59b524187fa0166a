"""What every rule module shares: the context it checks and the way it reports.

A rule module has a tiny uniform face (after yamllint's rules): ID, NAME, SEVERITY, SUMMARY,
an optional DEFAULT_ENABLED, and `check(ctx)` yielding Findings. Its page in rules/ carries
the examples.
"""
from __future__ import annotations

from functools import cached_property
from typing import AbstractSet, Iterable, Optional

from ..analysis.selection import Resolver
from ..analysis.suggest import LabelIndex, Suggestion, suggest
from ..findings import Finding, Related, Severity
from ..model import NetworkPolicy, Selector, Workload
from ..span import Span
from ..workspace import SourceFile, Workspace, object_order


class RuleContext:
    """What a rule checks. With a `scope` (a set of paths), rules report only on the objects of
    those files, still resolving against the whole workspace: an incremental analysis re-checks
    the files an edit can affect (analysis/incremental.py). Rules iterate `ctx.policies()`,
    `ctx.workloads()` and `ctx.files()`, which honour the scope."""

    def __init__(self, workspace: Workspace, resolver: Optional[Resolver] = None,
                 scope: Optional[AbstractSet[str]] = None):
        self.workspace = workspace
        self.config = workspace.config
        self.resolver = resolver or Resolver(workspace)
        self.scope = scope
        self._label_indexes: dict[Optional[str], LabelIndex] = {}

    def in_scope(self, path: str) -> bool:
        return self.scope is None or path in self.scope

    def policies(self) -> list[NetworkPolicy]:
        """The policies to report on, in workspace order."""
        return self._scoped_objects[0]

    def workloads(self) -> list[Workload]:
        """The workloads to report on, in workspace order."""
        return self._scoped_objects[1]

    def cluster_policies(self) -> list:
        """The cluster policies (Admin and Baseline tiers) to report on, in workspace order."""
        return [p for p in self.workspace.index.cluster_policies if self.in_scope(p.path)]

    @property
    def tiers(self):
        """The tier evaluation (analysis/tiers.py), None when the workspace has no cluster policy."""
        return self.engine.tiers

    def files(self) -> list[SourceFile]:
        """The files to report on (all of them, in workspace order, without a scope)."""
        files = self.workspace.files
        if self.scope is None:
            return list(files.values())
        return [files[path] for path in sorted(self.scope) if path in files]

    @cached_property
    def _scoped_objects(self) -> tuple[list[NetworkPolicy], list[Workload]]:
        index = self.workspace.index
        if self.scope is None:
            return index.policies, index.workloads
        # the scope's objects in the index's order, without walking the whole index
        dropped = index.dropped  # identical copies of an object: analysed once, as the index holds it
        objects = [obj for source in self.files() for obj in source.objects if not (dropped and obj in dropped)]
        policies = sorted((o for o in objects if isinstance(o, NetworkPolicy)), key=object_order)
        workloads = sorted((o for o in objects if isinstance(o, Workload)), key=object_order)
        return policies, workloads

    @cached_property
    def engine(self):
        from ..analysis.connectivity import Engine

        return Engine(self.workspace, self.resolver)

    def label_index(self, namespace: Optional[str]) -> LabelIndex:
        """The label index of a namespace's workloads (None: of the namespaces), built once per
        context: "did you mean" looks its candidates up there."""
        found = self._label_indexes.get(namespace)
        if found is None:
            index = self.workspace.index
            if namespace is None:
                found = LabelIndex(index.namespaces.values(), lambda ns: ns.labels)
            else:
                found = LabelIndex(index.workloads_by_ns.get(namespace, ()), lambda w: w.template_labels)
            self._label_indexes[namespace] = found
        return found

    @cached_property
    def cni(self):
        from ..analysis.cni_detect import detect_cni

        return detect_cni(self.workspace)


def finding(rule_id: str, message: str, path: str, span: Span, related: Iterable[Related] = (),
            severity: Optional[Severity] = None) -> Finding:
    from .registry import RULES_BY_ID

    module = RULES_BY_ID[rule_id]
    return Finding(module.ID, module.NAME, severity or module.SEVERITY, message, path, span, list(related))


def related_workload(workload: Workload, message: str) -> Related:
    return Related(workload.path, workload.kind_span, message)


def describe_workload(workload: Workload) -> str:
    return f"{workload.kind} {workload.namespace}/{workload.name}"


def suggest_pods(ctx: RuleContext, selector: Selector, namespaces: list[str]) -> Optional[Suggestion]:
    """The typo fix of a pod selector looking into these namespaces (analysis/suggest.py)."""
    indexes = [ctx.label_index(ns) for ns in namespaces]
    return suggest(selector, indexes, lambda fixed: [w for ns in namespaces
                                                     for w in ctx.resolver.workloads_matching(ns, fixed)])


def suggest_namespaces(ctx: RuleContext, selector: Selector) -> Optional[Suggestion]:
    """The typo fix of a namespaceSelector (the owner is a NamespaceInfo)."""
    namespaces = ctx.workspace.index.namespaces.values()
    # not resolver.namespaces_matching: it caches by id(), and these selectors are short-lived
    return suggest(selector, [ctx.label_index(None)], lambda fixed: [ns for ns in namespaces
                                                                     if fixed.matches(ns.labels)])


def covering_policies(ctx: RuleContext, policy: NetworkPolicy, direction: str) -> list[NetworkPolicy]:
    """The other policies of the namespace that isolate `direction` for every pod this one
    selects, in any cluster: their podSelector follows from this one's (`{}` always does).
    Rules reason over these when the workspace shows no pods the policy selects."""
    from .np070_redundant_rule import selector_covers

    return [other for other in ctx.workspace.index.policies_by_ns.get(policy.namespace, ())
            if other is not policy and other.affects(direction)
            and selector_covers(other.pod_selector, policy.pod_selector)]


def policy_label(policy: NetworkPolicy) -> str:
    return f"NetworkPolicy {policy.namespace}/{policy.name}"
