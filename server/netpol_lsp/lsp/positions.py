"""LSP positions and ranges <-> our Span.

Both count 0-based lines and UTF-16 columns (the server always negotiates UTF-16, see
server.py), so the conversion is a change of type, plus clamping of what a client may send.
Incremental text edits are applied here too (apply_change), not by pygls, whose position
decoding strays from LSP's: a column one past the end of a line eats the line break, a column
past the end of the last line stops one character short, and Python's splitlines() also ends
lines at U+2028, U+0085, form feeds and other characters a client does not count as line ends.
"""
from __future__ import annotations

import re
from typing import Optional

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


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # LSP's line ends, and no others
_LINE_BREAK_KEPT = re.compile(r"(\r\n|\r|\n)")


def _advance(text: str, start: int, lines: int) -> Optional[int]:
    """Where the line `lines` below the one starting at `start` starts; None past the last line."""
    for _ in range(lines):
        match = _LINE_BREAK.search(text, start)
        if match is None:
            return None
        start = match.end()
    return start


def _line_start(text: str, line: int) -> Optional[int]:
    """Where a line starts; None past the last line. Far lines in one C-speed split."""
    if line < 64:
        return _advance(text, 0, line)
    if "\r" in text:
        pieces = _LINE_BREAK_KEPT.split(text, line)  # lines and breaks alternate, then the rest
        return len(text) - len(pieces[-1]) if len(pieces) == 2 * line + 1 else None
    pieces = text.split("\n", line)
    return len(text) - len(pieces[-1]) if len(pieces) == line + 1 else None


def _column(text: str, start: Optional[int], character: int) -> int:
    """The index of a UTF-16 column on the line starting at `start` (None: past the last line,
    the end of the text). Past the line's end: its end; inside a surrogate pair: after it."""
    if start is None:
        return len(text)
    match = _LINE_BREAK.search(text, start)
    end = match.start() if match else len(text)
    if text[start:end].isascii():
        return start + min(character, end - start)
    units = 0
    for index in range(start, end):
        if units >= character:
            return index
        units += 2 if ord(text[index]) > 0xFFFF else 1
    return end


def apply_change(text: str, change) -> str:
    """One content change of a didChange, as the protocol defines it."""
    if not isinstance(change, types.TextDocumentContentChangePartial):
        return change.text  # the whole document
    first, last = change.range.start, change.range.end
    first_line = _line_start(text, first.line)
    if first_line is not None and last.line >= first.line:
        last_line = _advance(text, first_line, last.line - first.line)  # no second walk from the top
    else:
        last_line = _line_start(text, last.line)
    start, end = _column(text, first_line, first.character), _column(text, last_line, last.character)
    if end < start:  # a reversed range: taken for what it obviously means
        start, end = end, start
    return text[:start] + change.text + text[end:]
