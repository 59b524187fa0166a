"""Where a rendered field came from, when not from the object's own file.

A rendered object keeps the path of the resource file it was read from, and every node taken
from that file keeps its span. A node written by a kustomization (the `namespace:` value, a
`commonLabels` entry, a patch's fields) lives in another file: it gets a span on a reserved
line (ORIGIN_LINE and on), an entry in the Origins table says which file and span it really
is, and `locate` turns a finding's (path, span) back into the real place.
"""
from __future__ import annotations

from typing import Optional

from ..manifests.nodes import Mapping, Node, Scalar, Sequence
from ..span import Span

ORIGIN_LINE = 1 << 30  # far beyond any real line: 5 MiB files have at most ~5M lines


class Origins:
    def __init__(self) -> None:
        self.table: list[tuple[str, Span]] = []
        self.known: dict[tuple[str, Span], Span] = {}

    def span(self, path: str, real: Span) -> Span:
        """A reserved span standing for `real` in `path`: the same one every time, so a table
        kept across renders (the language server's) gives an unchanged file the same spans."""
        done = self.known.get((path, real))
        if done is None:
            self.table.append((path, real))
            line = ORIGIN_LINE + len(self.table) - 1
            done = self.known[(path, real)] = Span(line, 0, line, 0)
        return done

    def locate(self, path: str, span: Span) -> tuple[str, Span]:
        if span.start_line < ORIGIN_LINE:
            return path, span
        index = span.start_line - ORIGIN_LINE
        if index < len(self.table):
            return self.table[index]
        return path, Span(0, 0, 0, 0)

    def written(self, node: Optional[Node], path: str, shift=None) -> Optional[Node]:
        """A copy of a subtree of `path` whose every node stands for its real place there.
        shift(span) -> span maps spans of text embedded in a string (an inline patch)."""
        if node is None:
            return None
        real = shift(node.span) if shift is not None else node.span
        span = self.span(path, real)
        if isinstance(node, Scalar):
            return Scalar(span, node.value, node.type)
        if isinstance(node, Sequence):
            return Sequence(span, [self.written(item, path, shift) for item in node.items])
        if isinstance(node, Mapping):
            return Mapping(span, [(self.written(k, path, shift), self.written(v, path, shift))
                                  for k, v in node.items])
        return node


def is_written(span: Span) -> bool:
    return span.start_line >= ORIGIN_LINE
