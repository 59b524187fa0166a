"""A small, position-keeping YAML tree.

Parsers hand us their own node types; the model only ever sees these three, each with the
Span of its text, so every field of every object can be pointed at.
"""
from __future__ import annotations

from typing import Iterator, Optional

from ..span import Span, pack_span, packed_span, unpack_span


class Node:
    """`span` is kept packed in one int (span.pack_span): a big repository has millions of
    nodes, and a Span tuple with its line numbers costs four times the int. Constructors take
    a Span or an already packed int (the parser's)."""

    __slots__ = ("_at",)

    def __init__(self, span: Span):
        self._at = span if span.__class__ is int else pack_span(span)

    @property
    def span(self) -> Span:
        return unpack_span(self._at)

    @span.setter
    def span(self, span: Span) -> None:
        self._at = span if span.__class__ is int else pack_span(span)


class Scalar(Node):
    """A scalar with its resolved YAML type: 'str', 'int', 'float', 'bool' or 'null'.

    Most scalars are strings (every key): their type is the class's, and only the others
    (a TypedScalar, made by the same constructor) keep one of their own: a slot less is 16
    bytes less on each of the millions of scalars of a big repository."""

    __slots__ = ("value",)
    type = "str"

    def __new__(cls, span: Span, value: str, type_: str = "str"):
        # everything is set here, no __init__: a million of these are made per big repository
        node = _new_object(cls if type_ == "str" or cls is not Scalar else TypedScalar)
        node._at = span if span.__class__ is int else pack_span(span)
        node.value = value
        if type_ != "str":
            node.type = type_
        return node

    __init__ = object.__init__  # not Node's: __new__ did it all (and this costs no call in Python)

    def __getnewargs__(self):  # copy and pickle make it through __new__, which needs these
        return self._at, self.value, self.type

    def python(self):
        """The value as PyYAML's safe loader would construct it (YAML 1.1 rules)."""
        if self.type == "int":
            return yaml_int(self.value)
        if self.type == "bool":
            return self.value.lower() in ("true", "yes", "on", "y")
        if self.type == "null":
            return None
        if self.type == "float":
            try:
                return float(self.value.replace("_", ""))
            except ValueError:
                return self.value
        return self.value

    def __repr__(self) -> str:
        return f"Scalar({self.value!r}, {self.type})"


class TypedScalar(Scalar):
    """A scalar whose type is not 'str' (made by Scalar(span, value, type))."""

    __slots__ = ("type",)


_new_object = object.__new__


def yaml_int(text: str):
    """YAML 1.1 integer text (signs, underscores, 0x, 0o, 0b, leading-zero octal) -> int."""
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    try:
        if digits[:2] in ("0x", "0X"):
            return sign * int(digits[2:], 16)
        if digits[:2] in ("0b", "0B"):
            return sign * int(digits[2:], 2)
        if digits[:2] in ("0o", "0O"):
            return sign * int(digits[2:], 8)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits, 8)
        if ":" in digits:  # sexagesimal, 1:30 == 90
            value = 0
            for part in digits.split(":"):
                value = value * 60 + int(part)
            return sign * value
        return sign * int(digits)
    except ValueError:
        return text


class Sequence(Node):
    """`items`: a list, or a tuple when the tree came from the fast path or a packed file."""

    __slots__ = ("items",)

    def __init__(self, span: Span, items: list[Node]):
        self._at = span if span.__class__ is int else pack_span(span)
        self.items = items

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class Mapping(Node):
    """Keys are Scalars (complex keys are kept as-is but never looked up). `items`: the
    (key, value) pairs, made on each read. They are kept flat, key, value, key, value, in
    `flat` (a tuple): a tuple per pair was a fifth of a big repository's nodes' memory
    (benchmarks/README.md, "Cold load, session 5"). Code that walks many mappings reads `flat`
    (or `pairs()`, which makes no tuple of pairs)."""

    __slots__ = ("flat",)

    def __init__(self, span: Span, items):
        self._at = span if span.__class__ is int else pack_span(span)
        self.flat = tuple([part for pair in items for part in pair]) if items else ()

    @classmethod
    def of_flat(cls, span, flat: tuple) -> "Mapping":
        """A mapping from its flat key, value, ... tuple (parsers and packing build that)."""
        node = cls.__new__(cls)
        node._at = span if span.__class__ is int or span is None else pack_span(span)
        node.flat = flat
        return node

    @property
    def items(self) -> tuple:
        flat = self.flat
        return tuple(zip(flat[::2], flat[1::2]))

    @items.setter
    def items(self, items) -> None:
        self.flat = tuple([part for pair in items for part in pair])

    def pairs(self):
        """The (key, value) pairs as an iterator: no tuple of them is made."""
        parts = iter(self.flat)
        return zip(parts, parts)

    def get(self, key: str) -> Optional[Node]:
        parts = iter(self.flat)
        for k, v in zip(parts, parts):
            if isinstance(k, Scalar) and k.value == key:
                return v
        return None

    def key(self, key: str) -> Optional[Scalar]:
        for k in self.flat[::2]:
            if isinstance(k, Scalar) and k.value == key:
                return k
        return None

    def has(self, key: str) -> bool:
        return self.key(key) is not None

    def keys(self) -> list[str]:
        return [k.value for k in self.flat[::2] if isinstance(k, Scalar)]

    def __len__(self) -> int:
        return len(self.flat) // 2


def to_python(node: Optional[Node], budget: list[int] | None = None):
    """Plain Python value of a node, for schema validation. Aliases were shared on parse,
    so a bomb would expand here: the budget (a one-item list, decremented) stops that."""
    if budget is None:
        budget = [200_000]
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("document too large to expand")
    if node is None:
        return None
    if isinstance(node, Scalar):
        return node.python()
    if isinstance(node, Sequence):
        return [to_python(item, budget) for item in node.items]
    if isinstance(node, Mapping):
        out = {}
        for k, v in node.pairs():
            out[k.value if isinstance(k, Scalar) else repr(k)] = to_python(v, budget)
        return out
    return None


def _shifted(at, lines: int):
    """A packed span `lines` lines further down, on the int itself when the start line stays in
    its field (span.packed_span's layouts: the short one keeps it from bit 32, the long one from
    bit 1); else unpacked and packed again (a Span, or a line that leaves the field)."""
    if at.__class__ is int:
        if not at & 1:
            start = (at >> 32) + lines
            if 0 <= start < 1 << 28:
                return at + (lines << 32)
        else:
            start = (at >> 1 & 0xFFFFFFFF) + lines
            if 0 <= start <= 0xFFFFFFFF:
                return at + (lines << 1)
    start_line, start_col, end_line, end_col = unpack_span(at)
    return packed_span(start_line + lines, start_col, end_line + lines, end_col)


def moved(node: Optional[Node], lines: int, copies: Optional[dict] = None) -> Optional[Node]:
    """A copy of the tree `lines` lines further down (negative: up); shared mappings and lists
    (aliases) stay shared, a shared scalar is copied once per use. Cheaper than parsing the text
    again: an editor's documents below an edit (a line added at the top of a 2,000-line file
    moves 3,600 nodes on every keystroke, so string scalars are made inline)."""
    if node is None:
        return None
    if copies is None:
        copies = {}
    done = copies.get(id(node))
    if done is not None:
        return done
    cls = node.__class__
    if cls is Scalar or cls is TypedScalar:
        return Scalar(_shifted(node._at, lines), node.value, node.type)
    parts = node.items if cls is Sequence else node.flat
    delta = lines << 32  # the short layout's start line (span.packed_span), the usual case
    out = []
    append = out.append
    for part in parts:
        if part.__class__ is Scalar:  # a string: made here, no call (Scalar.__new__ does the same)
            at = part._at
            if at.__class__ is int and not at & 1 and 0 <= (at >> 32) + lines < 1 << 28:
                at += delta
            else:
                at = _shifted(at, lines)
            copy = _new_object(Scalar)
            copy._at = at
            copy.value = part.value
            append(copy)
        else:
            append(moved(part, lines, copies))
    span = _shifted(node._at, lines)
    copy = Sequence(span, out) if cls is Sequence else Mapping.of_flat(span, tuple(out))
    copies[id(node)] = copy
    return copy
