"""Suppressions written in the manifests themselves.

`# netpol-lsp: disable=NP020,open-database-port` on the finding's line or the line above;
`# netpol-lsp: disable-file=NP001` anywhere in a document; the annotation
`netpol-lsp.io/disable: "NP020,NP021"` on an object's metadata.
"""
from __future__ import annotations

import re

from ..findings import Finding
from ..rules.registry import resolve_rule
from ..workspace import Workspace

_COMMENT = re.compile(r"#\s*netpol-lsp:\s*(disable|disable-file)\s*=\s*([A-Za-z0-9_,\- ]+)")
ANNOTATION = "netpol-lsp.io/disable"


def _ids(text: str) -> set[str]:
    out = set()
    for part in text.split(","):
        rule = resolve_rule(part)
        if rule is not None:
            out.add(rule.ID)
    return out


def apply_suppressions(workspace: Workspace, findings: list[Finding]) -> list[Finding]:
    kept = []
    cache: dict[str, tuple[dict[int, set[str]], list[tuple[int, int, set[str]]]]] = {}
    for found in findings:
        source = workspace.files.get(found.path)
        if source is None or "netpol-lsp" not in source.text:
            kept.append(found)
            continue
        if found.path not in cache:
            cache[found.path] = _scan(source)
        by_line, file_wide = cache[found.path]
        line = found.span.start_line
        if found.rule in by_line.get(line, ()) or found.rule in by_line.get(line - 1, ()):
            continue
        if any(start <= line < end and found.rule in ids for start, end, ids in file_wide):
            continue
        kept.append(found)
    return kept


def _scan(source):
    by_line: dict[int, set[str]] = {}
    file_wide: list[tuple[int, int, set[str]]] = []
    lines = source.text.split("\n")
    for number, text in enumerate(lines):
        if "netpol-lsp" not in text:
            continue
        for match in _COMMENT.finditer(text):
            ids = _ids(match.group(2))
            if match.group(1) == "disable":
                by_line.setdefault(number, set()).update(ids)
            else:
                doc = next((d for d in source.documents if d.start_line <= number < d.end_line), None)
                start, end = (doc.start_line, doc.end_line) if doc else (0, len(lines))
                file_wide.append((start, end, ids))
    for obj in source.objects:
        value = obj.annotations.get(ANNOTATION)
        if value:
            doc = next((d for d in source.documents if d.index == obj.doc_index), None)
            if doc is not None:
                file_wide.append((doc.start_line, doc.end_line, _ids(value)))
    return by_line, file_wide
