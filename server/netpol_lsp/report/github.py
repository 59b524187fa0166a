"""`--format github`: GitHub Actions workflow commands, so findings show inline on pull requests.

    ::warning file=k8s/db.yaml,line=16,col=7,endLine=16,endColumn=24,title=NP020 open-database-port::TCP 5432 ...

Lines and columns are 1-based. Workflow commands escape `%`, CR and LF in the message, and in
addition `:` and `,` in property values (they separate the properties).
"""
from __future__ import annotations

import os

from ..findings import Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _path(path: str) -> str:
    """The path relative to the current folder (the checkout), as annotations want it."""
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            relative = path
        if not relative.startswith(".."):
            path = relative
    path = path.replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def command(found: Finding) -> str:
    span = found.span
    props = [("file", _path(found.path)), ("line", str(span.start_line + 1)), ("col", str(span.start_col + 1))]
    if (span.end_line, span.end_col) > (span.start_line, span.start_col):
        props += [("endLine", str(span.end_line + 1)), ("endColumn", str(span.end_col + 1))]
    props.append(("title", f"{found.rule} {found.name}"))
    message = found.message
    for item in found.related:
        message += f"\n  {item.path}:{item.span.start_line + 1}:{item.span.start_col + 1}: {item.message}"
    head = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS[found.severity]} {head}::{escape_data(message)}"


def render_github(findings: list[Finding]) -> str:
    return "".join(command(f) + "\n" for f in sorted(findings, key=Finding.sort_key))
