"""NP073 kustomize-build-error: something `kustomize build` refuses (a resource or patch that
does not exist, a cycle, a patch that matches nothing or whose JSON 6902 path is not there):
`kubectl apply -k` fails, and the analysis goes on with the rest of the kustomization."""
from __future__ import annotations

from ..findings import Severity
from .np072_remote_resource import kustomize_problems

ID = "NP073"
NAME = "kustomize-build-error"
SEVERITY = Severity.WARNING
SUMMARY = "a kustomization that kustomize build refuses (missing file, cycle, patch that matches nothing)"


def check(ctx):
    yield from kustomize_problems(ctx, ID)
