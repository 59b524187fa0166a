"""NP091 skipped-file: a file left out of the analysis (Helm template, too large, binary, unreadable,
symlink outside the workspace), with the reason."""
from __future__ import annotations

from ..findings import Severity
from .base import finding

ID = "NP091"
NAME = "skipped-file"
SEVERITY = Severity.INFO
SUMMARY = "a file left out of the analysis, and why"


def check(ctx):
    for source in ctx.files():
        for problem in source.parse_problems:
            if problem.kind == "skipped":
                yield finding(ID, problem.message, source.path, problem.span)
