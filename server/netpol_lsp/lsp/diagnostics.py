"""Findings -> LSP diagnostics, and the table of what each document was last told.

Every analysis result is turned into per-URI lists; only the lists that differ from what the
client last received are sent (push) or announced with a refresh (pull), and a document whose
findings went away gets an empty list. That is how an edit of a.yaml updates b.yaml.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from lsprotocol import types

from ..findings import Finding, Severity
from .links import rule_page_uri
from .positions import to_range

SOURCE = "netpol-lsp"

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def to_diagnostic(found: Finding, uri_for: Callable[[str], str], related_support: bool = True) -> types.Diagnostic:
    related = None
    if related_support and found.related:
        related = [types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri_for(r.path), range=to_range(r.span)), message=r.message)
            for r in found.related]
    return types.Diagnostic(
        range=to_range(found.span),
        message=found.message,
        severity=SEVERITIES.get(found.severity, types.DiagnosticSeverity.Warning),
        code=found.rule,
        code_description=types.CodeDescription(href=rule_page_uri(found.rule)),
        source=SOURCE,
        related_information=related,
    )


def group(findings: Iterable[Finding], uri_for: Callable[[str], str],
          related_support: bool = True) -> dict[str, list[types.Diagnostic]]:
    out: dict[str, list[types.Diagnostic]] = {}
    for found in findings:
        uri = uri_for(found.path)
        out.setdefault(uri, []).append(to_diagnostic(found, uri_for, related_support))
    return out


def result_id(diagnostics: list[types.Diagnostic]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for d in diagnostics:
        digest.update(repr((d.range.start.line, d.range.start.character, d.range.end.line,
                            d.range.end.character, d.code, d.severity, d.message)).encode())
        for r in d.related_information or ():
            digest.update(repr((r.location.uri, r.location.range.start.line, r.message)).encode())
    return digest.hexdigest()


@dataclass
class Update:
    uri: str
    diagnostics: list[types.Diagnostic]
    version: Optional[int]


@dataclass
class DiagnosticTable:
    """The diagnostics of every document as of the last analysis, and their result ids."""

    current: dict[str, list[types.Diagnostic]] = field(default_factory=dict)
    result_ids: dict[str, str] = field(default_factory=dict)

    def update(self, grouped: dict[str, list[types.Diagnostic]], versions: dict[str, Optional[int]],
               scope: Optional[set[str]] = None) -> list[Update]:
        """Takes a new analysis (limited to the URIs in `scope` when given) and returns the
        documents whose diagnostics changed, each with the version they were computed for."""
        uris = set(grouped) | (set(self.current) if scope is None else set(scope))
        if scope is not None:
            uris &= scope
        updates = []
        for uri in sorted(uris):
            new = grouped.get(uri, [])
            old = self.current.get(uri)
            if old == new or (old is None and not new):
                continue
            if new:
                self.current[uri] = new
                self.result_ids[uri] = result_id(new)
            else:
                self.current.pop(uri, None)
                self.result_ids[uri] = result_id([])
            updates.append(Update(uri, new, versions.get(uri)))
        return updates

    def forget(self, uri: str) -> Optional[Update]:
        if self.current.pop(uri, None) is not None:
            self.result_ids[uri] = result_id([])
            return Update(uri, [], None)
        return None

    def report(self, uri: str, previous_result_id: Optional[str]):
        """A textDocument/diagnostic answer for one document."""
        items = self.current.get(uri, [])
        rid = self.result_ids.get(uri) or result_id(items)
        if previous_result_id is not None and previous_result_id == rid:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=rid)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=rid)

    def workspace_report(self, previous: dict[str, str], versions: dict[str, Optional[int]]):
        """A workspace/diagnostic answer: every document we know diagnostics about (including
        those cleared since the client's last pull), unchanged ones marked so."""
        reports = []
        for uri in sorted(set(self.current) | set(previous)):
            items = self.current.get(uri, [])
            rid = self.result_ids.get(uri) or result_id(items)
            version = versions.get(uri)
            if previous.get(uri) == rid:
                reports.append(types.WorkspaceUnchangedDocumentDiagnosticReport(
                    uri=uri, result_id=rid, version=version))
            else:
                reports.append(types.WorkspaceFullDocumentDiagnosticReport(
                    uri=uri, items=items, result_id=rid, version=version))
        return types.WorkspaceDiagnosticReport(items=reports)
