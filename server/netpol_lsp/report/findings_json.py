"""`--format json`: the documented shape, lines and columns 1-based."""
from __future__ import annotations

import json

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
    document = {"version": 1, "findings": [finding_dict(f) for f in findings],
                "summary": {"files": summary["files"], "documents": summary["documents"],
                            "skippedDocuments": summary.get("skippedDocuments", 0),
                            "skippedFiles": summary.get("skippedFiles", 0), "findings": len(findings)}}
    return json.dumps(document, indent=2) + "\n"
