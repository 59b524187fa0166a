"""Compiler-style text: `path:line:col: severity[NPxxx] message`, then a one-line summary."""
from __future__ import annotations

from ..findings import Finding, Severity

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render_text(findings: list[Finding], summary: dict, color: bool = False) -> str:
    lines = []
    for f in findings:
        where = f"{f.path}:{f.span.start_line + 1}:{f.span.start_col + 1}:"
        label = f"{f.severity}[{f.rule}]"
        if color:
            where = f"{_BOLD}{where}{_RESET}"
            label = f"{_COLORS[f.severity]}{label}{_RESET}"
        lines.append(f"{where} {label} {f.message}")
    counts = {s: sum(1 for f in findings if f.severity == s) for s in Severity}
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    tail = (f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)}) in "
            f"{summary['files']} file{'s' if summary['files'] != 1 else ''}, {summary['documents']} document{'s' if summary['documents'] != 1 else ''}"
            f"{skipped_text(summary)}")
    lines.append(f"{_DIM}{tail}{_RESET}" if color else tail)
    return "\n".join(lines) + "\n"


def skipped_text(summary: dict) -> str:
    """", 2 documents and 1 file skipped": what was left out, when something was."""
    documents, files = summary.get("skippedDocuments", 0), summary.get("skippedFiles", 0)
    parts = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in ((documents, "document"), (files, "file")) if n]
    return f", {' and '.join(parts)} skipped" if parts else ""
