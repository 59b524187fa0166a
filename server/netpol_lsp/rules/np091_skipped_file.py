"""NP091 skipped-file: a file or document left out of the analysis (a template, too large, binary,
unreadable, a symlink outside the workspace), with the reason. One whose text names a
NetworkPolicy, a workload or a Namespace is NP092's, a warning."""
from __future__ import annotations

from ..findings import Severity
from .base import finding

ID = "NP091"
NAME = "skipped-file"
SEVERITY = Severity.INFO
SUMMARY = "a file or document left out of the analysis, and why"


def check(ctx):
    for source in ctx.files():
        for problem in source.parse_problems:
            if problem.kind in ("skipped", "template"):
                yield finding(ID, problem.message, source.path, problem.span)
