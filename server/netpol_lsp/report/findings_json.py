"""`--format json`: the documented shape, lines and columns 1-based.

Written as `json.dumps(document, indent=2)` writes it, byte for byte, but a finding at a time
with its strings escaped in C: with an indent, json.dumps takes its pure-Python encoder, a
tenth of a second per thousand findings (tests/test_formats.py compares the two).
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii

from ..findings import Finding
from ..span import Span


def _range(span: Span) -> dict:
    return {"start": {"line": span.start_line + 1, "column": span.start_col + 1},
            "end": {"line": span.end_line + 1, "column": span.end_col + 1}}


def finding_dict(f: Finding) -> dict:
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": str(f.severity),
        "path": f.path,
        "range": _range(f.span),
        "message": f.message,
        "related": [{"path": r.path, "range": _range(r.span), "message": r.message} for r in f.related],
    }


def render_json(findings: list[Finding], summary: dict) -> str:
    return "".join(json_chunks(findings, summary))


def json_chunks(findings: list[Finding], summary: dict):
    """The report in pieces, a finding each: `check` writes them as they come, so tens of
    thousands of findings never stand in memory as one text (nor as its encoded bytes)."""
    counts = {"files": summary["files"], "documents": summary["documents"],
              "skippedDocuments": summary.get("skippedDocuments", 0),
              "skippedFiles": summary.get("skippedFiles", 0), "findings": len(findings)}
    if not findings:
        yield '{\n  "version": 1,\n  "findings": [],\n  "summary": '
    else:
        yield '{\n  "version": 1,\n  "findings": [\n'
        for number, found in enumerate(findings):
            yield (",\n" if number else "") + _finding(found)
        yield '\n  ],\n  "summary": '
    yield json.dumps(counts, indent=2).replace("\n", "\n  ") + "\n}\n"


def _text(value) -> str:
    return encode_basestring_ascii(value) if value.__class__ is str else json.dumps(value)


def _range_text(span: Span, pad: str) -> str:
    return (f'{{\n{pad}  "start": {{\n{pad}    "line": {span.start_line + 1},\n{pad}    "column": {span.start_col + 1}'
            f'\n{pad}  }},\n{pad}  "end": {{\n{pad}    "line": {span.end_line + 1},\n{pad}    "column": '
            f'{span.end_col + 1}\n{pad}  }}\n{pad}}}')


def _finding(f: Finding) -> str:
    if f.related:
        related = "[\n" + ",\n".join([
            f'        {{\n          "path": {_text(r.path)},\n          "range": {_range_text(r.span, "          ")},'
            f'\n          "message": {_text(r.message)}\n        }}' for r in f.related]) + "\n      ]"
    else:
        related = "[]"
    return (f'    {{\n      "rule": {_text(f.rule)},\n      "name": {_text(f.name)},\n      "severity": '
            f'{_text(str(f.severity))},\n      "path": {_text(f.path)},\n      "range": {_range_text(f.span, "      ")},'
            f'\n      "message": {_text(f.message)},\n      "related": {related}\n    }}')
