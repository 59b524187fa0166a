"""Where the cursor is in a block YAML document, from the text alone: the key path by indentation.

Completion runs on half-typed YAML (`app: fr`, a key without its colon, an empty list item) that
often does not parse, or parses into the wrong shape (`matchLabels:` followed by `ap` reads as the
string "ap"). So the path to the cursor is read from the lines above it, the way a person reads
YAML: each line's `- ` dashes and `key:` at their columns, a deeper column nests, the same column
is a sibling. Flow collections (`{...}` on the cursor line, JSON) are left to the parsed nodes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Union

from ..manifests.parse import split_documents
from ..span import codepoint_col, utf16_len

Key = Union[str, int]

_KEY = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#"'\[\]{},][^#]*?)[ \t]*:(?=[ \t]|$)""")
_WORD_END = re.compile(r"""[^\s:,\[\]{}#"']*""")
MAX_KEY = 1024  # longer keys are not looked for (Kubernetes label keys stop at 317 characters)


@dataclass
class Cursor:
    """What is being typed at the cursor.

    role "key": a key of the mapping at `path`; role "value": the value at `path` (whose last
    element is its key, or its index in a list)."""

    path: list[Key]
    role: str
    prefix: str  # the part of the word before the cursor
    start: int  # UTF-16 column where the word starts
    end: int  # UTF-16 column where it ends (at or after the cursor)
    children: list[dict[str, str]] = field(default_factory=list)  # [i]: keys of the node at path[:i] -> inline value
    has_colon: bool = False  # role key: the word is already followed by `:`
    quote: str = ""  # role value: the quote the value was opened with

    def mapping(self) -> dict[str, str]:
        """The keys around the cursor: of the mapping typed in (key), or holding the value (value)."""
        index = len(self.path) if self.role == "key" else len(self.path) - 1
        return self.children[index] if 0 <= index < len(self.children) else {}

    def at(self, depth: int) -> dict[str, str]:
        return self.children[depth] if 0 <= depth < len(self.children) else {}


@dataclass
class _Comp:
    col: int
    kind: str  # "dash" | "key" | "scalar"
    name: str = ""
    value: str = ""  # a key's inline value (comment removed)


@dataclass
class _Frame:
    col: int
    kind: str  # "root" | "key" | "dash"
    name: Key = ""
    open: bool = True  # may have children on the lines below (no inline value)
    children: dict = field(default_factory=dict)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _strip_comment(text: str) -> str:
    match = re.search(r"(^|[ \t])#", text)
    return (text[:match.start()] if match else text).strip()


def components(text: str) -> list[_Comp]:
    """The dashes and the key (or scalar) of one line, with their columns; [] for a blank or
    comment line."""
    comps: list[_Comp] = []
    text = text.rstrip("\r")
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n or text[i] == "#":
            return comps
        if text[i] == "-" and (i + 1 == n or text[i + 1] in " \t"):
            comps.append(_Comp(i, "dash"))
            i += 1
            continue
        match = _KEY.match(text[:i + MAX_KEY], i)  # bounded: the lazy key pattern is quadratic
        if match and not text.startswith(("---", "..."), i):
            comps.append(_Comp(i, "key", _unquote(match.group(1).strip()), _strip_comment(text[match.end():])))
        else:
            comps.append(_Comp(i, "scalar", value=_strip_comment(text[i:])))
        return comps


class _Walker:
    def __init__(self):
        self.stack = [_Frame(-1, "root")]

    def close(self, col: int, dash: bool) -> Optional[_Frame]:
        """Pops the frames a component at `col` ends; returns the sibling dash it replaces."""
        popped_dash = None
        while len(self.stack) > 1:
            top = self.stack[-1]
            if top.col > col:
                self.stack.pop()
                continue
            if top.col == col:
                if top.kind == "key" and dash and top.open:
                    break  # a list written at its key's column (kubectl's style)
                self.stack.pop()
                if top.kind == "dash" and dash:
                    popped_dash = top
                continue
            break
        return popped_dash

    def push(self, comp: _Comp) -> None:
        if comp.kind == "dash":
            sibling = self.close(comp.col, True)
            self.stack.append(_Frame(comp.col, "dash", sibling.name + 1 if sibling is not None else 0))
        elif comp.kind == "key":
            self.close(comp.col, False)
            self.stack[-1].children[comp.name] = comp.value
            self.stack.append(_Frame(comp.col, "key", comp.name, open=not comp.value))

    def line(self, text: str) -> None:
        comps = components(text)
        if not comps:
            return
        top = self.stack[-1]
        if top.kind == "key" and not top.open and comps[0].col > top.col:
            return  # the continuation of a multi-line scalar, or a block scalar's text
        for comp in comps:
            if comp.kind == "scalar":
                return
            self.push(comp)

    def path(self) -> list[Key]:
        return [frame.name for frame in self.stack[1:]]


def cursor_at(lines: list[str], line: int, col: int) -> Optional[Cursor]:
    """The Cursor at (line, UTF-16 col) of a block YAML text; None in a comment, past the text,
    or in a flow collection."""
    if not 0 <= line < len(lines):
        return None
    start = next((s for s, e in split_documents(lines) if s <= line < e), None)
    if start is None:
        return None
    walker = _Walker()
    for number in range(start, line):
        if lines[number].startswith(("---", "...")):
            continue
        walker.line(lines[number])
    text = lines[line].rstrip("\r")
    cut = codepoint_col(text, col)
    before, after = text[:cut], text[cut:]
    if re.search(r"(^|[ \t])#", before) or before.startswith(("---", "...")):
        return None
    comps = components(before)
    last = comps[-1] if comps else None
    if last is not None and last.kind == "key":
        for comp in comps:
            walker.push(comp)
        cursor = _value(before, after, last, walker)
    elif last is not None and last.kind == "dash":
        for comp in comps:
            walker.push(comp)
        cursor = _word(walker.path(), "value", before, after, cut)
    elif last is not None:  # a word being typed: a list item's value, or a key
        for comp in comps[:-1]:
            walker.push(comp)
        if len(comps) > 1 and comps[-2].kind == "dash":
            cursor = _word(walker.path(), "value", before, after, last.col)
        else:
            if last.value[:1] in ("[", "{"):
                return None
            walker.close(last.col, False)
            cursor = _word(walker.path(), "key", before, after, last.col)
    else:  # nothing typed on the line yet: a key at the cursor's column
        walker.close(cut, False)
        cursor = _word(walker.path(), "key", before, after, cut)
    if cursor is None:
        return None
    chain = list(walker.stack)
    typed_key = None
    if cursor.role == "key" and cursor.has_colon:  # its own block value follows: not a sibling's
        comps = components(text)
        if comps and comps[-1].kind == "key" and comps[-1].name not in chain[-1].children:
            typed_key = comps[-1].name
            walker.line(text)
    for number in range(line + 1, len(lines)):
        if lines[number].startswith(("---", "...")):
            break
        walker.line(lines[number])
    if typed_key is not None:
        chain[-1].children.pop(typed_key, None)
    cursor.children = [frame.children for frame in chain]
    return cursor


def _word(path: list[Key], role: str, before: str, after: str, word_start: int) -> Cursor:
    typed = before[word_start:]
    quote = ""
    if typed[:1] in ("\"", "'"):
        quote, typed, word_start = typed[0], typed[1:], word_start + 1
    rest = _WORD_END.match(after).group(0)
    cursor = Cursor(path, role, typed, utf16_len(before[:word_start]), utf16_len(before) + utf16_len(rest),
                    quote=quote)
    if role == "key":
        cursor.has_colon = after[len(rest):].lstrip(" \t").startswith(":")
    return cursor


def _value(before: str, after: str, key: _Comp, walker: _Walker) -> Optional[Cursor]:
    """The cursor after `key:` on its line: the value, or an item of a `[...]` list."""
    match = _KEY.match(before[:key.col + MAX_KEY], key.col)
    value_start = match.end()
    while value_start < len(before) and before[value_start] in " \t":
        value_start += 1
    typed = before[value_start:]
    if typed.startswith("["):
        if "]" in typed or "{" in typed:
            return None
        index = typed.count(",")
        item_start = value_start + max(typed.rfind(","), typed.rfind("[")) + 1
        while item_start < len(before) and before[item_start] in " \t":
            item_start += 1
        return _word(walker.path() + [index], "value", before, after, item_start)
    if typed.startswith("{") or typed[:1] in ("|", ">"):
        return None
    return _word(walker.path(), "value", before, after, value_start)
