"""NP090 yaml-syntax: YAML that does not parse: the position and the parser's reason."""
from __future__ import annotations

import re

from ..findings import Severity
from ..manifests.parse import LEFT_OUT
from .base import finding

ID = "NP090"
NAME = "yaml-syntax"
SEVERITY = Severity.ERROR
SUMMARY = "YAML that does not parse: the position and the parser's reason"

SEVERITY_BY_KIND = {"duplicate-key": Severity.WARNING, "glued-separator": Severity.WARNING}


# `apiVersion:` or `kind:` as a key somewhere (YAML or JSON): the file means to be a manifest
_MANIFEST_KEY = re.compile(r"""(?:^|[\s{,])["']?(?:apiVersion|kind)["']?[ \t]*:""", re.MULTILINE)


def check(ctx):
    for source in ctx.files():
        manifest = None
        for problem in source.parse_problems:
            if problem.kind in LEFT_OUT:
                continue
            if manifest is None:
                manifest = _MANIFEST_KEY.search(source.text) is not None
            # a file that is no Kubernetes manifest (mkdocs.yml, a CI workflow) is not ours to fail
            severity = SEVERITY_BY_KIND.get(problem.kind) if manifest else Severity.INFO
            yield finding(ID, problem.message, source.path, problem.span, severity=severity)
