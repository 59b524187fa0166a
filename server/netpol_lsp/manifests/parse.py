"""Text -> Documents of position-keeping nodes.

The file is cut into documents at `---` lines first, and each piece is composed on its own:
a document that does not parse becomes one problem at the parser's position while the
documents around it are still read. An ordinary piece takes the fast path (compose.py:
libyaml's C composer, then our nodes for the wanted branches only); anything unusual, and
every error, goes through the event builder here, which bounds aliases, depth and size and
says where. benchmarks/README.md has the numbers behind that choice.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Optional

import yaml

from ..span import Span, packed_span, utf16_col
from . import compose
from .nodes import Mapping, Node, Scalar, Sequence, moved
from .scalars import TAG_TYPES, plain_type
from .sniff import relevant_kind
from .json_stream import json_values
from .lines import Lines
from .templates import template_line

try:  # libyaml is the fast path; the pure-Python composer gives the same nodes, slower.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_DOC_START = re.compile(r"^---(?:[ \t]|$)")
_GLUED_START = re.compile(r"^---[A-Za-z]")  # `---apiVersion: v1`: a separator missing its newline
_DOC_END = re.compile(r"^\.\.\.(?:[ \t]|$)")
# YAML 1.1 also ends lines at these; LSP and editors do not (nor does `lines`, split at \n)
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")



@dataclass(frozen=True)
class ParseLimits:
    """Bounds that keep hostile input cheap. Documented in the README (Limits)."""

    max_depth: int = 100  # nesting of mappings and sequences
    max_nodes: int = 1_000_000  # nodes per file, aliases counted every time they are used; a
    # larger file may have one node per NODE_BYTES of its text (a rendered bundle of 64 MiB)
    max_aliases: int = 1_000  # alias uses per document
    max_expanded: int = 100_000  # nodes a document would have with every alias expanded


@dataclass
class ParseProblem:
    """Something the parser could not read: becomes NP090 (error) or NP091 (skipped, info)."""

    span: Span
    message: str
    kind: str = "syntax"  # "syntax" | "duplicate-key" | "glued-separator" | one of LEFT_OUT


# Kinds of problems that leave a file or a document out of the analysis: "skipped" (a whole
# file), "template" (one document); "skipped-manifest" for either when its text names a
# NetworkPolicy, a workload or a Namespace (NP092, a warning; the others are NP091, info).
LEFT_OUT = ("skipped", "template", "skipped-manifest")


@dataclass(slots=True)  # one per document: 74,534 in a dense 20 MiB file
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


NODE_BYTES = 4  # `a: b` takes 4 characters for 2 nodes: ordinary YAML stays below this density


def node_budget(limits: ParseLimits, text: str) -> int:
    """Nodes a file may have: the limit, or more for a large file of ordinary density (the
    size of a file is bounded by limits.maxFileBytes already)."""
    return max(limits.max_nodes, len(text) // NODE_BYTES)


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



def _document_ranges(lines: Lines) -> list[tuple[int, int]]:
    """split_documents() over a Lines, looking only at the lines that start with --- or ..."""
    chunks = []
    start = 0
    for number in lines.separator_lines():
        line = lines[number]
        if _DOC_START.match(line) or _GLUED_START.match(line):
            if number > start:
                chunks.append((start, number))
            start = number
        elif _DOC_END.match(line):
            chunks.append((start, number))
            start = number + 1
    if start < len(lines):
        chunks.append((start, len(lines)))
    return chunks


@dataclass
class _Chunk:
    start: int  # the line the chunk began at when it was parsed
    roots: list  # its documents' roots
    problems: list[ParseProblem]
    used: int  # nodes counted against the file's budget


@dataclass
class ChunkMemo:
    """The parsed documents of a buffer's last version, for the next one: an editor re-parses
    only the documents whose text changed; the others are reused as they are, or moved when
    lines were added or removed above them. Keyed by the text of each document."""

    chunks: dict = field(default_factory=dict)
    # the version before: an undo (or a line typed and taken back) finds its documents where
    # they were, with nothing to parse, move or build again
    older: dict = field(default_factory=dict)
    # id(root) -> (root, (path, document index), config, objects, problems): the objects built
    # of each document (workspace.load_source), for a document a later version reuses as is;
    # those of the last version, and of the one before
    built: dict = field(default_factory=dict)
    built_older: dict = field(default_factory=dict)


def parse_text(text: str, limits: ParseLimits = ParseLimits(), keep=True,
               memo: Optional[ChunkMemo] = None) -> ParsedFile:
    """`keep`: which branches to build (a trie, see compose.py); True builds every node.
    `memo`: the previous version's documents (an editor buffer), updated for the next."""
    parsed = ParsedFile(text=text)
    previous = memo.chunks if memo is not None else {}
    older = memo.older if memo is not None else {}
    if memo is not None:
        memo.chunks, memo.older = {}, previous
    lines = Lines(text)  # no list of a large file's lines: each is sliced when needed
    budget = [node_budget(limits, text)]
    for start, end in _document_ranges(lines):
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
        chunk = lines.join(start, end) if not shift else \
            first + ("\n" + lines.join(start + 1, end) if end > start + 1 else "")
        if not chunk.strip():
            continue
        key = (chunk, shift, keep if keep is True else id(keep))
        done = previous.get(key)
        if done is None or done.start != start:  # the version before had it here: no move
            done = _nearest(done, older.get(key), start)
        if done is not None and done.used <= budget[0]:
            done = _reuse_chunk(parsed, done, start, end)
            budget[0] -= done.used
        else:
            documents, problems, remaining = len(parsed.documents), len(parsed.problems), budget[0]
            _compose_chunk(parsed, chunk, lines, start, end, limits, budget, shift, keep)
            done = _Chunk(start, [d.root for d in parsed.documents[documents:]], parsed.problems[problems:],
                          remaining - budget[0])
            if budget[0] <= 0:
                done = None  # what it said depends on what came before it: not reusable
        if memo is not None and done is not None:
            memo.chunks[key] = done
    return parsed


def _nearest(last: Optional[_Chunk], before: Optional[_Chunk], start: int) -> Optional[_Chunk]:
    """Of a chunk's parses in the last two versions, the one at `start` (nothing to move), else the latest."""
    if before is not None and (before.start == start or last is None):
        return before
    return last


def _reuse_chunk(parsed: ParsedFile, done: _Chunk, start: int, end: int) -> _Chunk:
    lines = start - done.start
    if lines:
        done = _Chunk(start, [moved(root, lines) for root in done.roots],
                      [ParseProblem(Span(p.span.start_line + lines, p.span.start_col, p.span.end_line + lines,
                                         p.span.end_col), p.message, p.kind) for p in done.problems], done.used)
    for root in done.roots:
        parsed.documents.append(Document(root, len(parsed.documents), start, end))
    parsed.problems.extend(done.problems)
    return done


def _compose_chunk(parsed, chunk, lines, start, end, limits, budget, shift=0, keep=True):
    if "{{" in chunk and _left_out_as_template(parsed, chunk, lines, start, end):
        return
    builder = _Builder(lines, start, limits, budget, parsed.problems, shift)
    builder.ascii = not shift and chunk.isascii()
    if not builder.ascii and _YAML_ONLY_BREAKS.search(chunk):
        builder.newlines = [m.start() for m in re.finditer("\n", chunk)]
    if compose.suitable(chunk):
        try:
            root = compose.compose(chunk, builder.span, keep, limits.max_depth, budget,
                                   start if builder.ascii else None)
        except compose.Unusual:
            pass  # read it again below: the event builder says what and where
        else:
            if root is not None:
                parsed.documents.append(Document(root, len(parsed.documents), start, end))
            return
    before = len(parsed.documents), len(parsed.problems), budget[0]
    try:
        for root in builder.documents(yaml.parse(chunk, Loader=_Loader)):
            parsed.documents.append(Document(root, len(parsed.documents), start, end))
    except yaml.MarkedYAMLError as err:
        too_deep = _nesting_problem(chunk, err, builder, limits)
        if too_deep is not None:  # our own limit, whatever limit this libyaml has
            parsed.problems.append(ParseProblem(_mark_span(lines, start, builder.relined(too_deep.mark)),
                                                str(too_deep)))
            parsed.documents.append(Document(None, len(parsed.documents), start, end))
            return
        if not shift and chunk.lstrip()[:1] in ("{", "[") and _json_stream(parsed, chunk, lines, start, limits,
                                                                         budget, keep, before):
            return
        mark = err.problem_mark or err.context_mark
        span = _mark_span(lines, start, builder.relined(mark))
        reason = _yaml_reason(err)
        if "\t" in lines[span.start_line][: span.start_col + 1] and "tab" not in reason:
            reason += " (a tab: YAML does not allow tabs for indentation)"
        parsed.problems.append(ParseProblem(span, reason))
        parsed.documents.append(Document(None, len(parsed.documents), start, end))
    except _TooComplex as err:
        parsed.problems.append(ParseProblem(_mark_span(lines, start, builder.relined(err.mark)), str(err)))
        parsed.documents.append(Document(None, len(parsed.documents), start, end))
    except (yaml.YAMLError, RecursionError, ValueError) as err:
        parsed.problems.append(ParseProblem(Span(start, 0, start, 0), f"YAML could not be read: {err}"))
        parsed.documents.append(Document(None, len(parsed.documents), start, end))


def _json_stream(parsed, chunk, lines, start, limits, budget, keep, before) -> bool:
    """Concatenated JSON values (json_stream.py), each composed as a document of its own: what
    the failed attempt added is taken back first."""
    values = json_values(chunk)
    if values is None:
        return False
    del parsed.documents[before[0]:]
    del parsed.problems[before[1]:]
    budget[0] = before[2]
    for begin, finish in values:
        first = start + chunk.count("\n", 0, begin)
        last = first + chunk.count("\n", begin, finish)
        column = begin - (chunk.rfind("\n", 0, begin) + 1)
        # the value in its place: what precedes it on its first line becomes spaces, so every
        # line and column the parser reports is the file's
        piece = " " * column + chunk[begin:finish]
        _compose_chunk(parsed, piece, lines, first, last + 1, limits, budget, 0, keep)
    return True


def _left_out_as_template(parsed, chunk, lines, start, end) -> bool:
    """A document with template syntax where YAML structure is (templates.py) is left out,
    alone: the documents around it are still read."""
    found = template_line(chunk)
    if found is None:
        return False
    line = min(start + found, end - 1)
    col = max(lines[line].find("{{"), 0)
    kind = relevant_kind(lines.join(start, end))
    holds = f" It holds a {kind}, which the analysis does not see." if kind else ""
    parsed.problems.append(ParseProblem(
        Span(line, utf16_col(lines[line], col), line, utf16_col(lines[line], col + 2)),
        f"skipped: this document is a Helm or Go template ({{{{ on line {line + 1} stands where YAML structure "
        f"is).{holds} "
        "Render it (helm template) to check it", "skipped-manifest" if kind else "template"))
    return True


_FLOW_BRACKETS = re.compile(r"[\[\]{}]")


def _nesting_problem(chunk: str, err: yaml.MarkedYAMLError, builder: "_Builder", limits) -> Optional["_TooComplex"]:
    """Our "Nesting deeper than N levels" when the document nests past our limit before the
    error. Newer libyaml (PyYAML 6.0.4 wheels) stops deep flow nesting in its scanner, ahead of
    the events our builder counts, with its own wording; older ones don't. Flow brackets are
    counted first (cheap, and only after an error); when they pass the limit, the text up to
    that line is read again by PyYAML's pure-Python parser, which has no such limit, so the
    builder reports exactly what it reports with any libyaml."""
    mark = err.problem_mark or err.context_mark
    stop = len(chunk) if mark is None or mark.index is None else min(len(chunk), mark.index + 1)
    depth = 0
    deep_at = -1
    for bracket in _FLOW_BRACKETS.finditer(chunk, 0, stop):
        depth += 1 if bracket.group() in "[{" else -1
        if depth >= limits.max_depth:
            deep_at = bracket.start()
            break
    if deep_at < 0:
        return None
    line_end = chunk.find("\n", deep_at)
    prefix = chunk if line_end < 0 else chunk[:line_end + 1]
    # a builder of its own: the failed pass already spent budget and may have noted problems
    again = _Builder(builder.lines, builder.offset, limits, [limits.max_nodes], [], builder.shift)
    again.ascii, again.newlines = builder.ascii, builder.newlines
    try:
        for _ in again.documents(yaml.parse(prefix, Loader=yaml.SafeLoader)):
            pass
    except _TooComplex as deep:
        return deep
    except (yaml.YAMLError, RecursionError, ValueError):
        pass  # the cut text ended mid-document: it was not the nesting after all
    return None


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


class _Builder:
    """libyaml events -> our nodes directly (no intermediate PyYAML node tree), with UTF-16
    columns, bounded depth, and aliases shared rather than expanded."""

    def __init__(self, lines, offset, limits, budget, problems, shift=0):
        self.lines = lines
        self.offset = offset
        self.limits = limits
        self.budget = budget
        self.problems = problems
        self.shift = shift  # columns cut from the first line of the chunk
        self.ascii = False  # set per chunk by the caller
        self.newlines: Optional[list] = None  # offsets of \n in the chunk, when YAML counts lines otherwise

    def relined(self, mark):
        """A mark with its line and column counted at \n alone (from its index: code points)."""
        if self.newlines is None or mark is None:
            return mark
        line = bisect.bisect_left(self.newlines, mark.index)
        column = mark.index - (self.newlines[line - 1] + 1 if line else 0)
        return yaml.Mark(mark.name, mark.index, line, column, None, None)

    def span(self, start, end):
        """The span of two marks, packed for a node (span.packed_span)."""
        if self.ascii:  # the common case: code-point columns are UTF-16 columns
            return packed_span(self.offset + start.line, start.column, self.offset + end.line, end.column)
        if self.newlines is not None:
            start, end = self.relined(start), self.relined(end)
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
        return packed_span(sl, sc, el, ec)

    def documents(self, events):
        """Yields the root node of each document of the event stream."""
        limits = self.limits
        budget = self.budget
        anchors: dict[str, Node] = {}
        sizes: dict[int, int] = {}  # id(anchored node) -> its size with aliases expanded
        aliases = 0
        stack: list = []  # open collections: [node, pending key or _NO_KEY, start mark, expanded size]
        root = None
        for event in events:
            cls = event.__class__
            if cls is yaml.ScalarEvent:
                tag = event.tag
                value = event.value
                if tag is None or tag == "!":
                    kind = plain_type(value) if event.implicit[0] and not event.style else "str"
                else:
                    kind = TAG_TYPES.get(tag.replace("!!", "tag:yaml.org,2002:", 1), "str")
                node = Scalar(self.span(event.start_mark, event.end_mark), value, kind)
                size = 1
                if event.anchor:
                    anchors[event.anchor] = node
                    sizes[id(node)] = 1
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                budget[0] -= 1
                if budget[0] < 0:
                    raise _TooComplex("File too large: more YAML nodes than one per 4 characters past "
                                      f"{limits.max_nodes}", event.start_mark)
                if len(stack) >= limits.max_depth:
                    raise _TooComplex(f"Nesting deeper than {limits.max_depth} levels", event.start_mark)
                node = Mapping(None, ()) if cls is yaml.MappingStartEvent else Sequence(None, [])
                if event.anchor:
                    anchors[event.anchor] = node
                # a mapping's keys and values gather in a list of their own, flat, until its end
                stack.append([node, _NO_KEY, event.start_mark, 1, event.anchor, []])
                continue
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                node, _, start_mark, size, anchor, parts = stack.pop()
                node.span = self.span(start_mark, event.end_mark)
                if anchor:
                    sizes[id(node)] = size
                if cls is yaml.MappingEndEvent:
                    node.flat = tuple(parts)
                    self._check_duplicates(node)
            elif cls is yaml.AliasEvent:
                aliases += 1
                if aliases > limits.max_aliases:
                    raise _TooComplex(f"Too many alias uses (more than {limits.max_aliases}): not expanded, "
                                      "this looks like an alias bomb", event.start_mark)
                node = anchors.get(event.anchor)
                if node is None:
                    raise _TooComplex(f"Unknown alias '*{event.anchor}'", event.start_mark)
                size = sizes.get(id(node), 1)
            elif cls is yaml.DocumentStartEvent:
                anchors = {}
                aliases = 0
                root = None
                continue
            elif cls is yaml.DocumentEndEvent:
                if root is not None:
                    yield root
                continue
            else:
                continue
            budget[0] -= 1
            if not stack:
                root = node
                continue
            parent = stack[-1]
            parent[3] += size
            if parent[3] > limits.max_expanded:
                raise _TooComplex(f"Aliases would expand this document past {limits.max_expanded} nodes: "
                                  "not expanded, this is a YAML bomb", event.start_mark)
            if parent[0].__class__ is Sequence:
                parent[0].items.append(node)
            elif parent[1] is _NO_KEY:
                parent[1] = node
            else:
                parent[5] += (parent[1], node)
                parent[1] = _NO_KEY

    def _check_duplicates(self, node: Mapping) -> None:
        if len(node) < 2:
            return
        seen: set[str] = set()
        duplicated = False
        for key, _ in node.items:
            if isinstance(key, Scalar):
                if key.value in seen:
                    duplicated = True
                    self.problems.append(ParseProblem(
                        key.span, f"Duplicate key '{key.value}': YAML parsers disagree on which value wins "
                        "(Kubernetes keeps the last)", "duplicate-key"))
                seen.add(key.value)
        if duplicated:  # keep the last, as the API server's decoder does
            last: dict[str, int] = {}
            for position, (key, _) in enumerate(node.items):
                if isinstance(key, Scalar):
                    last[key.value] = position
            node.items = [(k, v) for position, (k, v) in enumerate(node.items)
                          if not isinstance(k, Scalar) or last[k.value] == position]


_NO_KEY = object()
_new_span = tuple.__new__
