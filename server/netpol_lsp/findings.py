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
