"""Finding: the one currency between rules and every front (CLI, LSP, reports)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from .span import Span


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        return cls[text.strip().upper()]

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Related:
    """A second place that explains a finding: the workload compared, the policy that opens a port."""

    path: str
    span: Span
    message: str


@dataclass(frozen=True)
class TextEdit:
    span: Span
    new_text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]


@dataclass
class Finding:
    rule: str  # "NP001"
    name: str  # "unmatched-pod-selector"
    severity: Severity
    message: str
    path: str
    span: Span
    related: list[Related] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    def sort_key(self):
        return (self.path, self.span.start_line, self.span.start_col, self.rule, self.message)


# Findings as tuples of plain values, for marshal: the cache's stored results and the rules
# run in a second process (marshal, unlike pickle, cannot run code from a file it reads).
def to_plain(f: Finding) -> tuple:
    return (f.rule, f.name, int(f.severity), f.message, f.path, tuple(f.span),
            [(r.path, tuple(r.span), r.message) for r in f.related],
            [(fix.title, [(tuple(e.span), e.new_text) for e in fix.edits]) for fix in f.fixes])


def from_plain(plain: tuple) -> Finding:
    rule, name, severity, message, path, span, related, fixes = plain
    return Finding(rule, name, Severity(severity), message, path, Span(*span),
                   [Related(p, Span(*s), m) for p, s, m in related],
                   [Fix(title, tuple(TextEdit(Span(*s), text) for s, text in edits)) for title, edits in fixes])
