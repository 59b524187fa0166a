"""Positions: the one home of spans.

A Span is 0-based (line, column) start and end, columns in UTF-16 code units, as the
Language Server Protocol wants them. The text reporter adds 1 to both when it prints.
"""
from __future__ import annotations

from typing import NamedTuple


class Span(NamedTuple):
    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def contains(self, line: int, col: int) -> bool:
        if (line, col) < (self.start_line, self.start_col):
            return False
        return (line, col) <= (self.end_line, self.end_col)

    def size(self) -> tuple[int, int]:
        """Orders spans so the innermost one at a position sorts first."""
        return (self.end_line - self.start_line, self.end_col - self.start_col)


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units (characters beyond the BMP count twice)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def utf16_col(line_text: str, codepoint_col: int) -> int:
    """Converts a code-point column (what parsers count) to a UTF-16 column (what LSP counts)."""
    if line_text.isascii():
        return codepoint_col
    return utf16_len(line_text[:codepoint_col])


def codepoint_col(line_text: str, utf16_column: int) -> int:
    """The inverse of utf16_col: a UTF-16 column to an index into line_text."""
    if line_text.isascii():
        return min(utf16_column, len(line_text))
    units = 0
    for index, char in enumerate(line_text):
        if units >= utf16_column:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(line_text)
