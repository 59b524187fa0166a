"""Minimal text edits to manifests, computed from the spans the parser recorded.

An edit touches only what it must: comments, blank lines, quoting and key order around it stay.
New block content takes its indentation from the document (the column of the sibling keys, the
way this document indents list items under their key); a flow collection (`{...}`, `[...]`, a
JSON file) gets flow content, JSON-quoted when its keys are quoted.

Every function returns a TextEdit, or None when the shape is one it does not know how to edit
safely (then no fix is offered: a wrong edit is worse than none).
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Optional, Union

from ..findings import TextEdit
from ..span import Span, codepoint_col, utf16_len
from .lines import Lines
from .nodes import Mapping, Node, Scalar, Sequence
from .scalars import plain_type

Value = Union[str, int, list, dict]

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


class Text:
    """A file's lines, with the questions edits ask about them. The lines are sliced from the
    text when asked for (lines.Lines): a Text is kept with its file (text_of), and a list of
    every line of every file with a fix held 14 MB in a 10,000-file run."""

    def __init__(self, text: str):
        self.lines = Lines(text)
        self.newline = "\r\n" if self.lines[0].endswith("\r") else "\n"  # keep a CRLF file CRLF

    def line(self, number: int) -> str:
        return self.lines[number] if 0 <= number < len(self.lines) else ""

    def char_at(self, line: int, col: int) -> str:
        text = self.line(line)
        index = codepoint_col(text, col)
        return text[index] if index < len(text) else ""

    def slice(self, span: Span) -> str:
        if span.start_line == span.end_line:
            text = self.line(span.start_line)
            return text[codepoint_col(text, span.start_col):codepoint_col(text, span.end_col)]
        first = self.line(span.start_line)
        last = self.line(span.end_line)
        middle = self.lines[span.start_line + 1:span.end_line]
        return "\n".join([first[codepoint_col(first, span.start_col):], *middle,
                          last[:codepoint_col(last, span.end_col)]])

    def indent(self, line: int) -> str:
        text = self.line(line)
        return text[:len(text) - len(text.lstrip(" \t"))]

    def before(self, line: int, col: int) -> str:
        text = self.line(line)
        return text[:codepoint_col(text, col)]

    def eol(self, line: int) -> int:
        """The end of a line's text (before a CR of a CRLF line end)."""
        return utf16_len(self.line(line).rstrip("\r"))

    def is_flow(self, node: Optional[Node]) -> bool:
        return isinstance(node, (Mapping, Sequence)) and self.char_at(node.span.start_line, node.span.start_col) in "{["

    def is_quoted(self, node: Node) -> bool:
        return self.char_at(node.span.start_line, node.span.start_col) in "\"'"

    def _blank_or_comment(self, line: int) -> bool:
        stripped = self.line(line).strip()
        return not stripped or stripped.startswith("#")

    def content_end(self, node: Node) -> tuple[int, int]:
        """Where the text of a node really ends: a block collection's span runs on to the next
        token, which may be lines further (past comments and blank lines)."""
        if isinstance(node, Scalar) or self.is_flow(node):
            return node.span.end_line, node.span.end_col
        if isinstance(node, Mapping) and node.items:
            key, value = node.items[-1]
            if isinstance(value, Scalar) and value.type == "null" and not self.slice(value.span):
                return key.span.end_line, key.span.end_col + (1 if self.char_at(key.span.end_line, key.span.end_col) == ":" else 0)
            return self.content_end(value)
        if isinstance(node, Sequence) and node.items:
            return self.content_end(node.items[-1])
        return node.span.start_line, node.span.start_col

    def last_line(self, node: Node) -> int:
        """The last line holding text of the node (not the blank or comment lines after it)."""
        line, col = self.content_end(node)
        while line > node.span.start_line and (not self.before(line, col).strip() or self._blank_or_comment(line)):
            line -= 1
            col = self.eol(line)
        return line

    def alone_on_line(self, node: Node) -> bool:
        """Nothing but indentation before the node on its first line."""
        return not self.before(node.span.start_line, node.span.start_col).strip()

    def dash_col(self, item: Node) -> Optional[int]:
        """The column of the `-` that introduces a block sequence item."""
        before = self.before(item.span.start_line, item.span.start_col).rstrip(" ")
        if before.endswith("-"):
            return utf16_len(before) - 1
        return None


def text_of(source) -> Text:
    """The Text of a SourceFile, made once per file version (SourceFiles never change)."""
    text = source.cache.get("edits.text")
    if text is None:
        text = source.cache["edits.text"] = Text(source.text)
    return text


def key_value_span(text: Text, key: Optional[Node], value: Optional[Node]) -> Optional[Span]:
    """From a key to the end of its value's text: what to highlight for `key: value`."""
    first = key or value
    if first is None:
        return None
    end = text.content_end(value) if value is not None else (key.span.end_line, key.span.end_col)
    if end < (first.span.start_line, first.span.start_col):
        end = (first.span.end_line, first.span.end_col)
    return Span(first.span.start_line, first.span.start_col, *end)


# --- style of the document ------------------------------------------------------------------

class Style:
    """How a document indents: the step of nested mappings, where list dashes go under their key."""

    def __init__(self, step: int = 2, dash: int = 2):
        self.step = step  # child keys this many columns right of their parent key
        self.dash = dash  # a list's `-` this many columns right of its key (0: kubectl's compact style)

    @classmethod
    def of(cls, text: Text, root: Optional[Node]) -> "Style":
        step = dash = None
        for key, value in _keyed(root):
            if step is None and isinstance(value, Mapping) and value.items and not text.is_flow(value) \
                    and value.span.start_line > key.span.start_line:
                step = value.items[0][0].span.start_col - key.span.start_col
            if dash is None and isinstance(value, Sequence) and value.items and not text.is_flow(value) \
                    and value.items[0].span.start_line > key.span.start_line:
                col = text.dash_col(value.items[0])
                if col is not None:
                    dash = col - key.span.start_col
            if step is not None and dash is not None:
                break
        step = step if step and step > 0 else 2
        dash = dash if dash is not None and dash >= 0 else 2
        return cls(step, dash)


def _keyed(node: Optional[Node], depth: int = 0) -> Iterable[tuple[Scalar, Node]]:
    if depth > 40 or node is None:
        return
    if isinstance(node, Mapping):
        for key, value in node.items:
            if isinstance(key, Scalar):
                yield key, value
            yield from _keyed(value, depth + 1)
    elif isinstance(node, Sequence):
        for item in node.items:
            yield from _keyed(item, depth + 1)


# --- rendering ------------------------------------------------------------------------------

def scalar(value: Any, quote: str = "") -> str:
    """A scalar as YAML text: plain when that reads back as the same string, else quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if quote == "'":
        return "'" + text.replace("'", "''") + "'"
    if quote == '"' or not _PLAIN.match(text) or plain_type(text) != "str":
        return json.dumps(text)
    return text


def block(value: dict, col: int, style: Style) -> list[str]:
    """Block YAML lines for a mapping whose keys start at `col`."""
    lines = []
    pad = " " * col
    for key, item in value.items():
        if isinstance(item, dict) and item:
            lines.append(f"{pad}{scalar(key)}:")
            lines += block(item, col + style.step, style)
        elif isinstance(item, list) and item:
            lines.append(f"{pad}{scalar(key)}:")
            lines += block_items(item, col + style.dash, style)
        else:
            lines.append(f"{pad}{scalar(key)}: {flow(item)}")
    return lines


def block_items(items: list, col: int, style: Style) -> list[str]:
    """Block YAML lines for list items whose `-` is at `col`."""
    lines = []
    for item in items:
        if isinstance(item, dict) and item:
            inner = block(item, col + 2, style)
            inner[0] = " " * col + "- " + inner[0][col + 2:]
            lines += inner
        else:
            lines.append(" " * col + "- " + flow(item))
    return lines


def flow(value: Any, quoted_keys: bool = False) -> str:
    """Flow YAML (JSON when quoted_keys) for a value."""
    if quoted_keys:
        return json.dumps(value, separators=(", ", ": "))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def _quoted_keys(text: Text, mapping: Optional[Node]) -> bool:
    if isinstance(mapping, Mapping) and mapping.items:
        return text.is_quoted(mapping.items[0][0])
    return False


def _insert(line: int, col: int, new_text: str) -> TextEdit:
    return TextEdit(Span(line, col, line, col), new_text)


def _insert_lines(text: Text, after_line: int, lines: list[str]) -> TextEdit:
    """New lines after a line (at the end of a file without a final newline too)."""
    nl = text.newline
    if after_line + 1 < len(text.lines):
        return _insert(after_line + 1, 0, nl.join(lines) + nl)
    return _insert(after_line, text.eol(after_line), nl + nl.join(lines))


# --- edits ----------------------------------------------------------------------------------

def add_key(text: Text, mapping: Mapping, key: str, value: Value, style: Style,
            before: Iterable[str] = ()) -> Optional[TextEdit]:
    """Adds `key: value` to a mapping: before the first of the `before` keys it has (the
    conventional order), else at its end."""
    if not isinstance(mapping, Mapping):
        return None
    anchor = next((k for k, _ in mapping.items if isinstance(k, Scalar) and k.value in tuple(before)), None)
    if text.is_flow(mapping):
        quoted = _quoted_keys(text, mapping)
        entry = f"{json.dumps(key) if quoted else scalar(key)}: {flow(value, quoted)}"
        if anchor is not None:
            return _insert(anchor.span.start_line, anchor.span.start_col, entry + ", ")
        if mapping.items:
            line, col = text.content_end(mapping.items[-1][1])
            return _insert(line, col, ", " + entry)
        return _insert(mapping.span.end_line, mapping.span.end_col - 1, entry)
    if not mapping.items:
        return None
    col = mapping.items[0][0].span.start_col
    lines = block({key: value}, col, style)
    if anchor is not None and text.alone_on_line(anchor):
        line = anchor.span.start_line
        while line - 1 > mapping.span.start_line and text.line(line - 1).strip().startswith("#") \
                and len(text.indent(line - 1)) == col:
            line -= 1  # the comments written above the key belong to it
        return _insert(line, 0, text.newline.join(lines) + text.newline)
    return _insert_lines(text, text.last_line(mapping), lines)


def append_item(text: Text, sequence: Sequence, value: Value, style: Style) -> Optional[TextEdit]:
    """Adds an item at the end of a list."""
    if not isinstance(sequence, Sequence):
        return None
    if text.is_flow(sequence):
        quoted = text.is_quoted(sequence.items[0]) if sequence.items and isinstance(sequence.items[0], Scalar) \
            else _quoted_keys(text, sequence.items[0] if sequence.items else None)
        entry = flow(value, quoted)
        if sequence.items:
            line, col = text.content_end(sequence.items[-1])
            return _insert(line, col, ", " + entry)
        return _insert(sequence.span.end_line, sequence.span.end_col - 1, entry)
    if not sequence.items:
        return None
    dash = text.dash_col(sequence.items[0])
    if dash is None:
        return None
    return _insert_lines(text, text.last_line(sequence), block_items([value], dash, style))


def set_value(text: Text, parent: Mapping, key: str, value: Value, style: Style) -> Optional[TextEdit]:
    """Replaces the value of `key` (an empty one: null, [] or {}) with a new one."""
    key_node = parent.key(key) if isinstance(parent, Mapping) else None
    if key_node is None:
        return None
    old = parent.get(key)
    if text.is_flow(parent) or not isinstance(value, (list, dict)) or not value:
        quoted = _quoted_keys(text, parent)
        if isinstance(old, Scalar) and old.type == "null" and not text.slice(old.span):
            line, col = key_node.span.end_line, key_node.span.end_col
            if text.char_at(line, col) != ":":
                return None
            return _insert(line, col + 1, " " + flow(value, quoted))
        return TextEdit(old.span, flow(value, quoted))
    line, col = key_node.span.end_line, key_node.span.end_col
    if text.char_at(line, col) != ":":
        return None
    if isinstance(value, dict):
        lines = block(value, key_node.span.start_col + style.step, style)
    else:
        lines = block_items(value, key_node.span.start_col + style.dash, style)
    if isinstance(old, Scalar) and old.type == "null" and not text.slice(old.span):
        end = (line, col + 1)
    elif old is not None and text.is_flow(old) and not getattr(old, "items", None):
        end = (old.span.end_line, old.span.end_col)
    else:
        return None  # a value with content: not ours to overwrite
    return TextEdit(Span(line, col + 1, end[0], end[1]), text.newline + text.newline.join(lines))


def remove_key(text: Text, mapping: Mapping, key: str) -> Optional[TextEdit]:
    """Removes `key` and its value, with the lines they occupy."""
    if not isinstance(mapping, Mapping):
        return None
    position = next((i for i, (k, _) in enumerate(mapping.items) if isinstance(k, Scalar) and k.value == key), None)
    if position is None:
        return None
    key_node, value = mapping.items[position]
    if text.is_flow(mapping):
        if position + 1 < len(mapping.items):
            following = mapping.items[position + 1][0]
            return TextEdit(Span(key_node.span.start_line, key_node.span.start_col,
                                 following.span.start_line, following.span.start_col), "")
        if position == 0:
            end = text.content_end(value)
            return TextEdit(Span(key_node.span.start_line, key_node.span.start_col, *end), "")
        start = text.content_end(mapping.items[position - 1][1])
        return TextEdit(Span(*start, *text.content_end(value)), "")
    if not text.alone_on_line(key_node) or len(mapping.items) == 1:
        return None
    last = max(text.last_line(value), key_node.span.start_line)
    if last + 1 < len(text.lines):
        return TextEdit(Span(key_node.span.start_line, 0, last + 1, 0), "")
    if key_node.span.start_line == 0:
        return None
    previous = key_node.span.start_line - 1
    return TextEdit(Span(previous, text.eol(previous), last, text.eol(last)), "")


def replace_scalar(text: Text, node: Scalar, value: Any) -> TextEdit:
    """A scalar's new value, quoted the way the old one was (or as the new one needs)."""
    quote = text.char_at(node.span.start_line, node.span.start_col)
    return TextEdit(node.span, scalar(value, quote if quote in "\"'" else ""))


def swap(text: Text, first: Node, second: Node) -> tuple[TextEdit, TextEdit]:
    """Exchanges the texts of two nodes."""
    return TextEdit(first.span, text.slice(second.span)), TextEdit(second.span, text.slice(first.span))
