"""What every rule module shares: the context it checks and the way it reports.

A rule module has a tiny uniform face (after yamllint's rules): ID, NAME, SEVERITY, SUMMARY,
an optional DEFAULT_ENABLED, and `check(ctx)` yielding Findings. Its page in rules/ carries
the examples.
"""
from __future__ import annotations

import difflib
from functools import cached_property
from typing import AbstractSet, Iterable, Optional

from ..analysis.selection import Resolver
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
        objects = [obj for source in self.files() for obj in source.objects]
        policies = sorted((o for o in objects if isinstance(o, NetworkPolicy)), key=object_order)
        workloads = sorted((o for o in objects if isinstance(o, Workload)), key=object_order)
        return policies, workloads

    @cached_property
    def engine(self):
        from ..analysis.connectivity import Engine

        return Engine(self.workspace, self.resolver)

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


def did_you_mean(selector: Selector, candidates: list[Workload], labels_of=None) -> Optional[tuple[str, str, Workload]]:
    """The closest existing label for a matchLabels pair nothing has: ("app=frontnd", "app=frontend", workload)."""
    labels_of = labels_of or (lambda w: w.template_labels)
    best = None
    best_score = 0.0
    for key, value in selector.match_labels.items():
        if any(labels_of(c).get(key) == value for c in candidates):
            continue  # this pair exists somewhere: the typo is elsewhere
        for candidate in candidates:
            for other_key, other_value in labels_of(candidate).items():
                score_key = difflib.SequenceMatcher(None, key, other_key).ratio()
                score_value = difflib.SequenceMatcher(None, value, other_value).ratio()
                score = min(score_key, score_value)
                if score > best_score and score >= 0.75 and (other_key, other_value) != (key, value):
                    best_score = score
                    best = (f"{key}={value}", f"{other_key}={other_value}", candidate)
    return best


def policy_label(policy: NetworkPolicy) -> str:
    return f"NetworkPolicy {policy.namespace}/{policy.name}"
