"""NP092 skipped-manifest: a file or document left out of the analysis (a template, too large,
...) whose text names a NetworkPolicy, a workload or a Namespace. What it holds takes no part in
the analysis, so findings elsewhere may be false: a warning, so `check` fails by default."""
from __future__ import annotations

from ..findings import Severity
from .base import finding

ID = "NP092"
NAME = "skipped-manifest"
SEVERITY = Severity.WARNING
SUMMARY = "a file or document left out of the analysis that holds a NetworkPolicy, a workload or a namespace"


def check(ctx):
    for source in ctx.files():
        for problem in source.parse_problems:
            if problem.kind == "skipped-manifest":
                yield finding(ID, problem.message, source.path, problem.span)
