"""NP072 remote-resource: a kustomization's remote resource or component (a URL, a git
repository) is not fetched (netpol-lsp never uses the network): what it adds is not seen."""
from __future__ import annotations

from ..findings import Severity
from .base import finding

ID = "NP072"
NAME = "remote-resource"
SEVERITY = Severity.INFO
SUMMARY = "a kustomization's remote resource, not fetched: what it adds is not seen"


def check(ctx):
    yield from kustomize_problems(ctx, ID)


def kustomize_problems(ctx, rule_id: str):
    """The render's problems of this rule, in the files the context reports on."""
    for problem in getattr(ctx.workspace, "kustomize_problems", ()):
        if problem.rule == rule_id and ctx.in_scope(problem.path):
            yield finding(rule_id, problem.message, problem.path, problem.span)
