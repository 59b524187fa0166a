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


# A node's span packed in one int (manifests/nodes.py): a Span tuple and its two line numbers
# take ~140 bytes, the int 32 or 48. Two layouts, told apart by the lowest bit:
# - short (bit 0 clear), the usual case: start column 10 bits, end column 12, line count 9,
#   start line 28, so the int stays under 2**60 (32 bytes; a larger one takes 48);
# - long (bit 0 set): 32 bits each for start line, start column, end column, then the line
#   count, unbounded.
# A span that fits neither (negative, or ending above its start) stays a Span.
_FIELD = 0xFFFFFFFF
_new_span = tuple.__new__


def packed_span(start_line: int, start_col: int, end_line: int, end_col: int):
    """The four numbers packed (the parser's hot path: no Span made first)."""
    lines = end_line - start_line
    if start_col < 1024 and end_col < 4096 and 0 <= lines < 512 and 0 <= start_line < 1 << 28 and start_col >= 0 \
            and end_col >= 0:
        return start_line << 32 | lines << 23 | end_col << 11 | start_col << 1
    if start_line < 0 or start_col < 0 or end_col < 0 or lines < 0 or start_line > _FIELD or start_col > _FIELD \
            or end_col > _FIELD:
        return _new_span(Span, (start_line, start_col, end_line, end_col))
    return (start_line | start_col << 32 | end_col << 64 | lines << 96) << 1 | 1


def pack_span(span):
    """A Span as an int (or the Span itself when it does not fit); None stays None."""
    if span is None:
        return None
    packed = packed_span(*span)
    return packed if packed.__class__ is int or span.__class__ is not Span else span


def unpack_span(packed):
    if packed.__class__ is not int:
        return packed  # a Span that did not fit, or None
    if packed & 1:
        packed >>= 1
        start_line = packed & _FIELD
        return _new_span(Span, (start_line, packed >> 32 & _FIELD, start_line + (packed >> 96), packed >> 64 & _FIELD))
    start_line = packed >> 32
    return _new_span(Span, (start_line, packed >> 1 & 1023, start_line + (packed >> 23 & 511), packed >> 11 & 4095))


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
