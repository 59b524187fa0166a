"""NP074 kustomize-not-followed: a part of a kustomization netpol-lsp does not read or apply
(a resource outside the checked paths, replacements, helmCharts, custom transformers or
generators, `labels.fields`): the objects it adds or changes are not seen."""
from __future__ import annotations

from ..findings import Severity
from .np072_remote_resource import kustomize_problems

ID = "NP074"
NAME = "kustomize-not-followed"
SEVERITY = Severity.INFO
SUMMARY = "a part of a kustomization not read or not applied (outside the checked paths, unsupported field)"


def check(ctx):
    yield from kustomize_problems(ctx, ID)
