"""The lines of a large text without a list of them.

`text.split("\\n")` on a 64 MiB bundle makes a million strings that live as long as the parse
(twice the text's own memory); here only the offset where each line starts is kept, in an
array (8 bytes a line), and a line is sliced from the text when it is asked for. That array
is built only when a line other than a document separator is asked for (an error, a template,
non-ASCII text): cutting an ordinary file into documents needs the separators' offsets alone.
"""
from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from itertools import accumulate

_BLOCK = 1 << 20
_SEPARATOR = re.compile(r"^(?:---|\.\.\.)", re.MULTILINE)  # where a document may start or end


class Lines:
    def __init__(self, text: str):
        self.text = text
        self._starts = None
        self._count = None
        self._known = {0: 0}  # line -> offset of its start, for the lines seen without the array

    @property
    def starts(self) -> array:
        if self._starts is None:
            self._starts = _line_starts(self.text)
        return self._starts

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.text.count("\n") + 1
        return self._count

    def _offset(self, index: int) -> int:
        known = self._known.get(index)
        if known is not None:
            return known
        return self.starts[index]

    def __getitem__(self, index):
        count = len(self)
        if index.__class__ is slice:
            return [self[number] for number in range(*index.indices(count))]
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(index)
        start = self._offset(index)
        end = self.text.find("\n", start)
        return self.text[start:] if end == -1 else self.text[start:end]

    def join(self, start: int, end: int) -> str:
        """Lines start..end-1 joined with newlines, as "\\n".join(lines[start:end]) would."""
        if start >= end:
            return ""
        finish = self._offset(end) - 1 if end < len(self) else len(self.text)
        return self.text[self._offset(start):finish]

    def separator_lines(self):
        """The numbers of the lines that start with `---` or `...`, in order (their offsets and
        the next line's are noted, so that the documents between them can be cut)."""
        text, known = self.text, self._known
        line, position = 0, 0
        for match in _SEPARATOR.finditer(text):
            offset = match.start()
            line += text.count("\n", position, offset)
            position = offset
            known[line] = offset
            after = text.find("\n", offset)
            if after != -1:
                known[line + 1] = after + 1
            yield line


def _line_starts(text: str) -> array:
    starts = array("q", [0])  # the first line, then one after every newline
    position = 0
    size = len(text)
    while position < size:  # a block at a time: a list of one block's lines at most
        cut = text.find("\n", min(position + _BLOCK, size))
        end = size if cut == -1 else cut + 1
        parts = text[position:end].split("\n")
        sums = accumulate((len(part) + 1 for part in parts[:-1]), initial=position)
        next(sums)  # the block's own start, already there
        starts.extend(sums)
        position = end
    return starts
