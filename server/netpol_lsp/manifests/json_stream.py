"""A stream of concatenated JSON values (`{...}{...}` or one object a line), as kubectl and
kustomize accept it: each value is a document of its own.

Only a chunk that starts with `{` or `[` and does not parse as one YAML document is cut here,
so an ordinary JSON file costs nothing extra.
"""
from __future__ import annotations

import re
from typing import Optional

# a JSON string (skipped whole: brackets inside it are text) or a bracket
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]]')


def json_values(chunk: str) -> Optional[list[tuple[int, int]]]:
    """(start, end) offsets of each top-level JSON value of the chunk, when it holds more than
    one and nothing but whitespace between them; None otherwise."""
    stripped = chunk.lstrip()
    if not stripped or stripped[0] not in "{[":
        return None
    values = []
    depth = 0
    begin = None
    position = 0
    for match in _TOKEN.finditer(chunk):
        token = match.group()
        if depth == 0:
            if token not in ("{", "["):
                return None
            if chunk[position:match.start()].strip():
                return None  # something else between two values: not a JSON stream
            begin = match.start()
        if token in ("{", "["):
            depth += 1
        elif token in ("}", "]"):
            depth -= 1
            if depth == 0:
                values.append((begin, match.end()))
                position = match.end()
    if depth != 0 or chunk[position:].strip() or len(values) < 2:
        return None
    return values
