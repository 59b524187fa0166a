"""NP090 yaml-syntax: YAML that does not parse: the position and the parser's reason."""
from __future__ import annotations

from ..findings import Severity
from ..manifests.parse import LEFT_OUT
from .base import finding

ID = "NP090"
NAME = "yaml-syntax"
SEVERITY = Severity.ERROR
SUMMARY = "YAML that does not parse: the position and the parser's reason"

SEVERITY_BY_KIND = {"duplicate-key": Severity.WARNING, "glued-separator": Severity.WARNING}


def check(ctx):
    for source in ctx.files():
        for problem in source.parse_problems:
            if problem.kind in LEFT_OUT:
                continue
            yield finding(ID, problem.message, source.path, problem.span, severity=SEVERITY_BY_KIND.get(problem.kind))
