"""Text -> Documents of position-keeping nodes.

The fast path is PyYAML's libyaml-backed composer (see benchmarks/README.md for the numbers
behind that choice). The file is cut into documents at `---` lines first, and each piece is
composed on its own: a document that does not parse becomes one problem at the parser's
position while the documents around it are still read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import yaml

from ..span import Span, utf16_col
from .nodes import Mapping, Node, Scalar, Sequence

try:  # libyaml is the fast path; the pure-Python composer gives the same nodes, slower.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_DOC_START = re.compile(r"^---(?:[ \t]|$)")
_GLUED_START = re.compile(r"^---[A-Za-z]")  # `---apiVersion: v1`: a separator missing its newline
_DOC_END = re.compile(r"^\.\.\.(?:[ \t]|$)")
_HELM = re.compile(r"^[^#\n]*\{\{.*\}\}", re.MULTILINE)

_TYPES = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
}


@dataclass(frozen=True)
class ParseLimits:
    """Bounds that keep hostile input cheap. Documented in the README (Limits)."""

    max_depth: int = 100  # nesting of mappings and sequences
    max_nodes: int = 1_000_000  # nodes per file, aliases counted every time they are used
    max_aliases: int = 1_000  # alias uses per document


@dataclass
class ParseProblem:
    """Something the parser could not read: becomes NP090 (error) or NP091 (skipped, info)."""

    span: Span
    message: str
    kind: str = "syntax"  # "syntax" | "skipped" | "duplicate-key" | "glued-separator"


@dataclass
class Document:
    root: Optional[Node]
    index: int  # 0-based position of the document in its file
    start_line: int
    end_line: int  # exclusive


@dataclass
class ParsedFile:
    text: str
    documents: list[Document] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    skipped: bool = False  # the whole file was left out (Helm template, binary, ...)


class _TooComplex(Exception):
    def __init__(self, message: str, mark):
        super().__init__(message)
        self.mark = mark


def split_documents(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line ranges of the documents, cut at `---` and `...` lines."""
    chunks = []
    start = 0
    for number, line in enumerate(lines):
        if line.startswith("---") and (_DOC_START.match(line) or _GLUED_START.match(line)):
            if number > start:
                chunks.append((start, number))
            start = number
        elif line.startswith("...") and _DOC_END.match(line):
            chunks.append((start, number))
            start = number + 1
    if start < len(lines):
        chunks.append((start, len(lines)))
    return chunks


def looks_like_helm(text: str) -> bool:
    return "{{" in text and _HELM.search(text) is not None


def parse_text(text: str, limits: ParseLimits = ParseLimits()) -> ParsedFile:
    parsed = ParsedFile(text=text)
    if looks_like_helm(text):
        match = _HELM.search(text)
        line = text.count("\n", 0, match.start())
        parsed.skipped = True
        parsed.problems.append(ParseProblem(
            Span(line, 0, line, 0),
            "skipped: this file is a Helm template ({{ ... }}); render it (helm template) to check it",
            "skipped"))
        return parsed
    lines = text.split("\n")
    budget = [limits.max_nodes]
    for start, end in split_documents(lines):
        first = lines[start]
        shift = 0
        if _GLUED_START.match(first):
            # Some tools split here, kubectl does not: read it as a separator, and say so.
            parsed.problems.append(ParseProblem(
                Span(start, 0, start, 3),
                "'---' is glued to the next key: read here as a document separator, but kubectl "
                "reads the line as part of the previous document; put '---' on its own line",
                "glued-separator"))
            first, shift = first[3:], 3
        chunk = "\n".join([first] + lines[start + 1:end])
        if not chunk.strip():
            continue
        _compose_chunk(parsed, chunk, lines, start, end, limits, budget, shift)
    return parsed


def _compose_chunk(parsed, chunk, lines, start, end, limits, budget, shift=0):
    try:
        roots = yaml.compose_all(chunk, Loader=_Loader)
        for root in roots:
            if root is None:
                continue
            converter = _Converter(lines, start, limits, budget, parsed.problems, shift)
            node = converter.convert(root, 0)
            parsed.documents.append(Document(node, len(parsed.documents), start, end))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        span = _mark_span(lines, start, mark)
        reason = _yaml_reason(err)
        if "\t" in lines[span.start_line][: span.start_col + 1] and "tab" not in reason:
            reason += " (a tab: YAML does not allow tabs for indentation)"
        parsed.problems.append(ParseProblem(span, reason))
        parsed.documents.append(Document(None, len(parsed.documents), start, end))
    except _TooComplex as err:
        parsed.problems.append(ParseProblem(_mark_span(lines, start, err.mark), str(err)))
        parsed.documents.append(Document(None, len(parsed.documents), start, end))
    except (yaml.YAMLError, RecursionError, ValueError) as err:
        parsed.problems.append(ParseProblem(Span(start, 0, start, 0), f"YAML could not be read: {err}"))
        parsed.documents.append(Document(None, len(parsed.documents), start, end))


def _yaml_reason(err: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (err.context, err.problem) if p]
    reason = ", ".join(parts) or "invalid YAML"
    if "'\\t'" in reason:
        reason += " (YAML does not allow tabs for indentation)"
    return reason[0].upper() + reason[1:]


def _mark_span(lines, offset, mark) -> Span:
    if mark is None:
        return Span(offset, 0, offset, 0)
    line = min(offset + mark.line, max(len(lines) - 1, 0))
    text = lines[line] if line < len(lines) else ""
    col = utf16_col(text, min(mark.column, len(text)))
    end_col = utf16_col(text, min(mark.column + 1, len(text)))
    return Span(line, col, line, max(end_col, col))


class _Converter:
    """PyYAML nodes -> our nodes, with UTF-16 columns, bounded depth and alias expansion."""

    def __init__(self, lines, offset, limits, budget, problems, shift=0):
        self.shift = shift  # columns cut from the first line of the chunk
        self.lines = lines
        self.offset = offset
        self.limits = limits
        self.budget = budget
        self.problems = problems
        self.seen: dict[int, Node] = {}
        self.aliases = 0

    def span(self, ynode) -> Span:
        start, end = ynode.start_mark, ynode.end_mark
        sl, el = self.offset + start.line, self.offset + end.line
        sc, ec = start.column, end.column
        if self.shift:
            sc += self.shift if start.line == 0 else 0
            ec += self.shift if end.line == 0 else 0
        lines = self.lines
        if sl < len(lines) and not lines[sl].isascii():
            sc = utf16_col(lines[sl], sc)
        if el < len(lines) and not lines[el].isascii():
            ec = utf16_col(lines[el], ec)
        return Span(sl, sc, el, ec)

    def convert(self, ynode, depth: int) -> Node:
        key = id(ynode)
        known = self.seen.get(key)
        if known is not None:  # an alias: share the node, count the use
            self.aliases += 1
            if self.aliases > self.limits.max_aliases:
                raise _TooComplex(
                    f"Too many alias uses (more than {self.limits.max_aliases}): "
                    "not expanded, this looks like an alias bomb", ynode.start_mark)
            return known
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise _TooComplex(f"File too large: more than {self.limits.max_nodes} YAML nodes", ynode.start_mark)
        if depth > self.limits.max_depth:
            raise _TooComplex(f"Nesting deeper than {self.limits.max_depth} levels", ynode.start_mark)
        if isinstance(ynode, yaml.ScalarNode):
            node = Scalar(self.span(ynode), ynode.value, _TYPES.get(ynode.tag, "str"))
        elif isinstance(ynode, yaml.SequenceNode):
            node = Sequence(self.span(ynode), [])
            self.seen[key] = node
            node.items = [self.convert(item, depth + 1) for item in ynode.value]
        else:
            node = Mapping(self.span(ynode), [])
            self.seen[key] = node
            items = []
            names: dict[str, Node] = {}
            for k, v in ynode.value:
                knode = self.convert(k, depth + 1)
                vnode = self.convert(v, depth + 1)
                if isinstance(knode, Scalar):
                    if knode.value in names:
                        self.problems.append(ParseProblem(
                            knode.span, f"Duplicate key '{knode.value}': YAML parsers disagree on "
                            "which value wins (Kubernetes keeps the last)", "duplicate-key"))
                        # keep the last, as the API server's decoder does
                        items = [(a, b) for a, b in items if not (isinstance(a, Scalar) and a.value == knode.value)]
                    names[knode.value] = vnode
                items.append((knode, vnode))
            node.items = items
        self.seen[key] = node
        return node
