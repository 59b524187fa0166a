"""The lines of a large text without a list of them.

`text.split("\\n")` on a 64 MiB bundle makes a million strings that live as long as the parse
(twice the text's own memory); here only the offset where each line starts is kept, in an
array (8 bytes a line), and a line is sliced from the text when it is asked for.
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
        self.starts = starts

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> str:
        count = len(self.starts)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(index)
        end = self.starts[index + 1] - 1 if index + 1 < count else len(self.text)
        return self.text[self.starts[index]:end]

    def join(self, start: int, end: int) -> str:
        """Lines start..end-1 joined with newlines, as "\\n".join(lines[start:end]) would."""
        if start >= end:
            return ""
        finish = self.starts[end] - 1 if end < len(self.starts) else len(self.text)
        return self.text[self.starts[start]:finish]

    def separator_lines(self):
        """The numbers of the lines that start with `---` or `...`, in order."""
        for match in _SEPARATOR.finditer(self.text):
            yield bisect_right(self.starts, match.start()) - 1
