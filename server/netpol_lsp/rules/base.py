"""What every rule module shares: the context it checks and the way it reports.

A rule module has a tiny uniform face (after yamllint's rules): ID, NAME, SEVERITY, SUMMARY,
an optional DEFAULT_ENABLED, and `check(ctx)` yielding Findings. Its page in rules/ carries
the examples.
"""
from __future__ import annotations

import difflib
from functools import cached_property
from typing import Iterable, Optional

from ..analysis.selection import Resolver
from ..findings import Finding, Related, Severity
from ..model import NetworkPolicy, Selector, Workload
from ..span import Span
from ..workspace import Workspace


class RuleContext:
    def __init__(self, workspace: Workspace, resolver: Optional[Resolver] = None):
        self.workspace = workspace
        self.config = workspace.config
        self.resolver = resolver or Resolver(workspace)

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
