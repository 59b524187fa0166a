"""LSP positions and ranges <-> our Span.

Both count 0-based lines and UTF-16 columns (the server always negotiates UTF-16, see
server.py), so the conversion is a change of type, plus clamping of what a client may send.
Applying incremental text edits to a buffer is pygls's job, not ours.
"""
from __future__ import annotations

from lsprotocol import types

from ..span import Span


def to_range(span: Span) -> types.Range:
    return types.Range(start=types.Position(line=max(span.start_line, 0), character=max(span.start_col, 0)),
                       end=types.Position(line=max(span.end_line, 0), character=max(span.end_col, 0)))


def from_position(position: types.Position) -> tuple[int, int]:
    """(line, column) of a client position; negative values (a buggy client) become 0."""
    return max(position.line, 0), max(position.character, 0)


def from_range(rng: types.Range) -> Span:
    start_line, start_col = from_position(rng.start)
    end_line, end_col = from_position(rng.end)
    return Span(start_line, start_col, end_line, end_col)
