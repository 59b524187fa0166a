"""`--format sarif`: SARIF 2.1.0, as GitHub code scanning and other viewers read it.

One run; `tool.driver.rules` lists every rule of the catalog with its page as help (text and
Markdown) and its default level; each result has its rule's id and index, a level, the message,
a location (a path relative to the current folder, 1-based line/column region, columns in UTF-16
code units), the related locations, and `partialFingerprints`.

The fingerprint is what lets code scanning follow one alert across commits: a hash of the rule,
the path, the anchored line's text with whitespace normalized, and the occurrence index of
that (rule, path, text) triple in the file. It never uses the line number, so inserting lines
above a finding does not make it a new alert.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from .. import __version__
from ..findings import Finding, Severity
from ..span import Span

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/netpol-lsp/netpol-lsp"
FINGERPRINT_KEY = "primaryLocationLineHash"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """A relative URI for a path under the current folder (what code scanning resolves against
    the checkout), else an absolute file URI."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            path = os.path.relpath(candidate, Path.cwd())
        except ValueError:  # another drive on Windows
            return candidate.as_uri()
        if path.startswith(".."):
            return candidate.resolve().as_uri()
    path = path.replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:]
    return quote(path, safe="/-._~!$&'()*+,;=:@")


def region(span: Span) -> dict:
    start = (span.start_line + 1, span.start_col + 1)
    end = (span.end_line + 1, span.end_col + 1)
    if end < start:
        end = start
    return {"startLine": start[0], "startColumn": start[1], "endLine": end[0], "endColumn": end[1]}


def _location(path: str, span: Span, message: Optional[str] = None, index: Optional[int] = None) -> dict:
    location: dict = {}
    if index is not None:
        location["id"] = index
    location["physicalLocation"] = {"artifactLocation": {"uri": artifact_uri(path)}, "region": region(span)}
    if message:
        location["message"] = {"text": message}
    return location


def normalized_line(text: Optional[str], line: int) -> str:
    if text is None:
        return ""
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return ""
    return " ".join(lines[line].split())


def fingerprint(rule: str, path: str, line_text: str, occurrence: int) -> str:
    digest = hashlib.sha256("\0".join([rule, path.replace(os.sep, "/"), line_text, str(occurrence)])
                            .encode("utf-8")).hexdigest()
    return f"{digest[:32]}:{occurrence}"


def _source_text(path: str, workspace) -> Optional[str]:
    if workspace is not None:
        source = workspace.files.get(path)
        if source is not None:
            return source.text
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def rule_descriptor(rule) -> dict:
    from ..rules.docs import rule_page, rule_page_text, rule_url
    from ..rules.registry import enabled_by_default

    summary = rule.SUMMARY[:1].upper() + rule.SUMMARY[1:]
    if not summary.endswith("."):
        summary += "."
    page = rule_page(rule.ID)
    full = page.first_paragraph("What it does") if page is not None else ""
    text = rule_page_text(rule.ID) or f"{rule.ID} {rule.NAME}: {summary}"
    descriptor = {
        "id": rule.ID,
        "name": rule.NAME,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": (full or summary).replace("`", "")},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"enabled": enabled_by_default(rule), "level": LEVELS[rule.SEVERITY]},
        "properties": {"tags": ["kubernetes", "networkpolicy"]},
    }
    url = rule_url(rule.ID)
    if url:
        descriptor["helpUri"] = url
    return descriptor


def sarif_log(findings: list[Finding], workspace=None) -> dict:
    from ..rules.registry import RULES

    rules = list(RULES)
    index = {rule.ID: i for i, rule in enumerate(rules)}
    texts: dict[str, Optional[str]] = {}
    seen: dict[tuple[str, str, str], int] = {}
    results = []
    for found in sorted(findings, key=Finding.sort_key):
        if found.path not in texts:
            texts[found.path] = _source_text(found.path, workspace)
        line_text = normalized_line(texts[found.path], found.span.start_line)
        key = (found.rule, found.path, line_text)
        seen[key] = seen.get(key, 0) + 1
        result = {
            "ruleId": found.rule,
            "level": LEVELS[found.severity],
            "message": {"text": found.message},
            "locations": [_location(found.path, found.span)],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(found.rule, found.path, line_text, seen[key])},
        }
        if found.rule in index:
            result["ruleIndex"] = index[found.rule]
        related, keys = [], set()
        for item in found.related:
            item_key = (item.path, tuple(item.span), item.message)
            if item_key in keys:
                continue  # relatedLocations must be unique
            keys.add(item_key)
            related.append(_location(item.path, item.span, item.message, len(related) + 1))
        if related:
            result["relatedLocations"] = related
        results.append(result)
    run = {
        "tool": {"driver": {
            "name": "netpol-lsp",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(rule) for rule in rules],
        }},
        "invocations": [{"executionSuccessful": True}],
        "columnKind": "utf16CodeUnits",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(findings: list[Finding], workspace=None) -> str:
    return json.dumps(sarif_log(findings, workspace), indent=2, ensure_ascii=False) + "\n"
